# SPDX-License-Identifier: BSD-2-Clause
"""The C library as cffi sees it, and the few tools a test needs to drive it directly.

``ffi`` and ``lib`` are the compiled extension: every type, struct, function and ``static inline``
wrapper declared in ``csrc/binding.h``'s headers, under its C name. Nothing here hides the C; the
Pythonic layer (``sel4vspace.Kernel`` and friends) is built on top of it.

Also here:

* :data:`BUILT_FROM` says whether the libraries under test came from ``vendor/`` or from a seL4_libs
  checkout (``SEL4VSPACE_SEL4_LIBS`` at build time).
* :func:`last_c_error` / :func:`clear_c_error` give the last ZF_LOG error line the C code emitted,
  which is how a failed call is reported in the library's own words.
* :class:`CallbackVSpace` builds a ``vspace_t`` whose implementation functions are Python callables,
  so a test can stand in for any allocator and see exactly what the ``vspace_*`` wrappers pass on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .._native import ffi, lib
from . import _logbridge

__all__ = [
    "ffi",
    "lib",
    "BUILT_FROM",
    "BUILD_FLAVOUR",
    "CLogRecord",
    "last_c_error",
    "clear_c_error",
    "cspace_full_error",
    "CallbackVSpace",
    "VSPACE_FUNCTION_FIELDS",
]

BUILT_FROM: str = ffi.string(lib.sel4vspace_build_source()).decode()
"""``"vendor"``, or the path of the seL4_libs checkout the libraries under test were built from."""

BUILD_FLAVOUR: str = ffi.string(lib.sel4vspace_build_flavour()).decode()
"""``"default"``, or the instrumented build this is (``"asan"``, ``"cov"``, ``"ext-…"``)."""

_logbridge.install(ffi, lib)


@dataclass(frozen=True)
class CLogRecord:
    """One ZF_LOG line as the C code emitted it."""

    level: int
    """The ZF_LOG level (``lib.SEL4VSPACE_LOG_WARN``, ``lib.SEL4VSPACE_LOG_ERROR``, ...)."""
    message: str
    file: str
    line: int
    function: str

    def __str__(self) -> str:
        return f"{self.function}: {self.message}"


def last_c_error() -> CLogRecord | None:
    """The last error-or-worse line logged by C since :func:`clear_c_error`, or None."""
    record = lib.sel4vspace_log_last_error()
    if record == ffi.NULL:
        return None
    return _logbridge.to_record(ffi, record, CLogRecord)


def clear_c_error() -> None:
    """Forget the last C error line; call before a C call whose failure you will report."""
    lib.sel4vspace_log_clear_last_error()


def cspace_full_error(function: str) -> Any:
    """A :class:`~sel4vspace.errors.CSpaceFullError` for ``function`` when the host vka refused a
    cslot since :func:`clear_c_error` (the root CNode was full), else None."""
    if not lib.sel4vspace_log_cslots_ran_out():
        return None
    from ..errors import CSpaceFullError  # late: errors imports this module for typing only

    kernel = lib.sel4sim_kernel_current()
    bootinfo = lib.sel4sim_kernel_bootinfo(kernel) if kernel != ffi.NULL else ffi.NULL
    bits = int(bootinfo.initThreadCNodeSizeBits) if bootinfo != ffi.NULL else 0
    return CSpaceFullError(function, last_c_error(), bits)


def _function_pointer_fields() -> tuple[str, ...]:
    fields = ffi.typeof("vspace_t").fields
    return tuple(name for name, field in fields if field.type.kind == "function")


VSPACE_FUNCTION_FIELDS: tuple[str, ...] = _function_pointer_fields()
"""The implementation-function fields of ``vspace_t``, in declaration order."""


class CallbackVSpace:
    """A ``vspace_t`` whose implementation functions are Python callables.

    Pass implementations by field name (``map_pages_at_vaddr=fn``); every other function pointer is
    NULL. Each callable receives the raw cffi arguments the C wrapper passed and returns what the C
    function type returns. An exception raised inside a callable cannot cross back through C; it is
    kept and re-raised by :meth:`raise_pending` (tests call it after each C call).
    """

    def __init__(self, **implementations: Callable[..., Any]) -> None:
        unknown = set(implementations) - set(VSPACE_FUNCTION_FIELDS)
        if unknown:
            raise TypeError(f"vspace_t has no function field(s) {sorted(unknown)}; "
                            f"known: {', '.join(VSPACE_FUNCTION_FIELDS)}")
        self.vspace = ffi.new("vspace_t *")
        self._callbacks: dict[str, Any] = {}
        self._pending: BaseException | None = None
        field_types = dict(ffi.typeof("vspace_t").fields)
        for name, implementation in implementations.items():
            if not callable(implementation):
                raise TypeError(f"{name} must be callable, not {type(implementation).__name__}")
            callback = ffi.callback(field_types[name].type, implementation, onerror=self._on_error)
            self._callbacks[name] = callback
            setattr(self.vspace, name, callback)

    @property
    def ptr(self) -> Any:
        """The ``vspace_t *`` to hand to C."""
        return self.vspace

    def _on_error(self, exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
        if self._pending is None:
            self._pending = exc.with_traceback(tb)

    def raise_pending(self) -> None:
        """Re-raise the first exception a callable raised since the last call, if any."""
        pending, self._pending = self._pending, None
        if pending is not None:
            raise pending
