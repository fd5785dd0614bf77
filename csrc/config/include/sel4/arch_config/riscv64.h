/* SPDX-License-Identifier: BSD-2-Clause */
/* RISC-V 64-bit with Sv39 paging: three levels of page tables, the root being one of them. */
#pragma once

#define CONFIG_WORD_SIZE 64
#define CONFIG_ARCH_RISCV 1
#define CONFIG_ARCH_RISCV64 1
#define CONFIG_PT_LEVELS 3
