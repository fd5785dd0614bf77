/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <vka/vka.h>
#include <vka/kobject_t.h>
#include <utils/util.h>
#include <vka/sel4_arch/object.h>

#ifdef CONFIG_ARM_HYPERVISOR_SUPPORT
VKA_FIXED_SIZE_OBJECT(vcpu, seL4_ARM_VCPUObject, seL4_ARM_VCPUBits)
#endif
#ifdef CONFIG_TK1_SMMU
VKA_FIXED_SIZE_OBJECT(io_page_table, seL4_ARM_IOPageTableObject, seL4_IOPageTableBits)
#endif

/* Untyped bits of the object types every ARM mode has (the page table of every level, the two
 * smaller frames); the rest are the mode's. */
static inline unsigned long vka_arch_get_object_size(seL4_Word objectType)
{
    if (objectType == seL4_ARM_PageTableObject) {
        return seL4_PageTableBits;
    }
    bool small = objectType == seL4_ARM_SmallPageObject;
    if (small || objectType == seL4_ARM_LargePageObject) {
        return small ? seL4_PageBits : seL4_LargePageBits;
    }
    return vka_arm_mode_get_object_size(objectType);
}
