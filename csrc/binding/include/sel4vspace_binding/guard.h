/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The operation guard of the Python layer, in C: which threads are inside a call of the package,
 * and each kernel's lock.
 *
 * A thread is busy while it is inside a call of the package (of any arch's build: the builds of
 * one process share one busy flag per thread, see sel4vspace_guard_share). A call made while its
 * thread is busy is refused (a signal handler, a trace function, a callback C runs). Every call on
 * a kernel, or on its vspaces and reservations, holds the kernel's guard, a mutex: threads sharing
 * a kernel take turns, threads with kernels of their own run side by side.
 *
 * Python takes a guard with sel4vspace_guard_enter, which waits for it at most one slice (so that
 * a thread waiting for a busy kernel still runs its signal handlers, Ctrl-C among them, between
 * slices), and gives it back with sel4vspace_guard_leave. The calls of the hot operations
 * (calls.h) take it themselves, without waiting, for the length of the one C call.
 */
#pragma once

#include <stdint.h>

typedef struct sel4vspace_guard sel4vspace_guard_t;

typedef enum {
    SEL4VSPACE_GUARD_ENTERED = 0,  /* the thread is busy and holds the guard */
    SEL4VSPACE_GUARD_WAITING = 1   /* a slice went by with the guard held by another thread: enter again */
} sel4vspace_guard_entry_t;

/* How long sel4vspace_guard_enter waits before it returns WAITING. */
#define SEL4VSPACE_GUARD_SLICE_MS 20

/* A new guard (NULL when the host is out of memory); free it with sel4vspace_guard_free. */
sel4vspace_guard_t *sel4vspace_guard_new(void);
void sel4vspace_guard_free(sel4vspace_guard_t *guard);

/* Whether the calling thread is inside a call of the package. */
int sel4vspace_guard_busy(void);
/* Mark the calling thread busy or not; what it was. */
int sel4vspace_guard_set_busy(int busy);

/*
 * Taking and giving back a guard:
 * - enter marks the calling thread busy and waits up to a slice for guard (NULL: no guard,
 *   ENTERED at once); leave gives guard back if the calling thread holds it (NULL: none) and marks
 *   the thread not busy;
 * - hold waits for guard for as long as it takes, unless the calling thread holds it already (1
 *   when this call took it, 0 when the thread held it), and release gives back what hold took: for
 *   os.fork, which takes every kernel's guard first.
 */
int sel4vspace_guard_enter(sel4vspace_guard_t *guard);
void sel4vspace_guard_leave(sel4vspace_guard_t *guard);
int sel4vspace_guard_hold(sel4vspace_guard_t *guard);
void sel4vspace_guard_release(sel4vspace_guard_t *guard);

/* The function that finds the calling thread's busy flag in this build (its own, or the one shared
 * with it), as an address; and the way to make this build use another build's. */
uintptr_t sel4vspace_guard_busy_flag_function(void);
void sel4vspace_guard_share(uintptr_t busy_flag_function);
