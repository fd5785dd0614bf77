/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * RISC-V object types; they follow the RISC-V 64 ones (sel4/sel4_arch/objecttype.h). The page-table
 * type serves every level, the root of an address space included.
 */
#pragma once

#include <sel4/config.h>

/* Upstream's enum tag is _object, which collides with CPython's struct _object in the cffi module;
 * nothing refers to the tag, only to the typedef. */
typedef enum _arch_object {
    seL4_RISCV_4K_Page = seL4_ModeObjectTypeCount,
    seL4_RISCV_Mega_Page,
    seL4_RISCV_PageTableObject,
    seL4_ObjectTypeCount
} seL4_ArchObjectType;

typedef seL4_Word object_t;
