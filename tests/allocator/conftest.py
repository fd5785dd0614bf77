# SPDX-License-Identifier: BSD-2-Clause
"""Fixtures of the allocator tests: a host world and a vspace in it (see hostworld.py)."""

from hostworld import vspace, world  # noqa: F401  (pytest fixtures)
