/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The simulated kernel and libsel4 of one architecture (AArch64 or RISC-V 64), below the host
 * world: boot a kernel, retype every object type, build vspaces and check each invocation's
 * results and errors, in seL4's order, with the message registers seL4 sets. Compiled and run by
 * test_kernel_arches.py with the architecture's defines; prints one line per case,
 * "<case> ok" or "<case> FAIL <why>", which the test asserts one by one.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sel4/sel4.h>
#include <sel4sim/kernel.h>
#include <sel4vspace_common/alloc.h>
#include <utils/zf_log.h>

#if defined(CONFIG_ARCH_AARCH64)
#define T_4K seL4_ARM_SmallPageObject
#define T_2M seL4_ARM_LargePageObject
#define T_1G seL4_ARM_HugePageObject
#define T_PT seL4_ARM_PageTableObject
#define T_ROOT seL4_ARM_VSpaceObject
#define ROOT_BITS seL4_VSpaceBits
#define Page_Map seL4_ARM_Page_Map
#define Page_Unmap seL4_ARM_Page_Unmap
#define Page_GetAddress seL4_ARM_Page_GetAddress
#define PageTable_Map seL4_ARM_PageTable_Map
#define PageTable_Unmap seL4_ARM_PageTable_Unmap
#define ASIDPool_Assign seL4_ARM_ASIDPool_Assign
#define ASIDControl_MakePool seL4_ARM_ASIDControl_MakePool
#define ATTR_DEFAULT seL4_ARM_Default_VMAttributes
#define ATTR_XN seL4_ARM_ExecuteNever
#define ATTR_SOME (seL4_ARM_ExecuteNever | seL4_ARM_PageCacheable)
/* The first user address above the last one mappable. */
#define USER_END ((seL4_Word)seL4_UserTop + 1)
/* The bits left when a 4 KiB map finds no table below the root. */
static const seL4_Word levels[] = { 39, 30, 21 };
#elif defined(CONFIG_ARCH_RISCV64)
#define T_4K seL4_RISCV_4K_Page
#define T_2M seL4_RISCV_Mega_Page
#define T_1G seL4_RISCV_Giga_Page
#define T_PT seL4_RISCV_PageTableObject
#define T_ROOT seL4_RISCV_PageTableObject
#define ROOT_BITS seL4_PageTableBits
#define Page_Map seL4_RISCV_Page_Map
#define Page_Unmap seL4_RISCV_Page_Unmap
#define Page_GetAddress seL4_RISCV_Page_GetAddress
#define PageTable_Map seL4_RISCV_PageTable_Map
#define PageTable_Unmap seL4_RISCV_PageTable_Unmap
#define ASIDPool_Assign seL4_RISCV_ASIDPool_Assign
#define ASIDControl_MakePool seL4_RISCV_ASIDControl_MakePool
#define ATTR_DEFAULT seL4_RISCV_Default_VMAttributes
#define ATTR_XN seL4_RISCV_ExecuteNever
#define ATTR_SOME seL4_RISCV_ExecuteNever
#define USER_END ((seL4_Word)seL4_UserTop)
static const seL4_Word levels[] = { 30, 21 };
#else
#error "kernel_arch_test.c is for AArch64 and RISC-V 64"
#endif

#define NUM_LEVELS (sizeof(levels) / sizeof(levels[0]))

/* zf_log's entry points: this program links no host world, so log lines go to stderr. A user's
 * util_libs zf_log.h (the build of an external seL4_libs tree) compares every line with this
 * runtime level; 0 lets each line through, as the host world's default does. */
int _zf_log_output_lvl = 0;

void _zf_log_write_d(const char *func, const char *file, unsigned line, int lvl, const char *tag, const char *fmt,
                     ...)
{
    va_list args;
    (void)file;
    (void)tag;
    fprintf(stderr, "log %d %s:%u: ", lvl, func, line);
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fputc('\n', stderr);
}

void _zf_log_write(int lvl, const char *tag, const char *fmt, ...)
{
    va_list args;
    (void)tag;
    fprintf(stderr, "log %d: ", lvl);
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fputc('\n', stderr);
}

void _zf_log_write_mem_d(const char *func, const char *file, unsigned line, int lvl, const char *tag, const void *d,
                         unsigned d_sz, const char *fmt, ...)
{
    (void)func, (void)file, (void)line, (void)lvl, (void)tag, (void)d, (void)d_sz, (void)fmt;
}

void _zf_log_write_mem(int lvl, const char *tag, const void *d, unsigned d_sz, const char *fmt, ...)
{
    (void)lvl, (void)tag, (void)d, (void)d_sz, (void)fmt;
}

/* --- reporting --- */

static void report(const char *name, bool ok, const char *fmt, ...)
{
    printf("%s %s", name, ok ? "ok" : "FAIL");
    if (!ok) {
        va_list args;
        va_start(args, fmt);
        putchar(' ');
        vprintf(fmt, args);
        va_end(args);
    }
    putchar('\n');
    fflush(stdout);
}

/* An error and the message registers seL4 sets with it: InvalidCapability (MR0 the cap),
 * InvalidArgument (MR0 the argument), FailedLookup (MR0 0, MR1 the lookup failure type, MR2 the
 * bits left for a missing capability). want_mr < 0 skips a register that error does not set. */
static bool error_is(seL4_Error got, seL4_Error want, long mr0, long mr1, long mr2, char *why, size_t n)
{
    long want_mr[3] = { mr0, mr1, mr2 };
    if (got != want) {
        snprintf(why, n, "error %d, want %d", (int)got, (int)want);
        return false;
    }
    for (int i = 0; i < 3; i++) {
        if (want_mr[i] >= 0 && seL4_GetMR(i) != (seL4_Word)want_mr[i]) {
            snprintf(why, n, "error %d as wanted, but MR%d = %lu, want %ld", (int)got, i, seL4_GetMR(i), want_mr[i]);
            return false;
        }
    }
    return true;
}

