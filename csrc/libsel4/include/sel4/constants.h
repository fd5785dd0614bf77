/* SPDX-License-Identifier: BSD-2-Clause */
/* Architecture-independent constants of the seL4 API. */
#pragma once

#include <sel4/macros.h>

/* Message layout. */
#define seL4_MsgLengthBits 7
#define seL4_MsgExtraCapBits 2
#define seL4_MsgMaxLength 120
#define seL4_MsgMaxExtraCaps 3

/* CNode cap data (guard and guard size) as Mint interprets the badge word of a CNode cap. */
#define seL4_GuardSizeBits 6
#define seL4_GuardBits 58
#define seL4_BadgeBits 64
#define seL4_NilData 0

/* Kinds of capability-lookup failure, as reported in a message after seL4_FailedLookup. */
typedef enum {
    seL4_NoFailure = 0,
    seL4_InvalidRoot,
    seL4_MissingCapability,
    seL4_DepthMismatch,
    seL4_GuardMismatch,
    SEL4_FORCE_LONG_ENUM(seL4_LookupFailureType),
} seL4_LookupFailureType;

#include <sel4/arch/constants.h>
