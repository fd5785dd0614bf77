/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <sel4vspace_binding/guard.h>

#include "binding_internal.h"

struct sel4vspace_guard {
    pthread_mutex_t mutex;
    uintptr_t owner;   /* the holding thread's pthread_self(), 0 when free: read without the mutex
                        * only to ask "is it me", which only the thread itself could have made true */
    int closed;
};

/* Each build of the extension has its own thread-local flag; the first build Python loads lends
 * its own to the others (sel4vspace_guard_share), so that busy means busy in every arch's calls. */
static __thread int busy_here;

static int *own_busy_flag(void)
{
    return &busy_here;
}

static int *(*busy_flag)(void) = own_busy_flag;

uintptr_t sel4vspace_guard_busy_flag_function(void)
{
    return (uintptr_t) busy_flag;
}

void sel4vspace_guard_share(uintptr_t busy_flag_function)
{
    busy_flag = (int *(*)(void)) busy_flag_function;
}

int sel4vspace_guard_busy(void)
{
    return *busy_flag();
}

int sel4vspace_guard_set_busy(int busy)
{
    int *flag = busy_flag();
    int was = *flag;
    *flag = busy;
    return was;
}

sel4vspace_guard_t *sel4vspace_guard_new(void)
{
    sel4vspace_guard_t *guard = calloc(1, sizeof(*guard));
    if (guard != NULL && pthread_mutex_init(&guard->mutex, NULL) != 0) {
        free(guard);
        return NULL;
    }
    return guard;
}

void sel4vspace_guard_free(sel4vspace_guard_t *guard)
{
    if (guard != NULL) {
        pthread_mutex_destroy(&guard->mutex);
        free(guard);
    }
}

static uintptr_t me(void)
{
    return (uintptr_t) pthread_self();
}

/* Whether the calling thread holds guard. */
static int held_here(sel4vspace_guard_t *guard)
{
    return __atomic_load_n(&guard->owner, __ATOMIC_RELAXED) == me();
}

static void now_held(sel4vspace_guard_t *guard)
{
    __atomic_store_n(&guard->owner, me(), __ATOMIC_RELAXED);
}

static void give_back(sel4vspace_guard_t *guard)
{
    __atomic_store_n(&guard->owner, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&guard->mutex);
}

int sel4vspace_guard_enter(sel4vspace_guard_t *guard)
{
    *busy_flag() = 1;
    if (guard == NULL) {
        return SEL4VSPACE_GUARD_ENTERED;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += SEL4VSPACE_GUARD_SLICE_MS * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec += 1;
        until.tv_nsec -= 1000000000L;
    }
    if (pthread_mutex_timedlock(&guard->mutex, &until) != 0) {
        return SEL4VSPACE_GUARD_WAITING;
    }
    now_held(guard);
    return SEL4VSPACE_GUARD_ENTERED;
}

void sel4vspace_guard_leave(sel4vspace_guard_t *guard)
{
    if (guard != NULL && held_here(guard)) {
        give_back(guard);
    }
    *busy_flag() = 0;
}

int sel4vspace_guard_hold(sel4vspace_guard_t *guard)
{
    if (held_here(guard)) {
        return 0;
    }
    pthread_mutex_lock(&guard->mutex);
    now_held(guard);
    return 1;
}

void sel4vspace_guard_release(sel4vspace_guard_t *guard)
{
    give_back(guard);
}

int sel4vspace_guard_try(sel4vspace_guard_t *guard)
{
    int *flag = busy_flag();
    if (*flag || pthread_mutex_trylock(&guard->mutex) != 0) {
        return 0;
    }
    now_held(guard);
    *flag = 1;
    return 1;
}

void sel4vspace_guard_done(sel4vspace_guard_t *guard)
{
    give_back(guard);
    *busy_flag() = 0;
}

void sel4vspace_guard_mark_closed(sel4vspace_guard_t *guard)
{
    guard->closed = 1;
}

int sel4vspace_guard_closed(const sel4vspace_guard_t *guard)
{
    return guard->closed;
}
