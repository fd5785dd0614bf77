/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <vka/vka.h>
#include <vka/kobject_t.h>
#include <utils/util.h>

/* The AArch64 paging objects by their old names, typed through kobject_t as the generic ones are. */
VKA_FIXED_SIZE_OBJECT(page_global_directory, kobject_get_type(KOBJECT_PAGE_GLOBAL_DIRECTORY, 0), seL4_VSpaceBits)
VKA_FIXED_SIZE_OBJECT(page_upper_directory, kobject_get_type(KOBJECT_PAGE_UPPER_DIRECTORY, 0), seL4_PageTableBits)

/* The root of an AArch64 address space is a VSpace object. */
static inline int vka_alloc_vspace_root(vka_t *vka, vka_object_t *result)
{
    return vka_alloc_page_global_directory(vka, result);
}

/* Untyped bits of the object types AArch64 adds; an unknown type gets an error and (unsigned long) -1. */
static inline unsigned long vka_arm_mode_get_object_size(seL4_Word objectType)
{
    if (objectType == seL4_ARM_VSpaceObject) {
        return seL4_VSpaceBits;
    }
    if (objectType == seL4_ARM_HugePageObject) {
        return seL4_HugePageBits;
    }
    /* upstream stops the program here; an impossible size lets the caller fail instead */
    ZF_LOGE("vka_arm_mode_get_object_size: objectType %lu is not an object type of this architecture",
            (unsigned long) objectType);
    return (unsigned long) -1;
}
