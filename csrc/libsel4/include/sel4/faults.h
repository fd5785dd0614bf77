/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fault messages. The simulated kernel has no threads to fault, so no fault message is ever
 * delivered; this header exists because upstream user code includes it, and carries the fault
 * message layouts (seL4_VMFault_Msg, seL4_CapFault_Msg, ...) from the constants headers.
 */
#pragma once

#include <sel4/types.h>
#include <sel4/sel4_arch/faults.h>