static void expect_error(const char *name, seL4_Error got, seL4_Error want, long mr0, long mr1, long mr2)
{
    char why[160] = "";
    bool ok = error_is(got, want, mr0, mr1, mr2, why, sizeof(why));
    report(name, ok, "%s", why);
}

static void expect_missing(const char *name, seL4_Error got, seL4_Word bits_left)
{
    char why[160] = "";
    bool ok = error_is(got, seL4_FailedLookup, 0, seL4_MissingCapability, (long)bits_left, why, sizeof(why))
              && seL4_MappingFailedLookupLevel() == bits_left;
    report(name, ok, "%s (seL4_MappingFailedLookupLevel() = %lu, want %lu)", why, seL4_MappingFailedLookupLevel(),
           bits_left);
}

/* --- the kernel --- */

static sel4sim_kernel_t *k;
static seL4_CPtr untyped, next_slot;

static seL4_CPtr retype(seL4_Word type, seL4_Word size_bits)
{
    seL4_CPtr slot = next_slot++;
    seL4_Error err = seL4_Untyped_Retype(untyped, type, size_bits, seL4_CapInitThreadCNode, 0, 0, slot, 1);
    if (err != seL4_NoError) {
        printf("setup FAIL retype of type %lu: error %d\n", type, (int)err);
        exit(1);
    }
    return slot;
}

static seL4_CPtr copy_cap(seL4_CPtr src, seL4_CapRights_t rights, seL4_Error *err)
{
    seL4_CPtr slot = next_slot++;
    *err = seL4_CNode_Copy(seL4_CapInitThreadCNode, slot, seL4_WordBits, seL4_CapInitThreadCNode, src, seL4_WordBits,
                           rights);
    return slot;
}

static sel4sim_cap_info_t info(seL4_CPtr cap)
{
    sel4sim_cap_info_t out;
    memset(&out, 0, sizeof(out));
    if (sel4sim_cap_info(k, cap, &out) != 0) {
        out.type = -2;
    }
    return out;
}

/* A root with an ASID from the initial pool. */
static seL4_CPtr new_vspace(void)
{
    seL4_CPtr root = retype(T_ROOT, 0);
    if (ASIDPool_Assign(seL4_CapInitThreadASIDPool, root) != seL4_NoError) {
        printf("setup FAIL assigning an ASID\n");
        exit(1);
    }
    return root;
}

/* Map page tables until a 4 KiB frame can be mapped at vaddr; the bits left of each failed map. */
static size_t build_tables(seL4_CPtr root, seL4_Word vaddr, seL4_Word *seen, size_t max)
{
    seL4_CPtr probe = retype(T_4K, 0);
    size_t n = 0;
    while (n < max && Page_Map(probe, root, vaddr, seL4_ReadWrite, ATTR_DEFAULT) == seL4_FailedLookup) {
        seen[n++] = seL4_MappingFailedLookupLevel();
        if (PageTable_Map(retype(T_PT, 0), root, vaddr, ATTR_DEFAULT) != seL4_NoError) {
            break;
        }
    }
    Page_Unmap(probe);
    return n;
}

static bool translate(seL4_CPtr root, seL4_Word vaddr, sel4sim_mapping_t *m)
{
    memset(m, 0, sizeof(*m));
    return sel4sim_vspace_translate(k, root, vaddr, m) == 1;
}

static sel4sim_fault_reason_t read_fault(seL4_CPtr root, seL4_Word vaddr)
{
    char byte;
    sel4sim_fault_t fault = { 0 };
    return sel4sim_mmu_read(k, root, vaddr, &byte, 1, &fault) == 0 ? SEL4SIM_FAULT_NONE : fault.reason;
}

static sel4sim_fault_reason_t write_fault(seL4_CPtr root, seL4_Word vaddr)
{
    char byte = 1;
    sel4sim_fault_t fault = { 0 };
    return sel4sim_mmu_write(k, root, vaddr, &byte, 1, &fault) == 0 ? SEL4SIM_FAULT_NONE : fault.reason;
}

#define A_4K 0x10000000ul   /* the 4 KiB pages */
#define A_2M 0x20000000ul   /* a 2 MiB page, in the same 1 GiB as A_4K */
#define A_1G 0x40000000ul   /* a 1 GiB page */

