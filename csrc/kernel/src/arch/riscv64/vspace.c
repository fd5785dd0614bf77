/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * RISC-V 64 with Sv39, as current seL4 has it: three levels of one page-table type, the root being
 * a page table given an ASID (seL4_RISCV_PageTableObject), 4 KiB / 2 MiB / 1 GiB frames (a 1 GiB
 * frame maps in the root itself), user addresses below seL4_UserTop (exclusive), execute-never as
 * the one attribute. The walk, entries, ASIDs and the MMU view are shared with AArch64
 * (../uniform_pt.h); what is RISC-V's own: a frame map checks the walk before the frame's own
 * mapping and refuses to replace a valid entry (seL4_DeleteFirst), a mapping with no read, write
 * or execute right is an invalid entry, and a root page table cannot be unmapped.
 */

#include "../../kernel_internal.h"

#ifdef CONFIG_ARCH_RISCV64

#define PT_LEVELS CONFIG_PT_LEVELS
#define SIM_USER_LAST ((seL4_Word)seL4_UserTop - 1)
#define PT_ATTR_MASK 0x1ul /* seL4_RISCV_ExecuteNever */

#include "../uniform_pt.h"

_Static_assert(ROOT_SHIFT == 30, "Sv39: three levels of 9 bits over 4 KiB pages");

/* --- object types --- */

static bool is_paging_type(seL4_Word type)
{
    return type == seL4_RISCV_PageTableObject;
}

bool arch_is_frame_type(seL4_Word type)
{
    return type == seL4_RISCV_4K_Page || type == seL4_RISCV_Mega_Page || type == seL4_RISCV_Giga_Page;
}

seL4_Word arch_object_size_bits(seL4_Word type, seL4_Word user_size)
{
    (void)user_size;
    switch (type) {
    case seL4_RISCV_4K_Page:
        return seL4_PageBits;
    case seL4_RISCV_Mega_Page:
        return seL4_LargePageBits;
    case seL4_RISCV_Giga_Page:
        return seL4_HugePageBits;
    case seL4_RISCV_PageTableObject:
        return seL4_PageTableBits;
    default:
        return seL4_WordBits;
    }
}

/* A page-table cap is a vspace root while its table is the root of the ASID the cap holds. */
bool arch_is_vspace_root(const sim_cap_t *cap)
{
    return sim_cap_is_type(cap, seL4_RISCV_PageTableObject) && cap->mapped && cap->asid != 0
           && as_table(cap->obj)->root_asid == cap->asid;
}

static bool is_unassigned_root(const sim_cap_t *cap)
{
    return sim_cap_is_type(cap, seL4_RISCV_PageTableObject) && !cap->mapped;
}

/* What the map invocations accept as their vspace before the ASID check: any mapped page table. */
static bool is_mapped_page_table(const sim_cap_t *cap)
{
    return sim_cap_is_type(cap, seL4_RISCV_PageTableObject) && cap->mapped;
}

/* The table of a mapped page-table cap is the root of the cap's ASID. */
static bool is_root_of_its_asid(sel4sim_kernel_t *k, const sim_cap_t *cap)
{
    return find_vspace_for_asid(k, cap->asid) == cap->obj;
}

void arch_finalise_cap(sel4sim_kernel_t *k, sim_cap_t *cap, bool final)
{
    if (finalise_pool_or_frame(k, cap, final) || !final || !cap->mapped) {
        return;
    }
    if (is_root_of_its_asid(k, cap)) {
        delete_asid(k, cap->asid, cap->obj);
    } else {
        unmap_page_table(k, cap->asid, cap->data, cap->obj);
    }
}

/* --- invocations --- */

