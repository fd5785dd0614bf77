/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86_64: four-level paging (PML4 -> PDPT -> page directory -> page table), 4 KiB / 2 MiB / 1 GiB
 * frames, ASID pools, seL4's VM rights and its x86 mapping invocations.
 *
 * Each level is its own object type but every table has 512 entries, so the entries, the walk,
 * ASIDs, translation and the steps of the map and unmap invocations come from ../uniform_pt.h.
 * What is x86_64's own: the object types, the user half of the address space, the order of the
 * frame map's checks, and the level each paging structure goes at, the one its type names (a
 * missing level above is a lookup fault, anything already in the entry seL4_DeleteFirst, bar a
 * frame a frame map replaces).
 */

#include "../../kernel_internal.h"

#ifdef CONFIG_ARCH_X86_64

#define PT_SHIFT (seL4_PageBits + seL4_PageTableIndexBits) /* 21: what a PD entry spans */
#define PD_SHIFT (PT_SHIFT + seL4_PageDirIndexBits)        /* 30: what a PDPT entry spans */
#define PDPT_SHIFT (PD_SHIFT + seL4_PDPTIndexBits)         /* 39: what a PML4 entry spans */

#define PT_LEVELS 4
/* Only the user half: the PML4's lower 256 entries. */
#define SIM_USER_LAST ((1ul << (PDPT_SHIFT + seL4_PML4IndexBits - 1)) - 1)
#define PT_ATTR_MASK 0x7ul /* seL4_X86_VMAttributes */
#define PT_INVOCATION_PREFIX "X86"
#define PT_PAGE_TYPE seL4_X86_4K
#define PT_LARGE_PAGE_TYPE seL4_X86_LargePageObject
#define PT_HUGE_PAGE_TYPE seL4_X64_HugePageObject
#define PT_ROOT_TYPE seL4_X64_PML4Object
/* decodeX86PageTableInvocation, decodeX64PageDirectoryInvocation and decodeX64PDPTInvocation compare
 * vaddr with seL4_UserTop, the start of the user half's last page. */
#define PT_TABLE_VADDR_LAST ((seL4_Word)seL4_UserTop)
#define FRAME_OVER_TABLE_FAILS_LOOKUP 0

#include "../uniform_pt.h"

_Static_assert(seL4_PageDirIndexBits == seL4_PageTableIndexBits && seL4_PDPTIndexBits == seL4_PageTableIndexBits
               && seL4_PML4IndexBits == seL4_PageTableIndexBits, "every x86_64 level is a table of 512 entries");
_Static_assert(seL4_PageDirBits == seL4_PageTableBits && seL4_PDPTBits == seL4_PageTableBits
               && seL4_PML4Bits == seL4_PageTableBits, "every x86_64 level is a table of one size");
_Static_assert(ROOT_SHIFT == PDPT_SHIFT, "four levels of 9 bits over 4 KiB pages");

/* The paging structures below the PML4, each of its own level. */
static bool is_table_type(seL4_Word type)
{
    return type == seL4_X86_PageTableObject || type == seL4_X86_PageDirectoryObject || type == seL4_X86_PDPTObject;
}

/* --- invocations --- */

/* decodeX86FrameInvocation's order: the vspace, the frame cap's own mapping or else the top, the
 * vspace's ASID, the rights masked, alignment, then the walk; a frame mapping already in the entry
 * is replaced. */
static seL4_Error frame_map_checks(sel4sim_kernel_t *k, const frame_map_t *m, pt_slot_t *pt, uint64_t *value)
{
    seL4_Error err;
    if ((err = check_native_root(k, m->vspace, m->what)) != seL4_NoError) {
        return err;
    }
    if (m->frame->asid != 0) {
        if ((err = check_remap(k, m)) != seL4_NoError) {
            return err;
        }
    } else if (m->vaddr > seL4_UserTop || m->vaddr + m->size > seL4_UserTop || m->vaddr + m->size < m->vaddr) {
        SIM_USER_ERROR("%s: 0x%lx + 0x%lx reaches above seL4_UserTop", m->what, m->vaddr, m->size);
        return sim_error_invalid_arg(k, 0);
    }
    if ((err = check_asid(k, m->vspace, m->what)) != seL4_NoError) {
        return err;
    }
    *value = make_entry(m->frame->obj, mask_vm_rights(m->frame->rights, m->rights), m->attr & PT_ATTR_MASK);
    if ((err = check_frame_aligned(k, m)) != seL4_NoError) {
        return err;
    }
    return frame_slot(k, m, pt);
}

/* The PageTable, PageDirectory and PDPT invocations: the level is the structure's type. */

static unsigned level_shift(seL4_Word level)
{
    switch (level) {
    case seL4_X86_PageTableObject:
        return PT_SHIFT;
    case seL4_X86_PageDirectoryObject:
        return PD_SHIFT;
    default:
        return PDPT_SHIFT;
    }
}

/* The checks every paging-structure invocation starts with: a paging level, a selected kernel, and
 * a service cap of that level. On success *what names the invocation and *slot holds the cap. */
static seL4_Error paging_service(sel4sim_kernel_t *k, seL4_Word level, seL4_CPtr service, bool map,
                                 const char **what, sim_cte_t **slot)
{
    if (!is_table_type(level)) {
        SIM_USER_ERROR("paging %s: %lu is not a paging-structure type", map ? "Map" : "Unmap", level);
        return seL4_InvalidArgument;
    }
    switch (level) {
    case seL4_X86_PageTableObject:
        *what = map ? "X86PageTable_Map" : "X86PageTable_Unmap";
        break;
    case seL4_X86_PageDirectoryObject:
        *what = map ? "X86PageDirectory_Map" : "X86PageDirectory_Unmap";
        break;
    default:
        *what = map ? "X86PDPT_Map" : "X86PDPT_Unmap";
        break;
    }
    if (sim_syscall_kernel(k, *what) == NULL) {
        return seL4_IllegalOperation;
    }
    *slot = service_slot(k, service, *what);
    if (*slot == NULL) {
        return seL4_InvalidCapability;
    }
    if (!sim_cap_is_type(&(*slot)->cap, level)) {
        SIM_USER_ERROR("%s: cptr 0x%lx is a cap of another type", *what, service);
        return sim_error(k, seL4_IllegalOperation);
    }
    return seL4_NoError;
}

seL4_Error sel4sim_sys_x86_paging_map(sel4sim_kernel_t *k, seL4_Word level, seL4_CPtr service, seL4_CPtr vspace,
                                      seL4_Word vaddr, seL4_Word attr)
{
    const char *what;
    sim_cte_t *slot;
    seL4_Error err = paging_service(k, level, service, true, &what, &slot);
    if (err != seL4_NoError) {
        return err;
    }
    unsigned shift = level_shift(level);
    /* the address is rounded down to the level before any check */
    return page_table_map(k, slot, vspace, vaddr & ~((1ul << shift) - 1), shift, shift, attr, what);
}

seL4_Error sel4sim_sys_x86_paging_unmap(sel4sim_kernel_t *k, seL4_Word level, seL4_CPtr service)
{
    const char *what;
    sim_cte_t *slot;
    seL4_Error err = paging_service(k, level, service, false, &what, &slot);
    if (err != seL4_NoError) {
        return err;
    }
    return page_table_unmap(k, slot, what);
}

#endif /* CONFIG_ARCH_X86_64 */
