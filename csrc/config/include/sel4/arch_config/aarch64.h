/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * AArch64 without hypervisor support (EL1 kernel), 4 KiB granule, 48-bit virtual addresses walked in
 * four levels (the VSpace root and three levels of page tables).
 */
#pragma once

#define CONFIG_WORD_SIZE 64
#define CONFIG_ARCH_ARM 1
#define CONFIG_ARCH_AARCH64 1
#define CONFIG_ARM_PA_SIZE_BITS_44 1
