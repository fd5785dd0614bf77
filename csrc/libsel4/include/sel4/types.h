/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Placeholder: the minimal libsel4 types the foundation needs to compile vspace.h. The simulated
 * kernel work (issue 3) replaces this with the full x86_64 libsel4 surface under the same names.
 */
#pragma once

#include <stdint.h>

typedef uint64_t seL4_Uint64;
typedef unsigned long seL4_Word;
typedef seL4_Word seL4_CPtr;
typedef seL4_Word seL4_Bool;

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
    seL4_NumErrors
} seL4_Error;

enum { seL4_CapNull = 0 };

#define seL4_PageBits 12
#define seL4_LargePageBits 21
#define seL4_HugePageBits 30

/* The capability-rights bitfield: write is bit 0, read bit 1, grant bit 2, grant-reply bit 3. */
typedef struct seL4_CapRights {
    seL4_Uint64 words[1];
} seL4_CapRights_t;

static inline seL4_CapRights_t seL4_CapRights_new(seL4_Uint64 capAllowGrantReply, seL4_Uint64 capAllowGrant,
                                                  seL4_Uint64 capAllowRead, seL4_Uint64 capAllowWrite)
{
    seL4_CapRights_t rights;
    rights.words[0] = ((capAllowGrantReply & 1ull) << 3) | ((capAllowGrant & 1ull) << 2)
                      | ((capAllowRead & 1ull) << 1) | (capAllowWrite & 1ull);
    return rights;
}

static inline seL4_Uint64 seL4_CapRights_get_capAllowGrantReply(seL4_CapRights_t rights)
{
    return (rights.words[0] >> 3) & 1ull;
}

static inline seL4_Uint64 seL4_CapRights_get_capAllowGrant(seL4_CapRights_t rights)
{
    return (rights.words[0] >> 2) & 1ull;
}

static inline seL4_Uint64 seL4_CapRights_get_capAllowRead(seL4_CapRights_t rights)
{
    return (rights.words[0] >> 1) & 1ull;
}

static inline seL4_Uint64 seL4_CapRights_get_capAllowWrite(seL4_CapRights_t rights)
{
    return rights.words[0] & 1ull;
}

#define seL4_AllRights seL4_CapRights_new(1, 1, 1, 1)
#define seL4_CanRead seL4_CapRights_new(0, 0, 1, 0)
#define seL4_CanWrite seL4_CapRights_new(0, 0, 0, 1)
#define seL4_CanGrant seL4_CapRights_new(0, 1, 0, 0)
#define seL4_CanGrantReply seL4_CapRights_new(1, 0, 0, 0)
#define seL4_ReadWrite seL4_CapRights_new(0, 0, 1, 1)
#define seL4_NoRights seL4_CapRights_new(0, 0, 0, 0)
