/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86_64: four-level paging (PML4 -> PDPT -> page directory -> page table), 4 KiB / 2 MiB / 1 GiB
 * frames, ASID pools, seL4's VM rights and its x86 mapping invocations.
 *
 * A paging-structure entry is one word: the pointer to the object it refers to (a next-level
 * table or a frame), with the mapping's VM rights in bits 3-4 and its cache attributes
 * (seL4_X86_VMAttributes) in bits 0-2; zero means not present. Objects are SIM_OBJECT_ALIGN
 * aligned to leave those bits free.
 *
 * Next to each frame entry a table keeps which root-CNode slot held the cap that made the
 * mapping (4 bytes), so the mapping's cap is found in O(1) instead of by a scan of the CNode.
 * It is a hint: the cap may have moved since, so readers check it (sim_translation_t.cap_slot).
 */

#include <stddef.h>

#include "../../kernel_internal.h"

#ifdef CONFIG_ARCH_X86_64

#define ENTRIES_PER_TABLE (1u << 9)
#define ENTRY_ATTR_MASK 0x7ul
#define ENTRY_RIGHTS_SHIFT 3
#define ENTRY_PTR_MASK (~(uintptr_t)(SIM_OBJECT_ALIGN - 1))

#define PT_SHIFT (seL4_PageBits + seL4_PageTableIndexBits)          /* 21: what a PD entry spans */
#define PD_SHIFT (PT_SHIFT + seL4_PageDirIndexBits)                 /* 30: what a PDPT entry spans */
#define PDPT_SHIFT (PD_SHIFT + seL4_PDPTIndexBits)                  /* 39: what a PML4 entry spans */
#define VADDR_BITS (PDPT_SHIFT + seL4_PML4IndexBits)                /* 48 */
#define ASID_LOW_BITS seL4_ASIDPoolIndexBits
#define NUM_ASID_POOLS (1u << seL4_NumASIDPoolsBits)

_Static_assert(SIM_OBJECT_ALIGN >= 32, "entries need five low bits for rights and attributes");

typedef struct sim_table {
    sim_object_t hdr;
    uint32_t present;   /* entries that are not 0: walks skip a table with none */
    uint32_t pad;
    uint64_t e[ENTRIES_PER_TABLE];
    /* Frame entries: root-CNode slot + 1 of the cap that mapped the frame, 0 when not known. */
    uint32_t cap_slot[ENTRIES_PER_TABLE];
} sim_table_t;

typedef struct sim_asid_pool {
    sim_object_t hdr;
    sim_object_t *vspace[1u << ASID_LOW_BITS];
} sim_asid_pool_t;

/* --- entries --- */

/* Frame entries carry VM rights (SIM_VM_*, never 0), paging-structure entries none: so whether an
 * entry maps a frame is read from the entry itself, without touching the object. */
static inline uint64_t make_entry(sim_object_t *obj, unsigned vm_rights, seL4_Word attrs)
{
    return (uint64_t)(uintptr_t)obj | ((uint64_t)vm_rights << ENTRY_RIGHTS_SHIFT) | (attrs & ENTRY_ATTR_MASK);
}

static inline bool entry_is_frame(uint64_t e)
{
    return ((e >> ENTRY_RIGHTS_SHIFT) & 3) != 0;
}

/* The frame object type of a frame cap's SIM_CAP_FRAME_BITS. */
static seL4_Word frame_type_of_bits(unsigned size_bits)
{
    switch (size_bits) {
    case seL4_PageBits:
        return seL4_X86_4K;
    case seL4_LargePageBits:
        return seL4_X86_LargePageObject;
    default:
        return seL4_X64_HugePageObject;
    }
}

static inline sim_object_t *entry_obj(uint64_t e)
{
    return (sim_object_t *)(uintptr_t)(e & ENTRY_PTR_MASK);
}

static inline unsigned entry_rights(uint64_t e)
{
    return (unsigned)((e >> ENTRY_RIGHTS_SHIFT) & 3);
}

static inline unsigned entry_attrs(uint64_t e)
{
    return (unsigned)(e & ENTRY_ATTR_MASK);
}

static inline unsigned index_at(seL4_Word vaddr, unsigned shift)
{
    return (unsigned)((vaddr >> shift) & (ENTRIES_PER_TABLE - 1));
}

static inline sim_table_t *as_table(sim_object_t *obj)
{
    return (sim_table_t *)obj;
}

/* The table an entry belongs to, given the entry and its index in it. */
static inline sim_table_t *table_of(uint64_t *entry, unsigned index)
{
    return (sim_table_t *)(void *)((char *)(entry - index) - offsetof(sim_table_t, e));
}

/* Every change of an entry goes through here: the table's count of present entries and the
 * cap-slot hint next to the entry follow it. */
static void entry_store(uint64_t *entry, unsigned index, uint64_t value, uint32_t cap_slot)
{
    sim_table_t *table = table_of(entry, index);
    table->present = table->present + (value != 0) - (*entry != 0);
    *entry = value;
    table->cap_slot[index] = cap_slot;
}

