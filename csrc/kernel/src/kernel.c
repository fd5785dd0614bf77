/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel lifetime, host memory accounting, the object registry, reply messages and inspection. */

#include "kernel_internal.h"

/* The kernel libsel4 calls reach, per thread: threads driving different kernels never redirect
 * each other's calls. */
_Thread_local sel4sim_kernel_t *sel4sim_selected_kernel;

/* --- host memory --- */

void *sim_calloc(sel4sim_kernel_t *k, host_alloc_category cat, size_t size)
{
    void *p = host_calloc(cat, 1, size);
    if (p != NULL) {
        k->bytes[cat] += size;
    }
    return p;
}

void *sim_aligned_calloc(sel4sim_kernel_t *k, host_alloc_category cat, size_t size)
{
    void *p = host_aligned_calloc(cat, SIM_OBJECT_ALIGN, size);
    if (p != NULL) {
        k->bytes[cat] += size;
    }
    return p;
}

void sim_free(sel4sim_kernel_t *k, host_alloc_category cat, void *p, size_t size)
{
    if (p == NULL) {
        return;
    }
    host_free(cat, p, size);
    k->bytes[cat] -= size;
}

/* --- slabs --- */

_Static_assert(SIM_SLAB_SLOT % SIM_OBJECT_ALIGN == 0 && SIM_SLAB_BYTES % SIM_SLAB_SLOT == 0,
               "slab slots keep objects aligned");

static void *slab_alloc(sel4sim_kernel_t *k)
{
    if (k->slab_free == NULL) {
        char *slab = host_aligned_calloc(HOST_ALLOC_KERNEL_OBJECTS, 4096, SIM_SLAB_BYTES);
        if (slab == NULL) {
            return NULL;
        }
        *(void **)slab = k->slabs;
        k->slabs = slab;
        /* the first slot links the slabs; the rest are handed out by ascending address */
        for (size_t off = SIM_SLAB_BYTES - SIM_SLAB_SLOT; off > 0; off -= SIM_SLAB_SLOT) {
            *(void **)(slab + off) = k->slab_free;
            k->slab_free = slab + off;
        }
    }
    void *slot = k->slab_free;
    k->slab_free = *(void **)slot;
    memset(slot, 0, SIM_SLAB_SLOT);
    return slot;
}

static void slab_free(sel4sim_kernel_t *k, void *slot)
{
    *(void **)slot = k->slab_free;
    k->slab_free = slot;
}

static void slabs_release(sel4sim_kernel_t *k)
{
    while (k->slabs != NULL) {
        void *slab = k->slabs;
        k->slabs = *(void **)slab;
        host_free(HOST_ALLOC_KERNEL_OBJECTS, slab, SIM_SLAB_BYTES);
    }
    k->slab_free = NULL;
}

/* --- objects --- */

sim_object_t *sim_object_new(sel4sim_kernel_t *k, size_t obj_bytes, bool aligned, uint8_t type, uint8_t size_bits,
                             seL4_Word paddr)
{
    sim_object_t *obj;
    bool in_slab = aligned && obj_bytes <= SIM_SLAB_SLOT;
    if (in_slab) {
        /* accounted per object, as any other: the kernel's cost model counts structs */
        obj = slab_alloc(k);
        if (obj != NULL) {
            k->bytes[HOST_ALLOC_KERNEL_OBJECTS] += obj_bytes;
            obj->in_slab = 1;
        }
    } else {
        obj = aligned ? sim_aligned_calloc(k, HOST_ALLOC_KERNEL_OBJECTS, obj_bytes)
                      : sim_calloc(k, HOST_ALLOC_KERNEL_OBJECTS, obj_bytes);
    }
    if (obj == NULL) {
        ZF_LOGE("host out of memory for a kernel object of %zu bytes", obj_bytes);
        return NULL;
    }
    obj->type = type;
    obj->size_bits = size_bits;
    obj->paddr = paddr;
    obj->reg_next = k->registry;
    if (k->registry != NULL) {
        k->registry->reg_prev = obj;
    }
    k->registry = obj;
    k->counts[type]++;
    k->type_bytes[type] += obj_bytes;
    return obj;
}

static size_t generic_object_release(sel4sim_kernel_t *k, sim_object_t *obj)
{
    if (obj->type == seL4_CapTableObject) {
        sim_cnode_release(k, (sim_cnode_t *)obj);
        return sizeof(sim_cnode_t);
    }
    return sizeof(sim_object_t);
}

