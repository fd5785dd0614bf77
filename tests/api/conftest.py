# SPDX-License-Identifier: BSD-2-Clause
"""The API tests' kernel and vspace are the pytest plugin's (sel4vspace.pytest_plugin)."""

from __future__ import annotations

from typing import Any

import pytest

from sel4vspace import Kernel, VSpace


@pytest.fixture
def sel4_kernel_options() -> dict[str, Any]:
    return {"untyped_bits": 24}


@pytest.fixture
def kernel(sel4_kernel: Kernel) -> Kernel:
    return sel4_kernel


@pytest.fixture
def vspace(sel4_vspace: VSpace) -> VSpace:
    return sel4_vspace
