/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The portable virtual-memory allocator interface of seL4_libs' libsel4vspace.
 *
 * A vspace_t is a table of implementation functions; the static inline wrappers below check their
 * arguments, log what they refuse, and dispatch. This copy also has deferred-rights reservations:
 * a reservation may be made without rights (reserve_deferred_rights_range_at) and given its rights
 * when pages are mapped into it (deferred_rights_map_pages_at_vaddr).
 *
 * Every line a wrapper logs reads "<wrapper>: <what is wrong with which argument>".
 */
#pragma once

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <vka/object.h>
#include <vspace/page.h>

typedef struct vspace vspace_t;

/* An opaque handle on a reserved virtual range; res is NULL when a reservation failed. */
typedef struct reservation {
    void *res;
} reservation_t;

/* Options for vspace_new_pages_with_config and vspace_new_pages_at_vaddr_with_config. */
typedef struct vspace_new_pages_config {
    /* NULL: map wherever the allocator finds room; otherwise map exactly here. */
    void *vaddr;
    size_t num_pages;
    size_t size_bits;
    /* Whether the frames may come from device untyped memory. */
    bool can_use_dev;
} vspace_new_pages_config_t;

/*
 * The one way the functions of this header report a bad call: when cond holds, log
 * "<fn>: <problem>" at level (ZF_LOG_WARN, ZF_LOG_ERROR or ZF_LOG_FATAL). Evaluates to cond, so
 * that a wrapper can write its checks as one || chain in the order they run: the first that holds
 * ends the chain, and no later check looks at what it rejected (a NULL vspace, for one). A macro,
 * so that the log record's call site is the wrapper itself.
 */
#define vspace_log_if(cond, level, fn, problem) __extension__ ({ \
        bool vspace_refused_ = (cond); \
        if (vspace_refused_) { \
            if ((level) == ZF_LOG_WARN) { \
                ZF_LOGW("%s: %s", (fn), (problem)); \
            } else if ((level) == ZF_LOG_FATAL) { \
                ZF_LOGF("%s: %s", (fn), (problem)); \
            } else { \
                ZF_LOGE("%s: %s", (fn), (problem)); \
            } \
        } \
        vspace_refused_; })

/*
 * Fill config for num_pages frames of 2^size_bits bytes at any address, from ordinary memory.
 * Returns 0, or -1 (with a warning) when num_pages is 0.
 */
static inline int default_vspace_new_pages_config(size_t num_pages, size_t size_bits,
                                                  vspace_new_pages_config_t *config)
{
    if (vspace_log_if(num_pages == 0, ZF_LOG_WARN, __func__, "num_pages is 0")) {
        return -1;
    }
    *config = (vspace_new_pages_config_t) {
        .num_pages = num_pages,
        .size_bits = size_bits,
    };
    return 0;
}

/* Ask for the pages at vaddr (NULL: anywhere). Returns 0. */
static inline int vspace_new_pages_config_set_vaddr(void *vaddr, vspace_new_pages_config_t *config)
{
    config->vaddr = vaddr;
    return 0;
}

/* Allow or forbid frames from device untyped memory. Returns 0. */
static inline int vspace_new_pages_config_use_device_ut(bool can_use_dev, vspace_new_pages_config_t *config)
{
    config->can_use_dev = can_use_dev;
    return 0;
}

/* ---- Functions built on the implementation table (libsel4vspace/src/vspace.c) ---- */

/*
 * Reserve bytes of 4 KiB-aligned virtual memory anywhere, with the given rights and cacheability.
 * The start is stored in *vaddr. Returns the reservation (res NULL on failure).
 */
reservation_t vspace_reserve_range(vspace_t *vspace, size_t bytes,
                                   seL4_CapRights_t rights, int cacheable, void **vaddr);

/*
 * Map num_pages pages already mapped at start in `from` into a fresh range of `to`, with rights
 * and cacheable. Returns the start of the range in `to`, or NULL on failure.
 */
