/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The host vka.
 *
 * Cslots come from the empty region the boot info reports, through a stack of
 * freed slots and a bitmap that catches double frees.
 *
 * Objects come from a buddy system over the boot untypeds: a free block of
 * 2^n bytes is an untyped cap with no children; splitting retypes it into two
 * untypeds of 2^(n-1); an object is retyped from a block of its own size.
 * Freeing revokes the block's untyped (seL4 resets an untyped whose children
 * are all gone, so the memory can be retyped again) and merges it with its
 * buddy when that is free too, deleting both half-size caps. With eager
 * merging the block structure depends only on which objects are live, so
 * freeing everything a vspace allocated restores every cslot and byte.
 *
 * 4 KiB frames made by the thousand in one call (vspace_new_pages through the
 * Python API, which announces them: sel4vspace_host_vspace_bulk_frames) come
 * from slabs instead: a block of 2^slab_bits bytes (64 KiB on a large machine)
 * from which frames are retyped one after another, as seL4 retypes at an
 * untyped's watermark. A frame then costs its own cap and a sixteenth of two
 * untyped caps instead of two: 1 GiB of frames fits a root CNode of 2^19
 * slots. Only whole slabs are taken for a call, from its vspace's own vka, so
 * no slab is ever shared with another call's frames and none keeps a free
 * tail: a call that fails part-way frees every frame it made, which empties
 * its slabs, and they go back exactly as they came. A freed frame's memory
 * comes back once every frame of its slab is freed: the slab is revoked
 * (deleting any cap to its frames left behind) and returns to the buddy system
 * as one block. Slabs are at most 1/256 of the boot untyped, so a small
 * machine keeps one block per frame.
 *
 * A vka cookie is a block id (an index into a table), never a pointer, so a
 * stale or made-up cookie is refused instead of followed. A frame from a slab
 * has the slab's id in the low 32 bits and its index + 1 above them.
 */

#include <string.h>

#include <sel4/sel4.h>
#include <utils/util.h>
#include <vka/object.h>
#include <sel4vspace_common/alloc.h>
#include <sel4vspace_common/log.h>
#include <sel4vspace_host/arch.h>

#include "host_internal.h"

#define HOST_CAT HOST_ALLOC_HOST_LAYER
#define HOST_SLAB_BITS 16

/* ---- cslots ---------------------------------------------------------------------------------- */

static bool slot_in_use(host_cspace_t *cs, seL4_CPtr slot)
{
    size_t i = slot - cs->first;
    return (cs->in_use[i / 8] >> (i % 8)) & 1;
}

static void set_slot_in_use(host_cspace_t *cs, seL4_CPtr slot, bool used)
{
    size_t i = slot - cs->first;
    if (used) {
        cs->in_use[i / 8] |= (uint8_t)(1u << (i % 8));
    } else {
        cs->in_use[i / 8] &= (uint8_t) ~(1u << (i % 8));
    }
}

static int cspace_alloc_slot(host_cspace_t *cs, seL4_CPtr *out)
{
    seL4_CPtr slot;
    if (cs->free_count > 0) {
        slot = cs->free_stack[--cs->free_count];
    } else if (cs->next_unused < cs->end) {
        slot = cs->next_unused++;
    } else {
        ZF_LOGE("The root CNode has no free slot left (its %lu slots from %lu on are all in use)",
                (unsigned long) (cs->end - cs->first), (unsigned long) cs->first);
        return -1;
    }
    set_slot_in_use(cs, slot, true);
    *out = slot;
    return 0;
}

static int cspace_free_slot(host_cspace_t *cs, seL4_CPtr slot)
{
    if (slot < cs->first || slot >= cs->next_unused || !slot_in_use(cs, slot)) {
        ZF_LOGE("Slot %lu was not allocated by this vka", (unsigned long) slot);
        return -1;
    }
    if (cs->free_count == cs->free_capacity) {
        size_t capacity = cs->free_capacity ? cs->free_capacity * 2 : 64;
        seL4_CPtr *grown = host_realloc(HOST_CAT, cs->free_stack, cs->free_capacity * sizeof(seL4_CPtr),
                                        capacity * sizeof(seL4_CPtr));
        if (grown == NULL) {
            ZF_LOGE("Out of host memory: slot %lu is lost", (unsigned long) slot);
            set_slot_in_use(cs, slot, false);
            return -1;
        }
        cs->free_stack = grown;
        cs->free_capacity = capacity;
    }
    set_slot_in_use(cs, slot, false);
    cs->free_stack[cs->free_count++] = slot;
    return 0;
}

