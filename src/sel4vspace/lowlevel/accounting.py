# SPDX-License-Identifier: BSD-2-Clause
"""The C side's own accounting, read as Python ints: what :mod:`sel4vspace.ledger` compares.

* :func:`host_in_use`: the accounted host allocator (``csrc/host``'s ``host_alloc``), per category,
  process-wide.
* :func:`world_counts`: what one host world's vka and loader hold.
* :func:`kernel_counts`: the simulated kernel's own host bytes.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from . import lib

__all__ = ["HOST_CATEGORIES", "WorldCounts", "KernelCounts", "host_in_use", "world_counts", "kernel_counts"]

HOST_CATEGORIES: dict[str, int] = {
    "kernel_objects": int(lib.HOST_ALLOC_KERNEL_OBJECTS),
    "frame_backing": int(lib.HOST_ALLOC_FRAME_BACKING),
    "bookkeeping": int(lib.HOST_ALLOC_BOOKKEEPING),
    "host_layer": int(lib.HOST_ALLOC_HOST_LAYER),
}
"""The categories of ``host_alloc_category``: the simulated kernel's objects, caps and paging
structures; the bytes behind simulated frames; the vspace allocator's own tables (through the
loader); the host vka and other host-side state."""


class WorldCounts(NamedTuple):
    """What a host world's vka and loader hold."""

    vka_untyped_free: int
    """Bytes of untyped memory the host vka could still hand out."""
    vka_free_slots: int
    """Free cslots in the host vka's allocator."""
    loader_bytes: int
    """Host bytes the sel4utils vspaces took from the loader for their bookkeeping."""


class KernelCounts(NamedTuple):
    """The simulated kernel's own host bytes."""

    bookkeeping_bytes: int
    """Objects, cap slots and paging structures."""
    frame_backing_bytes: int
    """Frame contents (allocated on first write)."""


def host_in_use() -> dict[str, tuple[int, int]]:
    """``(bytes, blocks)`` in use per :data:`HOST_CATEGORIES` name, over the whole process
    (``host_alloc_bytes_in_use``, ``host_alloc_blocks_in_use``)."""
    return {name: (int(lib.host_alloc_bytes_in_use(category)), int(lib.host_alloc_blocks_in_use(category)))
            for name, category in HOST_CATEGORIES.items()}


def world_counts(world: Any) -> WorldCounts:
    """The counts of one ``host_world_t *`` (``sel4vspace_host_world_free_untyped_bytes``,
    ``..._free_slots``, ``..._loader_bytes``)."""
    return WorldCounts(int(lib.sel4vspace_host_world_free_untyped_bytes(world)),
                       int(lib.sel4vspace_host_world_free_slots(world)),
                       int(lib.sel4vspace_host_world_loader_bytes(world)))


def kernel_counts(kernel: Any) -> KernelCounts:
    """The counts of one ``sel4sim_kernel_t *`` (``sel4sim_kernel_bookkeeping_bytes``,
    ``sel4sim_frame_backing_bytes``)."""
    return KernelCounts(int(lib.sel4sim_kernel_bookkeeping_bytes(kernel)), int(lib.sel4sim_frame_backing_bytes(kernel)))
