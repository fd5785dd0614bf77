/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * CSpace: resolving cptrs through CNodes (guards, radix, depth), the derivation tree (MDB) as a
 * linked list in slot order of derivation, and the CNode invocations.
 */

#include "kernel_internal.h"

static seL4_Word bits_at(seL4_Word w, seL4_Word shift, seL4_Word nbits)
{
    if (nbits == 0 || shift >= seL4_WordBits) {
        return 0;
    }
    w >>= shift;
    return nbits >= seL4_WordBits ? w : (w & ((1ul << nbits) - 1));
}

/* seL4's resolveAddressBits: walk CNodes from node_cap consuming n_bits of cptr. The slot found is
 * also given as its CNode and index (cn_out, index_out may be NULL), for a caller that writes it. */
static bool resolve_address_bits(const sim_cap_t *node_cap, seL4_Word cptr, seL4_Word n_bits, sim_cte_t **slot_out,
                                 seL4_Word *remaining, sim_lookup_fault_t *fault, sim_cnode_t **cn_out,
                                 seL4_Word *index_out)
{
    if (!sim_cap_is_type(node_cap, seL4_CapTableObject)) {
        *fault = sim_fault_invalid_root();
        return false;
    }
    for (;;) {
        sim_cnode_t *cn = (sim_cnode_t *)node_cap->obj;
        seL4_Word radix = sim_cnode_radix(cn);
        seL4_Word guard_bits = node_cap->guard_size;
        seL4_Word level_bits = radix + guard_bits;
        if (guard_bits > n_bits || bits_at(cptr, n_bits - guard_bits, guard_bits) != node_cap->data) {
            sim_lookup_fault_t f = { .type = seL4_GuardMismatch, .bits_left = n_bits,
                                     .guard_found = node_cap->data, .bits_found = guard_bits };
            *fault = f;
            return false;
        }
        if (level_bits > n_bits) {
            sim_lookup_fault_t f = { .type = seL4_DepthMismatch, .bits_left = n_bits, .bits_found = level_bits };
            *fault = f;
            return false;
        }
        seL4_Word index = bits_at(cptr, n_bits - level_bits, radix);
        sim_cte_t *slot = sim_cnode_slot(cn, index);
        if (cn_out != NULL) {
            *cn_out = cn;
            *index_out = index;
        }
        if (n_bits == level_bits) {
            *slot_out = slot;
            *remaining = 0;
            return true;
        }
        n_bits -= level_bits;
        if (!sim_cap_is_type(&slot->cap, seL4_CapTableObject)) {
            *slot_out = slot;
            *remaining = n_bits;
            return true;
        }
        node_cap = &slot->cap;
    }
}

sim_cte_t *sim_lookup_cptr_walk(sel4sim_kernel_t *k, seL4_CPtr cptr)
{
    sim_cte_t *slot;
    seL4_Word remaining;
    sim_lookup_fault_t fault;
    if (!resolve_address_bits(&k->cspace_root, cptr, seL4_WordBits, &slot, &remaining, &fault, NULL, NULL)) {
        SIM_USER_ERROR("cptr 0x%lx does not resolve (lookup failure %d): seL4 would raise a cap fault; "
                "treated as an empty slot", cptr, fault.type);
        return NULL;
    }
    return slot;
}

