/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The seL4 user API as user code includes it, backed on the host by the simulated kernel in
 * csrc/kernel: types, constants, IPC-buffer access, boot info and the object invocations.
 */
#pragma once

#include <autoconf.h>
#include <sel4/types.h>
#include <sel4/functions.h>
#include <sel4/bootinfo.h>
#include <interfaces/sel4_client.h>
#include <sel4/arch/mapping.h>
