/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <autoconf.h>

/*
 * Everything from here up is refused by the sel4utils vspace: seL4_UserTop is the last user
 * address on AArch64, so the last page below it starts here. The top-level slot containing it
 * and every slot above are marked reserved when a vspace is created.
 */
#define KERNEL_RESERVED_START 0x00007ffffffff000
/* Most page tables one frame mapping can need on AArch64 (three levels below the root), with headroom. */
#define VSPACE_MAP_PAGING_OBJECTS 5

/* Shape of the bookkeeping tables: 4 levels of 512 entries over 4 KiB pages (48-bit vaddrs). */
#define VSPACE_LEVEL_BITS 9
#define VSPACE_NUM_LEVELS 4
