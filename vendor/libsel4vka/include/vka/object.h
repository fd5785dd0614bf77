/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <vka/vka.h>
#include <vka/kobject_t.h>
#include <utils/util.h>

/*
 * Everything needed to free an object later: its cap, the allocator's cookie
 * for the untyped memory behind it, and the type/size it was created with.
 */
typedef struct vka_object {
    seL4_CPtr cptr;
    seL4_Word ut;
    seL4_Word type;
    seL4_Word size_bits;
} vka_object_t;

/*
 * The steps of every allocation, for vka_alloc_object_at_maybe_dev: check object->type, take a
 * free cslot for object->cptr, then have the vka retype untyped memory into it (anywhere, or at
 * paddr unless that is VKA_NO_PADDR) and record its cookie in object->ut. Each failure is logged;
 * a cslot taken for an object that could not be made is given back. Returns 0 or the error.
 */
static inline int vka_object_alloc_steps(vka_t *vka, vka_object_t *object, uintptr_t paddr, bool can_use_dev)
{
    const char *fn = "vka_alloc_object_at_maybe_dev";
    if (object->type >= seL4_ObjectTypeCount) {
        ZF_LOGE("%s: type %ld is not an seL4 object type", fn, (long) object->type);
        return -1;
    }
    int error = vka_cspace_alloc(vka, &object->cptr);
    if (error != 0) {
        ZF_LOGE("%s: no free cslot for the object (vka error %d)", fn, error);
        return error;
    }
    cspacepath_t slot;
    vka_cspace_make_path(vka, object->cptr, &slot);
    unsigned long size_bits = object->size_bits;
    if (paddr == VKA_NO_PADDR) {
        error = vka_utspace_alloc_maybe_device(vka, &slot, object->type, size_bits, can_use_dev, &object->ut);
        if (error != 0) {
            ZF_LOGE("%s: no untyped memory for 2^%lu bytes (vka error %d)", fn, size_bits, error);
        }
    } else {
        error = vka_utspace_alloc_at(vka, &slot, object->type, size_bits, paddr, &object->ut);
        if (error != 0) {
            ZF_LOGE("%s: no untyped memory for 2^%lu bytes at paddr %p (vka error %d)", fn, size_bits,
                    (void *) paddr, error);
        }
    }
    if (error != 0 && object->cptr != 0) {
        vka_cspace_free(vka, object->cptr);
    }
    return error;
}

/*
 * Allocate an object of type and size_bits (the size argument seL4_Untyped_Retype takes), from
 * device untyped memory too if can_use_dev, at physical address paddr unless that is VKA_NO_PADDR.
 * Returns 0 with *result describing the object, or an error with *result all zero.
 */
static inline int vka_alloc_object_at_maybe_dev(vka_t *vka, seL4_Word type, seL4_Word size_bits, uintptr_t paddr,
                                                bool can_use_dev, vka_object_t *result)
{
    vka_object_t object = { .type = type, .size_bits = size_bits };
    int error = vka_object_alloc_steps(vka, &object, paddr, can_use_dev);
    *result = error == 0 ? object : (vka_object_t) { 0 };
    return error;
}

/* vka_alloc_object_at_maybe_dev from ordinary (not device) memory. */
static inline int vka_alloc_object_at(vka_t *vka, seL4_Word type, seL4_Word size_bits, uintptr_t paddr,
                                      vka_object_t *result)
{
    return vka_alloc_object_at_maybe_dev(vka, type, size_bits, paddr, /* can_use_dev */ false, result);
}

/* vka_alloc_object_at, anywhere in physical memory. */
static inline int vka_alloc_object(vka_t *vka, seL4_Word type, seL4_Word size_bits, vka_object_t *result)
{
    return vka_alloc_object_at(vka, type, size_bits, VKA_NO_PADDR, result);
}

/* Allocate and keep only the cap (0 on failure). The object can never be freed through the vka. */
static inline seL4_CPtr WARN_UNUSED_RESULT vka_alloc_object_leaky(vka_t *vka, seL4_Word type, seL4_Word size_bits)
{
    vka_object_t object;
    /* a failed allocation leaves object zeroed, so its cptr is already the 0 to return */
    (void) vka_alloc_object(vka, type, size_bits, &object);
    return object.cptr;
}

