/* SPDX-License-Identifier: BSD-2-Clause */
/* RISC-V object invocations (see interfaces/sel4_client.h). The vspace argument is the root page
 * table: RISC-V has no separate root type. */
#pragma once

#include <sel4/types.h>

typedef struct seL4_RISCV_Page_GetAddress {
    int error;
    seL4_Word paddr;
} seL4_RISCV_Page_GetAddress_t;

seL4_Error seL4_RISCV_ASIDControl_MakePool(seL4_RISCV_ASIDControl _service, seL4_Untyped untyped, seL4_CNode root,
                                           seL4_Word index, seL4_Uint8 depth);
seL4_Error seL4_RISCV_ASIDPool_Assign(seL4_RISCV_ASIDPool _service, seL4_CPtr vspace);

seL4_Error seL4_RISCV_Page_Map(seL4_RISCV_Page _service, seL4_RISCV_PageTable vspace, seL4_Word vaddr,
                               seL4_CapRights_t rights, seL4_RISCV_VMAttributes attr);
seL4_Error seL4_RISCV_Page_Unmap(seL4_RISCV_Page _service);
seL4_RISCV_Page_GetAddress_t seL4_RISCV_Page_GetAddress(seL4_RISCV_Page _service);

seL4_Error seL4_RISCV_PageTable_Map(seL4_RISCV_PageTable _service, seL4_RISCV_PageTable vspace, seL4_Word vaddr,
                                    seL4_RISCV_VMAttributes attr);
seL4_Error seL4_RISCV_PageTable_Unmap(seL4_RISCV_PageTable _service);
