/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stand-in libc types, used only while build_ffi.py generates the cffi cdef: pycparser needs to
 * know these names are types, and cffi knows their real definitions already. Nothing here is
 * compiled into the extension.
 */
#pragma once
typedef unsigned long size_t;
typedef long ssize_t;
typedef long ptrdiff_t;
typedef int wchar_t;
typedef signed char int8_t;
typedef short int16_t;
typedef int int32_t;
typedef long int64_t;
typedef unsigned char uint8_t;
typedef unsigned short uint16_t;
typedef unsigned int uint32_t;
typedef unsigned long uint64_t;
typedef long intptr_t;
typedef unsigned long uintptr_t;
typedef long intmax_t;
typedef unsigned long uintmax_t;
typedef long off_t;
typedef int FILE;
typedef int va_list;
#define NULL ((void *) 0)
#define bool _Bool
#define true 1
#define false 0