/* The bits of vaddr below an entry mapping an object of this type (frames and paging structures). */
static unsigned entry_shift_for_type(seL4_Word type);

/* --- object types --- */

static bool is_paging_type(seL4_Word type)
{
    return type == seL4_X86_PageTableObject || type == seL4_X86_PageDirectoryObject || type == seL4_X86_PDPTObject
           || type == seL4_X64_PML4Object;
}

bool arch_is_frame_type(seL4_Word type)
{
    return type == seL4_X86_4K || type == seL4_X86_LargePageObject || type == seL4_X64_HugePageObject;
}

seL4_Word arch_object_size_bits(seL4_Word type, seL4_Word user_size)
{
    (void)user_size;
    switch (type) {
    case seL4_X86_4K:
        return seL4_PageBits;
    case seL4_X86_LargePageObject:
        return seL4_LargePageBits;
    case seL4_X64_HugePageObject:
        return seL4_HugePageBits;
    case seL4_X86_PageTableObject:
        return seL4_PageTableBits;
    case seL4_X86_PageDirectoryObject:
        return seL4_PageDirBits;
    case seL4_X86_PDPTObject:
        return seL4_PDPTBits;
    case seL4_X64_PML4Object:
        return seL4_PML4Bits;
    default:
        return seL4_WordBits;
    }
}

sim_object_t *arch_object_new(sel4sim_kernel_t *k, seL4_Word type, seL4_Word paddr)
{
    size_t bytes = arch_is_frame_type(type) ? sizeof(sim_frame_t) : sizeof(sim_table_t);
    return sim_object_new(k, bytes, true, (uint8_t)type, (uint8_t)arch_object_size_bits(type, 0), paddr);
}

sim_cap_t arch_initial_cap(sim_object_t *obj)
{
    sim_cap_t cap;
    memset(&cap, 0, sizeof(cap));
    cap.kind = SEL4SIM_CAP_OBJECT;
    cap.obj = obj;
    cap.rights = arch_is_frame_type(obj->type) ? SIM_VM_READ_WRITE : (uint8_t)seL4_AllRights.words[0];
    SIM_CAP_FRAME_BITS(&cap) = arch_is_frame_type(obj->type) ? obj->size_bits : 0;
    return cap;
}

size_t arch_object_release(sel4sim_kernel_t *k, sim_object_t *obj)
{
    if (arch_is_frame_type(obj->type)) {
        sim_frame_free_backing(k, (sim_frame_t *)obj);
        return sizeof(sim_frame_t);
    }
    if (obj->type == SIM_OBJ_ASID_POOL) {
        return sizeof(sim_asid_pool_t);
    }
    return sizeof(sim_table_t);
}

/* --- rights --- */

static unsigned mask_vm_rights(unsigned vm_rights, seL4_CapRights_t mask)
{
    if (vm_rights == SIM_VM_READ_ONLY && seL4_CapRights_get_capAllowRead(mask)) {
        return SIM_VM_READ_ONLY;
    }
    if (vm_rights == SIM_VM_READ_WRITE && seL4_CapRights_get_capAllowRead(mask)) {
        return seL4_CapRights_get_capAllowWrite(mask) ? SIM_VM_READ_WRITE : SIM_VM_READ_ONLY;
    }
    return SIM_VM_KERNEL_ONLY;
}

seL4_CapRights_t arch_mapping_user_rights(unsigned vm_rights)
{
    switch (vm_rights) {
    case SIM_VM_READ_WRITE:
        return seL4_ReadWrite;
    case SIM_VM_READ_ONLY:
        return seL4_CanRead;
    default:
        return seL4_NoRights;
    }
}

/* --- ASIDs and lookups --- */

static sim_object_t *find_vspace_for_asid(sel4sim_kernel_t *k, seL4_Word asid)
{
    sim_asid_pool_t *pool = (sim_asid_pool_t *)k->arch.asid_table[(asid >> ASID_LOW_BITS) % NUM_ASID_POOLS];
    if (asid >> (ASID_LOW_BITS + seL4_NumASIDPoolsBits) || pool == NULL) {
        return NULL;
    }
    return pool->vspace[asid & ((1u << ASID_LOW_BITS) - 1)];
}

static uint64_t *lookup_pml4_slot(sim_object_t *pml4, seL4_Word vaddr)
{
    return &as_table(pml4)->e[index_at(vaddr, PDPT_SHIFT)];
}

static uint64_t *lookup_pdpt_slot(sim_object_t *pml4, seL4_Word vaddr, sim_lookup_fault_t *fault)
{
    uint64_t e = *lookup_pml4_slot(pml4, vaddr);
    if (e == 0) {
        *fault = sim_fault_missing(PDPT_SHIFT);
        return NULL;
    }
    return &as_table(entry_obj(e))->e[index_at(vaddr, PD_SHIFT)];
}

/* One step down the tables: the entry for vaddr (indexed at index_shift) in the table that *parent
 * points to, or NULL with a missing-capability fault of missing_shift bits when there is none. */
