/* SPDX-License-Identifier: BSD-2-Clause */
/* Branch hints and bit scans under util_libs' names. */
#pragma once

#define likely(e)   __builtin_expect(!!(e), 1)
#define unlikely(e) __builtin_expect(!!(e), 0)

#define CTZL(x) __builtin_ctzl(x)
#define CLZL(x) __builtin_clzl(x)
#define CTZ(x)  __builtin_ctz(x)
#define CLZ(x)  __builtin_clz(x)
#define POPCOUNTL(x) __builtin_popcountl(x)