static bool is_generic_type(seL4_Word type)
{
    return type < seL4_NonArchObjectTypeCount;
}

void sim_object_free(sel4sim_kernel_t *k, sim_object_t *obj)
{
    size_t bytes;
    if (obj->reg_prev != NULL) {
        obj->reg_prev->reg_next = obj->reg_next;
    } else {
        k->registry = obj->reg_next;
    }
    if (obj->reg_next != NULL) {
        obj->reg_next->reg_prev = obj->reg_prev;
    }
    k->counts[obj->type]--;
    bytes = is_generic_type(obj->type) ? generic_object_release(k, obj) : arch_object_release(k, obj);
    k->type_bytes[obj->type] -= bytes;
    if (obj->in_slab) {
        k->bytes[HOST_ALLOC_KERNEL_OBJECTS] -= bytes;
        slab_free(k, obj);
    } else {
        sim_free(k, HOST_ALLOC_KERNEL_OBJECTS, obj, bytes);
    }
}

/* --- reply messages: the error's details go where seL4 puts them --- */

static void clear_reply(sel4sim_kernel_t *k)
{
    for (int i = 0; i < 4; i++) {
        k->ipc.msg[i] = 0;
    }
}

seL4_Error sim_error(sel4sim_kernel_t *k, seL4_Error err)
{
    clear_reply(k);
    k->ipc.tag = seL4_MessageInfo_new(err, 0, 0, 0);
    return err;
}

/* An error reply carrying n message words. */
static seL4_Error error_reply(sel4sim_kernel_t *k, seL4_Error err, seL4_Word w0, seL4_Word w1, seL4_Word n)
{
    sim_error(k, err);
    k->ipc.msg[0] = w0;
    if (n > 1) {
        k->ipc.msg[1] = w1;
    }
    k->ipc.tag = seL4_MessageInfo_new(err, 0, 0, n);
    return err;
}

seL4_Error sim_error_invalid_cap(sel4sim_kernel_t *k, seL4_Word cap_number)
{
    return error_reply(k, seL4_InvalidCapability, cap_number, 0, 1);
}

seL4_Error sim_error_invalid_arg(sel4sim_kernel_t *k, seL4_Word arg_number)
{
    return error_reply(k, seL4_InvalidArgument, arg_number, 0, 1);
}

seL4_Error sim_error_range(sel4sim_kernel_t *k, seL4_Word min, seL4_Word max)
{
    return error_reply(k, seL4_RangeError, min, max, 2);
}

seL4_Error sim_error_memory(sel4sim_kernel_t *k, seL4_Word bytes_left)
{
    return error_reply(k, seL4_NotEnoughMemory, bytes_left, 0, 1);
}

seL4_Error sim_error_lookup(sel4sim_kernel_t *k, bool was_source, sim_lookup_fault_t fault)
{
    seL4_Word len = 3;
    sim_error(k, seL4_FailedLookup);
    k->ipc.msg[0] = was_source ? 1 : 0;
    k->ipc.msg[1] = (seL4_Word)fault.type;
    switch (fault.type) {
    case seL4_InvalidRoot:
        len = 2;
        break;
    case seL4_MissingCapability:
        k->ipc.msg[2] = fault.bits_left;
        break;
    case seL4_DepthMismatch:
        k->ipc.msg[2] = fault.bits_left;
        k->ipc.msg[3] = fault.bits_found;
        len = 4;
        break;
    case seL4_GuardMismatch:
        k->ipc.msg[2] = fault.bits_left;
        k->ipc.msg[3] = fault.guard_found;
        k->ipc.msg[4] = fault.bits_found;
        len = 5;
        break;
    default:
        break;
    }
    k->ipc.tag = seL4_MessageInfo_new(seL4_FailedLookup, 0, 0, len);
    return seL4_FailedLookup;
}

sim_lookup_fault_t sim_fault_missing(seL4_Word bits_left)
{
    sim_lookup_fault_t f = { .type = seL4_MissingCapability, .bits_left = bits_left };
    return f;
}

sim_lookup_fault_t sim_fault_invalid_root(void)
{
    sim_lookup_fault_t f = { .type = seL4_InvalidRoot };
    return f;
}

