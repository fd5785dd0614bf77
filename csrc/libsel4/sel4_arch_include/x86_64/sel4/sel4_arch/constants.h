/* SPDX-License-Identifier: BSD-2-Clause */
/* x86_64 sizes (in bits, log2 of bytes) and address-space limits. */
#pragma once

#include <autoconf.h>
#include <sel4/macros.h>

#define seL4_DataFault 0
#define seL4_InstructionFault 1

#define seL4_WordBits 64
#define seL4_WordSizeBits 3
#define seL4_PageBits 12
#define seL4_SlotBits 5
#define seL4_TCBBits 11
#define seL4_EndpointBits 4
#define seL4_NotificationBits 5

#define seL4_PageTableBits 12
#define seL4_PageTableEntryBits 3
#define seL4_PageTableIndexBits 9

#define seL4_PageDirBits 12
#define seL4_PageDirEntryBits 3
#define seL4_PageDirIndexBits 9

#define seL4_PDPTBits 12
#define seL4_PDPTEntryBits 3
#define seL4_PDPTIndexBits 9

#define seL4_PML4Bits 12
#define seL4_PML4EntryBits 3
#define seL4_PML4IndexBits 9
#define seL4_VSpaceBits seL4_PML4Bits

#define seL4_IOPageTableBits 12
#define seL4_LargePageBits 21
#define seL4_HugePageBits 30
#define seL4_NumASIDPoolsBits 3
#define seL4_ASIDPoolBits 12
#define seL4_ASIDPoolIndexBits 9

#define seL4_MinUntypedBits 4
#define seL4_MaxUntypedBits 47

SEL4_SIZE_SANITY(seL4_PageTableEntryBits, seL4_PageTableIndexBits, seL4_PageTableBits)
SEL4_SIZE_SANITY(seL4_PageDirEntryBits, seL4_PageDirIndexBits, seL4_PageDirBits)
SEL4_SIZE_SANITY(seL4_PDPTEntryBits, seL4_PDPTIndexBits, seL4_PDPTBits)
SEL4_SIZE_SANITY(seL4_PML4EntryBits, seL4_PML4IndexBits, seL4_PML4Bits)
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
#define seL4_IPCBufferSizeBits 10

/* The first virtual address user code cannot use. */
#define seL4_UserTop 0x00007ffffffff000
