/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The arch seam of the host world for AArch64 without hypervisor support: a VSpace root over page
 * tables of one type, 4 KiB, 2 MiB and 1 GiB frames.
 */
#include <autoconf.h>

#ifdef CONFIG_ARCH_AARCH64

#include <sel4vspace_host/arch.h>

#define OBJECT(t) { (t), #t }

static const sel4vspace_arch_t aarch64 = {
    .name = "aarch64",
    .word_bits = seL4_WordBits,
    .num_frame_sizes = 3,
    .frame_sizes = {
        { seL4_PageBits, OBJECT(seL4_ARM_SmallPageObject) },
        { seL4_LargePageBits, OBJECT(seL4_ARM_LargePageObject) },
        { seL4_HugePageBits, OBJECT(seL4_ARM_HugePageObject) },
    },
    /* one page-table type serves every level below the root */
    .num_paging_types = 2,
    .paging_types = { seL4_ARM_PageTableObject, seL4_ARM_VSpaceObject },
    .vspace_root_type = seL4_ARM_VSpaceObject,
    /* this configuration has no VCPU or IO page-table objects: libsel4 gives them no type value */
    .num_object_types = 5,
    .object_types = {
        OBJECT(seL4_ARM_HugePageObject), OBJECT(seL4_ARM_VSpaceObject), OBJECT(seL4_ARM_SmallPageObject),
        OBJECT(seL4_ARM_LargePageObject), OBJECT(seL4_ARM_PageTableObject),
    },
    .default_vm_attributes = seL4_ARM_Default_VMAttributes,
    /* what seL4_libs passes for an uncached mapping on ARM: no attribute bit, so not cacheable */
    .cache_disabled_vm_attributes = 0,
    /* AArch64's seL4_UserTop is the last address a mapping may cover, so nothing is mapped from
     * the address after it */
    .user_top = (seL4_Word) seL4_UserTop + 1,
};

const sel4vspace_arch_t *sel4vspace_arch(void)
{
    return &aarch64;
}

int sel4vspace_arch_page_unmap(seL4_CPtr frame)
{
    return seL4_ARM_Page_Unmap(frame);
}

int sel4vspace_arch_asid_pool_assign(seL4_CPtr pool, seL4_CPtr vspace_root)
{
    return seL4_ARM_ASIDPool_Assign(pool, vspace_root);
}

#endif
