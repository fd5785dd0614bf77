/* SPDX-License-Identifier: BSD-2-Clause */
/* x86 / x86_64 object invocations (see interfaces/sel4_client.h). */
#pragma once

#include <sel4/types.h>

typedef struct seL4_X86_Page_GetAddress {
    int error;
    seL4_Word paddr;
} seL4_X86_Page_GetAddress_t;

seL4_Error seL4_X86_ASIDControl_MakePool(seL4_X86_ASIDControl _service, seL4_Untyped untyped, seL4_CNode root,
                                         seL4_Word index, seL4_Uint8 depth);
seL4_Error seL4_X86_ASIDPool_Assign(seL4_X86_ASIDPool _service, seL4_CPtr vspace);

seL4_Error seL4_X86_Page_Map(seL4_X86_Page _service, seL4_CPtr vspace, seL4_Word vaddr, seL4_CapRights_t rights,
                             seL4_X86_VMAttributes attr);
seL4_Error seL4_X86_Page_Unmap(seL4_X86_Page _service);
seL4_X86_Page_GetAddress_t seL4_X86_Page_GetAddress(seL4_X86_Page _service);

seL4_Error seL4_X86_PageTable_Map(seL4_X86_PageTable _service, seL4_CPtr vspace, seL4_Word vaddr,
                                  seL4_X86_VMAttributes attr);
seL4_Error seL4_X86_PageTable_Unmap(seL4_X86_PageTable _service);
seL4_Error seL4_X86_PageDirectory_Map(seL4_X86_PageDirectory _service, seL4_CPtr vspace, seL4_Word vaddr,
                                      seL4_X86_VMAttributes attr);
seL4_Error seL4_X86_PageDirectory_Unmap(seL4_X86_PageDirectory _service);
seL4_Error seL4_X86_PDPT_Map(seL4_X86_PDPT _service, seL4_X64_PML4 pml4, seL4_Word vaddr,
                             seL4_X86_VMAttributes attr);
seL4_Error seL4_X86_PDPT_Unmap(seL4_X86_PDPT _service);
