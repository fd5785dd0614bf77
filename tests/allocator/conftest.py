# SPDX-License-Identifier: BSD-2-Clause
"""Fixtures of the allocator tests: a host world and a vspace in it (see hostworld.py); every test
on each arch of the run (archbound.py)."""

from archbound import bound_arch  # noqa: F401  (autouse: each test on each arch of the run)
from hostworld import vspace, world  # noqa: F401  (pytest fixtures)
