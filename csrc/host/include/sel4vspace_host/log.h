/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The log bridge: every ZF_LOG line the C code emits becomes a record handed to a sink (Python's
 * logging, in the package), and the last error-or-worse record is kept so that a failed call can
 * be reported with the library's own words.
 */
#pragma once

#define SEL4VSPACE_LOG_MESSAGE_MAX 512

/* The record levels: zf_log's values from verbose to error, then fatal as 6 (zf_log's own fatal
 * value differs between libutils versions). Python reads these names, since zf_log's macros belong
 * to whichever libutils the build uses. log_bridge.c checks that they agree. */
enum sel4vspace_log_level {
    SEL4VSPACE_LOG_VERBOSE = 1,
    SEL4VSPACE_LOG_DEBUG = 2,
    SEL4VSPACE_LOG_INFO = 3,
    SEL4VSPACE_LOG_WARN = 4,
    SEL4VSPACE_LOG_ERROR = 5,
    SEL4VSPACE_LOG_FATAL = 6,
};

typedef struct sel4vspace_log_record {
    int level;              /* a SEL4VSPACE_LOG_* (zf_log) level */
    unsigned line;
    const char *file;
    const char *func;
    char message[SEL4VSPACE_LOG_MESSAGE_MAX];
} sel4vspace_log_record_t;

typedef void (*sel4vspace_log_sink_fn)(const sel4vspace_log_record_t *record);

/* Send records of at least min_level to sink (NULL: keep them in C only). */
void sel4vspace_log_set_sink(sel4vspace_log_sink_fn sink, int min_level);

/* The last record of level ZF_LOG_ERROR or above since the last clear, or NULL. */
const sel4vspace_log_record_t *sel4vspace_log_last_error(void);

/* Forget the last error record; callers do this before a call whose failure they will report. */
void sel4vspace_log_clear_last_error(void);
/* Nonzero when the host vka refused a cslot (the root CNode was full) since the last clear: the
 * reason behind whatever error line the failed call logged last. */
int sel4vspace_log_cslots_ran_out(void);

