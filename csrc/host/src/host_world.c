/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host worlds and the life cycle of the vspaces in them, as a seL4 process
 * loader runs it: allocate a PML4, give it an ASID, hand it to sel4utils with
 * a loader for bookkeeping; at the end tear the vspace down and free what it
 * reported allocating (sel4utils leaves that to the owner), then the PML4.
 */

#include <string.h>

#include <utils/util.h>
#include <vka/capops.h>
#include <vka/object.h>
#include <sel4utils/vspace.h>
#include <sel4vspace_host/alloc.h>

#include "host_internal.h"

#define HOST_CAT HOST_ALLOC_HOST_LAYER

struct host_vspace {
    host_world_t *world;
    host_vspace_t *next;           /* the world's list of live vspaces */
    host_vspace_t *prev;
    vspace_t vspace;
    sel4utils_alloc_data_t data;
    host_vka_ctx_t vka_ctx;        /* the vspace's own vka: frames from slabs of its own */
    vka_t vka;
    vka_object_t root;
    vka_object_t *paging;          /* paging structures reported through allocated_object, in order */
    size_t num_paging;
    size_t paging_capacity;
    int record_failed;             /* a report could not be recorded: that structure will leak */
};

/* ---- worlds ---------------------------------------------------------------------------------- */

host_world_t *sel4vspace_host_world_new(unsigned untyped_size_bits, unsigned cnode_size_bits)
{
    host_world_t *w = host_calloc(HOST_CAT, 1, sizeof(*w));
    if (w == NULL) {
        ZF_LOGE("Out of host memory for a world");
        return NULL;
    }
    w->kernel = sel4sim_kernel_new(untyped_size_bits, cnode_size_bits);
    if (w->kernel == NULL) {
        host_free(HOST_CAT, w, sizeof(*w));
        return NULL;
    }
    sel4sim_kernel_select(w->kernel);
    if (host_vka_init(w) != 0) {
        ZF_LOGE("Out of host memory for the world's vka");
        host_vka_destroy(w);
        sel4sim_kernel_destroy(w->kernel);
        host_free(HOST_CAT, w, sizeof(*w));
        return NULL;
    }
    host_loader_init(w);
    return w;
}

void sel4vspace_host_world_destroy(host_world_t *w)
{
    if (w == NULL) {
        return;
    }
    sel4sim_kernel_select(w->kernel);
    while (w->vspaces != NULL) {
        sel4vspace_host_vspace_destroy(w->vspaces, VSPACE_FREE);
    }
    host_vka_destroy(w);
    sel4sim_kernel_destroy(w->kernel);
    host_free(HOST_CAT, w, sizeof(*w));
}

void sel4vspace_host_world_select(host_world_t *w)
{
    if (w != NULL) {
        sel4sim_kernel_select(w->kernel);
    }
}

sel4sim_kernel_t *sel4vspace_host_world_kernel(host_world_t *w)
{
    return w == NULL ? NULL : w->kernel;
}

vka_t *sel4vspace_host_world_vka(host_world_t *w)
{
    return w == NULL ? NULL : &w->vka;
}

/* ---- objects and caps for callers ------------------------------------------------------------ */

int sel4vspace_host_alloc_frame(host_world_t *w, size_t size_bits, vka_object_t *out)
{
    if (w == NULL || out == NULL) {
        ZF_LOGE("world and out are required");
        return -1;
    }
    sel4sim_kernel_select(w->kernel);
    if (!sel4_valid_size_bits(size_bits)) {
        ZF_LOGE("No frame of 2^%zu bytes", size_bits);
        memset(out, 0, sizeof(*out));
        return -1;
    }
    return vka_alloc_frame(&w->vka, size_bits, out) == 0 ? 0 : -1;
}

