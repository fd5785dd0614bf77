/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <vka/vka.h>
#include <vka/kobject_t.h>
#include <utils/util.h>

/* The paging structures only x86_64 has, typed through kobject_t as the generic ones are. */
VKA_FIXED_SIZE_OBJECT(pml4, kobject_get_type(KOBJECT_PML4, 0), seL4_PML4Bits)
VKA_FIXED_SIZE_OBJECT(pdpt, kobject_get_type(KOBJECT_PDPT, 0), seL4_PDPTBits)

/* The root of an x86_64 address space is a PML4. */
static inline int vka_alloc_vspace_root(vka_t *vka, vka_object_t *result)
{
    return vka_alloc_pml4(vka, result);
}

/* Untyped bits of the object types x86_64 adds; an unknown type gets an error and (unsigned long) -1. */
static inline unsigned long vka_x86_mode_get_object_size(seL4_Word objectType)
{
    if (objectType == seL4_X64_PML4Object) {
        return seL4_PML4Bits;
    }
    if (objectType == seL4_X86_PDPTObject) {
        return seL4_PDPTBits;
    }
    if (objectType == seL4_X64_HugePageObject) {
        return seL4_HugePageBits;
    }
    /* upstream stops the program here; an impossible size lets the caller fail instead */
    ZF_LOGE("vka_x86_mode_get_object_size: objectType %lu is not an object type of this architecture",
            (unsigned long) objectType);
    return (unsigned long) -1;
}