void *vspace_share_mem(vspace_t *from, vspace_t *to, void *start, int num_pages,
                       size_t size_bits, seL4_CapRights_t rights, int cacheable);

/*
 * Allocate and map the pages config describes, reserving their range as it goes.
 * Returns the start of the pages, or NULL on failure.
 */
void *vspace_new_pages_with_config(vspace_t *vspace, vspace_new_pages_config_t *config, seL4_CapRights_t rights);

/*
 * Allocate and map a stack of n_pages 4 KiB pages below an unmapped guard page.
 * Returns the top of the stack, or NULL on failure.
 */
void *vspace_new_sized_stack(vspace_t *vspace, size_t n_pages);

/* A stack of the configured default size (CONFIG_SEL4UTILS_STACK_SIZE). */
static inline void *vspace_new_stack(vspace_t *vspace)
{
    return vspace_new_sized_stack(vspace, BYTES_TO_4K_PAGES(CONFIG_SEL4UTILS_STACK_SIZE));
}

/* Unmap (freeing frames through the vspace's vka) and unreserve a stack made by vspace_new_sized_stack. */
void vspace_free_sized_stack(vspace_t *vspace, void *stack_top, size_t n_pages);

/* Free a stack made by vspace_new_stack. */
static inline void vspace_free_stack(vspace_t *vspace, void *stack_top)
{
    vspace_free_sized_stack(vspace, stack_top, BYTES_TO_4K_PAGES(CONFIG_SEL4UTILS_STACK_SIZE));
}

/* Allocate and map one page for an IPC buffer; its frame cap goes to *page. Returns its vaddr or NULL. */
void *vspace_new_ipc_buffer(vspace_t *vspace, seL4_CPtr *page);

/* Unmap and free an IPC buffer made by vspace_new_ipc_buffer. */
void vspace_free_ipc_buffer(vspace_t *vspace, void *addr);

/* ---- The implementation table: what an allocator such as the sel4utils vspace provides ---- */

/* Allocate num_pages frames of 2^size_bits bytes and map them, with rights, anywhere. */
typedef void *(*vspace_new_pages_fn)(vspace_t *vspace, seL4_CapRights_t rights,
                                     size_t num_pages, size_t size_bits);

/* Map the given frame caps, with rights, anywhere. cookies (may be NULL) let the vspace free them later. */
typedef void *(*vspace_map_pages_fn)(vspace_t *vspace, seL4_CPtr caps[], uintptr_t cookies[],
                                     seL4_CapRights_t rights, size_t num_pages, size_t size_bits,
                                     int cacheable);

/*
 * Allocate and map num_pages frames at vaddr, inside reservation, with the reservation's rights.
 * can_use_dev permits frames from device untyped memory. Returns 0, or -1 on failure.
 */
typedef int (*vspace_new_pages_at_vaddr_fn)(vspace_t *vspace, void *vaddr, size_t num_pages,
                                            size_t size_bits, reservation_t reservation, bool can_use_dev);

/*
 * Map the frame caps at vaddr, inside reservation, with the reservation's rights; fails if any
 * page there is already mapped. cookies may be NULL. Returns 0, or -1 on failure.
 */
typedef int (*vspace_map_pages_at_vaddr_fn)(vspace_t *vspace, seL4_CPtr caps[], uintptr_t cookies[],
                                            void *vaddr, size_t num_pages,
                                            size_t size_bits, reservation_t reservation);

/*
 * Deferred rights: map the frame caps at vaddr, inside a reservation that was made without rights,
 * with the rights the caller gives now. Fails if any page there is already mapped. cookies may be
 * NULL. Returns 0 (seL4_NoError), or -1 on failure.
 */
typedef int (*vspace_deferred_rights_map_pages_at_vaddr_fn)(vspace_t *vspace, seL4_CPtr caps[], uintptr_t cookies[],
                                                            void *vaddr, size_t num_pages,
                                                            size_t size_bits, seL4_CapRights_t rights,
                                                            reservation_t reservation);