sel4sim_kernel_t *sim_no_kernel(const char *what)
{
    ZF_LOGE("%s: no simulated kernel is selected (sel4sim_kernel_select)", what);
    return NULL;
}

/* --- lifetime --- */

static int boot_untyped(sel4sim_kernel_t *k, unsigned untyped_size_bits, seL4_SlotPos slot)
{
    /* Nonzero and naturally aligned, as seL4 hands out untypeds; above the first 4 GiB so it is
     * never confused with the kernel's own boot objects (which sit at low addresses). */
    seL4_Word paddr = 1ul << (untyped_size_bits > 32 ? untyped_size_bits : 32);
    sim_object_t *ut = sim_object_new(k, sizeof(sim_object_t), false, seL4_UntypedObject,
                                      (uint8_t)untyped_size_bits, paddr);
    if (ut == NULL) {
        return -1;
    }
    sim_cte_t *cte = sim_cnode_slot_alloc(k, k->root_cnode, slot);
    if (cte == NULL) {
        return -1;
    }
    sim_cte_filled(cte);
    cte->cap.kind = SEL4SIM_CAP_OBJECT;
    cte->cap.obj = ut;
    cte->cap.rights = (uint8_t)seL4_AllRights.words[0];
    SIM_CAP_REVOCABLE(&cte->cap) = 1;
    ut->cap_count = 1;

    k->bootinfo.untyped.start = slot;
    k->bootinfo.untyped.end = slot + 1;
    k->bootinfo.untypedList[0].paddr = paddr;
    k->bootinfo.untypedList[0].sizeBits = (seL4_Uint8)untyped_size_bits;
    k->bootinfo.untypedList[0].isDevice = 0;
    return 0;
}

sel4sim_kernel_t *sel4sim_kernel_new(unsigned untyped_size_bits, unsigned cnode_size_bits)
{
    if (untyped_size_bits < seL4_MinUntypedBits || untyped_size_bits > seL4_MaxUntypedBits) {
        ZF_LOGE("untyped_size_bits %u outside [%u, %u]", untyped_size_bits, seL4_MinUntypedBits,
                seL4_MaxUntypedBits);
        return NULL;
    }
    if (cnode_size_bits < 5 || cnode_size_bits > SIM_MAX_CNODE_RADIX) {
        ZF_LOGE("cnode_size_bits %u outside [5, %u]: the root CNode must hold the %d initial caps and an untyped",
                cnode_size_bits, SIM_MAX_CNODE_RADIX, seL4_NumInitialCaps);
        return NULL;
    }
    sel4sim_kernel_t *k = host_calloc(HOST_ALLOC_KERNEL_OBJECTS, 1, sizeof(*k));
    if (k == NULL) {
        ZF_LOGE("host out of memory for a kernel");
        return NULL;
    }
    k->bytes[HOST_ALLOC_KERNEL_OBJECTS] += sizeof(*k);

    /* The root CNode: kernel-owned boot memory, below the untyped region. */
    sim_cnode_t *root = (sim_cnode_t *)sim_object_new(k, sizeof(sim_cnode_t), false, seL4_CapTableObject,
                                                      (uint8_t)(cnode_size_bits + seL4_SlotBits), 0x1000);
    if (root == NULL) {
        goto fail;
    }
    if (sim_cnode_init(k, root) != 0) {
        goto fail;
    }
    k->root_cnode = root;
    /* The initial caps' slots (chunk 0, which also holds the untyped's) */
    sim_cte_t *cnode_slot = sim_cnode_slot_alloc(k, root, seL4_CapInitThreadCNode);
    sim_cte_t *asid_control_slot = sim_cnode_slot_alloc(k, root, seL4_CapASIDControl);
    sim_cte_t *asid_pool_slot = sim_cnode_slot_alloc(k, root, seL4_CapInitThreadASIDPool);
    if (cnode_slot == NULL || asid_control_slot == NULL || asid_pool_slot == NULL) {
        goto fail;
    }

    sim_cap_t cnode_cap = {
        .obj = &root->hdr,
        .data = 0,
        .kind = SEL4SIM_CAP_OBJECT,
        .rights = (uint8_t)seL4_AllRights.words[0],
        .guard_size = (uint8_t)(seL4_WordBits - cnode_size_bits),
    };
    k->cspace_root = cnode_cap;
    k->root_radix = sim_cnode_radix(root);
    if (k->root_radix > 0 && k->root_radix + cnode_cap.guard_size == seL4_WordBits) {
        k->root_direct = root;
        k->root_guard = cnode_cap.data;
        k->root_mask = (1ul << k->root_radix) - 1;
    }
    cnode_slot->cap = cnode_cap;
    SIM_CAP_REVOCABLE(&cnode_slot->cap) = 1;
    sim_cte_filled(cnode_slot);
    /* One cap in the CNode's own slot, one held by the (absent) initial thread as its CSpace root. */
    root->hdr.cap_count = 2;

    asid_control_slot->cap.kind = SEL4SIM_CAP_ASID_CONTROL;
    SIM_CAP_REVOCABLE(&asid_control_slot->cap) = 1;
    sim_cte_filled(asid_control_slot);
    if (arch_boot(k, asid_pool_slot) != 0) {
        goto fail;
    }
    sim_cte_filled(asid_pool_slot);
    if (boot_untyped(k, untyped_size_bits, seL4_NumInitialCaps) != 0) {
        goto fail;
    }

    k->bootinfo.nodeID = 0;
    k->bootinfo.numNodes = 1;
    k->bootinfo.numIOPTLevels = 0;
    k->bootinfo.ipcBuffer = &k->ipc;
    k->bootinfo.initThreadCNodeSizeBits = cnode_size_bits;
    k->bootinfo.initThreadDomain = 0;
    k->bootinfo.empty.start = k->bootinfo.untyped.end;
    k->bootinfo.empty.end = 1ul << cnode_size_bits;
    return k;

fail:
    sel4sim_kernel_destroy(k);
    return NULL;
}

