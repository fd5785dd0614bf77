/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <autoconf.h>

/*
 * Everything from here up is refused by the sel4utils vspace. The top-level
 * (PML4) slot containing it and every slot above are marked reserved when a
 * vspace is created, so the last 512 GiB below the canonical hole (and the
 * whole kernel half) are never handed out.
 */
#define KERNEL_RESERVED_START 0x00007ffffffff000
/* Most paging structures one frame mapping can need on x86_64 (PDPT, PD, PT), with headroom. */
#define VSPACE_MAP_PAGING_OBJECTS 5

/* Shape of the bookkeeping tables: 4 levels of 512 entries over 4 KiB pages (48-bit vaddrs). */
#define VSPACE_LEVEL_BITS 9
#define VSPACE_NUM_LEVELS 4
