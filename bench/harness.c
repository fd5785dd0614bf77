/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The native side of bench/run.py: each workload driven straight through the vspace_* calls and
 * the simulation API, built from the same objects as the Python extension (bench/build.py), so
 * that the Python figures have a floor to be compared with.
 *
 * Usage: harness WORKLOAD SIZE COUNT
 *   W1 N CYCLES       bulk deferred map: reserve N deferred pages, map N frames in one call, unmap,
 *                     free; the first cycle is reported as cold, the median of the rest as the value
 *   W2 ROUNDS BATCHES small operations: reserve, map one page, unmap, free the reservation
 *   W3 R CYCLES       R one-page reservations; map, look up and unmap each by vaddr; free them
 *   W4 N -            host bytes of mapping bookkeeping per mapped page (N pages mapped densely)
 *   W5 CHUNK BYTES    MMU reads and writes in CHUNK-byte pieces, and memcpy of the same bytes,
 *                     BYTES per sample
 * Prints one JSON object. bench/workloads.py runs the same workloads through sel4vspace; both
 * sides take their parameters (kernel sizes, addresses, repetitions) from the same rules. Linked as
 * a shared library, the file gives bench/workloads.py its W1 and W2 samples one at a time (paired
 * samples, at the end).
 */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sel4/sel4.h>
#include <sel4sim/kernel.h>
#include <sel4vspace_common/alloc.h>
#include <sel4vspace_binding/constants.h>
#include <sel4vspace_host/arch.h>
#include <sel4vspace_host/host.h>
#include <vspace/vspace.h>

#define PAGE 4096ul
/* Where the workloads put their reservations: above everything the vspace set up itself. */
#define BULK_VADDR bench_vaddr(40)
#define MANY_VADDR bench_vaddr(39)

/* 2^bits where user space is large enough for it (x86_64's and AArch64's 2^47 bytes); in a smaller
 * one (2^38 under RISC-V's Sv39) as many bits below its top as 2^40 would be (2^37, 2^36). */
static uintptr_t bench_vaddr(unsigned bits)
{
    unsigned user_bits = 64 - (unsigned) __builtin_clzl(sel4vspace_arch()->user_top - 1);
    return bits + 4 <= user_bits ? 1ul << bits : 1ul << (user_bits - 1 - (40 - bits));
}

static void die(const char *what)
{
    fprintf(stderr, "harness: %s failed\n", what);
    exit(1);
}

/* The clock samples are timed by: wall time, unless harness_time_by_thread_cpu() chose this
 * thread's CPU time (which a preemption by another process does not advance). */
static clockid_t sample_clock = CLOCK_MONOTONIC;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(sample_clock, &ts);
    return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static double median(const double *samples, size_t n)
{
    double *sorted = malloc(n * sizeof(*sorted));
    if (sorted == NULL) {
        die("malloc");
    }
    memcpy(sorted, samples, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), compare_double);
    double m = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    free(sorted);
    return m;
}

static void print_samples(const char *name, const double *samples, size_t n)
{
    printf("\"%s\": [", name);
    for (size_t i = 0; i < n; i++) {
        printf("%s%.3f", i ? ", " : "", samples[i]);
    }
    printf("]");
}

static unsigned log2_ceil(size_t n)
{
    unsigned bits = 0;
    while ((1ul << bits) < n) {
        bits++;
    }
    return bits;
}

/* Kernel sizes for a workload that maps up to `pages` 4 KiB frames at once (bench/workloads.py
 * uses the same rule): untyped memory for twice the frames, and a root CNode with room for the
 * frame caps and the untyped caps the buddy allocator splits off. */
static unsigned untyped_bits_for(size_t pages)
{
    unsigned bits = log2_ceil(pages) + 13;
    return bits < 22 ? 22 : bits;
}

static unsigned cnode_bits_for(size_t pages)
{
    unsigned bits = log2_ceil(pages) + 2;
    return bits < 16 ? 16 : bits;
}

typedef struct bench_world {
    host_world_t *world;
    host_vspace_t *host_vspace;
    vspace_t *vspace;
    sel4sim_kernel_t *kernel;
    seL4_CPtr root;
    seL4_CPtr *caps;
    size_t num_caps;
} bench_world_t;

