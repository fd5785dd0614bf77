# SPDX-License-Identifier: BSD-2-Clause
"""Fixtures shared by every test layer."""

from __future__ import annotations

import logging

import pytest

from sel4vspace.lowlevel import clear_c_error

# A test that may crash the interpreter runs in a child process (isolation.py); the known upstream
# defects and the end-of-run verdict on them live in upstream_defects.py.
pytest_plugins = ["isolation", "upstream_defects", "pytester"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: builds the C again (deselect with -m 'not slow')")


class CLog:
    """The C library's log lines captured during a test, as (logging level name, message)."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog

    @property
    def records(self) -> list[logging.LogRecord]:
        return [r for r in self._caplog.records if r.name == "sel4vspace.c"]

    @property
    def lines(self) -> list[tuple[str, str]]:
        return [(r.levelname, r.getMessage()) for r in self.records]

    def clear(self) -> None:
        self._caplog.clear()


@pytest.fixture
def c_log(caplog: pytest.LogCaptureFixture) -> CLog:
    caplog.set_level(logging.DEBUG, logger="sel4vspace.c")
    clear_c_error()
    return CLog(caplog)
