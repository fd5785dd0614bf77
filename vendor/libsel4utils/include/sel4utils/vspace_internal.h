/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

/*
 * Internals of the sel4utils vspace shared by its source files: the encoding
 * of the bookkeeping tables and the operations over ranges of them.
 *
 * A table at level L (L >= 1) has VSPACE_LEVEL_SIZE entries, each covering
 * BYTES_FOR_LEVEL(L) bytes; level 0 is vspace_bottom_level_t, one entry per
 * 4 KiB page. An entry that is EMPTY or RESERVED stands for its whole span, so
 * reserving or releasing a large aligned range touches only the boundary.
 */

#include <autoconf.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <vka/vka.h>
#include <vspace/vspace.h>

#include <sel4utils/util.h>
#include <sel4utils/mapping.h>
#include <sel4utils/vspace.h>

#define RESERVED UINTPTR_MAX
#define EMPTY    0

#define TOP_LEVEL_BITS_OFFSET (VSPACE_LEVEL_BITS * (VSPACE_NUM_LEVELS - 1) + PAGE_BITS_4K)
#define LEVEL_MASK MASK_UNSAFE(VSPACE_LEVEL_BITS)

#define INDEX_FOR_LEVEL(addr, l) ( ( (addr) >> ((l) * VSPACE_LEVEL_BITS + PAGE_BITS_4K)) & MASK(VSPACE_LEVEL_BITS))
#define TOP_LEVEL_INDEX(x) INDEX_FOR_LEVEL(x, VSPACE_NUM_LEVELS - 1)

#define BYTES_FOR_LEVEL(l) BIT(VSPACE_LEVEL_BITS * (l) + PAGE_BITS_4K)
#define ALIGN_FOR_LEVEL(l) (~(MASK(VSPACE_LEVEL_BITS * (l) + PAGE_BITS_4K)))

/* One past the highest address the tables can describe (2^48 on x86_64). */
#define SEL4UTILS_VSPACE_LIMIT BIT(VSPACE_LEVEL_BITS * VSPACE_NUM_LEVELS + PAGE_BITS_4K)

/* Bookkeeping memory: from the loader vspace (create_level) or, self-bootstrapped, from the vspace itself. */
void *create_level(vspace_t *vspace, size_t size);
void *bootstrap_create_level(vspace_t *vspace, size_t size);

/*
 * A new table for a level above the bottom whose every entry starts as init (EMPTY, RESERVED or a
 * table below), or NULL when there is no bookkeeping memory left.
 */
static inline void *create_mid_level(vspace_t *vspace, uintptr_t init)
{
    vspace_mid_level_t *mid = create_level(vspace, sizeof(*mid));
    if (mid == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < VSPACE_LEVEL_SIZE; i++) {
        mid->table[i] = init;
    }
    return mid;
}

/* A new bottom table: every page's entry starts as init, with no cookie. NULL when memory is out. */
static inline void *create_bottom_level(vspace_t *vspace, uintptr_t init)
{
    vspace_bottom_level_t *bottom = create_level(vspace, sizeof(*bottom));
    if (bottom == NULL) {
        return NULL;
    }
    memset(bottom->cookie, 0, sizeof(bottom->cookie));
    for (size_t i = 0; i < VSPACE_LEVEL_SIZE; i++) {
        bottom->cap[i] = init;
    }
    return bottom;
}

/* The sel4utils state of a vspace made by sel4utils_get_vspace*. */
static inline sel4utils_alloc_data_t *get_alloc_data(vspace_t *vspace)
{
    return vspace->data;
}

/*
 * Not upstream: the bottom table the last walk reached stays in data->last_bottom, so lookups and
 * updates of pages that follow one another in one table walk down from the top once per table
 * instead of once per page. The per-page loops of map, unmap and the mapped check stay generic;
 * this is what keeps them cheap (callgrind, W1 at N=2^14: 1,390 -> 984 instructions per page;
 * W2: 5,438 -> 4,102 per round). Only tables are remembered, never markers: once made, a table stays
 * where it is until tear down frees them all (and forgets it), so no other change can leave it stale.
 */
