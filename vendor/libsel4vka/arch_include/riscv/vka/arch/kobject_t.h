/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <sel4/types.h>
#include <assert.h>
#include <stdbool.h>
#include <autoconf.h>
#include <utils/util.h>

/* The directory level is a page table too: generic code sizes it by this name. */
#define seL4_PageDirBits seL4_PageTableBits

/* The kinds RISC-V adds to the generic ones (it has no mode-specific header); they start kobject_t. */
enum _riscv_kobject_type {
    KOBJECT_PAGE_DIRECTORY,
    KOBJECT_PAGE_TABLE,
    KOBJECT_FRAME,
    KOBJECT_ARCH_NUM_TYPES,
};

typedef int kobject_t;

/* Does a frame of 2^size_bits exist with this many paging levels? One size per level. */
static inline bool riscv_frame_size_exists(seL4_Word size_bits)
{
    return size_bits == seL4_PageBits || size_bits == seL4_LargePageBits
           || (CONFIG_PT_LEVELS > 2 && size_bits == seL4_HugePageBits)
#if CONFIG_PT_LEVELS > 3
           || size_bits == seL4_TeraPageBits
#endif
           ;
}

/* Untyped bits for a RISC-V kind (the generic code sizes the tables); 0 with an error otherwise. */
static inline seL4_Word arch_kobject_get_size(kobject_t type, seL4_Word objectSize)
{
    if (type == KOBJECT_FRAME && riscv_frame_size_exists(objectSize)) {
        return objectSize;
    }
    ZF_LOGE("arch_kobject_get_size: no size known for type %d, size %lu", type, (unsigned long) objectSize);
    return 0;
}

/* seL4 object type of a RISC-V kind; (seL4_Word) -1 with an error when there is none. */
static inline seL4_Word arch_kobject_get_type(kobject_t type, seL4_Word objectSize)
{
    if (type == KOBJECT_PAGE_TABLE || type == KOBJECT_PAGE_DIRECTORY) {
        return seL4_RISCV_PageTableObject;
    }
    if (type == KOBJECT_FRAME && objectSize == seL4_PageBits) {
        return seL4_RISCV_4K_Page;
    }
    if (type == KOBJECT_FRAME && objectSize == seL4_LargePageBits) {
        return seL4_RISCV_Mega_Page;
    }
    if (type == KOBJECT_FRAME && CONFIG_PT_LEVELS > 2 && objectSize == seL4_HugePageBits) {
        return seL4_RISCV_Giga_Page;
    }
#if CONFIG_PT_LEVELS > 3
    if (type == KOBJECT_FRAME && objectSize == seL4_TeraPageBits) {
        return seL4_RISCV_Tera_Page;
    }
#endif
    ZF_LOGE("arch_kobject_get_type: no seL4 object type for type %d, size %lu", type, (unsigned long) objectSize);
    return (seL4_Word) -1;
}
