# SPDX-License-Identifier: BSD-2-Clause
"""The architecture the extension was built for, as the host world's C description says it.

``csrc/host/include/sel4vspace_host/arch.h`` describes the arch once: its frame sizes and their
object types, its paging structures, its object type names, its VM attributes and the top of
user space. :data:`ARCH` is that description read once, so that the Python layer never names an
architecture's objects itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from . import ffi, lib

__all__ = ["Arch", "ARCH"]


@dataclass(frozen=True)
class Arch:
    """One architecture as the simulated kernel and libsel4 implement it.

    ``name`` is seL4's name for it and ``word_bits`` the bits in a ``seL4_Word``. ``page_bits`` is the
    smallest frame size (``seL4_PageBits``) and ``frame_size_bits`` every frame size the kernel
    maps, ascending; ``frame_object_types`` maps each to the ``seL4_ObjectType`` of its frames.
    ``paging_object_types`` are the object types of paging structures, the leaf table first and
    the vspace root's (``vspace_root_object_type``) last. ``object_type_names`` names the object
    types the arch adds to the generic ones, as libsel4 does. ``default_vm_attributes`` and
    ``cache_disabled`` are the VM attributes of a cached and an uncached mapping, and ``user_top``
    is ``seL4_UserTop``: nothing at or above it can be mapped.
    """

    name: str
    word_bits: int
    page_bits: int
    frame_size_bits: tuple[int, ...]
    frame_object_types: Mapping[int, int]
    paging_object_types: tuple[int, ...]
    vspace_root_object_type: int
    object_type_names: Mapping[int, str]
    default_vm_attributes: int
    cache_disabled: int
    user_top: int


def _read(description: Any) -> Arch:
    frames = [description.frame_sizes[i] for i in range(description.num_frame_sizes)]
    objects = [description.object_types[i] for i in range(description.num_object_types)]
    frame_bits = tuple(int(frame.size_bits) for frame in frames)
    return Arch(
        name=ffi.string(description.name).decode(),
        word_bits=int(description.word_bits),
        page_bits=frame_bits[0],
        frame_size_bits=frame_bits,
        frame_object_types=MappingProxyType({int(f.size_bits): int(f.object.type) for f in frames}),
        paging_object_types=tuple(int(description.paging_types[i]) for i in range(description.num_paging_types)),
        vspace_root_object_type=int(description.vspace_root_type),
        object_type_names=MappingProxyType({int(o.type): ffi.string(o.name).decode() for o in objects}),
        default_vm_attributes=int(description.default_vm_attributes),
        cache_disabled=int(description.cache_disabled_vm_attributes),
        user_top=int(description.user_top),
    )


ARCH: Arch = _read(lib.sel4vspace_arch())
"""The arch this build of the extension targets."""