int main(void)
{
    char why[200];
    seL4_Error err;
    sel4sim_mapping_t m;

    k = sel4sim_kernel_new(34, 12);
    if (k == NULL) {
        printf("setup FAIL no kernel\n");
        return 1;
    }
    sel4sim_kernel_select(k);
    const seL4_BootInfo *bi = sel4sim_kernel_bootinfo(k);
    untyped = bi->untyped.start;
    next_slot = bi->empty.start;

    /* --- objects --- */
    {
        static const struct {
            seL4_Word type, bits;
        } objects[] = {
            { T_4K, seL4_PageBits }, { T_2M, seL4_LargePageBits }, { T_1G, seL4_HugePageBits },
            { T_PT, seL4_PageTableBits }, { T_ROOT, ROOT_BITS },
        };
        bool ok = true;
        why[0] = 0;
        for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
            sel4sim_cap_info_t ci = info(retype(objects[i].type, 0));
            if (ci.type != (int)objects[i].type || ci.size_bits != objects[i].bits || ci.mapped) {
                ok = false;
                snprintf(why, sizeof(why), "type %lu: cap says type %d, %lu bits, mapped %d", objects[i].type, ci.type,
                         ci.size_bits, ci.mapped);
            }
        }
        report("retype_each_type", ok, "%s", why);
        size_t counts[seL4_ObjectTypeCount];
        sel4sim_object_counts(k, counts);
        report("object_counts", counts[T_4K] == 1 && counts[T_2M] == 1 && counts[T_1G] == 1
               && counts[T_PT] == ((seL4_Word)T_PT == (seL4_Word)T_ROOT ? 2 : 1), "4K %zu 2M %zu 1G %zu PT %zu", counts[T_4K], counts[T_2M],
               counts[T_1G], counts[T_PT]);
    }

    /* --- ASIDs --- */
    seL4_CPtr vs = retype(T_ROOT, 0);
    err = ASIDPool_Assign(seL4_CapInitThreadASIDPool, vs);
    report("asid_assign", err == seL4_NoError && info(vs).mapped && info(vs).mapped_asid == 1,
           "error %d, mapped %d, asid %lu", (int)err, info(vs).mapped, info(vs).mapped_asid);
    expect_error("asid_assign_twice", ASIDPool_Assign(seL4_CapInitThreadASIDPool, vs), seL4_InvalidCapability, 1, -1,
                 -1);
#if defined(CONFIG_ARCH_AARCH64)
    expect_error("asid_assign_not_a_root", ASIDPool_Assign(seL4_CapInitThreadASIDPool, retype(T_PT, 0)),
                 seL4_InvalidCapability, 1, -1, -1);
#else
    expect_error("asid_assign_not_a_root", ASIDPool_Assign(seL4_CapInitThreadASIDPool, retype(T_4K, 0)),
                 seL4_InvalidCapability, 1, -1, -1);
#endif
    seL4_CPtr pool_ut = retype(seL4_UntypedObject, seL4_ASIDPoolBits);
    seL4_CPtr pool = next_slot++;
    err = ASIDControl_MakePool(seL4_CapASIDControl, pool_ut, seL4_CapInitThreadCNode, pool, seL4_WordBits);
    seL4_CPtr vs_pool1 = retype(T_ROOT, 0);
    seL4_Error err2 = ASIDPool_Assign(pool, vs_pool1);
    report("asid_make_pool", err == seL4_NoError && err2 == seL4_NoError
           && info(vs_pool1).mapped_asid == (1ul << seL4_ASIDPoolIndexBits), "make %d assign %d asid %lu", (int)err,
           (int)err2, info(vs_pool1).mapped_asid);
    expect_error("asid_make_pool_wrong_untyped",
                 ASIDControl_MakePool(seL4_CapASIDControl, retype(seL4_UntypedObject, 13), seL4_CapInitThreadCNode,
                                      next_slot++, seL4_WordBits), seL4_InvalidCapability, 1, -1, -1);

    /* --- building a vspace --- */
    seL4_CPtr unassigned = retype(T_ROOT, 0);
    expect_error("map_unassigned_root", Page_Map(retype(T_4K, 0), unassigned, A_4K, seL4_ReadWrite, ATTR_DEFAULT),
                 seL4_InvalidCapability, 1, -1, -1);
    expect_missing("map_4k_no_tables", Page_Map(retype(T_4K, 0), vs, A_4K, seL4_ReadWrite, ATTR_DEFAULT), levels[0]);
    {
        seL4_Word seen[8];
        size_t n = build_tables(vs, A_4K, seen, 8);
        bool ok = n == NUM_LEVELS;
        for (size_t i = 0; ok && i < n; i++) {
            ok = seen[i] == levels[i];
        }
        report("failed_lookup_levels", ok, "%zu failed maps, first levels %lu %lu", n, n > 0 ? seen[0] : 0,
               n > 1 ? seen[1] : 0);
    }
    seL4_CPtr f4k = retype(T_4K, 0);
    err = Page_Map(f4k, vs, A_4K, seL4_ReadWrite, ATTR_DEFAULT);
    bool found = sel4sim_vspace_lookup(k, vs, A_4K + 5, &m) == 1;
    report("map_4k", err == seL4_NoError && found && m.vaddr == A_4K
           && m.size_bits == seL4_PageBits && m.frame_cap == f4k && seL4_CapRights_get_capAllowWrite(m.rights),
           "error %d, translated to 0x%lx size %lu cap %lu", (int)err, m.vaddr, m.size_bits, m.frame_cap);
    {
        __typeof__(Page_GetAddress(f4k)) ga = Page_GetAddress(f4k);
        report("page_get_address", ga.error == seL4_NoError && ga.paddr == info(f4k).paddr && ga.paddr != 0
               && seL4_GetMR(0) == ga.paddr && translate(vs, A_4K, &m) && m.paddr == ga.paddr,
               "error %d paddr 0x%lx cap paddr 0x%lx", ga.error, ga.paddr, info(f4k).paddr);
    }
    {
        const char text[] = "hello, page";
        char back[sizeof(text)] = "";
        sel4sim_fault_t fault;
        int w = sel4sim_mmu_write(k, vs, A_4K + 100, text, sizeof(text), &fault);
        int r = sel4sim_mmu_read(k, vs, A_4K + 100, back, sizeof(back), &fault);
        report("mmu_write_read", w == 0 && r == 0 && memcmp(text, back, sizeof(text)) == 0, "write %d read %d", w, r);
    }
    seL4_CPtr f2m = retype(T_2M, 0);
    err = Page_Map(f2m, vs, A_2M, seL4_ReadWrite, ATTR_DEFAULT);
    report("map_2m", err == seL4_NoError && translate(vs, A_2M + 0x12345, &m) && m.vaddr == A_2M
           && m.size_bits == seL4_LargePageBits, "error %d size %lu", (int)err, m.size_bits);
    seL4_CPtr f1g = retype(T_1G, 0);
    err = Page_Map(f1g, vs, A_1G, seL4_ReadWrite, ATTR_DEFAULT);
    report("map_1g", err == seL4_NoError && translate(vs, A_1G + 0x1234567, &m) && m.vaddr == A_1G
           && m.size_bits == seL4_HugePageBits, "error %d size %lu", (int)err, m.size_bits);
    {
        /* two bytes across the end of A_1G's frame into nothing: refused whole, at the first unmapped byte */
        char buf[2] = "xy";
        sel4sim_fault_t fault = { 0 };
        int w = sel4sim_mmu_write(k, vs, A_1G + (1ul << seL4_HugePageBits) - 1, buf, 2, &fault);
        report("mmu_fault_past_frame", w == -1 && fault.reason == SEL4SIM_FAULT_UNMAPPED
               && fault.vaddr == A_1G + (1ul << seL4_HugePageBits), "write %d reason %d at 0x%lx", w, fault.reason,
               fault.vaddr);
    }