/* Values for the vka argument of vspace_unmap_pages and vspace_tear_down. */
#define VSPACE_FREE ((vka_t *) 0xffffffff)
#define VSPACE_PRESERVE ((vka_t *) 0)

/*
 * Unmap num_pages pages from vaddr. free says what becomes of their frames and cslots:
 * VSPACE_PRESERVE keeps them, VSPACE_FREE frees them through the vspace's own vka, any other vka
 * frees them through that vka. Reservations stay.
 */
typedef void (*vspace_unmap_pages_fn)(vspace_t *vspace, void *vaddr, size_t num_pages,
                                      size_t size_bits, vka_t *free);

/*
 * Release everything the vspace allocated for itself; frames are freed as for unmap_pages. Objects
 * reported through allocated_object belong to the caller, who frees them afterwards.
 */
typedef void (*vspace_tear_down_fn)(vspace_t *vspace, vka_t *free);

/* Reserve bytes anywhere, aligned to 2^size_bits, with rights; the start goes to *vaddr. */
typedef reservation_t (*vspace_reserve_range_aligned_fn)(vspace_t *vspace, size_t bytes, size_t size_bits,
                                                         seL4_CapRights_t rights, int cacheable, void **vaddr);

/* Reserve bytes at vaddr with rights. */
typedef reservation_t (*vspace_reserve_range_at_fn)(vspace_t *vspace, void *vaddr,
                                                    size_t bytes, seL4_CapRights_t rights, int cacheable);

/*
 * Deferred rights: reserve bytes at vaddr without rights; the rights are given by whoever maps
 * into it (deferred_rights_map_pages_at_vaddr). cacheable applies to those mappings.
 */
typedef reservation_t (*vspace_reserve_deferred_rights_range_at_fn)(vspace_t *vspace, void *vaddr,
                                                                    size_t bytes, int cacheable);

/* Release a reservation's addresses; mapped pages are not touched. */
typedef void (*vspace_free_reservation_fn)(vspace_t *vspace, reservation_t reservation);

/* Release the whole reservation that contains vaddr. */
typedef void (*vspace_free_reservation_by_vaddr_fn)(vspace_t *vspace, void *vaddr);

/* The frame cap mapped at vaddr, or seL4_CapNull. */
typedef seL4_CPtr (*vspace_get_cap_fn)(vspace_t *vspace, void *vaddr);

/* The allocation cookie recorded for the frame mapped at vaddr, or 0. */
typedef uintptr_t (*vspace_get_cookie_fn)(vspace_t *vspace, void *vaddr);

/*
 * Called (if set) for every kernel object the vspace allocates for itself (paging structures), so
 * that its owner can free them after tear_down.
 */
typedef void (*vspace_allocated_object_fn)(void *allocated_object_cookie, vka_object_t object);

/* The cap of the vspace's root paging structure. */
typedef seL4_CPtr (*vspace_get_root_fn)(vspace_t *vspace);

/*
 * Map the num_pages pages mapped at start in `from` into `to` at vaddr, inside reservation res
 * of `to`. Returns 0, or -1 on failure.
 */
typedef int (*vspace_share_mem_at_vaddr_fn)(vspace_t *from, vspace_t *to, void *start, int num_pages,
                                            size_t size_bits, void *vaddr, reservation_t res);

struct vspace {
    void *data;

    vspace_new_pages_fn new_pages;
    vspace_map_pages_fn map_pages;

    vspace_new_pages_at_vaddr_fn new_pages_at_vaddr;

    vspace_map_pages_at_vaddr_fn map_pages_at_vaddr;
    vspace_deferred_rights_map_pages_at_vaddr_fn deferred_rights_map_pages_at_vaddr;

    vspace_unmap_pages_fn unmap_pages;
    vspace_tear_down_fn tear_down;

