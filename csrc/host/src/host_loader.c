/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The host loader vspace: what sel4utils_get_vspace calls "the loader", the
 * vspace of the process running the allocator, from which the allocator gets
 * memory for its own tables. Here that memory is page-aligned host memory,
 * accounted as bookkeeping; new_pages hands it out, unmap_pages takes it back.
 * Nothing else of the vspace interface is needed by sel4utils, so nothing else
 * is provided.
 */

#include <string.h>

#include <utils/util.h>
#include <vspace/vspace.h>
#include <sel4vspace_common/alloc.h>

#include "host_internal.h"

static size_t loader_bytes(size_t num_pages, size_t size_bits)
{
    if (size_bits >= sizeof(size_t) * 8 || num_pages == 0 || num_pages > (SIZE_MAX >> size_bits)) {
        return 0;
    }
    return num_pages << size_bits;
}

static void *loader_new_pages(vspace_t *vspace, seL4_CapRights_t rights, size_t num_pages, size_t size_bits)
{
    (void) rights;
    host_world_t *w = vspace->data;
    size_t bytes = loader_bytes(num_pages, size_bits);
    if (bytes == 0) {
        ZF_LOGE("Loader: cannot provide %zu pages of 2^%zu bytes", num_pages, size_bits);
        return NULL;
    }
    void *memory = host_aligned_calloc(HOST_ALLOC_BOOKKEEPING, PAGE_SIZE_4K, bytes);
    if (memory == NULL) {
        ZF_LOGE("Loader: out of host memory for %zu bytes of bookkeeping", bytes);
        return NULL;
    }
    w->loader_bytes += bytes;
    w->loader_blocks++;
    return memory;
}

static void loader_unmap_pages(vspace_t *vspace, void *vaddr, size_t num_pages, size_t size_bits, vka_t *vka)
{
    /* the memory is the loader's whatever vka says: there are no caps behind it */
    (void) vka;
    host_world_t *w = vspace->data;
    size_t bytes = loader_bytes(num_pages, size_bits);
    if (vaddr == NULL || bytes == 0 || bytes > w->loader_bytes || w->loader_blocks == 0) {
        ZF_LOGE("Loader: %p (%zu pages of 2^%zu bytes) was not handed out by this loader", vaddr, num_pages,
                size_bits);
        return;
    }
    host_free(HOST_ALLOC_BOOKKEEPING, vaddr, bytes);
    w->loader_bytes -= bytes;
    w->loader_blocks--;
}

void host_loader_init(host_world_t *w)
{
    memset(&w->loader, 0, sizeof(w->loader));
    w->loader.data = w;
    w->loader.new_pages = loader_new_pages;
    w->loader.unmap_pages = loader_unmap_pages;
}

size_t sel4vspace_host_world_loader_bytes(host_world_t *w)
{
    return w == NULL ? 0 : w->loader_bytes;
}
