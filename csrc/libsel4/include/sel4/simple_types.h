/* SPDX-License-Identifier: BSD-2-Clause */
/* Fixed-width integer types of the seL4 API, for the 64-bit (LP64) configuration. */
#pragma once

typedef signed char seL4_Int8;
typedef signed short seL4_Int16;
typedef signed int seL4_Int32;
typedef signed long seL4_Int64;
typedef unsigned char seL4_Uint8;
typedef unsigned short seL4_Uint16;
typedef unsigned int seL4_Uint32;
typedef unsigned long seL4_Uint64;

typedef seL4_Int8 seL4_Bool;

#define seL4_True 1
#define seL4_False 0
#define seL4_Null ((void *)0)

#include <sel4/sel4_arch/simple_types.h>
