# SPDX-License-Identifier: BSD-2-Clause
from __future__ import annotations

import pytest

from sel4vspace import Kernel


@pytest.fixture
def kernel():
    with Kernel(untyped_bits=24) as k:
        yield k


@pytest.fixture
def vspace(kernel):
    with kernel.new_vspace("test") as vs:
        yield vs
