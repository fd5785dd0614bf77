/* SPDX-License-Identifier: BSD-2-Clause */
/* RISC-V 64 object types; they follow the architecture-independent ones. Sv39 has no 512 GiB page. */
#pragma once

#include <sel4/config.h>

typedef enum _mode_object {
    seL4_RISCV_Giga_Page = seL4_NonArchObjectTypeCount,
    seL4_ModeObjectTypeCount
} seL4_ModeObjectType;

/* A value no retype accepts: the 512 GiB page needs Sv48. */
#define seL4_RISCV_Tera_Page 0xffffffff
