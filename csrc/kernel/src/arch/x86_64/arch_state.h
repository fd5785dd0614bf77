/* SPDX-License-Identifier: BSD-2-Clause */
/* x86_64 kernel state: the ASID table (2^seL4_NumASIDPoolsBits pools of 2^seL4_ASIDPoolIndexBits). */
#pragma once

typedef struct sim_arch_state {
    sim_object_t *asid_table[1u << seL4_NumASIDPoolsBits];
} sim_arch_state_t;