static void world_open(bench_world_t *b, size_t pages, size_t frames)
{
    b->world = sel4vspace_host_world_new(untyped_bits_for(pages), cnode_bits_for(pages));
    if (b->world == NULL) {
        die("sel4vspace_host_world_new");
    }
    b->host_vspace = sel4vspace_host_vspace_new(b->world);
    if (b->host_vspace == NULL) {
        die("sel4vspace_host_vspace_new");
    }
    b->vspace = sel4vspace_host_vspace_vspace(b->host_vspace);
    b->kernel = sel4vspace_host_world_kernel(b->world);
    b->root = sel4vspace_host_vspace_root(b->host_vspace);
    b->num_caps = frames;
    b->caps = calloc(frames ? frames : 1, sizeof(*b->caps));
    if (b->caps == NULL) {
        die("calloc");
    }
    /* as Kernel.alloc_frames does it, so both sides map the same cap layout */
    vka_object_t *objects = calloc(frames ? frames : 1, sizeof(*objects));
    if (objects == NULL || sel4vspace_host_alloc_frames(b->world, seL4_PageBits, frames, objects, NULL) != 0) {
        die("sel4vspace_host_alloc_frames");
    }
    for (size_t i = 0; i < frames; i++) {
        b->caps[i] = objects[i].cptr;
    }
    free(objects);
    sel4vspace_host_world_select(b->world);
}

static void world_close(bench_world_t *b)
{
    sel4vspace_host_world_destroy(b->world);
    free(b->caps);
}

/* ---- W1 -------------------------------------------------------------------------------------- */

/* The phases of one W1 cycle, in ns per page: reserve, map, unmap, free. */
enum { W1_RESERVE, W1_MAP, W1_UNMAP, W1_FREE, W1_PHASES };
static const char *const w1_phase_names[W1_PHASES] = { "reserve", "map", "unmap", "free" };

/* Not inlined, so that callgrind --toggle-collect=bulk_cycle counts exactly the timed work. */
__attribute__((noinline)) static void bulk_cycle(bench_world_t *b, size_t n, double t[W1_PHASES + 1])
{
    t[W1_RESERVE] = now_ns();
    reservation_t res = vspace_reserve_deferred_rights_range_at(b->vspace, (void *) BULK_VADDR, n * PAGE, 1);
    if (res.res == NULL) {
        die("vspace_reserve_deferred_rights_range_at");
    }
    t[W1_MAP] = now_ns();
    if (vspace_deferred_rights_map_pages_at_vaddr(b->vspace, b->caps, NULL, (void *) BULK_VADDR, n, seL4_PageBits,
                                                  seL4_ReadWrite, res) != 0) {
        die("vspace_deferred_rights_map_pages_at_vaddr");
    }
    t[W1_UNMAP] = now_ns();
    vspace_unmap_pages(b->vspace, (void *) BULK_VADDR, n, seL4_PageBits, VSPACE_PRESERVE);
    t[W1_FREE] = now_ns();
    vspace_free_reservation(b->vspace, res);
    t[W1_PHASES] = now_ns();
}

/* One pass of the kernel floor: the n frames mapped with the arch's Page_Map at the W1 addresses
 * and unmapped with its Page_Unmap, straight through libsel4; ns per page. */
