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

/* Untyped bits needed for the mode-specific kinds (0 when unknown). */
static inline seL4_Word x86_mode_kobject_get_size(kobject_t type, seL4_Word objectSize)
{
    switch (type) {
    case KOBJECT_FRAME:
        return objectSize == seL4_HugePageBits ? objectSize : 0;
    case KOBJECT_PDPT:
        return seL4_PDPTBits;
    default:
        ZF_LOGE("Unknown object type %d", type);
        return 0;
    }
}

/* seL4 object type for the mode-specific kinds ((seL4_Word)-1 when unknown). */
static inline seL4_Word x86_mode_kobject_get_type(kobject_t type, seL4_Word objectSize)
{
    switch (type) {
    case KOBJECT_FRAME:
        if (objectSize == seL4_HugePageBits) {
            return seL4_X64_HugePageObject;
        }
        return (seL4_Word) -1;
    case KOBJECT_PML4:
        return seL4_X64_PML4Object;
    case KOBJECT_PDPT:
        return seL4_X86_PDPTObject;
    default:
        ZF_LOGE("Unknown object type %d", type);
        return (seL4_Word) -1;
    }
}
