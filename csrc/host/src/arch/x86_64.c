/* SPDX-License-Identifier: BSD-2-Clause */
/* The arch seam of the host world for x86_64 (4-level paging with huge pages). */
#include <autoconf.h>

#ifdef CONFIG_ARCH_X86_64

#include <sel4vspace_host/arch.h>

#define OBJECT(t) { (t), #t }

static const sel4vspace_arch_t x86_64 = {
    .name = "x86_64",
    .word_bits = seL4_WordBits,
    .num_frame_sizes = 3,
    .frame_sizes = {
        { seL4_PageBits, OBJECT(seL4_X86_4K) },
        { seL4_LargePageBits, OBJECT(seL4_X86_LargePageObject) },
        { seL4_HugePageBits, OBJECT(seL4_X64_HugePageObject) },
    },
    .num_paging_types = 4,
    .paging_types = { seL4_X86_PageTableObject, seL4_X86_PageDirectoryObject, seL4_X86_PDPTObject,
                      seL4_X64_PML4Object },
    .vspace_root_type = seL4_X64_PML4Object,
    .num_object_types = 13,
    .object_types = {
        OBJECT(seL4_X86_PDPTObject), OBJECT(seL4_X64_PML4Object), OBJECT(seL4_X64_HugePageObject),
        OBJECT(seL4_X86_4K), OBJECT(seL4_X86_LargePageObject), OBJECT(seL4_X86_PageTableObject),
        OBJECT(seL4_X86_PageDirectoryObject), OBJECT(seL4_X86_IOPageTableObject), OBJECT(seL4_X86_VCPUObject),
        OBJECT(seL4_X86_EPTPML4Object), OBJECT(seL4_X86_EPTPDPTObject), OBJECT(seL4_X86_EPTPDObject),
        OBJECT(seL4_X86_EPTPTObject),
    },
    .default_vm_attributes = seL4_X86_Default_VMAttributes,
    .cache_disabled_vm_attributes = seL4_X86_CacheDisabled,
    .user_top = seL4_UserTop,
};

const sel4vspace_arch_t *sel4vspace_arch(void)
{
    return &x86_64;
}

int sel4vspace_arch_page_unmap(seL4_CPtr frame)
{
    return seL4_X86_Page_Unmap(frame);
}

int sel4vspace_arch_asid_pool_assign(seL4_CPtr pool, seL4_CPtr vspace_root)
{
    return seL4_X86_ASIDPool_Assign(pool, vspace_root);
}

#endif