/* A refused cslot is noted as a cause in the calling thread's log state, so that it explains only
 * that thread's failure, and only until the thread's next clear. */
static int cspace_alloc_counted(host_world_t *w, seL4_CPtr *res)
{
    int error = cspace_alloc_slot(&w->cspace, res);
    if (error != 0) {
        sel4vspace_log_note_cause(SEL4VSPACE_HOST_CAUSE_CSLOTS_RAN_OUT);
    }
    return error;
}

static void make_path(seL4_CPtr slot, cspacepath_t *path)
{
    /* every slot is in the root CNode, which resolves a full word at depth seL4_WordBits */
    memset(path, 0, sizeof(*path));
    path->capPtr = slot;
    path->capDepth = seL4_WordBits;
    path->root = seL4_CapInitThreadCNode;
    path->dest = 0;
    path->destDepth = 0;   /* depth 0: the destination CNode is the root itself */
    path->offset = slot;
    path->window = 1;
}

/* ---- blocks ---------------------------------------------------------------------------------- */

static host_block_t *block_by_id(host_untyped_t *u, seL4_Word id)
{
    if (id == 0 || id >= u->id_capacity) {
        return NULL;
    }
    return u->by_id[id];
}

static host_block_t *block_new(host_untyped_t *u, seL4_Word paddr, unsigned size_bits, seL4_CPtr cap,
                               host_block_t *parent)
{
    host_block_t *b = host_calloc(HOST_CAT, 1, sizeof(*b));
    if (b == NULL) {
        return NULL;
    }
    seL4_Word id;
    if (u->free_id_count > 0) {
        id = u->free_ids[--u->free_id_count];
    } else {
        if (u->next_id >= u->id_capacity) {
            size_t capacity = u->id_capacity ? u->id_capacity * 2 : 256;
            host_block_t **grown = host_realloc(HOST_CAT, u->by_id, u->id_capacity * sizeof(*grown),
                                                capacity * sizeof(*grown));
            if (grown == NULL) {
                host_free(HOST_CAT, b, sizeof(*b));
                return NULL;
            }
            memset(grown + u->id_capacity, 0, (capacity - u->id_capacity) * sizeof(*grown));
            u->by_id = grown;
            u->id_capacity = capacity;
        }
        id = u->next_id++;
    }
    b->paddr = paddr;
    b->size_bits = (uint8_t) size_bits;
    b->cap = cap;
    b->parent = parent;
    b->id = id;
    b->state = HOST_BLOCK_FREE;
    u->by_id[id] = b;
    return b;
}

/* Forget a block's node (its cap is the caller's business). */
static void block_release(host_untyped_t *u, host_block_t *b)
{
    u->by_id[b->id] = NULL;
    if (u->free_id_count == u->free_id_capacity) {
        size_t capacity = u->free_id_capacity ? u->free_id_capacity * 2 : 64;
        seL4_Word *grown = host_realloc(HOST_CAT, u->free_ids, u->free_id_capacity * sizeof(seL4_Word),
                                        capacity * sizeof(seL4_Word));
        if (grown != NULL) {
            u->free_ids = grown;
            u->free_id_capacity = capacity;
        }
    }
    if (u->free_id_count < u->free_id_capacity) {
        u->free_ids[u->free_id_count++] = b->id;
    }
    host_free(HOST_CAT, b, sizeof(*b));
}

static void free_list_push(host_untyped_t *u, host_block_t *b)
{
    b->state = HOST_BLOCK_FREE;
    b->free_prev = NULL;
    b->free_next = u->free_lists[b->size_bits];
    if (b->free_next != NULL) {
        b->free_next->free_prev = b;
    }
    u->free_lists[b->size_bits] = b;
    u->free_bytes += BIT(b->size_bits);
}

static void free_list_remove(host_untyped_t *u, host_block_t *b)
{
    if (b->free_prev != NULL) {
        b->free_prev->free_next = b->free_next;
    } else {
        u->free_lists[b->size_bits] = b->free_next;
    }
    if (b->free_next != NULL) {
        b->free_next->free_prev = b->free_prev;
    }
    b->free_prev = b->free_next = NULL;
    u->free_bytes -= BIT(b->size_bits);
}

