# SPDX-License-Identifier: BSD-2-Clause
"""1:1 checked functions over the simulated kernel's inspection API (``csrc/kernel``'s
``sel4sim/kernel.h``: ``sel4sim_*``) and the libsel4 values the Python layer makes.

``kernel`` is a ``sel4sim_kernel_t *`` (opaque: from :func:`sel4vspace.lowlevel.host.world_kernel`),
``root`` the cap of a vspace's root paging structure. A mapping is read as six ints, ``(vaddr, size_bits, frame_cap,
paddr, rights word, VM attributes)`` (``sel4sim_mapping_t``), in one unpack rather than six cdata
field reads. Nothing here takes a kernel's lock.
"""

from __future__ import annotations

import struct
from typing import Any

from . import ffi, lib
from ._failures import cap_invalid, vm_fault
from .objects import OBJECT_TYPE_COUNT

__all__ = [
    "MAPPING_WORDS", "Scratch", "cap_info", "mappings", "lookup", "translate", "mmu_read", "mmu_read_into",
    "mmu_write", "untyped_free_bytes", "used_slots", "object_counts", "object_host_bytes", "bookkeeping_bytes",
    "frame_backing_bytes", "cap_rights", "cap_rights_word",
]

MAPPING_WORDS = struct.Struct("=6Q")
"""``sel4sim_mapping_t`` as six 64-bit words."""
assert ffi.sizeof("sel4sim_mapping_t") == MAPPING_WORDS.size

_READ_CHUNK = 1 << 20
_new_uncleared = ffi.new_allocator(should_clear_after_alloc=False)
# The C calls made in loops, looked up once (a lib attribute is a dictionary lookup on every use).
_lookup = lib.sel4sim_vspace_lookup
_mmu_read = lib.sel4sim_mmu_read
_mmu_write = lib.sel4sim_mmu_write


class Scratch:
    """The structs one vspace's calls in loops fill (a mapping entry, a fault): made once, used by
    :func:`lookup`, :func:`translate` and the MMU calls instead of an ``ffi.new`` per call."""

    __slots__ = ("entry", "fault", "words")

    def __init__(self) -> None:
        self.entry = ffi.new("sel4sim_mapping_t *")
        self.words = ffi.buffer(self.entry)
        self.fault = ffi.new("sel4sim_fault_t *")


def cap_info(kernel: Any, cap: int) -> tuple[int, int, int, int, bool, int]:
    """``sel4sim_cap_info``: ``(object type, size_bits, rights word, paddr, mapped, mapped_vaddr)``
    of the cap; KernelError (``seL4_InvalidCapability``, naming the cap) for an empty or invalid
    slot."""
    info = ffi.new("sel4sim_cap_info_t *")
    if lib.sel4sim_cap_info(kernel, cap, info) != 0:
        raise cap_invalid(cap)
    return (int(info.type), int(info.size_bits), int(info.rights.words[0]), int(info.paddr), bool(info.mapped),
            int(info.mapped_vaddr))


def mappings(kernel: Any, root: int) -> list[tuple[int, ...]]:
    """``sel4sim_vspace_mappings``: every mapping of the vspace, by address, as word tuples."""
    total = lib.sel4sim_vspace_mappings(kernel, root, ffi.NULL, 0)
    if total == 0:
        return []
    entries = ffi.new("sel4sim_mapping_t[]", total)
    total = min(total, lib.sel4sim_vspace_mappings(kernel, root, entries, total))
    return list(MAPPING_WORDS.iter_unpack(ffi.buffer(entries, total * MAPPING_WORDS.size)))


def lookup(kernel: Any, root: int, vaddr: int, scratch: Scratch) -> tuple[int, ...] | None:
    """``sel4sim_vspace_lookup``: the mapping covering ``vaddr`` (any byte of the page), or None."""
    if not _lookup(kernel, root, vaddr, scratch.entry):
        return None
    return MAPPING_WORDS.unpack(scratch.words)


def translate(kernel: Any, root: int, vaddrs: list[int], scratch: Scratch) -> list[int]:
    """``sel4sim_vspace_translate`` of each page address: the physical addresses of those mapped."""
    out = []
    entry = scratch.entry
    for vaddr in vaddrs:
        if lib.sel4sim_vspace_translate(kernel, root, vaddr, entry):
            out.append(int(entry.paddr))
    return out


