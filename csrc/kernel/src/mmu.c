/* SPDX-License-Identifier: BSD-2-Clause */
/* The MMU as user code sees it, and the inspection of a vspace's mappings. */

#include <stdlib.h>

#include "kernel_internal.h"

static sim_cte_t *vspace_root_slot(sel4sim_kernel_t *k, seL4_CPtr vspace_root, const char *what)
{
    if (k == NULL) {
        ZF_LOGE("%s: kernel is NULL", what);
        return NULL;
    }
    sim_cte_t *slot = sim_lookup_cptr(k, vspace_root);
    if (slot == NULL || !arch_is_vspace_root(&slot->cap)) {
        ZF_LOGE("%s: cptr 0x%lx is not a vspace root cap", what, vspace_root);
        return NULL;
    }
    return slot;
}

static sim_object_t *vspace_root_obj(sel4sim_kernel_t *k, seL4_CPtr vspace_root, const char *what)
{
    sim_cte_t *slot = vspace_root_slot(k, vspace_root, what);
    return slot == NULL ? NULL : slot->cap.obj;
}

static void set_fault(sel4sim_fault_t *fault, seL4_Word vaddr, sel4sim_access_t access,
                      sel4sim_fault_reason_t reason)
{
    if (fault != NULL) {
        fault->vaddr = vaddr;
        fault->access = access;
        fault->reason = reason;
    }
}

/* Check (and for writes, back) the whole range; only then move bytes. */
static int mmu_access(sel4sim_kernel_t *k, seL4_CPtr vspace_root, seL4_Word vaddr, void *rbuf, const void *wbuf,
                      size_t len, sel4sim_fault_t *fault)
{
    sel4sim_access_t access = wbuf != NULL ? SEL4SIM_ACCESS_WRITE : SEL4SIM_ACCESS_READ;
    sim_translation_t t;
    sim_object_t *root = vspace_root_obj(k, vspace_root, access == SEL4SIM_ACCESS_WRITE ? "mmu_write" : "mmu_read");
    if (root == NULL) {
        set_fault(fault, vaddr, access, SEL4SIM_FAULT_NONE);
        return -1;
    }
    if (len > 0 && (rbuf == NULL && wbuf == NULL)) {
        ZF_LOGE("mmu access of %zu bytes with a NULL buffer", len);
        set_fault(fault, vaddr, access, SEL4SIM_FAULT_NONE);
        return -1;
    }
    seL4_Word v = vaddr;
    for (size_t left = len; left > 0;) {
        if (!arch_translate(root, v, &t)) {
            set_fault(fault, v, access, SEL4SIM_FAULT_UNMAPPED);
            return -1;
        }
        if (access == SEL4SIM_ACCESS_WRITE ? !t.user_write : !t.user_read) {
            set_fault(fault, v, access, SEL4SIM_FAULT_PERMISSION);
            return -1;
        }
        size_t n = (1ul << t.page_bits) - t.offset;
        n = n < left ? n : left;
        if (access == SEL4SIM_ACCESS_WRITE && sim_frame_back(k, t.frame, t.offset, n) != 0) {
            set_fault(fault, v, access, SEL4SIM_FAULT_NONE);
            return -1;
        }
        v += n;
        left -= n;
    }
    v = vaddr;
    for (size_t done = 0; done < len;) {
        arch_translate(root, v, &t);
        size_t n = (1ul << t.page_bits) - t.offset;
        n = n < len - done ? n : len - done;
        if (access == SEL4SIM_ACCESS_WRITE) {
            sim_frame_write(t.frame, t.offset, (const uint8_t *)wbuf + done, n);
        } else {
            sim_frame_read(t.frame, t.offset, (uint8_t *)rbuf + done, n);
        }
        v += n;
        done += n;
    }
    return 0;
}

int sel4sim_mmu_read(sel4sim_kernel_t *k, seL4_CPtr vspace_root, seL4_Word vaddr, void *buf, size_t len,
                     sel4sim_fault_t *fault)
{
    return mmu_access(k, vspace_root, vaddr, buf, NULL, len, fault);
}

int sel4sim_mmu_write(sel4sim_kernel_t *k, seL4_CPtr vspace_root, seL4_Word vaddr, const void *buf, size_t len,
                      sel4sim_fault_t *fault)
{
    if (len > 0 && buf == NULL) {
        ZF_LOGE("mmu_write of %zu bytes from a NULL buffer", len);
        set_fault(fault, vaddr, SEL4SIM_ACCESS_WRITE, SEL4SIM_FAULT_NONE);
        return -1;
    }
    return mmu_access(k, vspace_root, vaddr, NULL, len > 0 ? buf : "", len, fault);
}

/* --- listing mappings --- */

