/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <vka/vka.h>
#include <vka/kobject_t.h>
#include <utils/util.h>

static inline int vka_alloc_pml4(vka_t *vka, vka_object_t *result)
{
    return vka_alloc_object(vka, kobject_get_type(KOBJECT_PML4, 0), seL4_PML4Bits, result);
}

static inline int vka_alloc_pdpt(vka_t *vka, vka_object_t *result)
{
    return vka_alloc_object(vka, kobject_get_type(KOBJECT_PDPT, 0), seL4_PDPTBits, result);
}

LEAKY(pml4)
LEAKY(pdpt)

/* The root of an x86_64 address space is a PML4. */
static inline int vka_alloc_vspace_root(vka_t *vka, vka_object_t *result)
{
    return vka_alloc_pml4(vka, result);
}

static inline unsigned long vka_x86_mode_get_object_size(seL4_Word objectType)
{
    switch (objectType) {
    case seL4_X64_HugePageObject:
        return seL4_HugePageBits;
    case seL4_X86_PDPTObject:
        return seL4_PDPTBits;
    case seL4_X64_PML4Object:
        return seL4_PML4Bits;
    default:
        /* upstream treats this as fatal; an error and an impossible size let callers fail instead */
        ZF_LOGE("Unknown object type %ld", (long) objectType);
        return (unsigned long) -1;
    }
}
