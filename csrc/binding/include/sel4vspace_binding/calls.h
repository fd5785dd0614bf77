/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Python layer's calls into a host world and its vspaces, one C call per Python call. Each
 * selects the kernel, runs the checks the Python layer promises (checks.h), clears the last C
 * error and makes the vspace_* call (or, for the world's own operations, the vka and kernel
 * calls), then reports in one struct what Python needs to raise the right exception.
 *
 * Every result struct carries a status the call writes last. Python sets it to
 * SEL4VSPACE_CALL_NOT_RUN before the call and reads it afterwards whatever happened: Python may
 * raise an exception (a KeyboardInterrupt from Ctrl-C pressed during the call) as the call
 * returns, losing its return value; the status still says what the call did, so the Python
 * layer's own records follow it, and every operation stays all or nothing.
 *
 * The vspace_* functions stay the interface under test; these add what the Python layer
 * promises on top of them (the checks before, the unmapping of a failed map's pages, the order in
 * which caps go), in one call so that no exception can come between two halves of it.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sel4/sel4.h>
#include <sel4sim/kernel.h>
#include <vka/object.h>
#include <vspace/vspace.h>
#include <sel4utils/vspace.h>
#include <sel4vspace_host/host.h>
#include <sel4vspace_binding/guard.h>

typedef enum {
    SEL4VSPACE_CALL_NOT_RUN = -1, /* set by the caller: the call has not reported (not run, or not returned) */
    SEL4VSPACE_CALL_OK = 0,
    SEL4VSPACE_CALL_REFUSED = 1,  /* a check failed, nothing was called: see check and index */
    SEL4VSPACE_CALL_FAILED = 2    /* the call failed (its error is logged), nothing changed: see result */
} sel4vspace_call_status_t;

typedef struct sel4vspace_call_result {
    int status;      /* the sel4vspace_call_status_t; written last */
    int check;       /* REFUSED: the verdict (sel4sim_frame_cap_check_t, sel4vspace_range_check_t) */
    size_t index;    /* REFUSED: the offending cap's or page's index; free_reservation: pages mapped;
                      * alloc_frames FAILED: the frame that could not be made */
    long result;     /* FAILED: what the vspace_* call returned (0 for a void call that logged), or
                      * the seL4 error */
    seL4_Word vaddr; /* OK from map_pages, new_pages, reserve_aligned: where the range starts */
    sel4utils_res_t *res; /* OK from the reserve calls: the reservation made (a reservation_t's res) */
    seL4_CPtr cap;   /* OK from copy_cap: the new cap; from vspace_new: the vspace's root cap */
    host_vspace_t *vspace; /* OK from vspace_new, with its vspace_t in c_vspace */
    vspace_t *c_vspace;
    host_world_t *world;   /* OK from world_new */
} sel4vspace_call_result_t;

/*
 * What Python holds of a vspace: its kernel's guard, and its host vspace until the call that tears
 * it down (or closes the kernel) sets it to NULL, under the guard. Python owns the memory, for as
 * long as the VSpace object lives, so a call handed a cell can always take the guard and then
 * find out whether the vspace is still there.
 */
typedef struct sel4vspace_vspace_cell {
    sel4vspace_guard_t *guard;
    host_vspace_t *vspace;
} sel4vspace_vspace_cell_t;

/*
 * What Python holds of a reservation: the cell of the vspace it was made in, and its
 * sel4utils_res_t (what a reservation_t holds) from the call that made it until the call that
 * frees it. Valid only while its vspace's cell still has the vspace.
 */
typedef struct sel4vspace_reservation_cell {
    sel4vspace_vspace_cell_t *vspace;
    sel4utils_res_t *res;
} sel4vspace_reservation_cell_t;

/*
 * The hot calls: the four small operations a program makes most (reserve, map, unmap, free), each
 * a whole operation of the Python layer in one C call. Each takes the kernel's guard without
 * waiting (sel4vspace_guard_try), checks everything the Python layer promises (the vspace and the
 * reservation still there, the range rules, the frame caps or the pages), makes the call and gives
 * the guard back. What it returns is a sel4vspace_hot_status_t in the low 8 bits, and for FAILED
 * what the vspace_* call returned, times 256.
 */
typedef enum {
    SEL4VSPACE_HOT_DONE = 0,   /* done */
    SEL4VSPACE_HOT_SLOW = 1,   /* nothing done, nothing logged: the thread is inside a call, the
                                * guard is held elsewhere, the kernel, vspace or reservation is
                                * gone, an argument breaks a rule, a check refused the call, or the
                                * vspace maps pages that are not the caller's (unmap); the Python
                                * layer's checked way does it, or says why not */
    SEL4VSPACE_HOT_FAILED = 2  /* the vspace_* call failed: nothing changed, its error is this
                                * thread's last (sel4vspace_log_last_error) */
} sel4vspace_hot_status_t;

