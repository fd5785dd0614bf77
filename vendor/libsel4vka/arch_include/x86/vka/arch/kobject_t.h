/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <sel4/types.h>
#include <assert.h>
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

static inline seL4_Word arch_kobject_get_size(kobject_t type, seL4_Word objectSize)
{
    switch (type) {
    case KOBJECT_IO_PAGETABLE:
        return seL4_IOPageTableBits;
    case KOBJECT_FRAME:
        if (objectSize == seL4_PageBits || objectSize == seL4_LargePageBits) {
            return objectSize;
        }
        /* other frame sizes belong to the mode (x86_64 huge pages) */
        return x86_mode_kobject_get_size(type, objectSize);
    default:
        return x86_mode_kobject_get_size(type, objectSize);
    }
}

static inline seL4_Word arch_kobject_get_type(int type, seL4_Word objectSize)
{
    switch (type) {
    case KOBJECT_PAGE_DIRECTORY:
        return seL4_X86_PageDirectoryObject;
    case KOBJECT_PAGE_TABLE:
        return seL4_X86_PageTableObject;
    case KOBJECT_IO_PAGETABLE:
        return seL4_X86_IOPageTableObject;
    case KOBJECT_FRAME:
        if (objectSize == seL4_PageBits) {
            return seL4_X86_4K;
        }
        if (objectSize == seL4_LargePageBits) {
            return seL4_X86_LargePageObject;
        }
        return x86_mode_kobject_get_type(type, objectSize);
    default:
        return x86_mode_kobject_get_type(type, objectSize);
    }
}
