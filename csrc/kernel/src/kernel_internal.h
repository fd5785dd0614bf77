/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The simulated kernel's private structures, shared by its generic parts (cspace, untyped,
 * syscalls, MMU) and its architecture part (src/arch/<arch>/), which plugs in through arch.h.
 *
 * Cost model: a cap slot is 40 bytes (24-byte cap + MDB links), a 4 KiB frame object 40 bytes,
 * a page-table entry 8 bytes plus the 4-byte slot of the cap that mapped it; 92 bytes of
 * bookkeeping per mapped 4 KiB frame (the budget is 96).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <sel4sim/kernel.h>
#include <sel4sim/syscalls.h>
#include <sel4vspace_common/alloc.h>
#include <utils/zf_log.h>

/* Why an invocation failed, as a debug kernel's userError would say it. Debug level: callers such
 * as sel4utils provoke and handle some failures on purpose (a failed lookup tells them which
 * paging structure to add), so these are not errors of the library under test. */
#define SIM_USER_ERROR(...) ZF_LOGD(__VA_ARGS__)

/* The small helpers on every frame invocation's path (W1 maps and unmaps pages by the hundred
 * thousand), which GCC would otherwise inline on one arch and call on another. */
#define SIM_HOT static inline __attribute__((always_inline))

/* Kernel objects the API has no seL4_ObjectType for. */
#define SIM_OBJ_ASID_POOL ((uint8_t)seL4_ObjectTypeCount)
#define SIM_NUM_OBJ_TYPES (seL4_ObjectTypeCount + 1)

/* Objects referenced from page-table entries are aligned so that an entry can carry the mapping's
 * rights and attributes in the low bits of the object pointer. */
#define SIM_OBJECT_ALIGN 32

/* Aligned objects of at most SIM_SLAB_SLOT bytes (frames: made by the hundred thousand) take
 * their structs from 4 KiB slabs of such slots, so that frames made one after another sit one
 * after another in memory instead of scattered between the host allocations made in between;
 * walking many mappings in order then reads frames in order. Slabs are freed with the kernel. */
#define SIM_SLAB_SLOT 64
#define SIM_SLAB_BYTES 65536 /* 64 KiB at a time: 4 KiB-aligned blocks one by one fragment the heap */

/* Host limit on CNode size: a CNode's table of chunk pointers (8 bytes per SIM_CTE_CHUNK_SLOTS
 * slots) is allocated when it is made; its slots only when used. */
#define SIM_MAX_CNODE_RADIX 24

typedef struct sim_object {
    struct sim_object *reg_prev, *reg_next; /* every live object, so destroy can free them all */
    seL4_Word paddr;
    uint32_t cap_count;                      /* caps naming this object; 0 means it is gone */
    uint8_t type;                            /* seL4_ObjectType, or SIM_OBJ_ASID_POOL */
    uint8_t size_bits;
    uint8_t is_device;
    uint8_t in_slab;                         /* its struct is a slab slot (see SIM_SLAB_SLOT) */
} sim_object_t;

typedef struct sim_cap {
    sim_object_t *obj;   /* NULL for null and ASID control caps */
    seL4_Word data;      /* mapped vaddr (frames, paging structures); watermark offset in bytes
                            (untyped); guard (CNode); badge (endpoint, notification);
                            ASID base (ASID pool) */
    uint16_t asid;       /* mapped ASID; 0 is asidInvalid */
    uint8_t kind;        /* sel4sim_cap_kind_t */
    uint8_t rights;      /* frames: vm rights (SIM_VM_*); others: seL4_CapRights_t word */
    uint8_t guard_size;  /* CNode caps */
    uint8_t mapped;      /* paging structures: IsMapped; vspace roots: ASID assigned */
    uint8_t pad[2];
} sim_cap_t;

typedef struct sim_cte {
    sim_cap_t cap;
    struct sim_cte *mdb_prev, *mdb_next; /* the derivation tree, as seL4's linked MDB */
} sim_cte_t;

/* MDB flag kept in the cap's spare byte: this cap may have children (seL4's mdbRevocable). */
#define SIM_CAP_REVOCABLE(cap) ((cap)->pad[0])
/* Frame caps: the frame's size_bits, set when the cap is made (copies inherit it); 0 in every
 * other cap. Mapping, unmapping and checking a frame cap then never touch the frame object, which
 * is a cache miss per page when thousands are mapped at once. */
#define SIM_CAP_FRAME_BITS(cap) ((cap)->pad[1])