static inline vspace_bottom_level_t *sel4utils_last_bottom(sel4utils_alloc_data_t *data, uintptr_t vaddr)
{
    bool same_span = data->last_bottom != NULL && (vaddr & ALIGN_FOR_LEVEL(1)) == data->last_bottom_base;
    return same_span ? data->last_bottom : NULL;
}

static inline void sel4utils_remember_bottom(sel4utils_alloc_data_t *data, uintptr_t vaddr,
                                             vspace_bottom_level_t *bottom)
{
    data->last_bottom = bottom;
    data->last_bottom_base = vaddr & ALIGN_FOR_LEVEL(1);
}

/*
 * What a range operation does to each 4 KiB entry it covers. Operations that
 * can fail are preceded by a read-only check in the callers, so a failure in
 * the middle of a range only happens when bookkeeping memory runs out.
 */
typedef enum {
    SEL4UTILS_ENTRIES_RESERVE,     /* EMPTY -> RESERVED; anything else fails */
    SEL4UTILS_ENTRIES_RERESERVE,   /* anything -> RESERVED (a page unmapped inside a reservation) */
    SEL4UTILS_ENTRIES_UNRESERVE,   /* RESERVED -> EMPTY; mapped entries are left as they are */
    SEL4UTILS_ENTRIES_CLEAR,       /* anything -> EMPTY */
    SEL4UTILS_ENTRIES_SET,         /* EMPTY or RESERVED -> (cap, cookie); a mapped entry fails */
} sel4utils_entries_op_t;

/* Apply op to an entry that is the marker `state`: false if op refuses it, else the new marker in *result. */
static inline bool sel4utils_entries_marker_result(sel4utils_entries_op_t op, uintptr_t state, uintptr_t *result)
{
    switch (op) {
    case SEL4UTILS_ENTRIES_RESERVE:
        *result = RESERVED;
        return state == EMPTY;
    case SEL4UTILS_ENTRIES_RERESERVE:
        *result = RESERVED;
        return true;
    case SEL4UTILS_ENTRIES_UNRESERVE:
    case SEL4UTILS_ENTRIES_CLEAR:
        *result = EMPTY;
        return true;
    default:
        /* a cap cannot be stored in a marker */
        return false;
    }
}

/* op on entry i (for address v) of a bottom table: -1 when op refuses what the entry holds. Inlined
 * with op a constant wherever it is used, so each caller keeps only its own case. */
static inline __attribute__((always_inline)) int sel4utils_entry_apply(vspace_bottom_level_t *level, size_t i,
                                                                      uintptr_t v, sel4utils_entries_op_t op,
                                                                      seL4_CPtr cap, uintptr_t cookie)
{
    uintptr_t old = level->cap[i];
    switch (op) {
    case SEL4UTILS_ENTRIES_RESERVE:
        if (old != EMPTY) {
            ZF_LOGE("Address 0x%" PRIxPTR " is already reserved or mapped", v);
            return -1;
        }
        level->cap[i] = RESERVED;
        level->cookie[i] = 0;
        break;
    case SEL4UTILS_ENTRIES_RERESERVE:
        level->cap[i] = RESERVED;
        level->cookie[i] = 0;
        break;
    case SEL4UTILS_ENTRIES_UNRESERVE:
        if (old == RESERVED) {
            level->cap[i] = EMPTY;
            level->cookie[i] = 0;
        }
        break;
    case SEL4UTILS_ENTRIES_CLEAR:
        level->cap[i] = EMPTY;
        level->cookie[i] = 0;
        break;
    case SEL4UTILS_ENTRIES_SET:
        if (old != EMPTY && old != RESERVED) {
            ZF_LOGE("Address 0x%" PRIxPTR " already holds cap 0x%" PRIxPTR, v, old);
            return -1;
        }
        level->cap[i] = cap;
        level->cookie[i] = cookie;
        break;
    }
    return 0;
}

/* op on every entry of [start, end), which lies within the bottom table `level`, stopping at the
 * first entry it refuses. */