static uint64_t *descend(uint64_t *parent, seL4_Word vaddr, unsigned missing_shift, unsigned index_shift,
                         sim_lookup_fault_t *fault)
{
    if (parent == NULL) {
        return NULL;
    }
    if (*parent == 0 || entry_is_frame(*parent)) {
        *fault = sim_fault_missing(missing_shift);
        return NULL;
    }
    return &as_table(entry_obj(*parent))->e[index_at(vaddr, index_shift)];
}

static uint64_t *lookup_pd_slot(sim_object_t *pml4, seL4_Word vaddr, sim_lookup_fault_t *fault)
{
    return descend(lookup_pdpt_slot(pml4, vaddr, fault), vaddr, PD_SHIFT, PT_SHIFT, fault);
}

static uint64_t *lookup_pt_slot(sim_object_t *pml4, seL4_Word vaddr, sim_lookup_fault_t *fault)
{
    return descend(lookup_pd_slot(pml4, vaddr, fault), vaddr, PT_SHIFT, seL4_PageBits, fault);
}

static unsigned entry_shift_for_type(seL4_Word type)
{
    switch (type) {
    case seL4_X86_4K:
        return seL4_PageBits;
    case seL4_X86_LargePageObject:
    case seL4_X86_PageTableObject:
        return PT_SHIFT;
    case seL4_X64_HugePageObject:
    case seL4_X86_PageDirectoryObject:
        return PD_SHIFT;
    default: /* a PDPT */
        return PDPT_SHIFT;
    }
}

/* The slot that maps a frame or a paging structure of the given type at vaddr. */
static uint64_t *lookup_slot_for_type(sim_object_t *pml4, seL4_Word type, seL4_Word vaddr,
                                      sim_lookup_fault_t *fault)
{
    switch (type) {
    case seL4_X86_4K:
        return lookup_pt_slot(pml4, vaddr, fault);
    case seL4_X86_LargePageObject:
    case seL4_X86_PageTableObject:
        return lookup_pd_slot(pml4, vaddr, fault);
    case seL4_X64_HugePageObject:
    case seL4_X86_PageDirectoryObject:
        return lookup_pdpt_slot(pml4, vaddr, fault);
    default: /* a PDPT */
        return lookup_pml4_slot(pml4, vaddr);
    }
}

/* Remove the entry at (asid, vaddr) if it still refers to obj: what unmapPage / unmapPageTable /
 * unmapPageDirectory / unmapPDPT do. A stale cap (its vspace or paging structure gone or
 * replaced) unmaps nothing. */
static void unmap_object_of_type(sel4sim_kernel_t *k, sim_object_t *obj, seL4_Word type, seL4_Word asid,
                                 seL4_Word vaddr)
{
    sim_lookup_fault_t fault;
    sim_object_t *pml4 = find_vspace_for_asid(k, asid);
    if (pml4 == NULL) {
        return;
    }
    uint64_t *slot = lookup_slot_for_type(pml4, type, vaddr, &fault);
    if (slot != NULL && *slot != 0 && entry_obj(*slot) == obj) {
        entry_store(slot, index_at(vaddr, entry_shift_for_type(type)), 0, 0);
    }
}

static void unmap_object(sel4sim_kernel_t *k, sim_object_t *obj, seL4_Word asid, seL4_Word vaddr)
{
    unmap_object_of_type(k, obj, obj->type, asid, vaddr);
}

/* --- caps --- */

seL4_Error arch_derive_cap(sim_cap_t *cap)
{
    seL4_Word type = cap->obj->type;
    if (arch_is_frame_type(type)) {
        /* A copy of a frame cap is a separate cap that can be mapped somewhere else. */
        cap->asid = 0;
        cap->data = 0;
        return seL4_NoError;
    }
    if (is_paging_type(type) && !cap->mapped) {
        SIM_USER_ERROR("cannot derive a cap to an unmapped paging structure (or a vspace root with no ASID)");
        return seL4_IllegalOperation;
    }
    return seL4_NoError;
}

void arch_mask_cap_rights(sim_cap_t *cap, seL4_CapRights_t mask)
{
    if (arch_is_frame_type(cap->obj->type)) {
        cap->rights = (uint8_t)mask_vm_rights(cap->rights, mask);
    }
}

void arch_finalise_cap(sel4sim_kernel_t *k, sim_cap_t *cap, bool final)
{
    if (cap->kind == SEL4SIM_CAP_ASID_POOL) {
        seL4_Word index = (cap->data >> ASID_LOW_BITS) % NUM_ASID_POOLS;
        if (final && k->arch.asid_table[index] == cap->obj) {
            k->arch.asid_table[index] = NULL;
        }
        return;
    }
    seL4_Word type = cap->obj->type;
    if (arch_is_frame_type(type)) {
        /* Each frame cap holds its own mapping: it goes with the cap, final or not. */
        if (cap->asid != 0) {
            unmap_object(k, cap->obj, cap->asid, cap->data);
        }
    } else if (type == seL4_X64_PML4Object) {
        if (final && cap->mapped) {
            sim_asid_pool_t *pool = (sim_asid_pool_t *)k->arch.asid_table[(cap->asid >> ASID_LOW_BITS)
                                                                          % NUM_ASID_POOLS];
            seL4_Word i = cap->asid & ((1u << ASID_LOW_BITS) - 1);
            if (pool != NULL && pool->vspace[i] == cap->obj) {
                pool->vspace[i] = NULL;
            }
        }
    } else if (final && cap->mapped) {
        unmap_object(k, cap->obj, cap->asid, cap->data);
    }
}