/*
 * CNode slots are host memory only while they are used: a CNode's 2^radix slots come in chunks of
 * SIM_CTE_CHUNK_SLOTS, each one 4 KiB block aligned to its size (so a slot's chunk is its address
 * rounded down), allocated when a cap is first put in one of its slots and freed once its last
 * cap is gone. A slot of a missing chunk reads as the empty slot sim_empty_cte(), which nothing
 * writes: every path that puts a cap in a slot asks for it with sim_cnode_slot_alloc (or through
 * sim_lookup_slot_for_cnode_op for a destination), which makes the chunk.
 */
#define SIM_CTE_CHUNK_BYTES 4096

typedef struct sim_cte_chunk {
    struct sel4sim_kernel *kernel;   /* NULL for the spare chunk (the empty slot and a scratch slot) */
    struct sim_cnode *cnode;
    struct sim_cte_chunk *trim_next; /* on the kernel's list of chunks to free if still empty */
    uint32_t index;                  /* its place in cnode->chunks */
    uint32_t used;                   /* slots holding a cap */
    uint64_t checking[2];            /* slots sel4sim_check_frame_caps has passed, while it runs */
    uint8_t on_trim_list;
    sim_cte_t slots[];
} sim_cte_chunk_t;

#define SIM_CTE_CHUNK_SLOTS ((SIM_CTE_CHUNK_BYTES - sizeof(sim_cte_chunk_t)) / sizeof(sim_cte_t))
_Static_assert(SIM_CTE_CHUNK_SLOTS <= 128, "a chunk's checking bits cover its slots");

typedef struct sim_cnode {
    sim_object_t hdr;
    sim_cte_chunk_t **chunks;    /* ceil(2^radix / SIM_CTE_CHUNK_SLOTS), radix = hdr.size_bits - seL4_SlotBits */
    size_t num_chunks;
    struct sim_cnode *reap_next; /* on the kernel's reap list once its last cap is gone */
} sim_cnode_t;

typedef struct sim_frame {
    sim_object_t hdr;
    /* NULL until first written. 4 KiB frames: the 4096 bytes. Larger frames: an array of
     * 2^(size_bits - 12) pointers to 4 KiB chunks, each NULL until first written. */
    void *data;
} sim_frame_t;

/* VM rights as seL4 encodes them in frame caps. */
enum { SIM_VM_KERNEL_ONLY = 1, SIM_VM_READ_ONLY = 2, SIM_VM_READ_WRITE = 3 };

typedef struct sim_lookup_fault {
    int type;            /* seL4_LookupFailureType */
    seL4_Word bits_left;
    seL4_Word bits_found;
    seL4_Word guard_found;
} sim_lookup_fault_t;

#include "arch/arch_state.h"

struct sel4sim_kernel {
    seL4_IPCBuffer ipc;
    seL4_BootInfo bootinfo;
    sim_cap_t cspace_root;    /* the thread's CSpace root: the root CNode cap with its guard */
    sim_cnode_t *root_cnode;
    /* The CSpace root, decided at boot (it never changes): when its guard and radix cover the whole
     * word, a cptr whose bits above root_radix are root_guard names slot (cptr & root_mask) of
     * root_direct; root_direct is NULL when cptrs must be resolved level by level. */
    sim_cnode_t *root_direct;
    seL4_Word root_guard, root_mask;
    unsigned root_radix;
    sim_object_t *registry;   /* head of the list of live objects */
    sim_cnode_t *reap_head;   /* CNodes whose last cap went, to be emptied and freed */
    sim_cte_chunk_t *trim_head; /* CNode chunks that were empty at some point of this operation */
    sim_cte_chunk_t *chunk_free; /* chunk blocks to reuse, each holding the next in trim_next */
    void *chunk_pools;        /* every pool of chunk blocks, each holding the next in its first block */
    size_t counts[SIM_NUM_OBJ_TYPES];
    size_t type_bytes[SIM_NUM_OBJ_TYPES]; /* host bytes of the live objects' structs, by type */
    void *slab_free;          /* free slab slots, each holding the next */
    void *slabs;              /* every slab, each holding the next in its first slot */
    size_t bytes[HOST_ALLOC_NUM_CATEGORIES];
    sim_arch_state_t arch;
};

/* --- host memory, accounted globally (host_alloc) and per kernel --- */
void *sim_calloc(sel4sim_kernel_t *k, host_alloc_category cat, size_t size);
void *sim_aligned_calloc(sel4sim_kernel_t *k, host_alloc_category cat, size_t size);
void sim_free(sel4sim_kernel_t *k, host_alloc_category cat, void *p, size_t size);

/* --- objects --- */
/* A zeroed object of obj_bytes host bytes, registered; NULL when the host is out of memory. */
sim_object_t *sim_object_new(sel4sim_kernel_t *k, size_t obj_bytes, bool aligned, uint8_t type,
                             uint8_t size_bits, seL4_Word paddr);
/* Unregister and free an object and everything it owns (never its caps' other objects). */
void sim_object_free(sel4sim_kernel_t *k, sim_object_t *obj);
size_t sim_object_host_bytes(const sim_object_t *obj);

