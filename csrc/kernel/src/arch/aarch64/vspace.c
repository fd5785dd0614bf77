/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * AArch64 without hypervisor support, as current seL4 has it: a VSpace root object
 * (seL4_ARM_VSpaceObject, 512 entries of 512 GiB) over three levels of one page-table type
 * (seL4_ARM_PageTableObject), 4 KiB / 2 MiB / 1 GiB frames, user addresses up to seL4_UserTop
 * (inclusive), the ARM attributes (cacheable, parity, execute-never) kept with each frame mapping.
 * The walk, the entries, ASIDs and the MMU view are shared with RISC-V (../uniform_pt.h); what is
 * AArch64's own is the object types and the order of the checks of each invocation.
 */

#include "../../kernel_internal.h"

#ifdef CONFIG_ARCH_AARCH64

#define PT_LEVELS 4
#define SIM_USER_LAST ((seL4_Word)seL4_UserTop)
#define PT_ATTR_MASK 0x7ul /* seL4_ARM_PageCacheable, seL4_ARM_ParityEnabled, seL4_ARM_ExecuteNever */

#include "../uniform_pt.h"

_Static_assert(ROOT_SHIFT == 39, "four levels of 9 bits over 4 KiB pages");

/* --- object types --- */

static bool is_paging_type(seL4_Word type)
{
    return type == seL4_ARM_PageTableObject || type == seL4_ARM_VSpaceObject;
}

static bool is_page_table_type(seL4_Word type)
{
    return type == seL4_ARM_PageTableObject;
}

bool arch_is_frame_type(seL4_Word type)
{
    return type == seL4_ARM_SmallPageObject || type == seL4_ARM_LargePageObject || type == seL4_ARM_HugePageObject;
}

seL4_Word arch_object_size_bits(seL4_Word type, seL4_Word user_size)
{
    (void)user_size;
    switch (type) {
    case seL4_ARM_SmallPageObject:
        return seL4_PageBits;
    case seL4_ARM_LargePageObject:
        return seL4_LargePageBits;
    case seL4_ARM_HugePageObject:
        return seL4_HugePageBits;
    case seL4_ARM_PageTableObject:
        return seL4_PageTableBits;
    case seL4_ARM_VSpaceObject:
        return seL4_VSpaceBits;
    default:
        return seL4_WordBits;
    }
}

bool arch_is_vspace_root(const sim_cap_t *cap)
{
    return sim_cap_is_type(cap, seL4_ARM_VSpaceObject);
}

static bool is_unassigned_root(const sim_cap_t *cap)
{
    return arch_is_vspace_root(cap) && !cap->mapped;
}

/* isValidNativeRoot: a VSpace cap with an ASID. */
static bool is_valid_native_root(const sim_cap_t *cap)
{
    return arch_is_vspace_root(cap) && cap->mapped;
}

void arch_finalise_cap(sel4sim_kernel_t *k, sim_cap_t *cap, bool final)
{
    if (finalise_pool_or_frame(k, cap, final) || !final || !cap->mapped) {
        return;
    }
    if (cap->obj->type == seL4_ARM_VSpaceObject) {
        delete_asid(k, cap->asid, cap->obj);
    } else if (cap->obj->type == seL4_ARM_PageTableObject) {
        unmap_page_table(k, cap->asid, cap->data, cap->obj);
    }
}

/* --- invocations --- */

