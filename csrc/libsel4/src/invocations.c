/* SPDX-License-Identifier: BSD-2-Clause */
/* Architecture-independent invocations: each is a system call into the selected kernel. */

#include <sel4/sel4.h>
#include <sel4sim/kernel.h>
#include <sel4sim/syscalls.h>

seL4_Error seL4_Untyped_Retype(seL4_Untyped _service, seL4_Word type, seL4_Word size_bits, seL4_CNode root,
                               seL4_Word node_index, seL4_Word node_depth, seL4_Word node_offset,
                               seL4_Word num_objects)
{
    return sel4sim_sys_untyped_retype(sel4sim_syscall_target(), _service, type, size_bits, root, node_index,
                                      node_depth, node_offset, num_objects);
}

seL4_Error seL4_CNode_Revoke(seL4_CNode _service, seL4_Word index, seL4_Uint8 depth)
{
    return sel4sim_sys_cnode(sel4sim_syscall_target(), SEL4SIM_CNODE_REVOKE, _service, index, depth, 0, 0, 0,
                             seL4_NoRights, 0);
}

seL4_Error seL4_CNode_Delete(seL4_CNode _service, seL4_Word index, seL4_Uint8 depth)
{
    return sel4sim_sys_cnode(sel4sim_syscall_target(), SEL4SIM_CNODE_DELETE, _service, index, depth, 0, 0, 0,
                             seL4_NoRights, 0);
}

seL4_Error seL4_CNode_Copy(seL4_CNode _service, seL4_Word dest_index, seL4_Uint8 dest_depth, seL4_CNode src_root,
                           seL4_Word src_index, seL4_Uint8 src_depth, seL4_CapRights_t rights)
{
    return sel4sim_sys_cnode(sel4sim_syscall_target(), SEL4SIM_CNODE_COPY, _service, dest_index, dest_depth,
                             src_root, src_index, src_depth, rights, 0);
}

seL4_Error seL4_CNode_Mint(seL4_CNode _service, seL4_Word dest_index, seL4_Uint8 dest_depth, seL4_CNode src_root,
                           seL4_Word src_index, seL4_Uint8 src_depth, seL4_CapRights_t rights, seL4_Word badge)
{
    return sel4sim_sys_cnode(sel4sim_syscall_target(), SEL4SIM_CNODE_MINT, _service, dest_index, dest_depth,
                             src_root, src_index, src_depth, rights, badge);
}

seL4_Error seL4_CNode_Move(seL4_CNode _service, seL4_Word dest_index, seL4_Uint8 dest_depth, seL4_CNode src_root,
                           seL4_Word src_index, seL4_Uint8 src_depth)
{
    return sel4sim_sys_cnode(sel4sim_syscall_target(), SEL4SIM_CNODE_MOVE, _service, dest_index, dest_depth,
                             src_root, src_index, src_depth, seL4_NoRights, 0);
}

seL4_Error seL4_CNode_Mutate(seL4_CNode _service, seL4_Word dest_index, seL4_Uint8 dest_depth, seL4_CNode src_root,
                             seL4_Word src_index, seL4_Uint8 src_depth, seL4_Word badge)
{
    return sel4sim_sys_cnode(sel4sim_syscall_target(), SEL4SIM_CNODE_MUTATE, _service, dest_index, dest_depth,
                             src_root, src_index, src_depth, seL4_NoRights, badge);
}

seL4_Error seL4_CNode_Rotate(seL4_CNode _service, seL4_Word dest_index, seL4_Uint8 dest_depth, seL4_Word dest_badge,
                             seL4_CNode pivot_root, seL4_Word pivot_index, seL4_Uint8 pivot_depth, seL4_Word pivot_badge,
                             seL4_CNode src_root, seL4_Word src_index, seL4_Uint8 src_depth)
{
    return sel4sim_sys_cnode_rotate(sel4sim_syscall_target(), _service, dest_index, dest_depth, dest_badge, pivot_root,
                                    pivot_index, pivot_depth, pivot_badge, src_root, src_index, src_depth);
}

seL4_Error seL4_CNode_SaveCaller(seL4_CNode _service, seL4_Word index, seL4_Uint8 depth)
{
    return sel4sim_sys_cnode_save_caller(sel4sim_syscall_target(), _service, index, depth);
}

seL4_Error seL4_CNode_CancelBadgedSends(seL4_CNode _service, seL4_Word index, seL4_Uint8 depth)
{
    return sel4sim_sys_cnode_cancel_badged_sends(sel4sim_syscall_target(), _service, index, depth);
}
