# SPDX-License-Identifier: BSD-2-Clause
"""No user Python runs inside a C call, and a call into the package from inside one of its calls is
refused.

* Logging handlers: the C log lines of a call are queued in C and handed to ``logging`` once the
  outermost call has returned, so a handler that uses the package (this kernel, another one, closes
  the kernel, tears the vspace down, raises) finds the call finished: completed, or rolled back.
* Code that runs between two C calls of an operation (a signal handler, a trace function; here the
  ``c_calls`` stand-in, at every such point) gets ``ReentrantCallError`` from any call into the
  package, and the operation it interrupted goes on unharmed.
* ``CallbackVSpace``: its pointer keeps its callables alive, and a callable that calls the package
  gets ``ReentrantCallError``.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from typing import Any

import cffi
import pytest

from c_calls import between_c_calls
from ledger import assert_same, host_ledger, kernel_ledger
from sel4vspace import Kernel, ReentrantCallError, VSpaceError
from sel4vspace.lowlevel import _native as native
from sel4vspace.lowlevel import CallbackVSpace, _guard, ffi, flush_log, lib
from sel4vspace.lowlevel import vspace as ll

BASE = 0x1000_0000
PAGE = 4096


class _Handler(logging.Handler):
    """Runs ``action`` on the first record it sees; keeps every record."""

    def __init__(self, action: Callable[[], Any] | None = None) -> None:
        super().__init__(logging.DEBUG)
        self.action = action
        self.records: list[logging.LogRecord] = []
        self.inside_call: list[bool] = []
        self.result: Any = None

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.inside_call.append(_guard.in_operation())
        action, self.action = self.action, None
        if action is not None:
            self.result = action()


@pytest.fixture
def handler():
    logger = logging.getLogger("sel4vspace.c")
    flush_log()
    installed: list[_Handler] = []

    def install(action: Callable[[], Any] | None = None) -> _Handler:
        h = _Handler(action)
        logger.addHandler(h)
        installed.append(h)
        return h

    level = logger.level
    logger.setLevel(logging.DEBUG)
    yield install
    for h in installed:
        logger.removeHandler(h)
    logger.setLevel(level)


@pytest.fixture
def two():
    """K1 (64 KiB of untyped: new_pages(64) runs out part-way) with a vspace, and K2."""
    host_before = host_ledger()
    k1, k2 = Kernel(untyped_bits=16), Kernel(untyped_bits=20)
    k1_fresh = kernel_ledger(k1)
    vs = k1.new_vspace("one")
    vs.new_pages(1, "rw")     # paging structures exist from here on
    k2_caps = k2.alloc_frames(2)
    yield k1, k2, vs, k1_fresh, k2_caps
    for k in (k1, k2):
        k.close()
    del k1, k2, vs
    gc.collect()
    assert_same(host_before, host_ledger(), "after closing both kernels")


def _failing(vs: Any) -> Callable[[], Any]:
    return lambda: vs.new_pages(64, "rw")


def _succeeding_with_a_warning(vs: Any) -> Callable[[], Any]:
    # vspace.h warns of a NULL vaddr and goes on: an implementation that succeeds (through the
    # lowlevel wrapper, a call of the package)
    stand_in = CallbackVSpace(map_pages_at_vaddr=lambda *args: 0)
    return lambda: ll.map_pages_at_vaddr(stand_in.ptr, [1], None, 0, 12, ffi.new("reservation_t *")[0])


CALLS = {"failing new_pages": (_failing, VSpaceError), "succeeding call that warns": (_succeeding_with_a_warning, None)}


@pytest.mark.parametrize("call", list(CALLS))
def test_records_reach_logging_after_the_call_with_the_error_kept_on_the_exception(two, handler, call):
    k1, _, vs, _, _ = two
    make, error = CALLS[call]
    before = kernel_ledger(k1)
    h = handler(lambda: kernel_ledger(k1))
    if error is None:
        make(vs)()
    else:
        with pytest.raises(error) as info:
            make(vs)()
        # the last error line is the exception's, in the library's words
        assert info.value.c_error is not None
        assert info.value.c_error.message == [r for r in h.records if r.levelno >= logging.ERROR][-1].getMessage()
    assert h.records and not any(h.inside_call)
    assert_same(before, h.result, "what the handler saw: the call was over (rolled back or done)")
    assert_same(before, kernel_ledger(k1), "after the call")


def _actions(k1: Kernel, k2: Kernel, vs: Any) -> dict[str, Callable[[], Any]]:
    def same_kernel() -> Any:
        cap = k1.alloc_frame()
        k1.delete_cap(cap)
        return k1.untyped_free_bytes

    def other_kernel() -> Any:
        caps = k2.alloc_frames(3)
        for cap in caps:
            k2.delete_cap(cap)
        return k2.untyped_free_bytes

    def raise_error() -> None:
        raise RuntimeError("from a logging handler")

    def interrupt() -> None:
        raise KeyboardInterrupt

    return {"same kernel": same_kernel, "other kernel": other_kernel, "close": k1.close, "tear down": vs.tear_down,
            "raise": raise_error, "KeyboardInterrupt": interrupt}


ACTIONS = ["same kernel", "other kernel", "close", "tear down", "raise", "KeyboardInterrupt"]


@pytest.mark.parametrize("call", list(CALLS))
@pytest.mark.parametrize("action", ACTIONS)
def test_a_handler_using_the_package_finds_the_call_finished(two, handler, call, action):
    k1, k2, vs, k1_fresh, _ = two
    make, error = CALLS[call]
    run = make(vs)
    k1_before, k2_before = kernel_ledger(k1), kernel_ledger(k2)
    h = handler(_actions(k1, k2, vs)[action])
    raised: BaseException | None = None
    try:
        run()
    except BaseException as exc:  # noqa: BLE001 - the outcome is checked below
        raised = exc
    # the outcome: the handler's exception if it raised one (the call's own error as its context),
    # else the call's own
    if action == "raise":
        assert type(raised) is RuntimeError
        assert type(raised.__context__) is (error or type(None))
    elif action == "KeyboardInterrupt":
        assert type(raised) is KeyboardInterrupt
        assert type(raised.__context__) is (error or type(None))
    else:
        assert type(raised) is (error or type(None))
    assert not any(h.inside_call)
    # every record was delivered, the handler's action notwithstanding
    assert len(h.records) >= 1
    assert_same(k2_before, kernel_ledger(k2), "the other kernel")
    if action == "close":
        assert k1.closed
        return
    if action == "tear down":
        assert vs.torn_down
        assert_same(k1_fresh, kernel_ledger(k1), "after the tear down")
        return
    assert_same(k1_before, kernel_ledger(k1), "the kernel of the call")
    if action == "same kernel":
        assert h.result == k1_before.untyped_free
    if action == "other kernel":
        assert h.result == k2_before.untyped_free


def test_the_calls_of_a_handler_log_in_turn(two, handler):
    k1, _, vs, _, _ = two
    seen: list[str] = []

    def nested() -> None:
        seen.append("handler")
        with pytest.raises(VSpaceError):
            vs.new_pages(64, "rw")    # fails again: its lines come after the first call's
        seen.append("nested call done")

    h = handler(nested)
    with pytest.raises(VSpaceError):
        vs.new_pages(64, "rw")
    messages = [r.getMessage() for r in h.records]
    assert seen == ["handler", "nested call done"]
    # the handler ran on the first call's first line and its own call's lines came then, in order;
    # the first call's other lines followed, in order
    lines = len(messages) // 2
    assert lines >= 2 and messages[1:lines + 1] == messages[:1] + messages[lines + 1:]


def test_every_record_is_delivered_when_a_handler_raises(handler, c_log):
    writer_ffi = cffi.FFI()
    writer_ffi.cdef("void _zf_log_write_d(const char *, const char *, unsigned, int, const char *, "
                    "const char *, ...);")
    bridge = writer_ffi.dlopen(native.__file__)
    for i in range(5):
        bridge._zf_log_write_d(b"f", b"f.c", i + 1, lib.SEL4VSPACE_LOG_WARN, writer_ffi.NULL, b"line %d",
                               writer_ffi.cast("int", i))

    def interrupt() -> None:
        raise KeyboardInterrupt

    h = handler(interrupt)
    with pytest.raises(KeyboardInterrupt):
        flush_log()
    assert [r.getMessage() for r in h.records] == [f"line {i}" for i in range(5)]
    assert [r.lineno for r in h.records] == [1, 2, 3, 4, 5]


def test_the_queue_is_bounded_and_says_how_many_lines_it_dropped(c_log):
    writer_ffi = cffi.FFI()
    writer_ffi.cdef("void _zf_log_write_d(const char *, const char *, unsigned, int, const char *, "
                    "const char *, ...);")
    bridge = writer_ffi.dlopen(native.__file__)
    total = int(lib.SEL4VSPACE_LOG_QUEUE_MAX) + 36
    for i in range(total):
        bridge._zf_log_write_d(b"f", b"f.c", i, lib.SEL4VSPACE_LOG_ERROR, writer_ffi.NULL, b"line %d",
                               writer_ffi.cast("int", i))
    assert lib.sel4vspace_log_queued() == lib.SEL4VSPACE_LOG_QUEUE_MAX
    lines = c_log.lines
    assert lines[:-1] == [("ERROR", f"line {i}") for i in range(int(lib.SEL4VSPACE_LOG_QUEUE_MAX))]
    assert lines[-1] == ("WARNING", f"36 more C log record(s) were dropped: the queue holds "
                                    f"{int(lib.SEL4VSPACE_LOG_QUEUE_MAX)} between two deliveries")
    assert lib.sel4vspace_log_queued() == 0
    # the last error is kept apart from the queue: the last line written
    from sel4vspace.lowlevel import last_c_error
    assert last_c_error().message == f"line {total - 1}"


# ---- code running between two C calls of an operation (as a signal handler would) ----

def _all_calls(k1: Kernel, k2: Kernel, vs: Any) -> dict[str, Callable[[], Any]]:
    return {
        "other kernel's property": lambda: k2.untyped_free_bytes,
        "other kernel's alloc_frames": lambda: k2.alloc_frames(1),
        "this kernel's close": k1.close,
        "this vspace's tear down": vs.tear_down,
        "this vspace's lookup": lambda: vs.lookup(BASE),
        "a lowlevel wrapper": lambda: ll.get_root(vs._c),
        "the ledger": lambda: kernel_ledger(k2),
        "flush_log": flush_log,
        "a new Kernel": lambda: Kernel(untyped_bits=12),
    }


def test_calls_from_between_two_c_calls_are_refused_and_the_operation_goes_on():
    k1, k2 = Kernel(untyped_bits=22), Kernel(untyped_bits=20)
    vs = k1.new_vspace("one")
    res = vs.reserve_range_at(BASE, 4 * PAGE, "rw")
    copies_of = k1.alloc_frames(1)
    vs.map_pages_at_vaddr(copies_of, BASE, res)
    copy = k1.copy_cap(copies_of[0])
    other = k1.new_vspace("other")
    other_res = other.reserve_range_at(BASE, PAGE, "rw")
    other.map_pages_at_vaddr([copy], BASE, other_res)
    k2_before = kernel_ledger(k2)
    calls = _all_calls(k1, k2, vs)
    refused: list[str] = []

    def like_a_signal_handler(c_function: str) -> None:
        for name, attempt in calls.items():
            try:
                attempt()
            except ReentrantCallError as exc:
                assert "was called while another sel4vspace call was in progress" in str(exc)
                refused.append(name)
            else:
                raise AssertionError(f"{name} ran in the middle of an operation")

    reprs: list[str] = []

    def like_a_debugger(c_function: str) -> None:
        # repr never raises (a debugger calls it anywhere): inside a call it reads no C
        reprs.extend(repr(r) for r in (res, other_res))

    with between_c_calls(like_a_signal_handler):
        k1.delete_cap(copies_of[0])   # an original with a mapped copy: several C calls
    with between_c_calls(like_a_debugger):
        vs.lookup(BASE)
    assert reprs and set(reprs) == {"<Reservation>"}
    assert repr(res).startswith("<Reservation 0x10000000-0x10004000 rw")
    assert refused and len(refused) % len(calls) == 0
    assert not k1.closed and not vs.torn_down
    assert vs.lookup(BASE) is None and other.lookup(BASE) is None
    assert k1.frame_caps() == []
    assert_same(k2_before, kernel_ledger(k2), "the other kernel: nothing ran")
    k1.close()
    k2.close()


# ---- CallbackVSpace ----

def test_the_callback_pointer_keeps_its_callables_alive():
    seen: list[int] = []
    ptr = CallbackVSpace(get_root=lambda vspace: seen.append(1) or 77).ptr
    decoy = CallbackVSpace(get_root=lambda vspace: seen.append(2) or 99)
    gc.collect()
    assert lib.vspace_get_root(ptr) == 77
    del decoy
    gc.collect()
    others = [CallbackVSpace(get_root=lambda vspace: 5) for _ in range(50)]  # reuse freed memory
    assert lib.vspace_get_root(ptr) == 77
    assert seen == [1, 1]
    del others


def test_a_callback_calling_the_package_gets_reentrant_call_error():
    kernel = Kernel(untyped_bits=20)
    got: list[int] = []

    def get_root(vspace: Any) -> int:
        got.append(kernel.untyped_free_bytes)   # refused: C is running this
        return 1

    vs = CallbackVSpace(get_root=get_root)
    assert lib.vspace_get_root(vs.ptr) == 0      # cffi's default result when the callable raised
    with pytest.raises(ReentrantCallError):
        vs.raise_pending()
    assert got == []
    # through the lowlevel wrapper (itself a call of the package) as well
    assert ll.get_root(vs.ptr) == 0
    with pytest.raises(ReentrantCallError):
        vs.raise_pending()
    assert kernel.untyped_free_bytes == 1 << 20
    kernel.close()


# ---- every public entry point is an operation ----

PURE_PYTHON = {
    # read Python state only (no C, no kernel lock needed); VSpace.torn_down and Reservation.freed are
    # operations: they read records an interrupted operation may have left for the next one to finish
    "Kernel.closed",
    # the arch's facts, read once when its lowlevel package was loaded
    "Kernel.arch", "Kernel.frame_size_bits", "Kernel.user_top",
    # what the object was made with, read-only
    "Kernel.untyped_bits", "Kernel.cnode_bits", "VSpace.kernel", "VSpace.name",
    # the context managers call operations (close, tear_down, free)
    "Kernel.__enter__", "Kernel.__exit__", "VSpace.__enter__", "VSpace.__exit__",
    "Reservation.__enter__", "Reservation.__exit__",
}


def _is_operation(function: Any) -> bool:
    return getattr(function, "__code__", None) is not None and function.__code__.co_filename.startswith(
        "<sel4vspace operation")


@pytest.mark.parametrize("cls_name", ["Kernel", "VSpace", "Reservation"])
def test_every_public_method_and_property_is_an_operation(cls_name):
    import sel4vspace

    cls = getattr(sel4vspace, cls_name)
    checked = 0
    hot: list[str] = []
    for name, member in vars(cls).items():
        if name.startswith("_") and name not in ("__enter__", "__exit__"):
            continue
        qualified = f"{cls_name}.{name}"
        function = member.fget if isinstance(member, property) else member
        if not callable(function) or isinstance(member, (staticmethod, classmethod)):
            continue
        if qualified in PURE_PYTHON:
            assert not _is_operation(function), qualified
            continue
        if getattr(function, _guard.GUARDED_IN_C, False):
            hot.append(qualified)   # its hot C call takes the guard: see the test below
        else:
            assert _is_operation(function), f"{qualified} is public and takes no kernel lock"
        checked += 1
    assert checked >= 5
    if cls_name == "VSpace":
        assert sorted(hot) == sorted(HOT_CALLS), hot


# The methods whose guard their hot C call takes, and a call of each with the arguments it takes.
HOT_CALLS = {
    "VSpace.reserve_range_at": lambda vs, res, caps: vs.reserve_range_at(BASE + 8 * PAGE, PAGE, "rw"),
    "VSpace.reserve_deferred_rights_range_at":
        lambda vs, res, caps: vs.reserve_deferred_rights_range_at(BASE + 8 * PAGE, PAGE),
    "VSpace.map_pages_at_vaddr": lambda vs, res, caps: vs.map_pages_at_vaddr(caps, BASE, res),
    "VSpace.deferred_rights_map_pages_at_vaddr":
        lambda vs, res, caps: vs.deferred_rights_map_pages_at_vaddr(caps, BASE, "rw", res),
    "VSpace.unmap_pages": lambda vs, res, caps: vs.unmap_pages(BASE, 1),
    "VSpace.free_reservation": lambda vs, res, caps: vs.free_reservation(res),
}


@pytest.mark.parametrize("qualified", sorted(HOT_CALLS))
@pytest.mark.parametrize("inside", ["an operation on the same kernel", "an operation on another kernel",
                                    "a function C runs"])
def test_a_hot_call_from_inside_another_call_is_refused_and_changes_nothing(qualified, inside):
    """The hot calls refuse a nested call in C (the thread's busy flag, shared by every arch's build)
    as the operations do in Python, whichever kernel the outer call holds."""
    kernel, other = Kernel(untyped_bits=22), Kernel(untyped_bits=20)
    vs = kernel.new_vspace()
    res = vs.reserve_deferred_rights_range_at(BASE, 4 * PAGE) if "deferred" in qualified else \
        vs.reserve_range_at(BASE, 4 * PAGE, "rw")
    caps = kernel.alloc_frames(1)
    if qualified == "VSpace.unmap_pages":
        vs.map_pages_at_vaddr(caps, BASE, res)
        caps = []
    before = (vs.mappings(), [(r.start, r.end) for r in vs.reservations()], kernel_ledger(kernel))
    attempt = HOT_CALLS[qualified]
    outcome: list[BaseException] = []

    def nested() -> None:
        try:
            attempt(vs, res, caps)
        except ReentrantCallError as exc:
            outcome.append(exc)

    if inside == "a function C runs":
        _guard.inside_c(nested)()
    else:
        holder = kernel if inside == "an operation on the same kernel" else other
        _guard.run("a test's operation", holder._lock, nested)
    assert len(outcome) == 1 and qualified in str(outcome[0]), outcome
    assert (vs.mappings(), [(r.start, r.end) for r in vs.reservations()], kernel_ledger(kernel)) == before
    attempt(vs, res, caps)   # and outside any call, it runs
    kernel.close()
    other.close()


def test_every_lowlevel_wrapper_that_calls_c_is_an_operation():
    helpers = ("caps_argument", "caps_array", "cookies_array")   # argument checks, no C call
    names = [n for n in ll.__all__ if not n.startswith("VSPACE_") and n not in helpers]
    assert names and all(_is_operation(getattr(ll, n)) for n in names), [
        n for n in names if not _is_operation(getattr(ll, n))]


def test_a_reservation_made_as_a_hot_free_returns_keeps_its_record():
    """After a hot call's C call the thread is not busy (the guard went back with it): a signal
    handler or finalizer may reserve the very start just freed before the free has unfiled its
    reservation, and both records come out right."""
    kernel = Kernel(untyped_bits=22)
    vs = kernel.new_vspace()
    old = vs.reserve_range_at(BASE, PAGE, "rw")
    made: list[Any] = []

    def reserve_again(c_function: str) -> None:
        if c_function == "sel4vspace_hot_free_reservation" and not made:
            made.append(vs.reserve_range_at(BASE, PAGE, "r"))

    with between_c_calls(reserve_again):
        vs.free_reservation(old)
    assert len(made) == 1 and old.freed and not made[0].freed
    assert vs.reservations() == [made[0]]
    vs.free_reservation_by_vaddr(BASE)   # found by its start: filed
    assert made[0].freed and vs.reservations() == []
    kernel.close()
