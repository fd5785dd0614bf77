/* SPDX-License-Identifier: BSD-2-Clause */
/* The boot information of the selected simulated kernel. */
#pragma once

#include <sel4/types.h>

/* The bootinfo of the selected kernel, or NULL (with an error logged) when none is selected. */
seL4_BootInfo *seL4_GetBootInfo(void);
