# SPDX-License-Identifier: BSD-2-Clause
"""The deferred-rights tests share the allocator tests' host-world helpers; every test on each arch
of the run (archbound.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "allocator"))

from archbound import bound_arch  # noqa: F401  (autouse: each test on each arch of the run)
from hostworld import vspace, world  # noqa: E402,F401  (pytest fixtures)
