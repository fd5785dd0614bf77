# SPDX-License-Identifier: BSD-2-Clause
"""Calls into the package, one at a time per thread, and what happens when the outermost one ends.

Every public call of the package (the methods and properties of ``Kernel``, ``VSpace`` and
``Reservation``, the ``sel4vspace.lowlevel.vspace`` wrappers, ``sel4vspace.ledger``) runs as an
*operation*:

* In the calling thread no other operation may be in progress: a call made from inside one (from a
  signal handler, a trace or profile function, a ``CallbackVSpace`` function C is running) raises
  :class:`~sel4vspace.ReentrantCallError` instead of running half-way through it.
* An operation on a kernel, or on its vspaces, reservations and caps, holds that kernel's guard:
  threads sharing a kernel take turns, threads with kernels of their own run side by side (the C
  state a call uses, the selected kernel and the last error and log records, is per thread).
* When the outermost operation of a thread ends, the C log records it (and any direct ``lib``
  call before it) queued are handed to ``logging``, in order; then the finalizers the garbage
  collector ran during it do their work (:func:`finalizer`), each as an operation of its own.

So no user code (a logging handler, a finalizer) ever runs while the C is in the middle of a call,
or while the Python layer is between two C calls of one operation.

Both the busy flag and the guard are C's (``csrc/binding``'s ``guard.h``): a thread-local flag,
shared by every arch's build (:func:`add_build`), and a mutex per kernel. That is what lets the hot
operations (``VSpace``'s reserve, map, unmap and free of small ranges) take them inside their one
C call, where Python's own would cost more than the call; every other operation takes them here,
around its Python. A thread waiting for a kernel another thread holds waits in slices
(``SEL4VSPACE_GUARD_SLICE_MS``), so it still runs its signal handlers (Ctrl-C) between them.

The wrappers are made for each function with its own signature (a ``*args, **kwargs`` forwarder
costs more than all the rest of the bookkeeping). Python raises an asynchronous exception (a
KeyboardInterrupt from a signal handler) as a call returns: the refusal of a nested call comes
before the ``try`` and changes nothing, and everything the ``try`` takes, its ``finally`` gives
back (the guard only if this thread holds it: C knows), so no thread stays busy and no guard
stays held.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any, Concatenate, ParamSpec, TypeVar

from ..errors import ReentrantCallError

__all__ = ["operation", "call", "run", "finalizer", "inside_c", "flush", "in_operation", "new_lock", "address",
           "holding", "add_build", "settle", "after_call"]

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")

_get_ident = threading.get_ident

# This module is one for every arch: a thread is inside a call of the package whichever arch's C
# it runs. Each arch's lowlevel package adds its build (add_build) when it is loaded; the guard's
# functions are those of the first build added (the others use its busy flag).
_sources: list[ModuleType] = []
"""The ``_logbridge`` module of every loaded arch."""
_anywhere: memoryview = memoryview(bytearray(8)).cast("Q")
"""The records queued by all threads of all arches together: one memory read tells whether this
thread may have any. The C counter of the first arch loaded, through a memoryview (cheaper than
indexing a cdata pointer, on every call); the other arches count into it."""

_is_busy: Callable[[], int]
"""Whether the calling thread is inside a call of the package (``sel4vspace_guard_busy``)."""
_set_busy: Callable[[int], int]
_enter: Callable[[Any], int]
_leave: Callable[[Any], None]
_hold: Callable[[Any], int]
_release: Callable[[Any], None]
_first: ModuleType | None = None
"""The ``_logbridge`` of the first build added: its ``ffi`` makes every kernel's guard."""


