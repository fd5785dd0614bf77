/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Page sizes under util_libs' names and meanings (x86_64 host simulation): a PAGE_MASK_* is the
 * offset bits within a page, so PAGE_ALIGN_* clears them.
 */
#pragma once

#include <utils/arith.h>

#define PAGE_BITS_4K 12
#define PAGE_BITS_2M 21
#define PAGE_BITS_1G 30
#define PAGE_SIZE_4K SIZE_BITS_TO_BYTES(PAGE_BITS_4K)
#define PAGE_SIZE_2M SIZE_BITS_TO_BYTES(PAGE_BITS_2M)
#define PAGE_SIZE_1G SIZE_BITS_TO_BYTES(PAGE_BITS_1G)
#define PAGE_MASK_4K (PAGE_SIZE_4K - 1)
#define PAGE_MASK_2M (PAGE_SIZE_2M - 1)
#define PAGE_MASK_1G (PAGE_SIZE_1G - 1)
#define PAGE_ALIGN_4K(addr) ((addr) & ~PAGE_MASK_4K)
#define PAGE_ALIGN_2M(addr) ((addr) & ~PAGE_MASK_2M)
#define PAGE_ALIGN_1G(addr) ((addr) & ~PAGE_MASK_1G)
#define IS_ALIGNED_4K(addr) IS_ALIGNED(addr, PAGE_BITS_4K)
#define IS_ALIGNED_2M(addr) IS_ALIGNED(addr, PAGE_BITS_2M)

/* how many pages of 2^size_bits bytes hold b bytes */
#define BYTES_TO_SIZE_BITS_PAGES(b, size_bits) (((b) >> (size_bits)) + (((b) & MASK(size_bits)) != 0))
#define BYTES_TO_4K_PAGES(b) BYTES_TO_SIZE_BITS_PAGES(b, PAGE_BITS_4K)
