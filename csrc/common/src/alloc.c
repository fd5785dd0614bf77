/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <sel4vspace_common/alloc.h>

/* Process-wide counters, updated by every thread that drives a kernel: atomic, relaxed (each is a
 * sum on its own; no reader needs them ordered with anything else). */
static _Atomic size_t bytes_in_use[HOST_ALLOC_NUM_CATEGORIES];
static _Atomic size_t blocks_in_use[HOST_ALLOC_NUM_CATEGORIES];

static int valid_category(host_alloc_category cat)
{
    return (unsigned) cat < HOST_ALLOC_NUM_CATEGORIES;
}

static void count_alloc(host_alloc_category cat, size_t size)
{
    atomic_fetch_add_explicit(&bytes_in_use[cat], size, memory_order_relaxed);
    atomic_fetch_add_explicit(&blocks_in_use[cat], 1, memory_order_relaxed);
}

void *host_alloc(host_alloc_category cat, size_t size)
{
    if (!valid_category(cat)) {
        return NULL;
    }
    void *ptr = malloc(size ? size : 1);
    if (ptr != NULL) {
        count_alloc(cat, size);
    }
    return ptr;
}

void *host_calloc(host_alloc_category cat, size_t count, size_t size)
{
    if (!valid_category(cat) || (size != 0 && count > (size_t) -1 / size)) {
        return NULL;
    }
    void *ptr = calloc(count ? count : 1, size ? size : 1);
    if (ptr != NULL) {
        count_alloc(cat, count * size);
    }
    return ptr;
}

void *host_aligned_calloc(host_alloc_category cat, size_t align, size_t size)
{
    if (!valid_category(cat) || align < sizeof(void *) || (align & (align - 1)) != 0) {
        return NULL;
    }
    void *ptr = NULL;
    if (posix_memalign(&ptr, align, size ? size : 1) != 0) {
        return NULL;
    }
    memset(ptr, 0, size);
    count_alloc(cat, size);
    return ptr;
}

void *host_realloc(host_alloc_category cat, void *ptr, size_t old_size, size_t new_size)
{
    if (!valid_category(cat)) {
        return NULL;
    }
    if (ptr == NULL) {
        return host_alloc(cat, new_size);
    }
    void *grown = realloc(ptr, new_size ? new_size : 1);
    if (grown != NULL) {
        if (new_size >= old_size) {
            atomic_fetch_add_explicit(&bytes_in_use[cat], new_size - old_size, memory_order_relaxed);
        } else {
            atomic_fetch_sub_explicit(&bytes_in_use[cat], old_size - new_size, memory_order_relaxed);
        }
    }
    return grown;
}

void host_free(host_alloc_category cat, void *ptr, size_t size)
{
    if (ptr == NULL || !valid_category(cat)) {
        return;
    }
    atomic_fetch_sub_explicit(&bytes_in_use[cat], size, memory_order_relaxed);
    atomic_fetch_sub_explicit(&blocks_in_use[cat], 1, memory_order_relaxed);
    free(ptr);
}

size_t host_alloc_bytes_in_use(host_alloc_category cat)
{
    return valid_category(cat) ? atomic_load_explicit(&bytes_in_use[cat], memory_order_relaxed) : 0;
}

size_t host_alloc_blocks_in_use(host_alloc_category cat)
{
    return valid_category(cat) ? atomic_load_explicit(&blocks_in_use[cat], memory_order_relaxed) : 0;
}
