/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel's system-call entry points behind csrc/libsel4. Each takes the kernel explicitly
 * (libsel4 passes the selected one) and behaves as seL4 decodes and performs the invocation:
 * the same checks in the same order, the same error and the same message registers.
 * Not part of the Python surface: use the libsel4 functions.
 */
#pragma once

#include <sel4/sel4.h>

typedef struct sel4sim_kernel sel4sim_kernel_t;

/* The kernel the calling thread selected (sel4sim_kernel_select), the one every libsel4 invocation
 * goes to: read inline, as it is on every system call's path (sel4sim_kernel_current() gives the
 * same to callers outside libsel4). Not initial-exec: the extensions of three arches are loaded
 * into one process with dlopen, where the static TLS block has no room for them. */
extern _Thread_local sel4sim_kernel_t *sel4sim_selected_kernel __attribute__((visibility("hidden")));
static inline sel4sim_kernel_t *sel4sim_syscall_target(void)
{
    return sel4sim_selected_kernel;
}

seL4_Error sel4sim_sys_untyped_retype(sel4sim_kernel_t *k, seL4_CPtr service, seL4_Word type, seL4_Word size_bits,
                                      seL4_CPtr root, seL4_Word node_index, seL4_Word node_depth,
                                      seL4_Word node_offset, seL4_Word num_objects);

typedef enum {
    SEL4SIM_CNODE_REVOKE,
    SEL4SIM_CNODE_DELETE,
    SEL4SIM_CNODE_COPY,
    SEL4SIM_CNODE_MINT,
    SEL4SIM_CNODE_MOVE,
    SEL4SIM_CNODE_MUTATE
} sel4sim_cnode_op_t;
seL4_Error sel4sim_sys_cnode(sel4sim_kernel_t *k, sel4sim_cnode_op_t op, seL4_CPtr service, seL4_Word dest_index,
                             seL4_Word dest_depth, seL4_CPtr src_root, seL4_Word src_index, seL4_Word src_depth,
                             seL4_CapRights_t rights, seL4_Word badge);

seL4_Error sel4sim_sys_cnode_save_caller(sel4sim_kernel_t *k, seL4_CPtr service, seL4_Word index, seL4_Word depth);
seL4_Error sel4sim_sys_cnode_cancel_badged_sends(sel4sim_kernel_t *k, seL4_CPtr service, seL4_Word index,
                                                 seL4_Word depth);
seL4_Error sel4sim_sys_cnode_rotate(sel4sim_kernel_t *k, seL4_CPtr service, seL4_Word dest_index,
                                    seL4_Word dest_depth, seL4_Word dest_badge, seL4_CPtr pivot_root,
                                    seL4_Word pivot_index, seL4_Word pivot_depth, seL4_Word pivot_badge,
                                    seL4_CPtr src_root, seL4_Word src_index, seL4_Word src_depth);

/* Every architecture: the ASID control and pool invocations, and the frame invocations (the arch's
 * seL4_<arch>_Page_* call these). */
seL4_Error sel4sim_sys_asid_control_make_pool(sel4sim_kernel_t *k, seL4_CPtr service, seL4_CPtr untyped,
                                              seL4_CPtr root, seL4_Word index, seL4_Word depth);
seL4_Error sel4sim_sys_asid_pool_assign(sel4sim_kernel_t *k, seL4_CPtr service, seL4_CPtr vspace);
seL4_Error sel4sim_sys_page_map(sel4sim_kernel_t *k, seL4_CPtr service, seL4_CPtr vspace, seL4_Word vaddr,
                                seL4_CapRights_t rights, seL4_Word attr);
seL4_Error sel4sim_sys_page_unmap(sel4sim_kernel_t *k, seL4_CPtr service);
seL4_Error sel4sim_sys_page_get_address(sel4sim_kernel_t *k, seL4_CPtr service, seL4_Word *paddr);

/* x86_64. */
/* level: seL4_X86_PageTableObject, seL4_X86_PageDirectoryObject or seL4_X86_PDPTObject. */
seL4_Error sel4sim_sys_x86_paging_map(sel4sim_kernel_t *k, seL4_Word level, seL4_CPtr service, seL4_CPtr vspace,
                                      seL4_Word vaddr, seL4_Word attr);
seL4_Error sel4sim_sys_x86_paging_unmap(sel4sim_kernel_t *k, seL4_Word level, seL4_CPtr service);

/* AArch64 and RISC-V: one page-table type for every level, mapped at the first level the walk finds
 * empty, so the page-table invocations take no level. The seL4_ARM_* and seL4_RISCV_* invocations
 * of the configured architecture call these. */
seL4_Error sel4sim_sys_page_table_map(sel4sim_kernel_t *k, seL4_CPtr service, seL4_CPtr vspace, seL4_Word vaddr,
                                      seL4_Word attr);
seL4_Error sel4sim_sys_page_table_unmap(sel4sim_kernel_t *k, seL4_CPtr service);

/* AArch64: the cache-maintenance invocations of a frame (seL4_ARM_Page_<op>, start and end offsets
 * in the frame) and of a VSpace root (seL4_ARM_VSpace_<op>, start and end virtual addresses); end is
 * exclusive. Checked as seL4 checks them; the simulation has no caches, so a flush that passes its
 * checks changes nothing. */
typedef enum {
    SEL4SIM_ARM_CLEAN_DATA,
    SEL4SIM_ARM_INVALIDATE_DATA,
    SEL4SIM_ARM_CLEAN_INVALIDATE_DATA,
    SEL4SIM_ARM_UNIFY_INSTRUCTION
} sel4sim_arm_cache_op_t;
seL4_Error sel4sim_sys_arm_page_flush(sel4sim_kernel_t *k, sel4sim_arm_cache_op_t op, seL4_CPtr service,
                                      seL4_Word start, seL4_Word end);
seL4_Error sel4sim_sys_arm_vspace_flush(sel4sim_kernel_t *k, sel4sim_arm_cache_op_t op, seL4_CPtr service,
                                        seL4_Word start, seL4_Word end);