seL4_Error sim_lookup_slot_for_cnode_op(sel4sim_kernel_t *k, bool is_source, const sim_cap_t *root, seL4_Word index,
                                        seL4_Word depth, sim_cte_t **out)
{
    seL4_Word remaining, slot_index = 0;
    sim_lookup_fault_t fault;
    sim_cnode_t *cn = NULL;
    if (!sim_cap_is_type(root, seL4_CapTableObject)) {
        SIM_USER_ERROR("CNode operation: root is not a CNode cap");
        return sim_error_lookup(k, is_source, sim_fault_invalid_root());
    }
    if (depth < 1 || depth > seL4_WordBits) {
        SIM_USER_ERROR("CNode operation: depth %lu outside [1, %d]", depth, seL4_WordBits);
        return sim_error_range(k, 1, seL4_WordBits);
    }
    seL4_Word cptr = index;
    if (!resolve_address_bits(root, cptr, depth, out, &remaining, &fault, &cn, &slot_index)) {
        SIM_USER_ERROR("CNode operation: index 0x%lx at depth %lu does not resolve (lookup failure %d)", cptr, depth,
                fault.type);
        return sim_error_lookup(k, is_source, fault);
    }
    if (remaining != 0) {
        sim_lookup_fault_t f = { .type = seL4_DepthMismatch, .bits_left = remaining, .bits_found = 0 };
        SIM_USER_ERROR("CNode operation: index 0x%lx at depth %lu stops at a non-CNode cap with %lu bits left", cptr,
                depth, remaining);
        return sim_error_lookup(k, is_source, f);
    }
    if (!is_source && *out == sim_empty_cte()) {
        /* a destination (or a target) slot: its chunk must exist before anything is put there */
        *out = sim_cnode_slot_alloc(k, cn, slot_index);
        if (*out == NULL) {
            return sim_error(k, seL4_NotEnoughMemory);
        }
    }
    return seL4_NoError;
}

seL4_Error sim_lookup_empty_slot(sel4sim_kernel_t *k, const sim_cap_t *root, seL4_Word index, seL4_Word depth,
                                 const char *what, sim_cte_t **out)
{
    seL4_Error err = sim_lookup_slot_for_cnode_op(k, false, root, index, depth, out);
    if (err == seL4_NoError && !sim_cap_is_null(&(*out)->cap)) {
        SIM_USER_ERROR("%s: destination slot 0x%lx is not empty", what, index);
        err = sim_error(k, seL4_DeleteFirst);
    }
    return err;
}

/* --- CNode slots, allocated in chunks --- */

_Alignas(SIM_CTE_CHUNK_BYTES) unsigned char sim_spare_chunk[SIM_CTE_CHUNK_BYTES];

_Static_assert(SIM_CTE_CHUNK_SLOTS >= 2 && sizeof(sim_cte_chunk_t) + SIM_CTE_CHUNK_SLOTS * sizeof(sim_cte_t)
               <= SIM_CTE_CHUNK_BYTES, "a chunk fits its block");

static void trim_push(sim_cte_chunk_t *chunk)
{
    if (!chunk->on_trim_list) {
        chunk->on_trim_list = 1;
        chunk->trim_next = chunk->kernel->trim_head;
        chunk->kernel->trim_head = chunk;
    }
}

static void trim_unlink(sim_cte_chunk_t *chunk)
{
    sim_cte_chunk_t **at = &chunk->kernel->trim_head;
    while (*at != NULL && *at != chunk) {
        at = &(*at)->trim_next;
    }
    if (*at == chunk) {
        *at = chunk->trim_next;
    }
    chunk->on_trim_list = 0;
}

/* Chunk blocks come from pools of SIM_CTE_CHUNK_POOL blocks (the first links the pools), since
 * 4 KiB-aligned blocks allocated one at a time among small ones leave most of a page free in
 * between. A freed chunk's block is reused by the next; pools go with the kernel. The kernel's
 * own accounting counts the chunks in use, the host allocator the pools. */
#define SIM_CTE_CHUNK_POOL 32

static sim_cte_chunk_t *chunk_get(sel4sim_kernel_t *k)
{
    if (k->chunk_free == NULL) {
        char *pool = host_aligned_calloc(HOST_ALLOC_KERNEL_OBJECTS, SIM_CTE_CHUNK_BYTES,
                                         SIM_CTE_CHUNK_POOL * SIM_CTE_CHUNK_BYTES);
        if (pool == NULL) {
            return NULL;
        }
        *(void **)pool = k->chunk_pools;
        k->chunk_pools = pool;
        for (size_t i = SIM_CTE_CHUNK_POOL - 1; i > 0; i--) {
            sim_cte_chunk_t *chunk = (sim_cte_chunk_t *)(pool + i * SIM_CTE_CHUNK_BYTES);
            chunk->trim_next = k->chunk_free;
            k->chunk_free = chunk;
        }
    }
    sim_cte_chunk_t *chunk = k->chunk_free;
    k->chunk_free = chunk->trim_next;
    memset(chunk, 0, SIM_CTE_CHUNK_BYTES);
    k->bytes[HOST_ALLOC_KERNEL_OBJECTS] += SIM_CTE_CHUNK_BYTES;
    return chunk;
}