/* --- frames' contents --- */
void sim_frame_read(const sim_frame_t *f, seL4_Word offset, void *buf, size_t len);
/* Make sure backing exists for [offset, offset + len); -1 when the host is out of memory. */
int sim_frame_back(sel4sim_kernel_t *k, sim_frame_t *f, seL4_Word offset, size_t len);
void sim_frame_write(sim_frame_t *f, seL4_Word offset, const void *buf, size_t len);
void sim_frame_free_backing(sel4sim_kernel_t *k, sim_frame_t *f);
size_t sim_frame_struct_bytes(void);

/* --- capabilities and the CSpace --- */
static inline bool sim_cap_is_null(const sim_cap_t *c)
{
    return c->kind == SEL4SIM_CAP_NULL;
}
static inline bool sim_cap_is_type(const sim_cap_t *c, seL4_Word type)
{
    return c->kind == SEL4SIM_CAP_OBJECT && c->obj->type == type;
}
static inline unsigned sim_cnode_radix(const sim_cnode_t *cn)
{
    return cn->hdr.size_bits - seL4_SlotBits;
}

/* The empty slot that a slot of a missing chunk reads as, and a slot to park a cap in while
 * swapping two (both in the spare chunk, whose counts mean nothing). */
extern unsigned char sim_spare_chunk[SIM_CTE_CHUNK_BYTES];
static inline sim_cte_t *sim_empty_cte(void)
{
    return &((sim_cte_chunk_t *)(void *)sim_spare_chunk)->slots[0];
}
static inline sim_cte_t *sim_scratch_cte(void)
{
    return &((sim_cte_chunk_t *)(void *)sim_spare_chunk)->slots[1];
}
/* Nothing was written to the empty slot (a kernel bug if something was; sim_trim drops it). */
static inline bool sim_empty_cte_is_clean(void)
{
    const sim_cte_t *empty = sim_empty_cte();
    /* one test of the three (every system call asks) */
    return sim_cap_is_null(&empty->cap) & (((uintptr_t)empty->mdb_next | (uintptr_t)empty->mdb_prev) == 0);
}
static inline sim_cte_chunk_t *sim_cte_chunk(const sim_cte_t *cte)
{
    return (sim_cte_chunk_t *)((uintptr_t)cte & ~(uintptr_t)(SIM_CTE_CHUNK_BYTES - 1));
}
/* Slot i of a CNode for reading: the empty slot when its chunk does not exist. */
static inline sim_cte_t *sim_cnode_slot(const sim_cnode_t *cn, seL4_Word i)
{
    sim_cte_chunk_t *chunk = cn->chunks[i / SIM_CTE_CHUNK_SLOTS];
    return chunk != NULL ? &chunk->slots[i % SIM_CTE_CHUNK_SLOTS] : sim_empty_cte();
}
/* Slot i of a CNode for writing: its chunk is made if missing. NULL when the host is out of memory. */
sim_cte_t *sim_cnode_slot_alloc(sel4sim_kernel_t *k, sim_cnode_t *cn, seL4_Word i);
/* The index of cte in cn, or (seL4_Word)-1 when it is not one of cn's slots. */
seL4_Word sim_cnode_index_of(const sim_cnode_t *cn, const sim_cte_t *cte);
/* A cap was put in the empty slot cte / taken out of cte (which is now empty). */
static inline void sim_cte_filled(sim_cte_t *cte)
{
    sim_cte_chunk(cte)->used++;
}
void sim_cte_emptied(sim_cte_t *cte);
/* Free the chunks that became empty. Called where no slot pointer is held: at the start of every
 * system call, after reaping, and before the kernel reports its slots or host bytes. Most system
 * calls find nothing to do: that test is inline, the work in sim_trim_slow. */
void sim_trim_slow(sel4sim_kernel_t *k);
static inline void sim_trim(sel4sim_kernel_t *k)
{
    if (k->trim_head != NULL || !sim_empty_cte_is_clean()) {
        sim_trim_slow(k);
    }
}
/* Free the pools chunks come from (kernel destroy: every CNode is gone). */
void sim_chunk_pools_release(sel4sim_kernel_t *k);
/* Make and free a CNode's chunk table (freeing frees its chunks, caps or not). */
int sim_cnode_init(sel4sim_kernel_t *k, sim_cnode_t *cn);
void sim_cnode_release(sel4sim_kernel_t *k, sim_cnode_t *cn);

/* Resolve a cptr in the thread's CSpace at full depth, as seL4 resolves an invoked cap. Returns
 * NULL (and logs) where seL4 would raise a cap fault; callers treat that as an empty slot. */
