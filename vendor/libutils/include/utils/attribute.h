/* SPDX-License-Identifier: BSD-2-Clause */
/* Compiler attributes under util_libs' names. */
#pragma once

#define ALIGN(n)        __attribute__((__aligned__(n)))
#define ALLOC_SIZE(...) __attribute__((alloc_size(__VA_ARGS__)))
#define COLD            __attribute__((cold))
#define CONST           __attribute__((__const__))
#define DEPRECATED(msg) __attribute__((deprecated(msg)))
#define FORMAT(...)     __attribute__((format(__VA_ARGS__)))
#define HOT             __attribute__((hot))
#define MALLOC          __attribute__((malloc))
#define NONNULL(...)    __attribute__((__nonnull__(__VA_ARGS__)))
#define NORETURN        __attribute__((__noreturn__))
#define PACKED          __attribute__((__packed__))
#define PURE            __attribute__((__pure__))
#define SECTION(sect)   __attribute__((__section__(sect)))
#define UNUSED          __attribute__((__unused__))
#define USED            __attribute__((__used__))
#define VISIBLE         __attribute__((__externally_visible__))
#define WARN_UNUSED_RESULT __attribute__((warn_unused_result))
#define WEAK            __attribute__((weak))
