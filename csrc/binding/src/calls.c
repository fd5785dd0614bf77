/* SPDX-License-Identifier: BSD-2-Clause */
#include <sel4utils/vspace.h>
#include <utils/zf_log.h>
#include <sel4vspace_common/alloc.h>
#include <sel4vspace_host/arch.h>
#include <sel4vspace_binding/calls.h>
#include <sel4vspace_binding/checks.h>
#include <sel4vspace_binding/guard.h>
#include <sel4vspace_common/log.h>

#include "binding_internal.h"

/* The vspace's kernel, selected for the libsel4 calls the vspace will make. */
static sel4sim_kernel_t *enter(host_vspace_t *v)
{
    host_world_t *w = sel4vspace_host_vspace_world(v);
    sel4vspace_host_world_select(w);
    return sel4vspace_host_world_kernel(w);
}

static seL4_CapRights_t rights_from_word(seL4_Word word)
{
    seL4_CapRights_t rights;
    rights.words[0] = word;
    return rights;
}

static reservation_t as_reservation(sel4utils_res_t *res)
{
    reservation_t reservation = { .res = res };
    return reservation;
}

static int refused(sel4vspace_call_result_t *out, int check, size_t index)
{
    out->check = check;
    out->index = index;
    out->status = SEL4VSPACE_CALL_REFUSED;
    return SEL4VSPACE_CALL_REFUSED;
}

int binding_call_failed(sel4vspace_call_result_t *out, long result)
{
    out->result = result;
    out->status = SEL4VSPACE_CALL_FAILED;
    return SEL4VSPACE_CALL_FAILED;
}

int binding_call_ok(sel4vspace_call_result_t *out)
{
    out->status = SEL4VSPACE_CALL_OK;
    return SEL4VSPACE_CALL_OK;
}

/* Tell the vspace's vka how many 4 KiB frames the coming call will ask for, so it may take them in
 * whole slabs (other sizes are allocated one by one). The caller resets it to 0 once the call is done. */
static void announce_frames(host_vspace_t *v, size_t n, seL4_Word size_bits)
{
    sel4vspace_host_vspace_bulk_frames(v, size_bits == seL4_PageBits ? n : 0);
}

/* OK, or FAILED when the vspace_* call just made logged an error (a void call). */
static int logged(sel4vspace_call_result_t *out)
{
    return sel4vspace_log_last_error() == NULL ? binding_call_ok(out) : binding_call_failed(out, 0);
}

int sel4vspace_host_call_reserve(host_vspace_t *v, seL4_Word vaddr, seL4_Word size, seL4_Word rights, int cacheable,
                                 int deferred, sel4vspace_call_result_t *out)
{
    enter(v);
    sel4vspace_log_clear_last_error();
    vspace_t *vspace = sel4vspace_host_vspace_vspace(v);
    reservation_t res = deferred ? vspace_reserve_deferred_rights_range_at(vspace, (void *) vaddr, size, cacheable)
                        : vspace_reserve_range_at(vspace, (void *) vaddr, size, rights_from_word(rights), cacheable);
    out->res = reservation_to_res(res);
    return out->res != NULL ? binding_call_ok(out) : binding_call_failed(out, 0);
}

int sel4vspace_host_call_reserve_aligned(host_vspace_t *v, seL4_Word size, seL4_Word size_bits, seL4_Word rights,
                                         int cacheable, sel4vspace_call_result_t *out)
{
    enter(v);
    sel4vspace_log_clear_last_error();
    void *start = NULL;
    reservation_t res = vspace_reserve_range_aligned(sel4vspace_host_vspace_vspace(v), size, size_bits,
                                                     rights_from_word(rights), cacheable, &start);
    out->res = reservation_to_res(res);
    out->vaddr = (seL4_Word) start;
    return out->res != NULL ? binding_call_ok(out) : binding_call_failed(out, 0);
}

/*
 * After a failed map of caps that were all unmapped before it: unmap each cap the call left
 * mapped, through the allocator when it recorded the page (vendor/'s allocator leaves none;
 * upstream's leaves the pages it mapped before the failure), else in the kernel alone.
 */
static void unmap_what_the_call_mapped(sel4sim_kernel_t *k, vspace_t *vspace, const seL4_CPtr *caps, size_t n,
                                       seL4_Word size_bits)
{
    for (size_t i = 0; i < n; i++) {
        sel4sim_cap_info_t info;
        if (sel4sim_cap_info(k, caps[i], &info) != 0 || !info.mapped) {
            continue;
        }
        void *page = (void *) info.mapped_vaddr;
        if (vspace_get_cap(vspace, page) == caps[i]) {
            vspace_unmap_pages(vspace, page, 1, size_bits, VSPACE_PRESERVE);
        } else {
            sel4vspace_arch_page_unmap(caps[i]);
        }
    }
}

