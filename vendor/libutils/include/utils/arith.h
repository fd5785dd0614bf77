/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Integer helpers under util_libs' names and with util_libs' meanings: ROUND_UP and ROUND_DOWN
 * round to a multiple of a number of bytes (not of a power of two given in bits), MASK(n) is the n
 * low bits for any n from 1 to the word size, BYTES_TO_SIZE_BITS is the floor of log2. The
 * rounding, MIN and MAX read each argument once (GNU statement expressions, as util_libs' do);
 * they cannot appear in a constant expression, so the other helpers are plain macros.
 */
#pragma once

#include <stdint.h>
#include <stddef.h>
#include <autoconf.h>
#include <utils/builtin.h>

#define BIT(n)            (1ul << (n))
#define MASK(n)           (~0ul >> (CONFIG_WORD_SIZE - (n)))
#define ARRAY_SIZE(a)     (sizeof(a) / sizeof((a)[0]))

#define MIN(a, b) __extension__ ({ \
        __typeof__(a) min_a_ = (a); __typeof__(b) min_b_ = (b); min_b_ < min_a_ ? min_b_ : min_a_; })
#define MAX(a, b) __extension__ ({ \
        __typeof__(a) max_a_ = (a); __typeof__(b) max_b_ = (b); max_b_ > max_a_ ? max_b_ : max_a_; })

/* n rounded down / up to a multiple of b, and n / d rounded up; b and d need not be powers of two */
#define ROUND_DOWN(n, b) __extension__ ({ \
        __typeof__(n) rd_n_ = (n); __typeof__(b) rd_b_ = (b); rd_n_ - rd_n_ % rd_b_; })
#define ROUND_UP(n, b) __extension__ ({ \
        __typeof__(n) ru_n_ = (n); __typeof__(b) ru_b_ = (b); \
        ru_n_ % ru_b_ == 0 ? ru_n_ : ru_n_ + (ru_b_ - ru_n_ % ru_b_); })
#define DIV_ROUND_UP(n, d) __extension__ ({ \
        __typeof__(n) du_n_ = (n); __typeof__(d) du_d_ = (d); du_n_ / du_d_ + (du_n_ % du_d_ != 0); })

/* alignments that are powers of two: a in bytes, b in bits */
#define IS_ALIGNED(n, b)  (!((n) & MASK(b)))
#define ALIGN_DOWN(x, a)  ((x) & ~((a) - 1))
#define ALIGN_UP(x, a)    (((x) + (a) - 1) & ~((a) - 1))
#define IS_POWER_OF_2_OR_ZERO(x) (0 == ((x) & ((x) - 1)))
#define IS_POWER_OF_2(x)  ((x) != 0 && IS_POWER_OF_2_OR_ZERO(x))

#define SIZE_BITS_TO_BYTES(size_bits) (1ul << (size_bits))
#define BYTES_TO_SIZE_BITS(bytes)     (CONFIG_WORD_SIZE - 1 - CLZL(bytes))
