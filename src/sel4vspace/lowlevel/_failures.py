# SPDX-License-Identifier: BSD-2-Clause
"""Where a C result becomes a Python exception: the one module that does it.

Argument mistakes are caught before any C runs (``_check``: TypeError / ValueError). Everything
the C reports goes through here:

* :func:`failure`: a C call that failed, as :class:`~sel4vspace.errors.CSpaceFullError` (the host
  vka found the root CNode full), :class:`~sel4vspace.errors.KernelError` (a seL4 error) or
  :class:`~sel4vspace.errors.VSpaceError`, carrying the C function and the last C error line (and
  saying so when the host vka's untyped memory ran out during the call);
* :func:`frame_refused`, :func:`page_refused`, :func:`pages_still_mapped`, :func:`cslots_short`:
  the binding's checks before a call, which name the cap, page or count they refused;
* :func:`cap_invalid`: a cap ``sel4sim_cap_info`` finds no object for;
* :func:`vm_fault`: an access the simulated MMU refused.
"""

from __future__ import annotations

from typing import Any

from ..errors import SEL4_ERROR_NAMES, CSpaceFullError, KernelError, StaleObjectError, VMFault, VSpaceError
from . import ffi, last_c_error, lib

__all__ = ["cap_invalid", "cspace_full_error", "failure", "frame_refused", "page_refused", "pages_still_mapped",
           "cslots_short", "vm_fault"]

# The verdicts of the kernel's frame cap check and of the binding's range check, by their C names.
_FRAME_CAP_EMPTY = int(lib.SEL4SIM_FRAME_CAP_EMPTY)
_FRAME_CHECK_MESSAGES = {
    _FRAME_CAP_EMPTY: "is an empty slot (deleted, or never allocated)",
    int(lib.SEL4SIM_FRAME_CAP_NOT_A_FRAME): "is not a frame cap",
    int(lib.SEL4SIM_FRAME_CAP_WRONG_SIZE): "is a frame of another size",
    int(lib.SEL4SIM_FRAME_CAP_MAPPED): "is already mapped",
}
_FRAME_CAP_REPEATED = int(lib.SEL4SIM_FRAME_CAP_REPEATED)
_RANGE_HOLE = int(lib.SEL4VSPACE_RANGE_HOLE)
_WRITE = int(lib.SEL4SIM_ACCESS_WRITE)
_FAULT_REASONS = {int(lib.SEL4SIM_FAULT_UNMAPPED): "unmapped", int(lib.SEL4SIM_FAULT_PERMISSION): "permission"}


def _cnode_bits() -> int:
    """The size in bits of the root CNode of the kernel selected in this thread (0: none)."""
    kernel = lib.sel4sim_kernel_current()
    bootinfo = lib.sel4sim_kernel_bootinfo(kernel) if kernel != ffi.NULL else ffi.NULL
    return int(bootinfo.initThreadCNodeSizeBits) if bootinfo != ffi.NULL else 0


def cspace_full_error(function: str) -> CSpaceFullError | None:
    """A :class:`~sel4vspace.errors.CSpaceFullError` for ``function`` when the host vka refused a
    cslot since :func:`~sel4vspace.lowlevel.clear_c_error` (the root CNode was full), else None."""
    if not lib.sel4vspace_log_cslots_ran_out():
        return None
    return CSpaceFullError(function, last_c_error(), _cnode_bits())


def failure(function: str, detail: str | None = None, error: int | None = None,
            fallback: str = "the call failed") -> Exception:
    """The exception for a C call ``function`` that failed:
    :class:`~sel4vspace.errors.CSpaceFullError` when the host vka found the root CNode full since
    :func:`~sel4vspace.lowlevel.clear_c_error`; else, for a seL4 error ``error``,
    :class:`~sel4vspace.errors.KernelError` with ``detail`` and the last C error line (or
    ``fallback``); else :class:`~sel4vspace.errors.VSpaceError` with the last C error line and
    ``detail``."""
    full = cspace_full_error(function)
    if full is not None:
        return full
    if error is not None:
        said = str(last_c_error() or fallback)
        return KernelError(function, error, f"{detail}: {said}" if detail else said)
    if lib.sel4vspace_log_untyped_ran_out():
        # the allocator's own line says only that a frame or table could not be had
        detail = f"{detail}; {_UNTYPED_RAN_OUT}" if detail else _UNTYPED_RAN_OUT
    return VSpaceError(function, last_c_error(), detail)


_UNTYPED_RAN_OUT = "untyped memory ran out: the host vka had no free block for an object of the size needed"


def frame_refused(c_caps: Any, reason: int, index: int) -> Exception:
    """``sel4sim_check_frame_caps`` refused ``c_caps[index]`` for ``reason``: StaleObjectError for
    an empty slot, ValueError naming the cap otherwise (for a repeat, the entry it repeats too)."""
    cap = int(c_caps[index])
    if reason == _FRAME_CAP_REPEATED:
        first = next((i for i in range(index) if int(c_caps[i]) == cap), None)
        what = f"caps[{first}]" if first is not None else "the slot of an earlier cap"
        return ValueError(f"caps[{index}] ({cap}) repeats {what}: a frame is mapped once")
    message = f"caps[{index}] ({cap}) {_FRAME_CHECK_MESSAGES.get(reason, 'is unusable')}"
    if reason == _FRAME_CAP_EMPTY:
        return StaleObjectError(message)
    return ValueError(message)


def page_refused(function: str, vaddr: int, size_bits: int, reason: int, index: int) -> VSpaceError:
    """The binding's range check refused page ``index`` of the ``2**size_bits``-byte pages from
    ``vaddr``: not mapped, or mapped with another page size."""
    page = vaddr + (index << size_bits)
    what = "is not mapped" if reason == _RANGE_HOLE else "is mapped with another page size"
    return VSpaceError(function, None, f"page {page:#x} {what}")


def pages_still_mapped(start: int, end: int, mapped: int, listed: list[int]) -> VSpaceError:
    """``vspace_free_reservation`` refused: ``mapped`` pages are mapped in ``[start, end)``, the
    first of them at ``listed``."""
    more = f" and {mapped - len(listed)} more" if mapped > len(listed) else ""
    pages = ", ".join(f"{vaddr:#x}" for vaddr in listed)
    return VSpaceError("vspace_free_reservation", None,
                       f"{mapped} page(s) still mapped in {start:#x}-{end:#x}: {pages}{more}; unmap them first")


def cslots_short(function: str, cnode_bits: int, needed: int, free: int) -> CSpaceFullError:
    """``function`` needs ``needed`` cslots and the root CNode (``2**cnode_bits`` slots) has ``free``."""
    return CSpaceFullError(function, None, cnode_bits, (needed, free))


def cap_invalid(cap: int) -> KernelError:
    """``sel4sim_cap_info`` found ``cap`` empty or not resolving: the kernel's
    ``seL4_InvalidCapability``, naming the cap."""
    return KernelError("sel4sim_cap_info", _INVALID_CAPABILITY, f"cap {cap} is empty or invalid")


_INVALID_CAPABILITY = SEL4_ERROR_NAMES.index("seL4_InvalidCapability")


def vm_fault(fault: Any) -> VMFault:
    """The :class:`~sel4vspace.errors.VMFault` of a ``sel4sim_fault_t`` the MMU filled."""
    access = "write" if fault.access == _WRITE else "read"
    return VMFault(int(fault.vaddr), access, _FAULT_REASONS.get(int(fault.reason), "host out of memory"))