static void delete_cap(seL4_CPtr cap)
{
    int error = seL4_CNode_Delete(seL4_CapInitThreadCNode, cap, seL4_WordBits);
    if (error != seL4_NoError) {
        ZF_LOGE("Failed to delete cap %lu, error %d", (unsigned long) cap, error);
    }
}

/*
 * b (a free block, off the free lists, with no children in the kernel) goes
 * back: merged with its buddy as far up as both halves are free, then onto
 * the free list of whatever block results.
 */
static void block_put_free(host_world_t *w, host_block_t *b)
{
    host_untyped_t *u = &w->untyped;
    b->state = HOST_BLOCK_FREE;
    while (!b->is_root) {
        host_block_t *parent = b->parent;
        host_block_t *buddy = parent->children[parent->children[0] == b ? 1 : 0];
        if (buddy->state != HOST_BLOCK_FREE) {
            break;
        }
        free_list_remove(u, buddy);
        for (int i = 0; i < 2; i++) {
            host_block_t *half = parent->children[i];
            delete_cap(half->cap);
            cspace_free_slot(&w->cspace, half->cap);
            block_release(u, half);
            parent->children[i] = NULL;
        }
        b = parent;
        b->state = HOST_BLOCK_FREE;
    }
    free_list_push(u, b);
}

/* Retype free block b (off the free lists) into two free halves, both put on the free lists. */
static int block_split(host_world_t *w, host_block_t *b)
{
    host_untyped_t *u = &w->untyped;
    unsigned half_bits = b->size_bits - 1u;
    if (half_bits < seL4_MinUntypedBits) {
        return -1;
    }
    host_block_t *halves[2] = { NULL, NULL };
    int error = 0;
    for (int i = 0; i < 2 && error == 0; i++) {
        seL4_CPtr slot;
        if (cspace_alloc_counted(w, &slot) != 0) {
            error = -1;
            break;
        }
        /* an untyped retypes from its watermark: the first half lands at offset 0, the second after it */
        error = seL4_Untyped_Retype(b->cap, seL4_UntypedObject, half_bits, seL4_CapInitThreadCNode, 0, 0, slot, 1);
        if (error != seL4_NoError) {
            ZF_LOGE("Splitting untyped %lu failed, error %d", (unsigned long) b->cap, error);
            cspace_free_slot(&w->cspace, slot);
            break;
        }
        halves[i] = block_new(u, b->paddr + ((seL4_Word) i << half_bits), half_bits, slot, b);
        if (halves[i] == NULL) {
            ZF_LOGE("Out of host memory for untyped bookkeeping");
            delete_cap(slot);
            cspace_free_slot(&w->cspace, slot);
            error = -1;
        }
    }
    if (error != 0) {
        for (int i = 0; i < 2; i++) {
            if (halves[i] != NULL) {
                delete_cap(halves[i]->cap);
                cspace_free_slot(&w->cspace, halves[i]->cap);
                block_release(u, halves[i]);
            }
        }
        return error;
    }
    b->state = HOST_BLOCK_SPLIT;
    b->children[0] = halves[0];
    b->children[1] = halves[1];
    free_list_push(u, halves[1]);
    free_list_push(u, halves[0]);
    return 0;
}

/* A free block of exactly 2^order bytes, off the free lists, or NULL. */
static host_block_t *take_block(host_world_t *w, unsigned order)
{
    host_untyped_t *u = &w->untyped;
    unsigned k = order;
    while (k < HOST_MAX_ORDER && u->free_lists[k] == NULL) {
        k++;
    }
    if (k == HOST_MAX_ORDER) {
        return NULL;
    }
    host_block_t *b = u->free_lists[k];
    free_list_remove(u, b);
    while (b->size_bits > order) {
        if (block_split(w, b) != 0) {
            block_put_free(w, b);
            return NULL;
        }
        b = b->children[0];
        free_list_remove(u, b);
    }
    return b;
}

