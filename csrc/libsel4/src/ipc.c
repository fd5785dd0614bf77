/* SPDX-License-Identifier: BSD-2-Clause */
/* The IPC buffer and boot info of the selected simulated kernel. */

#include <sel4/sel4.h>
#include <sel4sim/kernel.h>
#include <utils/zf_log.h>

/* Used while the calling thread has no kernel selected, so that seL4_GetIPCBuffer never returns
 * NULL. */
static _Thread_local seL4_IPCBuffer unselected_ipc_buffer;

seL4_IPCBuffer *seL4_GetIPCBuffer(void)
{
    sel4sim_kernel_t *k = sel4sim_kernel_current();
    return k != NULL ? sel4sim_kernel_ipc_buffer(k) : &unselected_ipc_buffer;
}

seL4_Word seL4_GetMR(int i)
{
    if (i < 0 || i >= seL4_MsgMaxLength) {
        ZF_LOGE("seL4_GetMR: message register %d outside [0, %d)", i, seL4_MsgMaxLength);
        return 0;
    }
    return seL4_GetIPCBuffer()->msg[i];
}

void seL4_SetMR(int i, seL4_Word mr)
{
    if (i < 0 || i >= seL4_MsgMaxLength) {
        ZF_LOGE("seL4_SetMR: message register %d outside [0, %d)", i, seL4_MsgMaxLength);
        return;
    }
    seL4_GetIPCBuffer()->msg[i] = mr;
}

seL4_Word seL4_GetUserData(void)
{
    return seL4_GetIPCBuffer()->userData;
}

void seL4_SetUserData(seL4_Word data)
{
    seL4_GetIPCBuffer()->userData = data;
}

seL4_BootInfo *seL4_GetBootInfo(void)
{
    sel4sim_kernel_t *k = sel4sim_kernel_current();
    if (k == NULL) {
        ZF_LOGE("seL4_GetBootInfo: no simulated kernel is selected");
        return NULL;
    }
    /* User code may not write it, but upstream's signature is non-const. */
    return (seL4_BootInfo *)sel4sim_kernel_bootinfo(k);
}
