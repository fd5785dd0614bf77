# SPDX-License-Identifier: BSD-2-Clause
"""Counters the reliability tests keep while they run (model steps, bad inputs tried, ...), and the
summary line pytest prints at the end: the figures docs/testing.md quotes come from there."""

from __future__ import annotations

from collections import Counter

STATS: Counter[str] = Counter()


def summary() -> list[str]:
    """Lines for the end-of-run report (empty when no reliability test ran)."""
    if not STATS:
        return []
    lines = []
    if STATS["runs"]:
        ops = sorted((k[3:], v) for k, v in STATS.items() if k.startswith("op:"))
        arches = ", ".join(f"{k[len('runs on '):]} {v}" for k, v in STATS.items() if k.startswith("runs on "))
        lines.append(f"model: {STATS['runs']} runs ({arches}), {STATS['steps']} steps checked against the reference model "
                     f"({STATS['refusals']} refusals of the expected type, {STATS['faults']} faults, "
                     f"{STATS['out of memory']} out-of-memory failures left nothing changed, "
                     f"{STATS['pages compared']} pages of bytes compared); "
                     f"{STATS['runs checked for leaks']} runs ended with every byte, cslot and untyped byte back")
        lines.append("model operations (tried/succeeded): " + ", ".join(
            f"{name} {count}/{STATS['ok:' + name]}" for name, count in ops))
    if STATS["threads model"]:
        lines.append(f"threads, a kernel each: {STATS['threads model threads']} threads ran {STATS['threads model runs']} "
                     f"model runs side by side, {STATS['threads model steps']} steps checked against the reference "
                     "model, every run's ledger exact")
    if STATS["threads shared"]:
        lines.append(f"threads, one kernel: {STATS['threads shared threads']} threads made "
                     f"{STATS['threads shared calls']} calls on it, the ledger exact at the end")
    if STATS["interrupt operations"]:
        lines.append(f"interrupts: {STATS['interrupt operations']} operation runs, an exception injected at each of "
                     f"{STATS['interrupt points']} points (after a C call, or at a call of the package's Python): "
                     f"{STATS['interrupt completed']} left the "
                     f"operation done, {STATS['interrupt rolled back']} left it undone (and it could be made again); "
                     "nothing lost")
    if STATS["bad inputs"]:
        lines.append(f"bad inputs: {STATS['bad inputs']} tried, each refused with its exact exception type "
                     "and nothing changed")
    if STATS["rights sequences"]:
        lines.append(f"rights: {STATS['rights sequences']} mint/map sequences, {STATS['rights mappings']} mappings, "
                     f"{STATS['rights accesses']} MMU accesses checked: no right amplified")
    return lines
