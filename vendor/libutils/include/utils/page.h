/* SPDX-License-Identifier: BSD-2-Clause */
/* Page sizes under util_libs' names (x86_64 host simulation). */
#pragma once

#include <utils/arith.h>

#define PAGE_BITS_4K 12
#define PAGE_BITS_2M 21
#define PAGE_BITS_1G 30
#define PAGE_SIZE_4K (1ul << PAGE_BITS_4K)
#define PAGE_SIZE_2M (1ul << PAGE_BITS_2M)
#define PAGE_SIZE_1G (1ul << PAGE_BITS_1G)
#define PAGE_MASK_4K (~(PAGE_SIZE_4K - 1))
#define PAGE_MASK_2M (~(PAGE_SIZE_2M - 1))
#define PAGE_MASK_1G (~(PAGE_SIZE_1G - 1))
#define PAGE_ALIGN_4K(addr) ((addr) & PAGE_MASK_4K)
#define PAGE_ALIGN_2M(addr) ((addr) & PAGE_MASK_2M)
#define PAGE_ALIGN_1G(addr) ((addr) & PAGE_MASK_1G)