int sel4vspace_host_alloc_frames(host_world_t *w, size_t size_bits, size_t n, vka_object_t *out, size_t *failed)
{
    if (w == NULL || (n > 0 && out == NULL)) {
        ZF_LOGE("world and out are required");
        return -1;
    }
    sel4sim_kernel_select(w->kernel);
    if (!sel4_valid_size_bits(size_bits)) {
        ZF_LOGE("No frame of 2^%zu bytes", size_bits);
        return -1;
    }
    seL4_Word type = kobject_get_type(KOBJECT_FRAME, size_bits);
    /*
     * Every slot first, then every object: the frame caps then sit side by side in the root
     * CNode, as one Untyped_Retype of n frames would put them, instead of each between the
     * untyped caps the buddy allocator splits off for it. Caps checked or mapped in bulk are
     * then a fraction of the cache lines.
     */
    size_t slots, made = 0;
    int error = 0;
    for (slots = 0; slots < n; slots++) {
        if ((error = vka_cspace_alloc(&w->vka, &out[slots].cptr)) != 0) {
            ZF_LOGE("No slot for frame %zu of %zu, error %d", slots + 1, n, error);
            break;
        }
    }
    for (; error == 0 && made < n; made++) {
        cspacepath_t path;
        vka_cspace_make_path(&w->vka, out[made].cptr, &path);
        if ((error = vka_utspace_alloc(&w->vka, &path, type, size_bits, &out[made].ut)) != 0) {
            ZF_LOGE("Failed to allocate frame %zu of %zu (2^%zu bytes), error %d", made + 1, n, size_bits, error);
            break;
        }
        out[made].type = type;
        out[made].size_bits = size_bits;
    }
    if (error == 0) {
        return 0;
    }
    /* newest first, so the buddy allocator merges its blocks back as they were */
    for (size_t j = slots; j > made; j--) {
        vka_cspace_free(&w->vka, out[j - 1].cptr);
    }
    for (size_t j = made; j > 0; j--) {
        vka_free_object(&w->vka, &out[j - 1]);
    }
    if (failed != NULL) {
        *failed = slots < n ? slots : made;
    }
    return -1;
}

void sel4vspace_host_free_object(host_world_t *w, vka_object_t *object)
{
    if (w == NULL || object == NULL || object->cptr == seL4_CapNull) {
        ZF_LOGE("world and a non-null object are required");
        return;
    }
    sel4sim_kernel_select(w->kernel);
    vka_free_object(&w->vka, object);
}

seL4_CPtr sel4vspace_host_copy_cap(host_world_t *w, seL4_CPtr cap, seL4_CapRights_t rights)
{
    if (w == NULL) {
        ZF_LOGE("world is required");
        return seL4_CapNull;
    }
    sel4sim_kernel_select(w->kernel);
    cspacepath_t src, dest;
    if (vka_cspace_alloc_path(&w->vka, &dest) != 0) {
        return seL4_CapNull;
    }
    vka_cspace_make_path(&w->vka, cap, &src);
    int error = vka_cnode_mint(&dest, &src, rights, 0);
    if (error != seL4_NoError) {
        ZF_LOGE("Failed to copy cap %lu, error %d", (unsigned long) cap, error);
        vka_cspace_free(&w->vka, dest.capPtr);
        return seL4_CapNull;
    }
    return dest.capPtr;
}

int sel4vspace_host_delete_cap(host_world_t *w, seL4_CPtr cap)
{
    if (w == NULL) {
        ZF_LOGE("world is required");
        return seL4_InvalidArgument;
    }
    sel4sim_kernel_select(w->kernel);
    cspacepath_t path;
    vka_cspace_make_path(&w->vka, cap, &path);
    int error = vka_cnode_delete(&path);
    if (error != seL4_NoError) {
        ZF_LOGE("Failed to delete cap %lu, error %d", (unsigned long) cap, error);
        return error;
    }
    vka_cspace_free(&w->vka, cap);
    return seL4_NoError;
}

/* ---- vspaces --------------------------------------------------------------------------------- */

