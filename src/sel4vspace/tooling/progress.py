# SPDX-License-Identifier: BSD-2-Clause
"""Progress of a long scenario run, on a terminal's stderr only."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress", "PROGRESS_MIN_STEPS"]

PROGRESS_MIN_STEPS = 2000
"""Runs with more steps than this show progress (when the stream is a terminal)."""


class Progress:
    """``step N/M`` on a terminal's stderr, redrawn at most ten times a second; silent unless
    ``stream`` is a terminal and the run is long."""

    def __init__(self, total: int, stream: TextIO | None = None, min_steps: int = PROGRESS_MIN_STEPS) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.total = total
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = total > min_steps and bool(isatty and isatty())
        self._drawn = False
        self._last = 0.0

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and done != self.total:
            return
        self._last = now
        self.stream.write(f"\rstep {done}/{self.total} ({100 * done // max(self.total, 1)}%)")
        self.stream.flush()
        self._drawn = True

    def clear(self) -> None:
        """Erase the progress line, so ordinary output does not land behind it."""
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False
