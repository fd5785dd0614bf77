/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * AArch64 without hypervisor support, as current seL4 has it: a VSpace root object
 * (seL4_ARM_VSpaceObject, 512 entries of 512 GiB) over three levels of one page-table type
 * (seL4_ARM_PageTableObject), 4 KiB / 2 MiB / 1 GiB frames, user addresses up to seL4_UserTop
 * (inclusive), the ARM attributes (cacheable, parity, execute-never) kept with each frame mapping.
 * The walk, the entries, ASIDs, the MMU view and the PageTable invocations are shared with the other
 * arches (../uniform_pt.h); what is AArch64's own is the object types and the order of the checks of
 * its frame map.
 */

#include "../../kernel_internal.h"

#ifdef CONFIG_ARCH_AARCH64

#define PT_LEVELS 4
#define SIM_USER_LAST ((seL4_Word)seL4_UserTop)
#define PT_ATTR_MASK 0x7ul /* seL4_ARM_PageCacheable, seL4_ARM_ParityEnabled, seL4_ARM_ExecuteNever */
#define PT_INVOCATION_PREFIX "ARM"
#define PT_PAGE_TYPE seL4_ARM_SmallPageObject
#define PT_LARGE_PAGE_TYPE seL4_ARM_LargePageObject
#define PT_HUGE_PAGE_TYPE seL4_ARM_HugePageObject
#define PT_ROOT_TYPE seL4_ARM_VSpaceObject
#define PT_TABLE_TYPE seL4_ARM_PageTableObject
#define FRAME_OVER_TABLE_FAILS_LOOKUP 1

#include "../uniform_pt.h"

_Static_assert(ROOT_SHIFT == 39, "four levels of 9 bits over 4 KiB pages");
_Static_assert(seL4_VSpaceBits == seL4_PageTableBits, "the VSpace root is one table like the levels below it");

/* --- invocations --- */

/* decodeARMFrameInvocation's order: the rights masked, the vspace and its ASID, alignment, then the
 * frame cap's own mapping or else the top, then the walk; a frame mapping already in the entry is
 * replaced. */
static seL4_Error frame_map_checks(sel4sim_kernel_t *k, const frame_map_t *m, pt_slot_t *pt, uint64_t *value)
{
    unsigned vm_rights = mask_vm_rights(m->frame->rights, m->rights);
    seL4_Error err;
    if ((err = check_native_root(k, m->vspace, m->what)) != seL4_NoError
        || (err = check_asid(k, m->vspace, m->what)) != seL4_NoError
        || (err = check_frame_aligned(k, m)) != seL4_NoError) {
        return err;
    }
    if (m->frame->asid != 0) {
        if ((err = check_remap(k, m)) != seL4_NoError) {
            return err;
        }
    } else if (m->vaddr + m->size - 1 > seL4_UserTop) {
        SIM_USER_ERROR("%s: 0x%lx + 0x%lx reaches above seL4_UserTop", m->what, m->vaddr, m->size);
        return sim_error_invalid_arg(k, 0);
    }
    *value = make_entry(m->frame->obj, vm_rights, m->attr & PT_ATTR_MASK);
    return frame_slot(k, m, pt);
}

#endif /* CONFIG_ARCH_AARCH64 */
