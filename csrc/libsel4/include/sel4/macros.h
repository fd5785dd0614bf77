/* SPDX-License-Identifier: BSD-2-Clause */
/* Helper macros the libsel4 headers use. Kept free of GNU extensions so the cffi cdef generator can
 * read every header that uses them. */
#pragma once

#define LIBSEL4_BIT(n) (1ul << (n))

/* Upstream widens enums to a full word with a sentinel; the value is written out as a literal so
 * that pycparser/cffi need not evaluate a shift expression. */
#define SEL4_FORCE_LONG_ENUM(type) _enum_pad_##type = 0x7fffffffffffffff

#define SEL4_COMPILE_ASSERT(name, expr) _Static_assert(expr, #name);

#define SEL4_SIZE_SANITY(index, entry, size) \
    SEL4_COMPILE_ASSERT(index##_##entry##_##size, (index) + (entry) == (size))
