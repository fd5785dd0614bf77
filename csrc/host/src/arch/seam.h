/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The arch seam of the host world (sel4vspace_host/arch.h), made once for every arch from the facts
 * the arch file defines before it includes this:
 *   ARCH_NAME                    seL4's name for the arch
 *   ARCH_INVOCATION(name)        the arch's libsel4 invocation called name (seL4_<arch>_<name>)
 *   ARCH_PAGE_OBJECT, ARCH_LARGE_PAGE_OBJECT, ARCH_HUGE_PAGE_OBJECT
 *                                the SEL4VSPACE_ARCH_OBJECT of the 4 KiB, 2 MiB and 1 GiB frame types
 *   ARCH_PAGING_TYPES            the paging-structure types, the leaf table first, the root's last
 *   ARCH_VSPACE_ROOT_TYPE        what a vspace root is retyped as
 *   ARCH_OBJECT_TYPES            SEL4VSPACE_ARCH_OBJECT of each type the arch's libsel4 adds
 *   ARCH_DEFAULT_VM_ATTRIBUTES, ARCH_CACHE_DISABLED_VM_ATTRIBUTES, ARCH_USER_TOP
 *                                the fields of those names
 * The counts of the lists are the lists' own.
 */
#pragma once

#define SEAM_COUNT(type, ...) (sizeof((type[]){ __VA_ARGS__ }) / sizeof(type))

static const sel4vspace_arch_t description = {
    .name = ARCH_NAME,
    .word_bits = seL4_WordBits,
    .num_frame_sizes = 3,
    .frame_sizes = {
        { seL4_PageBits, ARCH_PAGE_OBJECT },
        { seL4_LargePageBits, ARCH_LARGE_PAGE_OBJECT },
        { seL4_HugePageBits, ARCH_HUGE_PAGE_OBJECT },
    },
    .num_paging_types = SEAM_COUNT(seL4_Word, ARCH_PAGING_TYPES),
    .paging_types = { ARCH_PAGING_TYPES },
    .vspace_root_type = ARCH_VSPACE_ROOT_TYPE,
    .num_object_types = SEAM_COUNT(sel4vspace_arch_object_type_t, ARCH_OBJECT_TYPES),
    .object_types = { ARCH_OBJECT_TYPES },
    .default_vm_attributes = ARCH_DEFAULT_VM_ATTRIBUTES,
    .cache_disabled_vm_attributes = ARCH_CACHE_DISABLED_VM_ATTRIBUTES,
    .user_top = ARCH_USER_TOP,
};

const sel4vspace_arch_t *sel4vspace_arch(void)
{
    return &description;
}

int sel4vspace_arch_page_unmap(seL4_CPtr frame)
{
    return ARCH_INVOCATION(Page_Unmap)(frame);
}

int sel4vspace_arch_asid_pool_assign(seL4_CPtr pool, seL4_CPtr vspace_root)
{
    return ARCH_INVOCATION(ASIDPool_Assign)(pool, vspace_root);
}