def add_build(bridge: ModuleType) -> None:
    """Take in one more arch's build (its ``lowlevel._logbridge``, with its ``ffi`` and ``lib``):
    its log records are delivered when operations end, and it counts them, and marks threads busy,
    where the first build does."""
    global _anywhere, _first, _is_busy, _set_busy, _enter, _leave, _hold, _release
    if _first is None:
        view = memoryview(bridge.ffi.buffer(bridge.ffi.cast("const size_t *", bridge.count_address()),
                                            bridge.ffi.sizeof("size_t")))
        # Rebound before any operation exists: the operations made later capture these.
        _anywhere = view.cast("Q" if bridge.ffi.sizeof("size_t") == 8 else "I")
        lib = bridge.lib
        _is_busy, _set_busy = lib.sel4vspace_guard_busy, lib.sel4vspace_guard_set_busy
        _enter, _leave = lib.sel4vspace_guard_enter, lib.sel4vspace_guard_leave
        _hold, _release = lib.sel4vspace_guard_hold, lib.sel4vspace_guard_release
        _first = bridge
    else:
        bridge.count_into(_first.count_address())
        bridge.lib.sel4vspace_guard_share(_first.lib.sel4vspace_guard_busy_flag_function())
    _sources.append(bridge)


_deferred: defaultdict[int, list[tuple[Callable[..., None], tuple[Any, ...]]]] = defaultdict(list)
"""Per thread, finalizer work that arrived during an operation, for when it ends."""
_finalizing: set[int] = set()
"""Threads (by ident) running their deferred finalizers: the end of a finalizer's own operation
leaves the rest of the list to the loop that runs it."""


def in_operation() -> bool:
    """True while the calling thread is inside a call into the package."""
    return bool(_is_busy())


def _refuse(what: str) -> ReentrantCallError:
    return ReentrantCallError(
        f"{what} was called while another sel4vspace call was in progress in this thread (from a signal "
        "handler, a trace function or a CallbackVSpace function); call it once that call has returned")


def _after() -> None:
    """The outermost operation of this thread has ended: hand over the C log records, then run the
    finalizers that waited. Every record is delivered even when a handler raises; the first
    exception (a handler's, or a finalizer's) is raised after."""
    error: BaseException | None = None
    for bridge in _sources:
        while bridge.queued():
            records, dropped = bridge.take()
            if dropped:
                records.append(bridge.dropped_record(dropped))
            for record in records:
                try:
                    bridge.deliver(record)
                except BaseException as exc:  # noqa: BLE001 - re-raised below, once every record is out
                    error = error or exc
    ident = _get_ident()
    deferred = _deferred.get(ident)
    if deferred and ident not in _finalizing:   # not from the end of a finalizer's own operation
        try:
            _finalizing.add(ident)
            while deferred:
                # taken off the list only once done: an exception (a signal handler's
                # KeyboardInterrupt) may come at any call, and what it stops runs again (finalizer
                # work is idempotent) when the next operation of this thread ends
                function, args = deferred[0]
                try:
                    _finalize(function, args)
                except Exception as exc:  # noqa: BLE001 - re-raised below, the rest still run
                    error = error or exc
                del deferred[0]
            _deferred.pop(ident, None)
        finally:
            _finalizing.discard(ident)
    if error is not None:
        raise error


def settle(pending: list[tuple[Callable[..., Any], tuple[Any, ...]]]) -> Any:
    """Do the record work in ``pending`` (a kernel's list: ``(function, args)`` pairs), first to last,
    removing each once done; the last one's result.

    An operation whose C call succeeded appends the Python records that follow it there, in one
    list append (no Python runs between the C call's return and it), and settles. An exception
    raised in the middle of that work (a signal handler's KeyboardInterrupt, which Python raises
    at any call) leaves the unfinished entries in place, and the next operation on the kernel
    settles them before anything else, under the kernel's lock: so every record function must give
    the same records when run again."""
    result = None
    while pending:
        function, args = pending[0]
        result = function(*args)
        del pending[0]
    return result


def new_lock() -> Any:
    """A kernel's guard (a ``sel4vspace_guard_t *``, freed with the last reference to it).
    MemoryError when the host has no memory for one."""
    assert _first is not None, "an arch's lowlevel package adds its build before any kernel is made"
    lock = _first.lib.sel4vspace_guard_new()
    if lock == _first.ffi.NULL:
        raise MemoryError("no host memory for a kernel's guard")
    lock = _first.ffi.gc(lock, _first.lib.sel4vspace_guard_free)
    _locks.add(lock)
    return lock


