/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Accounted host memory. Everything csrc/ allocates on the host goes through here, by category,
 * so that tests can prove every byte comes back and benchmarks can report bookkeeping per page.
 * Callers pass the size back when freeing: the counters need it and the allocator stays a thin
 * layer over malloc.
 */
#pragma once

#include <stddef.h>

typedef enum {
    HOST_ALLOC_KERNEL_OBJECTS = 0,  /* the simulated kernel's objects, caps and paging structures */
    HOST_ALLOC_FRAME_BACKING,       /* bytes behind simulated frames, allocated on first touch */
    HOST_ALLOC_BOOKKEEPING,         /* the vspace allocator's own tables (through the loader) */
    HOST_ALLOC_HOST_LAYER,          /* the host vka and other host-side state */
    HOST_ALLOC_NUM_CATEGORIES
} host_alloc_category;

/* Uninitialised / zeroed memory of size bytes, or NULL when the host is out of memory. */
void *host_alloc(host_alloc_category cat, size_t size);
void *host_calloc(host_alloc_category cat, size_t count, size_t size);
/* size bytes aligned to align (a power of two, at least sizeof(void *)), zeroed. */
void *host_aligned_calloc(host_alloc_category cat, size_t align, size_t size);
/* Resize a block from host_alloc/host_calloc; old_size is what it was allocated with. */
void *host_realloc(host_alloc_category cat, void *ptr, size_t old_size, size_t new_size);
/* Free a block of size bytes from any of the above (NULL is ignored). */
void host_free(host_alloc_category cat, void *ptr, size_t size);

/* Bytes and blocks currently allocated in a category, by every thread of the process. */
size_t host_alloc_bytes_in_use(host_alloc_category cat);
size_t host_alloc_blocks_in_use(host_alloc_category cat);
