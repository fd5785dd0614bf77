# SPDX-License-Identifier: BSD-2-Clause
"""Every call the tooling makes into the Python API (``sel4vspace.Kernel`` and friends), in one
module, so that the runner follows the API by editing this file alone."""

from __future__ import annotations

from typing import Any

from .. import Kernel
from ..errors import KernelError, Sel4VSpaceError, StaleObjectError, VMFault, VSpaceError
from ..rights import CapRights
from .addrmap import MappingView, ReservationView

__all__ = [
    "Kernel",
    "KernelError",
    "Sel4VSpaceError",
    "StaleObjectError",
    "VMFault",
    "VSpaceError",
    "ERROR_CLASSES",
]

ERROR_CLASSES: dict[str, type[BaseException]] = {
    "Sel4VSpaceError": Sel4VSpaceError,
    "VSpaceError": VSpaceError,
    "KernelError": KernelError,
    "VMFault": VMFault,
    "StaleObjectError": StaleObjectError,
    "ValueError": ValueError,
    "TypeError": TypeError,
}


# ---- the kernel

def new_kernel(untyped_bits: int) -> Any:
    return Kernel(untyped_bits=untyped_bits)


def close_kernel(kernel: Any) -> None:
    kernel.close()


def new_vspace(kernel: Any, name: str) -> Any:
    return kernel.new_vspace(name)


def alloc_frames(kernel: Any, count: int, size_bits: int) -> list[int]:
    return [int(cap) for cap in kernel.alloc_frames(count, size_bits=size_bits)]


def copy_cap(kernel: Any, cap: int, rights: CapRights | None) -> int:
    return int(kernel.copy_cap(cap, rights=rights))


def delete_cap(kernel: Any, cap: int) -> None:
    kernel.delete_cap(cap)


def untyped_free_bytes(kernel: Any) -> int:
    return int(kernel.untyped_free_bytes)


# ---- a vspace

def reserve_range_at(vspace: Any, vaddr: int, size: int, rights: CapRights, cacheable: bool) -> Any:
    return vspace.reserve_range_at(vaddr, size, rights, cacheable=cacheable)


def reserve_range_aligned(vspace: Any, size: int, size_bits: int, rights: CapRights, cacheable: bool) -> Any:
    return vspace.reserve_range_aligned(size, size_bits, rights, cacheable=cacheable)


def reserve_deferred_rights_range_at(vspace: Any, vaddr: int, size: int, cacheable: bool) -> Any:
    return vspace.reserve_deferred_rights_range_at(vaddr, size, cacheable=cacheable)


def map_pages_at_vaddr(vspace: Any, caps: list[int], vaddr: int, reservation: Any, size_bits: int) -> None:
    vspace.map_pages_at_vaddr(caps, vaddr, reservation, size_bits=size_bits)


def deferred_rights_map_pages_at_vaddr(vspace: Any, caps: list[int], vaddr: int, rights: CapRights,
                                       reservation: Any, size_bits: int) -> None:
    vspace.deferred_rights_map_pages_at_vaddr(caps, vaddr, rights, reservation, size_bits=size_bits)


def new_pages(vspace: Any, num_pages: int, rights: CapRights, size_bits: int) -> int:
    return int(vspace.new_pages(num_pages, rights, size_bits=size_bits))


def new_pages_at_vaddr(vspace: Any, vaddr: int, num_pages: int, reservation: Any, size_bits: int) -> None:
    vspace.new_pages_at_vaddr(vaddr, num_pages, reservation, size_bits=size_bits)


def map_pages(vspace: Any, caps: list[int], rights: CapRights, size_bits: int, cacheable: bool) -> int:
    return int(vspace.map_pages(caps, rights, size_bits=size_bits, cacheable=cacheable))


def unmap_pages(vspace: Any, vaddr: int, num_pages: int, size_bits: int, free: bool) -> None:
    vspace.unmap_pages(vaddr, num_pages, size_bits=size_bits, free=free)


def free_reservation(vspace: Any, reservation: Any) -> None:
    vspace.free_reservation(reservation)


def free_reservation_by_vaddr(vspace: Any, vaddr: int) -> None:
    vspace.free_reservation_by_vaddr(vaddr)


def share_mem_at_vaddr(from_vspace: Any, to_vspace: Any, start: int, num_pages: int, size_bits: int,
                       vaddr: int, reservation: Any) -> None:
    from_vspace.share_mem_at_vaddr(to_vspace, start, num_pages, vaddr, reservation, size_bits=size_bits)


def get_cap(vspace: Any, vaddr: int) -> int:
    return int(vspace.get_cap(vaddr))


def get_cookie(vspace: Any, vaddr: int) -> int:
    return int(vspace.get_cookie(vaddr))


def tear_down(vspace: Any) -> None:
    vspace.tear_down()


def read(vspace: Any, vaddr: int, size: int) -> bytes:
    return bytes(vspace.read(vaddr, size))


_READ_CHUNK = 1 << 20


def read_head(vspace: Any, vaddr: int, size: int, keep: int) -> bytes:
    """Read all ``size`` bytes at vaddr through the MMU (faulting as ``read`` would, at the first
    byte it refuses) a MiB at a time into one buffer, and return the first ``keep``: a step that
    shows a few bytes of a huge range asks the host for a MiB, not for the whole range."""
    buffer = bytearray(min(size, _READ_CHUNK))
    head = b""
    for offset in range(0, size, _READ_CHUNK):
        length = min(_READ_CHUNK, size - offset)
        view = memoryview(buffer)[:length]
        vspace.read_into(vaddr + offset, view)
        if offset == 0:
            head = bytes(view[:keep])
    return head


def write(vspace: Any, vaddr: int, data: bytes) -> None:
    vspace.write(vaddr, data)


# ---- what the kernel and the C library hold, as the tooling's neutral views

def lookup(vspace: Any, vaddr: int) -> MappingView | None:
    mapping = vspace.lookup(vaddr)
    return None if mapping is None else mapping_view(mapping)


def mapping_view(mapping: Any, frame: str | None = None) -> MappingView:
    return MappingView(vaddr=int(mapping.vaddr), size_bits=int(mapping.size_bits), rights=mapping.rights,
                       cap=int(mapping.cap), paddr=int(getattr(mapping, "paddr", 0) or 0),
                       cacheable=getattr(mapping, "cacheable", None), frame=frame)


def reservation_view(reservation: Any, name: str | None = None) -> ReservationView:
    deferred = bool(reservation.rights_deferred)
    return ReservationView(start=int(reservation.start), end=int(reservation.end),
                           rights=None if deferred else reservation.rights, rights_deferred=deferred,
                           cacheable=bool(reservation.cacheable), name=name)


def reservation_live(reservation: Any) -> bool:
    """False once the reservation was freed (or its vspace torn down)."""
    return not reservation.freed


def reservations(vspace: Any) -> list[Any]:
    return list(vspace.reservations())


def mappings(vspace: Any) -> list[Any]:
    return list(vspace.mappings())
