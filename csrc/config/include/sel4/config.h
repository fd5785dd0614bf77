/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel configuration, as a CMake build of seL4 would generate it, for the architecture being
 * compiled: -DSEL4VSPACE_SEL4_ARCH_AARCH64 or -DSEL4VSPACE_SEL4_ARCH_RISCV64 (build_ffi.py passes
 * one to the objects of that architecture's extension); x86_64 without either. Every configuration
 * is without hypervisor support.
 */
#pragma once

#if defined(SEL4VSPACE_SEL4_ARCH_AARCH64)
#include <sel4/arch_config/aarch64.h>
#elif defined(SEL4VSPACE_SEL4_ARCH_RISCV64)
#include <sel4/arch_config/riscv64.h>
#else
#include <sel4/arch_config/x86_64.h>
#endif

/* Common to every architecture. */
#define CONFIG_MAX_NUM_NODES 1
#define CONFIG_RETYPE_FAN_OUT_LIMIT 256
#define CONFIG_ROOT_CNODE_SIZE_BITS 16
#define CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS 230
