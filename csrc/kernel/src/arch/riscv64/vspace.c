/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * RISC-V 64 with Sv39, as current seL4 has it: three levels of one page-table type, the root being
 * a page table given an ASID (seL4_RISCV_PageTableObject), 4 KiB / 2 MiB / 1 GiB frames (a 1 GiB
 * frame maps in the root itself), user addresses below seL4_UserTop (exclusive), execute-never as
 * the one attribute. The walk, entries, ASIDs, the MMU view and the PageTable invocations are shared
 * with the other arches (../uniform_pt.h, where a root page table's refused unmap is too); what is
 * RISC-V's own is its frame map: it checks the walk before the frame's own mapping, refuses to
 * replace a valid entry (seL4_DeleteFirst), and writes a mapping with no read, write or execute
 * right as an invalid entry.
 */

#include "../../kernel_internal.h"

#ifdef CONFIG_ARCH_RISCV64

#define PT_LEVELS CONFIG_PT_LEVELS
#define SIM_USER_LAST ((seL4_Word)seL4_UserTop - 1)
#define PT_ATTR_MASK 0x1ul /* seL4_RISCV_ExecuteNever */
#define PT_INVOCATION_PREFIX "RISCV"
#define PT_PAGE_TYPE seL4_RISCV_4K_Page
#define PT_LARGE_PAGE_TYPE seL4_RISCV_Mega_Page
#define PT_HUGE_PAGE_TYPE seL4_RISCV_Giga_Page
#define PT_ROOT_TYPE seL4_RISCV_PageTableObject
#define PT_TABLE_TYPE seL4_RISCV_PageTableObject
#define FRAME_OVER_TABLE_FAILS_LOOKUP 1

#include "../uniform_pt.h"

_Static_assert(ROOT_SHIFT == 30, "Sv39: three levels of 9 bits over 4 KiB pages");

/* --- invocations --- */

/* decodeRISCVFrameInvocation's order: the vspace and its ASID, the top, alignment, the walk, and only
 * then the frame cap's own mapping; a new mapping over a valid entry is seL4_DeleteFirst. */
static seL4_Error frame_map_checks(sel4sim_kernel_t *k, const frame_map_t *m, pt_slot_t *pt, uint64_t *value)
{
    seL4_Error err;
    if ((err = check_native_root(k, m->vspace, m->what)) != seL4_NoError
        || (err = check_asid(k, m->vspace, m->what)) != seL4_NoError) {
        return err;
    }
    if (m->vaddr + m->size - 1 >= seL4_UserTop) {
        SIM_USER_ERROR("%s: 0x%lx + 0x%lx reaches seL4_UserTop", m->what, m->vaddr, m->size);
        return sim_error_invalid_arg(k, 0);
    }
    if ((err = check_frame_aligned(k, m)) != seL4_NoError || (err = frame_slot(k, m, pt)) != seL4_NoError) {
        return err;
    }
    if (m->frame->asid != 0) {
        if ((err = check_remap(k, m)) != seL4_NoError) {
            return err;
        }
    } else if (*pt->entry != 0) {
        SIM_USER_ERROR("%s: 0x%lx is already mapped", m->what, m->vaddr);
        return sim_error(k, seL4_DeleteFirst);
    }
    unsigned vm_rights = mask_vm_rights(m->frame->rights, m->rights);
    bool executable = !(m->attr & seL4_RISCV_ExecuteNever);
    /* No read, write or execute right: seL4 writes an invalid entry (the cap still records the mapping). */
    *value = vm_rights == SIM_VM_KERNEL_ONLY && !executable ? 0
             : make_entry(m->frame->obj, vm_rights, m->attr & PT_ATTR_MASK);
    return seL4_NoError;
}

#endif /* CONFIG_ARCH_RISCV64 */
