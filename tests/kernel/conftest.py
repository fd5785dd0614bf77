# SPDX-License-Identifier: BSD-2-Clause
"""A simulated kernel per test, selected for libsel4 calls (see simkernel.py); every test on each
arch of the run (archbound.py)."""

from archbound import bound_arch  # noqa: F401  (autouse: each test on each arch of the run)
from simkernel import sim  # noqa: F401  (a pytest fixture)
