# SPDX-License-Identifier: BSD-2-Clause
"""Everything a kernel or the host can lose, in one comparable value: the package's own ledger
(sel4vspace.ledger, which the pytest plugin's sel4_nothing_lost fixture uses too).

``host_ledger()`` reads the process-wide counters of the accounted host allocator, per category
(bytes and blocks). ``kernel_ledger(kernel)`` reads what one simulated kernel and its host world
hold. Two snapshots compare equal exactly when nothing was lost or gained in between;
``assert_same`` fails naming every field that differs.
"""

from __future__ import annotations

from sel4vspace.ledger import HOST_CATEGORIES, KernelLedger, assert_same, host_ledger, kernel_ledger

__all__ = ["HOST_CATEGORIES", "KernelLedger", "assert_same", "host_ledger", "kernel_ledger"]
