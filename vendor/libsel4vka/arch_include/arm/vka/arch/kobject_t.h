/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <sel4/types.h>
#include <assert.h>
#include <stdbool.h>
#include <autoconf.h>
#include <utils/util.h>
#include <vka/sel4_arch/kobject_t.h>

/* Kinds every ARM mode has, numbered after the mode-specific ones. */
enum _arm_kobject_type {
    KOBJECT_PAGE_DIRECTORY = KOBJECT_MODE_NUM_TYPES,
    KOBJECT_PAGE_TABLE,
    KOBJECT_ARCH_NUM_TYPES,
};

/* Untyped bits for the kinds every ARM mode has; frames of a size only the mode has are the mode's. */
static inline seL4_Word arch_kobject_get_size(kobject_t type, seL4_Word objectSize)
{
    bool arm_frame = objectSize == seL4_PageBits || objectSize == seL4_LargePageBits;
    if (type == KOBJECT_FRAME && arm_frame) {
        return objectSize;
    }
    return arm_mode_kobject_get_size(type, objectSize);
}

/* seL4 object type for the kinds every ARM mode has; the rest are the mode's. */
static inline seL4_Word arch_kobject_get_type(kobject_t type, seL4_Word objectSize)
{
    if (type == KOBJECT_FRAME && objectSize == seL4_PageBits) {
        return seL4_ARM_SmallPageObject;
    }
    if (type == KOBJECT_FRAME && objectSize == seL4_LargePageBits) {
        return seL4_ARM_LargePageObject;
    }
    if (type == KOBJECT_PAGE_TABLE || type == KOBJECT_PAGE_DIRECTORY) {
        /* one page-table type serves every level below the root */
        return seL4_ARM_PageTableObject;
    }
    return arm_mode_kobject_get_type(type, objectSize);
}