int sel4vspace_host_call_map(host_vspace_t *v, seL4_CPtr *caps, uintptr_t *cookies, size_t n, seL4_Word vaddr,
                             seL4_Word size_bits, seL4_Word rights, int deferred, sel4utils_res_t *res,
                             sel4vspace_call_result_t *out)
{
    sel4sim_kernel_t *k = enter(v);
    size_t bad = 0;
    int check = sel4sim_check_frame_caps(k, caps, n, size_bits, &bad);
    if (check != SEL4SIM_FRAME_CAP_OK) {
        return refused(out, check, bad);
    }
    sel4vspace_log_clear_last_error();
    vspace_t *vspace = sel4vspace_host_vspace_vspace(v);
    int result = deferred ? vspace_deferred_rights_map_pages_at_vaddr(vspace, caps, cookies, (void *) vaddr, n,
                                                                      size_bits, rights_from_word(rights), as_reservation(res))
                 : vspace_map_pages_at_vaddr(vspace, caps, cookies, (void *) vaddr, n, size_bits, as_reservation(res));
    if (result == 0) {
        return binding_call_ok(out);
    }
    unmap_what_the_call_mapped(k, vspace, caps, n, size_bits);
    return binding_call_failed(out, result);
}

int sel4vspace_host_call_map_pages(host_vspace_t *v, seL4_CPtr *caps, uintptr_t *cookies, size_t n,
                                   seL4_Word size_bits, seL4_Word rights, int cacheable,
                                   sel4vspace_call_result_t *out)
{
    sel4sim_kernel_t *k = enter(v);
    size_t bad = 0;
    int check = sel4sim_check_frame_caps(k, caps, n, size_bits, &bad);
    if (check != SEL4SIM_FRAME_CAP_OK) {
        return refused(out, check, bad);
    }
    sel4vspace_log_clear_last_error();
    vspace_t *vspace = sel4vspace_host_vspace_vspace(v);
    void *vaddr = vspace_map_pages(vspace, caps, cookies, rights_from_word(rights), n, size_bits, cacheable);
    if (vaddr == NULL) {
        unmap_what_the_call_mapped(k, vspace, caps, n, size_bits);
        return binding_call_failed(out, 0);
    }
    out->vaddr = (seL4_Word) vaddr;
    return binding_call_ok(out);
}

int sel4vspace_host_call_new_pages(host_vspace_t *v, seL4_Word rights, size_t n, seL4_Word size_bits,
                                   sel4vspace_call_result_t *out)
{
    enter(v);
    sel4vspace_log_clear_last_error();
    announce_frames(v, n, size_bits);
    void *vaddr = vspace_new_pages(sel4vspace_host_vspace_vspace(v), rights_from_word(rights), n, size_bits);
    sel4vspace_host_vspace_bulk_frames(v, 0);
    if (vaddr == NULL) {
        return binding_call_failed(out, 0);
    }
    sel4vspace_host_vspace_count_foreign(v, n, 0);   /* frames of the allocator's own */
    out->vaddr = (seL4_Word) vaddr;
    return binding_call_ok(out);
}

int sel4vspace_host_call_new_pages_at(host_vspace_t *v, seL4_Word vaddr, size_t n, seL4_Word size_bits,
                                      sel4utils_res_t *res, sel4vspace_call_result_t *out)
{
    enter(v);
    sel4vspace_log_clear_last_error();
    announce_frames(v, n, size_bits);
    int result = vspace_new_pages_at_vaddr(sel4vspace_host_vspace_vspace(v), (void *) vaddr, n, size_bits,
                                           as_reservation(res));
    sel4vspace_host_vspace_bulk_frames(v, 0);
    if (result != 0) {
        return binding_call_failed(out, result);
    }
    sel4vspace_host_vspace_count_foreign(v, n, 0);
    return binding_call_ok(out);
}

int sel4vspace_host_call_share(host_vspace_t *from, host_vspace_t *to, seL4_Word start, size_t n,
                               seL4_Word size_bits, seL4_Word vaddr, sel4utils_res_t *res,
                               sel4vspace_call_result_t *out)
{
    enter(from);
    sel4vspace_log_clear_last_error();
    int result = vspace_share_mem_at_vaddr(sel4vspace_host_vspace_vspace(from), sel4vspace_host_vspace_vspace(to),
                                           (void *) start, (int) n, size_bits, (void *) vaddr, as_reservation(res));
    if (result != 0) {
        return binding_call_failed(out, result);
    }
    sel4vspace_host_vspace_count_foreign(to, n, 0);   /* copies the allocator made */
    return binding_call_ok(out);
}

