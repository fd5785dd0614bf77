# SPDX-License-Identifier: BSD-2-Clause
"""These tests build and run each arch's kernel themselves (archbuild.py): not once per arch of
the run, as the rest of tests/kernel is."""

from __future__ import annotations

import pytest


@pytest.fixture
def bound_arch() -> None:
    """Not archbound's: no test module here binds an arch's lowlevel package."""
    return None
