/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The simulated seL4 kernel: create one, select it so that libsel4 calls reach it, and inspect
 * its state (mappings, caps, objects, free memory) and its MMU. See csrc/kernel/README.md for what
 * it models and what it does not.
 */
#pragma once

#include <stddef.h>
#include <sel4/sel4.h>

typedef struct sel4sim_kernel sel4sim_kernel_t;

/*
 * A fresh kernel. Its root CNode has 2^cnode_size_bits slots (5 <= cnode_size_bits <= 24) and a
 * guard that makes a cptr resolve at depth seL4_WordBits; its cap is in seL4_CapInitThreadCNode,
 * the ASID control cap in seL4_CapASIDControl and an initial ASID pool (ASIDs 1..511) in
 * seL4_CapInitThreadASIDPool. Untyped memory of 2^untyped_size_bits bytes
 * (seL4_MinUntypedBits <= untyped_size_bits <= seL4_MaxUntypedBits) is handed out as untyped caps
 * from slot seL4_NumInitialCaps on, as the bootinfo describes, at a nonzero physical address.
 * Returns NULL (with an error logged) on bad arguments or when the host is out of memory.
 */
sel4sim_kernel_t *sel4sim_kernel_new(unsigned untyped_size_bits, unsigned cnode_size_bits);
/* Frees every host byte the kernel owns; deselects it if the calling thread had selected it. NULL
 * is ignored. */
void sel4sim_kernel_destroy(sel4sim_kernel_t *k);
/* libsel4 calls of the calling thread go to the kernel it selected (NULL deselects: libsel4 calls
 * then fail). The selection is per thread; a kernel itself must not be used by two threads at once. */
void sel4sim_kernel_select(sel4sim_kernel_t *k);
sel4sim_kernel_t *sel4sim_kernel_current(void);
/* The boot info: empty slots and untyped regions as seL4 reports them. */
const seL4_BootInfo *sel4sim_kernel_bootinfo(sel4sim_kernel_t *k);
/* The kernel's IPC buffer (the one seL4_GetMR / seL4_SetMR use while it is selected). */
seL4_IPCBuffer *sel4sim_kernel_ipc_buffer(sel4sim_kernel_t *k);

/* One mapping of a vspace. rights are the effective user rights after maskVMRights: a
 * kernel-only mapping shows seL4_NoRights. attributes are the seL4_X86_VMAttributes given. */
typedef struct sel4sim_mapping {
    seL4_Word vaddr;
    seL4_Word size_bits;
    seL4_CPtr frame_cap;   /* a cap in the root CNode whose mapping this is, or seL4_CapNull */
    seL4_Word paddr;
    seL4_CapRights_t rights;
    seL4_Word attributes;
} sel4sim_mapping_t;

/* Mappings of the vspace whose root (PML4) cap is vspace_root, by ascending vaddr. Returns the
 * total count and fills at most max entries of out (out may be NULL when max is 0); returns 0
 * with an error logged when vspace_root is not a vspace root cap. */
size_t sel4sim_vspace_mappings(sel4sim_kernel_t *k, seL4_CPtr vspace_root, sel4sim_mapping_t *out, size_t max);
/* Mappings of that vspace overlapping [vaddr, vaddr + size), by ascending vaddr, as
 * sel4sim_vspace_mappings reports them; costs O(paging levels + entries in the range). */
size_t sel4sim_vspace_mappings_in(sel4sim_kernel_t *k, seL4_CPtr vspace_root, seL4_Word vaddr, seL4_Word size,
                                  sel4sim_mapping_t *out, size_t max);
/* The mapping covering vaddr: 1 and *out filled, or 0; O(paging levels). frame_cap is the cap
 * that made the mapping, found in O(1) unless that cap was moved to another slot since (then by a
 * scan of the root CNode); sel4sim_vspace_translate leaves it seL4_CapNull. */
int sel4sim_vspace_translate(sel4sim_kernel_t *k, seL4_CPtr vspace_root, seL4_Word vaddr, sel4sim_mapping_t *out);
int sel4sim_vspace_lookup(sel4sim_kernel_t *k, seL4_CPtr vspace_root, seL4_Word vaddr, sel4sim_mapping_t *out);
/* How many of the num_pages pages of 2^size_bits bytes from vaddr, counted from the first, are each
 * mapped by a frame of exactly that size starting at the page: num_pages when all are. One walk
 * of the page tables, O(paging levels + pages). 0 with an error logged for a bad vspace_root. */
size_t sel4sim_vspace_mapped_pages(sel4sim_kernel_t *k, seL4_CPtr vspace_root, seL4_Word vaddr, size_t num_pages,
                                   seL4_Word size_bits);

