/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The virtual-memory core the three architectures share: every level is a table of
 * 2^seL4_PageTableIndexBits entries (x86_64 gives each level its own object type, AArch64 adds a
 * VSpace type for the root, RISC-V has one page-table type throughout), and the walk from the root
 * goes down while the entry refers to a table. Where it stops, and how many address bits the entry
 * there spans, tells an invocation whether its object goes there or which level is missing; what it
 * then does with that (a fault, seL4_DeleteFirst, a replaced entry) is the architecture's.
 *
 * Included once, by the architecture's vspace.c, which defines before it:
 *   PT_LEVELS            levels, the root included (4 on x86_64 and AArch64, 3 for Sv39)
 *   SIM_USER_LAST        the highest virtual address user mappings may cover
 *   PT_ATTR_MASK         the bits of the attribute word a frame mapping keeps
 *   PT_INVOCATION_PREFIX what the names of the invocations start with in messages ("X86", "ARM", "RISCV")
 *   PT_PAGE_TYPE, PT_LARGE_PAGE_TYPE, PT_HUGE_PAGE_TYPE
 *                        the object types of 4 KiB, 2 MiB and 1 GiB frames
 *   PT_ROOT_TYPE         the object type of a vspace root (the one an ASID is assigned to)
 *   PT_TABLE_TYPE        (optional) the one page-table type of every level below the root, where
 *                        the arch has one (AArch64, RISC-V: there this file also makes the
 *                        PageTable_Map and PageTable_Unmap invocations); without it the arch defines
 *                        is_table_type(), the types of the levels below the root, and its own
 *                        invocations for them
 *   PT_TABLE_VADDR_LAST  (optional) the highest vaddr a paging-structure map accepts, SIM_USER_LAST
 *                        when not defined
 *   FRAME_OVER_TABLE_FAILS_LOOKUP
 *                        1 where a frame map whose walk goes below the frame's level (a paging
 *                        structure is where the frame would go) is a failed lookup (AArch64,
 *                        RISC-V), 0 where it is seL4_DeleteFirst (x86_64)
 * and after it frame_map_checks(), its frame map's checks, which come in an order of each arch's own.
 *
 * An entry is one word: the object pointer, VM rights in bits 3-4 (frames only, never 0 for a
 * frame), attributes in bits 0-2, 0 when empty. Objects are SIM_OBJECT_ALIGN aligned to leave those
 * bits free, so whether an entry maps a frame is read from the entry without touching the object.
 * Each table keeps a count of its present entries and, for frame entries, the root-CNode slot of the
 * cap that made the mapping (a hint: the cap may have moved since, so readers check it).
 */
#pragma once

#include <stddef.h>

#include "../kernel_internal.h"

#define ENTRIES_PER_TABLE (1u << seL4_PageTableIndexBits)
#define ENTRY_ATTR_MASK 0x7ul
#define ENTRY_RIGHTS_SHIFT 3
#define ENTRY_PTR_MASK (~(uintptr_t)(SIM_OBJECT_ALIGN - 1))
/* The bits of vaddr below a root entry. */
#define ROOT_SHIFT (seL4_PageBits + seL4_PageTableIndexBits * (PT_LEVELS - 1))
#define ASID_LOW_BITS seL4_ASIDPoolIndexBits
#define NUM_ASID_POOLS (1u << seL4_NumASIDPoolsBits)
#ifndef PT_TABLE_VADDR_LAST
#define PT_TABLE_VADDR_LAST SIM_USER_LAST
#endif

_Static_assert(SIM_OBJECT_ALIGN >= 32, "entries need five low bits for rights and attributes");
_Static_assert(ASID_LOW_BITS + seL4_NumASIDPoolsBits <= 16, "an ASID must fit the cap's 16 bits");

typedef struct sim_table {
    sim_object_t hdr;
    uint32_t present;   /* entries that are not 0: walks skip a table with none */
    uint16_t root_asid; /* the ASID this table is the root of, 0 when it is none's */
    uint16_t pad;
    uint64_t e[ENTRIES_PER_TABLE];
    /* Frame entries: root-CNode slot + 1 of the cap that mapped the frame, 0 when not known. */
    uint32_t cap_slot[ENTRIES_PER_TABLE];
} sim_table_t;

typedef struct sim_asid_pool {
    sim_object_t hdr;
    sim_object_t *vspace[1u << ASID_LOW_BITS];
} sim_asid_pool_t;

/* --- entries --- */

static inline uint64_t make_entry(sim_object_t *obj, unsigned vm_rights, seL4_Word attrs)
{
    return (uint64_t)(uintptr_t)obj | ((uint64_t)vm_rights << ENTRY_RIGHTS_SHIFT) | (attrs & ENTRY_ATTR_MASK);
}

static inline bool entry_is_frame(uint64_t e)
{
    return ((e >> ENTRY_RIGHTS_SHIFT) & 3) != 0;
}

