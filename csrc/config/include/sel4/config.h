/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel configuration: the simulated kernel is a 64-bit x86 (x86_64) seL4 without hypervisor. */
#pragma once

#define CONFIG_WORD_SIZE 64
#define CONFIG_ARCH_X86 1
#define CONFIG_ARCH_X86_64 1
#define CONFIG_X86_64 1
#define CONFIG_HUGE_PAGE 1
#define CONFIG_MAX_NUM_NODES 1
#define CONFIG_RETYPE_FAN_OUT_LIMIT 256
#define CONFIG_ROOT_CNODE_SIZE_BITS 16
#define CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS 230