int sel4vspace_host_call_unmap(host_vspace_t *v, seL4_Word vaddr, size_t n, seL4_Word size_bits, vka_t *vka,
                               sel4vspace_call_result_t *out)
{
    sel4sim_kernel_t *k = enter(v);
    size_t bad = 0;
    int check = sel4vspace_host_check_mapped(k, sel4vspace_host_vspace_root(v), vaddr, n, size_bits, &bad);
    if (check != SEL4VSPACE_RANGE_MAPPED) {
        return refused(out, check, bad);
    }
    sel4vspace_log_clear_last_error();
    vspace_unmap_pages(sel4vspace_host_vspace_vspace(v), (void *) vaddr, n, size_bits, vka);
    return logged(out);
}

/* What an unmap of a page of this kind hands vspace_unmap_pages. */
static vka_t *unmap_vka(uint8_t kind, int free_frames)
{
    return kind == SEL4VSPACE_PAGE_COPY || (kind == SEL4VSPACE_PAGE_OWN && free_frames) ? VSPACE_FREE
           : VSPACE_PRESERVE;
}

int sel4vspace_host_call_unmap_mixed(host_vspace_t *v, seL4_Word vaddr, size_t n, seL4_Word size_bits,
                                     const uint8_t *kinds, int free_frames, const seL4_Word *shared, size_t nshared,
                                     sel4vspace_call_result_t *out)
{
    sel4sim_kernel_t *k = enter(v);
    seL4_CPtr root = sel4vspace_host_vspace_root(v);
    size_t bad = 0;
    int check = sel4vspace_host_check_mapped(k, root, vaddr, n, size_bits, &bad);
    if (check != SEL4VSPACE_RANGE_MAPPED) {
        return refused(out, check, bad);
    }
    sel4vspace_log_clear_last_error();
    if (free_frames && nshared > 0) {
        /* the physical addresses of the frames about to be freed that may have copies elsewhere */
        seL4_Word *doomed = host_alloc(HOST_ALLOC_HOST_LAYER, n * sizeof(*doomed));
        if (doomed == NULL) {
            ZF_LOGE("Out of host memory for the addresses of %zu pages", n);
            return binding_call_failed(out, 0);
        }
        size_t count = 0;
        for (size_t i = 0; i < n; i++) {
            sel4sim_mapping_t mapping;
            if (kinds[i] == SEL4VSPACE_PAGE_OWN
                && sel4sim_vspace_translate(k, root, vaddr + (i << size_bits), &mapping)
                && sel4vspace_host_sorted_contains(shared, nshared, mapping.paddr)) {
                doomed[count++] = mapping.paddr;
            }
        }
        sel4vspace_host_sort_words(doomed, count);
        int error = sel4vspace_host_release_paddrs(sel4vspace_host_vspace_world(v), doomed, count, NULL, 0);
        host_free(HOST_ALLOC_HOST_LAYER, doomed, n * sizeof(*doomed));
        if (error != 0) {
            return binding_call_failed(out, 0);
        }
    }
    vspace_t *vspace = sel4vspace_host_vspace_vspace(v);
    size_t not_callers = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && kinds[j] == kinds[i]) {
            j++;
        }
        vspace_unmap_pages(vspace, (void *) (vaddr + (i << size_bits)), j - i, size_bits, unmap_vka(kinds[i], free_frames));
        not_callers += kinds[i] == SEL4VSPACE_PAGE_CALLERS ? 0 : j - i;
        i = j;
    }
    int status = logged(out);
    if (status == SEL4VSPACE_CALL_OK) {
        sel4vspace_host_vspace_count_foreign(v, 0, not_callers);   /* after a failure, a count too high */
    }
    return status;
}

int sel4vspace_host_call_free_reservation(host_vspace_t *v, sel4utils_res_t *res, sel4sim_mapping_t *mapped,
                                          size_t max, sel4vspace_call_result_t *out)
{
    sel4sim_kernel_t *k = enter(v);
    if (res != NULL && res->end > res->start) {
        size_t count = sel4sim_vspace_mappings_in(k, sel4vspace_host_vspace_root(v), res->start,
                                                  res->end - res->start, mapped, max);
        if (count > 0) {
            return refused(out, 0, count);
        }
    }
    sel4vspace_log_clear_last_error();
    vspace_free_reservation(sel4vspace_host_vspace_vspace(v), as_reservation(res));
    return logged(out);
}

/* ---- the hot calls ---------------------------------------------------------------------------- */

/* The cell's vspace with the guard taken, or NULL (nothing taken) when the call must go the slow
 * way: the thread is inside a call, another thread holds the guard, or the kernel or the vspace is
 * gone. */
