/* SPDX-License-Identifier: BSD-2-Clause */
/* x86 / x86_64 invocations: each is a system call into the selected kernel. Built for x86 only. */

#include <sel4/sel4.h>

#ifdef CONFIG_ARCH_X86

#include <sel4sim/kernel.h>
#include <sel4sim/syscalls.h>

seL4_Error seL4_X86_ASIDControl_MakePool(seL4_X86_ASIDControl _service, seL4_Untyped untyped, seL4_CNode root,
                                         seL4_Word index, seL4_Uint8 depth)
{
    return sel4sim_sys_asid_control_make_pool(sel4sim_syscall_target(), _service, untyped, root, index, depth);
}

seL4_Error seL4_X86_ASIDPool_Assign(seL4_X86_ASIDPool _service, seL4_CPtr vspace)
{
    return sel4sim_sys_asid_pool_assign(sel4sim_syscall_target(), _service, vspace);
}

seL4_Error seL4_X86_Page_Map(seL4_X86_Page _service, seL4_CPtr vspace, seL4_Word vaddr, seL4_CapRights_t rights,
                             seL4_X86_VMAttributes attr)
{
    return sel4sim_sys_page_map(sel4sim_syscall_target(), _service, vspace, vaddr, rights, (seL4_Word)attr);
}

seL4_Error seL4_X86_Page_Unmap(seL4_X86_Page _service)
{
    return sel4sim_sys_page_unmap(sel4sim_syscall_target(), _service);
}

seL4_X86_Page_GetAddress_t seL4_X86_Page_GetAddress(seL4_X86_Page _service)
{
    seL4_X86_Page_GetAddress_t result;
    seL4_Word paddr;
    result.error = sel4sim_sys_page_get_address(sel4sim_syscall_target(), _service, &paddr);
    result.paddr = paddr;
    return result;
}

seL4_Error seL4_X86_PageTable_Map(seL4_X86_PageTable _service, seL4_CPtr vspace, seL4_Word vaddr,
                                  seL4_X86_VMAttributes attr)
{
    return sel4sim_sys_x86_paging_map(sel4sim_syscall_target(), seL4_X86_PageTableObject, _service, vspace, vaddr,
                                      (seL4_Word)attr);
}

seL4_Error seL4_X86_PageTable_Unmap(seL4_X86_PageTable _service)
{
    return sel4sim_sys_x86_paging_unmap(sel4sim_syscall_target(), seL4_X86_PageTableObject, _service);
}

seL4_Error seL4_X86_PageDirectory_Map(seL4_X86_PageDirectory _service, seL4_CPtr vspace, seL4_Word vaddr,
                                      seL4_X86_VMAttributes attr)
{
    return sel4sim_sys_x86_paging_map(sel4sim_syscall_target(), seL4_X86_PageDirectoryObject, _service, vspace,
                                      vaddr, (seL4_Word)attr);
}

seL4_Error seL4_X86_PageDirectory_Unmap(seL4_X86_PageDirectory _service)
{
    return sel4sim_sys_x86_paging_unmap(sel4sim_syscall_target(), seL4_X86_PageDirectoryObject, _service);
}

seL4_Error seL4_X86_PDPT_Map(seL4_X86_PDPT _service, seL4_X64_PML4 pml4, seL4_Word vaddr,
                             seL4_X86_VMAttributes attr)
{
    return sel4sim_sys_x86_paging_map(sel4sim_syscall_target(), seL4_X86_PDPTObject, _service, pml4, vaddr,
                                      (seL4_Word)attr);
}

seL4_Error seL4_X86_PDPT_Unmap(seL4_X86_PDPT _service)
{
    return sel4sim_sys_x86_paging_unmap(sel4sim_syscall_target(), seL4_X86_PDPTObject, _service);
}

#endif /* CONFIG_ARCH_X86 */