    vspace_reserve_range_aligned_fn reserve_range_aligned;
    vspace_reserve_range_at_fn reserve_range_at;
    vspace_reserve_deferred_rights_range_at_fn reserve_deferred_rights_range_at;
    vspace_free_reservation_fn free_reservation;
    vspace_free_reservation_by_vaddr_fn free_reservation_by_vaddr;

    vspace_get_cap_fn get_cap;
    vspace_get_root_fn get_root;
    vspace_get_cookie_fn get_cookie;

    vspace_share_mem_at_vaddr_fn share_mem_at_vaddr;

    vspace_allocated_object_fn allocated_object;
    void *allocated_object_cookie;
};

/* ---- Checked wrappers: each refuses what its implementation must never see ---- */

/* Allocate and map num_pages frames anywhere. Returns their start, or NULL. */
static inline void *vspace_new_pages(vspace_t *vspace, seL4_CapRights_t rights,
                                     size_t num_pages, size_t size_bits)
{
    if (vspace_log_if(vspace == NULL, ZF_LOG_ERROR, __func__, "vspace is NULL")
        || vspace_log_if(vspace->new_pages == NULL, ZF_LOG_ERROR, __func__, "vspace->new_pages is NULL")
        || vspace_log_if(num_pages == 0, ZF_LOG_ERROR, __func__, "num_pages is 0")
        || vspace_log_if(!sel4_valid_size_bits(size_bits), ZF_LOG_ERROR, __func__,
                         "size_bits is not a frame size of this architecture")) {
        return NULL;
    }
    return vspace->new_pages(vspace, rights, num_pages, size_bits);
}

/*
 * Map existing frame caps anywhere. Returns their start, or NULL.
 * (Upstream tests the new_pages field here; this checks the map_pages field it dispatches to.)
 */
static inline void *vspace_map_pages(vspace_t *vspace, seL4_CPtr caps[], uintptr_t cookies[],
                                     seL4_CapRights_t rights, size_t num_pages, size_t size_bits,
                                     int cacheable)
{
    if (vspace_log_if(vspace == NULL, ZF_LOG_ERROR, __func__, "vspace is NULL")
        || vspace_log_if(vspace->map_pages == NULL, ZF_LOG_ERROR, __func__, "vspace->map_pages is NULL")
        || vspace_log_if(num_pages == 0, ZF_LOG_ERROR, __func__, "num_pages is 0")
        || vspace_log_if(!sel4_valid_size_bits(size_bits), ZF_LOG_ERROR, __func__,
                         "size_bits is not a frame size of this architecture")) {
        return NULL;
    }
    return vspace->map_pages(vspace, caps, cookies, rights, num_pages, size_bits, cacheable);
}

/*
 * new_pages_at_vaddr with its arguments taken from config. Returns 0, or -1.
 * An empty reservation is reported but still passed on: refusing it is the implementation's job.
 */
static inline int vspace_new_pages_at_vaddr_with_config(vspace_t *vspace, vspace_new_pages_config_t *config,
                                                        reservation_t res)
{
    if (vspace_log_if(vspace == NULL, ZF_LOG_ERROR, __func__, "vspace is NULL")) {
        return -1;
    }
    vspace_log_if(res.res == NULL, ZF_LOG_ERROR, __func__, "res is an empty reservation");
    return vspace->new_pages_at_vaddr(vspace, config->vaddr, config->num_pages, config->size_bits, res,
                                      config->can_use_dev);
}

/* Allocate and map num_pages frames at vaddr inside reservation. Returns 0, or -1. */
static inline int vspace_new_pages_at_vaddr(vspace_t *vspace, void *vaddr, size_t num_pages, size_t size_bits,
                                            reservation_t reservation)
{
    vspace_new_pages_config_t config;
    if (vspace_log_if(vspace == NULL, ZF_LOG_ERROR, __func__, "vspace is NULL")
        || vspace_log_if(vspace->new_pages_at_vaddr == NULL, ZF_LOG_ERROR, __func__,
                         "vspace->new_pages_at_vaddr is NULL")
        || vspace_log_if(default_vspace_new_pages_config(num_pages, size_bits, &config) != 0, ZF_LOG_ERROR,
                         __func__, "num_pages and size_bits do not make a page config")
        || vspace_log_if(vspace_new_pages_config_set_vaddr(vaddr, &config) != 0, ZF_LOG_ERROR, __func__,
                         "vaddr could not be set in the page config")) {
        return -1;
    }
    return vspace_new_pages_at_vaddr_with_config(vspace, &config, reservation);
}

