/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

/*
 * vka: the "virtual kernel allocator" interface. A vka_t hands out capability
 * slots (cspace side) and kernel objects carved out of untyped memory (utspace
 * side). Each implementation fills in the function pointers; callers go
 * through the checked static inline wrappers below.
 */

#include <autoconf.h>

#include <sel4/sel4.h>
#include <sel4/types.h>
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <utils/util.h>
#include <vka/cspacepath_t.h>

/**
 * Allocate one free cslot.
 *
 * @param data implementation cookie (vka_t.data)
 * @param res  receives the cptr of the slot
 * @return 0 on success
 */
typedef int (*vka_cspace_alloc_fn)(void *data, seL4_CPtr *res);

/**
 * Describe a slot returned by cspace_alloc as a cspacepath_t.
 *
 * @param data implementation cookie
 * @param slot a slot from cspace_alloc
 * @param res  path to fill in
 */
typedef void (*vka_cspace_make_path_fn)(void *data, seL4_CPtr slot, cspacepath_t *res);

/**
 * Give a slot back. The slot must already be empty.
 *
 * @param data implementation cookie
 * @param slot a slot from cspace_alloc
 */
typedef void (*vka_cspace_free_fn)(void *data, seL4_CPtr slot);

/**
 * Create one kernel object from untyped memory.
 *
 * @param data      implementation cookie
 * @param dest      empty slot that receives the new object's cap
 * @param type      seL4 object type, as for seL4_Untyped_Retype
 * @param size_bits object size argument, as for seL4_Untyped_Retype
 * @param res       receives a cookie naming the allocation (for utspace_free)
 * @return 0 on success
 */
typedef int (*vka_utspace_alloc_fn)(void *data, const cspacepath_t *dest, seL4_Word type, seL4_Word size_bits,
                                    seL4_Word *res);

/**
 * As vka_utspace_alloc_fn, but the object must start at physical address paddr.
 *
 * @param paddr  required physical address of the object
 * @param cookie receives the allocation cookie
 */
typedef int (*vka_utspace_alloc_at_fn)(void *data, const cspacepath_t *dest, seL4_Word type, seL4_Word size_bits,
                                       uintptr_t paddr, seL4_Word *cookie);

/**
 * As vka_utspace_alloc_fn, allowing (not requiring) device untyped memory.
 *
 * @param can_use_dev true if device untyped may back the object
 */
typedef int (*vka_utspace_alloc_maybe_device_fn)(void *data, const cspacepath_t *dest, seL4_Word type,
                                                 seL4_Word size_bits, bool can_use_dev, seL4_Word *res);

/**
 * Return the memory of an object to the allocator. Every cap to the object
 * must have been deleted by the caller beforehand.
 *
 * @param data      implementation cookie
 * @param type      type the object was allocated with
 * @param size_bits size argument the object was allocated with
 * @param target    allocation cookie from utspace_alloc
 */
typedef void (*vka_utspace_free_fn)(void *data, seL4_Word type, seL4_Word size_bits, seL4_Word target);

/**
 * Physical address of an allocated object.
 *
 * @param data      implementation cookie
 * @param target    allocation cookie from utspace_alloc
 * @param type      type the object was allocated with
 * @param size_bits size argument the object was allocated with
 * @return the physical address, or VKA_NO_PADDR
 */
typedef uintptr_t (*vka_utspace_paddr_fn)(void *data, seL4_Word target, seL4_Word type, seL4_Word size_bits);

/* Sentinel physical address: "none" / "anywhere". 1 can never be a valid object address. */
#define VKA_NO_PADDR 1

typedef struct vka {
    void *data;
    vka_cspace_alloc_fn cspace_alloc;
    vka_cspace_make_path_fn cspace_make_path;
    vka_utspace_alloc_fn utspace_alloc;
    vka_utspace_alloc_maybe_device_fn utspace_alloc_maybe_device;
    vka_utspace_alloc_at_fn utspace_alloc_at;
    vka_cspace_free_fn cspace_free;
    vka_utspace_free_fn utspace_free;
    vka_utspace_paddr_fn utspace_paddr;
} vka_t;

/*
 * The checked wrappers. Each refuses a NULL vka, a NULL out-parameter and a missing implementation
 * with an error line "<wrapper>: <what is wrong>", returning -1 (VKA_NO_PADDR, or nothing).
 */

/* A free cslot in *res. Returns 0, or an error. */
static inline int vka_cspace_alloc(vka_t *vka, seL4_CPtr *res)
{
    if (vka == NULL) {
        ZF_LOGE("vka_cspace_alloc: vka is NULL");
        return -1;
    }
    if (res == NULL) {
        ZF_LOGE("vka_cspace_alloc: res is NULL");
        return -1;
    }
    if (vka->cspace_alloc == NULL) {
        ZF_LOGE("vka_cspace_alloc: vka->cspace_alloc is NULL");
        return -1;
    }
    return vka->cspace_alloc(vka->data, res);
}

/* The path of slot in *res. With no error to return, a bad call is fatal, as upstream's is. */
static inline void vka_cspace_make_path(vka_t *vka, seL4_CPtr slot, cspacepath_t *res)
{
    if (res == NULL) {
        ZF_LOGF("vka_cspace_make_path: res is NULL");
    }
    if (vka == NULL) {
        ZF_LOGF("vka_cspace_make_path: vka is NULL");
    }
    if (vka->cspace_make_path == NULL) {
        ZF_LOGF("vka_cspace_make_path: vka->cspace_make_path is NULL");
    }
    vka->cspace_make_path(vka->data, slot, res);
}