static inline __attribute__((always_inline)) int sel4utils_entries_bottom_op(vspace_bottom_level_t *level,
                                                                            uintptr_t start, uintptr_t end,
                                                                            sel4utils_entries_op_t op,
                                                                            seL4_CPtr cap, uintptr_t cookie)
{
    /* by index: the entries of [start, end) follow one another in the table */
    size_t first = INDEX_FOR_LEVEL(start, 0);
    size_t count = start < end ? (end - start + BYTES_FOR_LEVEL(0) - 1) >> PAGE_BITS_4K : 0;
    for (size_t k = 0; k < count; k++) {
        if (sel4utils_entry_apply(level, first + k, start + (k << PAGE_BITS_4K), op, cap, cookie) != 0) {
            return -1;
        }
    }
    return 0;
}

static inline int sel4utils_entries_bottom(vspace_bottom_level_t *level, uintptr_t start, uintptr_t end,
                                           sel4utils_entries_op_t op, seL4_CPtr cap, uintptr_t cookie)
{
    /* one loop per operation: a reservation of thousands of pages would otherwise choose the
     * operation again at every entry */
    switch (op) {
    case SEL4UTILS_ENTRIES_RESERVE:
        return sel4utils_entries_bottom_op(level, start, end, SEL4UTILS_ENTRIES_RESERVE, cap, cookie);
    case SEL4UTILS_ENTRIES_RERESERVE:
        return sel4utils_entries_bottom_op(level, start, end, SEL4UTILS_ENTRIES_RERESERVE, cap, cookie);
    case SEL4UTILS_ENTRIES_UNRESERVE:
        return sel4utils_entries_bottom_op(level, start, end, SEL4UTILS_ENTRIES_UNRESERVE, cap, cookie);
    case SEL4UTILS_ENTRIES_CLEAR:
        return sel4utils_entries_bottom_op(level, start, end, SEL4UTILS_ENTRIES_CLEAR, cap, cookie);
    case SEL4UTILS_ENTRIES_SET:
        return sel4utils_entries_bottom_op(level, start, end, SEL4UTILS_ENTRIES_SET, cap, cookie);
    }
    return 0;
}

/* Apply op to [start, end) within the level `level_num` table `level` (level_num >= 1). */
static inline int sel4utils_entries_mid(vspace_t *vspace, vspace_mid_level_t *level, int level_num,
                                        uintptr_t start, uintptr_t end, sel4utils_entries_op_t op,
                                        seL4_CPtr cap, uintptr_t cookie)
{
    while (start < end) {
        size_t i = INDEX_FOR_LEVEL(start, level_num);
        uintptr_t span_start = start & ALIGN_FOR_LEVEL(level_num);
        uintptr_t span_end = span_start + BYTES_FOR_LEVEL(level_num);
        uintptr_t stop = span_end < end ? span_end : end;
        uintptr_t entry = level->table[i];

        if (entry == EMPTY || entry == RESERVED) {
            uintptr_t result = entry;
            bool allowed = sel4utils_entries_marker_result(op, entry, &result);
            bool whole = start == span_start && stop == span_end;
            if (op != SEL4UTILS_ENTRIES_SET && !allowed) {
                ZF_LOGE("Address 0x%" PRIxPTR " is already reserved", start);
                return -1;
            }
            if (op != SEL4UTILS_ENTRIES_SET && (whole || result == entry)) {
                /* the marker answers for the whole covered part: no need to look below */
                level->table[i] = result;
                start = stop;
                continue;
            }
            /* only part of the span changes (or a cap must be stored): give it its own table */
            entry = (uintptr_t)(level_num == 1 ? create_bottom_level(vspace, entry)
                                : create_mid_level(vspace, entry));
            if (entry == EMPTY) {
                ZF_LOGE("Out of memory for vspace bookkeeping");
                return -1;
            }
            level->table[i] = entry;
        }

        int error;
        if (level_num == 1) {
            sel4utils_remember_bottom(get_alloc_data(vspace), start, (vspace_bottom_level_t *) entry);
            error = sel4utils_entries_bottom((vspace_bottom_level_t *) entry, start, stop, op, cap, cookie);
        } else {
            error = sel4utils_entries_mid(vspace, (vspace_mid_level_t *) entry, level_num - 1, start, stop, op,
                                          cap, cookie);
        }
        if (error) {
            return error;
        }
        start = stop;
    }
    return 0;
}