static void chunk_free(sim_cte_chunk_t *chunk)
{
    sel4sim_kernel_t *k = chunk->kernel;
    chunk->cnode->chunks[chunk->index] = NULL;
    chunk->kernel = NULL;
    chunk->cnode = NULL;
    chunk->trim_next = k->chunk_free;
    k->chunk_free = chunk;
    k->bytes[HOST_ALLOC_KERNEL_OBJECTS] -= SIM_CTE_CHUNK_BYTES;
}

void sim_chunk_pools_release(sel4sim_kernel_t *k)
{
    while (k->chunk_pools != NULL) {
        void *pool = k->chunk_pools;
        k->chunk_pools = *(void **)pool;
        host_free(HOST_ALLOC_KERNEL_OBJECTS, pool, SIM_CTE_CHUNK_POOL * SIM_CTE_CHUNK_BYTES);
    }
    k->chunk_free = NULL;
}

sim_cte_t *sim_cnode_slot_alloc(sel4sim_kernel_t *k, sim_cnode_t *cn, seL4_Word i)
{
    size_t c = i / SIM_CTE_CHUNK_SLOTS;
    sim_cte_chunk_t *chunk = cn->chunks[c];
    if (chunk == NULL) {
        chunk = chunk_get(k);
        if (chunk == NULL) {
            ZF_LOGE("host out of memory for the CNode slots %zu..%zu", c * SIM_CTE_CHUNK_SLOTS,
                    (c + 1) * SIM_CTE_CHUNK_SLOTS - 1);
            return NULL;
        }
        chunk->kernel = k;
        chunk->cnode = cn;
        chunk->index = (uint32_t)c;
        cn->chunks[c] = chunk;
        trim_push(chunk); /* empty until a cap is put in it, which may not happen */
    }
    return &chunk->slots[i % SIM_CTE_CHUNK_SLOTS];
}

seL4_Word sim_cnode_index_of(const sim_cnode_t *cn, const sim_cte_t *cte)
{
    const sim_cte_chunk_t *chunk = sim_cte_chunk(cte);
    if (cte == sim_empty_cte() || chunk->cnode != cn || chunk->kernel == NULL) {
        return (seL4_Word)-1;
    }
    return (seL4_Word)chunk->index * SIM_CTE_CHUNK_SLOTS + (seL4_Word)(cte - chunk->slots);
}

void sim_cte_emptied(sim_cte_t *cte)
{
    sim_cte_chunk_t *chunk = sim_cte_chunk(cte);
    if (chunk->kernel == NULL) {
        return; /* the spare chunk */
    }
    if (--chunk->used == 0) {
        trim_push(chunk);
    }
}

void sim_trim_slow(sel4sim_kernel_t *k)
{
    while (k->trim_head != NULL) {
        sim_cte_chunk_t *chunk = k->trim_head;
        k->trim_head = chunk->trim_next;
        chunk->on_trim_list = 0;
        if (chunk->used == 0) {
            chunk_free(chunk);
        }
    }
    sim_cte_t *empty = sim_empty_cte();
    if (!sim_empty_cte_is_clean()) {
        ZF_LOGE("simulated kernel bug: a cap was written to a slot of a missing CNode chunk; dropped");
        memset(empty, 0, sizeof(*empty));
    }
}

int sim_cnode_init(sel4sim_kernel_t *k, sim_cnode_t *cn)
{
    size_t slots = (size_t)1 << sim_cnode_radix(cn);
    cn->num_chunks = (slots + SIM_CTE_CHUNK_SLOTS - 1) / SIM_CTE_CHUNK_SLOTS;
    cn->chunks = sim_calloc(k, HOST_ALLOC_KERNEL_OBJECTS, cn->num_chunks * sizeof(*cn->chunks));
    if (cn->chunks == NULL) {
        ZF_LOGE("host out of memory for a CNode of 2^%u slots", sim_cnode_radix(cn));
        cn->num_chunks = 0;
        return -1;
    }
    return 0;
}

