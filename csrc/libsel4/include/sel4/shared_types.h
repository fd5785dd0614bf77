/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Bitfield types shared by user code and the kernel, laid out as seL4's 64-bit bitfield generator
 * lays them out (one word each), with the generator's constructor and accessor names.
 */
#pragma once

/* --- seL4_CapRights_t: write bit 0, read bit 1, grant bit 2, grant-reply bit 3. --- */
typedef struct seL4_CapRights {
    seL4_Uint64 words[1];
} seL4_CapRights_t;

static inline seL4_CapRights_t seL4_CapRights_new(seL4_Uint64 capAllowGrantReply, seL4_Uint64 capAllowGrant,
                                                  seL4_Uint64 capAllowRead, seL4_Uint64 capAllowWrite)
{
    seL4_CapRights_t rights;
    rights.words[0] = ((capAllowGrantReply & 1ul) << 3) | ((capAllowGrant & 1ul) << 2)
                      | ((capAllowRead & 1ul) << 1) | (capAllowWrite & 1ul);
    return rights;
}

static inline seL4_Uint64 seL4_CapRights_get_capAllowGrantReply(seL4_CapRights_t rights)
{
    return (rights.words[0] >> 3) & 1ul;
}

static inline seL4_Uint64 seL4_CapRights_get_capAllowGrant(seL4_CapRights_t rights)
{
    return (rights.words[0] >> 2) & 1ul;
}

static inline seL4_Uint64 seL4_CapRights_get_capAllowRead(seL4_CapRights_t rights)
{
    return (rights.words[0] >> 1) & 1ul;
}

static inline seL4_Uint64 seL4_CapRights_get_capAllowWrite(seL4_CapRights_t rights)
{
    return rights.words[0] & 1ul;
}

static inline seL4_CapRights_t seL4_CapRights_set_capAllowGrantReply(seL4_CapRights_t rights, seL4_Uint64 v)
{
    rights.words[0] = (rights.words[0] & ~(1ul << 3)) | ((v & 1ul) << 3);
    return rights;
}

static inline seL4_CapRights_t seL4_CapRights_set_capAllowGrant(seL4_CapRights_t rights, seL4_Uint64 v)
{
    rights.words[0] = (rights.words[0] & ~(1ul << 2)) | ((v & 1ul) << 2);
    return rights;
}

static inline seL4_CapRights_t seL4_CapRights_set_capAllowRead(seL4_CapRights_t rights, seL4_Uint64 v)
{
    rights.words[0] = (rights.words[0] & ~(1ul << 1)) | ((v & 1ul) << 1);
    return rights;
}

static inline seL4_CapRights_t seL4_CapRights_set_capAllowWrite(seL4_CapRights_t rights, seL4_Uint64 v)
{
    rights.words[0] = (rights.words[0] & ~1ul) | (v & 1ul);
    return rights;
}

#define seL4_ReadWrite seL4_CapRights_new(0, 0, 1, 1)
#define seL4_AllRights seL4_CapRights_new(1, 1, 1, 1)
#define seL4_CanRead seL4_CapRights_new(0, 0, 1, 0)
#define seL4_CanWrite seL4_CapRights_new(0, 0, 0, 1)
#define seL4_CanGrant seL4_CapRights_new(0, 1, 0, 0)
#define seL4_CanGrantReply seL4_CapRights_new(1, 0, 0, 0)
#define seL4_NoWrite seL4_CapRights_new(1, 1, 1, 0)
#define seL4_NoRead seL4_CapRights_new(1, 1, 0, 1)
#define seL4_NoRights seL4_CapRights_new(0, 0, 0, 0)

/* --- seL4_MessageInfo_t: label 52 bits, capsUnwrapped 3, extraCaps 2, length 7 (low bits). --- */
typedef struct seL4_MessageInfo {
    seL4_Uint64 words[1];
} seL4_MessageInfo_t;

static inline seL4_MessageInfo_t seL4_MessageInfo_new(seL4_Uint64 label, seL4_Uint64 capsUnwrapped,
                                                      seL4_Uint64 extraCaps, seL4_Uint64 length)
{
    seL4_MessageInfo_t info;
    info.words[0] = ((label & 0xfffffffffffffull) << 12) | ((capsUnwrapped & 0x7ul) << 9)
                    | ((extraCaps & 0x3ul) << 7) | (length & 0x7ful);
    return info;
}

static inline seL4_Uint64 seL4_MessageInfo_get_label(seL4_MessageInfo_t info)
{
    return info.words[0] >> 12;
}

static inline seL4_Uint64 seL4_MessageInfo_get_capsUnwrapped(seL4_MessageInfo_t info)
{
    return (info.words[0] >> 9) & 0x7ul;
}

static inline seL4_Uint64 seL4_MessageInfo_get_extraCaps(seL4_MessageInfo_t info)
{
    return (info.words[0] >> 7) & 0x3ul;
}

static inline seL4_Uint64 seL4_MessageInfo_get_length(seL4_MessageInfo_t info)
{
    return info.words[0] & 0x7ful;
}

/* --- seL4_CNode_CapData_t: guard 58 bits above a 6-bit guard size. --- */
typedef struct seL4_CNode_CapData {
    seL4_Uint64 words[1];
} seL4_CNode_CapData_t;

static inline seL4_CNode_CapData_t seL4_CNode_CapData_new(seL4_Uint64 guard, seL4_Uint64 guardSize)
{
    seL4_CNode_CapData_t data;
    data.words[0] = ((guard & 0x3fffffffffffffful) << 6) | (guardSize & 0x3ful);
    return data;
}

static inline seL4_Uint64 seL4_CNode_CapData_get_guard(seL4_CNode_CapData_t data)
{
    return data.words[0] >> 6;
}

static inline seL4_Uint64 seL4_CNode_CapData_get_guardSize(seL4_CNode_CapData_t data)
{
    return data.words[0] & 0x3ful;
}

/* --- The IPC buffer: where message registers beyond the hardware ones live. --- */
typedef struct seL4_IPCBuffer_ {
    seL4_MessageInfo_t tag;
    seL4_Word msg[seL4_MsgMaxLength];
    seL4_Word userData;
    seL4_Word caps_or_badges[seL4_MsgMaxExtraCaps];
    seL4_CPtr receiveCNode;
    seL4_CPtr receiveIndex;
    seL4_Word receiveDepth;
} seL4_IPCBuffer;

typedef enum {
    seL4_CapFault_IP,
    seL4_CapFault_Addr,
    seL4_CapFault_InRecvPhase,
    seL4_CapFault_LookupFailureType,
    seL4_CapFault_BitsLeft,
    seL4_CapFault_DepthMismatch_BitsFound,
    seL4_CapFault_GuardMismatch_GuardFound = seL4_CapFault_DepthMismatch_BitsFound,
    seL4_CapFault_GuardMismatch_BitsFound,
    SEL4_FORCE_LONG_ENUM(seL4_CapFault_Msg),
} seL4_CapFault_Msg;
