/* SPDX-License-Identifier: BSD-2-Clause */
/* ARM constants; the sizes of AArch64 objects are in sel4/sel4_arch/constants.h. */
#pragma once

#include <sel4/sel4_arch/constants.h>
