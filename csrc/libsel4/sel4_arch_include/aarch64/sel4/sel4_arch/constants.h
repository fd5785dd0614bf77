/* SPDX-License-Identifier: BSD-2-Clause */
/* AArch64 sizes (in bits, log2 of bytes) and address-space limits, without hypervisor support. */
#pragma once

#include <autoconf.h>
#include <sel4/macros.h>

#define seL4_DataFault 0
#define seL4_InstructionFault 1

#define seL4_WordBits 64
#define seL4_WordSizeBits 3
#define seL4_PageBits 12
#define seL4_LargePageBits 21
#define seL4_HugePageBits 30
#define seL4_SlotBits 5
#define seL4_TCBBits 11
#define seL4_EndpointBits 4
#define seL4_NotificationBits 5

/* Every level below the VSpace root is a page table of 512 entries. */
#define seL4_PageTableBits 12
#define seL4_PageTableEntryBits 3
#define seL4_PageTableIndexBits 9

/* The VSpace root: 512 entries of 512 GiB each (48-bit addresses, four levels). */
#define seL4_VSpaceBits 12
#define seL4_VSpaceEntryBits 3
#define seL4_VSpaceIndexBits 9

#define seL4_NumASIDPoolsBits 7
#define seL4_ASIDPoolBits 12
#define seL4_ASIDPoolIndexBits 9
#define seL4_IOPageTableBits 12
#define seL4_ARM_VCPUBits 12
#define seL4_VCPUBits 12

#define seL4_MinUntypedBits 4
#define seL4_MaxUntypedBits 47

SEL4_SIZE_SANITY(seL4_PageTableEntryBits, seL4_PageTableIndexBits, seL4_PageTableBits)
SEL4_SIZE_SANITY(seL4_WordSizeBits, seL4_ASIDPoolIndexBits, seL4_ASIDPoolBits)
SEL4_SIZE_SANITY(seL4_VSpaceEntryBits, seL4_VSpaceIndexBits, seL4_VSpaceBits)

typedef enum {
    seL4_VMFault_IP,
    seL4_VMFault_Addr,
    seL4_VMFault_PrefetchFault,
    seL4_VMFault_FSR,
    seL4_VMFault_Length,
    SEL4_FORCE_LONG_ENUM(seL4_VMFault_Msg),
} seL4_VMFault_Msg;

#define seL4_FastMessageRegisters 4
#define seL4_IPCBufferSizeBits 10

/* The last virtual address user code can use (inclusive, unlike x86_64's and RISC-V's). */
#define seL4_UserTop 0x00007fffffffffff
#define seL4_UserVSpaceTop seL4_UserTop

#include <sel4/sel4_arch/deprecated.h>
