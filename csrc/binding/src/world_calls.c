/* SPDX-License-Identifier: BSD-2-Clause */
/* The world's own operations for Python: the host world does the work, these report it. */
#include <sel4vspace_host/host.h>

#include "binding_internal.h"

/* OK when the host operation returned seL4_NoError, else FAILED with its error. */
static int reported(sel4vspace_call_result_t *out, int error)
{
    return error == seL4_NoError ? binding_call_ok(out) : binding_call_failed(out, error);
}

int sel4vspace_host_call_world_new(unsigned untyped_size_bits, unsigned cnode_size_bits,
                                   sel4vspace_call_result_t *out)
{
    out->world = sel4vspace_host_world_new(untyped_size_bits, cnode_size_bits);
    return reported(out, out->world != NULL ? seL4_NoError : seL4_NotEnoughMemory);
}

int sel4vspace_host_call_world_close(host_world_t *w, sel4vspace_guard_t *guard, sel4vspace_call_result_t *out)
{
    if (guard != NULL) {
        sel4vspace_guard_mark_closed(guard);   /* the hot calls look here before at any vspace */
    }
    sel4vspace_host_world_close(w);
    return binding_call_ok(out);
}

int sel4vspace_host_call_vspace_new(host_world_t *w, sel4vspace_vspace_cell_t *cell, sel4vspace_call_result_t *out)
{
    host_vspace_t *v = sel4vspace_host_vspace_new(w);
    if (v == NULL) {
        return binding_call_failed(out, seL4_NotEnoughMemory);
    }
    cell->vspace = v;
    out->vspace = v;
    out->c_vspace = sel4vspace_host_vspace_vspace(v);
    out->cap = sel4vspace_host_vspace_root(v);
    return binding_call_ok(out);
}

int sel4vspace_host_call_alloc_frames(host_world_t *w, seL4_Word size_bits, size_t n, vka_object_t *objects,
                                      sel4vspace_call_result_t *out)
{
    size_t failed = 0;
    if (sel4vspace_host_alloc_frames(w, size_bits, n, objects, &failed) != 0) {
        out->index = failed;
        return binding_call_failed(out, seL4_NotEnoughMemory);
    }
    return binding_call_ok(out);
}

int sel4vspace_host_call_copy_cap(host_world_t *w, seL4_CPtr cap, seL4_Word rights, sel4vspace_call_result_t *out)
{
    seL4_CapRights_t mask;
    mask.words[0] = rights;
    out->cap = sel4vspace_host_copy_cap(w, cap, mask);
    return reported(out, out->cap != seL4_CapNull ? seL4_NoError : seL4_NotEnoughMemory);
}

int sel4vspace_host_call_delete_frame(host_world_t *w, const seL4_CPtr *family, size_t nfamily, vka_object_t *object,
                                      int shared, sel4vspace_call_result_t *out)
{
    return reported(out, sel4vspace_host_delete_frame(w, family, nfamily, object, shared));
}

int sel4vspace_host_call_tear_down(sel4vspace_vspace_cell_t *cell, const seL4_CPtr *callers, size_t ncallers,
                                   const seL4_Word *shared, size_t nshared, sel4vspace_call_result_t *out)
{
    int error = sel4vspace_host_tear_down(cell->vspace, callers, ncallers, shared, nshared);
    if (error == seL4_NoError) {
        cell->vspace = NULL;
    }
    return reported(out, error);
}