static inline bool entry_is_table(uint64_t e)
{
    return e != 0 && !entry_is_frame(e);
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

static inline sim_table_t *table_of(uint64_t *entry, unsigned index)
{
    return (sim_table_t *)(void *)((char *)(entry - index) - offsetof(sim_table_t, e));
}

/* The walk memo (lookup_frame_slot) holds while no entry that refers to a table changes and no
 * paging structure is cleared or freed; each of those forgets it. */
static inline void walk_memo_forget(sel4sim_kernel_t *k)
{
    k->arch.walk_root = NULL;
}

/* Every change of an entry goes through here, so the count, the cap-slot hint and the walk memo
 * follow it: entry index of table. */
SIM_HOT void table_entry_store(sel4sim_kernel_t *k, sim_table_t *table, unsigned index, uint64_t value,
                               uint32_t cap_slot)
{
    uint64_t *entry = &table->e[index];
    if (entry_is_table(*entry) || entry_is_table(value)) {
        walk_memo_forget(k);
    }
    table->present = table->present + (value != 0) - (*entry != 0);
    *entry = value;
    table->cap_slot[index] = cap_slot;
}

static void table_clear(sel4sim_kernel_t *k, sim_table_t *table)
{
    walk_memo_forget(k);
    memset(table->e, 0, sizeof(table->e));
    memset(table->cap_slot, 0, sizeof(table->cap_slot));
    table->present = 0;
}

/* --- the walk --- */

/* Where the walk for vaddr stops: the entry, and how many bits of vaddr it spans; the table the
 * entry is in and its index there. */
typedef struct pt_slot {
    uint64_t *entry;
    unsigned bits_left;
    unsigned index;
    sim_table_t *table;
} pt_slot_t;

/* seL4's lookupPTSlot: from the root, go down while the entry refers to a table. */
static pt_slot_t lookup_pt_slot(sim_object_t *root, seL4_Word vaddr)
{
    pt_slot_t r = { NULL, ROOT_SHIFT, index_at(vaddr, ROOT_SHIFT), as_table(root) };
    r.entry = &r.table->e[r.index];
    while (r.bits_left > seL4_PageBits && entry_is_table(*r.entry)) {
        r.bits_left -= seL4_PageTableIndexBits;
        r.table = as_table(entry_obj(*r.entry));
        r.index = index_at(vaddr, r.bits_left);
        r.entry = &r.table->e[r.index];
    }
    return r;
}

/* The same walk for the frame invocations, which map and unmap pages one after another in the
 * same bottom-level tables: when the walk reaches a bottom-level table it is remembered, and the
 * next walk from the same root for a vaddr under that table starts there. The memo is only a
 * shortcut: the entry found is the one lookup_pt_slot finds, since every change that could lead
 * the walk elsewhere forgets it (walk_memo_forget). */
#define BOTTOM_SPAN_SHIFT (seL4_PageBits + seL4_PageTableIndexBits)
SIM_HOT pt_slot_t lookup_frame_slot(sel4sim_kernel_t *k, sim_object_t *root, seL4_Word vaddr)
{
    sim_arch_state_t *a = &k->arch;
    if (a->walk_root == root && (vaddr >> BOTTOM_SPAN_SHIFT) == a->walk_span) {
        sim_table_t *table = as_table(a->walk_table);
        unsigned index = index_at(vaddr, seL4_PageBits);
        return (pt_slot_t){ &table->e[index], seL4_PageBits, index, table };
    }
    pt_slot_t r = lookup_pt_slot(root, vaddr);
    if (r.bits_left == seL4_PageBits) {
        a->walk_root = root;
        a->walk_span = vaddr >> BOTTOM_SPAN_SHIFT;
        a->walk_table = &r.table->hdr;
    }
    return r;
}

/* --- rights (maskVMRights is the same on every architecture) --- */

static unsigned mask_vm_rights(unsigned vm_rights, seL4_CapRights_t mask)
{
    if (vm_rights == SIM_VM_READ_ONLY && seL4_CapRights_get_capAllowRead(mask)) {
        return SIM_VM_READ_ONLY;
    }
    if (vm_rights == SIM_VM_READ_WRITE && seL4_CapRights_get_capAllowRead(mask)) {
        return seL4_CapRights_get_capAllowWrite(mask) ? SIM_VM_READ_WRITE : SIM_VM_READ_ONLY;
    }
    if (vm_rights == SIM_VM_READ_WRITE && seL4_CapRights_get_capAllowWrite(mask)) {
        SIM_USER_ERROR("write-only mappings are not supported: the mapping is kernel-only");
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

/* --- ASIDs --- */

SIM_HOT sim_asid_pool_t *pool_for_asid(sel4sim_kernel_t *k, seL4_Word asid)
{
    if (asid >> (ASID_LOW_BITS + seL4_NumASIDPoolsBits)) {
        return NULL;
    }
    return (sim_asid_pool_t *)k->arch.asid_table[asid >> ASID_LOW_BITS];
}

SIM_HOT sim_object_t *find_vspace_for_asid(sel4sim_kernel_t *k, seL4_Word asid)
{
    sim_asid_pool_t *pool = pool_for_asid(k, asid);
    return pool == NULL ? NULL : pool->vspace[asid & ((1u << ASID_LOW_BITS) - 1)];
}

/* deleteASID: the ASID no longer names root (if it still did). */
static void delete_asid(sel4sim_kernel_t *k, seL4_Word asid, sim_object_t *root)
{
    sim_asid_pool_t *pool = pool_for_asid(k, asid);
    seL4_Word i = asid & ((1u << ASID_LOW_BITS) - 1);
    if (pool != NULL && pool->vspace[i] == root) {
        pool->vspace[i] = NULL;
    }
}

/* --- unmapping, as seL4's unmapPage and unmapPageTable: a stale cap unmaps nothing --- */

SIM_HOT void unmap_page(sel4sim_kernel_t *k, unsigned page_bits, seL4_Word asid, seL4_Word vaddr, sim_object_t *frame)
{
    sim_object_t *root = find_vspace_for_asid(k, asid);
    if (root == NULL) {
        return;
    }
    pt_slot_t slot = lookup_frame_slot(k, root, vaddr);
    if (slot.bits_left != page_bits || !entry_is_frame(*slot.entry) || entry_obj(*slot.entry) != frame) {
        return;
    }
    table_entry_store(k, slot.table, slot.index, 0, 0);
}

static void unmap_page_table(sel4sim_kernel_t *k, seL4_Word asid, seL4_Word vaddr, sim_object_t *target)
{
    sim_object_t *table = find_vspace_for_asid(k, asid);
    uint64_t *entry = NULL;
    unsigned shift = ROOT_SHIFT, index = 0;
    if (table == NULL) {
        return;
    }
    for (unsigned level = 0; level + 1 < PT_LEVELS && table != target; level++, shift -= seL4_PageTableIndexBits) {
        index = index_at(vaddr, shift);
        entry = &as_table(table)->e[index];
        if (!entry_is_table(*entry)) {
            return;
        }
        table = entry_obj(*entry);
    }
    if (table != target || entry == NULL) {
        return;
    }
    table_entry_store(k, table_of(entry, index), index, 0, 0);
}

/* --- object types --- */

#ifdef PT_TABLE_TYPE
/* The root is a page table too where PT_ROOT_TYPE is PT_TABLE_TYPE (RISC-V). */
#define PT_ROOT_IS_TABLE ((seL4_Word)PT_ROOT_TYPE == (seL4_Word)PT_TABLE_TYPE)

static bool is_table_type(seL4_Word type)
{
    return type == PT_TABLE_TYPE;
}
#else
#define PT_ROOT_IS_TABLE 0

/* Provided by the architecture: the types of the paging structures below the root. */
static bool is_table_type(seL4_Word type);
#endif

static bool is_paging_type(seL4_Word type)
{
    return type == PT_ROOT_TYPE || is_table_type(type);
}

bool arch_is_frame_type(seL4_Word type)
{
    return type == PT_PAGE_TYPE || type == PT_LARGE_PAGE_TYPE || type == PT_HUGE_PAGE_TYPE;
}

seL4_Word arch_object_size_bits(seL4_Word type, seL4_Word user_size)
{
    (void)user_size;
    switch (type) {
    case PT_PAGE_TYPE:
        return seL4_PageBits;
    case PT_LARGE_PAGE_TYPE:
        return seL4_LargePageBits;
    case PT_HUGE_PAGE_TYPE:
        return seL4_HugePageBits;
    default:
        /* every paging structure, the root included, is one table (sim_table_t) */
        return is_paging_type(type) ? seL4_PageTableBits : seL4_WordBits;
    }
}

/* Where the root has a type of its own (x86_64's PML4, AArch64's VSpace), any cap of that type; on
 * RISC-V, a page-table cap whose table is the root of the ASID the cap holds. */
bool arch_is_vspace_root(const sim_cap_t *cap)
{
    return sim_cap_is_type(cap, PT_ROOT_TYPE)
           && (!PT_ROOT_IS_TABLE || (cap->mapped && cap->asid != 0 && as_table(cap->obj)->root_asid == cap->asid));
}

/* What ASIDPool_Assign accepts: a cap of the root's type that has no ASID (nor, on RISC-V, a place
 * in another vspace) yet. */
static bool is_unassigned_root(const sim_cap_t *cap)
{
    return sim_cap_is_type(cap, PT_ROOT_TYPE) && !cap->mapped;
}

/* seL4's isValidNativeRoot, the vspace every map invocation takes: a cap of the root's type with an
 * ASID (on RISC-V any mapped page table; whether it is its ASID's root is check_asid's question). */
static bool is_valid_native_root(const sim_cap_t *cap)
{
    return sim_cap_is_type(cap, PT_ROOT_TYPE) && cap->mapped;
}

/* The table of a mapped paging-structure cap is the root of the cap's ASID (findVSpaceForASID gives
 * it back). */
static bool is_root_of_its_asid(sel4sim_kernel_t *k, const sim_cap_t *cap)
{
    return find_vspace_for_asid(k, cap->asid) == cap->obj;
}

/* --- objects --- */

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
    if (is_paging_type(obj->type)) {
        walk_memo_forget(k); /* the memo may name it, as root or table */
    }
    if (arch_is_frame_type(obj->type)) {
        sim_frame_free_backing(k, (sim_frame_t *)obj);
        return sizeof(sim_frame_t);
    }
    if (obj->type == SIM_OBJ_ASID_POOL) {
        return sizeof(sim_asid_pool_t);
    }
    return sizeof(sim_table_t);
}

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

/* What goes with a cap (Arch_finaliseCap, the same steps on the three arches): an ASID pool
 * cap's last copy takes the pool out of the ASID table; every frame cap takes its own mapping
 * (unmapPage); the last cap of a mapped paging structure releases its ASID where the structure is the
 * root of that ASID (deleteASID) and otherwise takes it out of the vspace it is in (unmapPageTable).
 * Which of the two is asked of the ASID, as seL4's RISC-V finaliseCap does for its page tables: a
 * root type of its own (x86_64's PML4, AArch64's VSpace) is only ever found there, a table below the
 * root never is. A stale cap (its ASID or its place gone) finalises nothing. */
void arch_finalise_cap(sel4sim_kernel_t *k, sim_cap_t *cap, bool final)
{
    if (cap->kind == SEL4SIM_CAP_ASID_POOL) {
        seL4_Word index = (cap->data >> ASID_LOW_BITS) % NUM_ASID_POOLS;
        if (final && k->arch.asid_table[index] == cap->obj) {
            k->arch.asid_table[index] = NULL;
        }
        return;
    }
    if (arch_is_frame_type(cap->obj->type)) {
        /* Each frame cap holds its own mapping: it goes with the cap, final or not. */
        if (cap->asid != 0) {
            unmap_page(k, SIM_CAP_FRAME_BITS(cap), cap->asid, cap->data, cap->obj);
        }
        return;
    }
    if (!final || !cap->mapped) {
        return;
    }
    if (is_root_of_its_asid(k, cap)) {
        delete_asid(k, cap->asid, cap->obj);
    } else {
        unmap_page_table(k, cap->asid, cap->data, cap->obj);
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
    if (vaddr > SIM_USER_LAST) {
        return false;
    }
    pt_slot_t slot = lookup_pt_slot(root, vaddr);
    uint64_t e = *slot.entry;
    if (!entry_is_frame(e)) {
        return false;
    }
    unsigned rights = entry_rights(e);
    out->frame = (sim_frame_t *)entry_obj(e);
    out->page_bits = slot.bits_left;
    out->offset = vaddr & ((1ul << slot.bits_left) - 1);
    out->vm_rights = rights;
    out->attrs = entry_attrs(e);
    out->user_read = rights == SIM_VM_READ_ONLY || rights == SIM_VM_READ_WRITE;
    out->user_write = rights == SIM_VM_READ_WRITE;
    out->cap_slot = slot.table->cap_slot[slot.index];
    return true;
}

static bool walk_table(sim_table_t *table, unsigned shift, seL4_Word base, seL4_Word first, seL4_Word last,
                       arch_mapping_visit_fn visit, void *ctx)
{
    if (table->present == 0) {
        return true;
    }
    seL4_Word table_last = base + (((seL4_Word)ENTRIES_PER_TABLE << shift) - 1);
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
        if (entry_is_frame(e)) {
            if (!visit(ctx, vaddr, (sim_frame_t *)entry_obj(e), shift, entry_rights(e), entry_attrs(e),
                       table->cap_slot[i])) {
                return false;
            }
        } else if (shift > seL4_PageBits) {
            if (!walk_table(as_table(entry_obj(e)), shift - seL4_PageTableIndexBits, vaddr, first, last, visit, ctx)) {
                return false;
            }
        }
    }
    return true;
}

void arch_walk_mappings(sim_object_t *root, seL4_Word first, seL4_Word last, arch_mapping_visit_fn visit, void *ctx)
{
    if (first > SIM_USER_LAST || first > last) {
        return;
    }
    walk_table(as_table(root), ROOT_SHIFT, 0, first, last < SIM_USER_LAST ? last : SIM_USER_LAST, visit, ctx);
}

/* The table whose entries map pages of 2^page_bits at vaddr, or NULL when it is missing. */
static sim_table_t *table_for_pages(sim_object_t *root, seL4_Word vaddr, seL4_Word page_bits)
{
    sim_table_t *table = as_table(root);
    for (unsigned shift = ROOT_SHIFT; shift > page_bits; shift -= seL4_PageTableIndexBits) {
        uint64_t e = table->e[index_at(vaddr, shift)];
        if (!entry_is_table(e)) {
            return NULL;
        }
        table = as_table(entry_obj(e));
    }
    return table;
}

size_t arch_mapped_run(sim_object_t *root, seL4_Word vaddr, size_t num_pages, seL4_Word page_bits)
{
    if (page_bits != seL4_PageBits && page_bits != seL4_LargePageBits && page_bits != seL4_HugePageBits) {
        return 0;
    }
    size_t count = 0;
    while (count < num_pages) {
        seL4_Word v = vaddr + ((seL4_Word)count << page_bits);
        if (v < vaddr || v > SIM_USER_LAST) {
            break;
        }
        sim_table_t *table = table_for_pages(root, v, page_bits);
        if (table == NULL) {
            break;
        }
        for (unsigned i = index_at(v, (unsigned)page_bits); i < ENTRIES_PER_TABLE && count < num_pages; i++, count++) {
            if (!entry_is_frame(table->e[i])) {
                return count;
            }
        }
    }
    return count;
}

/* --- invocation helpers --- */

static sim_cte_t *empty_service_slot(sel4sim_kernel_t *k, seL4_CPtr cptr, const char *what)
{
    SIM_USER_ERROR("%s: invoked cptr 0x%lx is an empty slot", what, cptr);
    sim_error_invalid_cap(k, 0);
    return NULL;
}

SIM_HOT sim_cte_t *service_slot(sel4sim_kernel_t *k, seL4_CPtr cptr, const char *what)
{
    sim_cte_t *slot = sim_lookup_cptr(k, cptr);
    return slot == NULL || sim_cap_is_null(&slot->cap) ? empty_service_slot(k, cptr, what) : slot;
}

/* The hint an entry keeps of the cap that mapped it: cte's root-CNode slot + 1, 0 when cte (which
 * cptr resolved to) is in another CNode. Straight from the cptr when it resolved in the root. */
SIM_HOT uint32_t root_slot_hint(sel4sim_kernel_t *k, seL4_CPtr cptr, const sim_cte_t *cte)
{
    seL4_Word index = sim_root_index(k, cptr);
    if (index == (seL4_Word)-1) {
        index = sim_cnode_index_of(k->root_cnode, cte);
    }
    return index == (seL4_Word)-1 ? 0 : (uint32_t)index + 1;
}

/* The cap cptr names, read where it is (a null cap when the lookup fails): for an operand whose
 * slot nothing changes while the invocation reads it. */
SIM_HOT const sim_cap_t *cap_ref(sel4sim_kernel_t *k, seL4_CPtr cptr)
{
    static const sim_cap_t null_cap;
    sim_cte_t *slot = sim_lookup_cptr(k, cptr);
    return slot != NULL ? &slot->cap : &null_cap;
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

/* An object cap's type passes is_type. A frame cap says it is one without its object being read
 * (SIM_CAP_FRAME_BITS, never 0 in a frame cap, always 0 in others): a frame invocation on each of
 * thousands of frames would otherwise read each frame object once. */
SIM_HOT bool cap_is_of_type(sim_cap_t cap, bool (*is_type)(seL4_Word type))
{
    return is_type == arch_is_frame_type ? SIM_CAP_FRAME_BITS(&cap) != 0 : is_type(cap.obj->type);
}

/* The checks every invocation here starts with: a selected kernel, a cap in the invoked slot, and a
 * cap of the invocation's kind (cap_kind; for an object cap, of a type is_type accepts); *slot holds
 * it on success. */
static inline seL4_Error invoked_cap(sel4sim_kernel_t *k, seL4_CPtr service, const char *what,
                                     sel4sim_cap_kind_t cap_kind, bool (*is_type)(seL4_Word type), sim_cte_t **slot)
{
    if (sim_syscall_kernel(k, what) == NULL) {
        return seL4_IllegalOperation;
    }
    *slot = service_slot(k, service, what);
    if (*slot == NULL) {
        return seL4_InvalidCapability;
    }
    if ((*slot)->cap.kind != cap_kind || (is_type != NULL && !cap_is_of_type((*slot)->cap, is_type))) {
        SIM_USER_ERROR("%s: cptr 0x%lx is a cap of another kind", what, service);
        return sim_error(k, seL4_IllegalOperation);
    }
    return seL4_NoError;
}

/* invoked_cap of a frame or paging-structure invocation (inline, as the frame map's first checks). */
static inline seL4_Error object_service(sel4sim_kernel_t *k, seL4_CPtr service, const char *what,
                                        bool (*is_type)(seL4_Word type), sim_cte_t **slot)
{
    return invoked_cap(k, service, what, SEL4SIM_CAP_OBJECT, is_type, slot);
}

/* The ASID of vspace_cap: findVSpaceForASID must succeed (seL4_FailedLookup, invalid root) and give
 * this root (seL4_InvalidCapability, naming cap_number, the vspace's place in the invocation). */
static seL4_Error asid_error(sel4sim_kernel_t *k, const sim_cap_t *vspace_cap, seL4_Word cap_number,
                             const char *what);
SIM_HOT seL4_Error check_asid_names_root(sel4sim_kernel_t *k, const sim_cap_t *vspace_cap, seL4_Word cap_number,
                                         const char *what)
{
    sim_object_t *found = find_vspace_for_asid(k, vspace_cap->asid);
    return found != NULL && found == vspace_cap->obj ? seL4_NoError : asid_error(k, vspace_cap, cap_number, what);
}

/* Which of check_asid_names_root's errors, in its order. */
static seL4_Error asid_error(sel4sim_kernel_t *k, const sim_cap_t *vspace_cap, seL4_Word cap_number,
                             const char *what)
{
    sim_object_t *found = find_vspace_for_asid(k, vspace_cap->asid);
    if (found == NULL) {
        SIM_USER_ERROR("%s: the vspace's ASID %u no longer refers to a vspace", what, vspace_cap->asid);
        return sim_error_lookup(k, false, sim_fault_invalid_root());
    }
    if (found != vspace_cap->obj) {
        SIM_USER_ERROR("%s: the vspace's ASID %u refers to another vspace", what, vspace_cap->asid);
        return sim_error_invalid_cap(k, cap_number);
    }
    return seL4_NoError;
}

/* The ASID of the vspace operand of a map invocation, checked after the cap's type (cap 1). */
SIM_HOT seL4_Error check_asid(sel4sim_kernel_t *k, const sim_cap_t *vspace_cap, const char *what)
{
    return check_asid_names_root(k, vspace_cap, 1, what);
}

/* --- the steps of the map invocations --- */

/* The vspace operand of every frame and paging-structure map: isValidNativeRoot, else
 * invalidCapability 1 (decodeX86FrameInvocation, decodeARMFrameInvocation, decodeRISCVFrameInvocation
 * and their page-table counterparts each check it). */
static seL4_Error check_native_root(sel4sim_kernel_t *k, const sim_cap_t *vspace_cap, const char *what)
{
    if (!is_valid_native_root(vspace_cap)) {
        SIM_USER_ERROR("%s: vspace is not a vspace root cap with an ASID assigned", what);
        return sim_error_invalid_cap(k, 1);
    }
    return seL4_NoError;
}

/* A frame map's operands, as the arch's checks see them. */
typedef struct frame_map {
    const sim_cap_t *frame;  /* the invoked frame cap */
    const sim_cap_t *vspace; /* a copy of the cap in the vspace operand's slot (a null cap when none) */
    seL4_Word vaddr;
    unsigned frame_bits;     /* the frame's size: 2^frame_bits bytes */
    seL4_Word size;
    seL4_CapRights_t rights; /* the rights mask of the invocation */
    seL4_Word attr;
    const char *what;
} frame_map_t;

/* A frame cap that holds a mapping maps again only where it is, which changes that mapping's rights:
 * in another vspace invalidCapability 1, at another address invalidArgument 0. Every arch's frame map
 * asks this of a mapped cap, each at its own point among the other checks. */
static seL4_Error check_remap(sel4sim_kernel_t *k, const frame_map_t *m)
{
    if (m->frame->asid != m->vspace->asid) {
        SIM_USER_ERROR("%s: frame cap is mapped in another vspace", m->what);
        return sim_error_invalid_cap(k, 1);
    }
    if (m->frame->data != m->vaddr) {
        SIM_USER_ERROR("%s: frame cap is mapped at 0x%lx, cannot map it at 0x%lx too", m->what, m->frame->data,
                       m->vaddr);
        return sim_error_invalid_arg(k, 0);
    }
    return seL4_NoError;
}

static seL4_Error check_frame_aligned(sel4sim_kernel_t *k, const frame_map_t *m)
{
    if (m->vaddr & (m->size - 1)) {
        SIM_USER_ERROR("%s: vaddr 0x%lx is not aligned to the frame size 0x%lx", m->what, m->vaddr, m->size);
        return sim_error(k, seL4_AlignmentError);
    }
    return seL4_NoError;
}

/* The entry the frame maps through: the walk (lookupPTSlot) must stop at the frame's level. Stopping
 * above it, where a level is missing, is a failed lookup naming the bits left on every arch; stopping
 * below it, where a paging structure is mapped in the frame's place, is one too on AArch64 and
 * RISC-V and seL4_DeleteFirst on x86_64 (FRAME_OVER_TABLE_FAILS_LOOKUP). */
static seL4_Error frame_slot(sel4sim_kernel_t *k, const frame_map_t *m, pt_slot_t *pt)
{
    *pt = lookup_frame_slot(k, m->vspace->obj, m->vaddr);
    if (pt->bits_left > m->frame_bits || (FRAME_OVER_TABLE_FAILS_LOOKUP && pt->bits_left < m->frame_bits)) {
        SIM_USER_ERROR("%s: the walk for 0x%lx stops at an entry of %u bits, not %u", m->what, m->vaddr,
                       pt->bits_left, m->frame_bits);
        return sim_error_lookup(k, false, sim_fault_missing(pt->bits_left));
    }
    if (pt->bits_left < m->frame_bits) {
        SIM_USER_ERROR("%s: a paging structure is mapped where the frame would go at 0x%lx", m->what, m->vaddr);
        return sim_error(k, seL4_DeleteFirst);
    }
    return seL4_NoError;
}

/* Provided by the architecture: its frame map's checks, in its own order, and the rights masked
 * (maskVMRights) at its own point; on success *pt is the entry the frame goes in (frame_slot) and
 * *value what the entry gets. */
static seL4_Error frame_map_checks(sel4sim_kernel_t *k, const frame_map_t *m, pt_slot_t *pt, uint64_t *value);

/* Page_Map (decodeX86FrameInvocation, decodeARMFrameInvocation, decodeRISCVFrameInvocation, then
 * performX86PageInvocationMapPTE/PDE, performPageInvocationMap, performPageInvocationMapPTE): a
 * frame cap to invoke, the arch's checks, then the entry found
 * takes the new value (whatever frame it held goes; for the cap's own mapping, its rights change)
 * and the cap records where it is mapped. */
seL4_Error sel4sim_sys_page_map(sel4sim_kernel_t *k, seL4_CPtr service, seL4_CPtr vspace, seL4_Word vaddr,
                                seL4_CapRights_t rights, seL4_Word attr)
{
    static const char what[] = PT_INVOCATION_PREFIX "Page_Map";
    sim_cte_t *slot;
    seL4_Error err = object_service(k, service, what, arch_is_frame_type, &slot);
    if (err != seL4_NoError) {
        return err;
    }
    /* worked out while what the service lookup read is at hand (it is only stored on success) */
    uint32_t hint = root_slot_hint(k, service, slot);
    /* the vspace operand's cap is read in place: a frame map changes no cap but the frame's, which
     * is never the vspace operand (that must be a vspace root) */
    const sim_cap_t *vspace_cap = cap_ref(k, vspace);
    unsigned frame_bits = SIM_CAP_FRAME_BITS(&slot->cap);
    frame_map_t m = { &slot->cap, vspace_cap, vaddr, frame_bits, 1ul << frame_bits, rights, attr, what };
    pt_slot_t pt = { NULL, 0, 0, NULL };
    uint64_t value = 0;
    if ((err = frame_map_checks(k, &m, &pt, &value)) != seL4_NoError) {
        return err;
    }
    table_entry_store(k, pt.table, pt.index, value, value != 0 ? hint : 0);
    slot->cap.asid = vspace_cap->asid;
    slot->cap.data = vaddr;
    return seL4_NoError;
}

/* A paging-structure map once its service cap has been checked, the same steps in the same order on
 * the three arches (decodeX86PageTableInvocation, decodeX64PageDirectoryInvocation and
 * decodeX64PDPTInvocation, then their perform...InvocationMap; decodeARMPageTableInvocation and
 * decodeRISCVPageTableInvocation, then performPageTableInvocationMap): the cap mapped already,
 * invalidCapability 0; the vspace (check_native_root); vaddr past PT_TABLE_VADDR_LAST,
 * invalidArgument 0; the vspace's ASID (check_asid); then where the walk stops. The structure goes
 * at a level whose entries span between 2^lowest and 2^highest bytes: x86_64 names one level by the
 * structure's type, AArch64 and RISC-V take whichever level the walk stops at above the last. A stop
 * above highest is a failed lookup naming the bits left; below lowest, or at an entry that is not
 * empty, seL4_DeleteFirst. The cap records vaddr rounded down to what the entry spans. */
static seL4_Error page_table_map(sel4sim_kernel_t *k, sim_cte_t *slot, seL4_CPtr vspace, seL4_Word vaddr,
                                 unsigned lowest, unsigned highest, seL4_Word attrs, const char *what)
{
    sim_cap_t *cap = &slot->cap;
    seL4_Error err;
    if (cap->mapped) {
        SIM_USER_ERROR("%s: the paging structure is already mapped", what);
        return sim_error_invalid_cap(k, 0);
    }
    sim_cap_t vspace_cap = cap_at(k, vspace);
    if ((err = check_native_root(k, &vspace_cap, what)) != seL4_NoError) {
        return err;
    }
    if (vaddr > PT_TABLE_VADDR_LAST) {
        SIM_USER_ERROR("%s: 0x%lx is past the highest address a paging structure may map at, 0x%lx", what, vaddr,
                       (seL4_Word)PT_TABLE_VADDR_LAST);
        return sim_error_invalid_arg(k, 0);
    }
    if ((err = check_asid(k, &vspace_cap, what)) != seL4_NoError) {
        return err;
    }
    pt_slot_t pt = lookup_pt_slot(vspace_cap.obj, vaddr);
    if (pt.bits_left > highest) {
        SIM_USER_ERROR("%s: no paging structure above 0x%lx (%u bits left to resolve)", what, vaddr, pt.bits_left);
        return sim_error_lookup(k, false, sim_fault_missing(pt.bits_left));
    }
    if (pt.bits_left < lowest || *pt.entry != 0) {
        SIM_USER_ERROR("%s: a paging structure or frame is already mapped where this one would go at 0x%lx", what,
                       vaddr);
        return sim_error(k, seL4_DeleteFirst);
    }
    table_entry_store(k, pt.table, pt.index, make_entry(cap->obj, 0, attrs), 0);
    cap->mapped = 1;
    cap->asid = vspace_cap.asid;
    cap->data = vaddr & ~((1ul << pt.bits_left) - 1);
    return seL4_NoError;
}

/* A paging-structure unmap once its service cap has been checked, the same on the three arches
 * (the unmap checks of decodeX86PageTableInvocation, decodeX64PageDirectoryInvocation and
 * decodeX64PDPTInvocation, then performX86PageTableInvocationUnmap and its PD and PDPT
 * counterparts; of decodeARMPageTableInvocation and decodeRISCVPageTableInvocation, then
 * performPageTableInvocationUnmap): only the last cap of the structure (seL4_RevokeFirst), never a
 * vspace root (RISC-V, where a root is a page table: seL4_RevokeFirst), and a mapped structure leaves
 * its vspace and is zeroed. */
static seL4_Error page_table_unmap(sel4sim_kernel_t *k, sim_cte_t *slot, const char *what)
{
    sim_cap_t *cap = &slot->cap;
    if (!sim_cap_is_final(slot)) {
        SIM_USER_ERROR("%s: other caps to this paging structure exist", what);
        return sim_error(k, seL4_RevokeFirst);
    }
    if (PT_ROOT_IS_TABLE && cap->mapped && is_root_of_its_asid(k, cap)) {
        SIM_USER_ERROR("%s: the page table is the root of ASID %u", what, cap->asid);
        return sim_error(k, seL4_RevokeFirst);
    }
    if (cap->mapped) {
        unmap_page_table(k, cap->asid, cap->data, cap->obj);
        table_clear(k, as_table(cap->obj));
        /* a RISC-V root's ASID went before its table could be unmapped: it is no root any more */
        as_table(cap->obj)->root_asid = 0;
    }
    cap->mapped = 0;
    return seL4_NoError;
}

#ifdef PT_TABLE_TYPE
/* AArch64's and RISC-V's PageTable invocations: one type at every level below the root. */

seL4_Error sel4sim_sys_page_table_map(sel4sim_kernel_t *k, seL4_CPtr service, seL4_CPtr vspace, seL4_Word vaddr,
                                      seL4_Word attr)
{
    static const char what[] = PT_INVOCATION_PREFIX "PageTable_Map";
    sim_cte_t *slot;
    (void)attr; /* a table entry has no attributes */
    seL4_Error err = object_service(k, service, what, is_table_type, &slot);
    if (err != seL4_NoError) {
        return err;
    }
    return page_table_map(k, slot, vspace, vaddr, seL4_PageBits + seL4_PageTableIndexBits, ROOT_SHIFT, 0, what);
}

seL4_Error sel4sim_sys_page_table_unmap(sel4sim_kernel_t *k, seL4_CPtr service)
{
    static const char what[] = PT_INVOCATION_PREFIX "PageTable_Unmap";
    sim_cte_t *slot;
    seL4_Error err = object_service(k, service, what, is_table_type, &slot);
    if (err != seL4_NoError) {
        return err;
    }
    return page_table_unmap(k, slot, what);
}
#endif

seL4_Error sel4sim_sys_page_unmap(sel4sim_kernel_t *k, seL4_CPtr service)
{
    sim_cte_t *slot;
    seL4_Error err = object_service(k, service, PT_INVOCATION_PREFIX "Page_Unmap", arch_is_frame_type, &slot);
    if (err != seL4_NoError) {
        return err;
    }
    sim_cap_t *cap = &slot->cap;
    if (cap->asid != 0) {
        unmap_page(k, SIM_CAP_FRAME_BITS(cap), cap->asid, cap->data, cap->obj);
    }
    cap->asid = 0;
    cap->data = 0;
    return seL4_NoError;
}

seL4_Error sel4sim_sys_page_get_address(sel4sim_kernel_t *k, seL4_CPtr service, seL4_Word *paddr)
{
    sim_cte_t *slot;
    *paddr = 0;
    seL4_Error err = object_service(k, service, PT_INVOCATION_PREFIX "Page_GetAddress", arch_is_frame_type, &slot);
    if (err != seL4_NoError) {
        return err;
    }
    *paddr = slot->cap.obj->paddr;
    k->ipc.msg[0] = *paddr;
    return seL4_NoError;
}

/* The ASID control and pool invocations are the same on every architecture; which cap is a vspace
 * root that can be given an ASID is is_unassigned_root's. */
seL4_Error sel4sim_sys_asid_control_make_pool(sel4sim_kernel_t *k, seL4_CPtr service, seL4_CPtr untyped,
                                              seL4_CPtr root, seL4_Word index, seL4_Word depth)
{
    static const char what[] = PT_INVOCATION_PREFIX "ASIDControl_MakePool";
    sim_cte_t *slot;
    seL4_Error err = invoked_cap(k, service, what, SEL4SIM_CAP_ASID_CONTROL, NULL, &slot);
    if (err != seL4_NoError) {
        return err;
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
    if ((err = sim_lookup_empty_slot(k, &root_cap, index, depth, what, &dest)) != seL4_NoError) {
        return err;
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

seL4_Error sel4sim_sys_asid_pool_assign(sel4sim_kernel_t *k, seL4_CPtr service, seL4_CPtr vspace)
{
    static const char what[] = PT_INVOCATION_PREFIX "ASIDPool_Assign";
    sim_cte_t *slot;
    seL4_Error err = invoked_cap(k, service, what, SEL4SIM_CAP_ASID_POOL, NULL, &slot);
    if (err != seL4_NoError) {
        return err;
    }
    sim_cte_t *vspace_slot = sim_lookup_cptr(k, vspace);
    if (vspace_slot == NULL || !is_unassigned_root(&vspace_slot->cap)) {
        SIM_USER_ERROR("%s: vspace must be a vspace root cap with no ASID yet", what);
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
    vspace_slot->cap.data = 0;
    as_table(vspace_slot->cap.obj)->root_asid = (uint16_t)(base + i);
    return seL4_NoError;
}