typedef enum { SEL4SIM_ACCESS_READ, SEL4SIM_ACCESS_WRITE } sel4sim_access_t;
typedef enum {
    SEL4SIM_FAULT_NONE,        /* no fault (or the host could not allocate backing memory) */
    SEL4SIM_FAULT_UNMAPPED,    /* no mapping at the address */
    SEL4SIM_FAULT_PERMISSION   /* mapped, but not for this access from user level */
} sel4sim_fault_reason_t;
typedef struct sel4sim_fault {
    seL4_Word vaddr;
    sel4sim_access_t access;
    sel4sim_fault_reason_t reason;
} sel4sim_fault_t;

/*
 * User-level access through vspace_root's page tables, as the MMU would make it; the range may
 * cross pages and frames. The whole range is checked before any byte moves, so a faulting access
 * has no effect. Returns 0, or -1 with *fault (if not NULL) describing the first faulting byte.
 */
int sel4sim_mmu_read(sel4sim_kernel_t *k, seL4_CPtr vspace_root, seL4_Word vaddr, void *buf, size_t len,
                     sel4sim_fault_t *fault);
int sel4sim_mmu_write(sel4sim_kernel_t *k, seL4_CPtr vspace_root, seL4_Word vaddr, const void *buf, size_t len,
                      sel4sim_fault_t *fault);

/* What a cap is. SEL4SIM_CAP_OBJECT caps name a kernel object (type says which). */
typedef enum {
    SEL4SIM_CAP_NULL = 0,
    SEL4SIM_CAP_OBJECT,
    SEL4SIM_CAP_ASID_CONTROL,
    SEL4SIM_CAP_ASID_POOL
} sel4sim_cap_kind_t;

typedef struct sel4sim_cap_info {
    int type;                 /* seL4_ObjectType of the object, or -1 for caps that name none */
    seL4_Word size_bits;      /* object size (CNodes: radix + seL4_SlotBits) */
    seL4_CapRights_t rights;  /* frames: the cap's VM rights as read/write bits; others: cap rights */
    seL4_Word paddr;
    int mapped;               /* frames, paging structures, vspace roots (ASID assigned) */
    seL4_Word mapped_vaddr;
    seL4_Word mapped_asid;
    int kind;                 /* sel4sim_cap_kind_t */
    seL4_Word badge;          /* endpoint/notification badge; CNode guard; ASID pool base */
    seL4_Word untyped_free_bytes; /* untyped caps: bytes from the watermark to the end */
} sel4sim_cap_info_t;

/* 0 and *out filled, or -1 for an empty slot or a cptr that does not resolve. */
int sel4sim_cap_info(sel4sim_kernel_t *k, seL4_CPtr cap, sel4sim_cap_info_t *out);

/* Why a cap cannot be mapped as a frame of a given size (sel4sim_check_frame_caps). */
typedef enum {
    SEL4SIM_FRAME_CAP_OK = 0,
    SEL4SIM_FRAME_CAP_EMPTY,        /* an empty slot, or a cptr that does not resolve */
    SEL4SIM_FRAME_CAP_NOT_A_FRAME,
    SEL4SIM_FRAME_CAP_WRONG_SIZE,   /* a frame of another size */
    SEL4SIM_FRAME_CAP_MAPPED,       /* a frame cap that already holds a mapping */
    SEL4SIM_FRAME_CAP_REPEATED      /* a cap an earlier entry of the same array names already */
} sel4sim_frame_cap_check_t;

/* Check that each of the n caps is an unmapped frame cap of 2^size_bits bytes, and that no cap
 * appears twice (one frame cannot hold two of the mappings asked for). Returns
 * SEL4SIM_FRAME_CAP_OK, or the first problem with *bad_index set to that cap's index (for a
 * repeat, the later of the two). What sel4sim_cap_info would tell, at a few nanoseconds per cap;
 * the kernel's state is as it was when it returns. */
int sel4sim_check_frame_caps(sel4sim_kernel_t *k, const seL4_CPtr *caps, size_t n, seL4_Word size_bits,
                             size_t *bad_index);
/* Live objects by seL4_ObjectType (the boot root CNode and untyped included). */
void sel4sim_object_counts(sel4sim_kernel_t *k, size_t counts[seL4_ObjectTypeCount]);
/* Bytes a retype could still use, over all untyped caps: a cap with no children counts in full
 * (retype resets it), otherwise from its watermark to its end. */
seL4_Word sel4sim_untyped_free_bytes(sel4sim_kernel_t *k);
/* Non-empty slots of the root CNode. */
size_t sel4sim_used_slots(sel4sim_kernel_t *k);
/* Host bytes the kernel holds: its bookkeeping (objects, caps, page tables) and frame contents. */
size_t sel4sim_kernel_bookkeeping_bytes(sel4sim_kernel_t *k);
size_t sel4sim_frame_backing_bytes(sel4sim_kernel_t *k);
/* Host bytes of the live objects of one seL4_ObjectType: their structs (a paging structure's
 * entries included; a CNode's slot array and frame contents not). 0 for an unknown type. */
size_t sel4sim_object_host_bytes(sel4sim_kernel_t *k, seL4_Word type);
