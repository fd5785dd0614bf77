/* SPDX-License-Identifier: BSD-2-Clause */
/* RISC-V 64 sizes (in bits, log2 of bytes) and address-space limits; Sv39 (CONFIG_PT_LEVELS 3). */
#pragma once

#include <autoconf.h>
#include <sel4/macros.h>

#define seL4_WordBits 64
#define seL4_WordSizeBits 3
#define seL4_SlotBits 5
#define seL4_NotificationBits 5
#define seL4_EndpointBits 4
#define seL4_IPCBufferSizeBits 10
/* no FPU state in this configuration */
#define seL4_TCBBits 10

#define seL4_PageTableEntryBits 3
#define seL4_PageTableIndexBits 9

#define seL4_PageBits 12
#define seL4_LargePageBits 21
#define seL4_HugePageBits 30
#define seL4_TeraPageBits 39

/* Every level is a page table, the root too. */
#define seL4_PageTableBits 12
#define seL4_VSpaceBits seL4_PageTableBits

#define seL4_NumASIDPoolsBits 7
#define seL4_ASIDPoolIndexBits 9
#define seL4_ASIDPoolBits 12

#define seL4_MinUntypedBits 4
#define seL4_MaxUntypedBits 38

SEL4_SIZE_SANITY(seL4_PageTableEntryBits, seL4_PageTableIndexBits, seL4_PageTableBits)
SEL4_SIZE_SANITY(seL4_WordSizeBits, seL4_ASIDPoolIndexBits, seL4_ASIDPoolBits)

typedef enum {
    seL4_VMFault_IP,
    seL4_VMFault_Addr,
    seL4_VMFault_PrefetchFault,
    seL4_VMFault_FSR,
    seL4_VMFault_Length,
    SEL4_FORCE_LONG_ENUM(seL4_VMFault_Msg),
} seL4_VMFault_Msg;

#define seL4_FastMessageRegisters 4

/* The first virtual address user code cannot use (the last page below 2^38 is the kernel's). */
#define seL4_UserTop 0x0000003ffffff000
#define seL4_UserVSpaceTop (seL4_UserTop - 1)
