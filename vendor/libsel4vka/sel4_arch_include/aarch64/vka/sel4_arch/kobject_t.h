/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <sel4/types.h>
#include <assert.h>
#include <autoconf.h>
#include <utils/util.h>

/* Generic object kinds that only the AArch64 mode has; numbering starts the kobject_t space. */
enum _arm_mode_kobject_type {
    KOBJECT_FRAME,
    KOBJECT_PAGE_GLOBAL_DIRECTORY,
    KOBJECT_PAGE_UPPER_DIRECTORY,
    KOBJECT_MODE_NUM_TYPES,
};

typedef int kobject_t;

/* Untyped bits for the kinds only AArch64 has; 0 (with an error for a kind it does not know). */
static inline seL4_Word arm_mode_kobject_get_size(kobject_t type, seL4_Word objectSize)
{
    if (type == KOBJECT_FRAME) {
        /* only the 1 GiB frame is the mode's */
        return objectSize == seL4_HugePageBits ? objectSize : 0;
    }
    if (type == KOBJECT_PAGE_UPPER_DIRECTORY) {
        return seL4_PageTableBits;
    }
    if (type == KOBJECT_PAGE_GLOBAL_DIRECTORY) {
        return seL4_VSpaceBits;
    }
    ZF_LOGE("arm_mode_kobject_get_size: no size known for type %d", type);
    return 0;
}

/* seL4 object type for the kinds only AArch64 has; (seL4_Word) -1 when there is none. The global
 * directory is the VSpace root object, the upper directory one more page table. */
static inline seL4_Word arm_mode_kobject_get_type(kobject_t type, seL4_Word objectSize)
{
    if (type == KOBJECT_FRAME) {
        return objectSize == seL4_HugePageBits ? seL4_ARM_HugePageObject : (seL4_Word) -1;
    }
    if (type == KOBJECT_PAGE_GLOBAL_DIRECTORY) {
        return seL4_ARM_VSpaceObject;
    }
    if (type == KOBJECT_PAGE_UPPER_DIRECTORY) {
        return seL4_ARM_PageTableObject;
    }
    ZF_LOGE("arm_mode_kobject_get_type: no seL4 object type for type %d", type);
    return (seL4_Word) -1;
}
