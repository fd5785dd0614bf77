# SPDX-License-Identifier: BSD-2-Clause
"""A simulated kernel per test, selected for libsel4 calls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from simkernel import Sim


@pytest.fixture
def sim() -> Iterator[Sim]:
    s = Sim()
    yield s
    s.destroy()
