/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host worlds and the life cycle of the vspaces in them, as a seL4 process
 * loader runs it: allocate a vspace root, give it an ASID, hand it to sel4utils with
 * a loader for bookkeeping; at the end tear the vspace down and free what it
 * reported allocating (sel4utils leaves that to the owner), then the root.
 */

#include <stdlib.h>
#include <string.h>

#include <utils/util.h>
#include <vka/capops.h>
#include <vka/object.h>
#include <sel4utils/vspace.h>
#include <sel4vspace_common/alloc.h>
#include <sel4vspace_host/arch.h>

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
    size_t foreign;                /* see sel4vspace_host_vspace_foreign */
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

static void destroy_world(host_world_t *w, vka_t *free_frames)
{
    sel4sim_kernel_select(w->kernel);
    while (w->vspaces != NULL) {
        sel4vspace_host_vspace_destroy(w->vspaces, free_frames);
    }
    host_vka_destroy(w);
    sel4sim_kernel_destroy(w->kernel);
    host_free(HOST_CAT, w, sizeof(*w));
}

void sel4vspace_host_world_destroy(host_world_t *w)
{
    if (w != NULL) {
        destroy_world(w, VSPACE_FREE);
    }
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
        ZF_LOGE("Failed to allocate a vspace root");
        host_free(HOST_CAT, v, sizeof(*v));
        return NULL;
    }
    int error = sel4vspace_arch_asid_pool_assign(seL4_CapInitThreadASIDPool, v->root.cptr);
    if (error != seL4_NoError) {
        ZF_LOGE("Failed to assign an ASID to the new vspace root, error %d", error);
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

size_t sel4vspace_host_vspace_foreign(host_vspace_t *v)
{
    return v->foreign;
}

void sel4vspace_host_vspace_count_foreign(host_vspace_t *v, size_t more, size_t fewer)
{
    size_t count = v->foreign + more;
    v->foreign = fewer < count ? count - fewer : 0;
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
    /* deleting the last cap to the vspace root also releases its ASID */
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

/* ---- a world's operations that must be all or nothing -------------------------------------------- */

static int compare_words(const void *a, const void *b)
{
    seL4_Word x = *(const seL4_Word *) a, y = *(const seL4_Word *) b;
    return x < y ? -1 : x > y;
}

void sel4vspace_host_sort_words(seL4_Word *a, size_t n)
{
    if (n > 1) {
        qsort(a, n, sizeof(*a), compare_words);
    }
}

bool sel4vspace_host_sorted_contains(const seL4_Word *a, size_t n, seL4_Word x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] == x) {
            return true;
        }
        if (a[mid] < x) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return false;
}

/* Room for the mappings of any vspace of w (NULL with *capacity 0 when none has any, NULL with an
 * error logged when the host is out of memory). Freed with host_free(HOST_CAT, m, *capacity * ...). */
static sel4sim_mapping_t *mapping_room(host_world_t *w, size_t *capacity)
{
    size_t most = 0;
    for (host_vspace_t *v = w->vspaces; v != NULL; v = v->next) {
        size_t n = sel4sim_vspace_mappings(w->kernel, v->root.cptr, NULL, 0);
        most = n > most ? n : most;
    }
    *capacity = most;
    if (most == 0) {
        return NULL;
    }
    sel4sim_mapping_t *room = host_alloc(HOST_CAT, most * sizeof(*room));
    if (room == NULL) {
        ZF_LOGE("Out of host memory for a list of %zu mappings", most);
    }
    return room;
}

/* Unmap one page through the allocator that recorded it: a cap among callers is kept, a copy the
 * allocator made (no cookie) is deleted, the allocator's own frame is left (returns false). */
static bool unmap_recorded(host_vspace_t *v, const sel4sim_mapping_t *m, const seL4_CPtr *callers, size_t ncallers)
{
    void *page = (void *) m->vaddr;
    if (sel4vspace_host_sorted_contains(callers, ncallers, m->frame_cap)) {
        vspace_unmap_pages(&v->vspace, page, 1, m->size_bits, VSPACE_PRESERVE);
        return true;
    }
    if (vspace_get_cookie(&v->vspace, page) != 0) {
        return false;
    }
    vspace_unmap_pages(&v->vspace, page, 1, m->size_bits, VSPACE_FREE);
    return true;
}

static void release_in(host_world_t *w, sel4sim_mapping_t *room, size_t capacity, const seL4_Word *paddrs,
                       size_t npaddrs, const seL4_CPtr *callers, size_t ncallers)
{
    for (host_vspace_t *v = w->vspaces; v != NULL && npaddrs > 0; v = v->next) {
        size_t n = sel4sim_vspace_mappings(w->kernel, v->root.cptr, room, capacity);
        n = n < capacity ? n : capacity;
        for (size_t i = 0; i < n; i++) {
            if (sel4vspace_host_sorted_contains(paddrs, npaddrs, room[i].paddr)) {
                unmap_recorded(v, &room[i], callers, ncallers);
            }
        }
    }
}

int sel4vspace_host_release_paddrs(host_world_t *w, const seL4_Word *paddrs, size_t npaddrs, const seL4_CPtr *callers,
                        size_t ncallers)
{
    if (npaddrs == 0) {
        return 0;
    }
    size_t capacity;
    sel4sim_mapping_t *room = mapping_room(w, &capacity);
    if (room == NULL && capacity > 0) {
        return -1;
    }
    release_in(w, room, capacity, paddrs, npaddrs, callers, ncallers);
    host_free(HOST_CAT, room, capacity * sizeof(*room));
    return 0;
}

