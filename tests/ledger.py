# SPDX-License-Identifier: BSD-2-Clause
"""Everything a kernel or the host can lose, in one comparable value.

``host_ledger()`` reads the process-wide counters of the accounted host allocator, per category
(bytes and blocks). ``kernel_ledger(kernel)`` reads what one simulated kernel and its host world
hold: untyped bytes (the kernel's view and the vka's), cslots (non-empty slots and the vka's free
slots), live objects by type, the loader's bookkeeping bytes and the kernel's own host bytes.
Two snapshots compare equal exactly when nothing was lost or gained in between.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, fields
from typing import Any

from sel4vspace import Kernel
from sel4vspace.lowlevel import lib

HOST_CATEGORIES = {
    "kernel_objects": lib.HOST_ALLOC_KERNEL_OBJECTS,
    "frame_backing": lib.HOST_ALLOC_FRAME_BACKING,
    "bookkeeping": lib.HOST_ALLOC_BOOKKEEPING,
    "host_layer": lib.HOST_ALLOC_HOST_LAYER,
}


def host_ledger(collect: bool = True) -> dict[str, tuple[int, int]]:
    """(bytes, blocks) in use per host_alloc category. Collects garbage first so that kernels and
    vspaces nobody references any more have released what they hold."""
    if collect:
        gc.collect()
    return {name: (int(lib.host_alloc_bytes_in_use(cat)), int(lib.host_alloc_blocks_in_use(cat)))
            for name, cat in HOST_CATEGORIES.items()}


@dataclass(frozen=True)
class KernelLedger:
    untyped_free: int
    vka_untyped_free: int
    used_slots: int
    vka_free_slots: int
    objects: tuple[tuple[str, int], ...]
    loader_bytes: int
    kernel_bookkeeping_bytes: int
    frame_backing_bytes: int

    def differences(self, other: KernelLedger) -> dict[str, tuple[Any, Any]]:
        """Fields that differ: name -> (self's value, other's value)."""
        return {f.name: (getattr(self, f.name), getattr(other, f.name)) for f in fields(self)
                if getattr(self, f.name) != getattr(other, f.name)}


def kernel_ledger(kernel: Kernel) -> KernelLedger:
    k = kernel._enter()
    world = kernel._world
    return KernelLedger(
        untyped_free=kernel.untyped_free_bytes,
        vka_untyped_free=int(lib.sel4vspace_host_world_free_untyped_bytes(world)),
        used_slots=kernel.used_slots,
        vka_free_slots=int(lib.sel4vspace_host_world_free_slots(world)),
        objects=tuple(sorted(kernel.object_counts.items())),
        loader_bytes=int(lib.sel4vspace_host_world_loader_bytes(world)),
        kernel_bookkeeping_bytes=int(lib.sel4sim_kernel_bookkeeping_bytes(k)),
        frame_backing_bytes=int(lib.sel4sim_frame_backing_bytes(k)),
    )


def assert_same(before: Any, after: Any, what: str) -> None:
    """Fail naming every field that differs."""
    if before == after:
        return
    if isinstance(before, KernelLedger):
        detail = before.differences(after)
    else:
        detail = {key: (before.get(key), after.get(key)) for key in set(before) | set(after)
                  if before.get(key) != after.get(key)}
    raise AssertionError(f"{what}: something was lost or gained: {detail}")