void sim_cnode_release(sel4sim_kernel_t *k, sim_cnode_t *cn)
{
    for (size_t c = 0; c < cn->num_chunks; c++) {
        sim_cte_chunk_t *chunk = cn->chunks[c];
        if (chunk != NULL) {
            if (chunk->on_trim_list) {
                trim_unlink(chunk);
            }
            chunk_free(chunk);
        }
    }
    sim_free(k, HOST_ALLOC_KERNEL_OBJECTS, cn->chunks, cn->num_chunks * sizeof(*cn->chunks));
    cn->chunks = NULL;
    cn->num_chunks = 0;
}

/* --- the derivation tree --- */

static bool is_badged_type(const sim_cap_t *c)
{
    return sim_cap_is_type(c, seL4_EndpointObject) || sim_cap_is_type(c, seL4_NotificationObject);
}

static bool same_region(const sim_cap_t *a, const sim_cap_t *b)
{
    switch (a->kind) {
    case SEL4SIM_CAP_ASID_CONTROL:
        return b->kind == SEL4SIM_CAP_ASID_CONTROL;
    case SEL4SIM_CAP_ASID_POOL:
        return b->kind == SEL4SIM_CAP_ASID_POOL && a->obj == b->obj;
    case SEL4SIM_CAP_OBJECT:
        if (b->obj == NULL) {
            return false;
        }
        if (a->obj->type == seL4_UntypedObject) {
            seL4_Word a_base = a->obj->paddr, a_last = a_base + ((1ul << a->obj->size_bits) - 1);
            seL4_Word b_base = b->obj->paddr, b_last = b_base + ((1ul << b->obj->size_bits) - 1);
            return a_base <= b_base && b_last <= a_last && b_base <= b_last;
        }
        return a->obj == b->obj;
    default:
        return false;
    }
}

static bool is_mdb_parent_of(const sim_cte_t *a, const sim_cte_t *b)
{
    if (!SIM_CAP_REVOCABLE(&a->cap) || !same_region(&a->cap, &b->cap)) {
        return false;
    }
    if (is_badged_type(&a->cap) && a->cap.data != 0) {
        /* A badged cap's children are the caps with its badge derived from it, not re-badged ones. */
        return b->cap.data == a->cap.data && !SIM_CAP_REVOCABLE(&b->cap);
    }
    return true;
}

bool sim_cap_has_children(const sim_cte_t *slot)
{
    return slot->mdb_next != NULL && is_mdb_parent_of(slot, slot->mdb_next);
}

bool sim_cap_is_final(const sim_cte_t *slot)
{
    return slot->cap.obj == NULL || slot->cap.obj->cap_count == 1;
}

static bool is_cap_revocable(const sim_cap_t *new_cap, const sim_cap_t *src_cap)
{
    if (is_badged_type(new_cap)) {
        return new_cap->data != src_cap->data;
    }
    return sim_cap_is_type(new_cap, seL4_UntypedObject);
}

static void link_after(sim_cte_t *prev, sim_cte_t *dest)
{
    dest->mdb_prev = prev;
    dest->mdb_next = prev->mdb_next;
    if (prev->mdb_next != NULL) {
        prev->mdb_next->mdb_prev = dest;
    }
    prev->mdb_next = dest;
}

void sim_cte_insert(sim_cap_t new_cap, sim_cte_t *src, sim_cte_t *dest)
{
    bool revocable = is_cap_revocable(&new_cap, &src->cap);
    /* A copy of a whole untyped takes over its region: the original can no longer retype. */
    if (sim_cap_is_type(&src->cap, seL4_UntypedObject) && sim_cap_is_type(&new_cap, seL4_UntypedObject)
        && src->cap.obj == new_cap.obj) {
        src->cap.data = 1ul << src->cap.obj->size_bits;
    }
    dest->cap = new_cap;
    SIM_CAP_REVOCABLE(&dest->cap) = revocable;
    sim_cte_filled(dest);
    link_after(src, dest);
    if (new_cap.obj != NULL) {
        new_cap.obj->cap_count++;
    }
}

