# SPDX-License-Identifier: BSD-2-Clause
"""The vspace.h wrappers' tests, every one on each arch of the run (archbound.py)."""

from archbound import bound_arch  # noqa: F401  (autouse: each test on each arch of the run)
