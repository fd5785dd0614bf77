/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The arch seam above the kernel: what the host world and Python need to know about the
 * architecture the build targets, in one description, and the few invocations whose names differ
 * between architectures. Everything outside the arch file (src/arch/<sel4 arch>.c, compiled for the
 * build's CONFIG_ARCH_*) reads the description or calls these functions instead of naming an
 * architecture's objects or invocations.
 *
 * The description is plain data, sized for the architectures seL4_libs supports: up to four frame
 * sizes (x86_64 and aarch64 have three, riscv64 Sv39 three), up to six kinds of paging structure
 * (x86_64 has four; aarch64 and riscv64 one or more page-table kinds whose top level is the vspace
 * root) and the arch's own object types by name.
 */
#pragma once

#include <stddef.h>
#include <sel4/sel4.h>

#define SEL4VSPACE_ARCH_MAX_FRAME_SIZES 4
#define SEL4VSPACE_ARCH_MAX_PAGING_TYPES 6
#define SEL4VSPACE_ARCH_MAX_OBJECT_TYPES 24

/* An seL4_ObjectType value and the name libsel4 gives it. */
typedef struct sel4vspace_arch_object_type {
    seL4_Word type;
    const char *name;
} sel4vspace_arch_object_type_t;
/* The sel4vspace_arch_object_type_t of the type libsel4 calls t. */
#define SEL4VSPACE_ARCH_OBJECT(t) { (t), #t }

/* A frame size and the object type whose objects are frames of that size. */
typedef struct sel4vspace_arch_frame_size {
    unsigned size_bits;
    sel4vspace_arch_object_type_t object;
} sel4vspace_arch_frame_size_t;

typedef struct sel4vspace_arch {
    const char *name;            /* seL4's name for the arch: "x86_64", "aarch64", "riscv64" */
    unsigned word_bits;          /* bits in a seL4_Word */
    size_t num_frame_sizes;
    /* ascending: the first is the page, seL4_PageBits */
    sel4vspace_arch_frame_size_t frame_sizes[SEL4VSPACE_ARCH_MAX_FRAME_SIZES];
    size_t num_paging_types;
    /* the object types of paging structures, the leaf table first and the vspace root's type last
     * (one type may serve at several levels, as on riscv64) */
    seL4_Word paging_types[SEL4VSPACE_ARCH_MAX_PAGING_TYPES];
    seL4_Word vspace_root_type;  /* what a vspace's root is retyped as */
    size_t num_object_types;
    /* every object type the arch's libsel4 adds to the generic ones, frames and paging structures
     * among them */
    sel4vspace_arch_object_type_t object_types[SEL4VSPACE_ARCH_MAX_OBJECT_TYPES];
    seL4_Word default_vm_attributes;   /* the VM attributes of a cached mapping */
    seL4_Word cache_disabled_vm_attributes; /* the VM attributes of an uncached mapping */
    /* the kernel maps nothing at or above it: seL4_UserTop on x86_64 and riscv64, seL4_UserTop + 1
     * on aarch64, where seL4_UserTop is the last address a mapping may cover */
    seL4_Word user_top;
} sel4vspace_arch_t;

/* The description of the arch this build targets. */
const sel4vspace_arch_t *sel4vspace_arch(void);

/* Unmap a frame cap's mapping in the kernel alone (the arch's Page_Unmap); returns the seL4 error. */
int sel4vspace_arch_page_unmap(seL4_CPtr frame);

/* Give the vspace root an ASID from the pool (the arch's ASIDPool_Assign); returns the seL4 error. */
int sel4vspace_arch_asid_pool_assign(seL4_CPtr pool, seL4_CPtr vspace_root);
