/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * AArch64 without hypervisor support, as current seL4 has it: a VSpace root object
 * (seL4_ARM_VSpaceObject, 512 entries of 512 GiB) over three levels of one page-table type
 * (seL4_ARM_PageTableObject), 4 KiB / 2 MiB / 1 GiB frames, user addresses up to seL4_UserTop
 * (inclusive), the ARM attributes (cacheable, parity, execute-never) kept with each frame mapping.
 * The walk, the entries, ASIDs, the MMU view and the PageTable invocations are shared with the other
 * arches (../uniform_pt.h); what is AArch64's own is the object types, the order of the checks of
 * its frame map and the cache-maintenance invocations of frames and VSpace roots.
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

/* --- cache maintenance --- */

/* Both decodes start by refusing a message of fewer than two words (seL4_TruncatedMessage), which a
 * call through libsel4's typed functions cannot send; every later check is here, in seL4's order. */

/* The invocations' names in messages, by sel4sim_arm_cache_op_t. */
#define CACHE_OP_NAMES(prefix)                                                                              \
    {                                                                                                       \
        [SEL4SIM_ARM_CLEAN_DATA] = prefix "Clean_Data", [SEL4SIM_ARM_INVALIDATE_DATA] = prefix "Invalidate_Data", \
        [SEL4SIM_ARM_CLEAN_INVALIDATE_DATA] = prefix "CleanInvalidate_Data",                                \
        [SEL4SIM_ARM_UNIFY_INSTRUCTION] = prefix "Unify_Instruction",                                       \
    }
static const char *const page_flush_names[] = CACHE_OP_NAMES("ARMPage_");
static const char *const vspace_flush_names[] = CACHE_OP_NAMES("ARMVSpace_");

static bool is_vspace_type(seL4_Word type)
{
    return type == PT_ROOT_TYPE;
}

/* The invoked cap of a flush, of a type is_type accepts (another kind of cap does not have the
 * invocation: seL4_IllegalOperation); *what is the invocation's name from names. */
static seL4_Error flush_service(sel4sim_kernel_t *k, sel4sim_arm_cache_op_t op, seL4_CPtr service,
                                const char *const names[], bool (*is_type)(seL4_Word type), sim_cte_t **slot,
                                const char **what)
{
    if ((unsigned)op >= sizeof(page_flush_names) / sizeof(page_flush_names[0])) {
        return seL4_IllegalOperation;
    }
    *what = names[op];
    return object_service(k, service, *what, is_type, slot);
}

/* Without hypervisor support the kernel invalidates through the user's mapping (DC IVAC), which must
 * then be writable: decodeARMFrameInvocation and decodeARMVSpaceRootInvocation refuse the
 * Invalidate_Data of a mapping without write rights. */
static seL4_Error check_invalidate_rights(sel4sim_kernel_t *k, sel4sim_arm_cache_op_t op, uint64_t entry,
                                          const char *what)
{
    if (op == SEL4SIM_ARM_INVALIDATE_DATA && entry_rights(entry) != SIM_VM_READ_WRITE) {
        SIM_USER_ERROR("%s: the mapping has no write rights", what);
        return sim_error(k, seL4_IllegalOperation);
    }
    return seL4_NoError;
}

/* seL4_ARM_Page_<op>, as decodeARMFrameInvocation's cache-operation cases (no hypervisor support):
 * the frame cap must be mapped (seL4_IllegalOperation), its ASID must still name a vspace
 * (seL4_FailedLookup), start < end (seL4_InvalidArgument 1), both inside the frame
 * (seL4_InvalidArgument 0), the cap's mapping must still be in that vspace: the walk to its address
 * stops at an entry of the frame's size mapping this frame (else the cap is stale:
 * seL4_InvalidCapability 0), and Invalidate_Data needs a writable mapping. Then performPageFlush:
 * the simulation has no caches, so a flush that passes every check changes nothing. */
