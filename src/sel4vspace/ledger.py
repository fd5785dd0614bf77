# SPDX-License-Identifier: BSD-2-Clause
"""Everything a kernel or the host can lose, in one comparable value: the "nothing lost" check.

``host_ledger()`` reads the process-wide counters of the accounted host allocator, per category
(bytes and blocks). ``kernel_ledger(kernel)`` reads what one simulated kernel and its host world
hold: untyped bytes (the kernel's view and the vka's), cslots (non-empty slots and the vka's free
slots), live objects by type, the loader's bookkeeping bytes and the kernel's own host bytes.
Two snapshots compare equal exactly when nothing was lost or gained in between::

    before = kernel_ledger(kernel)          # a fresh kernel, or any quiet point
    ...                                     # map, unmap, tear down, delete every cap made
    assert_same(before, kernel_ledger(kernel), "after tear down")

The pytest plugin's ``sel4_nothing_lost`` fixture makes this check at the end of a test.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from . import _arches
from ._world import World, world_of
from .lowlevel import _guard, accounting

if TYPE_CHECKING:  # pragma: no cover
    from .kernel import Kernel

__all__ = ["KernelLedger", "kernel_ledger", "host_ledger", "assert_same", "HOST_CATEGORIES"]

HOST_CATEGORIES = accounting.HOST_CATEGORIES


def host_ledger(collect: bool = True) -> dict[str, tuple[int, int]]:
    """``(bytes, blocks)`` in use per host allocation category, process-wide: the sum over every
    arch's build loaded (each has its own accounted allocator). Collects garbage first (unless
    ``collect`` is False) so that kernels and vspaces nobody references any more have released
    what they hold."""
    if collect:
        gc.collect()
    total = dict.fromkeys(HOST_CATEGORIES, (0, 0))
    for binding in _arches.loaded():
        for name, (size, blocks) in binding.accounting.host_in_use().items():
            total[name] = (total[name][0] + size, total[name][1] + blocks)
    return total


@dataclass(frozen=True)
class KernelLedger:
    """What one kernel and its host world hold. Sizes are in bytes, slots are counts."""

    untyped_free: int
    """Untyped bytes a retype could still use, as the kernel sees them."""
    vka_untyped_free: int
    """Untyped bytes the host vka could still hand out."""
    used_slots: int
    """Non-empty slots of the root CNode."""
    vka_free_slots: int
    """Slots the host vka could still hand out."""
    objects: tuple[tuple[str, int], ...]
    """Live kernel objects, ``(libsel4 type name, count)``, by name."""
    loader_bytes: int
    """Host bytes of the sel4utils vspaces' bookkeeping (taken from the loader)."""
    kernel_bookkeeping_bytes: int
    """Host bytes of the kernel's objects, cap slots and paging structures."""
    frame_backing_bytes: int
    """Host bytes behind frame contents."""

    def differences(self, other: KernelLedger) -> dict[str, tuple[Any, Any]]:
        """Fields that differ: name -> (self's value, other's value)."""
        return {f.name: (getattr(self, f.name), getattr(other, f.name)) for f in fields(self)
                if getattr(self, f.name) != getattr(other, f.name)}


def kernel_ledger(kernel: Kernel) -> KernelLedger:
    """A snapshot of ``kernel``'s ledger; :class:`~sel4vspace.errors.StaleObjectError` if it was
    closed."""
    world = world_of(kernel)
    return _guard.run("kernel_ledger", world.lock, _kernel_ledger, world)


def _kernel_ledger(world: World) -> KernelLedger:
    kernel_ptr = world.enter()
    counts = world.ll.accounting.world_counts(world.handle)
    own = world.ll.accounting.kernel_counts(kernel_ptr)
    return KernelLedger(
        untyped_free=world.ll.sim.untyped_free_bytes(kernel_ptr),
        vka_untyped_free=counts.vka_untyped_free,
        used_slots=world.ll.sim.used_slots(kernel_ptr),
        vka_free_slots=counts.vka_free_slots,
        objects=tuple(sorted(world.object_counts().items())),
        loader_bytes=counts.loader_bytes,
        kernel_bookkeeping_bytes=own.bookkeeping_bytes,
        frame_backing_bytes=own.frame_backing_bytes,
    )


def assert_same(before: KernelLedger | dict[str, tuple[int, int]],
                after: KernelLedger | dict[str, tuple[int, int]], what: str) -> None:
    """Raise AssertionError naming every field (or host category) that differs, with
    ``(before, after)`` values; nothing when the two are equal."""
    if before == after:
        return
    if isinstance(before, KernelLedger) and isinstance(after, KernelLedger):
        detail: dict[str, tuple[Any, Any]] = before.differences(after)
    elif isinstance(before, dict) and isinstance(after, dict):
        detail = {key: (before.get(key), after.get(key)) for key in sorted(set(before) | set(after))
                  if before.get(key) != after.get(key)}
    else:
        raise TypeError("compare two kernel ledgers or two host ledgers")
    raise AssertionError(f"{what}: something was lost or gained: {detail}")
