/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

/*
 * kobject_t: an architecture-neutral name for a kind of kernel object, so that
 * generic code can ask for "a frame of 2^n bytes" or "a page table" without
 * knowing the seL4 object type number for the architecture it runs on.
 */

#include <sel4/types.h>
#include <assert.h>
#include <stdbool.h>
#include <autoconf.h>
#include <utils/util.h>
#include <vka/arch/kobject_t.h>

enum _kobject_type {
    KOBJECT_TCB = KOBJECT_ARCH_NUM_TYPES,
    KOBJECT_CNODE,
    KOBJECT_CSLOT,
    KOBJECT_UNTYPED,
    KOBJECT_ENDPOINT,
    KOBJECT_NOTIFICATION,
    KOBJECT_REPLY,
    KOBJECT_SCHED_CONTEXT,
#ifdef CONFIG_CACHE_COLORING
    KOBJECT_KERNEL_IMAGE,
#endif
    NUM_KOBJECT_TYPES
};

/*
 * Old names kept for source compatibility. Upstream declares them as deprecated
 * static const kobject_t variables; enum constants behave the same in every
 * expression and keep this header free of compiler attributes.
 */
enum {
    KOBJECT_ASYNC_ENDPOINT = KOBJECT_NOTIFICATION,
    KOBJECT_SYNC_ENDPOINT = KOBJECT_ENDPOINT,
};

/*
 * The kinds every architecture shares: the seL4 object type of kind (or (seL4_Word) -1 for a cslot,
 * which is no object) in *type, and in *bits the untyped bits an object of that kind and size
 * objectSize needs. Returns false, leaving both alone, for the kinds an architecture adds.
 */
static inline bool kobject_generic_kind(kobject_t kind, seL4_Word objectSize, seL4_Word *type, seL4_Word *bits)
{
    switch (kind) {
    case KOBJECT_CSLOT:
        *type = (seL4_Word) -1;
        *bits = 0;
        return true;
    case KOBJECT_UNTYPED:
        *type = seL4_UntypedObject;
        *bits = objectSize;
        return true;
    case KOBJECT_CNODE:
        /* objectSize counts the slots, as a power of 2 */
        *type = seL4_CapTableObject;
        *bits = objectSize + seL4_SlotBits;
        return true;
    case KOBJECT_TCB:
        *type = seL4_TCBObject;
        *bits = seL4_TCBBits;
        return true;
    case KOBJECT_ENDPOINT:
        *type = seL4_EndpointObject;
        *bits = seL4_EndpointBits;
        return true;
    case KOBJECT_NOTIFICATION:
        /* upstream sizes a notification as an endpoint; kept, so that both agree on every size */
        *type = seL4_NotificationObject;
        *bits = seL4_EndpointBits;
        return true;
#ifdef CONFIG_KERNEL_MCS
    case KOBJECT_SCHED_CONTEXT:
        *type = seL4_SchedContextObject;
        *bits = objectSize < seL4_MinSchedContextBits ? seL4_MinSchedContextBits : objectSize;
        return true;
    case KOBJECT_REPLY:
        *type = seL4_ReplyObject;
        *bits = seL4_ReplyBits;
        return true;
#endif
#ifdef CONFIG_CACHE_COLORING
    case KOBJECT_KERNEL_IMAGE:
        *type = seL4_KernelImageObject;
        *bits = seL4_KernelImageBits;
        return true;
#endif
    default:
        return false;
    }
}

/* Untyped bits needed to create an object of this kind and size. */
static inline seL4_Word kobject_get_size(kobject_t type, seL4_Word objectSize)
{
    seL4_Word object_type, bits;
    if (kobject_generic_kind(type, objectSize, &object_type, &bits)) {
        return bits;
    }
    /* every architecture has these two levels, but types them itself: only their sizes are known here */
    if (type == KOBJECT_PAGE_DIRECTORY) {
        return seL4_PageDirBits;
    }
    if (type == KOBJECT_PAGE_TABLE) {
        return seL4_PageTableBits;
    }
    return arch_kobject_get_size(type, objectSize);
}

/* seL4 object type for this kind and size ((seL4_Word) -1 when there is none). */
static inline seL4_Word kobject_get_type(kobject_t type, seL4_Word objectSize)
{
    seL4_Word object_type, bits;
    if (kobject_generic_kind(type, objectSize, &object_type, &bits)) {
        return object_type;
    }
    return arch_kobject_get_type(type, objectSize);
}
