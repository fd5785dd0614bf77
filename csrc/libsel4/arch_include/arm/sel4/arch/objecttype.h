/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ARM object types; they follow the AArch64 ones (sel4/sel4_arch/objecttype.h). One page-table type
 * serves every level below the VSpace root, as in current seL4.
 */
#pragma once

#include <sel4/config.h>

/* Upstream's enum tag is _object, which collides with CPython's struct _object in the cffi module;
 * nothing refers to the tag, only to the typedef. */
typedef enum _arch_object {
    seL4_ARM_SmallPageObject = seL4_ModeObjectTypeCount,
    seL4_ARM_LargePageObject,
    seL4_ARM_PageTableObject,
    seL4_ObjectTypeCount
} seL4_ArchObjectType;

typedef seL4_Word object_t;

/* Types this configuration (no hypervisor, no SMMU) does not have: values no retype accepts. */
#define seL4_ARM_VCPUObject 0xfffe
#define seL4_ARM_IOPageTableObject 0xffff
