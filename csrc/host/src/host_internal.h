/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared between the host world's source files; not part of the Python surface. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sel4/sel4.h>
#include <sel4sim/kernel.h>
#include <vka/vka.h>
#include <vspace/vspace.h>
#include <sel4vspace_host/host.h>

/* ---- cslots: the boot info's empty region of the root CNode ---- */

typedef struct host_cspace {
    seL4_CPtr first;          /* empty region [first, end) */
    seL4_CPtr end;
    seL4_CPtr next_unused;    /* slots at or above this were never handed out */
    seL4_CPtr *free_stack;    /* freed slots, reused first */
    size_t free_count;
    size_t free_capacity;
    uint8_t *in_use;          /* one bit per slot of the region: catches double frees */
    size_t in_use_bytes;
} host_cspace_t;

/* ---- untyped memory: a buddy system of untyped caps ---- */

typedef enum {
    HOST_BLOCK_FREE,        /* an untyped with no children, on its order's free list */
    HOST_BLOCK_SPLIT,       /* retyped into two half-size untypeds (children[0], children[1]) */
    HOST_BLOCK_ALLOCATED,   /* retyped into one object, handed out; its id is the vka cookie */
    HOST_BLOCK_SLAB         /* 4 KiB frames retyped from it one after another (see host_vka.c) */
} host_block_state_t;

typedef struct host_block host_block_t;
struct host_block {
    seL4_Word paddr;
    seL4_CPtr cap;                 /* the untyped cap covering exactly this block */
    host_block_t *parent;
    host_block_t *children[2];
    union {
        struct {
            host_block_t *free_prev;   /* free list links, while FREE */
            host_block_t *free_next;
        };
        struct {
            uint64_t slab_live;        /* while SLAB: bit i set while frame i is handed out */
            struct host_vka_ctx *slab_owner; /* the vka whose current slab it is, or NULL */
            uint16_t slab_next;        /* frames retyped so far: the untyped's watermark / 4 KiB */
        };
    };
    seL4_Word id;                  /* index in host_untyped_t.by_id, from 1 */
    uint8_t size_bits;
    uint8_t state;                 /* host_block_state_t */
    uint8_t is_root;               /* a boot untyped: never merged away */
};

#define HOST_MAX_ORDER 64

typedef struct host_untyped {
    host_block_t *free_lists[HOST_MAX_ORDER];
    host_block_t **by_id;          /* id -> block, NULL for unused ids */
    size_t id_capacity;
    seL4_Word *free_ids;           /* ids of released blocks, reused first */
    size_t free_id_count;
    size_t free_id_capacity;
    seL4_Word next_id;
    host_block_t **roots;
    size_t num_roots;
    size_t roots_capacity;
    seL4_Word free_bytes;          /* bytes in FREE blocks and past the watermark of SLAB blocks */
    unsigned slab_bits;            /* size of a slab block; seL4_PageBits: no slabs */
} host_untyped_t;

/* What a vka_t's data points to. The world has one; each host vspace has its own, so that the
 * frames a vspace allocates come from slabs of its own, and freeing all of them frees the slabs
 * whatever frames others hold. */
typedef struct host_vka_ctx {
    struct host_world *world;
    host_block_t *slab;            /* the slab new frames come from, or NULL */
    size_t slab_budget;            /* frames this call may still take in new slabs */
} host_vka_ctx_t;

struct host_world {
    sel4sim_kernel_t *kernel;
    host_cspace_t cspace;
    size_t device_requests;        /* objects asked for with can_use_dev (served from RAM all the same) */
    host_untyped_t untyped;
    host_vka_ctx_t vka_ctx;
    vka_t vka;
    vspace_t loader;
    size_t loader_bytes;
    size_t loader_blocks;
    host_vspace_t *vspaces;        /* live host vspaces, destroyed with the world */
};

/* host_vka.c */
int host_vka_init(host_world_t *w);
/* A vka of the world's with its own slab (ctx lives as long as vka is used); and letting it go. */
void host_vka_make(host_world_t *w, host_vka_ctx_t *ctx, vka_t *vka);
void host_vka_ctx_release(host_vka_ctx_t *ctx);
/* The next call of ctx's vspace makes this many 4 KiB frames (0: the call is over). */
void host_vka_bulk_frames(host_vka_ctx_t *ctx, size_t frames);
void host_vka_destroy(host_world_t *w);

/* host_loader.c */
void host_loader_init(host_world_t *w);
