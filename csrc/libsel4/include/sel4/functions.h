/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Access to the calling thread's IPC buffer. On the host there is one thread per simulated kernel:
 * these read and write the IPC buffer of the kernel selected with sel4sim_kernel_select().
 * Upstream has them static inline over a thread-local pointer; callers cannot tell the difference.
 */
#pragma once

seL4_IPCBuffer *seL4_GetIPCBuffer(void);
/* Message register i (0 <= i < seL4_MsgMaxLength); out of range reads 0 and logs an error. */
seL4_Word seL4_GetMR(int i);
/* Set message register i; out of range is ignored with an error logged. */
void seL4_SetMR(int i, seL4_Word mr);
seL4_Word seL4_GetUserData(void);
void seL4_SetUserData(seL4_Word data);
