/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Placeholder: the vka_t interface as far as vspace.h needs it. The allocator work (issue 4)
 * replaces it with libsel4vka's whole interface and helpers under the same names.
 */
#pragma once

#include <stdint.h>
#include <sel4/sel4.h>

typedef struct vka vka_t;
