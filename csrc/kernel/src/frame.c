/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Frame contents, allocated lazily: nothing until a byte is written, then 4 KiB chunks as they are
 * written. Unwritten bytes read as zero, which is what a freshly retyped frame holds.
 */

#include "kernel_internal.h"

#define CHUNK_BITS seL4_PageBits
#define CHUNK_SIZE (1ul << CHUNK_BITS)

static size_t chunk_count(const sim_frame_t *f)
{
    return 1ul << (f->hdr.size_bits - CHUNK_BITS);
}

static bool is_chunked(const sim_frame_t *f)
{
    return f->hdr.size_bits > CHUNK_BITS;
}

static uint8_t *chunk_of(const sim_frame_t *f, size_t index)
{
    if (f->data == NULL) {
        return NULL;
    }
    return is_chunked(f) ? ((uint8_t **)f->data)[index] : (uint8_t *)f->data;
}

void sim_frame_read(const sim_frame_t *f, seL4_Word offset, void *buf, size_t len)
{
    uint8_t *out = buf;
    while (len > 0) {
        size_t index = offset >> CHUNK_BITS, in_chunk = offset & (CHUNK_SIZE - 1);
        size_t n = CHUNK_SIZE - in_chunk < len ? CHUNK_SIZE - in_chunk : len;
        uint8_t *chunk = chunk_of(f, index);
        if (chunk != NULL) {
            memcpy(out, chunk + in_chunk, n);
        } else {
            memset(out, 0, n);
        }
        out += n;
        offset += n;
        len -= n;
    }
}

int sim_frame_back(sel4sim_kernel_t *k, sim_frame_t *f, seL4_Word offset, size_t len)
{
    if (len == 0) {
        return 0;
    }
    if (!is_chunked(f)) {
        if (f->data == NULL && (f->data = sim_calloc(k, HOST_ALLOC_FRAME_BACKING, CHUNK_SIZE)) == NULL) {
            ZF_LOGE("host out of memory backing a frame");
            return -1;
        }
        return 0;
    }
    if (f->data == NULL
        && (f->data = sim_calloc(k, HOST_ALLOC_FRAME_BACKING, chunk_count(f) * sizeof(uint8_t *))) == NULL) {
        ZF_LOGE("host out of memory backing a frame");
        return -1;
    }
    uint8_t **chunks = f->data;
    for (size_t i = offset >> CHUNK_BITS; i <= (offset + len - 1) >> CHUNK_BITS; i++) {
        if (chunks[i] == NULL && (chunks[i] = sim_calloc(k, HOST_ALLOC_FRAME_BACKING, CHUNK_SIZE)) == NULL) {
            ZF_LOGE("host out of memory backing a frame");
            return -1;
        }
    }
    return 0;
}

void sim_frame_write(sim_frame_t *f, seL4_Word offset, const void *buf, size_t len)
{
    const uint8_t *in = buf;
    while (len > 0) {
        size_t index = offset >> CHUNK_BITS, in_chunk = offset & (CHUNK_SIZE - 1);
        size_t n = CHUNK_SIZE - in_chunk < len ? CHUNK_SIZE - in_chunk : len;
        memcpy(chunk_of(f, index) + in_chunk, in, n);
        in += n;
        offset += n;
        len -= n;
    }
}

void sim_frame_free_backing(sel4sim_kernel_t *k, sim_frame_t *f)
{
    if (f->data == NULL) {
        return;
    }
    if (is_chunked(f)) {
        uint8_t **chunks = f->data;
        for (size_t i = 0; i < chunk_count(f); i++) {
            sim_free(k, HOST_ALLOC_FRAME_BACKING, chunks[i], CHUNK_SIZE);
        }
        sim_free(k, HOST_ALLOC_FRAME_BACKING, chunks, chunk_count(f) * sizeof(uint8_t *));
    } else {
        sim_free(k, HOST_ALLOC_FRAME_BACKING, f->data, CHUNK_SIZE);
    }
    f->data = NULL;
}
