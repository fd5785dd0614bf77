/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <vka/vka.h>
#include <vka/kobject_t.h>
#include <utils/util.h>
#include <vka/sel4_arch/object.h>

VKA_FIXED_SIZE_OBJECT(io_page_table, seL4_X86_IOPageTableObject, seL4_IOPageTableBits)

#ifdef CONFIG_VTX
/* The objects of the VT-x virtualisation extensions (ept_pdpt is a second name of the EPT PDPT). */
VKA_FIXED_SIZE_OBJECT(vcpu, seL4_X86_VCPUObject, seL4_X86_VCPUBits)
VKA_FIXED_SIZE_OBJECT(ept_pml4, seL4_X86_EPTPML4Object, seL4_X86_EPTPML4Bits)
VKA_FIXED_SIZE_OBJECT(ept_page_directory_pointer_table, seL4_X86_EPTPDPTObject, seL4_X86_EPTPDPTBits)
VKA_FIXED_SIZE_OBJECT(ept_pdpt, seL4_X86_EPTPDPTObject, seL4_X86_EPTPDPTBits)
VKA_FIXED_SIZE_OBJECT(ept_page_directory, seL4_X86_EPTPDObject, seL4_X86_EPTPDBits)
VKA_FIXED_SIZE_OBJECT(ept_page_table, seL4_X86_EPTPTObject, seL4_X86_EPTPTBits)
#endif /* CONFIG_VTX */

/* Untyped bits of the object types every x86 mode has; the rest are the mode's. */
static inline unsigned long vka_arch_get_object_size(seL4_Word objectType)
{
    switch (objectType) {
    /* paging structures by level: the leaf tables (the CPU's and the IOMMU's), then the one above */
    case seL4_X86_PageTableObject:
        return seL4_PageTableBits;
    case seL4_X86_IOPageTableObject:
        return seL4_IOPageTableBits;
    case seL4_X86_PageDirectoryObject:
        return seL4_PageDirBits;
    /* frames (x86_64's huge pages are the mode's) */
    case seL4_X86_LargePageObject:
        return seL4_LargePageBits;
    case seL4_X86_4K:
        return seL4_PageBits;
#ifdef CONFIG_VTX
    /* virtualisation: the EPT structures by level, leaf first, then the vCPU */
    case seL4_X86_EPTPTObject:
        return seL4_X86_EPTPTBits;
    case seL4_X86_EPTPDObject:
        return seL4_X86_EPTPDBits;
    case seL4_X86_EPTPDPTObject:
        return seL4_X86_EPTPDPTBits;
    case seL4_X86_EPTPML4Object:
        return seL4_X86_EPTPML4Bits;
    case seL4_X86_VCPUObject:
        return seL4_X86_VCPUBits;
#endif
    default:
        return vka_x86_mode_get_object_size(objectType);
    }
}