/*
 * Map frame caps at vaddr inside reservation, with its rights. Returns 0, or -1.
 * Address 0 may be mapped on purpose, so a NULL vaddr is only warned about.
 */
static inline int vspace_map_pages_at_vaddr(vspace_t *vspace, seL4_CPtr caps[], uintptr_t cookies[], void *vaddr,
                                            size_t num_pages, size_t size_bits, reservation_t reservation)
{
    if (vspace_log_if(vspace == NULL, ZF_LOG_ERROR, __func__, "vspace is NULL")
        || vspace_log_if(num_pages == 0, ZF_LOG_WARN, __func__, "num_pages is 0")) {
        return -1;
    }
    vspace_log_if(vaddr == NULL, ZF_LOG_WARN, __func__, "vaddr is NULL");
    if (vspace_log_if(vspace->map_pages_at_vaddr == NULL, ZF_LOG_WARN, __func__,
                      "vspace->map_pages_at_vaddr is NULL")) {
        return -1;
    }
    return vspace->map_pages_at_vaddr(vspace, caps, cookies, vaddr, num_pages, size_bits, reservation);
}

/*
 * Deferred rights: map frame caps at vaddr inside a rights-deferred reservation, with the rights
 * given here. Checks, in order: vspace, num_pages, vaddr (a warning only), implementation.
 * Returns 0, or -1.
 */
static inline int vspace_deferred_rights_map_pages_at_vaddr(vspace_t *vspace, seL4_CPtr caps[], uintptr_t cookies[],
                                                            void *vaddr, size_t num_pages, size_t size_bits,
                                                            seL4_CapRights_t rights, reservation_t reservation)
{
    if (vspace_log_if(vspace == NULL, ZF_LOG_ERROR, __func__, "vspace is NULL")
        || vspace_log_if(num_pages == 0, ZF_LOG_WARN, __func__, "num_pages is 0")) {
        return -1;
    }
    vspace_log_if(vaddr == NULL, ZF_LOG_WARN, __func__, "vaddr is NULL");
    if (vspace_log_if(vspace->deferred_rights_map_pages_at_vaddr == NULL, ZF_LOG_WARN, __func__,
                      "vspace->deferred_rights_map_pages_at_vaddr is NULL")) {
        return -1;
    }
    return vspace->deferred_rights_map_pages_at_vaddr(vspace, caps, cookies, vaddr, num_pages,
                                                      size_bits, rights, reservation);
}

/*
 * Unmap num_pages pages from vaddr; vka as for vspace_unmap_pages_fn.
 * (Upstream also printf()s the page count when it is 0; this library prints nothing unasked.)
 */
static inline void vspace_unmap_pages(vspace_t *vspace, void *vaddr, size_t num_pages, size_t size_bits, vka_t *vka)
{
    if (vspace_log_if(vspace == NULL, ZF_LOG_ERROR, __func__, "vspace is NULL")
        || vspace_log_if(num_pages == 0, ZF_LOG_WARN, __func__, "num_pages is 0")) {
        return;
    }
    vspace_log_if(vaddr == NULL, ZF_LOG_WARN, __func__, "vaddr is NULL");
    if (vspace_log_if(vspace->unmap_pages == NULL, ZF_LOG_ERROR, __func__, "vspace->unmap_pages is NULL")) {
        return;
    }
    vspace->unmap_pages(vspace, vaddr, num_pages, size_bits, vka);
}