void sel4sim_kernel_destroy(sel4sim_kernel_t *k)
{
    if (k == NULL) {
        return;
    }
    if (sel4sim_selected_kernel == k) {
        sel4sim_selected_kernel = NULL;
    }
    /* No cap semantics on the way out: every object is on the registry, free them all (a CNode
     * takes its chunks along, so the list of chunks to trim is not needed any more). */
    k->trim_head = NULL;
    while (k->registry != NULL) {
        sim_object_free(k, k->registry);
    }
    slabs_release(k);
    sim_chunk_pools_release(k);
    host_free(HOST_ALLOC_KERNEL_OBJECTS, k, sizeof(*k));
}

void sel4sim_kernel_select(sel4sim_kernel_t *k)
{
    sel4sim_selected_kernel = k;
}

sel4sim_kernel_t *sel4sim_kernel_current(void)
{
    return sel4sim_selected_kernel;
}

const seL4_BootInfo *sel4sim_kernel_bootinfo(sel4sim_kernel_t *k)
{
    return k == NULL ? NULL : &k->bootinfo;
}

seL4_IPCBuffer *sel4sim_kernel_ipc_buffer(sel4sim_kernel_t *k)
{
    return k == NULL ? NULL : &k->ipc;
}

/* --- inspection --- */

int sel4sim_cap_info(sel4sim_kernel_t *k, seL4_CPtr cptr, sel4sim_cap_info_t *out)
{
    if (k == NULL || out == NULL) {
        ZF_LOGE("kernel and out must not be NULL");
        return -1;
    }
    memset(out, 0, sizeof(*out));
    out->type = -1;
    sim_cte_t *slot = sim_lookup_cptr(k, cptr);
    if (slot == NULL || sim_cap_is_null(&slot->cap)) {
        return -1;
    }
    const sim_cap_t *cap = &slot->cap;
    out->kind = cap->kind;
    out->rights.words[0] = cap->rights;
    if (cap->obj != NULL) {
        out->size_bits = cap->obj->size_bits;
        out->paddr = cap->obj->paddr;
        if (cap->obj->type < seL4_ObjectTypeCount) {
            out->type = cap->obj->type;
        }
    }
    if (cap->kind == SEL4SIM_CAP_ASID_POOL) {
        out->badge = cap->data;
    } else if (cap->kind == SEL4SIM_CAP_OBJECT) {
        switch (cap->obj->type) {
        case seL4_UntypedObject:
            out->untyped_free_bytes = (1ul << cap->obj->size_bits) - (sim_cap_has_children(slot) ? cap->data : 0);
            break;
        case seL4_CapTableObject:
        case seL4_EndpointObject:
        case seL4_NotificationObject:
            out->badge = cap->data;
            break;
        default:
            arch_cap_info(cap, out);
            break;
        }
    }
    return 0;
}