__attribute__((noinline)) static double kernel_floor_sample(bench_world_t *b, size_t n)
{
    double t0 = now_ns();
    for (size_t i = 0; i < n; i++) {
        if (seL4_ARCH_Page_Map(b->caps[i], b->root, BULK_VADDR + i * PAGE, seL4_ReadWrite,
                               sel4vspace_arch()->default_vm_attributes) != seL4_NoError) {
            die("the arch's Page_Map");
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (sel4vspace_arch_page_unmap(b->caps[i]) != seL4_NoError) {
            die("the arch's Page_Unmap");
        }
    }
    return (now_ns() - t0) / (double) n;
}

/* One W1 cycle of n pages: its ns per page; phases[] gets each phase's ns per page. */
static double w1_sample(bench_world_t *b, size_t n, double phases[W1_PHASES])
{
    double t[W1_PHASES + 1];
    bulk_cycle(b, n, t);
    for (int p = 0; p < W1_PHASES; p++) {
        phases[p] = (t[p + 1] - t[p]) / (double) n;
    }
    return (t[W1_PHASES] - t[0]) / (double) n;
}

static void w1_bulk(size_t n, size_t reps)
{
    bench_world_t b;
    world_open(&b, n, n);
    double *samples = calloc(reps, sizeof(*samples));
    double *phases = calloc(reps * W1_PHASES, sizeof(*phases));
    if (samples == NULL || phases == NULL) {
        die("calloc");
    }
    /* the first cycle also creates the paging structures and the allocator's tables: "cold" */
    for (size_t r = 0; r < reps; r++) {
        double cycle[W1_PHASES];
        samples[r] = w1_sample(&b, n, cycle);
        for (int p = 0; p < W1_PHASES; p++) {
            phases[p * reps + r] = cycle[p];
        }
    }
    /* The simulated kernel's share: the same frames mapped and unmapped at the same addresses
     * through libsel4 alone, the paging structures already in place (upstream measured its
     * allocator over a floor of about 18 ns per page on its stub). */
    double *floor_samples = calloc(reps, sizeof(*floor_samples));
    if (floor_samples == NULL) {
        die("calloc");
    }
    for (size_t r = 0; r < reps; r++) {
        floor_samples[r] = kernel_floor_sample(&b, n);
    }
    printf("{\"workload\": \"W1\", \"size\": %zu, \"unit\": \"ns/page\", \"value\": %.3f, \"cold\": %.3f, "
           "\"kernel_floor\": %.3f, ", n, median(samples + 1, reps - 1), samples[0], median(floor_samples, reps));
    free(floor_samples);
    printf("\"phases\": {");
    for (int p = 0; p < W1_PHASES; p++) {
        printf("%s\"%s\": %.3f", p ? ", " : "", w1_phase_names[p], median(phases + p * reps + 1, reps - 1));
    }
    printf("}, ");
    print_samples("samples", samples, reps);
    printf("}\n");
    free(phases);
    free(samples);
    world_close(&b);
}

/* ---- W2 -------------------------------------------------------------------------------------- */

__attribute__((noinline)) static void small_round(bench_world_t *b)
{
    reservation_t res = vspace_reserve_deferred_rights_range_at(b->vspace, (void *) BULK_VADDR, PAGE, 1);
    if (res.res == NULL) {
        die("vspace_reserve_deferred_rights_range_at");
    }
    if (vspace_deferred_rights_map_pages_at_vaddr(b->vspace, b->caps, NULL, (void *) BULK_VADDR, 1, seL4_PageBits,
                                                  seL4_ReadWrite, res) != 0) {
        die("vspace_deferred_rights_map_pages_at_vaddr");
    }
    vspace_unmap_pages(b->vspace, (void *) BULK_VADDR, 1, seL4_PageBits, VSPACE_PRESERVE);
    vspace_free_reservation(b->vspace, res);
}

/* `rounds` W2 rounds: ns per round. */
static double w2_sample(bench_world_t *b, size_t rounds)
{
    double t0 = now_ns();
    for (size_t i = 0; i < rounds; i++) {
        small_round(b);
    }
    return (now_ns() - t0) / (double) rounds;
}

static void w2_small(size_t rounds, size_t batches)
{
    bench_world_t b;
    world_open(&b, 1, 1);
    double *samples = calloc(batches, sizeof(*samples));
    if (samples == NULL) {
        die("calloc");
    }
    size_t per_batch = rounds / batches;
    for (size_t i = 0; i < per_batch; i++) {
        small_round(&b); /* warm up: tables, paging structures, caches */
    }
    for (size_t r = 0; r < batches; r++) {
        samples[r] = w2_sample(&b, per_batch);
    }
    printf("{\"workload\": \"W2\", \"size\": %zu, \"unit\": \"ns/round\", \"calls_per_round\": 4, \"value\": %.3f, ",
           rounds, median(samples, batches));
    print_samples("samples", samples, batches);
    printf("}\n");
    free(samples);
    world_close(&b);
}

/* ---- W3 -------------------------------------------------------------------------------------- */

enum { PHASE_RESERVE, PHASE_MAP, PHASE_LOOKUP, PHASE_UNMAP, PHASE_FREE, NUM_PHASES };
static const char *const phase_names[NUM_PHASES] = { "reserve", "map", "lookup", "unmap", "free" };

static uintptr_t many_vaddr(size_t i)
{
    /* every other page: the reservations never touch */
    return MANY_VADDR + i * 2 * PAGE;
}

static void w3_many(size_t r_count, size_t reps)
{
    bench_world_t b;
    world_open(&b, r_count, r_count);
    reservation_t *res = calloc(r_count, sizeof(*res));
    double *samples = calloc(NUM_PHASES * reps, sizeof(*samples));
    if (res == NULL || samples == NULL) {
        die("calloc");
    }
    for (size_t rep = 0; rep < reps; rep++) {
        double t[NUM_PHASES + 1];
        t[PHASE_RESERVE] = now_ns();
        for (size_t i = 0; i < r_count; i++) {
            res[i] = vspace_reserve_range_at(b.vspace, (void *) many_vaddr(i), PAGE, seL4_ReadWrite, 1);
            if (res[i].res == NULL) {
                die("vspace_reserve_range_at");
            }
        }
        t[PHASE_MAP] = now_ns();
        for (size_t i = 0; i < r_count; i++) {
            if (vspace_map_pages_at_vaddr(b.vspace, &b.caps[i], NULL, (void *) many_vaddr(i), 1, seL4_PageBits,
                                          res[i]) != 0) {
                die("vspace_map_pages_at_vaddr");
            }
        }
        t[PHASE_LOOKUP] = now_ns();
        for (size_t i = 0; i < r_count; i++) {
            sel4sim_mapping_t m;
            if (!sel4sim_vspace_lookup(b.kernel, b.root, many_vaddr(i), &m) || m.frame_cap != b.caps[i]) {
                die("sel4sim_vspace_lookup");
            }
        }
        t[PHASE_UNMAP] = now_ns();
        for (size_t i = 0; i < r_count; i++) {
            vspace_unmap_pages(b.vspace, (void *) many_vaddr(i), 1, seL4_PageBits, VSPACE_PRESERVE);
        }
        t[PHASE_FREE] = now_ns();
        for (size_t i = 0; i < r_count; i++) {
            vspace_free_reservation_by_vaddr(b.vspace, (void *) many_vaddr(i));
        }
        t[NUM_PHASES] = now_ns();
        for (int p = 0; p < NUM_PHASES; p++) {
            samples[p * reps + rep] = (t[p + 1] - t[p]) / (double) r_count;
        }
    }
    printf("{\"workload\": \"W3\", \"size\": %zu, \"unit\": \"ns/op\", \"phases\": {", r_count);
    for (int p = 0; p < NUM_PHASES; p++) {
        printf("%s\"%s\": %.3f", p ? ", " : "", phase_names[p], median(samples + p * reps, reps));
    }
    printf("}, ");
    for (int p = 0; p < NUM_PHASES; p++) {
        print_samples(phase_names[p], samples + p * reps, reps);
        printf(", ");
    }
    printf("\"reps\": %zu}\n", reps);
    free(samples);
    free(res);
    world_close(&b);
}

/* ---- W4 -------------------------------------------------------------------------------------- */

static size_t paging_structure_bytes(sel4sim_kernel_t *k)
{
    const sel4vspace_arch_t *arch = sel4vspace_arch();
    size_t bytes = 0;
    for (size_t i = 0; i < arch->num_paging_types; i++) {
        bytes += sel4sim_object_host_bytes(k, arch->paging_types[i]);
    }
    return bytes;
}

static void w4_memory(size_t n)
{
    bench_world_t b;
    world_open(&b, n, n);
    size_t tables_before = sel4vspace_host_world_loader_bytes(b.world);
    size_t paging_before = paging_structure_bytes(b.kernel);
    reservation_t res = vspace_reserve_deferred_rights_range_at(b.vspace, (void *) BULK_VADDR, n * PAGE, 1);
    if (res.res == NULL
        || vspace_deferred_rights_map_pages_at_vaddr(b.vspace, b.caps, NULL, (void *) BULK_VADDR, n, seL4_PageBits,
                                                     seL4_ReadWrite, res) != 0) {
        die("mapping for W4");
    }
    double tables = (double) (sel4vspace_host_world_loader_bytes(b.world) - tables_before) / (double) n;
    double paging = (double) (paging_structure_bytes(b.kernel) - paging_before) / (double) n;
    printf("{\"workload\": \"W4\", \"size\": %zu, \"unit\": \"bytes/page\", \"value\": %.3f, "
           "\"allocator_tables\": %.3f, \"paging_structures\": %.3f}\n", n, tables + paging, tables, paging);
    world_close(&b);
}

/* ---- W5 -------------------------------------------------------------------------------------- */

#define W5_REGION (1ul << 20)   /* 1 MiB mapped read-write, written once so every frame is backed */

static void w5_mmu(size_t chunk, size_t total)
{
    size_t pages = W5_REGION / PAGE;
    bench_world_t b;
    world_open(&b, pages, pages);
    reservation_t res = vspace_reserve_range_at(b.vspace, (void *) BULK_VADDR, W5_REGION, seL4_ReadWrite, 1);
    if (res.res == NULL
        || vspace_map_pages_at_vaddr(b.vspace, b.caps, NULL, (void *) BULK_VADDR, pages, seL4_PageBits, res) != 0) {
        die("mapping for W5");
    }
    uint8_t *source = malloc(W5_REGION), *buffer = malloc(chunk);
    if (source == NULL || buffer == NULL) {
        die("malloc");
    }
    for (size_t i = 0; i < W5_REGION; i++) {
        source[i] = (uint8_t) (i * 7u);
    }
    sel4sim_fault_t fault;
    if (sel4sim_mmu_write(b.kernel, b.root, BULK_VADDR, source, W5_REGION, &fault) != 0) {
        die("sel4sim_mmu_write");
    }
    enum { KIND_READ, KIND_WRITE, KIND_MEMCPY, NUM_KINDS };
    static const char *const kind_names[NUM_KINDS] = { "read", "write", "memcpy" };
    const size_t reps = 5;
    double samples[NUM_KINDS][5];
    size_t chunks = total / chunk;
    volatile uint8_t sink = 0;
    for (size_t rep = 0; rep < reps; rep++) {
        for (int kind = 0; kind < NUM_KINDS; kind++) {
            double t0 = now_ns();
            for (size_t i = 0; i < chunks; i++) {
                size_t offset = (i * chunk) % W5_REGION;
                int error = 0;
                if (kind == KIND_READ) {
                    error = sel4sim_mmu_read(b.kernel, b.root, BULK_VADDR + offset, buffer, chunk, &fault);
                } else if (kind == KIND_WRITE) {
                    error = sel4sim_mmu_write(b.kernel, b.root, BULK_VADDR + offset, source + offset, chunk, &fault);
                } else {
                    memcpy(buffer, source + offset, chunk);
                }
                if (error != 0) {
                    die("sel4sim_mmu access");
                }
                sink ^= buffer[i % chunk];
            }
            /* bytes per ns = GB/s */
            samples[kind][rep] = (double) (chunks * chunk) / (now_ns() - t0);
        }
    }
    (void) sink;
    printf("{\"workload\": \"W5\", \"size\": %zu, \"unit\": \"GB/s\", \"total_bytes\": %zu", chunk, chunks * chunk);
    for (int kind = 0; kind < NUM_KINDS; kind++) {
        printf(", \"%s\": %.4f, ", kind_names[kind], median(samples[kind], reps));
        char name[32];
        snprintf(name, sizeof(name), "%s_samples", kind_names[kind]);
        print_samples(name, samples[kind], reps);
    }
    printf("}\n");
    free(source);
    free(buffer);
    world_close(&b);
}

/* ---- paired samples --------------------------------------------------------------------------
 * bench/build.py also links this file as a shared library (libharness.so, -Bsymbolic, so that its
 * calls stay inside its own copy of the libraries and the kernel). bench/workloads.py loads it
 * beside the extension and takes native and Python samples of W1 and W2 in turn in one process:
 * this machine's speed changes by up to 1.7x from one stretch of tens of milliseconds to the next,
 * and two samples taken back to back see the same stretch, so their ratio does not depend on it.
 * Each call below is one sample, timed as the workloads above time theirs; both sides time them by
 * the thread's CPU time, so that the other processes of a busy machine do not count either. */

bench_world_t *harness_open(size_t pages, size_t frames);
void harness_close(bench_world_t *b);
double harness_w1_sample(bench_world_t *b, size_t n, double phases[W1_PHASES]);
double harness_kernel_floor(bench_world_t *b, size_t n);
double harness_w2_sample(bench_world_t *b, size_t rounds);
void harness_time_by_thread_cpu(void);

void harness_time_by_thread_cpu(void)
{
    sample_clock = CLOCK_THREAD_CPUTIME_ID;
}

/* A world as the workloads above open it: room for `pages` mapped at once, `frames` frame caps. */
bench_world_t *harness_open(size_t pages, size_t frames)
{
    bench_world_t *b = calloc(1, sizeof(*b));
    if (b == NULL) {
        die("calloc");
    }
    world_open(b, pages, frames);
    return b;
}

void harness_close(bench_world_t *b)
{
    world_close(b);
    free(b);
}

/* Each sample selects the library's own kernel first: the extension's calls select theirs. */
double harness_w1_sample(bench_world_t *b, size_t n, double phases[W1_PHASES])
{
    sel4vspace_host_world_select(b->world);
    return w1_sample(b, n, phases);
}

double harness_kernel_floor(bench_world_t *b, size_t n)
{
    sel4vspace_host_world_select(b->world);
    return kernel_floor_sample(b, n);
}

double harness_w2_sample(bench_world_t *b, size_t rounds)
{
    sel4vspace_host_world_select(b->world);
    return w2_sample(b, rounds);
}

/* SIZE or COUNT: a decimal (or 0x hexadecimal) count from 1 to 2^32, else 0 after a message naming
 * the argument. */
static size_t parse_count(const char *name, const char *text)
{
    char *end = NULL;
    errno = 0;
    unsigned long long value = text[0] == '-' ? 0 : strtoull(text, &end, 0);
    if (text[0] == '-' || end == text || *end != '\0' || errno != 0 || value == 0 || value > (1ull << 32)) {
        fprintf(stderr, "%s must be a whole number from 1 to 2^32: got '%s'\n", name, text);
        return 0;
    }
    return (size_t) value;
}

int main(int argc, char **argv)
{
    /* --thread-cpu first: the samples by this thread's CPU time, as the paired runs take theirs */
    if (argc == 5 && strcmp(argv[1], "--thread-cpu") == 0) {
        harness_time_by_thread_cpu();
        argv++;
        argc--;
    }
    if (argc != 4) {
        fprintf(stderr, "usage: %s [--thread-cpu] W1|W2|W3|W4|W5 SIZE COUNT\n", argv[0]);
        return 2;
    }
    size_t size = parse_count("SIZE", argv[2]), reps = parse_count("COUNT", argv[3]);
    if (size == 0 || reps == 0) {
        return 2;
    }
    if (strcmp(argv[1], "W1") == 0) {
        w1_bulk(size, reps < 2 ? 2 : reps);
    } else if (strcmp(argv[1], "W2") == 0) {
        w2_small(size, reps);
    } else if (strcmp(argv[1], "W3") == 0) {
        w3_many(size, reps);
    } else if (strcmp(argv[1], "W4") == 0) {
        w4_memory(size);
    } else if (strcmp(argv[1], "W5") == 0) {
        w5_mmu(size, reps);
    } else {
        fprintf(stderr, "unknown workload %s: one of W1, W2, W3, W4, W5\n", argv[1]);
        return 2;
    }
    return 0;
}