seL4_Error sel4sim_sys_page_map(sel4sim_kernel_t *k, seL4_CPtr service, seL4_CPtr vspace, seL4_Word vaddr,
                                seL4_CapRights_t rights, seL4_Word attr)
{
    static const char what[] = "RISCVPageMap";
    sim_cte_t *slot;
    seL4_Error err = object_service(k, service, what, arch_is_frame_type, &slot);
    if (err != seL4_NoError) {
        return err;
    }
    sim_cap_t *cap = &slot->cap;
    unsigned frame_bits = SIM_CAP_FRAME_BITS(cap);
    seL4_Word size = 1ul << frame_bits;
    sim_cap_t vspace_cap = cap_at(k, vspace);
    if (!is_mapped_page_table(&vspace_cap)) {
        SIM_USER_ERROR("%s: vspace is not a mapped page-table cap", what);
        return sim_error_invalid_cap(k, 1);
    }
    if ((err = check_asid(k, &vspace_cap, what)) != seL4_NoError) {
        return err;
    }
    if (vaddr + size - 1 >= seL4_UserTop) {
        SIM_USER_ERROR("%s: 0x%lx + 0x%lx reaches seL4_UserTop", what, vaddr, size);
        return sim_error_invalid_arg(k, 0);
    }
    if (vaddr & (size - 1)) {
        SIM_USER_ERROR("%s: vaddr 0x%lx is not aligned to the frame size 0x%lx", what, vaddr, size);
        return sim_error(k, seL4_AlignmentError);
    }
    pt_slot_t pt = lookup_pt_slot(vspace_cap.obj, vaddr);
    if (pt.bits_left != frame_bits) {
        SIM_USER_ERROR("%s: the walk for 0x%lx stops at an entry of %u bits, not %u", what, vaddr, pt.bits_left,
                       frame_bits);
        return sim_error_lookup(k, false, sim_fault_missing(pt.bits_left));
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
    } else if (*pt.entry != 0) {
        SIM_USER_ERROR("%s: 0x%lx is already mapped", what, vaddr);
        return sim_error(k, seL4_DeleteFirst);
    }
    unsigned vm_rights = mask_vm_rights(cap->rights, rights);
    bool executable = !(attr & seL4_RISCV_ExecuteNever);
    /* No read, write or execute right: seL4 writes an invalid entry (the cap still records the mapping). */
    uint64_t entry = vm_rights == SIM_VM_KERNEL_ONLY && !executable
                     ? 0 : make_entry(cap->obj, vm_rights, attr & PT_ATTR_MASK);
    entry_store(pt.entry, index_at(vaddr, pt.bits_left), entry, entry != 0 ? root_slot_hint(k, slot) : 0);
    cap->asid = vspace_cap.asid;
    cap->data = vaddr;
    return seL4_NoError;
}

seL4_Error sel4sim_sys_page_table_map(sel4sim_kernel_t *k, seL4_CPtr service, seL4_CPtr vspace, seL4_Word vaddr,
                                      seL4_Word attr)
{
    static const char what[] = "RISCVPageTableMap";
    sim_cte_t *slot;
    (void)attr; /* a table entry has no attributes */
    seL4_Error err = object_service(k, service, what, is_paging_type, &slot);
    if (err != seL4_NoError) {
        return err;
    }
    sim_cap_t *cap = &slot->cap;
    if (cap->mapped) {
        SIM_USER_ERROR("%s: the page table is already mapped", what);
        return sim_error_invalid_cap(k, 0);
    }
    sim_cap_t vspace_cap = cap_at(k, vspace);
    if (!is_mapped_page_table(&vspace_cap)) {
        SIM_USER_ERROR("%s: vspace is not a mapped page-table cap", what);
        return sim_error_invalid_cap(k, 1);
    }
    if (vaddr >= seL4_UserTop) {
        SIM_USER_ERROR("%s: 0x%lx is not below seL4_UserTop", what, vaddr);
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
    static const char what[] = "RISCVPageTableUnmap";
    sim_cte_t *slot;
    seL4_Error err = object_service(k, service, what, is_paging_type, &slot);
    if (err != seL4_NoError) {
        return err;
    }
    sim_cap_t *cap = &slot->cap;
    if (!sim_cap_is_final(slot)) {
        SIM_USER_ERROR("%s: other caps to this page table exist", what);
        return sim_error(k, seL4_RevokeFirst);
    }
    if (cap->mapped && is_root_of_its_asid(k, cap)) {
        SIM_USER_ERROR("%s: the page table is the root of ASID %u", what, cap->asid);
        return sim_error(k, seL4_RevokeFirst);
    }
    if (cap->mapped) {
        unmap_page_table(k, cap->asid, cap->data, cap->obj);
        /* seL4 zeroes an unmapped page table; it is no root any more (its ASID went earlier). */
        table_clear(as_table(cap->obj));
        as_table(cap->obj)->root_asid = 0;
    }
    cap->mapped = 0;
    return seL4_NoError;
}

#endif /* CONFIG_ARCH_RISCV64 */
