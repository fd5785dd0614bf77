/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <utils/zf_log.h>
#include <sel4vspace_host/log.h>

static sel4vspace_log_sink_fn log_sink;
static int log_sink_min_level = ZF_LOG_WARN;
static sel4vspace_log_record_t last_error;
static int have_last_error;
static unsigned long log_counts[ZF_LOG_FATAL + 1];

void sel4vspace_log_set_sink(sel4vspace_log_sink_fn sink, int min_level)
{
    log_sink = sink;
    log_sink_min_level = min_level;
}

const sel4vspace_log_record_t *sel4vspace_log_last_error(void)
{
    return have_last_error ? &last_error : NULL;
}

void sel4vspace_log_clear_last_error(void)
{
    have_last_error = 0;
}

unsigned long sel4vspace_log_count(int level)
{
    if (level < 0 || level > ZF_LOG_FATAL) {
        return 0;
    }
    return log_counts[level];
}

void _zf_log_write_d(const char *func, const char *file, unsigned line, int lvl, const char *tag,
                     const char *fmt, ...)
{
    (void) tag;
    if (lvl >= 0 && lvl <= ZF_LOG_FATAL) {
        log_counts[lvl]++;
    }
    int wanted_by_sink = log_sink != NULL && lvl >= log_sink_min_level;
    if (!wanted_by_sink && lvl < ZF_LOG_ERROR) {
        return;
    }

    sel4vspace_log_record_t record = { .level = lvl, .line = line, .file = file, .func = func };
    va_list args;
    va_start(args, fmt);
    vsnprintf(record.message, sizeof(record.message), fmt, args);
    va_end(args);
    /* Upstream messages often end in "\n" meant for a console; records carry the text alone. */
    size_t len = strlen(record.message);
    while (len > 0 && (record.message[len - 1] == '\n' || record.message[len - 1] == ' ')) {
        record.message[--len] = '\0';
    }

    if (lvl >= ZF_LOG_ERROR) {
        last_error = record;
        have_last_error = 1;
    }
    if (wanted_by_sink) {
        log_sink(&record);
    }
}