seL4_Error sel4sim_sys_page_map(sel4sim_kernel_t *k, seL4_CPtr service, seL4_CPtr vspace, seL4_Word vaddr,
                                seL4_CapRights_t rights, seL4_Word attr)
{
    static const char what[] = "ARMPageMap";
    sim_cte_t *slot;
    seL4_Error err = object_service(k, service, what, arch_is_frame_type, &slot);
    if (err != seL4_NoError) {
        return err;
    }
    sim_cap_t *cap = &slot->cap;
    unsigned frame_bits = SIM_CAP_FRAME_BITS(cap);
    seL4_Word size = 1ul << frame_bits;
    unsigned vm_rights = mask_vm_rights(cap->rights, rights);
    sim_cap_t vspace_cap = cap_at(k, vspace);
    if (!is_valid_native_root(&vspace_cap)) {
        SIM_USER_ERROR("%s: vspace is not a VSpace cap with an ASID assigned", what);
        return sim_error_invalid_cap(k, 1);
    }
    if ((err = check_asid(k, &vspace_cap, what)) != seL4_NoError) {
        return err;
    }
    if (vaddr & (size - 1)) {
        SIM_USER_ERROR("%s: vaddr 0x%lx is not aligned to the frame size 0x%lx", what, vaddr, size);
        return sim_error(k, seL4_AlignmentError);
    }
    if (cap->asid != 0) {
        if (cap->asid != vspace_cap.asid) {
            SIM_USER_ERROR("%s: frame cap is mapped in another vspace", what);
            return sim_error_invalid_cap(k, 1);
        }
        if (cap->data != vaddr) {
            SIM_USER_ERROR("%s: frame cap is mapped at 0x%lx, cannot map it at 0x%lx too", what, cap->data, vaddr);
            return sim_error_invalid_arg(k, 0);
        }
    } else if (vaddr + size - 1 > seL4_UserTop) {
        SIM_USER_ERROR("%s: 0x%lx + 0x%lx reaches above seL4_UserTop", what, vaddr, size);
        return sim_error_invalid_arg(k, 0);
    }
    pt_slot_t pt = lookup_pt_slot(vspace_cap.obj, vaddr);
    if (pt.bits_left != frame_bits) {
        SIM_USER_ERROR("%s: the walk for 0x%lx stops at an entry of %u bits, not %u", what, vaddr, pt.bits_left,
                       frame_bits);
        return sim_error_lookup(k, false, sim_fault_missing(pt.bits_left));
    }
    /* Whatever frame the entry held is replaced (for this cap's own mapping, its rights change). */
    entry_store(pt.entry, index_at(vaddr, pt.bits_left), make_entry(cap->obj, vm_rights, attr & PT_ATTR_MASK),
                root_slot_hint(k, slot));
    cap->asid = vspace_cap.asid;
    cap->data = vaddr;
    return seL4_NoError;
}

seL4_Error sel4sim_sys_page_table_map(sel4sim_kernel_t *k, seL4_CPtr service, seL4_CPtr vspace, seL4_Word vaddr,
                                      seL4_Word attr)
{
    static const char what[] = "ARMPageTableMap";
    sim_cte_t *slot;
    (void)attr; /* a table entry has no attributes */
    seL4_Error err = object_service(k, service, what, is_page_table_type, &slot);
    if (err != seL4_NoError) {
        return err;
    }
    sim_cap_t *cap = &slot->cap;
    if (cap->mapped) {
        SIM_USER_ERROR("%s: the page table is already mapped", what);
        return sim_error_invalid_cap(k, 0);
    }
    sim_cap_t vspace_cap = cap_at(k, vspace);
    if (!is_valid_native_root(&vspace_cap)) {
        SIM_USER_ERROR("%s: vspace is not a VSpace cap with an ASID assigned", what);
        return sim_error_invalid_cap(k, 1);
    }
    if (vaddr > seL4_UserTop) {
        SIM_USER_ERROR("%s: 0x%lx is above seL4_UserTop", what, vaddr);
        return sim_error_invalid_arg(k, 0);
    }
    if ((err = check_asid(k, &vspace_cap, what)) != seL4_NoError) {
        return err;
    }
    pt_slot_t pt = lookup_pt_slot(vspace_cap.obj, vaddr);
    if (pt.bits_left == seL4_PageBits || *pt.entry != 0) {
        SIM_USER_ERROR("%s: every level at 0x%lx is already there, or a frame is", what, vaddr);
        return sim_error(k, seL4_DeleteFirst);
    }
    entry_store(pt.entry, index_at(vaddr, pt.bits_left), make_entry(cap->obj, 0, 0), 0);
    cap->mapped = 1;
    cap->asid = vspace_cap.asid;
    cap->data = vaddr & ~((1ul << pt.bits_left) - 1);
    return seL4_NoError;
}

seL4_Error sel4sim_sys_page_table_unmap(sel4sim_kernel_t *k, seL4_CPtr service)
{
    static const char what[] = "ARMPageTableUnmap";
    sim_cte_t *slot;
    seL4_Error err = object_service(k, service, what, is_page_table_type, &slot);
    if (err != seL4_NoError) {
        return err;
    }
    sim_cap_t *cap = &slot->cap;
    if (!sim_cap_is_final(slot)) {
        SIM_USER_ERROR("%s: other caps to this page table exist", what);
        return sim_error(k, seL4_RevokeFirst);
    }
    if (cap->mapped) {
        unmap_page_table(k, cap->asid, cap->data, cap->obj);
        /* seL4 zeroes an unmapped page table. */
        table_clear(as_table(cap->obj));
    }
    cap->mapped = 0;
    return seL4_NoError;
}

#endif /* CONFIG_ARCH_AARCH64 */