/*
 * Which root-CNode frame cap made a mapping. The page tables remember the slot of the cap that
 * mapped each frame, so this is O(1) while that cap stays where it was. A cap moved since (CNode
 * Move, Mutate, Rotate) is found by a search of the root CNode: a linear scan for one lookup, a
 * sorted index of its mapped frame caps, built once, for a listing.
 */
typedef struct cap_index_entry {
    seL4_Word vaddr;
    const sim_object_t *frame;
    seL4_CPtr cptr;
} cap_index_entry_t;

typedef struct mapping_walk {
    sel4sim_kernel_t *k;
    seL4_Word asid;           /* of the vspace; 0 (none assigned) means no cap can have mapped it */
    bool index_built;
    bool index_failed;
    cap_index_entry_t *index;
    size_t index_len;
    sel4sim_mapping_t *out;
    size_t max, count;
} mapping_walk_t;

static bool cap_made_mapping(const sim_cap_t *c, const sim_object_t *frame, seL4_Word asid, seL4_Word vaddr)
{
    return c->obj == frame && c->kind == SEL4SIM_CAP_OBJECT && c->asid == asid && c->data == vaddr;
}

static int compare_index(const void *a, const void *b)
{
    seL4_Word va = ((const cap_index_entry_t *)a)->vaddr, vb = ((const cap_index_entry_t *)b)->vaddr;
    return va < vb ? -1 : va > vb;
}

/* Index the root CNode's frame caps mapped under w->asid. */
static void build_cap_index(mapping_walk_t *w)
{
    sim_cnode_t *root = w->k->root_cnode;
    size_t len = 0;
    w->index_built = true;
    for (size_t c = 0; c < root->num_chunks; c++) {
        const sim_cte_chunk_t *chunk = root->chunks[c];
        for (size_t i = 0; chunk != NULL && i < SIM_CTE_CHUNK_SLOTS; i++) {
            const sim_cap_t *cap = &chunk->slots[i].cap;
            len += cap->kind == SEL4SIM_CAP_OBJECT && arch_is_frame_type(cap->obj->type) && cap->asid == w->asid;
        }
    }
    if (len == 0) {
        return;
    }
    w->index = sim_calloc(w->k, HOST_ALLOC_KERNEL_OBJECTS, len * sizeof(*w->index));
    if (w->index == NULL) {
        ZF_LOGE("host out of memory listing mappings");
        w->index_failed = true;
        return;
    }
    for (size_t c = 0; c < root->num_chunks; c++) {
        const sim_cte_chunk_t *chunk = root->chunks[c];
        for (size_t i = 0; chunk != NULL && i < SIM_CTE_CHUNK_SLOTS; i++) {
            const sim_cap_t *cap = &chunk->slots[i].cap;
            if (cap->kind == SEL4SIM_CAP_OBJECT && arch_is_frame_type(cap->obj->type) && cap->asid == w->asid) {
                cap_index_entry_t e = { .vaddr = cap->data, .frame = cap->obj, .cptr = c * SIM_CTE_CHUNK_SLOTS + i };
                w->index[w->index_len++] = e;
            }
        }
    }
    qsort(w->index, w->index_len, sizeof(*w->index), compare_index);
}

static seL4_CPtr search_cap_index(const mapping_walk_t *w, seL4_Word vaddr, const sim_object_t *frame)
{
    size_t lo = 0, hi = w->index_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->index[mid].vaddr < vaddr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    seL4_CPtr best = seL4_CapNull;
    for (; lo < w->index_len && w->index[lo].vaddr == vaddr; lo++) {
        if (w->index[lo].frame == frame && (best == seL4_CapNull || w->index[lo].cptr < best)) {
            best = w->index[lo].cptr;
        }
    }
    return best;
}

/* The cap of the mapping of frame at vaddr, given the page table's hint; seL4_CapNull if none. */
static seL4_CPtr find_frame_cap(mapping_walk_t *w, seL4_Word vaddr, const sim_object_t *frame, uint32_t hint,
                                bool use_index)
{
    if (w->asid == 0) {
        return seL4_CapNull;
    }
    sim_cnode_t *root = w->k->root_cnode;
    size_t n = 1ul << sim_cnode_radix(root);
    if (hint != 0 && hint - 1 < n && cap_made_mapping(&sim_cnode_slot(root, hint - 1)->cap, frame, w->asid, vaddr)) {
        return hint - 1;
    }
    if (use_index) {
        if (!w->index_built) {
            build_cap_index(w);
        }
        return search_cap_index(w, vaddr, frame);
    }
    for (size_t c = 0; c < root->num_chunks; c++) {
        const sim_cte_chunk_t *chunk = root->chunks[c];
        for (size_t i = 0; chunk != NULL && i < SIM_CTE_CHUNK_SLOTS; i++) {
            if (cap_made_mapping(&chunk->slots[i].cap, frame, w->asid, vaddr)) {
                return c * SIM_CTE_CHUNK_SLOTS + i;
            }
        }
    }
    return seL4_CapNull;
}