/* allocated_object callback: the vspace hands over a paging structure it created. */
static void record_paging_object(void *cookie, vka_object_t object)
{
    host_vspace_t *v = cookie;
    if (v->num_paging == v->paging_capacity) {
        size_t capacity = v->paging_capacity ? v->paging_capacity * 2 : 16;
        vka_object_t *grown = host_realloc(HOST_CAT, v->paging, v->paging_capacity * sizeof(*grown),
                                           capacity * sizeof(*grown));
        if (grown == NULL) {
            ZF_LOGE("Out of host memory: paging structure %lu will not be freed", (unsigned long) object.cptr);
            v->record_failed = 1;
            return;
        }
        v->paging = grown;
        v->paging_capacity = capacity;
    }
    v->paging[v->num_paging++] = object;
}

host_vspace_t *sel4vspace_host_vspace_new(host_world_t *w)
{
    if (w == NULL) {
        ZF_LOGE("world is required");
        return NULL;
    }
    sel4sim_kernel_select(w->kernel);
    host_vspace_t *v = host_calloc(HOST_CAT, 1, sizeof(*v));
    if (v == NULL) {
        ZF_LOGE("Out of host memory for a vspace");
        return NULL;
    }
    v->world = w;
    host_vka_make(w, &v->vka_ctx, &v->vka);
    if (vka_alloc_vspace_root(&w->vka, &v->root) != 0) {
        ZF_LOGE("Failed to allocate a PML4");
        host_free(HOST_CAT, v, sizeof(*v));
        return NULL;
    }
    int error = seL4_X86_ASIDPool_Assign(seL4_CapInitThreadASIDPool, v->root.cptr);
    if (error != seL4_NoError) {
        ZF_LOGE("Failed to assign an ASID to the new PML4, error %d", error);
        vka_free_object(&w->vka, &v->root);
        host_free(HOST_CAT, v, sizeof(*v));
        return NULL;
    }
    if (sel4utils_get_vspace(&w->loader, &v->vspace, &v->data, &v->vka, v->root.cptr, record_paging_object, v) != 0) {
        ZF_LOGE("sel4utils_get_vspace failed");
        vka_free_object(&w->vka, &v->root);
        host_free(HOST_CAT, v, sizeof(*v));
        return NULL;
    }
    v->next = w->vspaces;
    if (w->vspaces != NULL) {
        w->vspaces->prev = v;
    }
    w->vspaces = v;
    return v;
}

vspace_t *sel4vspace_host_vspace_vspace(host_vspace_t *v)
{
    return v == NULL ? NULL : &v->vspace;
}

seL4_CPtr sel4vspace_host_vspace_root(host_vspace_t *v)
{
    return v == NULL ? seL4_CapNull : v->root.cptr;
}

host_world_t *sel4vspace_host_vspace_world(host_vspace_t *v)
{
    return v == NULL ? NULL : v->world;
}

void sel4vspace_host_vspace_bulk_frames(host_vspace_t *v, size_t frames)
{
    if (v != NULL) {
        host_vka_bulk_frames(&v->vka_ctx, frames);
    }
}

size_t sel4vspace_host_vspace_paging_objects(host_vspace_t *v)
{
    return v == NULL ? 0 : v->num_paging;
}

void sel4vspace_host_vspace_destroy(host_vspace_t *v, vka_t *free_frames)
{
    if (v == NULL) {
        return;
    }
    host_world_t *w = v->world;
    sel4sim_kernel_select(w->kernel);
    vspace_tear_down(&v->vspace, free_frames);
    /* newest first: page tables before the directories they hang from */
    for (size_t i = v->num_paging; i > 0; i--) {
        vka_free_object(&w->vka, &v->paging[i - 1]);
    }
    /* deleting the last cap to the PML4 also releases its ASID */
    vka_free_object(&w->vka, &v->root);
    if (v->record_failed) {
        ZF_LOGW("Some paging structures of this vspace could not be recorded and were not freed");
    }

    if (v->prev != NULL) {
        v->prev->next = v->next;
    } else {
        w->vspaces = v->next;
    }
    if (v->next != NULL) {
        v->next->prev = v->prev;
    }
    host_vka_ctx_release(&v->vka_ctx);
    host_free(HOST_CAT, v->paging, v->paging_capacity * sizeof(*v->paging));
    host_free(HOST_CAT, v, sizeof(*v));
}