static inline int sel4utils_entries_range(vspace_t *vspace, uintptr_t start, uintptr_t end,
                                          sel4utils_entries_op_t op, seL4_CPtr cap, uintptr_t cookie)
{
    sel4utils_alloc_data_t *data = get_alloc_data(vspace);
    /* a range inside the table the last walk reached is done there, without walking */
    vspace_bottom_level_t *bottom = sel4utils_last_bottom(data, start);
    if (bottom != NULL && sel4utils_last_bottom(data, end - 1) == bottom) {
        return sel4utils_entries_bottom(bottom, start, end, op, cap, cookie);
    }
    return sel4utils_entries_mid(vspace, data->top_level, VSPACE_NUM_LEVELS - 1, start, end, op, cap, cookie);
}

/*
 * op on the 2^size_bits bytes at vaddr. A 4 KiB page in the table the last walk reached (map, unmap
 * and the range operations going page by page) is done there, inline, with the operation a
 * constant; anything else takes the range walk.
 */
static inline __attribute__((always_inline)) int sel4utils_entries_page(vspace_t *vspace, uintptr_t vaddr,
                                                                       size_t size_bits,
                                                                       sel4utils_entries_op_t op,
                                                                       seL4_CPtr cap, uintptr_t cookie)
{
    if (size_bits == PAGE_BITS_4K) {
        vspace_bottom_level_t *bottom = sel4utils_last_bottom(get_alloc_data(vspace), vaddr);
        if (bottom != NULL) {
            return sel4utils_entry_apply(bottom, INDEX_FOR_LEVEL(vaddr, 0), vaddr, op, cap, cookie);
        }
    }
    return sel4utils_entries_range(vspace, vaddr, vaddr + BIT(size_bits), op, cap, cookie);
}

/* True if every 4 KiB entry of [start, end) below `level` equals the marker `good`. */
static inline bool sel4utils_entries_all(uintptr_t entry_or_table, int level_num, uintptr_t start, uintptr_t end,
                                         uintptr_t good)
{
    if (level_num < 0) {
        return entry_or_table == good;
    }
    if (entry_or_table == EMPTY || entry_or_table == RESERVED) {
        return entry_or_table == good;
    }
    if (level_num == 0) {
        /* a bottom table: its entries are markers or caps, read in a row; every page that [start, end)
         * touches counts, also the last when start lies inside a page */
        const uintptr_t *caps = &((vspace_bottom_level_t *) entry_or_table)->cap[INDEX_FOR_LEVEL(start, 0)];
        size_t count = start < end ? ((end - 1) >> PAGE_BITS_4K) - (start >> PAGE_BITS_4K) + 1 : 0;
        for (size_t k = 0; k < count; k++) {
            if (caps[k] != good) {
                return false;
            }
        }
        return true;
    }
    while (start < end) {
        uintptr_t span_start = start & ALIGN_FOR_LEVEL(level_num);
        uintptr_t stop = span_start + BYTES_FOR_LEVEL(level_num);
        if (stop > end) {
            stop = end;
        }
        uintptr_t child = ((vspace_mid_level_t *) entry_or_table)->table[INDEX_FOR_LEVEL(start, level_num)];
        if (!sel4utils_entries_all(child, level_num - 1, start, stop, good)) {
            return false;
        }
        start = stop;
    }
    return true;
}

/* Upstream's names for the range operations. */

static inline int update_entries(vspace_t *vspace, uintptr_t vaddr, seL4_CPtr cap, size_t size_bits,
                                 uintptr_t cookie)
{
    return sel4utils_entries_page(vspace, vaddr, size_bits, SEL4UTILS_ENTRIES_SET, cap, cookie);
}

/* preserve_frames: fail on mapped pages instead of turning them into reserved ones. */
static inline int reserve_entries_range(vspace_t *vspace, uintptr_t start, uintptr_t end, bool preserve_frames)
{
    return sel4utils_entries_range(vspace, start, end,
                                   preserve_frames ? SEL4UTILS_ENTRIES_RESERVE : SEL4UTILS_ENTRIES_RERESERVE, 0, 0);
}

static inline int reserve_entries(vspace_t *vspace, uintptr_t vaddr, size_t size_bits)
{
    return sel4utils_entries_page(vspace, vaddr, size_bits, SEL4UTILS_ENTRIES_RERESERVE, 0, 0);
}