/* The verdict on the cap in one slot. */
static inline int frame_cap_verdict(const sim_cte_t *slot, seL4_Word size_bits)
{
    if (slot == NULL || sim_cap_is_null(&slot->cap)) {
        return SEL4SIM_FRAME_CAP_EMPTY;
    }
    const sim_cap_t *cap = &slot->cap;
    if (cap->kind != SEL4SIM_CAP_OBJECT || SIM_CAP_FRAME_BITS(cap) == 0) {
        return SEL4SIM_FRAME_CAP_NOT_A_FRAME;
    }
    if (SIM_CAP_FRAME_BITS(cap) != size_bits) {
        return SEL4SIM_FRAME_CAP_WRONG_SIZE;
    }
    return arch_frame_cap_is_mapped(cap) ? SEL4SIM_FRAME_CAP_MAPPED : SEL4SIM_FRAME_CAP_OK;
}

/* frame_cap_verdict(slot) == SEL4SIM_FRAME_CAP_OK, for a cap in a slot, where size_bits is not 0
 * (a frame cap's size never is): the same three facts, asked without the order of the others. */
SIM_HOT bool frame_cap_ok(const sim_cap_t *cap, seL4_Word size_bits)
{
    return cap->kind == SEL4SIM_CAP_OBJECT && SIM_CAP_FRAME_BITS(cap) == size_bits && !arch_frame_cap_is_mapped(cap);
}

/* Mark a slot in its chunk's header as seen by first_repeat; whether it was marked already. */
static inline bool check_mark(const sim_cte_t *slot)
{
    sim_cte_chunk_t *chunk = sim_cte_chunk(slot);
    size_t i = (size_t)(slot - chunk->slots);
    uint64_t bit = 1ull << (i % 64);
    bool was = chunk->checking[i / 64] & bit;
    chunk->checking[i / 64] |= bit;
    return was;
}

/* The index of the first of the n caps (each one a frame cap in a slot of this kernel) that an
 * earlier one names too, or n. Each cap's slot is marked in its chunk's header on the way, and
 * every chunk marked is cleared again before returning. */
static size_t first_repeat(sel4sim_kernel_t *k, const seL4_CPtr *caps, size_t n)
{
    size_t r = 0;
    while (r < n && !check_mark(sim_lookup_cptr(k, caps[r]))) {
        r++;
    }
    /* the marks are in the chunks of caps[0..r] (caps[r], a repeat, is in one of theirs) */
    const sim_cte_chunk_t *cleared = NULL;
    for (size_t j = 0; j < r; j++) {
        sim_cte_chunk_t *chunk = sim_cte_chunk(sim_lookup_cptr(k, caps[j]));
        if (chunk != cleared) {
            chunk->checking[0] = chunk->checking[1] = 0;
            cleared = chunk;
        }
    }
    return r;
}

/* sim_cnode_slot for a run of lookups in one CNode while no slot's chunk is made or freed (one
 * call of sel4sim_check_frame_caps): the chunk of the last lookup answers an index that falls in it
 * without the division. */
typedef struct chunk_memo {
    sim_cte_chunk_t *chunk;
    seL4_Word first;        /* the CNode index of chunk's slots[0]; CHUNK_MEMO_NONE before the first */
} chunk_memo_t;

/* A value of first that no CNode index (below 2^SIM_MAX_CNODE_RADIX) is within SIM_CTE_CHUNK_SLOTS of. */
#define CHUNK_MEMO_NONE ((seL4_Word)1 << (seL4_WordBits - 1))
_Static_assert(SIM_MAX_CNODE_RADIX < seL4_WordBits - 1, "CHUNK_MEMO_NONE is above every CNode index");

SIM_HOT sim_cte_t *memo_cnode_slot(const sim_cnode_t *cn, seL4_Word i, chunk_memo_t *memo)
{
    if (__builtin_expect(i - memo->first < SIM_CTE_CHUNK_SLOTS, 1)) {
        return &memo->chunk->slots[i - memo->first];
    }
    sim_cte_chunk_t *chunk = cn->chunks[i / SIM_CTE_CHUNK_SLOTS];
    if (chunk == NULL) {
        return sim_empty_cte();
    }
    memo->chunk = chunk;
    memo->first = i - i % SIM_CTE_CHUNK_SLOTS;
    return &chunk->slots[i % SIM_CTE_CHUNK_SLOTS];
}

