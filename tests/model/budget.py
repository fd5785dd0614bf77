# SPDX-License-Identifier: BSD-2-Clause
"""How much the property-based tests run: the full budgets, or the edit loop's smaller ones.

``python -m pytest`` (CI, the README's test line) runs the full budgets. ``SEL4VSPACE_BUDGET=dev``
picks the smaller budgets of the edit loop's whole-suite run (docs/edit-loop.md): the same tests,
fewer random runs of each. A budget's own variable (SEL4VSPACE_MODEL_EXAMPLES, ...) wins over
both when it is set.
"""

from __future__ import annotations

import os

BUDGET_ENV = "SEL4VSPACE_BUDGET"
KINDS = ("full", "dev")


def kind() -> str:
    chosen = os.environ.get(BUDGET_ENV, "").strip() or "full"
    if chosen not in KINDS:
        raise ValueError(f"{BUDGET_ENV} must be one of {', '.join(KINDS)}, got {chosen!r}")
    return chosen


def runs(variable: str, full: int, dev: int) -> int:
    """The budget ``variable`` sets, else ``full`` (or ``dev`` under SEL4VSPACE_BUDGET=dev)."""
    given = os.environ.get(variable, "").strip()
    if given:
        return int(given)
    return dev if kind() == "dev" else full
