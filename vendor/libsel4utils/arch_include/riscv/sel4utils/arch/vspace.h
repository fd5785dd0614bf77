/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <autoconf.h>

/*
 * Everything from here up is refused by the sel4utils vspace: seL4_UserTop is the first address
 * user code cannot use on RISC-V. The top-level slot containing it and every slot above are marked
 * reserved when a vspace is created.
 */
#define KERNEL_RESERVED_START seL4_UserTop
/* Most page tables one frame mapping can need (one per level below the root), with headroom. */
#define VSPACE_MAP_PAGING_OBJECTS 5

/* Shape of the bookkeeping tables: one level per paging level, 512 entries each (Sv39, Sv48). */
#if CONFIG_PT_LEVELS != 3 && CONFIG_PT_LEVELS != 4
#error "the sel4utils vspace knows RISC-V with 3 or 4 paging levels"
#endif
#define VSPACE_LEVEL_BITS 9
#define VSPACE_NUM_LEVELS CONFIG_PT_LEVELS
