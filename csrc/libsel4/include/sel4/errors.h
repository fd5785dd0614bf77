/* SPDX-License-Identifier: BSD-2-Clause */
/* Error codes an seL4 invocation returns (the label of the kernel's reply). */
#pragma once

typedef enum {
    seL4_NoError = 0,
    seL4_InvalidArgument,
    seL4_InvalidCapability,
    seL4_IllegalOperation,
    seL4_RangeError,
    seL4_AlignmentError,
    seL4_FailedLookup,
    seL4_TruncatedMessage,
    seL4_DeleteFirst,
    seL4_RevokeFirst,
    seL4_NotEnoughMemory,
    /* Number of error codes; keep last. */
    seL4_NumErrors
} seL4_Error;