void arch_cap_info(const sim_cap_t *cap, sel4sim_cap_info_t *out)
{
    if (arch_is_frame_type(cap->obj->type)) {
        out->rights = arch_mapping_user_rights(cap->rights);
        out->mapped = cap->asid != 0;
    } else {
        out->mapped = cap->mapped;
    }
    out->mapped_asid = out->mapped ? cap->asid : 0;
    out->mapped_vaddr = out->mapped ? cap->data : 0;
}

bool arch_is_vspace_root(const sim_cap_t *cap)
{
    return sim_cap_is_type(cap, seL4_X64_PML4Object);
}

static bool is_valid_native_root(const sim_cap_t *cap)
{
    return arch_is_vspace_root(cap) && cap->mapped;
}

int arch_boot(sel4sim_kernel_t *k, sim_cte_t *pool_slot)
{
    /* Kernel boot memory, below every untyped. */
    sim_object_t *pool = sim_object_new(k, sizeof(sim_asid_pool_t), false, SIM_OBJ_ASID_POOL, seL4_ASIDPoolBits,
                                        0x2000);
    if (pool == NULL) {
        return -1;
    }
    k->arch.asid_table[0] = pool;
    pool_slot->cap.kind = SEL4SIM_CAP_ASID_POOL;
    pool_slot->cap.obj = pool;
    pool_slot->cap.data = 0;
    SIM_CAP_REVOCABLE(&pool_slot->cap) = 1;
    pool->cap_count = 1;
    return 0;
}

/* --- translation and the vspace walk --- */

bool arch_translate(sim_object_t *root, seL4_Word vaddr, sim_translation_t *out)
{
    if (vaddr >> (VADDR_BITS - 1)) {
        return false; /* kernel half or non-canonical */
    }
    uint64_t e = as_table(root)->e[index_at(vaddr, PDPT_SHIFT)];
    static const unsigned shifts[] = { PD_SHIFT, PT_SHIFT, seL4_PageBits };
    for (unsigned level = 0; level < 3; level++) {
        if (e == 0) {
            return false;
        }
        sim_table_t *table = as_table(entry_obj(e));
        unsigned i = index_at(vaddr, shifts[level]);
        e = table->e[i];
        if (e != 0 && entry_is_frame(e)) {
            unsigned rights = entry_rights(e);
            out->frame = (sim_frame_t *)entry_obj(e);
            out->page_bits = shifts[level];
            out->offset = vaddr & ((1ul << shifts[level]) - 1);
            out->vm_rights = rights;
            out->attrs = entry_attrs(e);
            out->user_read = rights == SIM_VM_READ_ONLY || rights == SIM_VM_READ_WRITE;
            out->user_write = rights == SIM_VM_READ_WRITE;
            out->cap_slot = table->cap_slot[i];
            return true;
        }
    }
    return false;
}

/* Visit the frame entries of table (whose entries span 2^shift bytes from base) that overlap
 * [first, last]; false when visit asked to stop. */
static bool walk_table(sim_table_t *table, unsigned shift, seL4_Word base, seL4_Word first, seL4_Word last,
                       arch_mapping_visit_fn visit, void *ctx)
{
    if (table->present == 0) {
        return true;
    }
    seL4_Word table_last = base + ((seL4_Word)ENTRIES_PER_TABLE << shift) - 1;
    unsigned from = first > base ? (unsigned)((first - base) >> shift) : 0;
    unsigned to = last < table_last ? (unsigned)((last - base) >> shift) : ENTRIES_PER_TABLE - 1;
    for (unsigned i = from; i <= to; i++) {
        /* runs of empty entries (a reservation being freed, a sparse table) are skipped four at a time */
        while (i + 3 <= to && (table->e[i] | table->e[i + 1] | table->e[i + 2] | table->e[i + 3]) == 0) {
            i += 4;
        }
        if (i > to) {
            break;
        }
        uint64_t e = table->e[i];
        if (e == 0) {
            continue;
        }
        seL4_Word vaddr = base | ((seL4_Word)i << shift);
        sim_object_t *obj = entry_obj(e);
        if (entry_is_frame(e)) {
            if (!visit(ctx, vaddr, (sim_frame_t *)obj, shift, entry_rights(e), entry_attrs(e), table->cap_slot[i])) {
                return false;
            }
        } else if (shift > seL4_PageBits) {
            if (!walk_table(as_table(obj), shift - seL4_PageTableIndexBits, vaddr, first, last, visit, ctx)) {
                return false;
            }
        }
    }
    return true;
}

