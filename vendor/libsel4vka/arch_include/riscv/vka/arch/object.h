/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <vka/vka.h>
#include <vka/kobject_t.h>
#include <utils/util.h>

/* The root of a RISC-V address space is a page table like the others. */
static inline int vka_alloc_vspace_root(vka_t *vka, vka_object_t *result)
{
    return vka_alloc_page_table(vka, result);
}

/* Untyped bits of the RISC-V object types: the page table, and one frame per level. An unknown
 * type gets an error and (unsigned long) -1. */
static inline unsigned long vka_arch_get_object_size(seL4_Word objectType)
{
    if (objectType == seL4_RISCV_PageTableObject) {
        return seL4_PageTableBits;
    }
    if (objectType == seL4_RISCV_4K_Page || objectType == seL4_RISCV_Mega_Page) {
        return objectType == seL4_RISCV_4K_Page ? seL4_PageBits : seL4_LargePageBits;
    }
#if CONFIG_PT_LEVELS > 2
    if (objectType == seL4_RISCV_Giga_Page) {
        return seL4_HugePageBits;
    }
#endif
#if CONFIG_PT_LEVELS > 3
    if (objectType == seL4_RISCV_Tera_Page) {
        return seL4_TeraPageBits;
    }
#endif
    ZF_LOGE("vka_arch_get_object_size: objectType %lu is not an object type of this architecture",
            (unsigned long) objectType);
    return (unsigned long) -1;
}