sim_cte_t *sim_lookup_cptr_walk(sel4sim_kernel_t *k, seL4_CPtr cptr);
/* True when the CSpace root covers the whole word (root_direct) and cptr's guard matches: then cptr
 * names slot (cptr & root_mask) of the root CNode (never (seL4_Word)-1: the radix is at most
 * SIM_MAX_CNODE_RADIX); otherwise the cptr resolves level by level. */
static inline bool sim_root_guard_matches(seL4_CPtr cptr, unsigned root_radix, seL4_Word root_guard)
{
    return (cptr >> root_radix) == root_guard;
}
static inline bool sim_root_resolves(const sel4sim_kernel_t *k, seL4_CPtr cptr)
{
    return k->root_direct != NULL && sim_root_guard_matches(cptr, k->root_radix, k->root_guard);
}
/* The root-CNode slot index cptr names where sim_root_resolves, else (seL4_Word)-1. */
static inline seL4_Word sim_root_index(const sel4sim_kernel_t *k, seL4_CPtr cptr)
{
    return sim_root_resolves(k, cptr) ? cptr & k->root_mask : (seL4_Word)-1;
}
static inline sim_cte_t *sim_lookup_cptr(sel4sim_kernel_t *k, seL4_CPtr cptr)
{
    /* Every invocation resolves caps: when the CSpace root's guard and radix cover the whole word
     * (as the boot CSpace's do), resolving is one guard check and an index, inlined here. */
    return sim_root_resolves(k, cptr) ? sim_cnode_slot(k->root_direct, cptr & k->root_mask)
                                      : sim_lookup_cptr_walk(k, cptr);
}
/* seL4's lookupSlotForCNodeOp: root must be a CNode cap; depth 1..64; all bits resolved. */
seL4_Error sim_lookup_slot_for_cnode_op(sel4sim_kernel_t *k, bool is_source, const sim_cap_t *root,
                                        seL4_Word index, seL4_Word depth, sim_cte_t **out);
/* A destination slot of an invocation that fills one: sim_lookup_slot_for_cnode_op, then the slot
 * must be empty (seL4's ensureEmptySlot: seL4_DeleteFirst); what names the invocation. */
seL4_Error sim_lookup_empty_slot(sel4sim_kernel_t *k, const sim_cap_t *root, seL4_Word index, seL4_Word depth,
                                 const char *what, sim_cte_t **out);
bool sim_cap_has_children(const sim_cte_t *slot);
bool sim_cap_is_final(const sim_cte_t *slot);
/* Insert new_cap into the empty dest as a child of src (cteInsert). */
void sim_cte_insert(sim_cap_t new_cap, sim_cte_t *src, sim_cte_t *dest);
/* Insert a freshly made cap right after its parent, as revocable (insertNewCap). */
void sim_cte_insert_new(sim_cte_t *parent, sim_cte_t *dest, sim_cap_t cap);
void sim_cte_move(sim_cap_t new_cap, sim_cte_t *src, sim_cte_t *dest);
/* cteDelete: finalise the cap (unmapping as seL4 does) and empty the slot. */
void sim_cte_delete(sel4sim_kernel_t *k, sim_cte_t *slot);
/* cteRevoke: delete every descendant. */
void sim_cte_revoke(sel4sim_kernel_t *k, sim_cte_t *slot);
/* Free CNodes that lost their last cap, deleting what they still hold. Call at the end of every
 * operation that deletes caps. */
void sim_reap(sel4sim_kernel_t *k);

/* --- reply messages --- */
seL4_Error sim_error(sel4sim_kernel_t *k, seL4_Error err);
seL4_Error sim_error_invalid_cap(sel4sim_kernel_t *k, seL4_Word cap_number);
seL4_Error sim_error_invalid_arg(sel4sim_kernel_t *k, seL4_Word arg_number);
seL4_Error sim_error_range(sel4sim_kernel_t *k, seL4_Word min, seL4_Word max);
seL4_Error sim_error_memory(sel4sim_kernel_t *k, seL4_Word bytes_left);
seL4_Error sim_error_lookup(sel4sim_kernel_t *k, bool was_source, sim_lookup_fault_t fault);
sim_lookup_fault_t sim_fault_missing(seL4_Word bits_left);
sim_lookup_fault_t sim_fault_invalid_root(void);

/* The kernel named by a syscall, or NULL (logged) when none is selected. Every invocation starts
 * here, so it is inline. */
sel4sim_kernel_t *sim_no_kernel(const char *what);
static inline sel4sim_kernel_t *sim_syscall_kernel(sel4sim_kernel_t *k, const char *what)
{
    if (k == NULL) {
        return sim_no_kernel(what);
    }
    /* No slot pointer is held between system calls: free the CNode chunks the last one emptied. */
    sim_trim(k);
    return k;
}

#include "arch.h"
