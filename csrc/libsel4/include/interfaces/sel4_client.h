/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Object invocations, with upstream's names and parameter lists. Upstream generates these as
 * static inline system-call stubs; here they are ordinary functions that call the selected
 * simulated kernel. Each returns seL4_NoError or an seL4 error, and on error leaves the details
 * in the IPC buffer's message registers exactly where seL4 leaves them.
 */
#pragma once

#include <sel4/types.h>

/* Untyped */
seL4_Error seL4_Untyped_Retype(seL4_Untyped _service, seL4_Word type, seL4_Word size_bits, seL4_CNode root,
                               seL4_Word node_index, seL4_Word node_depth, seL4_Word node_offset,
                               seL4_Word num_objects);

/* CNode */
seL4_Error seL4_CNode_Revoke(seL4_CNode _service, seL4_Word index, seL4_Uint8 depth);
seL4_Error seL4_CNode_Delete(seL4_CNode _service, seL4_Word index, seL4_Uint8 depth);
seL4_Error seL4_CNode_Copy(seL4_CNode _service, seL4_Word dest_index, seL4_Uint8 dest_depth, seL4_CNode src_root,
                           seL4_Word src_index, seL4_Uint8 src_depth, seL4_CapRights_t rights);
seL4_Error seL4_CNode_Mint(seL4_CNode _service, seL4_Word dest_index, seL4_Uint8 dest_depth, seL4_CNode src_root,
                           seL4_Word src_index, seL4_Uint8 src_depth, seL4_CapRights_t rights, seL4_Word badge);
seL4_Error seL4_CNode_Move(seL4_CNode _service, seL4_Word dest_index, seL4_Uint8 dest_depth, seL4_CNode src_root,
                           seL4_Word src_index, seL4_Uint8 src_depth);
seL4_Error seL4_CNode_Mutate(seL4_CNode _service, seL4_Word dest_index, seL4_Uint8 dest_depth, seL4_CNode src_root,
                             seL4_Word src_index, seL4_Uint8 src_depth, seL4_Word badge);
seL4_Error seL4_CNode_Rotate(seL4_CNode _service, seL4_Word dest_index, seL4_Uint8 dest_depth, seL4_Word dest_badge,
                             seL4_CNode pivot_root, seL4_Word pivot_index, seL4_Uint8 pivot_depth, seL4_Word pivot_badge,
                             seL4_CNode src_root, seL4_Word src_index, seL4_Uint8 src_depth);
seL4_Error seL4_CNode_SaveCaller(seL4_CNode _service, seL4_Word index, seL4_Uint8 depth);
seL4_Error seL4_CNode_CancelBadgedSends(seL4_CNode _service, seL4_Word index, seL4_Uint8 depth);

#include <interfaces/sel4_arch_client.h>
