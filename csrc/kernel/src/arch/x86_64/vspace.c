/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86_64: four-level paging (PML4 -> PDPT -> page directory -> page table), 4 KiB / 2 MiB / 1 GiB
 * frames, ASID pools, seL4's VM rights and its x86 mapping invocations.
 *
 * Each level is its own object type but every table has 512 entries, so the entries, the walk,
 * ASIDs, translation and the shared invocations come from ../uniform_pt.h. What is x86_64's own:
 * the object types, the user half of the address space, and the frame and paging-structure map
 * invocations, which put an object at the level its type names and fail there (a missing level
 * above is a lookup fault, anything already in the entry seL4_DeleteFirst, bar a frame a frame
 * map replaces).
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

#include "../uniform_pt.h"

_Static_assert(seL4_PageDirIndexBits == seL4_PageTableIndexBits && seL4_PDPTIndexBits == seL4_PageTableIndexBits
               && seL4_PML4IndexBits == seL4_PageTableIndexBits, "every x86_64 level is a table of 512 entries");
_Static_assert(ROOT_SHIFT == PDPT_SHIFT, "four levels of 9 bits over 4 KiB pages");

/* --- object types --- */

static bool is_paging_type(seL4_Word type)
{
    return type == seL4_X86_PageTableObject || type == seL4_X86_PageDirectoryObject || type == seL4_X86_PDPTObject
           || type == seL4_X64_PML4Object;
}

bool arch_is_frame_type(seL4_Word type)
{
    return type == seL4_X86_4K || type == seL4_X86_LargePageObject || type == seL4_X64_HugePageObject;
}

seL4_Word arch_object_size_bits(seL4_Word type, seL4_Word user_size)
{
    (void)user_size;
    switch (type) {
    case seL4_X86_4K:
        return seL4_PageBits;
    case seL4_X86_LargePageObject:
        return seL4_LargePageBits;
    case seL4_X64_HugePageObject:
        return seL4_HugePageBits;
    case seL4_X86_PageTableObject:
        return seL4_PageTableBits;
    case seL4_X86_PageDirectoryObject:
        return seL4_PageDirBits;
    case seL4_X86_PDPTObject:
        return seL4_PDPTBits;
    case seL4_X64_PML4Object:
        return seL4_PML4Bits;
    default:
        return seL4_WordBits;
    }
}

bool arch_is_vspace_root(const sim_cap_t *cap)
{
    return sim_cap_is_type(cap, seL4_X64_PML4Object);
}

static bool is_unassigned_root(const sim_cap_t *cap)
{
    return arch_is_vspace_root(cap) && !cap->mapped;
}

/* isValidNativeRoot: a PML4 cap with an ASID. */
static bool is_valid_native_root(const sim_cap_t *cap)
{
    return arch_is_vspace_root(cap) && cap->mapped;
}

void arch_finalise_cap(sel4sim_kernel_t *k, sim_cap_t *cap, bool final)
{
    if (finalise_pool_or_frame(k, cap, final) || !final || !cap->mapped) {
        return;
    }
    if (cap->obj->type == seL4_X64_PML4Object) {
        delete_asid(k, cap->asid, cap->obj);
    } else {
        unmap_page_table(k, cap->asid, cap->data, cap->obj);
    }
}

/* --- invocations --- */

/* The vspace (PML4) named by vspace_cap, checked as every map invocation checks it. */
static seL4_Error check_vspace(sel4sim_kernel_t *k, const sim_cap_t *vspace_cap, const char *what)
{
    if (!is_valid_native_root(vspace_cap)) {
        SIM_USER_ERROR("%s: vspace is not a PML4 cap with an ASID assigned", what);
        return sim_error_invalid_cap(k, 1);
    }
    return seL4_NoError;
}

seL4_Error sel4sim_sys_x86_page_map(sel4sim_kernel_t *k, seL4_CPtr service, seL4_CPtr vspace, seL4_Word vaddr,
                                    seL4_CapRights_t rights, seL4_Word attr)
{
    static const char what[] = "X86Page_Map";
    sim_cte_t *slot;
    seL4_Error err = object_service(k, service, what, arch_is_frame_type, &slot);
    if (err != seL4_NoError) {
        return err;
    }
    sim_cap_t *cap = &slot->cap;
    unsigned frame_bits = SIM_CAP_FRAME_BITS(cap);
    sim_cap_t vspace_cap = cap_at(k, vspace);
    if ((err = check_vspace(k, &vspace_cap, what)) != seL4_NoError) {
        return err;
    }
    seL4_Word asid = vspace_cap.asid;
    seL4_Word size = 1ul << frame_bits;
    if (cap->asid != 0) {
        if (cap->asid != asid) {
            SIM_USER_ERROR("%s: frame cap is already mapped in another vspace", what);
            return sim_error_invalid_cap(k, 1);
        }
        if (cap->data != vaddr) {
            SIM_USER_ERROR("%s: frame cap is already mapped at 0x%lx, cannot map it at 0x%lx too", what, cap->data, vaddr);
            return sim_error_invalid_arg(k, 0);
        }
    } else if (vaddr > seL4_UserTop || vaddr + size > seL4_UserTop || vaddr + size < vaddr) {
        SIM_USER_ERROR("%s: 0x%lx + 0x%lx reaches above seL4_UserTop", what, vaddr, size);
        return sim_error_invalid_arg(k, 0);
    }
    if ((err = check_asid(k, &vspace_cap, what)) != seL4_NoError) {
        return err;
    }
    unsigned vm_rights = mask_vm_rights(cap->rights, rights);
    if (vaddr & (size - 1)) {
        SIM_USER_ERROR("%s: vaddr 0x%lx is not aligned to the frame size 0x%lx", what, vaddr, size);
        return sim_error(k, seL4_AlignmentError);
    }
    /* The walk stops above the frame's level where a level is missing, below it where a paging
     * structure is mapped where the frame would go. */
    pt_slot_t pt = lookup_pt_slot(vspace_cap.obj, vaddr);
    if (pt.bits_left > frame_bits) {
        SIM_USER_ERROR("%s: no paging structure for 0x%lx (%u bits left to resolve)", what, vaddr, pt.bits_left);
        return sim_error_lookup(k, false, sim_fault_missing(pt.bits_left));
    }
    if (pt.bits_left < frame_bits) {
        SIM_USER_ERROR("%s: a paging structure is mapped where the frame would go at 0x%lx", what, vaddr);
        return sim_error(k, seL4_DeleteFirst);
    }
    /* seL4 replaces a frame mapping already in this slot (a remap of this cap updates its rights). */
    entry_store(pt.entry, index_at(vaddr, frame_bits), make_entry(cap->obj, vm_rights, attr & PT_ATTR_MASK),
                root_slot_hint(k, slot));
    cap->asid = (uint16_t)asid;
    cap->data = vaddr;
    return seL4_NoError;
}

