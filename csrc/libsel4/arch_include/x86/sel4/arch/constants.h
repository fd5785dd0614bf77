/* SPDX-License-Identifier: BSD-2-Clause */
/* x86 constants; the sizes of x86_64 objects are in sel4/sel4_arch/constants.h. */
#pragma once

#include <sel4/sel4_arch/constants.h>