/* The block an object of this type and size needs: its size in bits, at least the smallest untyped. */
static int object_order(seL4_Word type, seL4_Word size_bits, unsigned *order)
{
    if (type >= seL4_ObjectTypeCount) {
        ZF_LOGE("Unknown object type %lu", (unsigned long) type);
        return -1;
    }
    if (size_bits >= HOST_MAX_ORDER) {
        ZF_LOGE("Object size 2^%lu is out of range", (unsigned long) size_bits);
        return -1;
    }
    unsigned long bits = vka_get_object_size(type, size_bits);
    if (bits == 0 || bits >= HOST_MAX_ORDER) {
        ZF_LOGE("No object of type %lu with size argument %lu", (unsigned long) type, (unsigned long) size_bits);
        return -1;
    }
    *order = bits < seL4_MinUntypedBits ? seL4_MinUntypedBits : (unsigned) bits;
    return 0;
}

static int retype_into(host_world_t *w, host_block_t *b, const cspacepath_t *dest, seL4_Word type,
                       seL4_Word size_bits, seL4_Word *cookie)
{
    int error = seL4_Untyped_Retype(b->cap, type, size_bits, dest->root, dest->dest, dest->destDepth, dest->offset, 1);
    if (error != seL4_NoError) {
        ZF_LOGE("Retyping a block of 2^%u bytes into type %lu failed, error %d", b->size_bits,
                (unsigned long) type, error);
        block_put_free(w, b);
        return error;
    }
    b->state = HOST_BLOCK_ALLOCATED;
    *cookie = b->id;
    return 0;
}

/* ---- slabs of 4 KiB frames ------------------------------------------------------------------- */

#define SLAB_COOKIE_SHIFT 32

static unsigned slab_capacity(const host_untyped_t *u)
{
    return 1u << (u->slab_bits - seL4_PageBits);
}

static int slab_retype(host_world_t *w, host_block_t *b, const cspacepath_t *dest, seL4_Word *cookie);

/* A frame from the current slab, or from a new one while the budget covers a whole slab; 1 when
 * neither (the caller then takes a block of the frame's own size), else 0 or an error. */
static int slab_alloc_frame(host_vka_ctx_t *ctx, const cspacepath_t *dest, seL4_Word *cookie)
{
    host_world_t *w = ctx->world;
    host_untyped_t *u = &w->untyped;
    host_block_t *b = ctx->slab;
    if (b == NULL || b->slab_next == slab_capacity(u)) {
        if (ctx->slab_budget < slab_capacity(u)) {
            return 1;
        }
        host_block_t *fresh = take_block(w, u->slab_bits);
        if (fresh == NULL) {
            return 1;
        }
        if (b != NULL) {
            b->slab_owner = NULL;
        }
        b = fresh;
        b->state = HOST_BLOCK_SLAB;
        b->slab_live = 0;
        b->slab_next = 0;
        b->slab_owner = ctx;
        u->free_bytes += BIT(u->slab_bits); /* free until frames are retyped from it */
        ctx->slab = b;
        ctx->slab_budget -= slab_capacity(u);
    }
    int error = slab_retype(w, b, dest, cookie);
    if (error != seL4_NoError && b->slab_live == 0) {
        ctx->slab = NULL;
        ctx->slab_budget += slab_capacity(u);
        u->free_bytes -= BIT(u->slab_bits);
        block_put_free(w, b);
    }
    return error;
}

/* Retype the next frame of slab b (which has room) into dest. */
static int slab_retype(host_world_t *w, host_block_t *b, const cspacepath_t *dest, seL4_Word *cookie)
{
    host_untyped_t *u = &w->untyped;
    int error = seL4_Untyped_Retype(b->cap, sel4vspace_arch()->frame_sizes[0].object.type, seL4_PageBits, dest->root, dest->dest, dest->destDepth,
                                    dest->offset, 1);
    if (error != seL4_NoError) {
        ZF_LOGE("Retyping a frame from the slab at 0x%lx failed, error %d", (unsigned long) b->paddr, error);
        return error;
    }
    unsigned index = b->slab_next++;
    b->slab_live |= 1ull << index;
    u->free_bytes -= BIT(seL4_PageBits);
    *cookie = b->id | ((seL4_Word) (index + 1) << SLAB_COOKIE_SHIFT);
    return 0;
}

/* The slab of a slab frame's cookie and the frame's index, or NULL when the cookie names none. */
static host_block_t *slab_of(host_untyped_t *u, seL4_Word cookie, unsigned *index)
{
    seL4_Word above = cookie >> SLAB_COOKIE_SHIFT;
    host_block_t *b = block_by_id(u, cookie & MASK(SLAB_COOKIE_SHIFT));
    if (above == 0 || above > 64 || b == NULL || b->state != HOST_BLOCK_SLAB
        || !((b->slab_live >> (above - 1)) & 1)) {
        return NULL;
    }
    *index = (unsigned) (above - 1);
    return b;
}

