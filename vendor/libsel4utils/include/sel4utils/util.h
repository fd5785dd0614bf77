/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <autoconf.h>
#include <assert.h>
#include <stdint.h>

#include <sel4/sel4.h>
#include <utils/util.h>
#include <vspace/page.h>

/* Message registers needed to carry one 64-bit value (2 on 32-bit kernels). */
#define SEL4UTILS_64_WORDS (sizeof(uint64_t) / sizeof(seL4_Word))

/*
 * Read a 64-bit value from the message registers starting at `offset`,
 * low word first.
 */
static inline uint64_t sel4utils_64_get_mr(seL4_Word offset)
{
    uint64_t value = 0;
    for (seL4_Word word = 0; word < SEL4UTILS_64_WORDS; word++) {
        value |= (uint64_t) seL4_GetMR(offset + word) << (word * 8 * sizeof(seL4_Word));
    }
    return value;
}

/* Write a 64-bit value into the message registers starting at `offset`, low word first. */
static inline void sel4utils_64_set_mr(seL4_Word offset, uint64_t value)
{
    for (seL4_Word word = 0; word < SEL4UTILS_64_WORDS; word++) {
        seL4_SetMR(offset + word, (seL4_Word)(value >> (word * 8 * sizeof(seL4_Word))));
    }
}
