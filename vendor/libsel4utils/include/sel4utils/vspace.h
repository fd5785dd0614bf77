/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

/*
 * The sel4utils vspace: an implementation of the vspace_t interface for one
 * seL4 address space. It records, per 4 KiB of virtual address space, which
 * frame cap is mapped there (and the vka cookie needed to free it), and keeps
 * reservations in an ordered index so reserve, lookup and unmap cost O(log n)
 * in the number of reservations. Paging structures are allocated through the
 * vka and mapped on demand; all of the vspace's own bookkeeping memory comes
 * from the loader ("bootstrap") vspace given at creation.
 */

#include <autoconf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vspace/vspace.h>
#include <vka/vka.h>
#include <sel4utils/util.h>
#include <sel4utils/arch/vspace.h>

#define VSPACE_LEVEL_SIZE BIT(VSPACE_LEVEL_BITS)

/*
 * The bookkeeping tables. A mid level entry is EMPTY (0), RESERVED
 * (UINTPTR_MAX, the whole span below it is reserved) or a pointer to the next
 * level down; a bottom level entry is EMPTY, RESERVED or the cap of the frame
 * mapped there, with its cookie alongside. Their layout is part of the
 * interface: code may take their size.
 */
typedef struct vspace_mid_level {
    uintptr_t table[VSPACE_LEVEL_SIZE];
} vspace_mid_level_t;

typedef struct vspace_bottom_level {
    seL4_CPtr cap[VSPACE_LEVEL_SIZE];
    uintptr_t cookie[VSPACE_LEVEL_SIZE];
} vspace_bottom_level_t;

/* How the vspace installs one frame: the seL4 paging-structure path by default (sel4utils_map_page). */
typedef int (*sel4utils_map_page_fn)(vspace_t *vspace, seL4_CPtr cap, void *vaddr, seL4_CapRights_t rights,
                                     int cacheable, size_t size_bits);

/*
 * One reservation: the page-aligned range [start, end), the rights and
 * cacheability mappings in it get, whether the vspace allocated this struct
 * (malloced) and whether the rights are deferred to map time.
 *
 * next walks all reservations of a vspace from the highest start address down,
 * as upstream's list does. The fields after it are this implementation's
 * ordered index (an AVL tree keyed by start) and owner mark, not for callers.
 */
struct sel4utils_alloc_data;

struct sel4utils_res {
    uintptr_t start;
    uintptr_t end;
    seL4_CapRights_t rights;
    int cacheable;
    int malloced;
    bool rights_deferred;
    struct sel4utils_res *next;
    /* index links (not upstream) */
    struct sel4utils_res *prev;
    struct sel4utils_res *left;
    struct sel4utils_res *right;
    int height;
    /* the vspace it is reserved in, NULL when it is not (not upstream): ownership in O(1) */
    struct sel4utils_alloc_data *owner;
};

typedef struct sel4utils_res sel4utils_res_t;

/* A loader page carved into reservation structs (defined privately in vspace.c). */
struct sel4utils_res_page;

typedef struct sel4utils_alloc_data {
    seL4_CPtr vspace_root;
    vka_t *vka;
    vspace_mid_level_t *top_level;
    uintptr_t next_bootstrap_vaddr;
    uintptr_t last_allocated;
    vspace_t *bootstrap;
    sel4utils_map_page_fn map_page;
    sel4utils_res_t *reservation_head;
    /* not upstream: root of the reservation index, and the pages reservation structs come from */
    sel4utils_res_t *reservation_root;
    struct sel4utils_res_page *res_pages;
    /* not upstream: the bottom table the last walk reached and the address its span starts at
     * (NULL: none); see sel4utils_last_bottom */
    vspace_bottom_level_t *last_bottom;
    uintptr_t last_bottom_base;
} sel4utils_alloc_data_t;

/* The sel4utils reservation behind an opaque reservation_t (NULL for a failed reservation). */
static inline sel4utils_res_t *reservation_to_res(reservation_t res)
{
    return res.res;
}

/**
 * Set up a vspace manager for another address space (not the caller's),
 * installing frames with a caller-supplied function.
 *
 * @param loader                  vspace that provides memory for this vspace's bookkeeping
 * @param new_vspace              vspace_t to initialise
 * @param data                    storage for the vspace's state (must outlive it)
 * @param vka                     allocator for frames and paging structures
 * @param vspace_root             cap to the root paging structure of the address space
 * @param allocated_object_fn     called with every paging structure the vspace allocates; may be NULL
 * @param allocated_object_cookie first argument passed to allocated_object_fn
 * @param map_page                function that installs one frame
 * @return 0 on success
 */
int sel4utils_get_vspace_with_map(vspace_t *loader, vspace_t *new_vspace, sel4utils_alloc_data_t *data,
                                  vka_t *vka, seL4_CPtr vspace_root,
                                  vspace_allocated_object_fn allocated_object_fn, void *allocated_object_cookie,
                                  sel4utils_map_page_fn map_page);

/**
 * Set up a vspace manager for another address space (not the caller's).
 * Parameters as for sel4utils_get_vspace_with_map; frames are installed with
 * the seL4 paging invocations. Paging structures are reported through
 * allocated_object_fn and are the owner's to free after tear down.
 *
 * @return 0 on success
 */
int sel4utils_get_vspace(vspace_t *loader, vspace_t *new_vspace, sel4utils_alloc_data_t *data,
                         vka_t *vka, seL4_CPtr vspace_root, vspace_allocated_object_fn allocated_object_fn,
                         void *allocated_object_cookie);

#ifdef CONFIG_VTX
/**
 * Set up a vspace manager for an EPT (guest physical) address space.
 *
 * @return 0 on success
 */
