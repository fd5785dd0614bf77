/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared between the binding's source files; not part of the Python surface. */
#pragma once

#include <sel4vspace_binding/calls.h>

/* A result's status, written last; each returns the status it wrote. */
int binding_call_ok(sel4vspace_call_result_t *out);
int binding_call_failed(sel4vspace_call_result_t *out, long result);
