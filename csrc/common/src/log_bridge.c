/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <utils/zf_log.h>
#include <sel4vspace_common/log.h>

_Static_assert(SEL4VSPACE_LOG_VERBOSE == ZF_LOG_VERBOSE && SEL4VSPACE_LOG_DEBUG == ZF_LOG_DEBUG
               && SEL4VSPACE_LOG_INFO == ZF_LOG_INFO && SEL4VSPACE_LOG_WARN == ZF_LOG_WARN
               && SEL4VSPACE_LOG_ERROR == ZF_LOG_ERROR && ZF_LOG_FATAL > ZF_LOG_ERROR,
               "record levels below fatal are zf_log's");

/* Everything below is the calling thread's: records of a call made in one thread never mix with
 * another thread's, and never reach Python while the call runs. */
static _Thread_local sel4vspace_log_record_t queue[SEL4VSPACE_LOG_QUEUE_MAX];
static _Thread_local size_t queued;
static _Thread_local size_t dropped_since_empty;
static _Thread_local sel4vspace_log_record_t last_error;
static _Thread_local int have_last_error;
/* The one process-wide value: the sum of every thread's queued count, kept here or, once
 * sel4vspace_log_count_into() was called, in a counter several builds of this file share. */
static _Atomic size_t own_queued_anywhere;
static _Atomic size_t *queued_anywhere = &own_queued_anywhere;
_Static_assert(sizeof(own_queued_anywhere) == sizeof(size_t), "read as a plain size_t");
/* Where every record is also written as it is made, or -1 (sel4vspace_log_echo_to). */
static _Atomic int echo_fd = -1;

void sel4vspace_log_echo_to(int fd)
{
    atomic_store_explicit(&echo_fd, fd < 0 ? -1 : fd, memory_order_relaxed);
}

size_t sel4vspace_log_queued(void)
{
    return queued;
}

const size_t *sel4vspace_log_queued_anywhere(void)
{
    return (const size_t *) queued_anywhere;
}

void sel4vspace_log_count_into(uintptr_t counter)
{
    _Atomic size_t *shared = (_Atomic size_t *) counter;
    if (shared == NULL || shared == queued_anywhere) {
        return;
    }
    /* What this build counted so far moves with it, so the shared total stays the sum. */
    atomic_fetch_add_explicit(shared, atomic_exchange_explicit(queued_anywhere, 0, memory_order_relaxed),
                              memory_order_relaxed);
    queued_anywhere = shared;
}

size_t sel4vspace_log_take(sel4vspace_log_record_t *out, size_t max, size_t *dropped)
{
    size_t n = out == NULL ? 0 : (max < queued ? max : queued);
    if (n > 0) {
        memcpy(out, queue, n * sizeof(*out));
        memmove(queue, queue + n, (queued - n) * sizeof(*queue));
        queued -= n;
        atomic_fetch_sub_explicit(queued_anywhere, n, memory_order_relaxed);
    }
    if (dropped != NULL) {
        *dropped = queued == 0 ? dropped_since_empty : 0;
    }
    if (queued == 0) {
        dropped_since_empty = 0;
    }
    return n;
}

const sel4vspace_log_record_t *sel4vspace_log_last_error(void)
{
    return have_last_error ? &last_error : NULL;
}

static _Thread_local unsigned causes;

void sel4vspace_log_clear_last_error(void)
{
    have_last_error = 0;
    causes = 0;
}

void sel4vspace_log_note_cause(unsigned cause)
{
    causes |= cause;
}

unsigned sel4vspace_log_causes(void)
{
    return causes;
}

/* zf_log's run-time threshold: util_libs' macros test it before every write. Python's logging
 * filters the records when they are handed over, so this lets everything through. */
int _zf_log_output_lvl = 0;

static void record(const char *func, const char *file, unsigned line, int lvl, const char *fmt, va_list args)
{
    /* zf_log's fatal level is far above error (0xFFFF in util_libs); records use one scale */
    lvl = lvl >= ZF_LOG_FATAL ? SEL4VSPACE_LOG_FATAL : lvl;
    sel4vspace_log_record_t entry = { .level = lvl, .line = line, .file = file, .func = func };
    vsnprintf(entry.message, sizeof(entry.message), fmt, args);
    /* Upstream messages often end in "\n" meant for a console; records carry the text alone. */
    size_t len = strlen(entry.message);
    while (len > 0 && (entry.message[len - 1] == '\n' || entry.message[len - 1] == ' ')) {
        entry.message[--len] = '\0';
    }

    if (lvl >= ZF_LOG_ERROR) {
        last_error = entry;
        have_last_error = 1;
    }
    int fd = atomic_load_explicit(&echo_fd, memory_order_relaxed);
    if (fd >= 0) {
        static const char *const names[] = { "?", "VERBOSE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL" };
        char text[SEL4VSPACE_LOG_MESSAGE_MAX + 256];
        int n = snprintf(text, sizeof(text), "sel4vspace C log: %s %s (%s:%u): %s\n",
                         names[lvl >= 1 && lvl <= 6 ? lvl : 0], func ? func : "?", file ? file : "?", line,
                         entry.message);
        if (n > 0) {
            /* one write per line, so that lines of several threads do not interleave within a line */
            ssize_t ignored = write(fd, text, (size_t) n < sizeof(text) ? (size_t) n : sizeof(text) - 1);
            (void) ignored;
        }
    }
    if (queued < SEL4VSPACE_LOG_QUEUE_MAX) {
        queue[queued++] = entry;
        atomic_fetch_add_explicit(queued_anywhere, 1, memory_order_relaxed);
    } else {
        dropped_since_empty++;
    }
    if (lvl == SEL4VSPACE_LOG_FATAL) {
        /* zf_log's fatal level ends the program (util_libs' macro marks what follows unreachable);
         * the queue never reaches Python then, so the line goes to stderr */
        fprintf(stderr, "sel4vspace: fatal: %s (%s:%u): %s\n", func, file, line, entry.message);
        fflush(stderr);
        abort();
    }
}

/* The four writers zf_log declares: with or without the call site (util_libs picks by NDEBUG),
 * with or without a memory dump (records are one line of text: the dump itself is not kept). */
void _zf_log_write_d(const char *func, const char *file, unsigned line, int lvl, const char *tag,
                     const char *fmt, ...)
{
    (void) tag;
    va_list args;
    va_start(args, fmt);
    record(func, file, line, lvl, fmt, args);
    va_end(args);
}

void _zf_log_write(int lvl, const char *tag, const char *fmt, ...)
{
    (void) tag;
    va_list args;
    va_start(args, fmt);
    record("", "", 0, lvl, fmt, args);
    va_end(args);
}

void _zf_log_write_mem_d(const char *func, const char *file, unsigned line, int lvl, const char *tag,
                         const void *d, unsigned d_sz, const char *fmt, ...)
{
    (void) tag;
    (void) d;
    (void) d_sz;
    va_list args;
    va_start(args, fmt);
    record(func, file, line, lvl, fmt, args);
    va_end(args);
}

void _zf_log_write_mem(int lvl, const char *tag, const void *d, unsigned d_sz, const char *fmt, ...)
{
    (void) tag;
    (void) d;
    (void) d_sz;
    va_list args;
    va_start(args, fmt);
    record("", "", 0, lvl, fmt, args);
    va_end(args);
}