seL4_Error sel4sim_sys_arm_page_flush(sel4sim_kernel_t *k, sel4sim_arm_cache_op_t op, seL4_CPtr service,
                                      seL4_Word start, seL4_Word end)
{
    sim_cte_t *slot;
    const char *what;
    seL4_Error err = flush_service(k, op, service, page_flush_names, arch_is_frame_type, &slot, &what);
    if (err != seL4_NoError) {
        return err;
    }
    const sim_cap_t *cap = &slot->cap;
    if (cap->asid == 0) {
        SIM_USER_ERROR("%s: the frame is not mapped", what);
        return sim_error(k, seL4_IllegalOperation);
    }
    sim_object_t *root = find_vspace_for_asid(k, cap->asid);
    if (root == NULL) {
        SIM_USER_ERROR("%s: the frame's ASID %u no longer refers to a vspace", what, cap->asid);
        return sim_error_lookup(k, false, sim_fault_invalid_root());
    }
    if (end <= start) {
        SIM_USER_ERROR("%s: empty or inverted range [0x%lx, 0x%lx)", what, start, end);
        return sim_error_invalid_arg(k, 1);
    }
    unsigned frame_bits = SIM_CAP_FRAME_BITS(cap);
    seL4_Word page_size = 1ul << frame_bits;
    if (start >= page_size || end > page_size) {
        SIM_USER_ERROR("%s: [0x%lx, 0x%lx) is not inside the frame of 0x%lx bytes", what, start, end, page_size);
        return sim_error_invalid_arg(k, 0);
    }
    pt_slot_t pt = lookup_pt_slot(root, cap->data);
    if (pt.bits_left != frame_bits || !entry_is_frame(*pt.entry) || entry_obj(*pt.entry) != cap->obj) {
        SIM_USER_ERROR("%s: the cap's mapping at 0x%lx is no longer in its vspace", what, cap->data);
        return sim_error_invalid_cap(k, 0);
    }
    return check_invalidate_rights(k, op, *pt.entry, what);
}

/* seL4_ARM_VSpace_<op>, as decodeARMVSpaceRootInvocation: start < end (seL4_InvalidArgument 1), end
 * at most seL4_UserTop (seL4_IllegalOperation), the cap a VSpace with an ASID
 * (seL4_InvalidCapability 0), its ASID still naming a vspace (seL4_FailedLookup) and that one
 * (seL4_InvalidCapability 0). Nothing mapped at start is a success (no stale data can be cached for
 * it); a range crossing the page at start is seL4_RangeError with the page's first and last
 * address; Invalidate_Data needs a writable mapping. Then performVSpaceFlush, which changes nothing
 * here: the simulation has no caches. */
seL4_Error sel4sim_sys_arm_vspace_flush(sel4sim_kernel_t *k, sel4sim_arm_cache_op_t op, seL4_CPtr service,
                                        seL4_Word start, seL4_Word end)
{
    sim_cte_t *slot;
    const char *what;
    seL4_Error err = flush_service(k, op, service, vspace_flush_names, is_vspace_type, &slot, &what);
    if (err != seL4_NoError) {
        return err;
    }
    const sim_cap_t *cap = &slot->cap;
    if (end <= start) {
        SIM_USER_ERROR("%s: empty or inverted range [0x%lx, 0x%lx)", what, start, end);
        return sim_error_invalid_arg(k, 1);
    }
    if (end > seL4_UserTop) {
        SIM_USER_ERROR("%s: the range ends above seL4_UserTop at 0x%lx", what, end);
        return sim_error(k, seL4_IllegalOperation);
    }
    if (!is_valid_native_root(cap)) {
        SIM_USER_ERROR("%s: the VSpace has no ASID", what);
        return sim_error_invalid_cap(k, 0);
    }
    if ((err = check_asid_names_root(k, cap, 0, what)) != seL4_NoError) {
        return err;
    }
    pt_slot_t pt = lookup_pt_slot(cap->obj, start);
    if (!entry_is_frame(*pt.entry)) {
        return seL4_NoError;
    }
    seL4_Word page_mask = (1ul << pt.bits_left) - 1;
    if ((start & ~page_mask) != ((end - 1) & ~page_mask)) {
        SIM_USER_ERROR("%s: [0x%lx, 0x%lx) crosses the end of the page at 0x%lx", what, start, end,
                       start & ~page_mask);
        return sim_error_range(k, start, (start & ~page_mask) + page_mask);
    }
    return check_invalidate_rights(k, op, *pt.entry, what);
}

#endif /* CONFIG_ARCH_AARCH64 */