#if defined(CONFIG_ARCH_AARCH64)
    /* the root's entries span 512 GiB: a 1 GiB page needs a table below it */
    expect_missing("map_1g_fresh_vspace", Page_Map(retype(T_1G, 0), new_vspace(), A_1G, seL4_ReadWrite, ATTR_DEFAULT),
                   39);
#else
    /* Sv39's root entries span 1 GiB: a 1 GiB page goes in the root itself */
    {
        seL4_CPtr fresh = new_vspace();
        err = Page_Map(retype(T_1G, 0), fresh, A_1G, seL4_ReadWrite, ATTR_DEFAULT);
        report("map_1g_fresh_vspace", err == seL4_NoError && translate(fresh, A_1G, &m)
               && m.size_bits == seL4_HugePageBits, "error %d", (int)err);
    }
#endif
    expect_missing("map_2m_over_page_table", Page_Map(retype(T_2M, 0), vs, A_4K, seL4_ReadWrite, ATTR_DEFAULT),
                   seL4_PageBits);
    expect_missing("map_4k_inside_2m", Page_Map(retype(T_4K, 0), vs, A_2M + 0x1000, seL4_ReadWrite, ATTR_DEFAULT),
                   seL4_LargePageBits);

    /* --- mapping over a mapping, remapping --- */
    {
        seL4_CPtr other = retype(T_4K, 0);
        err = Page_Map(other, vs, A_4K, seL4_ReadWrite, ATTR_DEFAULT);
#if defined(CONFIG_ARCH_AARCH64)
        /* ARM writes the entry whatever frame it held */
        report("map_over_existing", err == seL4_NoError && translate(vs, A_4K, &m) && m.paddr == info(other).paddr,
               "error %d, paddr 0x%lx want 0x%lx", (int)err, m.paddr, info(other).paddr);
        /* the replaced cap still says mapped; unmapping it must leave the new mapping alone */
        err = Page_Unmap(f4k);
        report("stale_unmap_keeps_replacement", err == seL4_NoError && translate(vs, A_4K, &m)
               && m.paddr == info(other).paddr && !info(f4k).mapped, "error %d", (int)err);
        Page_Unmap(other);
        Page_Map(f4k, vs, A_4K, seL4_ReadWrite, ATTR_DEFAULT);
#else
        /* RISC-V refuses a valid entry */
        expect_error("map_over_existing", err, seL4_DeleteFirst, -1, -1, -1);
#endif
    }
    err = Page_Map(f4k, vs, A_4K, seL4_CanRead, ATTR_DEFAULT);
    report("remap_same_address_new_rights", err == seL4_NoError && translate(vs, A_4K, &m)
           && seL4_CapRights_get_capAllowRead(m.rights) && !seL4_CapRights_get_capAllowWrite(m.rights)
           && write_fault(vs, A_4K) == SEL4SIM_FAULT_PERMISSION, "error %d", (int)err);
    expect_error("remap_other_address", Page_Map(f4k, vs, A_4K + 0x1000, seL4_ReadWrite, ATTR_DEFAULT),
                 seL4_InvalidArgument, 0, -1, -1);
    {
        seL4_CPtr vs2 = new_vspace();
#if defined(CONFIG_ARCH_AARCH64)
        /* ARM looks at the frame's mapping before walking the tables */
        expect_error("remap_other_vspace", Page_Map(f4k, vs2, A_4K, seL4_ReadWrite, ATTR_DEFAULT),
                     seL4_InvalidCapability, 1, -1, -1);
#else
        /* RISC-V walks first: no tables in vs2 is what it reports */
        expect_missing("remap_other_vspace", Page_Map(f4k, vs2, A_4K, seL4_ReadWrite, ATTR_DEFAULT), levels[0]);
#endif
    }

    /* --- argument checks and their order --- */
    expect_error("map_misaligned", Page_Map(retype(T_4K, 0), vs, A_4K + 0x800, seL4_ReadWrite, ATTR_DEFAULT),
                 seL4_AlignmentError, -1, -1, -1);
    expect_error("map_2m_misaligned", Page_Map(retype(T_2M, 0), vs, A_2M + 0x1000, seL4_ReadWrite, ATTR_DEFAULT),
                 seL4_AlignmentError, -1, -1, -1);
    expect_error("map_above_user_top", Page_Map(retype(T_4K, 0), vs, USER_END, seL4_ReadWrite, ATTR_DEFAULT),
                 seL4_InvalidArgument, 0, -1, -1);
    expect_error("map_2m_reaching_user_top",
                 Page_Map(retype(T_2M, 0), vs, (USER_END & ~((1ul << seL4_LargePageBits) - 1)), seL4_ReadWrite,
                          ATTR_DEFAULT), seL4_InvalidArgument, 0, -1, -1);
    /* the last page below the top is a user page: only the missing tables stop it */
    expect_missing("map_last_user_page", Page_Map(retype(T_4K, 0), vs, USER_END - 0x1000, seL4_ReadWrite,
                                                  ATTR_DEFAULT), levels[0]);
