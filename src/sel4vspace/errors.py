# SPDX-License-Identifier: BSD-2-Clause
"""The exceptions sel4vspace raises.

Argument mistakes caught in Python, before any C runs, are plain ``TypeError`` / ``ValueError``.
Everything the C side refuses is a :class:`Sel4VSpaceError`:

* :class:`VSpaceError`: a vspace call failed; carries the C function and the C library's own last
  error line.
* :class:`KernelError`: a simulated seL4 invocation returned an error; carries the ``seL4_Error``.
* :class:`VMFault`: a read or write the simulated MMU refused, as seL4 would report the fault.
* :class:`StaleObjectError`: a VSpace, Reservation or cap used after it was torn down, freed or
  deleted.

:class:`ReentrantCallError` is raised by a call into the package made while another of its calls
is in progress in the same thread (from a signal handler, a trace function or a ``CallbackVSpace``
function): nothing of that call runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .lowlevel import CLogRecord

__all__ = ["Sel4VSpaceError", "VSpaceError", "KernelError", "VMFault", "StaleObjectError", "ReentrantCallError",
           "SEL4_ERROR_NAMES"]

# seL4_Error values, in libsel4's order.
SEL4_ERROR_NAMES = (
    "seL4_NoError",
    "seL4_InvalidArgument",
    "seL4_InvalidCapability",
    "seL4_IllegalOperation",
    "seL4_RangeError",
    "seL4_AlignmentError",
    "seL4_FailedLookup",
    "seL4_TruncatedMessage",
    "seL4_DeleteFirst",
    "seL4_RevokeFirst",
    "seL4_NotEnoughMemory",
)


class Sel4VSpaceError(Exception):
    """Base class of every error the C side reports."""


class VSpaceError(Sel4VSpaceError):
    """A vspace function refused or failed.

    ``function`` is the C function called (``vspace_map_pages_at_vaddr``, ...); ``c_error`` is the
    last ZF_LOG error line the C library emitted during the call, if any, and ``message`` its text.
    """

    def __init__(self, function: str, c_error: CLogRecord | None = None, detail: str | None = None) -> None:
        self.function = function
        self.c_error = c_error
        self.message = c_error.message if c_error is not None else (detail or "failed")
        text = f"{function}: {self.message}"
        if c_error is not None and c_error.function and c_error.function != function:
            text += f" (in {c_error.function})"
        if detail and c_error is not None:
            text += f"; {detail}"
        super().__init__(text)


class KernelError(Sel4VSpaceError):
    """A simulated seL4 invocation returned an error.

    ``error`` is the ``seL4_Error`` value and ``error_name`` its libsel4 name (``seL4_DeleteFirst``).
    """

    def __init__(self, invocation: str, error: int, detail: str | None = None) -> None:
        self.invocation = invocation
        self.error = int(error)
        self.error_name = SEL4_ERROR_NAMES[error] if 0 <= error < len(SEL4_ERROR_NAMES) else f"seL4_Error({error})"
        text = f"{invocation}: {self.error_name}"
        if detail:
            text += f" ({detail})"
        super().__init__(text)


class VMFault(Sel4VSpaceError):
    """A memory access the simulated MMU refused: ``vaddr`` of the first faulting byte, ``access``
    ("read" or "write") and ``reason`` ("unmapped" or "permission")."""

    def __init__(self, vaddr: int, access: str, reason: str) -> None:
        self.vaddr = vaddr
        self.access = access
        self.reason = reason
        super().__init__(f"{access} fault at {vaddr:#x}: {reason}")


class StaleObjectError(Sel4VSpaceError, RuntimeError):
    """An object was used after its C counterpart was released (torn down, freed or deleted)."""


class ReentrantCallError(Sel4VSpaceError, RuntimeError):
    """A call into the package was made while another of its calls was in progress in the same
    thread: from a signal handler or a trace function running between two of its C calls, or from a
    ``CallbackVSpace`` function that C is running. The call did nothing; make it once the call in
    progress has returned. (Logging handlers and finalizers never run during a call: the package
    runs them after it.)"""
