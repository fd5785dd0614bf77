/* SPDX-License-Identifier: BSD-2-Clause */
#include <sel4vspace_binding/constants.h>

vka_t *const sel4vspace_vspace_free = VSPACE_FREE;
vka_t *const sel4vspace_vspace_preserve = VSPACE_PRESERVE;