#if defined(CONFIG_ARCH_AARCH64)
    /* ARM checks alignment before the top */
    expect_error("order_misaligned_above_top", Page_Map(retype(T_4K, 0), vs, USER_END + 0x800, seL4_ReadWrite,
                                                        ATTR_DEFAULT), seL4_AlignmentError, -1, -1, -1);
#else
    /* RISC-V checks the top before alignment */
    expect_error("order_misaligned_above_top", Page_Map(retype(T_4K, 0), vs, USER_END + 0x800, seL4_ReadWrite,
                                                        ATTR_DEFAULT), seL4_InvalidArgument, 0, -1, -1);
#endif
    expect_error("map_not_a_frame", Page_Map(retype(T_PT, 0), vs, A_4K, seL4_ReadWrite, ATTR_DEFAULT),
                 seL4_IllegalOperation, -1, -1, -1);
    expect_error("map_empty_slot", Page_Map(next_slot + 100, vs, A_4K, seL4_ReadWrite, ATTR_DEFAULT),
                 seL4_InvalidCapability, 0, -1, -1);
    {
        /* the pool that gave vs_pool1 its ASID goes: the ASID names nothing (invalid root), and that is
         * checked before alignment on both */
        seL4_CNode_Delete(seL4_CapInitThreadCNode, pool, seL4_WordBits);
        expect_error("map_asid_gone", Page_Map(retype(T_4K, 0), vs_pool1, A_4K + 0x800, seL4_ReadWrite,
                                               ATTR_DEFAULT), seL4_FailedLookup, 0, seL4_InvalidRoot, -1);
    }

    /* --- page tables --- */
    expect_error("pt_map_above_user_top", PageTable_Map(retype(T_PT, 0), vs, USER_END, ATTR_DEFAULT),
                 seL4_InvalidArgument, 0, -1, -1);
    expect_error("pt_map_all_levels_present", PageTable_Map(retype(T_PT, 0), vs, A_4K, ATTR_DEFAULT), seL4_DeleteFirst,
                 -1, -1, -1);
    expect_error("pt_map_over_frame", PageTable_Map(retype(T_PT, 0), vs, A_2M, ATTR_DEFAULT), seL4_DeleteFirst, -1, -1,
                 -1);
    expect_error("pt_map_unassigned_root", PageTable_Map(retype(T_PT, 0), unassigned, A_4K, ATTR_DEFAULT),
                 seL4_InvalidCapability, 1, -1, -1);
    {
        seL4_CPtr vs3 = new_vspace();
        seL4_CPtr pt = retype(T_PT, 0);
        err = PageTable_Map(pt, vs3, A_4K + 0x1234, ATTR_DEFAULT);
        /* mapped at the first empty level, the root's entry: its address rounded to what that entry spans */
        report("pt_map_address", err == seL4_NoError && info(pt).mapped
               && info(pt).mapped_vaddr == (A_4K & ~((1ul << levels[0]) - 1)), "error %d mapped %d at 0x%lx", (int)err,
               info(pt).mapped, info(pt).mapped_vaddr);
        expect_error("pt_map_already_mapped", PageTable_Map(pt, vs3, A_1G, ATTR_DEFAULT), seL4_InvalidCapability, 0,
                     -1, -1);
        seL4_Error copy_err;
        seL4_CPtr unmapped_copy = copy_cap(retype(T_PT, 0), seL4_AllRights, &copy_err);
        (void)unmapped_copy;
        expect_error("copy_unmapped_pt", copy_err, seL4_IllegalOperation, -1, -1, -1);

        /* tables under pt, a page in them; unmapping pt needs its only cap and takes the page's translation */
        seL4_Word seen[8];
        build_tables(vs3, A_4K, seen, 8);
        seL4_CPtr page = retype(T_4K, 0);
        Page_Map(page, vs3, A_4K, seL4_ReadWrite, ATTR_DEFAULT);
        seL4_CPtr pt_copy = copy_cap(pt, seL4_AllRights, &copy_err);
        expect_error("pt_unmap_revoke_first", PageTable_Unmap(pt), seL4_RevokeFirst, -1, -1, -1);
        seL4_CNode_Delete(seL4_CapInitThreadCNode, pt_copy, seL4_WordBits);
        err = PageTable_Unmap(pt);
        report("pt_unmap", err == seL4_NoError && !info(pt).mapped && !translate(vs3, A_4K, &m)
               && read_fault(vs3, A_4K) == SEL4SIM_FAULT_UNMAPPED, "error %d mapped %d", (int)err, info(pt).mapped);
        /* the table was zeroed: mapped back, the level below it is missing again */
        PageTable_Map(pt, vs3, A_4K, ATTR_DEFAULT);
        expect_missing("pt_unmap_zeroes", Page_Map(retype(T_4K, 0), vs3, A_4K + 0x2000, seL4_ReadWrite, ATTR_DEFAULT),
                       levels[1]);
    }
