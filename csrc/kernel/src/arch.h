/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The seam between the generic kernel and an architecture: object types and sizes, creation and
 * destruction of arch objects, what deriving / masking / finalising an arch cap does, address
 * translation and the vspace walk. src/arch/uniform_pt.h implements it for the three arches, each
 * arch's src/arch/<arch>/vspace.c giving it that arch's types and its frame map's checks.
 */
#pragma once

/* Object size in bits for an arch type (generic types are handled by the caller). */
seL4_Word arch_object_size_bits(seL4_Word type, seL4_Word user_size);
bool arch_is_frame_type(seL4_Word type);
/* A new arch object at paddr, registered; NULL when the host is out of memory. */
sim_object_t *arch_object_new(sel4sim_kernel_t *k, seL4_Word type, seL4_Word paddr);
/* The cap Retype hands out for a new arch object. */
sim_cap_t arch_initial_cap(sim_object_t *obj);
/* Free what an arch object owns beyond its struct (frame contents); the struct itself is freed
 * by the caller. Returns the struct's host size. */
size_t arch_object_release(sel4sim_kernel_t *k, sim_object_t *obj);

/* deriveCap for arch caps: may refuse (seL4_IllegalOperation) or strip the mapping. */
seL4_Error arch_derive_cap(sim_cap_t *cap);
/* maskCapRights for arch caps. */
void arch_mask_cap_rights(sim_cap_t *cap, seL4_CapRights_t mask);
/* finaliseCap for arch caps: unmap the frame, the paging structure or the ASID, as seL4 does. */
void arch_finalise_cap(sel4sim_kernel_t *k, sim_cap_t *cap, bool final);
/* Fill the arch-specific parts of a cap description. */
void arch_cap_info(const sim_cap_t *cap, sel4sim_cap_info_t *out);

/* Boot: the initial ASID pool, owned by the kernel (not from untyped). */
int arch_boot(sel4sim_kernel_t *k, sim_cte_t *pool_slot);

/* The user's view of vaddr in the vspace rooted at root: the frame, the offset in it, and what
 * user code may do. Returns false when nothing is mapped. O(paging levels). */
typedef struct sim_translation {
    sim_frame_t *frame;
    seL4_Word offset;
    seL4_Word page_bits;
    unsigned vm_rights, attrs;   /* as the entry holds them */
    bool user_read, user_write;
    /* Root-CNode slot + 1 of the cap that made the mapping, 0 if not known. A hint: the cap may
     * have moved or gone since, so check the slot before trusting it. */
    uint32_t cap_slot;
} sim_translation_t;
bool arch_translate(sim_object_t *root, seL4_Word vaddr, sim_translation_t *out);
bool arch_is_vspace_root(const sim_cap_t *cap);
/* Visit every page mapping of root that overlaps [first, last] (user half only) by ascending vaddr;
 * stop when visit returns false. page_bits is the frame's size (known from the paging level, so a
 * visitor need not read the frame); cap_slot is the hint of sim_translation_t. Empty tables and
 * entries outside the range are skipped, so a walk costs O(levels + entries in range). */
typedef bool (*arch_mapping_visit_fn)(void *ctx, seL4_Word vaddr, sim_frame_t *frame, unsigned page_bits,
                                      unsigned rights, unsigned attrs, uint32_t cap_slot);
void arch_walk_mappings(sim_object_t *root, seL4_Word first, seL4_Word last, arch_mapping_visit_fn visit, void *ctx);
/* How many of the num_pages pages of 2^page_bits bytes from vaddr, counted from the first, are each
 * mapped by a frame of exactly that size: a scan of the entries, one table lookup per table. */
size_t arch_mapped_run(sim_object_t *root, seL4_Word vaddr, size_t num_pages, seL4_Word page_bits);
/* Effective user rights of an arch rights value in a mapping. */
seL4_CapRights_t arch_mapping_user_rights(unsigned vm_rights);