def mmu_read(kernel: Any, root: int, vaddr: int, n: int, scratch: Scratch) -> bytes:
    """``sel4sim_mmu_read`` of ``n`` bytes at ``vaddr``; VMFault (first faulting address) if the MMU
    refuses a byte. More than 1 MiB is read a MiB at a time, so that a huge ``n`` over unmapped
    memory faults before the host is asked for ``n`` bytes."""
    if n > _READ_CHUNK:
        return _read_long(kernel, root, vaddr, n, scratch)
    buffer = _new_uncleared("char[]", n or 1)  # every byte is written by the read (or it faults)
    if _mmu_read(kernel, root, vaddr, buffer, n, scratch.fault) != 0:
        raise vm_fault(scratch.fault)
    data: bytes = ffi.unpack(buffer, n)
    return data


def _read_long(kernel: Any, root: int, vaddr: int, n: int, scratch: Scratch) -> bytes:
    # reads have no side effects: the first fault is the same
    out = bytearray()
    buffer = _new_uncleared("char[]", _READ_CHUNK)
    for offset in range(0, n, _READ_CHUNK):
        length = min(_READ_CHUNK, n - offset)
        if _mmu_read(kernel, root, vaddr + offset, buffer, length, scratch.fault) != 0:
            raise vm_fault(scratch.fault)
        out += ffi.buffer(buffer, length)
    return bytes(out)


def mmu_read_into(kernel: Any, root: int, vaddr: int, view: Any, n: int, scratch: Scratch) -> None:
    """``sel4sim_mmu_read`` of ``n`` bytes at ``vaddr`` into the writable contiguous buffer ``view``;
    VMFault (the buffer as it was) if the MMU refuses a byte."""
    if n and _mmu_read(kernel, root, vaddr, ffi.from_buffer(view), n, scratch.fault) != 0:
        raise vm_fault(scratch.fault)


def mmu_write(kernel: Any, root: int, vaddr: int, view: Any, n: int, scratch: Scratch) -> None:
    """``sel4sim_mmu_write`` of the ``n`` bytes of ``view`` at ``vaddr``; VMFault (nothing written)
    if the MMU refuses a byte."""
    if _mmu_write(kernel, root, vaddr, ffi.from_buffer(view), n, scratch.fault) != 0:
        raise vm_fault(scratch.fault)


def untyped_free_bytes(kernel: Any) -> int:
    """``sel4sim_untyped_free_bytes``: bytes of untyped memory a retype could still use."""
    return int(lib.sel4sim_untyped_free_bytes(kernel))


def used_slots(kernel: Any) -> int:
    """``sel4sim_used_slots``: non-empty slots of the root CNode."""
    return int(lib.sel4sim_used_slots(kernel))


def object_counts(kernel: Any) -> list[int]:
    """``sel4sim_object_counts``: live objects per seL4_ObjectType value."""
    counts = ffi.new("size_t[]", OBJECT_TYPE_COUNT)
    lib.sel4sim_object_counts(kernel, counts)
    return list(counts)


def object_host_bytes(kernel: Any, object_type: int) -> int:
    """``sel4sim_object_host_bytes``: host bytes of the live objects of one type."""
    return int(lib.sel4sim_object_host_bytes(kernel, object_type))


def bookkeeping_bytes(kernel: Any) -> int:
    """``sel4sim_kernel_bookkeeping_bytes``: host bytes of objects, cap slots and paging structures."""
    return int(lib.sel4sim_kernel_bookkeeping_bytes(kernel))


def frame_backing_bytes(kernel: Any) -> int:
    """``sel4sim_frame_backing_bytes``: host bytes behind frame contents."""
    return int(lib.sel4sim_frame_backing_bytes(kernel))


def cap_rights(bits: int) -> Any:
    """``seL4_CapRights_new`` of a rights word (write bit 0, read 1, grant 2, grant-reply 3)."""
    return lib.seL4_CapRights_new((bits >> 3) & 1, (bits >> 2) & 1, (bits >> 1) & 1, bits & 1)


def cap_rights_word(rights: Any) -> int:
    """The one word of a ``seL4_CapRights_t`` (the bit positions of :func:`cap_rights`)."""
    return int(rights.words[0])