def address(lock: Any) -> int:
    """The address of a kernel's guard, for the C of its arch (which takes it as its own type)."""
    assert _first is not None
    return int(_first.ffi.cast("uintptr_t", lock))


@contextlib.contextmanager
def holding(lock: Any) -> Iterator[None]:
    """Hold ``lock`` (a kernel's guard) for the block, waiting for it, without marking the thread
    busy: for a world whose kernel is gone, closed from inside another operation."""
    taken = _hold(lock)
    try:
        yield
    finally:
        if taken:
            _release(lock)


_locks: weakref.WeakSet[Any] = weakref.WeakSet()
"""Every kernel's guard, for ``os.fork``."""
_held_for_fork: list[Any] = []


def _before_fork() -> None:
    """Take every kernel's guard, so that the child has no guard held by a thread it does not have
    and no call half done: the calls in progress end first. No operation holds two kernels' guards,
    so taking them one after another cannot wait for each other (a fork from inside an operation
    finds its own kernel's held by itself, and leaves it)."""
    for lock in list(_locks):
        if _hold(lock):
            _held_for_fork.append(lock)


def _after_fork() -> None:
    while _held_for_fork:
        _release(_held_for_fork.pop())


# only the forking thread lives on in the child, with its own busy flag (a thread-local of C's)
os.register_at_fork(before=_before_fork, after_in_parent=_after_fork, after_in_child=_after_fork)


# The body of every operation, with and without a lock.
_TEMPLATE = """\
def {name}({parameters}):
    if _is_busy():
        raise _refuse(_what)
    try:
        _set_busy(1)
        return _function({arguments})
    finally:
        _set_busy(0)
        if _anywhere[0] or _deferred:
            _after()
"""
_LOCKED_TEMPLATE = """\
def {name}({parameters}):
    if _is_busy():
        raise _refuse(_what)
    lock = {owner}._lock
    try:
        while _enter(lock):
            pass
        if {owner}._pending:
            _settle({owner}._pending)
        return _function({arguments})
    finally:
        _leave(lock)
        if _anywhere[0] or _deferred:
            _after()
"""


def _wrap(function: Callable[..., Any], what: str, locked: bool) -> Callable[..., Any]:
    """A function with ``function``'s signature that runs it as an operation (``locked``: under the
    lock ``_lock`` of its first argument)."""
    parameters, arguments, defaults = [], [], {}
    keyword_only_started = False
    for i, parameter in enumerate(inspect.signature(function).parameters.values()):
        text = parameter.name
        if parameter.default is not inspect.Parameter.empty:
            defaults[f"_default{i}"] = parameter.default
            text += f"=_default{i}"
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            text, keyword_only_started = "*" + parameter.name, True
            arguments.append(text)
        elif parameter.kind is inspect.Parameter.VAR_KEYWORD:
            text = "**" + parameter.name
            arguments.append(text)
        elif parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            if not keyword_only_started:
                parameters.append("*")
                keyword_only_started = True
            arguments.append(f"{parameter.name}={parameter.name}")
        else:
            arguments.append(parameter.name)
        parameters.append(text)
    assert _first is not None, "an arch's lowlevel package adds its build before any operation is made"
    template = _LOCKED_TEMPLATE if locked else _TEMPLATE
    source = template.format(name=function.__name__, parameters=", ".join(parameters), owner=arguments[0],
                             arguments=", ".join(arguments))
    namespace: dict[str, Any] = {
        "_is_busy": _is_busy, "_set_busy": _set_busy, "_enter": _enter, "_leave": _leave, "_refuse": _refuse,
        "_what": what, "_function": function, "_anywhere": _anywhere, "_deferred": _deferred, "_after": _after,
        "_settle": settle, **defaults,
    }
    exec(compile(source, f"<sel4vspace operation {what}>", "exec"), namespace)
    return functools.wraps(function)(namespace[function.__name__])


