/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The host world the library under test runs in: one simulated kernel, a vka
 * over its root CNode and untyped memory, and a loader vspace that hands the
 * sel4utils vspace its bookkeeping memory from the host. On top of that, the
 * life cycle of a sel4utils vspace as a seL4 process loader would run it:
 * a vspace root with an ASID, sel4utils_get_vspace, and after tear down the freeing
 * of every paging structure the vspace reported.
 *
 * Every function selects the world's kernel before it does anything, so
 * libsel4 calls made by the vspace afterwards reach that kernel;
 * sel4vspace_host_world_select does only that, for callers driving several
 * worlds through the vspace_* functions directly.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sel4/sel4.h>
#include <sel4sim/kernel.h>
#include <vka/vka.h>
#include <vka/object.h>
#include <vspace/vspace.h>

typedef struct host_world host_world_t;
typedef struct host_vspace host_vspace_t;

/*
 * A new world: a kernel with 2^untyped_size_bits bytes of untyped memory and a
 * root CNode of 2^cnode_size_bits slots. NULL (with an error logged) if the
 * kernel refuses the sizes or the host is out of memory.
 */
host_world_t *sel4vspace_host_world_new(unsigned untyped_size_bits, unsigned cnode_size_bits);
/* Destroys the world's remaining vspaces (freeing their frames), then the vka and the kernel. NULL is ignored. */
void sel4vspace_host_world_destroy(host_world_t *w);
/* Destroys the world's remaining vspaces with vspace_tear_down(VSPACE_PRESERVE) (the kernel goes
 * next, so nothing is freed one by one), then the vka and the kernel. NULL is ignored. */
void sel4vspace_host_world_close(host_world_t *w);
/* Make the world's kernel the one libsel4 calls reach. */
void sel4vspace_host_world_select(host_world_t *w);
sel4sim_kernel_t *sel4vspace_host_world_kernel(host_world_t *w);
/* The host vka: cslots from the boot info's empty region, objects from the untyped memory. */
vka_t *sel4vspace_host_world_vka(host_world_t *w);

/* Host bytes the loader has handed out and not taken back (the vspaces' bookkeeping). */
size_t sel4vspace_host_world_loader_bytes(host_world_t *w);
/* Free cslots left in the empty region, and bytes of untyped the vka could still hand out. */
size_t sel4vspace_host_world_free_slots(host_world_t *w);
/* How many objects the vka was asked for that could come from device memory (can_use_dev). The
 * simulated machine has none, so they come from RAM: this tells whether a caller asked. */
size_t sel4vspace_host_world_device_requests(host_world_t *w);
/* The log cause (sel4vspace_common/log.h) the host vka raises when it refuses a cslot because the
 * root CNode's empty region is used up. */
#define SEL4VSPACE_HOST_CAUSE_CSLOTS_RAN_OUT 1u
/* Nonzero when the host vka refused a cslot in the calling thread since its last
 * sel4vspace_log_clear_last_error: the reason behind whatever error line the failed call logged last. */
int sel4vspace_log_cslots_ran_out(void);
/* The log cause the host vka raises when no free untyped block is large enough for an object. */
#define SEL4VSPACE_HOST_CAUSE_UNTYPED_RAN_OUT 2u
/* Nonzero when the host vka refused an object in the calling thread since its last
 * sel4vspace_log_clear_last_error because its untyped memory had no room for it. */
int sel4vspace_log_untyped_ran_out(void);
seL4_Word sel4vspace_host_world_free_untyped_bytes(host_world_t *w);

/*
 * A frame of 2^size_bits bytes (seL4_PageBits, seL4_LargePageBits or
 * seL4_HugePageBits) from the world's vka, owned by the caller: free it with
 * sel4vspace_host_free_object. Returns 0, or -1 with an error logged.
 */
int sel4vspace_host_alloc_frame(host_world_t *w, size_t size_bits, vka_object_t *out);
/*
 * n frames as sel4vspace_host_alloc_frame makes them, into out[0..n), in one call. All or
 * nothing: when frame i cannot be made, the i made before it are freed, *failed (if not NULL)
 * is set to i and -1 returned with an error logged. Returns 0 when all n were made.
 */
int sel4vspace_host_alloc_frames(host_world_t *w, size_t size_bits, size_t n, vka_object_t *out, size_t *failed);
/* Delete an object's cap and give its slot and memory back to the world's vka. */
void sel4vspace_host_free_object(host_world_t *w, vka_object_t *object);
/*
 * Copy cap into a new slot with rights masked by `rights` (seL4_CNode_Mint
 * with badge 0). Returns the new cptr, or seL4_CapNull with an error logged.
 */