static void slab_free_frame(host_world_t *w, host_block_t *b, unsigned index)
{
    host_untyped_t *u = &w->untyped;
    b->slab_live &= ~(1ull << index);
    if (b->slab_live != 0) {
        return; /* the slab's memory stays retyped until its last frame goes */
    }
    /* caps to its frames the callers did not delete would keep the memory from being reset */
    int error = seL4_CNode_Revoke(seL4_CapInitThreadCNode, b->cap, seL4_WordBits);
    if (error != seL4_NoError) {
        ZF_LOGE("Failed to revoke untyped %lu, error %d", (unsigned long) b->cap, error);
    }
    u->free_bytes -= (seL4_Word) (slab_capacity(u) - b->slab_next) << seL4_PageBits;
    if (b->slab_owner != NULL) {
        b->slab_owner->slab = NULL;
    }
    block_put_free(w, b);
}

/* ---- vka operations -------------------------------------------------------------------------- */

static int host_cspace_alloc(void *data, seL4_CPtr *res)
{
    host_world_t *w = ((host_vka_ctx_t *) data)->world;
    sel4sim_kernel_select(w->kernel);
    return cspace_alloc_counted(w, res);
}

static void host_cspace_make_path(void *data, seL4_CPtr slot, cspacepath_t *res)
{
    (void) data;
    make_path(slot, res);
}

static void host_cspace_free(void *data, seL4_CPtr slot)
{
    host_world_t *w = ((host_vka_ctx_t *) data)->world;
    cspace_free_slot(&w->cspace, slot);
}

static int host_utspace_alloc_maybe_device(void *data, const cspacepath_t *dest, seL4_Word type, seL4_Word size_bits,
                                           bool can_use_dev, seL4_Word *res)
{
    /* the simulated machine has no device memory: every request is served from RAM, and counted,
     * so tests can tell a caller that asked for device memory from one that did not */
    host_world_t *w = ((host_vka_ctx_t *) data)->world;
    w->device_requests += can_use_dev;
    sel4sim_kernel_select(w->kernel);
    unsigned order;
    if (dest == NULL || res == NULL || object_order(type, size_bits, &order) != 0) {
        return seL4_InvalidArgument;
    }
    if (type == sel4vspace_arch()->frame_sizes[0].object.type && w->untyped.slab_bits > seL4_PageBits) {
        int from_slab = slab_alloc_frame(data, dest, res);
        if (from_slab != 1) {
            return from_slab;
        }
    }
    host_block_t *b = take_block(w, order);
    if (b == NULL) {
        ZF_LOGE("Out of untyped memory for an object of 2^%u bytes", order);
        sel4vspace_log_note_cause(SEL4VSPACE_HOST_CAUSE_UNTYPED_RAN_OUT);
        return seL4_NotEnoughMemory;
    }
    return retype_into(w, b, dest, type, size_bits, res);
}

static int host_utspace_alloc(void *data, const cspacepath_t *dest, seL4_Word type, seL4_Word size_bits,
                              seL4_Word *res)
{
    return host_utspace_alloc_maybe_device(data, dest, type, size_bits, false, res);
}

static int host_utspace_alloc_at(void *data, const cspacepath_t *dest, seL4_Word type, seL4_Word size_bits,
                                 uintptr_t paddr, seL4_Word *cookie)
{
    host_world_t *w = ((host_vka_ctx_t *) data)->world;
    host_untyped_t *u = &w->untyped;
    sel4sim_kernel_select(w->kernel);
    unsigned order;
    if (dest == NULL || cookie == NULL || object_order(type, size_bits, &order) != 0) {
        return seL4_InvalidArgument;
    }
    if (paddr & MASK(order)) {
        ZF_LOGE("Physical address 0x%lx is not aligned for an object of 2^%u bytes", (unsigned long) paddr, order);
        return seL4_AlignmentError;
    }
    host_block_t *b = NULL;
    for (size_t i = 0; i < u->num_roots; i++) {
        host_block_t *root = u->roots[i];
        if (paddr >= root->paddr && paddr - root->paddr < BIT(root->size_bits)) {
            b = root;
        }
    }
    if (b == NULL || b->size_bits < order) {
        ZF_LOGE("No untyped memory of 2^%u bytes at physical address 0x%lx", order, (unsigned long) paddr);
        return seL4_RangeError;
    }
    /* walk down to the block of the wanted size containing paddr, splitting free blocks on the way */
    while (true) {
        if (b->state == HOST_BLOCK_ALLOCATED || b->state == HOST_BLOCK_SLAB
            || (b->size_bits == order && b->state == HOST_BLOCK_SPLIT)) {
            ZF_LOGE("Physical address 0x%lx is already in use", (unsigned long) paddr);
            return seL4_DeleteFirst;
        }
        if (b->state == HOST_BLOCK_FREE) {
            free_list_remove(u, b);
            if (b->size_bits == order) {
                break;
            }
            if (block_split(w, b) != 0) {
                block_put_free(w, b);
                return seL4_NotEnoughMemory;
            }
        }
        b = b->children[(paddr - b->paddr) >> (b->size_bits - 1u)];
    }
    return retype_into(w, b, dest, type, size_bits, cookie);
}

