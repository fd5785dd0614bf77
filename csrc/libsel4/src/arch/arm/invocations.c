/* SPDX-License-Identifier: BSD-2-Clause */
/* ARM / AArch64 invocations: each is a system call into the selected kernel. Built for ARM only. */

#include <sel4/sel4.h>

#ifdef CONFIG_ARCH_ARM

#include <sel4sim/kernel.h>
#include <sel4sim/syscalls.h>

seL4_Error seL4_ARM_ASIDControl_MakePool(seL4_ARM_ASIDControl _service, seL4_Untyped untyped, seL4_CNode root,
                                         seL4_Word index, seL4_Uint8 depth)
{
    return sel4sim_sys_asid_control_make_pool(sel4sim_syscall_target(), _service, untyped, root, index, depth);
}

seL4_Error seL4_ARM_ASIDPool_Assign(seL4_ARM_ASIDPool _service, seL4_CPtr vspace)
{
    return sel4sim_sys_asid_pool_assign(sel4sim_syscall_target(), _service, vspace);
}

seL4_Error seL4_ARM_Page_Map(seL4_ARM_Page _service, seL4_CPtr vspace, seL4_Word vaddr, seL4_CapRights_t rights,
                             seL4_ARM_VMAttributes attr)
{
    return sel4sim_sys_page_map(sel4sim_syscall_target(), _service, vspace, vaddr, rights, (seL4_Word)attr);
}

seL4_Error seL4_ARM_Page_Unmap(seL4_ARM_Page _service)
{
    return sel4sim_sys_page_unmap(sel4sim_syscall_target(), _service);
}

seL4_ARM_Page_GetAddress_t seL4_ARM_Page_GetAddress(seL4_ARM_Page _service)
{
    seL4_ARM_Page_GetAddress_t result;
    seL4_Word paddr;
    result.error = sel4sim_sys_page_get_address(sel4sim_syscall_target(), _service, &paddr);
    result.paddr = paddr;
    return result;
}

seL4_Error seL4_ARM_PageTable_Map(seL4_ARM_PageTable _service, seL4_CPtr vspace, seL4_Word vaddr,
                                  seL4_ARM_VMAttributes attr)
{
    return sel4sim_sys_page_table_map(sel4sim_syscall_target(), _service, vspace, vaddr, (seL4_Word)attr);
}

seL4_Error seL4_ARM_PageTable_Unmap(seL4_ARM_PageTable _service)
{
    return sel4sim_sys_page_table_unmap(sel4sim_syscall_target(), _service);
}

/* Cache maintenance: checked by the kernel as seL4 checks it; the simulation has no caches to act on.
 * <service_type>_Clean_Data, _Invalidate_Data, _CleanInvalidate_Data and _Unify_Instruction of
 * seL4_ARM_Page take offsets in the frame, those of seL4_ARM_VSpace virtual addresses; the end is
 * exclusive. */
#define ARM_FLUSH_INVOCATION(service_type, name, kernel_call, op)                                   \
    seL4_Error service_type##name(service_type _service, seL4_Word start, seL4_Word end)            \
    {                                                                                               \
        return kernel_call(sel4sim_syscall_target(), op, _service, start, end);                     \
    }
#define ARM_FLUSH_INVOCATIONS(service_type, kernel_call)                                            \
    ARM_FLUSH_INVOCATION(service_type, _Clean_Data, kernel_call, SEL4SIM_ARM_CLEAN_DATA)            \
    ARM_FLUSH_INVOCATION(service_type, _Invalidate_Data, kernel_call, SEL4SIM_ARM_INVALIDATE_DATA)  \
    ARM_FLUSH_INVOCATION(service_type, _CleanInvalidate_Data, kernel_call, SEL4SIM_ARM_CLEAN_INVALIDATE_DATA) \
    ARM_FLUSH_INVOCATION(service_type, _Unify_Instruction, kernel_call, SEL4SIM_ARM_UNIFY_INSTRUCTION)

ARM_FLUSH_INVOCATIONS(seL4_ARM_Page, sel4sim_sys_arm_page_flush)
#ifdef CONFIG_ARCH_AARCH64
ARM_FLUSH_INVOCATIONS(seL4_ARM_VSpace, sel4sim_sys_arm_vspace_flush)
#endif

#endif /* CONFIG_ARCH_ARM */
