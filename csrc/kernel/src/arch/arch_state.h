/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel state every arch keeps: the ASID table (2^seL4_NumASIDPoolsBits pools of
 * 2^seL4_ASIDPoolIndexBits ASIDs each, the counts coming from the arch's libsel4 constants).
 */
#pragma once

/* True if a frame cap holds a mapping: on every arch a mapped frame cap records its mapping's
 * ASID (inline: the batch frame checks ask it of every cap). */
static inline bool arch_frame_cap_is_mapped(const sim_cap_t *cap)
{
    return cap->asid != 0;
}

typedef struct sim_arch_state {
    sim_object_t *asid_table[1u << seL4_NumASIDPoolsBits];
    /* The bottom-level table the last frame walk reached from walk_root for the vaddrs whose bits
     * above a bottom table's span are walk_span; walk_root NULL when none (see uniform_pt.h,
     * lookup_frame_slot). */
    sim_object_t *walk_root, *walk_table;
    seL4_Word walk_span;
} sim_arch_state_t;