void sel4vspace_host_world_close(host_world_t *w)
{
    if (w != NULL) {
        destroy_world(w, VSPACE_PRESERVE);
    }
}

/* Unmap cap's mapping (if any) through the vspace of w whose allocator recorded it. */
static void unmap_callers_cap(host_world_t *w, seL4_CPtr cap)
{
    sel4sim_cap_info_t info;
    if (sel4sim_cap_info(w->kernel, cap, &info) != 0 || !info.mapped) {
        return;
    }
    void *page = (void *) info.mapped_vaddr;
    for (host_vspace_t *v = w->vspaces; v != NULL; v = v->next) {
        if (vspace_get_cap(&v->vspace, page) == cap) {
            vspace_unmap_pages(&v->vspace, page, 1, info.size_bits, VSPACE_PRESERVE);
            return;
        }
    }
}

int sel4vspace_host_delete_frame(host_world_t *w, const seL4_CPtr *family, size_t nfamily, vka_object_t *object,
                                 int shared)
{
    if (w == NULL || family == NULL || nfamily == 0 || (object == NULL && nfamily != 1)) {
        ZF_LOGE("a world and a cap (an original with its copies, or one copy) are required");
        return seL4_InvalidArgument;
    }
    sel4sim_kernel_select(w->kernel);
    sel4sim_cap_info_t info;
    if (sel4sim_cap_info(w->kernel, family[0], &info) != 0) {
        ZF_LOGE("Cap %lu is empty", (unsigned long) family[0]);
        return seL4_InvalidCapability;
    }
    /* all the memory it needs first, so that running out changes nothing */
    size_t capacity = 0;
    sel4sim_mapping_t *room = NULL;
    if (object != NULL && shared) {
        room = mapping_room(w, &capacity);
        if (room == NULL && capacity > 0) {
            return seL4_NotEnoughMemory;
        }
    }
    seL4_CPtr *sorted = host_alloc(HOST_CAT, nfamily * sizeof(*sorted));
    if (sorted == NULL) {
        ZF_LOGE("Out of host memory for %zu caps", nfamily);
        host_free(HOST_CAT, room, capacity * sizeof(*room));
        return seL4_NotEnoughMemory;
    }
    memcpy(sorted, family, nfamily * sizeof(*sorted));
    sel4vspace_host_sort_words(sorted, nfamily);

    for (size_t i = 0; i < nfamily; i++) {
        unmap_callers_cap(w, family[i]);
    }
    if (room != NULL) {
        seL4_Word paddr = info.paddr;
        release_in(w, room, capacity, &paddr, 1, sorted, nfamily);
    }
    host_free(HOST_CAT, room, capacity * sizeof(*room));
    host_free(HOST_CAT, sorted, nfamily * sizeof(*sorted));

    if (object == NULL) {
        int error = sel4vspace_host_delete_cap(w, family[0]);
        return error;
    }
    cspacepath_t path;
    vka_cspace_make_path(&w->vka, family[0], &path);
    int error = vka_cnode_revoke(&path);
    if (error != seL4_NoError) {
        ZF_LOGE("Failed to revoke cap %lu, error %d", (unsigned long) family[0], error);
        return error;
    }
    for (size_t i = 1; i < nfamily; i++) {
        vka_cspace_free(&w->vka, family[i]);   /* revoked with the original: only the slot is left */
    }
    vka_free_object(&w->vka, object);
    return seL4_NoError;
}

int sel4vspace_host_tear_down(host_vspace_t *v, const seL4_CPtr *callers, size_t ncallers, const seL4_Word *shared,
                              size_t nshared)
{
    if (v == NULL) {
        ZF_LOGE("a vspace is required");
        return seL4_InvalidArgument;
    }
    host_world_t *w = v->world;
    sel4sim_kernel_select(w->kernel);
    /* all the memory it needs first, so that running out changes nothing */
    size_t capacity;
    sel4sim_mapping_t *room = mapping_room(w, &capacity);
    if (room == NULL && capacity > 0) {
        return seL4_NotEnoughMemory;
    }
    seL4_Word *own = capacity > 0 ? host_alloc(HOST_CAT, capacity * sizeof(*own)) : NULL;
    if (own == NULL && capacity > 0) {
        ZF_LOGE("Out of host memory for the addresses of %zu pages", capacity);
        host_free(HOST_CAT, room, capacity * sizeof(*room));
        return seL4_NotEnoughMemory;
    }

    size_t n = sel4sim_vspace_mappings(w->kernel, v->root.cptr, room, capacity), nown = 0;
    n = n < capacity ? n : capacity;
    for (size_t i = 0; i < n; i++) {
        if (!unmap_recorded(v, &room[i], callers, ncallers)
            && sel4vspace_host_sorted_contains(shared, nshared, room[i].paddr)) {
            own[nown++] = room[i].paddr;   /* freed by the tear down: its copies elsewhere go first */
        }
    }
    sel4vspace_host_sort_words(own, nown);
    release_in(w, room, capacity, own, nown, callers, ncallers);
    host_free(HOST_CAT, own, capacity * sizeof(*own));
    host_free(HOST_CAT, room, capacity * sizeof(*room));
    sel4vspace_host_vspace_destroy(v, VSPACE_FREE);
    return seL4_NoError;
}