/* The CSpace root as sim_lookup_cptr reads it, copied into a loop's locals (read through the
 * kernel, its fields are read again at every cap). */
typedef struct direct_root {
    const sim_cnode_t *cnode; /* root_direct: NULL when cptrs resolve level by level */
    seL4_Word guard, mask;
    unsigned radix;
} direct_root_t;

/* The slot cptr names where the CSpace root resolves it directly (sim_lookup_cptr's first way,
 * sim_root_resolves), else NULL: that cptr is resolved level by level (sim_lookup_cptr_walk). */
SIM_HOT sim_cte_t *memo_direct_slot(const direct_root_t *root, seL4_CPtr cptr, chunk_memo_t *memo)
{
    return root->cnode != NULL && sim_root_guard_matches(cptr, root->radix, root->guard)
               ? memo_cnode_slot(root->cnode, cptr & root->mask, memo) : NULL;
}

/* How far sel4sim_check_frame_caps's checks got: caps[0..checked) passed, with verdict about
 * caps[checked] (SEL4SIM_FRAME_CAP_OK: none yet, or that cap is to be resolved by walking), whether
 * they ascend and the last of them. */
typedef struct frame_caps_progress {
    size_t checked;
    int verdict;
    bool ascending;
    seL4_CPtr previous;
} frame_caps_progress_t;

/* sel4sim_check_frame_caps's checks of the caps the root resolves directly (root->cnode is not NULL,
 * size_bits not 0), from the first, up to one that fails or one to be resolved by walking; nothing
 * here calls out, so what the loop needs stays in registers. Each cap's slot is looked up AHEAD caps
 * before its check, and asked for then, since the caps' slots are scattered between the vka's
 * untyped caps and each is a cache miss; the lookups go through the chunks in order, mostly several
 * caps to a chunk (memo_cnode_slot). */
static frame_caps_progress_t check_direct_frame_caps(const direct_root_t *root, const seL4_CPtr *caps, size_t n,
                                                     seL4_Word size_bits)
{
    enum { AHEAD = 16 };
    sim_cte_t *ahead[AHEAD]; /* the slot of caps[j] at ahead[j % AHEAD], NULL: one to resolve by walking */
    chunk_memo_t memo = { NULL, CHUNK_MEMO_NONE };
    frame_caps_progress_t p = { 0, SEL4SIM_FRAME_CAP_OK, true, seL4_CapNull };
    size_t lead = n > AHEAD ? n - AHEAD : 0; /* the caps with one AHEAD places after them */
    for (size_t j = 0; j < n && j < AHEAD; j++) {
        ahead[j] = memo_direct_slot(root, caps[j], &memo);
        __builtin_prefetch(ahead[j]);
    }
    size_t i;
    bool ascending = true;
    seL4_CPtr previous = seL4_CapNull;
    for (i = 0; i < n; i++) {
        seL4_CPtr cptr = caps[i];
        sim_cte_t *slot = ahead[i % AHEAD];
        if (slot == NULL) {
            break;
        }
        if (i < lead) {
            sim_cte_t *later = memo_direct_slot(root, caps[i + AHEAD], &memo);
            __builtin_prefetch(later);
            ahead[i % AHEAD] = later;
        }
        /* an unmapped frame cap of the size (the verdict of nearly every cap) in three tests */
        if (!frame_cap_ok(&slot->cap, size_bits)) {
            p.verdict = frame_cap_verdict(slot, size_bits);
            if (p.verdict != SEL4SIM_FRAME_CAP_OK) {
                break;
            }
        }
        ascending &= cptr > previous;
        previous = cptr;
    }
    p.checked = i;
    p.ascending = ascending;
    p.previous = previous;
    return p;
}

