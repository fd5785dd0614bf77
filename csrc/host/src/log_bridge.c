/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utils/zf_log.h>
#include <sel4vspace_host/host.h>
#include <sel4vspace_host/log.h>

_Static_assert(SEL4VSPACE_LOG_VERBOSE == ZF_LOG_VERBOSE && SEL4VSPACE_LOG_DEBUG == ZF_LOG_DEBUG
               && SEL4VSPACE_LOG_INFO == ZF_LOG_INFO && SEL4VSPACE_LOG_WARN == ZF_LOG_WARN
               && SEL4VSPACE_LOG_ERROR == ZF_LOG_ERROR && ZF_LOG_FATAL > ZF_LOG_ERROR,
               "record levels below fatal are zf_log's");

static sel4vspace_log_sink_fn log_sink;
static int log_sink_min_level = ZF_LOG_WARN;
static sel4vspace_log_record_t last_error;
static int have_last_error;

void sel4vspace_log_set_sink(sel4vspace_log_sink_fn sink, int min_level)
{
    log_sink = sink;
    log_sink_min_level = min_level;
}

const sel4vspace_log_record_t *sel4vspace_log_last_error(void)
{
    return have_last_error ? &last_error : NULL;
}

static size_t cslot_failures_at_clear;

void sel4vspace_log_clear_last_error(void)
{
    have_last_error = 0;
    cslot_failures_at_clear = sel4vspace_host_cslot_failures();
}

int sel4vspace_log_cslots_ran_out(void)
{
    return sel4vspace_host_cslot_failures() != cslot_failures_at_clear;
}

/* zf_log's run-time threshold: util_libs' macros test it before every write. Filtering happens in
 * record() instead, so it lets everything through. */
int _zf_log_output_lvl = 0;

static void record(const char *func, const char *file, unsigned line, int lvl, const char *fmt, va_list args)
{
    /* zf_log's fatal level is far above error (0xFFFF in util_libs); records use one scale */
    lvl = lvl >= ZF_LOG_FATAL ? SEL4VSPACE_LOG_FATAL : lvl;
    int wanted_by_sink = log_sink != NULL && lvl >= log_sink_min_level;
    if (!wanted_by_sink && lvl < ZF_LOG_ERROR) {
        return;
    }

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
    if (wanted_by_sink) {
        log_sink(&entry);
    }
    if (lvl == SEL4VSPACE_LOG_FATAL) {
        /* zf_log's fatal level ends the program (util_libs' macro marks what follows unreachable);
         * the line goes to stderr too, since no handler may be listening */
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
