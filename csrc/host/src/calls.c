/* SPDX-License-Identifier: BSD-2-Clause */
#include <sel4utils/vspace.h>
#include <sel4vspace_host/calls.h>
#include <sel4vspace_host/checks.h>
#include <sel4vspace_host/log.h>

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

static int refused(sel4vspace_call_result_t *out, int check, size_t index)
{
    out->check = check;
    out->index = index;
    return SEL4VSPACE_CALL_REFUSED;
}

static int failed(sel4vspace_call_result_t *out, long result)
{
    out->result = result;
    return SEL4VSPACE_CALL_FAILED;
}

reservation_t sel4vspace_host_call_reserve(host_vspace_t *v, seL4_Word vaddr, seL4_Word size, seL4_Word rights,
                                           int cacheable, int deferred)
{
    enter(v);
    sel4vspace_log_clear_last_error();
    vspace_t *vspace = sel4vspace_host_vspace_vspace(v);
    if (deferred) {
        return vspace_reserve_deferred_rights_range_at(vspace, (void *) vaddr, size, cacheable);
    }
    return vspace_reserve_range_at(vspace, (void *) vaddr, size, rights_from_word(rights), cacheable);
}

int sel4vspace_host_call_map(host_vspace_t *v, seL4_CPtr *caps, uintptr_t *cookies, size_t n, seL4_Word vaddr,
                             seL4_Word size_bits, seL4_Word rights, int deferred, reservation_t reservation,
                             sel4vspace_call_result_t *out)
{
    sel4sim_kernel_t *k = enter(v);
    size_t bad = 0;
    int check = sel4vspace_host_check_frames(k, caps, n, size_bits, &bad);
    if (check != SEL4VSPACE_FRAME_OK) {
        return refused(out, check, bad);
    }
    sel4vspace_log_clear_last_error();
    vspace_t *vspace = sel4vspace_host_vspace_vspace(v);
    int result = deferred ? vspace_deferred_rights_map_pages_at_vaddr(vspace, caps, cookies, (void *) vaddr, n,
                                                                      size_bits, rights_from_word(rights), reservation)
                 : vspace_map_pages_at_vaddr(vspace, caps, cookies, (void *) vaddr, n, size_bits, reservation);
    return result == 0 ? SEL4VSPACE_CALL_OK : failed(out, result);
}

int sel4vspace_host_call_map_pages(host_vspace_t *v, seL4_CPtr *caps, uintptr_t *cookies, size_t n,
                                   seL4_Word size_bits, seL4_Word rights, int cacheable,
                                   sel4vspace_call_result_t *out)
{
    sel4sim_kernel_t *k = enter(v);
    size_t bad = 0;
    int check = sel4vspace_host_check_frames(k, caps, n, size_bits, &bad);
    if (check != SEL4VSPACE_FRAME_OK) {
        return refused(out, check, bad);
    }
    sel4vspace_log_clear_last_error();
    void *vaddr = vspace_map_pages(sel4vspace_host_vspace_vspace(v), caps, cookies, rights_from_word(rights), n,
                                   size_bits, cacheable);
    if (vaddr == NULL) {
        return failed(out, 0);
    }
    out->vaddr = (seL4_Word) vaddr;
    return SEL4VSPACE_CALL_OK;
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
    return sel4vspace_log_last_error() == NULL ? SEL4VSPACE_CALL_OK : failed(out, 0);
}

int sel4vspace_host_call_free_reservation(host_vspace_t *v, reservation_t reservation, sel4sim_mapping_t *mapped,
                                          size_t max, sel4vspace_call_result_t *out)
{
    sel4sim_kernel_t *k = enter(v);
    sel4utils_res_t *res = reservation_to_res(reservation);
    if (res != NULL && res->end > res->start) {
        size_t count = sel4sim_vspace_mappings_in(k, sel4vspace_host_vspace_root(v), res->start,
                                                  res->end - res->start, mapped, max);
        if (count > 0) {
            return refused(out, 0, count);
        }
    }
    sel4vspace_log_clear_last_error();
    vspace_free_reservation(sel4vspace_host_vspace_vspace(v), reservation);
    return sel4vspace_log_last_error() == NULL ? SEL4VSPACE_CALL_OK : failed(out, 0);
}