int sel4sim_check_frame_caps(sel4sim_kernel_t *k, const seL4_CPtr *caps, size_t n, seL4_Word size_bits,
                             size_t *bad_index)
{
    if (k == NULL || (n > 0 && (caps == NULL || bad_index == NULL))) {
        ZF_LOGE("kernel, caps and bad_index must not be NULL");
        return SEL4SIM_FRAME_CAP_EMPTY;
    }
    /* Caps in strictly ascending order (as the vka hands them out) cannot repeat; only other orders
     * pay for the search for a repeat. */
    const direct_root_t root = { k->root_direct, k->root_guard, k->root_mask, k->root_radix };
    frame_caps_progress_t p = { 0, SEL4SIM_FRAME_CAP_OK, true, seL4_CapNull };
    if (root.cnode != NULL && size_bits != 0) {
        /* (a size of 0 is no frame's: every cap gets its verdict below) */
        p = check_direct_frame_caps(&root, caps, n, size_bits);
    }
    int verdict = p.verdict;
    bool ascending = p.ascending;
    seL4_CPtr previous = p.previous;   /* never a frame: the first cap is above it or refused */
    size_t i = p.checked;
    if (verdict == SEL4SIM_FRAME_CAP_OK) {
        /* every cap from the first one the root does not resolve directly, looked up at its check */
        for (; i < n; i++) {
            seL4_CPtr cptr = caps[i];
            verdict = frame_cap_verdict(sim_lookup_cptr(k, cptr), size_bits);
            if (verdict != SEL4SIM_FRAME_CAP_OK) {
                break;
            }
            ascending &= cptr > previous;
            previous = cptr;
        }
    }
    if (verdict != SEL4SIM_FRAME_CAP_OK) {
        *bad_index = i;
    }
    if (!ascending) {
        /* caps[0..i) are frame caps: a repeat among them comes first */
        size_t repeat = first_repeat(k, caps, i);
        if (repeat < i) {
            *bad_index = repeat;
            return SEL4SIM_FRAME_CAP_REPEATED;
        }
    }
    return verdict;
}

void sel4sim_object_counts(sel4sim_kernel_t *k, size_t counts[seL4_ObjectTypeCount])
{
    if (k == NULL || counts == NULL) {
        ZF_LOGE("kernel and counts must not be NULL");
        return;
    }
    for (size_t i = 0; i < seL4_ObjectTypeCount; i++) {
        counts[i] = k->counts[i];
    }
}

seL4_Word sel4sim_untyped_free_bytes(sel4sim_kernel_t *k)
{
    seL4_Word total = 0;
    if (k == NULL) {
        return 0;
    }
    /* Untyped caps live in CNodes; look at every slot of every CNode. */
    for (sim_object_t *obj = k->registry; obj != NULL; obj = obj->reg_next) {
        if (obj->type != seL4_CapTableObject) {
            continue;
        }
        sim_cnode_t *cn = (sim_cnode_t *)obj;
        for (size_t c = 0; c < cn->num_chunks; c++) {
            sim_cte_chunk_t *chunk = cn->chunks[c];
            for (size_t i = 0; chunk != NULL && i < SIM_CTE_CHUNK_SLOTS; i++) {
                sim_cte_t *slot = &chunk->slots[i];
                if (sim_cap_is_type(&slot->cap, seL4_UntypedObject) && !slot->cap.obj->is_device) {
                    seL4_Word size = 1ul << slot->cap.obj->size_bits;
                    total += sim_cap_has_children(slot) ? size - slot->cap.data : size;
                }
            }
        }
    }
    return total;
}

size_t sel4sim_used_slots(sel4sim_kernel_t *k)
{
    size_t used = 0;
    if (k == NULL) {
        return 0;
    }
    sim_trim(k);
    const sim_cnode_t *root = k->root_cnode;
    for (size_t c = 0; c < root->num_chunks; c++) {
        used += root->chunks[c] != NULL ? root->chunks[c]->used : 0;
    }
    return used;
}

size_t sel4sim_kernel_bookkeeping_bytes(sel4sim_kernel_t *k)
{
    if (k == NULL) {
        return 0;
    }
    sim_trim(k);
    return k->bytes[HOST_ALLOC_KERNEL_OBJECTS];
}

size_t sel4sim_object_host_bytes(sel4sim_kernel_t *k, seL4_Word type)
{
    return k == NULL || type >= seL4_ObjectTypeCount ? 0 : k->type_bytes[type];
}

size_t sel4sim_frame_backing_bytes(sel4sim_kernel_t *k)
{
    return k == NULL ? 0 : k->bytes[HOST_ALLOC_FRAME_BACKING];
}
