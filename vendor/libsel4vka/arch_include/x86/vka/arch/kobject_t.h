/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <sel4/types.h>
#include <assert.h>
#include <stdbool.h>
#include <autoconf.h>
#include <utils/util.h>
#include <vka/sel4_arch/kobject_t.h>

/* Kinds shared by every x86 mode, numbered after the mode-specific ones. */
enum _x86_kobject_type {
    KOBJECT_IO_PAGETABLE = KOBJECT_MODE_NUM_TYPES,
    KOBJECT_PAGE_DIRECTORY,
    KOBJECT_PAGE_TABLE,
    KOBJECT_ARCH_NUM_TYPES,
};

/* Untyped bits for the kinds every x86 mode has; frames of a size only the mode has are the mode's. */
static inline seL4_Word arch_kobject_get_size(kobject_t type, seL4_Word objectSize)
{
    bool x86_frame = objectSize == seL4_PageBits || objectSize == seL4_LargePageBits;
    if (type == KOBJECT_FRAME && x86_frame) {
        return objectSize;
    }
    if (type == KOBJECT_IO_PAGETABLE) {
        return seL4_IOPageTableBits;
    }
    return x86_mode_kobject_get_size(type, objectSize);
}

/* seL4 object type for the kinds every x86 mode has; the rest are the mode's. */
static inline seL4_Word arch_kobject_get_type(int type, seL4_Word objectSize)
{
    if (type == KOBJECT_FRAME && objectSize == seL4_PageBits) {
        return seL4_X86_4K;
    }
    if (type == KOBJECT_FRAME && objectSize == seL4_LargePageBits) {
        return seL4_X86_LargePageObject;
    }
    if (type == KOBJECT_PAGE_TABLE) {
        return seL4_X86_PageTableObject;
    }
    if (type == KOBJECT_PAGE_DIRECTORY) {
        return seL4_X86_PageDirectoryObject;
    }
    if (type == KOBJECT_IO_PAGETABLE) {
        return seL4_X86_IOPageTableObject;
    }
    return x86_mode_kobject_get_type(type, objectSize);
}
