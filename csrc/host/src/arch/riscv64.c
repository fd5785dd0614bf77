/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The arch seam of the host world for RISC-V 64 with Sv39: page tables of one type at all three
 * levels, the root among them, and 4 KiB, 2 MiB and 1 GiB frames.
 */
#include <autoconf.h>

#ifdef CONFIG_ARCH_RISCV64

#include <sel4vspace_host/arch.h>

#define ARCH_NAME "riscv64"
#define ARCH_INVOCATION(name) seL4_RISCV_##name
#define ARCH_PAGE_OBJECT SEL4VSPACE_ARCH_OBJECT(seL4_RISCV_4K_Page)
#define ARCH_LARGE_PAGE_OBJECT SEL4VSPACE_ARCH_OBJECT(seL4_RISCV_Mega_Page)
#define ARCH_HUGE_PAGE_OBJECT SEL4VSPACE_ARCH_OBJECT(seL4_RISCV_Giga_Page)
/* the one page-table type is the leaf table, every level above it and the root */
#define ARCH_PAGING_TYPES seL4_RISCV_PageTableObject
#define ARCH_VSPACE_ROOT_TYPE seL4_RISCV_PageTableObject
/* Sv39 has no 512 GiB page: seL4_RISCV_Tera_Page is not a type this configuration retypes */
#define ARCH_OBJECT_TYPES                                                                                          \
    SEL4VSPACE_ARCH_OBJECT(seL4_RISCV_Giga_Page), SEL4VSPACE_ARCH_OBJECT(seL4_RISCV_4K_Page),                      \
        SEL4VSPACE_ARCH_OBJECT(seL4_RISCV_Mega_Page), SEL4VSPACE_ARCH_OBJECT(seL4_RISCV_PageTableObject)
#define ARCH_DEFAULT_VM_ATTRIBUTES seL4_RISCV_Default_VMAttributes
/* RISC-V page-table entries carry no cacheability: seL4_libs' uncached mapping is the default */
#define ARCH_CACHE_DISABLED_VM_ATTRIBUTES seL4_RISCV_Default_VMAttributes
/* the first address user code cannot use */
#define ARCH_USER_TOP seL4_UserTop

#include "seam.h"

#endif