/* Tear the vspace down; vka as for vspace_tear_down_fn. */
static inline void vspace_tear_down(vspace_t *vspace, vka_t *vka)
{
    if (vspace_log_if(vspace == NULL, ZF_LOG_ERROR, __func__, "vspace is NULL")
        || vspace_log_if(vspace->tear_down == NULL, ZF_LOG_ERROR, __func__, "vspace->tear_down is NULL")) {
        return;
    }
    vspace->tear_down(vspace, vka);
}

/* Reserve bytes anywhere, aligned to 2^size_bits; the start goes to *vaddr. */
static inline reservation_t vspace_reserve_range_aligned(vspace_t *vspace, size_t bytes, size_t size_bits,
                                                         seL4_CapRights_t rights, int cacheable, void **vaddr)
{
    if (vspace_log_if(vspace == NULL, ZF_LOG_ERROR, __func__, "vspace is NULL")
        || vspace_log_if(vspace->reserve_range_aligned == NULL, ZF_LOG_ERROR, __func__,
                         "vspace->reserve_range_aligned is NULL")
        || vspace_log_if(bytes == 0, ZF_LOG_ERROR, __func__, "bytes is 0")
        || vspace_log_if(vaddr == NULL, ZF_LOG_ERROR, __func__, "vaddr is NULL: nowhere to return the start")) {
        return (reservation_t) { .res = NULL };
    }
    return vspace->reserve_range_aligned(vspace, bytes, size_bits, rights, cacheable, vaddr);
}

/* Reserve bytes at vaddr with rights. */
static inline reservation_t vspace_reserve_range_at(vspace_t *vspace, void *vaddr,
                                                    size_t bytes, seL4_CapRights_t rights, int cacheable)
{
    if (vspace_log_if(vspace == NULL, ZF_LOG_ERROR, __func__, "vspace is NULL")
        || vspace_log_if(vspace->reserve_range_at == NULL, ZF_LOG_ERROR, __func__, "vspace->reserve_range_at is NULL")
        || vspace_log_if(bytes == 0, ZF_LOG_ERROR, __func__, "bytes is 0")) {
        return (reservation_t) { .res = NULL };
    }
    return vspace->reserve_range_at(vspace, vaddr, bytes, rights, cacheable);
}

/*
 * Deferred rights: reserve bytes at vaddr with no rights yet. Checks, in order: vspace,
 * implementation, bytes. Returns the reservation (res NULL on failure).
 */
static inline reservation_t vspace_reserve_deferred_rights_range_at(vspace_t *vspace, void *vaddr,
                                                                    size_t bytes, int cacheable)
{
    if (vspace_log_if(vspace == NULL, ZF_LOG_ERROR, __func__, "vspace is NULL")
        || vspace_log_if(vspace->reserve_deferred_rights_range_at == NULL, ZF_LOG_ERROR, __func__,
                         "vspace->reserve_deferred_rights_range_at is NULL")
        || vspace_log_if(bytes == 0, ZF_LOG_ERROR, __func__, "bytes is 0")) {
        return (reservation_t) { .res = NULL };
    }
    return vspace->reserve_deferred_rights_range_at(vspace, vaddr, bytes, cacheable);
}

/* Release a reservation's addresses. */
static inline void vspace_free_reservation(vspace_t *vspace, reservation_t reservation)
{
    if (vspace_log_if(vspace == NULL, ZF_LOG_ERROR, __func__, "vspace is NULL")
        || vspace_log_if(vspace->free_reservation == NULL, ZF_LOG_ERROR, __func__,
                         "vspace->free_reservation is NULL")) {
        return;
    }
    vspace->free_reservation(vspace, reservation);
}

/* Release the reservation containing vaddr. */
static inline void vspace_free_reservation_by_vaddr(vspace_t *vspace, void *vaddr)
{
    if (vspace_log_if(vspace == NULL, ZF_LOG_ERROR, __func__, "vspace is NULL")
        || vspace_log_if(vspace->free_reservation_by_vaddr == NULL, ZF_LOG_ERROR, __func__,
                         "vspace->free_reservation_by_vaddr is NULL")) {
        return;
    }
    vspace->free_reservation_by_vaddr(vspace, vaddr);
}