#if defined(CONFIG_ARCH_RISCV64)
    expect_error("root_unmap_refused", PageTable_Unmap(vs), seL4_RevokeFirst, -1, -1, -1);
    {
        /* a mapped page table that is not the root of its ASID is no vspace to map into */
        seL4_CPtr vs4 = new_vspace();
        seL4_CPtr pt = retype(T_PT, 0);
        PageTable_Map(pt, vs4, A_4K, ATTR_DEFAULT);
        expect_error("map_into_non_root_table", Page_Map(retype(T_4K, 0), pt, A_4K, seL4_ReadWrite, ATTR_DEFAULT),
                     seL4_InvalidCapability, 1, -1, -1);
    }
#endif

    /* --- rights and attributes --- */
    {
        seL4_CPtr frame = retype(T_4K, 0), ro;
        seL4_Error copy_err;
        ro = copy_cap(frame, seL4_CanRead, &copy_err);
        err = Page_Map(ro, vs, A_4K + 0x3000, seL4_ReadWrite, ATTR_DEFAULT);
        report("rights_read_only_cap", copy_err == seL4_NoError && err == seL4_NoError
               && read_fault(vs, A_4K + 0x3000) == SEL4SIM_FAULT_NONE
               && write_fault(vs, A_4K + 0x3000) == SEL4SIM_FAULT_PERMISSION, "copy %d map %d", (int)copy_err,
               (int)err);
        err = Page_Map(frame, vs, A_4K + 0x4000, seL4_CanWrite, ATTR_DEFAULT);
        report("rights_write_only_is_kernel_only", err == seL4_NoError && translate(vs, A_4K + 0x4000, &m)
               && !seL4_CapRights_get_capAllowRead(m.rights) && !seL4_CapRights_get_capAllowWrite(m.rights)
               && read_fault(vs, A_4K + 0x4000) == SEL4SIM_FAULT_PERMISSION, "error %d", (int)err);
        seL4_CPtr frame2 = retype(T_4K, 0);
        err = Page_Map(frame2, vs, A_4K + 0x5000, seL4_CanWrite, ATTR_XN);
#if defined(CONFIG_ARCH_AARCH64)
        report("kernel_only_execute_never", err == seL4_NoError && translate(vs, A_4K + 0x5000, &m)
               && read_fault(vs, A_4K + 0x5000) == SEL4SIM_FAULT_PERMISSION, "error %d", (int)err);
#else
        /* no read, write or execute: RISC-V writes an invalid entry, though the cap says mapped */
        report("kernel_only_execute_never", err == seL4_NoError && !translate(vs, A_4K + 0x5000, &m)
               && info(frame2).mapped && read_fault(vs, A_4K + 0x5000) == SEL4SIM_FAULT_UNMAPPED, "error %d",
               (int)err);
#endif
        seL4_CPtr frame3 = retype(T_4K, 0);
        err = Page_Map(frame3, vs, A_4K + 0x6000, seL4_ReadWrite, ATTR_SOME);
        report("attributes_kept", err == seL4_NoError && translate(vs, A_4K + 0x6000, &m)
               && m.attributes == (seL4_Word)ATTR_SOME, "error %d attributes %lu", (int)err, m.attributes);
        seL4_CPtr copy = copy_cap(frame3, seL4_AllRights, &copy_err);
        report("copied_frame_cap_unmapped", copy_err == seL4_NoError && !info(copy).mapped && info(frame3).mapped,
               "copy %d", (int)copy_err);
    }

    /* --- unmapping and deleting --- */
    {
        seL4_CPtr frame = retype(T_4K, 0);
        Page_Map(frame, vs, A_4K + 0x7000, seL4_ReadWrite, ATTR_DEFAULT);
        err = Page_Unmap(frame);
        seL4_Error again = Page_Unmap(frame);
        report("page_unmap", err == seL4_NoError && again == seL4_NoError && !info(frame).mapped
               && !translate(vs, A_4K + 0x7000, &m) && read_fault(vs, A_4K + 0x7000) == SEL4SIM_FAULT_UNMAPPED,
               "error %d again %d", (int)err, (int)again);
        Page_Map(frame, vs, A_4K + 0x8000, seL4_ReadWrite, ATTR_DEFAULT);
        seL4_CNode_Delete(seL4_CapInitThreadCNode, frame, seL4_WordBits);
        report("delete_frame_cap_unmaps", !translate(vs, A_4K + 0x8000, &m), "still mapped");
    }
    {
        /* four adjacent pages, the middle write crosses from one to the next */
        seL4_Word base = A_4K + 0x10000;
        for (int i = 0; i < 4; i++) {
            Page_Map(retype(T_4K, 0), vs, base + i * 0x1000ul, seL4_ReadWrite, ATTR_DEFAULT);
        }
        char text[32] = "across the boundary", back[32] = "";
        int w = sel4sim_mmu_write(k, vs, base + 0x1ff0, text, sizeof(text), NULL);
        int r = sel4sim_mmu_read(k, vs, base + 0x1ff0, back, sizeof(back), NULL);
        size_t run = sel4sim_vspace_mapped_pages(k, vs, base, 6, seL4_PageBits);
        report("mmu_across_pages_and_run", w == 0 && r == 0 && memcmp(text, back, sizeof(text)) == 0 && run == 4,
               "write %d read %d run %zu", w, r, run);
        sel4sim_mapping_t list[4];
        size_t n = sel4sim_vspace_mappings_in(k, vs, base, 0x4000, list, 4);
        report("mappings_in_range", n == 4 && list[0].vaddr == base && list[3].vaddr == base + 0x3000, "%zu mappings",
               n);
    }
    {
        /* deleting the root's last cap releases its ASID: another root gets it */
        seL4_CPtr vs5 = new_vspace();
        seL4_Word asid = info(vs5).mapped_asid;
        seL4_CNode_Delete(seL4_CapInitThreadCNode, vs5, seL4_WordBits);
        seL4_CPtr vs6 = new_vspace();
        report("delete_root_releases_asid", info(vs6).mapped_asid == asid, "asid %lu then %lu", asid,
               info(vs6).mapped_asid);
    }

