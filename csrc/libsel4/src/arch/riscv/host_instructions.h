/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * RISC-V instructions that C under test issues as inline assembly and that mean nothing on the
 * host, made empty for the host's assembler. The build force-includes this header into every
 * RISC-V object (buildsupport/config.py, Arch.forced_includes); it adds no C declarations.
 *
 * fence.i orders a hart's instruction fetches after its earlier stores, so that code just written
 * to memory can be executed (sel4utils issues it after copying pages into another vspace). The
 * simulation executes no code from the frames it backs, so there is nothing to order. The "memory"
 * clobber of the asm statement that issues it still keeps the compiler from moving memory accesses
 * across it.
 */
#pragma once

/* Defined once per assembly file: a link-time-optimised build (-flto) puts every object's
 * top-level assembly into one file, where a second .macro of the same name is an error. */
__asm__(".ifndef sel4vspace_host_fence_i\n"
        ".set sel4vspace_host_fence_i, 1\n"
        ".macro fence.i\n"
        ".endm\n"
        ".endif\n");
