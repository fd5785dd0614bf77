/* SPDX-License-Identifier: BSD-2-Clause */
/* Frame sizes the architecture supports, and the checks built on them. */
#pragma once

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <utils/arith.h>

#include <vspace/arch/page.h>

#define SEL4_NUM_PAGE_SIZES ((int) ARRAY_SIZE(sel4_page_sizes))

/* True when size_bits is the size of a frame this architecture can map. */
static inline bool sel4_valid_size_bits(size_t size_bits)
{
    for (int i = 0; i < SEL4_NUM_PAGE_SIZES; i++) {
        if (sel4_page_sizes[i] == size_bits) {
            return true;
        }
    }
    return false;
}

/* The largest frame size that is not bigger than a region of size_bytes (the smallest if none fits). */
static inline int sel4_page_size_bits_for_memory_region(size_t size_bytes)
{
    int best = 0;
    while (best + 1 < SEL4_NUM_PAGE_SIZES && (size_bytes >> sel4_page_sizes[best + 1]) != 0) {
        best++;
    }
    return (int) sel4_page_sizes[best];
}
