# SPDX-License-Identifier: BSD-2-Clause
"""The C library as cffi sees it, and the few tools a test needs to drive it directly.

``ffi`` and ``lib`` are the compiled extension: every type, struct, function and ``static inline``
wrapper declared in ``csrc/binding.h``'s headers, under its C name. Nothing here hides the C; the
Pythonic layer (``sel4vspace.Kernel`` and friends) is built on top of it.

Also here:

* :data:`BUILT_FROM` says whether the libraries under test came from ``vendor/`` or from a seL4_libs
  checkout (``SEL4VSPACE_SEL4_LIBS`` at build time).
* :func:`last_c_error` / :func:`clear_c_error` give the last ZF_LOG error line the C code emitted
  in the calling thread, which is how a failed call is reported in the library's own words.
* :func:`flush_log` hands the ZF_LOG lines of direct ``lib`` calls to ``logging`` now. The C side
  queues every line, per thread, while a call runs; the package hands them over when its outermost
  call returns, so no Python (no logging handler) ever runs in the middle of a C call.
* :class:`CallbackVSpace` builds a ``vspace_t`` whose implementation functions are Python callables,
  so a test can stand in for any allocator and see exactly what the ``vspace_*`` wrappers pass on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import _arches
from ..errors import CLogRecord, type_name

SEL4_ARCH: str = _arches.arch_of_package(__name__)
"""The seL4 architecture (``x86_64``, ``aarch64``, ``riscv64``) whose build this package binds."""

_native = _arches.native(SEL4_ARCH)
ffi: Any = _native.ffi
lib: Any = _native.lib

# _guard is one module for every arch (a thread is inside a call of the package whichever arch's
# C it runs): imported by its absolute name, never as a copy of this arch's.
from sel4vspace.lowlevel import _guard  # noqa: E402

from . import _logbridge  # noqa: E402

_guard.add_build(_logbridge)

__all__ = [
    "SEL4_ARCH",
    "ffi",
    "lib",
    "BUILT_FROM",
    "BUILT_UTIL_LIBS",
    "BUILD_FLAVOUR",
    "CLogRecord",
    "last_c_error",
    "clear_c_error",
    "cspace_full_error",
    "failure",
    "flush_log",
    "CallbackVSpace",
    "VSPACE_FUNCTION_FIELDS",
]

BUILT_FROM: str = ffi.string(lib.sel4vspace_build_source()).decode()
"""``"vendor"``, or the path of the seL4_libs checkout the libraries under test were built from."""

BUILT_UTIL_LIBS: str = ffi.string(lib.sel4vspace_build_util_libs()).decode()
"""``"vendor"`` (the project's own libutils), or the path of the util_libs checkout whose libutils
the build used (``SEL4VSPACE_UTIL_LIBS``, or the one beside the seL4_libs tree)."""

BUILD_FLAVOUR: str = ffi.string(lib.sel4vspace_build_flavour()).decode()
"""The build this extension is: its arch, after the kind of build when it is not a plain one
(``"x86_64"``, ``"asan-x86_64"``, ``"cov-aarch64"``, ``"ext-…-riscv64"``, ``"dev-x86_64"``)."""


def last_c_error() -> CLogRecord | None:
    """The last error-or-worse line logged by C since :func:`clear_c_error`, or None."""
    record = lib.sel4vspace_log_last_error()
    if record == ffi.NULL:
        return None
    return _logbridge.to_record(ffi, record, CLogRecord)


def clear_c_error() -> None:
    """Forget the last C error line; call before a C call whose failure you will report."""
    lib.sel4vspace_log_clear_last_error()


# The one place a C result becomes an exception (defined there, after what it uses from here).
from ._failures import cspace_full_error, failure  # noqa: E402


def flush_log() -> None:
    """Hand the calling thread's queued ZF_LOG lines to the ``sel4vspace.c`` logger now, in order.

    The C side queues the lines of a call (at most ``lib.SEL4VSPACE_LOG_QUEUE_MAX``; a warning then
    says how many more were dropped) and every call of the package hands them over once it has
    returned; lines of direct ``lib`` calls wait for the next call of the package in the same
    thread, or for this. Raises :class:`~sel4vspace.ReentrantCallError` when called from inside a
    call of the package."""
    _guard.flush()


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
    kept and re-raised by :meth:`raise_pending` (tests call it after each C call). This is the one
    place where Python runs inside a C call: a callable that calls into the package gets
    :class:`~sel4vspace.ReentrantCallError` (kept like any other exception).

    :attr:`ptr` keeps the callables alive for as long as it is referenced, even when this object is
    gone; C must not keep the pointer longer than Python does.
    """

    def __init__(self, **implementations: Callable[..., Any]) -> None:
        unknown = set(implementations) - set(VSPACE_FUNCTION_FIELDS)
        if unknown:
            raise TypeError(f"vspace_t has no function field(s) {sorted(unknown)}; "
                            f"known: {', '.join(VSPACE_FUNCTION_FIELDS)}")
        owner = ffi.new("vspace_t *")
        callbacks: dict[str, Any] = {}
        self._pending: BaseException | None = None
        field_types = dict(ffi.typeof("vspace_t").fields)
        for name, implementation in implementations.items():
            if not callable(implementation):
                raise TypeError(f"{name} must be callable, not {type_name(implementation)}")
            callback = ffi.callback(field_types[name].type, _guard.inside_c(implementation), onerror=self._on_error)
            callbacks[name] = callback
            setattr(owner, name, callback)
        self._callbacks = callbacks
        # The pointer handed out holds (through its no-op destructor) the struct's memory and the
        # cffi callbacks, which would otherwise go with this object and leave C calling freed code.
        self._ptr = ffi.gc(ffi.cast("vspace_t *", owner), lambda _ptr, _keep=(owner, callbacks): None)

    @property
    def ptr(self) -> Any:
        """The ``vspace_t *`` to hand to C; the callables live as long as it does."""
        return self._ptr

    @property
    def vspace(self) -> Any:
        """The same pointer as :attr:`ptr`."""
        return self._ptr

    def _on_error(self, exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
        if self._pending is None:
            self._pending = exc.with_traceback(tb)

    def raise_pending(self) -> None:
        """Re-raise the first exception a callable raised since the last call, if any."""
        pending, self._pending = self._pending, None
        if pending is not None:
            raise pending