/* The frame cap mapped at vaddr, or seL4_CapNull. Address 0 may be mapped, so NULL only warns. */
static inline seL4_CPtr vspace_get_cap(vspace_t *vspace, void *vaddr)
{
    if (vspace_log_if(vspace == NULL, ZF_LOG_ERROR, __func__, "vspace is NULL")) {
        return seL4_CapNull;
    }
    vspace_log_if(vaddr == NULL, ZF_LOG_WARN, __func__, "vaddr is NULL");
    if (vspace_log_if(vspace->get_cap == NULL, ZF_LOG_ERROR, __func__, "vspace->get_cap is NULL")) {
        return seL4_CapNull;
    }
    return vspace->get_cap(vspace, vaddr);
}

/* The cookie recorded for the frame mapped at vaddr, or 0. NULL only warns, as for vspace_get_cap. */
static inline uintptr_t vspace_get_cookie(vspace_t *vspace, void *vaddr)
{
    if (vspace_log_if(vspace == NULL, ZF_LOG_ERROR, __func__, "vspace is NULL")) {
        return 0;
    }
    vspace_log_if(vaddr == NULL, ZF_LOG_WARN, __func__, "vaddr is NULL");
    if (vspace_log_if(vspace->get_cookie == NULL, ZF_LOG_ERROR, __func__, "vspace->get_cookie is NULL")) {
        return 0;
    }
    return vspace->get_cookie(vspace, vaddr);
}

/*
 * Report object to the vspace's owner through allocated_object, if the owner asked to hear.
 * (Upstream logs a NULL vspace as fatal and then dereferences it, where its fatal log returns;
 * this refuses it as an error and returns.)
 */
static inline void vspace_maybe_call_allocated_object(vspace_t *vspace, vka_object_t object)
{
    if (vspace_log_if(vspace == NULL, ZF_LOG_ERROR, __func__, "vspace is NULL")) {
        return;
    }
    if (vspace->allocated_object != NULL) {
        vspace->allocated_object(vspace->allocated_object_cookie, object);
    }
}

/* The cap of the vspace's root paging structure, or seL4_CapNull. */
static inline seL4_CPtr vspace_get_root(vspace_t *vspace)
{
    if (vspace_log_if(vspace == NULL, ZF_LOG_ERROR, __func__, "vspace is NULL")
        || vspace_log_if(vspace->get_root == NULL, ZF_LOG_ERROR, __func__, "vspace->get_root is NULL")) {
        return seL4_CapNull;
    }
    return vspace->get_root(vspace);
}

/*
 * Map the pages mapped at start in `from` into `to` at vaddr, inside res. Returns 0, or -1.
 * Sharing no pages is refused without a word; a NULL start is refused like a NULL vaddr (upstream
 * lets it through).
 */
static inline int vspace_share_mem_at_vaddr(vspace_t *from, vspace_t *to, void *start, int num_pages,
                                            size_t size_bits, void *vaddr, reservation_t res)
{
    if (num_pages == 0
        || vspace_log_if(num_pages < 0, ZF_LOG_ERROR, __func__, "num_pages is negative")
        || vspace_log_if(from == NULL, ZF_LOG_ERROR, __func__, "from is NULL")
        || vspace_log_if(to == NULL, ZF_LOG_ERROR, __func__, "to is NULL")
        || vspace_log_if(start == NULL, ZF_LOG_ERROR, __func__, "start is NULL")
        || vspace_log_if(vaddr == NULL, ZF_LOG_ERROR, __func__, "vaddr is NULL")
        || vspace_log_if(from->share_mem_at_vaddr == NULL, ZF_LOG_ERROR, __func__,
                         "from->share_mem_at_vaddr is NULL")) {
        return -1;
    }
    return from->share_mem_at_vaddr(from, to, start, num_pages, size_bits, vaddr, res);
}
