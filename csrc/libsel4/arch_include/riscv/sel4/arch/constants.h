/* SPDX-License-Identifier: BSD-2-Clause */
/* RISC-V constants; the sizes of RISC-V 64 objects are in sel4/sel4_arch/constants.h. */
#pragma once

#include <sel4/sel4_arch/constants.h>