int sel4utils_get_vspace_ept(vspace_t *loader, vspace_t *new_vspace, vka_t *vka,
                             seL4_CPtr ept, vspace_allocated_object_fn allocated_object_fn,
                             void *allocated_object_cookie);
#endif /* CONFIG_VTX */

/**
 * Set up a vspace manager for the caller's own address space, keeping its
 * bookkeeping inside that address space. existing_frames is a NULL terminated
 * list of 4 KiB pages already in use.
 *
 * On the host simulation the managed addresses are not the caller's memory,
 * so this logs an error and fails; use sel4utils_get_vspace with a loader.
 *
 * @return 0 on success
 */
int sel4utils_bootstrap_vspace(vspace_t *vspace, sel4utils_alloc_data_t *data,
                               seL4_CPtr vspace_root, vka_t *vka,
                               vspace_allocated_object_fn allocated_object_fn, void *allocated_object_cookie,
                               void *existing_frames[]);

/**
 * As sel4utils_bootstrap_vspace for the root task, taking the frames in use
 * from the boot info. Fails on the host simulation, as sel4utils_bootstrap_vspace.
 *
 * @return 0 on success
 */
int sel4utils_bootstrap_vspace_with_bootinfo(vspace_t *vspace, sel4utils_alloc_data_t *data,
                                             seL4_CPtr vspace_root,
                                             vka_t *vka, seL4_BootInfo *info,
                                             vspace_allocated_object_fn allocated_object_fn,
                                             void *allocated_object_cookie);

/* Variants that do not report allocated paging structures to anyone. */
static inline int sel4utils_get_vspace_leaky(vspace_t *loader, vspace_t *new_vspace, sel4utils_alloc_data_t *data,
                                             vka_t *vka, seL4_CPtr vspace_root)
{
    return sel4utils_get_vspace(loader, new_vspace, data, vka, vspace_root, (vspace_allocated_object_fn) NULL,
                                NULL);
}

#ifdef CONFIG_VTX
static inline int sel4utils_get_vspace_ept_leaky(vspace_t *loader, vspace_t *new_vspace,
                                                 vka_t *vka, seL4_CPtr vspace_root)
{
    return sel4utils_get_vspace_ept(loader, new_vspace, vka, vspace_root, (vspace_allocated_object_fn) NULL, NULL);
}
#endif /* CONFIG_VTX */

static inline int sel4utils_bootstrap_vspace_with_bootinfo_leaky(vspace_t *vspace, sel4utils_alloc_data_t *data,
                                                                 seL4_CPtr vspace_root, vka_t *vka,
                                                                 seL4_BootInfo *info)
{
    return sel4utils_bootstrap_vspace_with_bootinfo(vspace, data, vspace_root, vka, info, NULL, NULL);
}

static inline int sel4utils_bootstrap_vspace_leaky(vspace_t *vspace, sel4utils_alloc_data_t *data,
                                                   seL4_CPtr vspace_root, vka_t *vka, void *existing_frames[])
{
    return sel4utils_bootstrap_vspace(vspace, data, vspace_root, vka, NULL, NULL, existing_frames);
}

/**
 * Reserve `size` bytes anywhere, 4 KiB aligned, filling in a caller-owned
 * reservation struct instead of allocating one. Free it with
 * vspace_free_reservation; the struct itself stays the caller's.
 *
 * @param vspace      the vspace
 * @param reservation struct to fill in
 * @param size        bytes to reserve
 * @param rights      rights for mappings in the range
 * @param cacheable   1 for cacheable mappings, 0 for uncached (DMA)
 * @param result      receives the start address
 * @return 0 on success
 */
int sel4utils_reserve_range_no_alloc(vspace_t *vspace, sel4utils_res_t *reservation, size_t size,
                                     seL4_CapRights_t rights, int cacheable, void **result);

/* As sel4utils_reserve_range_no_alloc, with the start aligned to 2^size_bits. */
int sel4utils_reserve_range_no_alloc_aligned(vspace_t *vspace, sel4utils_res_t *reservation,
                                             size_t size, size_t size_bits, seL4_CapRights_t rights,
                                             int cacheable, void **result);

/**
 * Reserve [vaddr, vaddr + size) (widened to 4 KiB boundaries) into a
 * caller-owned reservation struct.
 *
 * @return 0 on success
 */
int sel4utils_reserve_range_at_no_alloc(vspace_t *vspace, sel4utils_res_t *reservation, void *vaddr,
                                        size_t size, seL4_CapRights_t rights, int cacheable);

/**
 * Move and/or resize a reservation to [vaddr, vaddr + bytes). Addresses in
 * both the old and the new range stay reserved, addresses only in the old
 * range are released; mappings are not touched.
 *
 * @return 0 on success, -1 if the new start could not be reserved, -2 if the new end could not be
 */
int sel4utils_move_resize_reservation(vspace_t *vspace, reservation_t reservation, void *vaddr,
                                      size_t bytes);

/**
 * Copy the image described by reservation `reserve` from `current` into
 * `clone` page by page (new frames in clone, contents copied through a
 * temporary mapping in current).
 *
 * @return 0 on success
 */
int sel4utils_bootstrap_clone_into_vspace(vspace_t *current, vspace_t *clone, reservation_t reserve);

/**
 * The bounds of the running program's image. There is no seL4 image on the
 * host simulation: both are set to 0 and an error is logged.
 */
void sel4utils_get_image_region(uintptr_t *va_start, uintptr_t *va_end);

/**
 * @return the physical address of the frame mapped at vaddr (from the vka),
 *         VKA_NO_PADDR if there is none
 */
uintptr_t sel4utils_get_paddr(vspace_t *vspace, void *vaddr, seL4_Word type, seL4_Word size_bits);
