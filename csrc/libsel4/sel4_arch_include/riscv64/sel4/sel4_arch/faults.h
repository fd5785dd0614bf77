/* SPDX-License-Identifier: BSD-2-Clause */
/* RISC-V 64 fault message layouts live in sel4/sel4_arch/constants.h (seL4_VMFault_Msg). */
#pragma once

#include <sel4/sel4_arch/constants.h>
