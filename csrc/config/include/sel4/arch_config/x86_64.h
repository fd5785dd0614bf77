/* SPDX-License-Identifier: BSD-2-Clause */
/* x86_64, with 1 GiB pages. */
#pragma once

#define CONFIG_WORD_SIZE 64
#define CONFIG_ARCH_X86 1
#define CONFIG_ARCH_X86_64 1
#define CONFIG_X86_64 1
#define CONFIG_HUGE_PAGE 1