/* Give back what vka_alloc_object* made: delete the cap, then free its cslot and its memory. */
static inline void vka_free_object(vka_t *vka, vka_object_t *object)
{
    cspacepath_t slot;
    vka_cspace_make_path(vka, object->cptr, &slot);
    if (slot.capPtr == 0) {
        ZF_LOGE("vka_free_object: object->cptr %lu has no cspace path", (unsigned long) object->cptr);
        return;
    }
    /* a delete that fails leaves nothing better to do than free the rest anyway (upstream does too) */
    (void) seL4_CNode_Delete(slot.root, slot.capPtr, slot.capDepth);
    vka_cspace_free(vka, object->cptr);
    vka_utspace_free(vka, object->type, object->size_bits, object->ut);
}

/* Physical address of the object, or VKA_NO_PADDR. */
static inline uintptr_t vka_object_paddr(vka_t *vka, vka_object_t *object)
{
    return vka_utspace_paddr(vka, object->ut, object->type, object->size_bits);
}

/*
 * vka_alloc_<name>_leaky(vka[, size_bits]): vka_alloc_<name> keeping only the cap (0 on failure),
 * for objects that are never freed.
 */
#define LEAKY(name) \
    static inline seL4_CPtr WARN_UNUSED_RESULT vka_alloc_##name##_leaky(vka_t *vka) \
    { \
        vka_object_t leaky_object; \
        return vka_alloc_##name(vka, &leaky_object) == 0 ? leaky_object.cptr : 0; \
    }

#define LEAKY_SIZE_BITS(name) \
    static inline seL4_CPtr WARN_UNUSED_RESULT vka_alloc_##name##_leaky(vka_t *vka, uint32_t size_bits) \
    { \
        vka_object_t leaky_object; \
        return vka_alloc_##name(vka, size_bits, &leaky_object) == 0 ? leaky_object.cptr : 0; \
    }

/*
 * vka_alloc_<name>(vka, result) for an object whose type and size never vary, and its leaky form.
 * type and size_bits are evaluated on every call.
 */
#define VKA_FIXED_SIZE_OBJECT(name, type, size_bits) \
    static inline int vka_alloc_##name(vka_t *vka, vka_object_t *result) \
    { \
        return vka_alloc_object(vka, (type), (size_bits), result); \
    } \
    LEAKY(name)

/* ---- Typed shorthands ---- */

VKA_FIXED_SIZE_OBJECT(tcb, seL4_TCBObject, seL4_TCBBits)
VKA_FIXED_SIZE_OBJECT(endpoint, seL4_EndpointObject, seL4_EndpointBits)
VKA_FIXED_SIZE_OBJECT(notification, seL4_NotificationObject, seL4_NotificationBits)
/* the paging structures go through kobject_t, which knows each architecture's type for them */
VKA_FIXED_SIZE_OBJECT(page_directory, kobject_get_type(KOBJECT_PAGE_DIRECTORY, 0), seL4_PageDirBits)
VKA_FIXED_SIZE_OBJECT(page_table, kobject_get_type(KOBJECT_PAGE_TABLE, 0), seL4_PageTableBits)

/* Old name of vka_alloc_notification. */
static inline int vka_alloc_async_endpoint(vka_t *vka, vka_object_t *result)
{
    return vka_alloc_notification(vka, result);
}

/* Old name of vka_alloc_notification_leaky. */
static inline seL4_CPtr vka_alloc_async_endpoint_leaky(vka_t *vka)
{
    return vka_alloc_notification_leaky(vka);
}

static inline int vka_alloc_untyped(vka_t *vka, uint32_t size_bits, vka_object_t *result)
{
    return vka_alloc_object(vka, seL4_UntypedObject, size_bits, result);
}

static inline int vka_alloc_untyped_at(vka_t *vka, uint32_t size_bits, uintptr_t paddr, vka_object_t *result)
{
    return vka_alloc_object_at(vka, seL4_UntypedObject, size_bits, paddr, result);
}

LEAKY_SIZE_BITS(untyped)

/* A CNode of 2^slot_bits slots. */
static inline int vka_alloc_cnode_object(vka_t *vka, uint32_t slot_bits, vka_object_t *result)
{
    return vka_alloc_object(vka, seL4_CapTableObject, slot_bits, result);
}

LEAKY_SIZE_BITS(cnode_object)

/* Frames of 2^size_bits bytes; kobject_t gives the frame type of that size on this architecture. */
static inline int vka_alloc_frame(vka_t *vka, uint32_t size_bits, vka_object_t *result)
{
    return vka_alloc_object(vka, kobject_get_type(KOBJECT_FRAME, size_bits), size_bits, result);
}