def operation(method: Callable[Concatenate[S, P], R], what: str | None = None) -> Callable[Concatenate[S, P], R]:
    """Make a method of ``Kernel``, ``VSpace`` or ``Reservation`` a public operation (see the
    module's docstring), named ``what`` (default: its qualified name) when a call is refused.
    Operations call each other's undecorated code, never the decorated one."""
    return _wrap(method, what or method.__qualname__, True)


GUARDED_IN_C = "__sel4vspace_guarded_in_c__"
"""The attribute that marks a method :func:`guarded_in_c`."""


def guarded_in_c(method: Callable[P, R]) -> Callable[P, R]:
    """Mark a public method whose operation guard its hot C call takes (``VSpace``'s small reserve,
    map, unmap and free): the method itself, marked. Such a method calls the hot call when its
    arguments have the exact types the call takes, and an :func:`operation` (the checked way, which
    refuses a nested call, waits for a busy kernel and names a bad argument) whenever the hot call
    did nothing; its end hands over log records and waiting finalizers (:func:`after_call`)."""
    setattr(method, GUARDED_IN_C, True)
    return method


def call(function: Callable[P, R]) -> Callable[P, R]:
    """Make a module-level function (a ``lowlevel.vspace`` wrapper) a public operation."""
    return _wrap(function, f"sel4vspace.lowlevel.vspace.{function.__name__}", False)


def run(what: str, lock: Any, function: Callable[..., R], *args: Any) -> R:
    """``function(*args)`` as one operation named ``what``, under ``lock`` (a kernel's guard, or None):
    for package code that is not a method (:func:`sel4vspace.ledger.kernel_ledger`, finalizers)."""
    if _is_busy():
        raise _refuse(what)
    guard = _first.ffi.NULL if lock is None else lock   # type: ignore[union-attr]
    try:
        while _enter(guard):
            pass
        return function(*args)
    finally:
        _leave(guard)
        if _anywhere[0] or _deferred:
            _after()


def finalizer(lock: Any, function: Callable[..., None], *args: Any) -> None:
    """What ``weakref.finalize`` calls: ``function(*args)`` as an operation under ``lock``, now when
    the thread is between calls into the package, else when its operation ends. The garbage
    collector runs finalizers wherever an allocation triggers it, possibly between two C calls of
    an operation, in whichever thread allocated."""
    ident = _get_ident()
    if _is_busy():
        _deferred[ident].append((function, (lock, *args)))   # nothing can come between the two calls
        return
    try:
        _finalize(function, (lock, *args))
    except BaseException:
        # interrupted (a KeyboardInterrupt as one of its C calls returned): the work is idempotent,
        # the end of this thread's next operation does what is left
        _deferred[ident].append((function, (lock, *args)))
        raise


def _finalize(function: Callable[..., None], args: tuple[Any, ...]) -> None:
    run("a finalizer", args[0], function, *args[1:])


def inside_c(function: Callable[P, R]) -> Callable[P, R]:
    """Wrap a Python function that C calls (a ``CallbackVSpace`` implementation): while it runs, the
    thread counts as inside a call, so a call into the package from it raises
    :class:`~sel4vspace.ReentrantCallError`."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        was = _set_busy(1)
        try:
            return function(*args, **kwargs)
        finally:
            _set_busy(was)

    return run


def flush() -> None:
    """Hand the calling thread's queued C log records to ``logging`` now (what the end of every
    package call does; for records of direct ``lib`` calls)."""
    if _is_busy():
        raise _refuse("sel4vspace.lowlevel.flush_log")
    _after()


def after_call() -> None:
    """The end of an operation whose guard its C call took and gave back (the hot calls of
    ``VSpace``, which test :func:`anything_after` first: one call less when, as nearly always,
    there is nothing): the log records queued, and the finalizers that waited."""
    if _anywhere[0] or _deferred:
        _after()


def anything_after() -> tuple[memoryview, dict[int, Any]]:
    """What the end of an operation looks at: the count of log records queued by every thread (a
    one-item view; see :func:`add_build`) and the finalizer work waiting, by thread. Either
    nonzero, :func:`after_call` has work. For code that tests them before calling it; valid once
    the first arch's build was added."""
    assert _first is not None
    return _anywhere, _deferred