static void host_utspace_free(void *data, seL4_Word type, seL4_Word size_bits, seL4_Word target)
{
    (void) type;
    (void) size_bits;
    host_world_t *w = ((host_vka_ctx_t *) data)->world;
    sel4sim_kernel_select(w->kernel);
    unsigned index;
    host_block_t *slab = slab_of(&w->untyped, target, &index);
    if (slab != NULL) {
        slab_free_frame(w, slab, index);
        return;
    }
    host_block_t *b = block_by_id(&w->untyped, target);
    if (b == NULL || b->state != HOST_BLOCK_ALLOCATED) {
        ZF_LOGE("Cookie %lu names no allocated object", (unsigned long) target);
        return;
    }
    /* caps to the object the caller did not delete would keep the memory from being reset */
    int error = seL4_CNode_Revoke(seL4_CapInitThreadCNode, b->cap, seL4_WordBits);
    if (error != seL4_NoError) {
        ZF_LOGE("Failed to revoke untyped %lu, error %d", (unsigned long) b->cap, error);
    }
    block_put_free(w, b);
}

static uintptr_t host_utspace_paddr(void *data, seL4_Word target, seL4_Word type, seL4_Word size_bits)
{
    (void) type;
    (void) size_bits;
    host_world_t *w = ((host_vka_ctx_t *) data)->world;
    unsigned index;
    host_block_t *slab = slab_of(&w->untyped, target, &index);
    if (slab != NULL) {
        return slab->paddr + ((seL4_Word) index << seL4_PageBits);
    }
    host_block_t *b = block_by_id(&w->untyped, target);
    if (b == NULL || b->state != HOST_BLOCK_ALLOCATED) {
        ZF_LOGE("Cookie %lu names no allocated object", (unsigned long) target);
        return VKA_NO_PADDR;
    }
    return b->paddr;
}

/* ---- set up and tear down -------------------------------------------------------------------- */

int host_vka_init(host_world_t *w)
{
    const seL4_BootInfo *bi = sel4sim_kernel_bootinfo(w->kernel);
    if (bi == NULL) {
        ZF_LOGE("The kernel has no boot info");
        return -1;
    }
    host_cspace_t *cs = &w->cspace;
    cs->first = bi->empty.start;
    cs->end = bi->empty.end;
    cs->next_unused = cs->first;
    if (cs->end > cs->first) {
        cs->in_use_bytes = (cs->end - cs->first + 7) / 8;
        cs->in_use = host_calloc(HOST_CAT, 1, cs->in_use_bytes);
        if (cs->in_use == NULL) {
            return -1;
        }
    }

    host_untyped_t *u = &w->untyped;
    u->next_id = 1;
    size_t count = bi->untyped.end - bi->untyped.start;
    unsigned largest = 0;
    for (size_t i = 0; i < count; i++) {
        if (!bi->untypedList[i].isDevice && bi->untypedList[i].sizeBits > largest) {
            largest = bi->untypedList[i].sizeBits;
        }
    }
    /* slabs of 16 frames, never more than 1/256 of the largest untyped (none below 2^20) */
    u->slab_bits = largest >= HOST_SLAB_BITS + 8 ? HOST_SLAB_BITS
                   : largest >= seL4_PageBits + 8 ? largest - 8 : seL4_PageBits;
    if (count > 0) {
        u->roots = host_calloc(HOST_CAT, count, sizeof(*u->roots));
        if (u->roots == NULL) {
            return -1;
        }
        u->roots_capacity = count;
    }
    for (size_t i = 0; i < count; i++) {
        const seL4_UntypedDesc *desc = &bi->untypedList[i];
        if (desc->isDevice) {
            continue;
        }
        host_block_t *b = block_new(u, desc->paddr, desc->sizeBits, bi->untyped.start + i, NULL);
        if (b == NULL) {
            return -1;
        }
        b->is_root = 1;
        u->roots[u->num_roots++] = b;
        free_list_push(u, b);
    }

    w->vka_ctx = (host_vka_ctx_t) { .world = w, .slab = NULL, .slab_budget = 0 };
    w->vka = (vka_t) {
        .data = &w->vka_ctx,
        .cspace_alloc = host_cspace_alloc,
        .cspace_make_path = host_cspace_make_path,
        .utspace_alloc = host_utspace_alloc,
        .utspace_alloc_maybe_device = host_utspace_alloc_maybe_device,
        .utspace_alloc_at = host_utspace_alloc_at,
        .cspace_free = host_cspace_free,
        .utspace_free = host_utspace_free,
        .utspace_paddr = host_utspace_paddr,
    };
    return 0;
}

