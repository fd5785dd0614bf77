/* SPDX-License-Identifier: BSD-2-Clause */
/* RISC-V 64 adds no types to RISC-V's (sel4/arch/types.h). */
#pragma once

#include <sel4/config.h>
#include <sel4/simple_types.h>