static void fill_mapping(sel4sim_mapping_t *m, seL4_Word vaddr, sim_frame_t *frame, unsigned page_bits,
                         unsigned rights, unsigned attrs, seL4_CPtr cap)
{
    m->vaddr = vaddr;
    m->size_bits = page_bits;
    m->frame_cap = cap;
    m->paddr = frame->hdr.paddr;
    m->rights = arch_mapping_user_rights(rights);
    m->attributes = attrs;
}

static bool visit_mapping(void *ctx, seL4_Word vaddr, sim_frame_t *frame, unsigned page_bits, unsigned rights,
                          unsigned attrs, uint32_t cap_slot)
{
    mapping_walk_t *w = ctx;
    if (w->count < w->max) {
        seL4_CPtr cap = find_frame_cap(w, vaddr, &frame->hdr, cap_slot, true);
        fill_mapping(&w->out[w->count], vaddr, frame, page_bits, rights, attrs, cap);
    }
    w->count++;
    return true;
}


static size_t list_mappings(sel4sim_kernel_t *k, seL4_CPtr vspace_root, seL4_Word first, seL4_Word last,
                            sel4sim_mapping_t *out, size_t max, const char *what)
{
    sim_cte_t *slot = vspace_root_slot(k, vspace_root, what);
    if (slot == NULL) {
        return 0;
    }
    mapping_walk_t w = { .k = k, .asid = slot->cap.mapped ? slot->cap.asid : 0, .out = out,
                         .max = out == NULL ? 0 : max };
    arch_walk_mappings(slot->cap.obj, first, last, visit_mapping, &w);
    sim_free(k, HOST_ALLOC_KERNEL_OBJECTS, w.index, w.index_len * sizeof(*w.index));
    return w.index_failed ? 0 : w.count;
}

size_t sel4sim_vspace_mappings(sel4sim_kernel_t *k, seL4_CPtr vspace_root, sel4sim_mapping_t *out, size_t max)
{
    return list_mappings(k, vspace_root, 0, ~(seL4_Word)0, out, max, "vspace_mappings");
}

size_t sel4sim_vspace_mappings_in(sel4sim_kernel_t *k, seL4_CPtr vspace_root, seL4_Word vaddr, seL4_Word size,
                                  sel4sim_mapping_t *out, size_t max)
{
    if (size == 0) {
        return 0;
    }
    seL4_Word last = vaddr + (size - 1) < vaddr ? ~(seL4_Word)0 : vaddr + (size - 1);
    return list_mappings(k, vspace_root, vaddr, last, out, max, "vspace_mappings_in");
}

size_t sel4sim_vspace_mapped_pages(sel4sim_kernel_t *k, seL4_CPtr vspace_root, seL4_Word vaddr, size_t num_pages,
                                   seL4_Word size_bits)
{
    sim_cte_t *slot = vspace_root_slot(k, vspace_root, "vspace_mapped_pages");
    if (slot == NULL || num_pages == 0 || size_bits >= seL4_WordBits) {
        return 0;
    }
    if (vaddr & ((1ul << size_bits) - 1)) {
        return 0; /* no page of that size starts there */
    }
    return arch_mapped_run(slot->cap.obj, vaddr, num_pages, size_bits);
}

/* Translate vaddr into *out and find the cap that made the mapping (by a scan of the root CNode
 * only when the page table's hint is stale and find_cap is set). */
static int lookup_into(sel4sim_kernel_t *k, seL4_CPtr vspace_root, seL4_Word vaddr, sel4sim_mapping_t *out,
                       bool find_cap, const char *what)
{
    sim_translation_t t;
    sim_cte_t *slot = vspace_root_slot(k, vspace_root, what);
    if (slot == NULL || out == NULL || !arch_translate(slot->cap.obj, vaddr, &t)) {
        return 0;
    }
    seL4_Word page = vaddr - t.offset;
    seL4_CPtr cap = seL4_CapNull;
    if (find_cap) {
        mapping_walk_t w = { .k = k, .asid = slot->cap.mapped ? slot->cap.asid : 0 };
        cap = find_frame_cap(&w, page, &t.frame->hdr, t.cap_slot, false);
    }
    fill_mapping(out, page, t.frame, (unsigned)t.page_bits, t.vm_rights, t.attrs, cap);
    return 1;
}

int sel4sim_vspace_translate(sel4sim_kernel_t *k, seL4_CPtr vspace_root, seL4_Word vaddr, sel4sim_mapping_t *out)
{
    return lookup_into(k, vspace_root, vaddr, out, false, "vspace_translate");
}

int sel4sim_vspace_lookup(sel4sim_kernel_t *k, seL4_CPtr vspace_root, seL4_Word vaddr, sel4sim_mapping_t *out)
{
    return lookup_into(k, vspace_root, vaddr, out, true, "vspace_lookup");
}