static inline int vka_alloc_frame_maybe_device(vka_t *vka, uint32_t size_bits, bool can_use_dev,
                                               vka_object_t *result)
{
    return vka_alloc_object_at_maybe_dev(vka, kobject_get_type(KOBJECT_FRAME, size_bits), size_bits,
                                         VKA_NO_PADDR, can_use_dev, result);
}

static inline int vka_alloc_frame_at(vka_t *vka, uint32_t size_bits, uintptr_t paddr, vka_object_t *result)
{
    return vka_alloc_object_at(vka, kobject_get_type(KOBJECT_FRAME, size_bits), size_bits, paddr, result);
}

LEAKY_SIZE_BITS(frame)

/* Any kind of object kobject_t names, of size_bits. */
static inline int vka_alloc_kobject(vka_t *vka, kobject_t type, seL4_Word size_bits, vka_object_t *result)
{
    return vka_alloc_object(vka, kobject_get_type(type, size_bits), size_bits, result);
}

/* Scheduling contexts and reply objects exist only on an MCS kernel; elsewhere they are refused with ENOSYS. */
#ifdef CONFIG_KERNEL_MCS
VKA_FIXED_SIZE_OBJECT(sched_context, seL4_SchedContextObject, seL4_MinSchedContextBits)
VKA_FIXED_SIZE_OBJECT(reply, seL4_ReplyObject, seL4_ReplyBits)

/* A scheduling context of 2^size_bits bytes, at least seL4_MinSchedContextBits. */
static inline int vka_alloc_sched_context_size(vka_t *vka, vka_object_t *result, uint32_t size_bits)
{
    if (size_bits < seL4_MinSchedContextBits) {
        ZF_LOGE("vka_alloc_sched_context_size: size_bits %u is below seL4_MinSchedContextBits", size_bits);
        return -1;
    }
    return vka_alloc_object(vka, seL4_SchedContextObject, size_bits, result);
}
#else
static inline int vka_alloc_sched_context_size(UNUSED vka_t *vka, UNUSED vka_object_t *result,
                                               UNUSED uint32_t size_bits)
{
    ZF_LOGW("vka_alloc_sched_context_size: this kernel has no scheduling contexts (not MCS)");
    return ENOSYS;
}

static inline int vka_alloc_sched_context(UNUSED vka_t *vka, UNUSED vka_object_t *result)
{
    ZF_LOGW("vka_alloc_sched_context: this kernel has no scheduling contexts (not MCS)");
    return ENOSYS;
}

/* result is zeroed, so that freeing it later does nothing. */
static inline int vka_alloc_reply(UNUSED vka_t *vka, vka_object_t *result)
{
    *result = (vka_object_t) { 0 };
    ZF_LOGW("vka_alloc_reply: this kernel has no reply objects (not MCS)");
    return ENOSYS;
}

LEAKY(sched_context)
LEAKY(reply)
#endif

#ifdef CONFIG_CACHE_COLORING
/* The kernel-image objects of a cache-colouring kernel. */
static inline int vka_alloc_kernel_image(vka_t *vka, vka_object_t *result)
{
    return vka_alloc_object(vka, kobject_get_type(KOBJECT_KERNEL_IMAGE, 0), seL4_KernelImageBits, result);
}
#endif

#include <vka/arch/object.h>

/*
 * Untyped bits an object of this seL4 type takes, given the size argument it is retyped with;
 * the types an architecture adds are answered by vka_arch_get_object_size.
 */
static inline unsigned long vka_get_object_size(seL4_Word objectType, seL4_Word objectSize)
{
    switch (objectType) {
    /* the caller picks the size */
    case seL4_UntypedObject:
        return objectSize;
    case seL4_CapTableObject:
        /* objectSize counts the slots, as a power of 2 */
        return objectSize + seL4_SlotBits;
#ifdef CONFIG_KERNEL_MCS
    case seL4_SchedContextObject:
        return objectSize < seL4_MinSchedContextBits ? seL4_MinSchedContextBits : objectSize;
    case seL4_ReplyObject:
        return seL4_ReplyBits;
#endif
    /* the kernel fixes the size */
#ifdef CONFIG_CACHE_COLORING
    /* only a cache-colouring kernel has kernel-image objects */
    case seL4_KernelImageObject:
        return seL4_KernelImageBits;
#endif
    case seL4_NotificationObject:
        return seL4_NotificationBits;
    case seL4_EndpointObject:
        return seL4_EndpointBits;
    case seL4_TCBObject:
        return seL4_TCBBits;
    default:
        return vka_arch_get_object_size(objectType);
    }
}