/* What follows a clear of a range starting at start; error is the clear's result, returned. */
static inline int sel4utils_entries_cleared(vspace_t *vspace, uintptr_t start, int error)
{
    sel4utils_alloc_data_t *data = get_alloc_data(vspace);
    if (error == 0 && start < data->last_allocated) {
        /* the next anywhere-allocation starts looking no higher than the range just freed */
        data->last_allocated = start;
    }
    return error;
}

/*
 * only_reserved: release reserved pages and leave mapped ones alone (freeing
 * a reservation); otherwise forget everything in the range. Either way the
 * range becomes a candidate for the next anywhere-allocation again.
 */
static inline int clear_entries_range(vspace_t *vspace, uintptr_t start, uintptr_t end, bool only_reserved)
{
    sel4utils_entries_op_t op = only_reserved ? SEL4UTILS_ENTRIES_UNRESERVE : SEL4UTILS_ENTRIES_CLEAR;
    return sel4utils_entries_cleared(vspace, start, sel4utils_entries_range(vspace, start, end, op, 0, 0));
}

static inline int clear_entries(vspace_t *vspace, uintptr_t vaddr, size_t size_bits)
{
    return sel4utils_entries_cleared(vspace, vaddr,
                                     sel4utils_entries_page(vspace, vaddr, size_bits, SEL4UTILS_ENTRIES_CLEAR, 0, 0));
}

static inline bool is_reserved_or_empty_range(vspace_mid_level_t *top_level, uintptr_t start, uintptr_t end,
                                              uintptr_t good, uintptr_t bad)
{
    (void) bad;
    return sel4utils_entries_all((uintptr_t) top_level, VSPACE_NUM_LEVELS - 1, start, end, good);
}

static inline bool is_reserved_or_empty(vspace_mid_level_t *top_level, uintptr_t vaddr, size_t size_bits,
                                        uintptr_t good, uintptr_t bad)
{
    return is_reserved_or_empty_range(top_level, vaddr, vaddr + BIT(size_bits), good, bad);
}

/* Nothing reserved or mapped anywhere in [start, end). */
static inline bool is_available_range(vspace_mid_level_t *top_level, uintptr_t start, uintptr_t end)
{
    return sel4utils_entries_all((uintptr_t) top_level, VSPACE_NUM_LEVELS - 1, start, end, EMPTY);
}

/* Nothing reserved or mapped in the 2^size_bits bytes at vaddr. */
static inline bool is_available(vspace_mid_level_t *top_level, uintptr_t vaddr, size_t size_bits)
{
    return is_available_range(top_level, vaddr, vaddr + BIT(size_bits));
}

/* Every page of [start, end) reserved and unmapped. */
static inline bool is_reserved_range(vspace_mid_level_t *top_level, uintptr_t start, uintptr_t end)
{
    return sel4utils_entries_all((uintptr_t) top_level, VSPACE_NUM_LEVELS - 1, start, end, RESERVED);
}

/* Every page of the 2^size_bits bytes at vaddr reserved and unmapped. */
static inline bool is_reserved(vspace_mid_level_t *top_level, uintptr_t vaddr, size_t size_bits)
{
    return is_reserved_range(top_level, vaddr, vaddr + BIT(size_bits));
}

/* The bottom level table covering vaddr (remembered for the next lookup), or NULL if a marker stands for it. */
static inline vspace_bottom_level_t *sel4utils_bottom_level_for(sel4utils_alloc_data_t *data, uintptr_t vaddr)
{
    vspace_bottom_level_t *last = sel4utils_last_bottom(data, vaddr);
    if (last != NULL) {
        return last;
    }
    uintptr_t entry = (uintptr_t) data->top_level;
    for (int level_num = VSPACE_NUM_LEVELS - 1; level_num >= 1; level_num--) {
        entry = ((vspace_mid_level_t *) entry)->table[INDEX_FOR_LEVEL(vaddr, level_num)];
        if (entry == EMPTY || entry == RESERVED) {
            return NULL;
        }
    }
    sel4utils_remember_bottom(data, vaddr, (vspace_bottom_level_t *) entry);
    return (vspace_bottom_level_t *) entry;
}

