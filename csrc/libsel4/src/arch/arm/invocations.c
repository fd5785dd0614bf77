/* SPDX-License-Identifier: BSD-2-Clause */
/* ARM / AArch64 invocations: each is a system call into the selected kernel. Built for ARM only. */

#include <sel4/sel4.h>

#ifdef CONFIG_ARCH_ARM

#include <sel4sim/kernel.h>
#include <sel4sim/syscalls.h>

seL4_Error seL4_ARM_ASIDControl_MakePool(seL4_ARM_ASIDControl _service, seL4_Untyped untyped, seL4_CNode root,
                                         seL4_Word index, seL4_Uint8 depth)
{
    return sel4sim_sys_asid_control_make_pool(sel4sim_kernel_current(), _service, untyped, root, index, depth);
}

seL4_Error seL4_ARM_ASIDPool_Assign(seL4_ARM_ASIDPool _service, seL4_CPtr vspace)
{
    return sel4sim_sys_asid_pool_assign(sel4sim_kernel_current(), _service, vspace);
}

seL4_Error seL4_ARM_Page_Map(seL4_ARM_Page _service, seL4_CPtr vspace, seL4_Word vaddr, seL4_CapRights_t rights,
                             seL4_ARM_VMAttributes attr)
{
    return sel4sim_sys_page_map(sel4sim_kernel_current(), _service, vspace, vaddr, rights, (seL4_Word)attr);
}

seL4_Error seL4_ARM_Page_Unmap(seL4_ARM_Page _service)
{
    return sel4sim_sys_page_unmap(sel4sim_kernel_current(), _service);
}

seL4_ARM_Page_GetAddress_t seL4_ARM_Page_GetAddress(seL4_ARM_Page _service)
{
    seL4_ARM_Page_GetAddress_t result;
    seL4_Word paddr;
    result.error = sel4sim_sys_page_get_address(sel4sim_kernel_current(), _service, &paddr);
    result.paddr = paddr;
    return result;
}

seL4_Error seL4_ARM_PageTable_Map(seL4_ARM_PageTable _service, seL4_CPtr vspace, seL4_Word vaddr,
                                  seL4_ARM_VMAttributes attr)
{
    return sel4sim_sys_page_table_map(sel4sim_kernel_current(), _service, vspace, vaddr, (seL4_Word)attr);
}

seL4_Error seL4_ARM_PageTable_Unmap(seL4_ARM_PageTable _service)
{
    return sel4sim_sys_page_table_unmap(sel4sim_kernel_current(), _service);
}

/* Cache maintenance: checked by the kernel as seL4 checks it; the simulation has no caches to act on. */
seL4_Error seL4_ARM_Page_Clean_Data(seL4_ARM_Page _service, seL4_Word start_offset, seL4_Word end_offset)
{
    return sel4sim_sys_arm_page_flush(sel4sim_kernel_current(), SEL4SIM_ARM_CLEAN_DATA, _service, start_offset,
                                      end_offset);
}

seL4_Error seL4_ARM_Page_Invalidate_Data(seL4_ARM_Page _service, seL4_Word start_offset, seL4_Word end_offset)
{
    return sel4sim_sys_arm_page_flush(sel4sim_kernel_current(), SEL4SIM_ARM_INVALIDATE_DATA, _service, start_offset,
                                      end_offset);
}

seL4_Error seL4_ARM_Page_CleanInvalidate_Data(seL4_ARM_Page _service, seL4_Word start_offset, seL4_Word end_offset)
{
    return sel4sim_sys_arm_page_flush(sel4sim_kernel_current(), SEL4SIM_ARM_CLEAN_INVALIDATE_DATA, _service,
                                      start_offset, end_offset);
}

seL4_Error seL4_ARM_Page_Unify_Instruction(seL4_ARM_Page _service, seL4_Word start_offset, seL4_Word end_offset)
{
    return sel4sim_sys_arm_page_flush(sel4sim_kernel_current(), SEL4SIM_ARM_UNIFY_INSTRUCTION, _service,
                                      start_offset, end_offset);
}

#ifdef CONFIG_ARCH_AARCH64
seL4_Error seL4_ARM_VSpace_Clean_Data(seL4_ARM_VSpace _service, seL4_Word start, seL4_Word end)
{
    return sel4sim_sys_arm_vspace_flush(sel4sim_kernel_current(), SEL4SIM_ARM_CLEAN_DATA, _service, start, end);
}

seL4_Error seL4_ARM_VSpace_Invalidate_Data(seL4_ARM_VSpace _service, seL4_Word start, seL4_Word end)
{
    return sel4sim_sys_arm_vspace_flush(sel4sim_kernel_current(), SEL4SIM_ARM_INVALIDATE_DATA, _service, start, end);
}

seL4_Error seL4_ARM_VSpace_CleanInvalidate_Data(seL4_ARM_VSpace _service, seL4_Word start, seL4_Word end)
{
    return sel4sim_sys_arm_vspace_flush(sel4sim_kernel_current(), SEL4SIM_ARM_CLEAN_INVALIDATE_DATA, _service, start,
                                        end);
}

seL4_Error seL4_ARM_VSpace_Unify_Instruction(seL4_ARM_VSpace _service, seL4_Word start, seL4_Word end)
{
    return sel4sim_sys_arm_vspace_flush(sel4sim_kernel_current(), SEL4SIM_ARM_UNIFY_INSTRUCTION, _service, start,
                                        end);
}
#endif /* CONFIG_ARCH_AARCH64 */

#endif /* CONFIG_ARCH_ARM */
