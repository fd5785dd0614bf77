/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared between the binding's source files; not part of the Python surface. */
#pragma once

#include <sel4vspace_binding/calls.h>
#include <sel4vspace_binding/guard.h>

/* A result's status, written last; each returns the status it wrote. */
int binding_call_ok(sel4vspace_call_result_t *out);
int binding_call_failed(sel4vspace_call_result_t *out, long result);

/*
 * The guard as the binding's own calls use it, not Python (so not in binding.h's headers):
 * try takes guard without waiting, when the calling thread is not busy (1), or leaves everything
 * as it was (0); done gives it back and marks the thread not busy. A closed guard's kernel is gone
 * (mark_closed, under the guard, before the world is destroyed).
 */
int sel4vspace_guard_try(sel4vspace_guard_t *guard);
void sel4vspace_guard_done(sel4vspace_guard_t *guard);
void sel4vspace_guard_mark_closed(sel4vspace_guard_t *guard);
int sel4vspace_guard_closed(const sel4vspace_guard_t *guard);
