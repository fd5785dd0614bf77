# SPDX-License-Identifier: BSD-2-Clause
"""Fixtures shared by every test layer."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from sel4vspace.lowlevel import clear_c_error, flush_log

# A test that may crash the interpreter runs in a child process (isolation.py); the known upstream
# defects and the end-of-run verdict on them live in upstream_defects.py. Both are imported below
# (through hostworld) before pytest loads them as plugins, so their asserts are rewritten first.
pytest.register_assert_rewrite("isolation", "upstream_defects")
pytest_plugins = ["isolation", "upstream_defects", "pytester"]

sys.path.insert(0, str(Path(__file__).resolve().parent / "allocator"))

from hostworld import HAS_VENDOR_FIXES  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: builds the C again (deselect with -m 'not slow')")


class CLog:
    """The C library's log lines captured during a test, as (logging level name, message). Lines of
    direct ``lib`` calls wait in the C queue until a call of the package ends: reading the lines
    hands them over first (``flush_log``)."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog

    @property
    def records(self) -> list[logging.LogRecord]:
        flush_log()
        return [r for r in self._caplog.records if r.name == "sel4vspace.c"]

    @property
    def lines(self) -> list[tuple[str, str]]:
        return [(r.levelname, r.getMessage()) for r in self.records]

    def clear(self) -> None:
        flush_log()
        self._caplog.clear()

    def expect(self, function: str, *lines: tuple[str, str]) -> None:
        """Assert the lines logged, each given as (level name, what it says is wrong).

        On every build: the levels, in order, and that each line names ``function``, as the C
        function that wrote it (upstream) or at the start of its text (vendor/'s wrappers log
        through one helper). On a build with vendor/'s fixes also the words, which read
        "<function>: <what is wrong>".
        """
        records = self.records
        assert [r.levelname for r in records] == [level for level, _ in lines], self.lines
        for record in records:
            assert function in (record.funcName, record.getMessage().split(": ", 1)[0]), self.lines
        if HAS_VENDOR_FIXES:
            assert self.lines == [(level, f"{function}: {problem}") for level, problem in lines]


@pytest.fixture
def c_log(caplog: pytest.LogCaptureFixture) -> CLog:
    caplog.set_level(logging.DEBUG, logger="sel4vspace.c")
    flush_log()  # lines of earlier direct lib calls are not this test's
    caplog.clear()
    clear_c_error()
    return CLog(caplog)