/* Raw bottom entry for vaddr: a cap, RESERVED or EMPTY (0 when a higher marker covers it). */
static inline seL4_CPtr get_cap(sel4utils_alloc_data_t *data, uintptr_t vaddr)
{
    vspace_bottom_level_t *bottom = sel4utils_bottom_level_for(data, vaddr);
    return bottom == NULL ? 0 : bottom->cap[INDEX_FOR_LEVEL(vaddr, 0)];
}

static inline uintptr_t get_cookie(sel4utils_alloc_data_t *data, uintptr_t vaddr)
{
    vspace_bottom_level_t *bottom = sel4utils_bottom_level_for(data, vaddr);
    return bottom == NULL ? 0 : bottom->cookie[INDEX_FOR_LEVEL(vaddr, 0)];
}

/* How a sel4utils vspace maps one frame, per kind of address space (set as data->map_page) */
int sel4utils_map_page_pd(vspace_t *vspace, seL4_CPtr cap, void *vaddr, seL4_CapRights_t rights, int cacheable,
                          size_t size_bits);
#ifdef CONFIG_VTX
int sel4utils_map_page_ept(vspace_t *vspace, seL4_CPtr cap, void *vaddr, seL4_CapRights_t rights, int cacheable,
                           size_t size_bits);
#endif /* CONFIG_VTX */
#ifdef CONFIG_IOMMU
int sel4utils_map_page_iommu(vspace_t *vspace, seL4_CPtr cap, void *vaddr, seL4_CapRights_t rights, int cacheable,
                             size_t size_bits);
#endif /* CONFIG_IOMMU */

/* interface functions (installed in the vspace_t by sel4utils_get_vspace) */
seL4_CPtr sel4utils_get_root(vspace_t *vspace);
seL4_CPtr sel4utils_get_cap(vspace_t *vspace, void *vaddr);
uintptr_t sel4utils_get_cookie(vspace_t *vspace, void *vaddr);

void *sel4utils_map_pages(vspace_t *vspace, seL4_CPtr caps[], uintptr_t cookies[],
                          seL4_CapRights_t rights, size_t num_pages, size_t size_bits,
                          int cacheable);
int sel4utils_map_pages_at_vaddr(vspace_t *vspace, seL4_CPtr caps[], uintptr_t cookies[], void *vaddr,
                                 size_t num_pages, size_t size_bits, reservation_t reservation);
int sel4utils_deferred_rights_map_pages_at_vaddr(vspace_t *vspace, seL4_CPtr caps[], uintptr_t cookies[],
                                                 void *vaddr, size_t num_pages, size_t size_bits,
                                                 seL4_CapRights_t rights, reservation_t reservation);
void sel4utils_unmap_pages(vspace_t *vspace, void *vaddr, size_t num_pages, size_t size_bits, vka_t *vka);

void *sel4utils_new_pages(vspace_t *vspace, seL4_CapRights_t rights,
                          size_t num_pages, size_t size_bits);
int sel4utils_new_pages_at_vaddr(vspace_t *vspace, void *vaddr, size_t num_pages,
                                 size_t size_bits, reservation_t reservation, bool can_use_dev);

reservation_t sel4utils_reserve_range_aligned(vspace_t *vspace, size_t size, size_t size_bits,
                                              seL4_CapRights_t rights, int cacheable, void **vaddr);
reservation_t sel4utils_reserve_range_at(vspace_t *vspace, void *vaddr, size_t size,
                                         seL4_CapRights_t rights, int cacheable);
reservation_t sel4utils_reserve_deferred_rights_range_at(vspace_t *vspace, void *vaddr, size_t size,
                                                         int cacheable);
void sel4utils_free_reservation(vspace_t *vspace, reservation_t reservation);
void sel4utils_free_reservation_by_vaddr(vspace_t *vspace, void *vaddr);
void sel4utils_tear_down(vspace_t *vspace, vka_t *vka);
int sel4utils_share_mem_at_vaddr(vspace_t *from, vspace_t *to, void *start, int num_pages,
                                 size_t size_bits, void *vaddr, reservation_t reservation);
