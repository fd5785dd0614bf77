/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The arch seam of the host world for RISC-V 64 with Sv39: page tables of one type at all three
 * levels, the root among them, and 4 KiB, 2 MiB and 1 GiB frames.
 */
#include <autoconf.h>

#ifdef CONFIG_ARCH_RISCV64

#include <sel4vspace_host/arch.h>

#define OBJECT(t) { (t), #t }

static const sel4vspace_arch_t riscv64 = {
    .name = "riscv64",
    .word_bits = seL4_WordBits,
    .num_frame_sizes = 3,
    .frame_sizes = {
        { seL4_PageBits, OBJECT(seL4_RISCV_4K_Page) },
        { seL4_LargePageBits, OBJECT(seL4_RISCV_Mega_Page) },
        { seL4_HugePageBits, OBJECT(seL4_RISCV_Giga_Page) },
    },
    /* the one page-table type is the leaf table, every level above it and the root */
    .num_paging_types = 1,
    .paging_types = { seL4_RISCV_PageTableObject },
    .vspace_root_type = seL4_RISCV_PageTableObject,
    /* Sv39 has no 512 GiB page: seL4_RISCV_Tera_Page is not a type this configuration retypes */
    .num_object_types = 4,
    .object_types = {
        OBJECT(seL4_RISCV_Giga_Page), OBJECT(seL4_RISCV_4K_Page), OBJECT(seL4_RISCV_Mega_Page),
        OBJECT(seL4_RISCV_PageTableObject),
    },
    .default_vm_attributes = seL4_RISCV_Default_VMAttributes,
    /* RISC-V page-table entries carry no cacheability: seL4_libs' uncached mapping is the default */
    .cache_disabled_vm_attributes = seL4_RISCV_Default_VMAttributes,
    /* the first address user code cannot use */
    .user_top = seL4_UserTop,
};

const sel4vspace_arch_t *sel4vspace_arch(void)
{
    return &riscv64;
}

int sel4vspace_arch_page_unmap(seL4_CPtr frame)
{
    return seL4_RISCV_Page_Unmap(frame);
}

int sel4vspace_arch_asid_pool_assign(seL4_CPtr pool, seL4_CPtr vspace_root)
{
    return seL4_RISCV_ASIDPool_Assign(pool, vspace_root);
}

#endif
