# SPDX-License-Identifier: BSD-2-Clause
"""ZF_LOG lines from C into Python's logging, on the ``sel4vspace.c`` logger.

The C side hands over each record (level, file, line, function, formatted message); this turns it
into a ``logging.LogRecord`` that keeps the C location, so a handler shows where in the C the line
came from. The ZF_LOG level maps to the logging level of the same meaning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

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

_sink: Any = None  # the cffi callback; kept referenced for as long as C may call it

R = TypeVar("R")


def to_record(ffi: Any, record: Any, factory: Callable[..., R]) -> R:
    return factory(
        level=int(record.level),
        message=ffi.string(record.message).decode("utf-8", "replace"),
        file=ffi.string(record.file).decode("utf-8", "replace") if record.file != ffi.NULL else "",
        line=int(record.line),
        function=ffi.string(record.func).decode("utf-8", "replace") if record.func != ffi.NULL else "",
    )


def install(ffi: Any, lib: Any) -> None:
    """Route the C library's log lines to the ``sel4vspace.c`` logger (idempotent)."""
    global _sink
    if _sink is not None:
        return

    def emit(record: Any) -> None:
        level = ZF_TO_LOGGING.get(int(record.level), logging.ERROR)
        if not logger.isEnabledFor(level):
            return
        c_file = ffi.string(record.file).decode("utf-8", "replace") if record.file != ffi.NULL else "?"
        c_func = ffi.string(record.func).decode("utf-8", "replace") if record.func != ffi.NULL else None
        message = ffi.string(record.message).decode("utf-8", "replace")
        log_record = logger.makeRecord(LOGGER_NAME, level, c_file, int(record.line), message, (), None, c_func)
        logger.handle(log_record)

    _sink = ffi.callback("sel4vspace_log_sink_fn", emit)
    lib.sel4vspace_log_set_sink(_sink, lib.SEL4VSPACE_LOG_VERBOSE)
