# SPDX-License-Identifier: BSD-2-Clause
"""The model tests' end-of-run summary (see model_stats.py)."""

from __future__ import annotations

from model_stats import summary


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001 - pytest's hook signature
    lines = summary()
    if lines:
        terminalreporter.section("reliability figures")
        for line in lines:
            terminalreporter.write_line(line)