void arch_walk_mappings(sim_object_t *root, seL4_Word first, seL4_Word last, arch_mapping_visit_fn visit, void *ctx)
{
    /* Only the user half: the PML4's lower 256 entries. */
    seL4_Word user_last = (1ul << (VADDR_BITS - 1)) - 1;
    if (first > user_last || first > last) {
        return;
    }
    walk_table(as_table(root), PDPT_SHIFT, 0, first, last < user_last ? last : user_last, visit, ctx);
}

/* The table whose entries map pages of 2^page_bits at vaddr (a page table for 4 KiB pages, a page
 * directory for 2 MiB, a PDPT for 1 GiB), or NULL when it is missing. */
static sim_table_t *table_for_pages(sim_object_t *root, seL4_Word vaddr, seL4_Word page_bits)
{
    static const unsigned shifts[] = { PD_SHIFT, PT_SHIFT, seL4_PageBits };
    uint64_t e = as_table(root)->e[index_at(vaddr, PDPT_SHIFT)];
    for (unsigned level = 0; level < 3; level++) {
        if (e == 0 || entry_is_frame(e)) {
            return NULL;
        }
        if (shifts[level] == page_bits) {
            return as_table(entry_obj(e));
        }
        e = as_table(entry_obj(e))->e[index_at(vaddr, shifts[level])];
    }
    return NULL;
}

size_t arch_mapped_run(sim_object_t *root, seL4_Word vaddr, size_t num_pages, seL4_Word page_bits)
{
    if (page_bits != seL4_PageBits && page_bits != PT_SHIFT && page_bits != PD_SHIFT) {
        return 0;
    }
    size_t count = 0;
    while (count < num_pages) {
        seL4_Word v = vaddr + ((seL4_Word)count << page_bits);
        if (v < vaddr || v >> (VADDR_BITS - 1)) {
            break; /* wrapped, or into the kernel half */
        }
        sim_table_t *table = table_for_pages(root, v, page_bits);
        if (table == NULL) {
            break;
        }
        /* the rest of this table: every entry must map a frame (at this level, of this size) */
        for (unsigned i = index_at(v, page_bits); i < ENTRIES_PER_TABLE && count < num_pages; i++, count++) {
            if (table->e[i] == 0 || !entry_is_frame(table->e[i])) {
                return count;
            }
        }
    }
    return count;
}

/* --- invocations --- */

static sim_cte_t *service_slot(sel4sim_kernel_t *k, seL4_CPtr cptr, const char *what)
{
    sim_cte_t *slot = sim_lookup_cptr(k, cptr);
    if (slot == NULL || sim_cap_is_null(&slot->cap)) {
        SIM_USER_ERROR("%s: invoked cptr 0x%lx is an empty slot", what, cptr);
        sim_error_invalid_cap(k, 0);
        return NULL;
    }
    return slot;
}

/* The cap-slot hint for a frame cap in cte: its root-CNode slot + 1, or 0 for a cap elsewhere. */
static uint32_t root_slot_hint(sel4sim_kernel_t *k, const sim_cte_t *cte)
{
    seL4_Word index = sim_cnode_index_of(k->root_cnode, cte);
    return index == (seL4_Word)-1 ? 0 : (uint32_t)index + 1;
}

static sim_cap_t cap_at(sel4sim_kernel_t *k, seL4_CPtr cptr)
{
    sim_cap_t cap;
    sim_cte_t *slot = sim_lookup_cptr(k, cptr);
    if (slot != NULL) {
        return slot->cap;
    }
    memset(&cap, 0, sizeof(cap));
    return cap;
}

/* The vspace (PML4) named by vspace_cap, checked as every map invocation checks it. */
static seL4_Error check_vspace(sel4sim_kernel_t *k, const sim_cap_t *vspace_cap, const char *what)
{
    if (!is_valid_native_root(vspace_cap)) {
        SIM_USER_ERROR("%s: vspace is not a PML4 cap with an ASID assigned", what);
        return sim_error_invalid_cap(k, 1);
    }
    return seL4_NoError;
}

static seL4_Error check_asid(sel4sim_kernel_t *k, const sim_cap_t *vspace_cap, const char *what)
{
    sim_object_t *found = find_vspace_for_asid(k, vspace_cap->asid);
    if (found == NULL) {
        SIM_USER_ERROR("%s: the vspace's ASID %u no longer refers to a vspace", what, vspace_cap->asid);
        return sim_error_lookup(k, false, sim_fault_invalid_root());
    }
    if (found != vspace_cap->obj) {
        SIM_USER_ERROR("%s: the vspace's ASID %u refers to another vspace", what, vspace_cap->asid);
        return sim_error_invalid_cap(k, 1);
    }
    return seL4_NoError;
}

