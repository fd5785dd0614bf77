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

__asm__(".macro fence.i\n"
        ".endm\n");