void sim_cte_insert_new(sim_cte_t *parent, sim_cte_t *dest, sim_cap_t cap)
{
    dest->cap = cap;
    SIM_CAP_REVOCABLE(&dest->cap) = 1;
    sim_cte_filled(dest);
    link_after(parent, dest);
    if (cap.obj != NULL) {
        cap.obj->cap_count++;
    }
}

void sim_cte_move(sim_cap_t new_cap, sim_cte_t *src, sim_cte_t *dest)
{
    uint8_t revocable = SIM_CAP_REVOCABLE(&src->cap);
    dest->cap = new_cap;
    SIM_CAP_REVOCABLE(&dest->cap) = revocable;
    dest->mdb_prev = src->mdb_prev;
    dest->mdb_next = src->mdb_next;
    if (dest->mdb_prev != NULL) {
        dest->mdb_prev->mdb_next = dest;
    }
    if (dest->mdb_next != NULL) {
        dest->mdb_next->mdb_prev = dest;
    }
    sim_cte_filled(dest);
    memset(src, 0, sizeof(*src));
    sim_cte_emptied(src);
}

static bool is_generic_type(seL4_Word type)
{
    return type < seL4_NonArchObjectTypeCount;
}

void sim_cte_delete(sel4sim_kernel_t *k, sim_cte_t *slot)
{
    if (sim_cap_is_null(&slot->cap)) {
        return;
    }
    bool final = sim_cap_is_final(slot);
    sim_cap_t cap = slot->cap;
    if (cap.kind == SEL4SIM_CAP_ASID_POOL || (cap.kind == SEL4SIM_CAP_OBJECT && !is_generic_type(cap.obj->type))) {
        arch_finalise_cap(k, &cap, final);
    }
    if (slot->mdb_prev != NULL) {
        slot->mdb_prev->mdb_next = slot->mdb_next;
    }
    if (slot->mdb_next != NULL) {
        slot->mdb_next->mdb_prev = slot->mdb_prev;
    }
    memset(slot, 0, sizeof(*slot));
    sim_cte_emptied(slot);
    if (cap.obj != NULL && --cap.obj->cap_count == 0) {
        if (cap.obj->type == seL4_CapTableObject) {
            /* Its slots may hold caps that whoever is deleting is still walking: empty it later. */
            sim_cnode_t *cn = (sim_cnode_t *)cap.obj;
            cn->reap_next = k->reap_head;
            k->reap_head = cn;
        } else {
            sim_object_free(k, cap.obj);
        }
    }
}

void sim_cte_revoke(sel4sim_kernel_t *k, sim_cte_t *slot)
{
    while (slot->mdb_next != NULL && is_mdb_parent_of(slot, slot->mdb_next)) {
        sim_cte_delete(k, slot->mdb_next);
    }
}

void sim_reap(sel4sim_kernel_t *k)
{
    while (k->reap_head != NULL) {
        sim_cnode_t *cn = k->reap_head;
        k->reap_head = cn->reap_next;
        for (size_t c = 0; c < cn->num_chunks; c++) {
            sim_cte_chunk_t *chunk = cn->chunks[c];
            for (size_t i = 0; chunk != NULL && i < SIM_CTE_CHUNK_SLOTS; i++) {
                sim_cte_delete(k, &chunk->slots[i]);
            }
        }
        sim_object_free(k, &cn->hdr);
    }
    sim_trim(k);
}

/* --- deriving and mutating caps --- */

static seL4_Error derive_cap(const sim_cte_t *src, sim_cap_t *cap)
{
    if (sim_cap_is_null(cap)) {
        return seL4_NoError;
    }
    if (sim_cap_is_type(cap, seL4_UntypedObject)) {
        if (sim_cap_has_children(src)) {
            SIM_USER_ERROR("cannot derive an untyped cap that has children: revoke it first");
            return seL4_RevokeFirst;
        }
        return seL4_NoError;
    }
    if (cap->kind == SEL4SIM_CAP_OBJECT && !is_generic_type(cap->obj->type)) {
        return arch_derive_cap(cap);
    }
    return seL4_NoError;
}

