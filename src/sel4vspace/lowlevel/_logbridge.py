# SPDX-License-Identifier: BSD-2-Clause
"""ZF_LOG lines from C into Python's logging, on the ``sel4vspace.c`` logger.

The C side queues each record (level, file, line, function, formatted message) in the calling
thread while a call runs; :func:`deliver` takes them from that queue once the package's outermost
call has returned and turns each into a ``logging.LogRecord`` that keeps the C location, so a
handler shows where in the C the line came from. The ZF_LOG level maps to the logging level of the
same meaning. No Python runs while the C is in the middle of a call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from . import ffi, lib

LOGGER_NAME = "sel4vspace.c"
logger = logging.getLogger(LOGGER_NAME)
# A library prints nothing unasked: without this, logging's last-resort handler would write every
# C warning to stderr in programs that never configured logging.
logging.getLogger("sel4vspace").addHandler(logging.NullHandler())

# ZF_LOG levels: 1 verbose, 2 debug, 3 info, 4 warn, 5 error, 6 fatal.
ZF_TO_LOGGING = {
    1: 5,
    2: logging.DEBUG,
    3: logging.INFO,
    4: logging.WARNING,
    5: logging.ERROR,
    6: logging.CRITICAL,
}

QUEUE_MAX = int(lib.SEL4VSPACE_LOG_QUEUE_MAX)
"""Records the C side keeps per thread between two deliveries; later ones are counted as dropped."""

queued: Callable[[], int] = lib.sel4vspace_log_queued
"""How many records wait in the calling thread's queue (of this arch's build)."""


def count_address() -> int:
    """The address of the count of records queued by every thread (``size_t``)."""
    return int(ffi.cast("uintptr_t", lib.sel4vspace_log_queued_anywhere()))


def count_into(address: int) -> None:
    """Count queued records from now on into the ``size_t`` at ``address`` (another arch's
    :func:`count_address`), so that one memory read tells whether any arch's build queued any."""
    lib.sel4vspace_log_count_into(address)

R = TypeVar("R")
# C fills the records it hands over: no need to zero the buffer first.
_new_uncleared = ffi.new_allocator(should_clear_after_alloc=False)


def _text(pointer: Any, missing: str) -> str:
    return ffi.string(pointer).decode("utf-8", "replace") if pointer != ffi.NULL else missing


def to_record(ffi: Any, record: Any, factory: Callable[..., R]) -> R:
    return factory(
        level=int(record.level),
        message=ffi.string(record.message).decode("utf-8", "replace"),
        file=_text(record.file, ""),
        line=int(record.line),
        function=_text(record.func, ""),
    )


def take() -> tuple[list[logging.LogRecord], int]:
    """Empty the calling thread's C queue: its records as ``logging.LogRecord``s, in order, and how
    many did not fit in the queue. Runs no handler."""
    records: list[logging.LogRecord] = []
    buffer = _new_uncleared("sel4vspace_log_record_t[]", QUEUE_MAX)
    dropped = ffi.new("size_t *")
    lost = 0
    while True:
        count = int(lib.sel4vspace_log_take(buffer, QUEUE_MAX, dropped))
        for entry in buffer[0:count]:
            level = ZF_TO_LOGGING.get(int(entry.level), logging.ERROR)
            message = ffi.string(entry.message).decode("utf-8", "replace")
            records.append(logger.makeRecord(LOGGER_NAME, level, _text(entry.file, "?"), int(entry.line), message,
                                             (), None, _text(entry.func, "") or None))
        lost += int(dropped[0])
        if count < QUEUE_MAX:
            return records, lost


def dropped_record(count: int) -> logging.LogRecord:
    """The warning that stands, after the records delivered, for ``count`` records the queue had no
    room for."""
    return logger.makeRecord(LOGGER_NAME, logging.WARNING, __file__, 0,
                             "%d more C log record(s) were dropped: the queue holds %d between two deliveries",
                             (count, QUEUE_MAX), None, "sel4vspace_log_take")


def deliver(record: logging.LogRecord) -> None:
    """Hand one record to the ``sel4vspace.c`` logger, if it wants its level."""
    if logger.isEnabledFor(record.levelno):
        logger.handle(record)
