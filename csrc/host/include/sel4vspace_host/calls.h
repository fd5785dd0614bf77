/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Python layer's hot calls into a host vspace, one C call per Python call. Each selects the
 * vspace's kernel, runs the checks the Python layer promises (checks.h), clears the last C error
 * and makes the vspace_* call, then reports in one struct what Python needs to raise the right
 * exception. They add no behaviour: the vspace_* functions stay the interface under test, these
 * only save the round trips a Python call would otherwise make (several C calls, casts and
 * conversions per call, microseconds against nanoseconds of C).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sel4/sel4.h>
#include <sel4sim/kernel.h>
#include <vspace/vspace.h>
#include <sel4vspace_host/host.h>

typedef enum {
    SEL4VSPACE_CALL_OK = 0,
    SEL4VSPACE_CALL_REFUSED = 1,  /* a check failed, nothing was called: see check and index */
    SEL4VSPACE_CALL_FAILED = 2    /* the vspace_* call failed: its error is logged, see result */
} sel4vspace_call_status_t;

typedef struct sel4vspace_call_result {
    int check;      /* REFUSED: the verdict (sel4vspace_frame_check_t, sel4vspace_range_check_t) */
    size_t index;   /* REFUSED: the offending cap's or page's index; free_reservation: pages mapped */
    long result;    /* FAILED: what the vspace_* call returned (0 for a void call that logged) */
    seL4_Word vaddr; /* OK from map_pages: where the pages went */
} sel4vspace_call_result_t;

/* vspace_reserve_range_at (or, deferred, vspace_reserve_deferred_rights_range_at, which ignores
 * rights); rights is the seL4_CapRights_t word. A NULL res is a failure with its error logged. */
reservation_t sel4vspace_host_call_reserve(host_vspace_t *v, seL4_Word vaddr, seL4_Word size, seL4_Word rights,
                                           int cacheable, int deferred);

/* sel4vspace_host_check_frames over the n caps, then vspace_map_pages_at_vaddr (or, deferred,
 * vspace_deferred_rights_map_pages_at_vaddr with rights). cookies may be NULL. */
int sel4vspace_host_call_map(host_vspace_t *v, seL4_CPtr *caps, uintptr_t *cookies, size_t n, seL4_Word vaddr,
                             seL4_Word size_bits, seL4_Word rights, int deferred, reservation_t reservation,
                             sel4vspace_call_result_t *out);

/* sel4vspace_host_check_frames over the n caps, then vspace_map_pages (anywhere, with rights);
 * out->vaddr is the start on success. */
int sel4vspace_host_call_map_pages(host_vspace_t *v, seL4_CPtr *caps, uintptr_t *cookies, size_t n,
                                   seL4_Word size_bits, seL4_Word rights, int cacheable,
                                   sel4vspace_call_result_t *out);

/* sel4vspace_host_check_mapped over the n pages, then vspace_unmap_pages with vka (VSPACE_FREE,
 * VSPACE_PRESERVE or a vka); FAILED when the call logged an error. */
int sel4vspace_host_call_unmap(host_vspace_t *v, seL4_Word vaddr, size_t n, seL4_Word size_bits, vka_t *vka,
                               sel4vspace_call_result_t *out);

/* Refused while pages in the reservation's range are mapped: out->index says how many, and the
 * first (at most max) are listed in mapped. Otherwise vspace_free_reservation; FAILED when it
 * logged an error. */
int sel4vspace_host_call_free_reservation(host_vspace_t *v, reservation_t reservation, sel4sim_mapping_t *mapped,
                                          size_t max, sel4vspace_call_result_t *out);
