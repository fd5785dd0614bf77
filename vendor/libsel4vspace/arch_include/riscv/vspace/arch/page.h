/* SPDX-License-Identifier: BSD-2-Clause */
/* RISC-V page sizes and the seL4_ARCH_* aliases that arch-neutral seL4_libs code calls. */
#pragma once

#include <autoconf.h>
#include <stddef.h>
#include <utils/attribute.h>
#include <sel4/sel4.h>

/* Frame sizes a vspace can map, smallest first: one per paging level (Sv39: 4 KiB, 2 MiB, 1 GiB). */
#if CONFIG_PT_LEVELS == 3
static const UNUSED size_t sel4_page_sizes[] = { seL4_PageBits, seL4_LargePageBits, seL4_HugePageBits };
#elif CONFIG_PT_LEVELS == 4
static const UNUSED size_t sel4_page_sizes[] = { seL4_PageBits, seL4_LargePageBits, seL4_HugePageBits,
                                                 seL4_TeraPageBits };
#endif

/* RISC-V mappings carry no cache attributes. */
#define seL4_ARCH_Uncached_VMAttributes 0

#define seL4_ARCH_Page_Map              seL4_RISCV_Page_Map
#define seL4_ARCH_Page_Unmap            seL4_RISCV_Page_Unmap
#define seL4_ARCH_Page_GetAddress       seL4_RISCV_Page_GetAddress
#define seL4_ARCH_Page_GetAddress_t     seL4_RISCV_Page_GetAddress_t
#define seL4_ARCH_PageTable_Map         seL4_RISCV_PageTable_Map
#define seL4_ARCH_PageTable_Unmap       seL4_RISCV_PageTable_Unmap
#define seL4_ARCH_ASIDPool_Assign       seL4_RISCV_ASIDPool_Assign
#define seL4_ARCH_ASIDControl_MakePool  seL4_RISCV_ASIDControl_MakePool
/* every level, the directory above the last one too, is a page table */
#define seL4_ARCH_PageTableObject       seL4_RISCV_PageTableObject
#define seL4_ARCH_PageDirectoryObject   seL4_RISCV_PageTableObject
#define seL4_ARCH_Default_VMAttributes  seL4_RISCV_Default_VMAttributes
#define seL4_ARCH_VMAttributes          seL4_RISCV_VMAttributes
#define seL4_ARCH_4KPage                seL4_RISCV_4K_Page
#define seL4_ARCH_LargePageObject       seL4_RISCV_Mega_Page
#define ARCHPageGetAddress              RISCVPageGetAddress