/* sel4vspace_host_call_reserve; into (a fresh cell) gets the vspace's cell and the reservation. */
int64_t sel4vspace_hot_reserve(sel4vspace_vspace_cell_t *cell, seL4_Word vaddr, seL4_Word size, seL4_Word rights,
                               int cacheable, int deferred, sel4vspace_reservation_cell_t *into);

/* sel4vspace_host_call_map without cookies, inside reservation (a cell of this vspace's). */
int64_t sel4vspace_hot_map(sel4vspace_vspace_cell_t *cell, seL4_CPtr *caps, size_t n, seL4_Word vaddr,
                           seL4_Word size_bits, seL4_Word rights, int deferred,
                           sel4vspace_reservation_cell_t *reservation);

/* sel4vspace_host_call_unmap with VSPACE_PRESERVE, for a vspace that maps only the caller's frames. */
int64_t sel4vspace_hot_unmap(sel4vspace_vspace_cell_t *cell, seL4_Word vaddr, size_t n, seL4_Word size_bits);

/* sel4vspace_host_call_free_reservation; the cell's reservation is NULL once freed. */
int64_t sel4vspace_hot_free_reservation(sel4vspace_vspace_cell_t *cell, sel4vspace_reservation_cell_t *reservation);

/* What a page of an unmap is to the caller (sel4vspace_host_call_unmap_mixed). */
typedef enum {
    SEL4VSPACE_PAGE_CALLERS = 0, /* a frame cap of the caller's: unmapped, the cap kept (VSPACE_PRESERVE) */
    SEL4VSPACE_PAGE_COPY = 1,    /* a cap the allocator copied (share_mem): unmapped and deleted (VSPACE_FREE) */
    SEL4VSPACE_PAGE_OWN = 2      /* a frame the allocator allocated: freed (VSPACE_FREE, after its shared
                                  * copies elsewhere are unmapped) with free_frames, else kept (VSPACE_PRESERVE) */
} sel4vspace_page_kind_t;

/* vspace_reserve_range_at (or, deferred, vspace_reserve_deferred_rights_range_at, which ignores
 * rights); rights is the seL4_CapRights_t word. OK with out->res, or FAILED. */
int sel4vspace_host_call_reserve(host_vspace_t *v, seL4_Word vaddr, seL4_Word size, seL4_Word rights, int cacheable,
                                 int deferred, sel4vspace_call_result_t *out);

/* vspace_reserve_range_aligned: OK with out->res and out->vaddr (its start), or FAILED. */
int sel4vspace_host_call_reserve_aligned(host_vspace_t *v, seL4_Word size, seL4_Word size_bits, seL4_Word rights,
                                         int cacheable, sel4vspace_call_result_t *out);

/* sel4sim_check_frame_caps over the n caps, then vspace_map_pages_at_vaddr (or, deferred,
 * vspace_deferred_rights_map_pages_at_vaddr with rights) inside the reservation whose res
 * (what a sel4utils reservation_t holds) is res. cookies may be NULL. All or nothing: when
 * the call fails, every cap it mapped is unmapped again (through the allocator when it recorded the
 * page, else in the kernel) before FAILED is returned. */
int sel4vspace_host_call_map(host_vspace_t *v, seL4_CPtr *caps, uintptr_t *cookies, size_t n, seL4_Word vaddr,
                             seL4_Word size_bits, seL4_Word rights, int deferred, sel4utils_res_t *res,
                             sel4vspace_call_result_t *out);

/* sel4sim_check_frame_caps over the n caps, then vspace_map_pages (anywhere, with rights);
 * out->vaddr is the start on success. All or nothing, as sel4vspace_host_call_map. */
int sel4vspace_host_call_map_pages(host_vspace_t *v, seL4_CPtr *caps, uintptr_t *cookies, size_t n,
                                   seL4_Word size_bits, seL4_Word rights, int cacheable,
                                   sel4vspace_call_result_t *out);

/* vspace_new_pages: OK with out->vaddr, or FAILED (the frames it allocated are freed). */
int sel4vspace_host_call_new_pages(host_vspace_t *v, seL4_Word rights, size_t n, seL4_Word size_bits,
                                   sel4vspace_call_result_t *out);