seL4_Error sel4sim_sys_x86_page_map(sel4sim_kernel_t *k, seL4_CPtr service, seL4_CPtr vspace, seL4_Word vaddr,
                                    seL4_CapRights_t rights, seL4_Word attr)
{
    static const char what[] = "X86Page_Map";
    seL4_Error err;
    sim_lookup_fault_t fault;
    if (sim_syscall_kernel(k, what) == NULL) {
        return seL4_IllegalOperation;
    }
    sim_cte_t *slot = service_slot(k, service, what);
    if (slot == NULL) {
        return seL4_InvalidCapability;
    }
    sim_cap_t *cap = &slot->cap;
    unsigned frame_bits = SIM_CAP_FRAME_BITS(cap);
    if (cap->kind != SEL4SIM_CAP_OBJECT || frame_bits == 0) {
        SIM_USER_ERROR("%s: cptr 0x%lx is not a frame cap", what, service);
        return sim_error(k, seL4_IllegalOperation);
    }
    seL4_Word frame_type = frame_type_of_bits(frame_bits);
    sim_cap_t vspace_cap = cap_at(k, vspace);
    if ((err = check_vspace(k, &vspace_cap, what)) != seL4_NoError) {
        return err;
    }
    seL4_Word asid = vspace_cap.asid;
    seL4_Word size = 1ul << frame_bits;
    if (cap->asid != 0) {
        if (cap->asid != asid) {
            SIM_USER_ERROR("%s: frame cap is already mapped in another vspace", what);
            return sim_error_invalid_cap(k, 1);
        }
        if (cap->data != vaddr) {
            SIM_USER_ERROR("%s: frame cap is already mapped at 0x%lx, cannot map it at 0x%lx too", what, cap->data, vaddr);
            return sim_error_invalid_arg(k, 0);
        }
    } else if (vaddr > seL4_UserTop || vaddr + size > seL4_UserTop || vaddr + size < vaddr) {
        SIM_USER_ERROR("%s: 0x%lx + 0x%lx reaches above seL4_UserTop", what, vaddr, size);
        return sim_error_invalid_arg(k, 0);
    }
    if ((err = check_asid(k, &vspace_cap, what)) != seL4_NoError) {
        return err;
    }
    unsigned vm_rights = mask_vm_rights(cap->rights, rights);
    if (vaddr & (size - 1)) {
        SIM_USER_ERROR("%s: vaddr 0x%lx is not aligned to the frame size 0x%lx", what, vaddr, size);
        return sim_error(k, seL4_AlignmentError);
    }
    uint64_t *entry = lookup_slot_for_type(vspace_cap.obj, frame_type, vaddr, &fault);
    if (entry == NULL) {
        SIM_USER_ERROR("%s: no paging structure for 0x%lx (%lu bits left to resolve)", what, vaddr, fault.bits_left);
        return sim_error_lookup(k, false, fault);
    }
    if (*entry != 0 && !entry_is_frame(*entry)) {
        SIM_USER_ERROR("%s: a paging structure is mapped where the frame would go at 0x%lx", what, vaddr);
        return sim_error(k, seL4_DeleteFirst);
    }
    /* seL4 replaces a frame mapping already in this slot (a remap of this cap updates its rights). */
    entry_store(entry, index_at(vaddr, frame_bits), make_entry(cap->obj, vm_rights, attr), root_slot_hint(k, slot));
    cap->asid = (uint16_t)asid;
    cap->data = vaddr;
    return seL4_NoError;
}

seL4_Error sel4sim_sys_x86_page_unmap(sel4sim_kernel_t *k, seL4_CPtr service)
{
    static const char what[] = "X86Page_Unmap";
    if (sim_syscall_kernel(k, what) == NULL) {
        return seL4_IllegalOperation;
    }
    sim_cte_t *slot = service_slot(k, service, what);
    if (slot == NULL) {
        return seL4_InvalidCapability;
    }
    sim_cap_t *cap = &slot->cap;
    if (cap->kind != SEL4SIM_CAP_OBJECT || SIM_CAP_FRAME_BITS(cap) == 0) {
        SIM_USER_ERROR("%s: cptr 0x%lx is not a frame cap", what, service);
        return sim_error(k, seL4_IllegalOperation);
    }
    if (cap->asid != 0) {
        unmap_object_of_type(k, cap->obj, frame_type_of_bits(SIM_CAP_FRAME_BITS(cap)), cap->asid, cap->data);
        cap->asid = 0;
        cap->data = 0;
    }
    return seL4_NoError;
}

seL4_Error sel4sim_sys_x86_page_get_address(sel4sim_kernel_t *k, seL4_CPtr service, seL4_Word *paddr)
{
    static const char what[] = "X86Page_GetAddress";
    *paddr = 0;
    if (sim_syscall_kernel(k, what) == NULL) {
        return seL4_IllegalOperation;
    }
    sim_cte_t *slot = service_slot(k, service, what);
    if (slot == NULL) {
        return seL4_InvalidCapability;
    }
    if (slot->cap.kind != SEL4SIM_CAP_OBJECT || !arch_is_frame_type(slot->cap.obj->type)) {
        SIM_USER_ERROR("%s: cptr 0x%lx is not a frame cap", what, service);
        return sim_error(k, seL4_IllegalOperation);
    }
    *paddr = slot->cap.obj->paddr;
    k->ipc.msg[0] = *paddr;
    return seL4_NoError;
}

static const char *level_name(seL4_Word level)
{
    switch (level) {
    case seL4_X86_PageTableObject:
        return "X86PageTable";
    case seL4_X86_PageDirectoryObject:
        return "X86PageDirectory";
    default:
        return "X86PDPT";
    }
}

