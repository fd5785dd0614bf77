# SPDX-License-Identifier: BSD-2-Clause
"""Progress on long runs: on a terminal only, only for long runs, and erasable."""

from __future__ import annotations

import io

from sel4vspace.tooling.progress import PROGRESS_MIN_STEPS, Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_long_run_on_a_terminal_shows_progress_and_erases_it():
    stream = Terminal()
    progress = Progress(PROGRESS_MIN_STEPS + 1, stream)
    assert progress.enabled
    progress.update(1)
    progress.update(2)  # within a tenth of a second of the last: not redrawn
    progress.update(PROGRESS_MIN_STEPS + 1)  # the last step is always drawn
    progress.clear()
    text = stream.getvalue()
    assert text.count("\rstep ") == 2
    assert f"step {PROGRESS_MIN_STEPS + 1}/{PROGRESS_MIN_STEPS + 1} (100%)" in text
    assert text.endswith("\r\x1b[K")


def test_no_progress_when_not_a_terminal_or_a_short_run():
    pipe = io.StringIO()
    progress = Progress(PROGRESS_MIN_STEPS * 10, pipe)
    progress.update(5)
    progress.clear()
    assert not progress.enabled and pipe.getvalue() == ""
    stream = Terminal()
    short = Progress(PROGRESS_MIN_STEPS, stream)
    short.update(PROGRESS_MIN_STEPS)
    short.clear()
    assert not short.enabled and stream.getvalue() == ""


def test_clear_without_drawing_writes_nothing():
    stream = Terminal()
    Progress(PROGRESS_MIN_STEPS + 1, stream).clear()
    assert stream.getvalue() == ""