static host_vspace_t *hot_enter(sel4vspace_vspace_cell_t *cell)
{
    if (!sel4vspace_guard_try(cell->guard)) {
        return NULL;
    }
    if (sel4vspace_guard_closed(cell->guard) || cell->vspace == NULL) {
        sel4vspace_guard_done(cell->guard);
        return NULL;
    }
    return cell->vspace;
}

/* The guard given back, and the sel4vspace_hot_status_t of the call's result. */
static int64_t hot_leave(sel4vspace_vspace_cell_t *cell, const sel4vspace_call_result_t *out)
{
    sel4vspace_guard_done(cell->guard);
    switch (out->status) {
    case SEL4VSPACE_CALL_OK:
        return SEL4VSPACE_HOT_DONE;
    case SEL4VSPACE_CALL_FAILED:
        return SEL4VSPACE_HOT_FAILED + (int64_t) out->result * 256;
    default:   /* REFUSED: a check said no before anything was called */
        return SEL4VSPACE_HOT_SLOW;
    }
}

static int64_t hot_slow(sel4vspace_vspace_cell_t *cell)
{
    sel4vspace_guard_done(cell->guard);
    return SEL4VSPACE_HOT_SLOW;
}

/* Whether reservation is one of the cell's vspace's, not freed. */
static int live_in(const sel4vspace_reservation_cell_t *reservation, const sel4vspace_vspace_cell_t *cell)
{
    return reservation->vspace == cell && reservation->res != NULL;
}

int64_t sel4vspace_hot_reserve(sel4vspace_vspace_cell_t *cell, seL4_Word vaddr, seL4_Word size, seL4_Word rights,
                               int cacheable, int deferred, sel4vspace_reservation_cell_t *into)
{
    host_vspace_t *v = hot_enter(cell);
    if (v == NULL) {
        return SEL4VSPACE_HOT_SLOW;
    }
    if (into->res != NULL || sel4vspace_rule_byte_range(vaddr, size, seL4_PageBits) != SEL4VSPACE_RULE_OK) {
        return hot_slow(cell);
    }
    sel4vspace_call_result_t out;
    if (sel4vspace_host_call_reserve(v, vaddr, size, rights, cacheable, deferred, &out) == SEL4VSPACE_CALL_OK) {
        into->vspace = cell;
        into->res = out.res;
    }
    return hot_leave(cell, &out);
}

int64_t sel4vspace_hot_map(sel4vspace_vspace_cell_t *cell, seL4_CPtr *caps, size_t n, seL4_Word vaddr,
                           seL4_Word size_bits, seL4_Word rights, int deferred,
                           sel4vspace_reservation_cell_t *reservation)
{
    host_vspace_t *v = hot_enter(cell);
    if (v == NULL) {
        return SEL4VSPACE_HOT_SLOW;
    }
    if (!live_in(reservation, cell)
        || sel4vspace_rule_pages(vaddr, n, size_bits, SEL4VSPACE_MAX_PAGES) != SEL4VSPACE_RULE_OK) {
        return hot_slow(cell);
    }
    sel4vspace_call_result_t out;
    sel4vspace_host_call_map(v, caps, NULL, n, vaddr, size_bits, rights, deferred, reservation->res, &out);
    return hot_leave(cell, &out);
}

int64_t sel4vspace_hot_unmap(sel4vspace_vspace_cell_t *cell, seL4_Word vaddr, size_t n, seL4_Word size_bits)
{
    host_vspace_t *v = hot_enter(cell);
    if (v == NULL) {
        return SEL4VSPACE_HOT_SLOW;
    }
    if (sel4vspace_host_vspace_foreign(v) != 0
        || sel4vspace_rule_pages(vaddr, n, size_bits, SEL4VSPACE_MAX_PAGES) != SEL4VSPACE_RULE_OK) {
        return hot_slow(cell);
    }
    sel4vspace_call_result_t out;
    sel4vspace_host_call_unmap(v, vaddr, n, size_bits, VSPACE_PRESERVE, &out);
    return hot_leave(cell, &out);
}

int64_t sel4vspace_hot_free_reservation(sel4vspace_vspace_cell_t *cell, sel4vspace_reservation_cell_t *reservation)
{
    host_vspace_t *v = hot_enter(cell);
    if (v == NULL) {
        return SEL4VSPACE_HOT_SLOW;
    }
    if (!live_in(reservation, cell)) {
        return hot_slow(cell);
    }
    sel4vspace_call_result_t out;
    if (sel4vspace_host_call_free_reservation(v, reservation->res, NULL, 0, &out) == SEL4VSPACE_CALL_OK) {
        reservation->res = NULL;
    }
    return hot_leave(cell, &out);
}