static unsigned level_shift(seL4_Word level)
{
    switch (level) {
    case seL4_X86_PageTableObject:
        return PT_SHIFT;
    case seL4_X86_PageDirectoryObject:
        return PD_SHIFT;
    default:
        return PDPT_SHIFT;
    }
}

static bool valid_level(seL4_Word level)
{
    return level == seL4_X86_PageTableObject || level == seL4_X86_PageDirectoryObject
           || level == seL4_X86_PDPTObject;
}

/* The checks every paging-structure invocation starts with: a paging level, a selected kernel, and
 * a service cap of that level. On success *what names the level and *slot holds the cap. */
static seL4_Error paging_service(sel4sim_kernel_t *k, seL4_Word level, seL4_CPtr service, const char *op,
                                 const char **what, sim_cte_t **slot)
{
    if (!valid_level(level)) {
        SIM_USER_ERROR("paging %s: %lu is not a paging-structure type", op, level);
        return seL4_InvalidArgument;
    }
    *what = level_name(level);
    if (sim_syscall_kernel(k, *what) == NULL) {
        return seL4_IllegalOperation;
    }
    *slot = service_slot(k, service, *what);
    if (*slot == NULL) {
        return seL4_InvalidCapability;
    }
    if (!sim_cap_is_type(&(*slot)->cap, level)) {
        SIM_USER_ERROR("%s_%s: cptr 0x%lx is not a %s cap", *what, op, service, *what);
        return sim_error(k, seL4_IllegalOperation);
    }
    return seL4_NoError;
}

seL4_Error sel4sim_sys_x86_paging_map(sel4sim_kernel_t *k, seL4_Word level, seL4_CPtr service, seL4_CPtr vspace,
                                      seL4_Word vaddr, seL4_Word attr)
{
    seL4_Error err;
    sim_lookup_fault_t fault;
    const char *what;
    sim_cte_t *slot;
    if ((err = paging_service(k, level, service, "Map", &what, &slot)) != seL4_NoError) {
        return err;
    }
    sim_cap_t *cap = &slot->cap;
    if (cap->mapped) {
        SIM_USER_ERROR("%s_Map: already mapped", what);
        return sim_error_invalid_cap(k, 0);
    }
    vaddr &= ~((1ul << level_shift(level)) - 1);
    sim_cap_t vspace_cap = cap_at(k, vspace);
    if ((err = check_vspace(k, &vspace_cap, what)) != seL4_NoError) {
        return err;
    }
    if (vaddr > seL4_UserTop) {
        SIM_USER_ERROR("%s_Map: 0x%lx is above seL4_UserTop", what, vaddr);
        return sim_error_invalid_arg(k, 0);
    }
    if ((err = check_asid(k, &vspace_cap, what)) != seL4_NoError) {
        return err;
    }
    uint64_t *entry = lookup_slot_for_type(vspace_cap.obj, level, vaddr, &fault);
    if (entry == NULL) {
        SIM_USER_ERROR("%s_Map: no paging structure above 0x%lx (%lu bits left to resolve)", what, vaddr, fault.bits_left);
        return sim_error_lookup(k, false, fault);
    }
    if (*entry != 0) {
        SIM_USER_ERROR("%s_Map: something is already mapped at 0x%lx at this level", what, vaddr);
        return sim_error(k, seL4_DeleteFirst);
    }
    entry_store(entry, index_at(vaddr, entry_shift_for_type(level)), make_entry(cap->obj, 0, attr), 0);
    cap->mapped = 1;
    cap->asid = vspace_cap.asid;
    cap->data = vaddr;
    return seL4_NoError;
}

seL4_Error sel4sim_sys_x86_paging_unmap(sel4sim_kernel_t *k, seL4_Word level, seL4_CPtr service)
{
    const char *what;
    sim_cte_t *slot;
    seL4_Error err = paging_service(k, level, service, "Unmap", &what, &slot);
    if (err != seL4_NoError) {
        return err;
    }
    sim_cap_t *cap = &slot->cap;
    if (!sim_cap_is_final(slot)) {
        SIM_USER_ERROR("%s_Unmap: other caps to this paging structure exist", what);
        return sim_error(k, seL4_RevokeFirst);
    }
    if (cap->mapped) {
        unmap_object(k, cap->obj, cap->asid, cap->data);
        /* seL4 zeroes an unmapped paging structure. */
        memset(as_table(cap->obj)->e, 0, sizeof(as_table(cap->obj)->e));
        memset(as_table(cap->obj)->cap_slot, 0, sizeof(as_table(cap->obj)->cap_slot));
        as_table(cap->obj)->present = 0;
    }
    cap->mapped = 0;
    return seL4_NoError;
}