void host_vka_make(host_world_t *w, host_vka_ctx_t *ctx, vka_t *vka)
{
    ctx->world = w;
    ctx->slab = NULL;
    ctx->slab_budget = 0;
    *vka = w->vka;
    vka->data = ctx;
}

void host_vka_bulk_frames(host_vka_ctx_t *ctx, size_t frames)
{
    host_untyped_t *u = &ctx->world->untyped;
    if (u->slab_bits == seL4_PageBits) {
        return;
    }
    /* whole slabs only; the frames of the last one in hand are no longer this call's */
    ctx->slab_budget = frames - frames % slab_capacity(u);
    if (ctx->slab != NULL) {
        ctx->slab->slab_owner = NULL;
        ctx->slab = NULL;
    }
}

void host_vka_ctx_release(host_vka_ctx_t *ctx)
{
    if (ctx->slab != NULL) {
        ctx->slab->slab_owner = NULL;
        ctx->slab = NULL;
    }
}

static void release_tree(host_untyped_t *u, host_block_t *b)
{
    for (int i = 0; i < 2; i++) {
        if (b->children[i] != NULL) {
            release_tree(u, b->children[i]);
        }
    }
    host_free(HOST_CAT, b, sizeof(*b));
}

void host_vka_destroy(host_world_t *w)
{
    host_untyped_t *u = &w->untyped;
    for (size_t i = 0; i < u->num_roots; i++) {
        release_tree(u, u->roots[i]);
    }
    host_free(HOST_CAT, u->roots, u->roots_capacity * sizeof(*u->roots));
    host_free(HOST_CAT, u->by_id, u->id_capacity * sizeof(*u->by_id));
    host_free(HOST_CAT, u->free_ids, u->free_id_capacity * sizeof(*u->free_ids));
    host_free(HOST_CAT, w->cspace.free_stack, w->cspace.free_capacity * sizeof(seL4_CPtr));
    host_free(HOST_CAT, w->cspace.in_use, w->cspace.in_use_bytes);
    memset(u, 0, sizeof(*u));
    memset(&w->cspace, 0, sizeof(w->cspace));
}

seL4_Word sel4vspace_host_world_free_untyped_bytes(host_world_t *w)
{
    return w == NULL ? 0 : w->untyped.free_bytes;
}

size_t sel4vspace_host_world_free_slots(host_world_t *w)
{
    if (w == NULL) {
        return 0;
    }
    return (size_t)(w->cspace.end - w->cspace.next_unused) + w->cspace.free_count;
}

size_t sel4vspace_host_world_device_requests(host_world_t *w)
{
    return w == NULL ? 0 : w->device_requests;
}

int sel4vspace_log_cslots_ran_out(void)
{
    return (sel4vspace_log_causes() & SEL4VSPACE_HOST_CAUSE_CSLOTS_RAN_OUT) != 0;
}

int sel4vspace_log_untyped_ran_out(void)
{
    return (sel4vspace_log_causes() & SEL4VSPACE_HOST_CAUSE_UNTYPED_RAN_OUT) != 0;
}
