/* SPDX-License-Identifier: BSD-2-Clause */
/* Placeholder: vka_object_t as vspace.h needs it; replaced by the allocator work (issue 4). */
#pragma once

#include <vka/vka.h>
#include <utils/util.h>

typedef struct vka_object {
    seL4_CPtr cptr;
    seL4_Word ut;
    seL4_Word type;
    seL4_Word size_bits;
} vka_object_t;