static const char *level_name(seL4_Word level)
{
    switch (level) {
    case seL4_X86_PageTableObject:
        return "X86PageTable";
    case seL4_X86_PageDirectoryObject:
        return "X86PageDirectory";
    default:
        return "X86PDPT";
    }
}

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

static bool valid_level(seL4_Word level)
{
    return level == seL4_X86_PageTableObject || level == seL4_X86_PageDirectoryObject
           || level == seL4_X86_PDPTObject;
}

/* The checks every paging-structure invocation starts with: a paging level, a selected kernel, and
 * a service cap of that level. On success *what names the level and *slot holds the cap. */
static seL4_Error paging_service(sel4sim_kernel_t *k, seL4_Word level, seL4_CPtr service, const char *op,
                                 const char **what, sim_cte_t **slot)
{
    if (!valid_level(level)) {
        SIM_USER_ERROR("paging %s: %lu is not a paging-structure type", op, level);
        return seL4_InvalidArgument;
    }
    *what = level_name(level);
    if (sim_syscall_kernel(k, *what) == NULL) {
        return seL4_IllegalOperation;
    }
    *slot = service_slot(k, service, *what);
    if (*slot == NULL) {
        return seL4_InvalidCapability;
    }
    if (!sim_cap_is_type(&(*slot)->cap, level)) {
        SIM_USER_ERROR("%s_%s: cptr 0x%lx is not a %s cap", *what, op, service, *what);
        return sim_error(k, seL4_IllegalOperation);
    }
    return seL4_NoError;
}

seL4_Error sel4sim_sys_x86_paging_map(sel4sim_kernel_t *k, seL4_Word level, seL4_CPtr service, seL4_CPtr vspace,
                                      seL4_Word vaddr, seL4_Word attr)
{
    seL4_Error err;
    const char *what;
    sim_cte_t *slot;
    if ((err = paging_service(k, level, service, "Map", &what, &slot)) != seL4_NoError) {
        return err;
    }
    sim_cap_t *cap = &slot->cap;
    if (cap->mapped) {
        SIM_USER_ERROR("%s_Map: already mapped", what);
        return sim_error_invalid_cap(k, 0);
    }
    vaddr &= ~((1ul << level_shift(level)) - 1);
    sim_cap_t vspace_cap = cap_at(k, vspace);
    if ((err = check_vspace(k, &vspace_cap, what)) != seL4_NoError) {
        return err;
    }
    if (vaddr > seL4_UserTop) {
        SIM_USER_ERROR("%s_Map: 0x%lx is above seL4_UserTop", what, vaddr);
        return sim_error_invalid_arg(k, 0);
    }
    if ((err = check_asid(k, &vspace_cap, what)) != seL4_NoError) {
        return err;
    }
    unsigned shift = level_shift(level);
    pt_slot_t pt = lookup_pt_slot(vspace_cap.obj, vaddr);
    if (pt.bits_left > shift) {
        SIM_USER_ERROR("%s_Map: no paging structure above 0x%lx (%u bits left to resolve)", what, vaddr, pt.bits_left);
        return sim_error_lookup(k, false, sim_fault_missing(pt.bits_left));
    }
    if (pt.bits_left < shift || *pt.entry != 0) {
        SIM_USER_ERROR("%s_Map: something is already mapped at 0x%lx at this level", what, vaddr);
        return sim_error(k, seL4_DeleteFirst);
    }
    entry_store(pt.entry, index_at(vaddr, shift), make_entry(cap->obj, 0, attr), 0);
    cap->mapped = 1;
    cap->asid = vspace_cap.asid;
    cap->data = vaddr;
    return seL4_NoError;
}

seL4_Error sel4sim_sys_x86_paging_unmap(sel4sim_kernel_t *k, seL4_Word level, seL4_CPtr service)
{
    const char *what;
    sim_cte_t *slot;
    seL4_Error err = paging_service(k, level, service, "Unmap", &what, &slot);
    if (err != seL4_NoError) {
        return err;
    }
    sim_cap_t *cap = &slot->cap;
    if (!sim_cap_is_final(slot)) {
        SIM_USER_ERROR("%s_Unmap: other caps to this paging structure exist", what);
        return sim_error(k, seL4_RevokeFirst);
    }
    if (cap->mapped) {
        unmap_page_table(k, cap->asid, cap->data, cap->obj);
        /* seL4 zeroes an unmapped paging structure. */
        table_clear(as_table(cap->obj));
    }
    cap->mapped = 0;
    return seL4_NoError;
}

#endif /* CONFIG_ARCH_X86_64 */