static void mask_cap_rights(sim_cap_t *cap, seL4_CapRights_t mask)
{
    if (is_badged_type(cap)) {
        cap->rights &= (uint8_t)mask.words[0];
    } else if (cap->kind == SEL4SIM_CAP_OBJECT && !is_generic_type(cap->obj->type)) {
        arch_mask_cap_rights(cap, mask);
    }
}

/* seL4's updateCapData: a badge for endpoints and notifications, a guard for CNodes. Returns a
 * null cap where seL4 does (the caller reports seL4_IllegalOperation). */
static sim_cap_t update_cap_data(bool preserve, seL4_Word data, sim_cap_t cap)
{
    sim_cap_t null_cap;
    memset(&null_cap, 0, sizeof(null_cap));
    if (is_badged_type(&cap)) {
        if (!preserve && cap.data == 0) {
            cap.data = data;
            return cap;
        }
        return null_cap;
    }
    if (sim_cap_is_type(&cap, seL4_CapTableObject)) {
        seL4_CNode_CapData_t cd = { { data } };
        seL4_Word guard_size = seL4_CNode_CapData_get_guardSize(cd);
        seL4_Word radix = sim_cnode_radix((sim_cnode_t *)cap.obj);
        if (guard_size + radix > seL4_WordBits) {
            return null_cap;
        }
        seL4_Word guard = seL4_CNode_CapData_get_guard(cd);
        cap.data = guard_size >= seL4_WordBits ? guard : (guard & ((1ul << guard_size) - 1));
        cap.guard_size = (uint8_t)guard_size;
        return cap;
    }
    return cap;
}

/* --- CNode invocations --- */

