/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The log bridge: every ZF_LOG line the C code emits becomes a record in a queue of the calling
 * thread, which the package hands to Python's logging once its outermost call has returned (no
 * Python runs while C is half-way through a call). The last error-or-worse record is kept apart,
 * also per thread, so that a failed call can be reported with the library's own words.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SEL4VSPACE_LOG_MESSAGE_MAX 512
/* Records a thread's queue holds; later ones are counted as dropped until it is emptied. */
#define SEL4VSPACE_LOG_QUEUE_MAX 64

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

/* How many records wait in the calling thread's queue. */
size_t sel4vspace_log_queued(void);

/*
 * Where the number of records queued by all threads together is kept, for a caller that wants to
 * know at the cost of one memory read whether its own queue may hold any: when it reads 0, none
 * does (a thread always sees its own records counted). Read without locking: a record of another
 * thread only costs that caller a sel4vspace_log_queued().
 */
const size_t *sel4vspace_log_queued_anywhere(void);

/*
 * Count from now on into the size_t at address counter (another build's
 * sel4vspace_log_queued_anywhere(), when builds for several architectures share one process), adding
 * what was counted here so far. Call before any thread of this build runs a call.
 */
void sel4vspace_log_count_into(uintptr_t counter);

/*
 * Move up to max of the calling thread's queued records, oldest first, into out; returns how many.
 * When that empties the queue, *dropped (if not NULL) is set to the number of records that did not
 * fit in it since it was last emptied, and that count restarts; otherwise *dropped is set to 0.
 */
size_t sel4vspace_log_take(sel4vspace_log_record_t *out, size_t max, size_t *dropped);

/*
 * Also write every record, from now on and of any thread, to the file descriptor fd as it is made
 * (one line: "sel4vspace C log: LEVEL func (file:line): message"); a negative fd stops it. For a
 * process that may die inside the C (an assert of the library under test, a hang killed from
 * outside), whose queued records would never reach Python: the test suite's isolated children.
 */
void sel4vspace_log_echo_to(int fd);

/* The calling thread's last record of level ZF_LOG_ERROR or above since its last clear, or NULL. */
const sel4vspace_log_record_t *sel4vspace_log_last_error(void);

/* Forget the calling thread's last error record; callers do this before a call whose failure they
 * will report. */
void sel4vspace_log_clear_last_error(void);

/*
 * Causes: bits a layer above raises in the calling thread to say why the call it serves may fail
 * (the host world, for example, when it ran out of cslots), whatever error line that call logs.
 * They stay raised until the next sel4vspace_log_clear_last_error. What a bit means is the
 * raising layer's business.
 */
void sel4vspace_log_note_cause(unsigned cause);
unsigned sel4vspace_log_causes(void);