seL4_CPtr sel4vspace_host_copy_cap(host_world_t *w, seL4_CPtr cap, seL4_CapRights_t rights);
/* Delete a cap and free its slot (for caps from sel4vspace_host_copy_cap). Returns the seL4 error. */
int sel4vspace_host_delete_cap(host_world_t *w, seL4_CPtr cap);

/*
 * A new address space: a vspace root (the arch's, arch.h) from the world's vka, assigned an ASID from the
 * initial ASID pool, managed by a sel4utils vspace whose bookkeeping comes
 * from the world's loader. NULL with an error logged on failure.
 */
host_vspace_t *sel4vspace_host_vspace_new(host_world_t *w);
vspace_t *sel4vspace_host_vspace_vspace(host_vspace_t *v);
seL4_CPtr sel4vspace_host_vspace_root(host_vspace_t *v);
host_world_t *sel4vspace_host_vspace_world(host_vspace_t *v);
/* At least as many as the pages the vspace maps that are not the caller's frames (frames its
 * allocator allocated, copies it made for share_mem): never fewer, so that at 0 every page is the
 * caller's. The calls that map or unmap such pages count them. */
size_t sel4vspace_host_vspace_foreign(host_vspace_t *v);
void sel4vspace_host_vspace_count_foreign(host_vspace_t *v, size_t more, size_t fewer);
/* How many paging structures the vspace has reported through allocated_object so far. */
size_t sel4vspace_host_vspace_paging_objects(host_vspace_t *v);
/* The vspace's next call makes this many 4 KiB frames (vspace_new_pages and _at_vaddr), so its vka
 * may take them in slabs of 16 (see host_vka.c); 0 once the call is over. */
void sel4vspace_host_vspace_bulk_frames(host_vspace_t *v, size_t frames);
/*
 * vspace_tear_down(free_frames) (VSPACE_FREE, VSPACE_PRESERVE or a vka), then
 * free every paging structure the vspace reported, then the vspace root (which
 * releases its ASID), then the host_vspace itself. NULL is ignored.
 */
void sel4vspace_host_vspace_destroy(host_vspace_t *v, vka_t *free_frames);

/*
 * Delete a frame cap of the caller's, with everything that goes with it. family[0] is the cap:
 * with object (the vka object it was allocated as) an original, whose copies of the caller's are
 * family[1..nfamily); without, a copy (nfamily is 1). First every cap of the family that is mapped
 * is unmapped through the vspace whose allocator recorded it (VSPACE_PRESERVE); for an original
 * with shared set, then every copy an allocator made of the frame (share_mem) is unmapped through
 * that allocator (VSPACE_FREE); then a copy is deleted and its slot freed, or an original is revoked,
 * its copies' slots freed and the object returned to the vka. Returns seL4_NoError, or the seL4
 * error (seL4_NotEnoughMemory when the host is out of memory: nothing changed).
 */
int sel4vspace_host_delete_frame(host_world_t *w, const seL4_CPtr *family, size_t nfamily, vka_object_t *object,
                                 int shared);

/*
 * Tear a vspace down: unmap every page through its allocator (a cap among callers, sorted: kept,
 * VSPACE_PRESERVE; a copy the allocator made: deleted, VSPACE_FREE; the allocator's own frames are
 * left to the tear down), unmap the copies elsewhere of its own frames whose physical addresses
 * are among shared (sorted), then sel4vspace_host_vspace_destroy(v, VSPACE_FREE), which frees v.
 * Returns seL4_NoError, or the seL4 error (seL4_NotEnoughMemory: nothing changed).
 */
int sel4vspace_host_tear_down(host_vspace_t *v, const seL4_CPtr *callers, size_t ncallers, const seL4_Word *shared,
                              size_t nshared);

/*
 * Unmap, through the allocator that recorded it, every mapping in any vspace of w of a frame whose
 * physical address is among paddrs (sorted): a cap among callers (sorted) with VSPACE_PRESERVE,
 * a copy the allocator made (its cookie is 0) with VSPACE_FREE; the allocator's own frames are
 * left. Returns 0, or -1 (host out of memory) having changed nothing.
 */
int sel4vspace_host_release_paddrs(host_world_t *w, const seL4_Word *paddrs, size_t npaddrs, const seL4_CPtr *callers,
                                   size_t ncallers);

/* Sort n words in place; whether the sorted array a of n words holds x (binary search). */
void sel4vspace_host_sort_words(seL4_Word *a, size_t n);
bool sel4vspace_host_sorted_contains(const seL4_Word *a, size_t n, seL4_Word x);
