# SPDX-License-Identifier: BSD-2-Clause
"""What the tooling takes from the Python API beyond plain method calls: the kernel class, the error
classes a scenario names, a chunked read, and the API's objects as the tooling's neutral views.
The runner calls the API's methods directly."""

from __future__ import annotations

from typing import Any

from .. import Kernel
from ..errors import KernelError, Sel4VSpaceError, StaleObjectError, VMFault, VSpaceError
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


# ---- what takes more than one call of the API

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