static const char *cnode_op_name(sel4sim_cnode_op_t op)
{
    static const char *names[] = { "Revoke", "Delete", "Copy", "Mint", "Move", "Mutate" };
    return (unsigned)op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

seL4_Error sel4sim_sys_cnode(sel4sim_kernel_t *k, sel4sim_cnode_op_t op, seL4_CPtr service, seL4_Word dest_index,
                             seL4_Word dest_depth, seL4_CPtr src_root, seL4_Word src_index, seL4_Word src_depth,
                             seL4_CapRights_t rights, seL4_Word badge)
{
    seL4_Error err;
    sim_cte_t *dest, *src;
    if (sim_syscall_kernel(k, "seL4_CNode") == NULL) {
        return seL4_IllegalOperation;
    }
    sim_cte_t *service_slot = sim_lookup_cptr(k, service);
    if (service_slot == NULL || sim_cap_is_null(&service_slot->cap)) {
        SIM_USER_ERROR("CNode %s: invoked cptr 0x%lx is an empty slot", cnode_op_name(op), service);
        return sim_error_invalid_cap(k, 0);
    }
    if (!sim_cap_is_type(&service_slot->cap, seL4_CapTableObject) || (unsigned)op > SEL4SIM_CNODE_MUTATE) {
        SIM_USER_ERROR("CNode %s: cptr 0x%lx is not a CNode cap", cnode_op_name(op), service);
        return sim_error(k, seL4_IllegalOperation);
    }
    /* Copy the service cap: deleting may free the slot that holds it. */
    sim_cap_t service_cap = service_slot->cap;
    err = sim_lookup_slot_for_cnode_op(k, false, &service_cap, dest_index, dest_depth, &dest);
    if (err != seL4_NoError) {
        SIM_USER_ERROR("CNode %s: target slot invalid", cnode_op_name(op));
        return err;
    }
    if (op == SEL4SIM_CNODE_REVOKE) {
        sim_cte_revoke(k, dest);
        sim_reap(k);
        return seL4_NoError;
    }
    if (op == SEL4SIM_CNODE_DELETE) {
        sim_cte_delete(k, dest);
        sim_reap(k);
        return seL4_NoError;
    }

    sim_cte_t *src_root_slot = sim_lookup_cptr(k, src_root);
    sim_cap_t src_root_cap;
    memset(&src_root_cap, 0, sizeof(src_root_cap));
    if (src_root_slot != NULL) {
        src_root_cap = src_root_slot->cap;
    }
    if (!sim_cap_is_null(&dest->cap)) {
        SIM_USER_ERROR("CNode %s: destination slot 0x%lx is not empty", cnode_op_name(op), dest_index);
        return sim_error(k, seL4_DeleteFirst);
    }
    err = sim_lookup_slot_for_cnode_op(k, true, &src_root_cap, src_index, src_depth, &src);
    if (err != seL4_NoError) {
        SIM_USER_ERROR("CNode %s: invalid source slot", cnode_op_name(op));
        return err;
    }
    if (sim_cap_is_null(&src->cap)) {
        SIM_USER_ERROR("CNode %s: source slot 0x%lx is empty", cnode_op_name(op), src_index);
        return sim_error_lookup(k, true, sim_fault_missing(src_depth));
    }

    sim_cap_t new_cap = src->cap;
    switch (op) {
    case SEL4SIM_CNODE_COPY:
        mask_cap_rights(&new_cap, rights);
        err = derive_cap(src, &new_cap);
        break;
    case SEL4SIM_CNODE_MINT:
        mask_cap_rights(&new_cap, rights);
        new_cap = update_cap_data(false, badge, new_cap);
        err = derive_cap(src, &new_cap);
        break;
    case SEL4SIM_CNODE_MUTATE:
        new_cap = update_cap_data(true, badge, new_cap);
        err = seL4_NoError;
        break;
    default: /* move */
        err = seL4_NoError;
        break;
    }
    if (err != seL4_NoError) {
        SIM_USER_ERROR("CNode %s: cannot derive the source cap", cnode_op_name(op));
        return sim_error(k, err);
    }
    if (sim_cap_is_null(&new_cap)) {
        SIM_USER_ERROR("CNode %s: the resulting cap would be invalid", cnode_op_name(op));
        return sim_error(k, seL4_IllegalOperation);
    }
    if (op == SEL4SIM_CNODE_MOVE || op == SEL4SIM_CNODE_MUTATE) {
        sim_cte_move(new_cap, src, dest);
    } else {
        sim_cte_insert(new_cap, src, dest);
    }
    return seL4_NoError;
}

/* The service cap of a CNode invocation, copied (deleting may free the slot that holds it). */
static seL4_Error cnode_service(sel4sim_kernel_t *k, seL4_CPtr service, const char *what, sim_cap_t *out)
{
    if (sim_syscall_kernel(k, what) == NULL) {
        return seL4_IllegalOperation;
    }
    sim_cte_t *slot = sim_lookup_cptr(k, service);
    if (slot == NULL || sim_cap_is_null(&slot->cap)) {
        SIM_USER_ERROR("%s: invoked cptr 0x%lx is an empty slot", what, service);
        return sim_error_invalid_cap(k, 0);
    }
    if (!sim_cap_is_type(&slot->cap, seL4_CapTableObject)) {
        SIM_USER_ERROR("%s: cptr 0x%lx is not a CNode cap", what, service);
        return sim_error(k, seL4_IllegalOperation);
    }
    *out = slot->cap;
    return seL4_NoError;
}

seL4_Error sel4sim_sys_cnode_save_caller(sel4sim_kernel_t *k, seL4_CPtr service, seL4_Word index, seL4_Word depth)
{
    sim_cap_t root;
    sim_cte_t *dest;
    seL4_Error err = cnode_service(k, service, "seL4_CNode_SaveCaller", &root);
    if (err == seL4_NoError) {
        err = sim_lookup_empty_slot(k, &root, index, depth, "CNode SaveCaller", &dest);
    }
    if (err != seL4_NoError) {
        return err;
    }
    /* The simulation runs no threads, so there is never a reply cap to save: seL4 then succeeds
     * and leaves the slot empty. */
    SIM_USER_ERROR("CNode SaveCaller: reply cap not present");
    return seL4_NoError;
}

seL4_Error sel4sim_sys_cnode_cancel_badged_sends(sel4sim_kernel_t *k, seL4_CPtr service, seL4_Word index,
                                                 seL4_Word depth)
{
    sim_cap_t root;
    sim_cte_t *target;
    seL4_Error err = cnode_service(k, service, "seL4_CNode_CancelBadgedSends", &root);
    if (err == seL4_NoError) {
        err = sim_lookup_slot_for_cnode_op(k, false, &root, index, depth, &target);
    }
    if (err != seL4_NoError) {
        return err;
    }
    if (!sim_cap_is_type(&target->cap, seL4_EndpointObject)) {
        SIM_USER_ERROR("CNode CancelBadgedSends: target is not an endpoint cap");
        return sim_error(k, seL4_IllegalOperation);
    }
    /* No threads, so no sender is ever queued on an endpoint: nothing to cancel. */
    return seL4_NoError;
}

seL4_Error sel4sim_sys_cnode_rotate(sel4sim_kernel_t *k, seL4_CPtr service, seL4_Word dest_index,
                                    seL4_Word dest_depth, seL4_Word dest_badge, seL4_CPtr pivot_root,
                                    seL4_Word pivot_index, seL4_Word pivot_depth, seL4_Word pivot_badge,
                                    seL4_CPtr src_root, seL4_Word src_index, seL4_Word src_depth)
{
    sim_cap_t root;
    sim_cte_t *dest, *pivot, *src;
    seL4_Error err = cnode_service(k, service, "seL4_CNode_Rotate", &root);
    if (err == seL4_NoError) {
        err = sim_lookup_slot_for_cnode_op(k, false, &root, dest_index, dest_depth, &dest);
    }
    sim_cap_t other_root;
    memset(&other_root, 0, sizeof(other_root));
    if (err == seL4_NoError) {
        sim_cte_t *slot = sim_lookup_cptr(k, pivot_root);
        if (slot != NULL) {
            other_root = slot->cap;
        }
        err = sim_lookup_slot_for_cnode_op(k, true, &other_root, pivot_index, pivot_depth, &pivot);
    }
    if (err == seL4_NoError) {
        sim_cte_t *slot = sim_lookup_cptr(k, src_root);
        memset(&other_root, 0, sizeof(other_root));
        if (slot != NULL) {
            other_root = slot->cap;
        }
        err = sim_lookup_slot_for_cnode_op(k, true, &other_root, src_index, src_depth, &src);
    }
    if (err != seL4_NoError) {
        return err;
    }
    if (pivot == src || pivot == dest) {
        SIM_USER_ERROR("CNode Rotate: the pivot slot is the source or the destination");
        return sim_error(k, seL4_IllegalOperation);
    }
    if (src != dest && !sim_cap_is_null(&dest->cap)) {
        SIM_USER_ERROR("CNode Rotate: destination slot 0x%lx is not empty", dest_index);
        return sim_error(k, seL4_DeleteFirst);
    }
    if (sim_cap_is_null(&src->cap)) {
        return sim_error_lookup(k, true, sim_fault_missing(src_depth));
    }
    if (sim_cap_is_null(&pivot->cap)) {
        return sim_error_lookup(k, false, sim_fault_missing(pivot_depth));
    }
    sim_cap_t new_src_cap = update_cap_data(true, pivot_badge, src->cap);
    sim_cap_t new_pivot_cap = update_cap_data(true, dest_badge, pivot->cap);
    if (sim_cap_is_null(&new_src_cap) || sim_cap_is_null(&new_pivot_cap)) {
        SIM_USER_ERROR("CNode Rotate: a badge makes a cap invalid");
        return sim_error(k, seL4_IllegalOperation);
    }
    if (src == dest) {
        /* A swap: park the pivot's cap in a scratch slot while the source moves over it. */
        sim_cte_t *scratch = sim_scratch_cte();
        sim_cte_move(new_pivot_cap, pivot, scratch);
        sim_cte_move(new_src_cap, src, pivot);
        sim_cte_move(scratch->cap, scratch, dest);
    } else {
        sim_cte_move(new_pivot_cap, pivot, dest);
        sim_cte_move(new_src_cap, src, pivot);
    }
    return seL4_NoError;
}
