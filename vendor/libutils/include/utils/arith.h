/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Integer helpers under util_libs' names. All are plain macros over their arguments (no GNU
 * statement expressions), so the headers that use them stay parseable when the cffi surface is
 * generated; arguments may therefore be evaluated more than once.
 */
#pragma once

#include <stdint.h>
#include <stddef.h>

#define BIT(n)            (1ul << (n))
#define MASK(n)           (BIT(n) - 1ul)
#define ARRAY_SIZE(a)     (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)         (((a) < (b)) ? (a) : (b))
#define MAX(a, b)         (((a) > (b)) ? (a) : (b))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))

#define IS_ALIGNED(n, b)  (!((n) & MASK(b)))
#define ROUND_DOWN(n, b)  (((n) >> (b)) << (b))
#define ROUND_UP(n, b)    ((((n) >> (b)) + (((n) & MASK(b)) != 0)) << (b))
#define ALIGN_DOWN(x, a)  ((x) & ~((a) - 1))
#define ALIGN_UP(x, a)    (((x) + (a) - 1) & ~((a) - 1))
#define IS_POWER_OF_2_OR_ZERO(x) (0 == ((x) & ((x) - 1)))
#define IS_POWER_OF_2(x)  ((x) != 0 && IS_POWER_OF_2_OR_ZERO(x))

#define SIZE_BITS_TO_BYTES(size_bits) (1ul << (size_bits))
#define BYTES_TO_SIZE_BITS(bytes)     (CTZL(bytes))
#define BYTES_TO_4K_PAGES(b)          DIV_ROUND_UP((b), 4096ul)