seL4_Error sel4sim_sys_x86_asid_control_make_pool(sel4sim_kernel_t *k, seL4_CPtr service, seL4_CPtr untyped,
                                                  seL4_CPtr root, seL4_Word index, seL4_Word depth)
{
    static const char what[] = "X86ASIDControl_MakePool";
    if (sim_syscall_kernel(k, what) == NULL) {
        return seL4_IllegalOperation;
    }
    sim_cte_t *slot = service_slot(k, service, what);
    if (slot == NULL) {
        return seL4_InvalidCapability;
    }
    if (slot->cap.kind != SEL4SIM_CAP_ASID_CONTROL) {
        SIM_USER_ERROR("%s: cptr 0x%lx is not the ASID control cap", what, service);
        return sim_error(k, seL4_IllegalOperation);
    }
    unsigned i;
    for (i = 0; i < NUM_ASID_POOLS && k->arch.asid_table[i] != NULL; i++) {
    }
    if (i == NUM_ASID_POOLS) {
        SIM_USER_ERROR("%s: all %u ASID pools exist", what, NUM_ASID_POOLS);
        return sim_error(k, seL4_DeleteFirst);
    }
    sim_cte_t *ut_slot = sim_lookup_cptr(k, untyped);
    if (ut_slot == NULL || !sim_cap_is_type(&ut_slot->cap, seL4_UntypedObject)
        || ut_slot->cap.obj->size_bits != seL4_ASIDPoolBits || ut_slot->cap.obj->is_device) {
        SIM_USER_ERROR("%s: untyped must be a non-device untyped cap of exactly 2^%d bytes", what, seL4_ASIDPoolBits);
        return sim_error_invalid_cap(k, 1);
    }
    if (sim_cap_has_children(ut_slot)) {
        SIM_USER_ERROR("%s: the untyped has children", what);
        return sim_error(k, seL4_RevokeFirst);
    }
    sim_cap_t root_cap = cap_at(k, root);
    sim_cte_t *dest;
    seL4_Error err = sim_lookup_slot_for_cnode_op(k, false, &root_cap, index, depth, &dest);
    if (err != seL4_NoError) {
        return err;
    }
    if (!sim_cap_is_null(&dest->cap)) {
        SIM_USER_ERROR("%s: destination slot is not empty", what);
        return sim_error(k, seL4_DeleteFirst);
    }
    sim_object_t *pool = sim_object_new(k, sizeof(sim_asid_pool_t), false, SIM_OBJ_ASID_POOL, seL4_ASIDPoolBits,
                                        ut_slot->cap.obj->paddr);
    if (pool == NULL) {
        return sim_error_memory(k, 0);
    }
    ut_slot->cap.data = 1ul << seL4_ASIDPoolBits;
    k->arch.asid_table[i] = pool;
    sim_cap_t pool_cap;
    memset(&pool_cap, 0, sizeof(pool_cap));
    pool_cap.kind = SEL4SIM_CAP_ASID_POOL;
    pool_cap.obj = pool;
    pool_cap.data = (seL4_Word)i << ASID_LOW_BITS;
    sim_cte_insert(pool_cap, ut_slot, dest);
    return seL4_NoError;
}

seL4_Error sel4sim_sys_x86_asid_pool_assign(sel4sim_kernel_t *k, seL4_CPtr service, seL4_CPtr vspace)
{
    static const char what[] = "X86ASIDPool_Assign";
    if (sim_syscall_kernel(k, what) == NULL) {
        return seL4_IllegalOperation;
    }
    sim_cte_t *slot = service_slot(k, service, what);
    if (slot == NULL) {
        return seL4_InvalidCapability;
    }
    if (slot->cap.kind != SEL4SIM_CAP_ASID_POOL) {
        SIM_USER_ERROR("%s: cptr 0x%lx is not an ASID pool cap", what, service);
        return sim_error(k, seL4_IllegalOperation);
    }
    sim_cte_t *vspace_slot = sim_lookup_cptr(k, vspace);
    if (vspace_slot == NULL || !arch_is_vspace_root(&vspace_slot->cap) || vspace_slot->cap.mapped) {
        SIM_USER_ERROR("%s: vspace must be a PML4 cap with no ASID yet", what);
        return sim_error_invalid_cap(k, 1);
    }
    seL4_Word base = slot->cap.data;
    sim_asid_pool_t *pool = (sim_asid_pool_t *)k->arch.asid_table[(base >> ASID_LOW_BITS) % NUM_ASID_POOLS];
    if (pool == NULL) {
        SIM_USER_ERROR("%s: the pool's ASID range has no pool", what);
        return sim_error_lookup(k, false, sim_fault_invalid_root());
    }
    if (&pool->hdr != slot->cap.obj) {
        SIM_USER_ERROR("%s: the pool's ASID range belongs to another pool", what);
        return sim_error_invalid_cap(k, 0);
    }
    unsigned i;
    for (i = 0; i < (1u << ASID_LOW_BITS) && (base + i == 0 || pool->vspace[i] != NULL); i++) {
    }
    if (i == (1u << ASID_LOW_BITS)) {
        SIM_USER_ERROR("%s: the pool has no free ASID", what);
        return sim_error(k, seL4_DeleteFirst);
    }
    pool->vspace[i] = vspace_slot->cap.obj;
    vspace_slot->cap.asid = (uint16_t)(base + i);
    vspace_slot->cap.mapped = 1;
    return seL4_NoError;
}

#endif /* CONFIG_ARCH_X86_64 */
