/* SPDX-License-Identifier: BSD-2-Clause */
/* ARM / AArch64 object invocations (see interfaces/sel4_client.h). */
#pragma once

#include <sel4/types.h>

typedef struct seL4_ARM_Page_GetAddress {
    int error;
    seL4_Word paddr;
} seL4_ARM_Page_GetAddress_t;

seL4_Error seL4_ARM_ASIDControl_MakePool(seL4_ARM_ASIDControl _service, seL4_Untyped untyped, seL4_CNode root,
                                         seL4_Word index, seL4_Uint8 depth);
seL4_Error seL4_ARM_ASIDPool_Assign(seL4_ARM_ASIDPool _service, seL4_CPtr vspace);

seL4_Error seL4_ARM_Page_Map(seL4_ARM_Page _service, seL4_CPtr vspace, seL4_Word vaddr, seL4_CapRights_t rights,
                             seL4_ARM_VMAttributes attr);
seL4_Error seL4_ARM_Page_Unmap(seL4_ARM_Page _service);
seL4_ARM_Page_GetAddress_t seL4_ARM_Page_GetAddress(seL4_ARM_Page _service);

seL4_Error seL4_ARM_PageTable_Map(seL4_ARM_PageTable _service, seL4_CPtr vspace, seL4_Word vaddr,
                                  seL4_ARM_VMAttributes attr);
seL4_Error seL4_ARM_PageTable_Unmap(seL4_ARM_PageTable _service);

/* Cache maintenance of a mapped frame: start_offset and end_offset (exclusive) are offsets in the frame. */
seL4_Error seL4_ARM_Page_Clean_Data(seL4_ARM_Page _service, seL4_Word start_offset, seL4_Word end_offset);
seL4_Error seL4_ARM_Page_Invalidate_Data(seL4_ARM_Page _service, seL4_Word start_offset, seL4_Word end_offset);
seL4_Error seL4_ARM_Page_CleanInvalidate_Data(seL4_ARM_Page _service, seL4_Word start_offset, seL4_Word end_offset);
seL4_Error seL4_ARM_Page_Unify_Instruction(seL4_ARM_Page _service, seL4_Word start_offset, seL4_Word end_offset);

#ifdef CONFIG_ARCH_AARCH64
/* Cache maintenance through a VSpace root: start and end (exclusive) are virtual addresses in one page. */
seL4_Error seL4_ARM_VSpace_Clean_Data(seL4_ARM_VSpace _service, seL4_Word start, seL4_Word end);
seL4_Error seL4_ARM_VSpace_Invalidate_Data(seL4_ARM_VSpace _service, seL4_Word start, seL4_Word end);
seL4_Error seL4_ARM_VSpace_CleanInvalidate_Data(seL4_ARM_VSpace _service, seL4_Word start, seL4_Word end);
seL4_Error seL4_ARM_VSpace_Unify_Instruction(seL4_ARM_VSpace _service, seL4_Word start, seL4_Word end);
#endif
