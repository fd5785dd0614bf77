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

from dataclasses import dataclass

__all__ = ["CLogRecord", "Sel4VSpaceError", "VSpaceError", "KernelError", "VMFault", "StaleObjectError",
           "ReentrantCallError", "SEL4_ERROR_NAMES"]


def type_name(value: object) -> str:
    """How a message names the type of ``value``: a builtin type's own name (``int``, ``bool``,
    ``NoneType``), any other type's module-qualified name (``numpy.bool_``, ``fractions.Fraction``), so that a type
    outside builtins is never mistaken for the builtin it is named after."""
    kind = type(value)
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


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


@dataclass(frozen=True)
class CLogRecord:
    """One ZF_LOG line as the C code emitted it."""

    level: int
    """The ZF_LOG level (1 verbose ... 6 fatal; 5 is an error)."""
    message: str
    file: str
    line: int
    function: str

    def __str__(self) -> str:
        return f"{self.function}: {self.message}"


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


class CSpaceFullError(VSpaceError, KernelError):
    """A call failed because the root CNode had no free cslot left for an object or a cap copy.

    It is both a :class:`VSpaceError` and a :class:`KernelError` (``error`` is
    ``seL4_NotEnoughMemory``), so either ``except`` catches it. ``function`` is the function
    called, ``cnode_bits`` the size of the root CNode (``Kernel(cnode_bits=...)``), ``c_error``
    the C library's last error line (for ``vspace_new_pages``, which page it could not make).
    ``shortfall`` is ``(needed, free)`` when the call was refused before it started because it
    needs more cslots than are free.
    """

    def __init__(self, function: str, c_error: CLogRecord | None, cnode_bits: int,
                 shortfall: tuple[int, int] | None = None) -> None:
        self.function = self.invocation = function
        self.c_error = c_error
        self.cnode_bits = cnode_bits
        self.error = SEL4_ERROR_NAMES.index("seL4_NotEnoughMemory")
        self.error_name = "seL4_NotEnoughMemory"
        if shortfall is None:
            # the call gave back what it took (all or nothing): they are free again now
            used = (f"all 2**{cnode_bits} slots were taken during the call, which gave them back: the host vka "
                    "splits untyped memory in halves, two cslots a step, down to each object's size")
        else:
            used = f"{shortfall[0]} cslots needed, {shortfall[1]} of 2**{cnode_bits} free"
        self.message = (
            f"the root CNode ran out of cslots ({used}); "
            f"ask for more with Kernel(cnode_bits=N), N up to 24")
        text = f"{function}: {self.message}"
        if c_error is not None:
            text += f" [C: {c_error}]"
        Sel4VSpaceError.__init__(self, text)


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
