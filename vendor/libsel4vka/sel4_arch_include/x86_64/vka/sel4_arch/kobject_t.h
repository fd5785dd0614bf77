/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <sel4/types.h>
#include <assert.h>
#include <autoconf.h>
#include <utils/util.h>

/* Generic object kinds that only the x86_64 mode has; numbering starts the kobject_t space. */
enum _x86_mode_kobject_type {
    KOBJECT_PML4,
    KOBJECT_PDPT,
    KOBJECT_FRAME,
    KOBJECT_MODE_NUM_TYPES,
};

typedef int kobject_t;

/* Untyped bits for the kinds only x86_64 has; 0 (with an error for a kind it does not know). */
static inline seL4_Word x86_mode_kobject_get_size(kobject_t type, seL4_Word objectSize)
{
    if (type == KOBJECT_FRAME) {
        /* a frame of any size but a huge page's is no x86_64 frame */
        return objectSize == seL4_HugePageBits ? objectSize : 0;
    }
    if (type == KOBJECT_PDPT) {
        return seL4_PDPTBits;
    }
    /* KOBJECT_PML4 lands here as well: upstream never gave it a size, only a type */
    ZF_LOGE("x86_mode_kobject_get_size: no size known for type %d", type);
    return 0;
}

/* seL4 object type for the kinds only x86_64 has; (seL4_Word) -1 when there is none. */
static inline seL4_Word x86_mode_kobject_get_type(kobject_t type, seL4_Word objectSize)
{
    if (type == KOBJECT_FRAME) {
        return objectSize == seL4_HugePageBits ? seL4_X64_HugePageObject : (seL4_Word) -1;
    }
    if (type == KOBJECT_PML4) {
        return seL4_X64_PML4Object;
    }
    if (type == KOBJECT_PDPT) {
        return seL4_X86_PDPTObject;
    }
    ZF_LOGE("x86_mode_kobject_get_type: no seL4 object type for type %d", type);
    return (seL4_Word) -1;
}