/* Give back a slot from vka_cspace_alloc; it must hold no cap by now. */
static inline void vka_cspace_free(vka_t *vka, seL4_CPtr slot)
{
#ifdef CONFIG_DEBUG_BUILD
    /* a debug kernel can tell that the slot still holds a cap, which freeing would leak */
    if (seL4_DebugCapIdentify(slot) != 0) {
        ZF_LOGF("vka_cspace_free: slot %lu still holds a cap (vka_cnode_delete it first)", (unsigned long) slot);
    }
#endif
    if (vka == NULL) {
        ZF_LOGE("vka_cspace_free: vka is NULL");
        return;
    }
    if (vka->cspace_free == NULL) {
        ZF_LOGE("vka_cspace_free: vka->cspace_free is NULL");
        return;
    }
    vka->cspace_free(vka->data, slot);
}

/* vka_cspace_alloc and vka_cspace_make_path in one: a free cslot, as a path in *res. */
static inline int vka_cspace_alloc_path(vka_t *vka, cspacepath_t *res)
{
    seL4_CPtr slot = seL4_CapNull;
    int error = vka_cspace_alloc(vka, &slot);
    if (error != seL4_NoError) {
        return error;
    }
    vka_cspace_make_path(vka, slot, res);
    return seL4_NoError;
}

/* vka_cspace_free for a slot given as a path. */
static inline void vka_cspace_free_path(vka_t *vka, cspacepath_t path)
{
    vka_cspace_free(vka, path.capPtr);
}

/* Create an object of type and size_bits in the empty slot dest; its allocation cookie goes to *res. */
static inline int vka_utspace_alloc(vka_t *vka, const cspacepath_t *dest, seL4_Word type, seL4_Word size_bits,
                                    seL4_Word *res)
{
    if (vka == NULL) {
        ZF_LOGE("vka_utspace_alloc: vka is NULL");
        return -1;
    }
    if (res == NULL) {
        ZF_LOGE("vka_utspace_alloc: res is NULL");
        return -1;
    }
    if (vka->utspace_alloc == NULL) {
        ZF_LOGE("vka_utspace_alloc: vka->utspace_alloc is NULL");
        return -1;
    }
    return vka->utspace_alloc(vka->data, dest, type, size_bits, res);
}

/* As vka_utspace_alloc, from device untyped memory too when can_use_dev. */
static inline int vka_utspace_alloc_maybe_device(vka_t *vka, const cspacepath_t *dest, seL4_Word type,
                                                 seL4_Word size_bits, bool can_use_dev, seL4_Word *res)
{
    if (vka == NULL) {
        ZF_LOGE("vka_utspace_alloc_maybe_device: vka is NULL");
        return -1;
    }
    if (res == NULL) {
        ZF_LOGE("vka_utspace_alloc_maybe_device: res is NULL");
        return -1;
    }
    if (vka->utspace_alloc_maybe_device == NULL) {
        ZF_LOGE("vka_utspace_alloc_maybe_device: vka->utspace_alloc_maybe_device is NULL");
        return -1;
    }
    return vka->utspace_alloc_maybe_device(vka->data, dest, type, size_bits, can_use_dev, res);
}

/* As vka_utspace_alloc, at physical address paddr. */
static inline int vka_utspace_alloc_at(vka_t *vka, const cspacepath_t *dest, seL4_Word type, seL4_Word size_bits,
                                       uintptr_t paddr, seL4_Word *cookie)
{
    if (vka == NULL) {
        ZF_LOGE("vka_utspace_alloc_at: vka is NULL");
        return -1;
    }
    if (cookie == NULL) {
        ZF_LOGE("vka_utspace_alloc_at: cookie is NULL");
        return -1;
    }
    if (vka->utspace_alloc_at == NULL) {
        ZF_LOGE("vka_utspace_alloc_at: vka->utspace_alloc_at is NULL");
        return -1;
    }
    return vka->utspace_alloc_at(vka->data, dest, type, size_bits, paddr, cookie);
}

/*
 * Give back the memory of an object (its caps already deleted). A vka that cannot free is fatal,
 * as a silent leak would be worse, unless CONFIG_LIB_VKA_ALLOW_MEMORY_LEAKS says otherwise.
 */
static inline void vka_utspace_free(vka_t *vka, seL4_Word type, seL4_Word size_bits, seL4_Word target)
{
    if (vka == NULL) {
        ZF_LOGE("vka_utspace_free: vka is NULL");
        return;
    }
    if (vka->utspace_free == NULL) {
#ifndef CONFIG_LIB_VKA_ALLOW_MEMORY_LEAKS
        ZF_LOGF("vka_utspace_free: vka->utspace_free is NULL");
#endif
        return;
    }
    vka->utspace_free(vka->data, type, size_bits, target);
}

/* Physical address of an object, or VKA_NO_PADDR. */
static inline uintptr_t vka_utspace_paddr(vka_t *vka, seL4_Word target, seL4_Word type, seL4_Word size_bits)
{
    if (vka == NULL) {
        ZF_LOGE("vka_utspace_paddr: vka is NULL");
        return VKA_NO_PADDR;
    }
    if (vka->utspace_paddr == NULL) {
        ZF_LOGE("vka_utspace_paddr: vka->utspace_paddr is NULL");
        return VKA_NO_PADDR;
    }
    return vka->utspace_paddr(vka->data, target, type, size_bits);
}
