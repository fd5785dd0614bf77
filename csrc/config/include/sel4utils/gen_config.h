/* SPDX-License-Identifier: BSD-2-Clause */
/* libsel4utils configuration. */
#pragma once

#define CONFIG_SEL4UTILS_STACK_SIZE 65536
#define CONFIG_SEL4UTILS_CSPACE_SIZE_BITS 12
