/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Values that libsel4vspace defines as pointer macros, which a cdef cannot carry: exported as
 * constants so that Python uses exactly what the C headers say.
 */
#pragma once

#include <vspace/vspace.h>

extern vka_t *const sel4vspace_vspace_free;     /* VSPACE_FREE */
extern vka_t *const sel4vspace_vspace_preserve; /* VSPACE_PRESERVE */