#if defined(CONFIG_ARCH_AARCH64)
    /* --- cache maintenance: decodeARMFrameInvocation's and decodeARMVSpaceRootInvocation's checks; the
     * flushes themselves (performPageFlush, performVSpaceFlush) change nothing, there being no caches --- */
    {
        typedef seL4_Error (*flush_fn)(seL4_CPtr, seL4_Word, seL4_Word);
        static const flush_fn page_ops[] = { seL4_ARM_Page_Clean_Data, seL4_ARM_Page_Invalidate_Data,
                                             seL4_ARM_Page_CleanInvalidate_Data, seL4_ARM_Page_Unify_Instruction };
        static const flush_fn vspace_ops[] = { seL4_ARM_VSpace_Clean_Data, seL4_ARM_VSpace_Invalidate_Data,
                                               seL4_ARM_VSpace_CleanInvalidate_Data,
                                               seL4_ARM_VSpace_Unify_Instruction };
        const size_t num_ops = sizeof(page_ops) / sizeof(page_ops[0]);
        seL4_CPtr cvs = new_vspace();
        seL4_Word seen[8];
        build_tables(cvs, A_4K, seen, 8);
        seL4_CPtr page = retype(T_4K, 0);
        Page_Map(page, cvs, A_4K, seL4_ReadWrite, ATTR_DEFAULT);
        const char text[] = "cached bytes";
        char back[sizeof(text)] = "";
        sel4sim_mmu_write(k, cvs, A_4K + 8, text, sizeof(text), NULL);
        bool ok = true;
        why[0] = 0;
        for (size_t i = 0; i < num_ops; i++) {
            seL4_Error e1 = page_ops[i](page, 0, 1ul << seL4_PageBits);
            seL4_Error e2 = page_ops[i](page, 8, 9);
            seL4_Error e3 = vspace_ops[i](cvs, A_4K, A_4K + (1ul << seL4_PageBits));
            if (e1 != seL4_NoError || e2 != seL4_NoError || e3 != seL4_NoError) {
                ok = false;
                snprintf(why, sizeof(why), "op %zu: page %d %d vspace %d", i, (int)e1, (int)e2, (int)e3);
            }
        }
        int r = sel4sim_mmu_read(k, cvs, A_4K + 8, back, sizeof(back), NULL);
        report("flush_each_op", ok && r == 0 && memcmp(text, back, sizeof(text)) == 0, "%s", why);

        /* decodeARMFrameInvocation, in its order */
        expect_error("page_flush_not_a_frame", seL4_ARM_Page_Clean_Data(retype(T_PT, 0), 0, 1), seL4_IllegalOperation,
                     -1, -1, -1);
        expect_error("page_flush_empty_slot", seL4_ARM_Page_Clean_Data(next_slot + 100, 0, 1), seL4_InvalidCapability,
                     0, -1, -1);
        expect_error("page_flush_unmapped", seL4_ARM_Page_Unify_Instruction(retype(T_4K, 0), 0, 1),
                     seL4_IllegalOperation, -1, -1, -1);
        {
            /* the frame's vspace goes with its last cap, so its ASID names nothing: checked before the range */
            seL4_CPtr gone = new_vspace();
            seL4_CPtr orphan = retype(T_1G, 0);
            build_tables(gone, A_1G, seen, 1);
            Page_Map(orphan, gone, A_1G, seL4_ReadWrite, ATTR_DEFAULT);
            seL4_CNode_Delete(seL4_CapInitThreadCNode, gone, seL4_WordBits);
            expect_error("page_flush_asid_gone", seL4_ARM_Page_Clean_Data(orphan, 1, 0), seL4_FailedLookup, 0,
                         seL4_InvalidRoot, -1);
        }
        expect_error("page_flush_empty_range", seL4_ARM_Page_Clean_Data(page, 8, 8), seL4_InvalidArgument, 1, -1, -1);
        expect_error("page_flush_inverted_range", seL4_ARM_Page_Clean_Data(page, 9, 8), seL4_InvalidArgument, 1, -1,
                     -1);
        expect_error("page_flush_start_past_page",
                     seL4_ARM_Page_Clean_Data(page, 1ul << seL4_PageBits, (1ul << seL4_PageBits) + 1),
                     seL4_InvalidArgument, 0, -1, -1);
        expect_error("page_flush_end_past_page", seL4_ARM_Page_Unify_Instruction(page, 0, (1ul << seL4_PageBits) + 1),
                     seL4_InvalidArgument, 0, -1, -1);
        {
            /* a 2 MiB frame takes offsets up to its own size */
            seL4_CPtr big = retype(T_2M, 0);
            err = Page_Map(big, cvs, A_2M, seL4_ReadWrite, ATTR_DEFAULT);
            seL4_Error whole = seL4_ARM_Page_CleanInvalidate_Data(big, 0x1000, 1ul << seL4_LargePageBits);
            report("page_flush_2m_offsets", err == seL4_NoError && whole == seL4_NoError, "map %d flush %d", (int)err,
                   (int)whole);
        }
        {
            /* ARM's map replaces the entry: the replaced cap still says mapped, but its mapping is stale */
            seL4_CPtr replaced = retype(T_4K, 0), replacing = retype(T_4K, 0);
            Page_Map(replaced, cvs, A_4K + 0x1000, seL4_ReadWrite, ATTR_DEFAULT);
            Page_Map(replacing, cvs, A_4K + 0x1000, seL4_ReadWrite, ATTR_DEFAULT);
            expect_error("page_flush_stale_cap", seL4_ARM_Page_Clean_Data(replaced, 0, 1), seL4_InvalidCapability, 0,
                         -1, -1);
            /* the range is checked before the mapping is */
            expect_error("page_flush_order_range_before_stale", seL4_ARM_Page_Clean_Data(replaced, 0, 0x2000),
                         seL4_InvalidArgument, 0, -1, -1);
            report("page_flush_replacing_cap", seL4_ARM_Page_Clean_Data(replacing, 0, 1) == seL4_NoError, "refused");
        }
        {
            seL4_CPtr ro = retype(T_4K, 0);
            Page_Map(ro, cvs, A_4K + 0x2000, seL4_CanRead, ATTR_DEFAULT);
            expect_error("page_invalidate_read_only", seL4_ARM_Page_Invalidate_Data(ro, 0, 1), seL4_IllegalOperation,
                         -1, -1, -1);
            seL4_Error c = seL4_ARM_Page_Clean_Data(ro, 0, 1), ci = seL4_ARM_Page_CleanInvalidate_Data(ro, 0, 1);
            seL4_Error u = seL4_ARM_Page_Unify_Instruction(ro, 0, 1);
            report("page_clean_read_only", c == seL4_NoError && ci == seL4_NoError && u == seL4_NoError,
                   "clean %d clean-invalidate %d unify %d", (int)c, (int)ci, (int)u);
            expect_error("vspace_invalidate_read_only", seL4_ARM_VSpace_Invalidate_Data(cvs, A_4K + 0x2000,
                                                                                        A_4K + 0x2001),
                         seL4_IllegalOperation, -1, -1, -1);
        }

        /* decodeARMVSpaceRootInvocation, in its order */
        expect_error("vspace_flush_not_a_vspace", seL4_ARM_VSpace_Clean_Data(page, A_4K, A_4K + 1),
                     seL4_IllegalOperation, -1, -1, -1);
        expect_error("vspace_flush_empty_range", seL4_ARM_VSpace_Clean_Data(cvs, A_4K, A_4K), seL4_InvalidArgument, 1,
                     -1, -1);
        expect_error("vspace_flush_above_user_top", seL4_ARM_VSpace_Clean_Data(cvs, USER_END - 0x10, USER_END),
                     seL4_IllegalOperation, -1, -1, -1);
        expect_error("vspace_flush_unassigned", seL4_ARM_VSpace_Clean_Data(unassigned, A_4K, A_4K + 1),
                     seL4_InvalidCapability, 0, -1, -1);
        expect_error("vspace_flush_order_range_before_cap", seL4_ARM_VSpace_Clean_Data(unassigned, A_4K + 1, A_4K),
                     seL4_InvalidArgument, 1, -1, -1);
        /* vs_pool1's pool went above: its ASID names nothing */
        expect_error("vspace_flush_asid_gone", seL4_ARM_VSpace_Clean_Data(vs_pool1, A_4K, A_4K + 1), seL4_FailedLookup,
                     0, seL4_InvalidRoot, -1);
        {
            /* a new pool in the old one's place gives the same ASID to another root */
            seL4_CPtr new_pool = next_slot++;
            seL4_Error mk = ASIDControl_MakePool(seL4_CapASIDControl, retype(seL4_UntypedObject, seL4_ASIDPoolBits),
                                                 seL4_CapInitThreadCNode, new_pool, seL4_WordBits);
            seL4_CPtr other_root = retype(T_ROOT, 0);
            seL4_Error as = ASIDPool_Assign(new_pool, other_root);
            report("asid_reused", mk == seL4_NoError && as == seL4_NoError
                   && info(other_root).mapped_asid == info(vs_pool1).mapped_asid, "make %d assign %d asid %lu", (int)mk,
                   (int)as, info(other_root).mapped_asid);
            expect_error("vspace_flush_asid_other_root", seL4_ARM_VSpace_Clean_Data(vs_pool1, A_4K, A_4K + 1),
                         seL4_InvalidCapability, 0, -1, -1);
        }
        report("vspace_flush_nothing_mapped",
               seL4_ARM_VSpace_Invalidate_Data(cvs, A_1G, A_1G + 0x3000) == seL4_NoError, "refused");
        expect_error("vspace_flush_cross_page", seL4_ARM_VSpace_Clean_Data(cvs, A_4K + 0xff0, A_4K + 0x1010),
                     seL4_RangeError, (long)(A_4K + 0xff0), (long)(A_4K + 0xfff), -1);
        report("vspace_flush_inside_2m",
               seL4_ARM_VSpace_Unify_Instruction(cvs, A_2M + 0xff0, A_2M + 0x1010) == seL4_NoError, "refused");
        expect_error("vspace_flush_cross_2m", seL4_ARM_VSpace_Clean_Data(cvs, A_2M + 0x1000,
                                                                        A_2M + (1ul << seL4_LargePageBits) + 1),
                     seL4_RangeError, (long)(A_2M + 0x1000), (long)(A_2M + (1ul << seL4_LargePageBits) - 1), -1);
    }
#endif

    sel4sim_kernel_destroy(k);
    report("destroy_frees_all", host_alloc_bytes_in_use(HOST_ALLOC_KERNEL_OBJECTS) == 0
           && host_alloc_bytes_in_use(HOST_ALLOC_FRAME_BACKING) == 0, "%zu object bytes, %zu backing bytes left",
           host_alloc_bytes_in_use(HOST_ALLOC_KERNEL_OBJECTS), host_alloc_bytes_in_use(HOST_ALLOC_FRAME_BACKING));
    return 0;
}