/* vspace_new_pages_at_vaddr inside the reservation res: OK, or FAILED (the frames it allocated are freed). */
int sel4vspace_host_call_new_pages_at(host_vspace_t *v, seL4_Word vaddr, size_t n, seL4_Word size_bits,
                                      sel4utils_res_t *res, sel4vspace_call_result_t *out);

/* vspace_share_mem_at_vaddr from `from` (start) into `to` (vaddr, inside the reservation res): OK or
 * FAILED. */
int sel4vspace_host_call_share(host_vspace_t *from, host_vspace_t *to, seL4_Word start, size_t n,
                               seL4_Word size_bits, seL4_Word vaddr, sel4utils_res_t *res,
                               sel4vspace_call_result_t *out);

/* sel4vspace_host_check_mapped over the n pages, then vspace_unmap_pages with vka (VSPACE_FREE,
 * VSPACE_PRESERVE or a vka); FAILED when the call logged an error. */
int sel4vspace_host_call_unmap(host_vspace_t *v, seL4_Word vaddr, size_t n, seL4_Word size_bits, vka_t *vka,
                               sel4vspace_call_result_t *out);

/*
 * sel4vspace_host_check_mapped over the n pages, then each page unmapped as kinds[i]
 * (sel4vspace_page_kind_t) says, one vspace_unmap_pages per run of pages of one kind. With free_frames,
 * the copies elsewhere (in any vspace of the world) of the allocator's own frames whose physical
 * addresses are among shared (sorted, nshared of them) are unmapped through their allocators first,
 * since freeing a frame revokes every cap to it. FAILED (host out of memory) changes nothing;
 * FAILED after the unmaps began (an unmap that logged an error) means some pages went.
 */
int sel4vspace_host_call_unmap_mixed(host_vspace_t *v, seL4_Word vaddr, size_t n, seL4_Word size_bits,
                                     const uint8_t *kinds, int free_frames, const seL4_Word *shared, size_t nshared,
                                     sel4vspace_call_result_t *out);

/* Refused while pages in the range of the reservation res are mapped: out->index says how many, and the
 * first (at most max) are listed in mapped. Otherwise vspace_free_reservation; FAILED when it
 * logged an error. */
int sel4vspace_host_call_free_reservation(host_vspace_t *v, sel4utils_res_t *res, sel4sim_mapping_t *mapped,
                                          size_t max, sel4vspace_call_result_t *out);

/* ---- the world's own operations (world_calls.c) ---- */

/* sel4vspace_host_world_new: OK with out->world, or FAILED. */
int sel4vspace_host_call_world_new(unsigned untyped_size_bits, unsigned cnode_size_bits,
                                   sel4vspace_call_result_t *out);

/* sel4vspace_host_world_close, the kernel's guard marked closed first. out must not live in the world. OK. */
int sel4vspace_host_call_world_close(host_world_t *w, sel4vspace_guard_t *guard, sel4vspace_call_result_t *out);

/* sel4vspace_host_vspace_new: OK with out->vspace (also in cell, whose guard is the kernel's), its
 * vspace_t (out->c_vspace) and root cap (out->cap), or FAILED. */
int sel4vspace_host_call_vspace_new(host_world_t *w, sel4vspace_vspace_cell_t *cell, sel4vspace_call_result_t *out);

/* sel4vspace_host_alloc_frames of n frames into objects: OK, or FAILED with out->index the frame
 * that could not be made (those made before it are freed). */
int sel4vspace_host_call_alloc_frames(host_world_t *w, seL4_Word size_bits, size_t n, vka_object_t *objects,
                                      sel4vspace_call_result_t *out);

/* sel4vspace_host_copy_cap with the rights word: OK with out->cap, or FAILED. */
int sel4vspace_host_call_copy_cap(host_world_t *w, seL4_CPtr cap, seL4_Word rights, sel4vspace_call_result_t *out);

/* sel4vspace_host_delete_frame: OK, or FAILED with out->result the seL4 error. */
int sel4vspace_host_call_delete_frame(host_world_t *w, const seL4_CPtr *family, size_t nfamily, vka_object_t *object,
                                      int shared, sel4vspace_call_result_t *out);

/* sel4vspace_host_tear_down of the cell's vspace: OK (the cell's vspace NULL from then on), or FAILED
 * with out->result the seL4 error. */
int sel4vspace_host_call_tear_down(sel4vspace_vspace_cell_t *cell, const seL4_CPtr *callers, size_t ncallers,
                                   const seL4_Word *shared, size_t nshared, sel4vspace_call_result_t *out);
