/* SPDX-License-Identifier: BSD-2-Clause */
/* ARM page sizes and the seL4_ARCH_* aliases that arch-neutral seL4_libs code calls. */
#pragma once

#include <autoconf.h>
#include <stddef.h>
#include <utils/attribute.h>
#include <sel4/sel4.h>

/* Frame sizes an AArch64 vspace can map, smallest first: 4 KiB, 2 MiB, 1 GiB. */
static const UNUSED size_t sel4_page_sizes[] = { seL4_PageBits, seL4_LargePageBits, seL4_HugePageBits };

/* ARM has no attribute word for "uncached": a mapping without seL4_ARM_PageCacheable is one. */
#define seL4_ARCH_Uncached_VMAttributes 0

#define seL4_ARCH_Page_Map              seL4_ARM_Page_Map
#define seL4_ARCH_Page_MapIO            seL4_ARM_Page_MapIO
#define seL4_ARCH_Page_Unmap            seL4_ARM_Page_Unmap
#define seL4_ARCH_Page_GetAddress       seL4_ARM_Page_GetAddress
#define seL4_ARCH_Page_GetAddress_t     seL4_ARM_Page_GetAddress_t
#define seL4_ARCH_PageTable_Map         seL4_ARM_PageTable_Map
#define seL4_ARCH_IOPageTable_Map       seL4_ARM_IOPageTable_Map
#define seL4_ARCH_PageTable_Unmap       seL4_ARM_PageTable_Unmap
#define seL4_ARCH_ASIDPool_Assign       seL4_ARM_ASIDPool_Assign
#define seL4_ARCH_ASIDControl_MakePool  seL4_ARM_ASIDControl_MakePool
#define seL4_ARCH_PageTableObject       seL4_ARM_PageTableObject
#define seL4_ARCH_PageDirectoryObject   seL4_ARM_PageDirectoryObject
#define seL4_ARCH_Default_VMAttributes  seL4_ARM_Default_VMAttributes
#define seL4_ARCH_VMAttributes          seL4_ARM_VMAttributes
#define seL4_ARCH_4KPage                seL4_ARM_SmallPageObject
#define seL4_ARCH_LargePageObject       seL4_ARM_LargePageObject
#define ARCHPageGetAddress              ARMPageGetAddress
