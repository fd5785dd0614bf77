# SPDX-License-Identifier: BSD-2-Clause
"""All or nothing against an exception that arrives between C calls.

A KeyboardInterrupt (Ctrl-C pressed while C runs), a MemoryError or any exception can be raised as
one of an operation's C calls returns, before the next line of Python runs, losing the call's
return value. Each public operation that changes anything is run here with an exception injected
after its 1st C call, then its 2nd, and so on until a run sees none (tests/c_calls.py; no timing).
After each injection:

* the state (every vspace's mappings with what its allocator records, reservations, the caller's
  caps with what the kernel says of each, the kernel's ledger) is the state before the operation
  (rolled back: the operation, called again, then leaves the state an uninterrupted run leaves) or
  that state (completed);
* the Python layer's own records are still true (its counts of the pages that are not the
  caller's, its set of frames with copies elsewhere);
* everything can still be released, to the fresh kernel's ledger, and the host's ledger is back
  once the kernel is closed (nothing lost).

Every test runs on each arch the run tests (the plugin's ``sel4_arch``): an operation makes other C
calls on each, and so has other points to be interrupted at.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from c_calls import Countdown, Injected, at_any_python_call, between_c_calls
from ledger import assert_same, host_ledger, kernel_ledger
from model_stats import STATS
from sel4vspace import Kernel, KernelError, VSpaceError

PAGE = 4096
LARGE = 1 << 21
BASE = 0x1000_0000
DEFERRED = 0x2000_0000
EMPTY = 0x3000_0000
SPARE = 0x5000_0000


def world(arch: str | None) -> SimpleNamespace:
    """Two vspaces: a maps three of the caller's frames and two of its own, which b maps as copies
    it made (share_mem); b maps a read-only copy of one of the caller's frames in a deferred range;
    one frame of the caller's is unmapped; a has an empty reservation."""
    kernel = Kernel(untyped_bits=22, cnode_bits=12, arch=arch)
    w = SimpleNamespace(kernel=kernel, fresh=kernel_ledger(kernel), spaces={})
    a, b = w.spaces["a"], w.spaces["b"] = kernel.new_vspace("a"), kernel.new_vspace("b")
    w.ra = a.reserve_range_at(BASE, 8 * PAGE, "rw")
    w.callers = kernel.alloc_frames(4)
    a.map_pages_at_vaddr(w.callers[:3], BASE, w.ra)
    a.write(BASE, b"the caller's")
    w.own = a.new_pages(2, "rw")
    a.write(w.own, b"a's own")
    w.rb = b.reserve_range_at(BASE, 8 * PAGE, "rw")
    a.share_mem_at_vaddr(b, w.own, 2, BASE, w.rb)
    w.db = b.reserve_deferred_rights_range_at(DEFERRED, 4 * PAGE)
    w.copy = kernel.copy_cap(w.callers[0], "r")
    b.deferred_rights_map_pages_at_vaddr([w.copy], DEFERRED, "r", w.db)
    w.empty = a.reserve_range_at(EMPTY, 2 * PAGE, "r")
    return w


def exhaust(w: SimpleNamespace, keep: int) -> None:
    """Take untyped memory (as frames of the caller's) until exactly ``keep`` bytes are left."""
    for size_bits in (21, 12):
        while w.kernel.untyped_free_bytes >= keep + (1 << size_bits):
            w.kernel.alloc_frames(1, size_bits)
    assert w.kernel.untyped_free_bytes == keep


def tight(w: SimpleNamespace) -> None:
    exhaust(w, 3 * PAGE)


def two_page_tables_short_of_one(w: SimpleNamespace) -> None:
    """A map of two pages either side of a 2 MiB boundary needs a page table for each: memory for
    one only (the 1 GiB region's directory exists)."""
    a = w.spaces["a"]
    w.big = a.reserve_range_at(SPARE, 3 * LARGE, "rw")
    a.map_pages_at_vaddr([w.callers[3]], SPARE + 2 * LARGE, w.big)
    a.unmap_pages(SPARE + 2 * LARGE, 1)
    w.spare_copy = w.kernel.copy_cap(w.callers[3])
    exhaust(w, PAGE)


def snapshot(w: SimpleNamespace) -> Any:
    """Everything an operation may change, in values two separately built worlds can share."""
    kernel = w.kernel
    if kernel.closed:
        return "closed"
    spaces = {}
    for name, vs in sorted(w.spaces.items()):
        if vs.torn_down:
            spaces[name] = "torn down"
            continue
        mappings = vs.mappings()
        spaces[name] = (mappings, [(vs.get_cap(m.vaddr), vs.get_cookie(m.vaddr)) for m in mappings],
                        [(r.start, r.end, r.rights, r.rights_deferred, r.cacheable) for r in vs.reservations()])
    caps = [(cap, kernel.cap_info(cap)) for cap in kernel.frame_caps()]
    return spaces, caps, kernel._world.vspace_count, kernel_ledger(kernel)


def check_records(w: SimpleNamespace) -> None:
    """The records agree with the kernel: every vspace counts (in its C) at least as many pages
    that are not the caller's as it maps, and every frame a vspace copied is in the kernel's set."""
    kernel = w.kernel
    if kernel.closed:
        return
    frames = set(kernel._world.frame_caps())
    for vs in w.spaces.values():
        if vs.torn_down:
            continue
        mappings = vs.mappings()
        foreign = [m for m in mappings if m.cap not in frames]
        counted = kernel._world.foreign(vs._key)
        assert counted >= len(foreign), (vs.name, counted, len(foreign))
        for m in foreign:
            if vs.get_cookie(m.vaddr) == 0:   # a copy the allocator made
                assert kernel._world.may_be_shared(m.paddr), (vs.name, hex(m.vaddr))


def release(w: SimpleNamespace) -> None:
    """Tear down every vspace, delete every cap: the kernel's ledger must be the fresh kernel's."""
    kernel = w.kernel
    if kernel.closed:
        return
    for vs in w.spaces.values():
        if not vs.torn_down:
            vs.tear_down()
    gc.collect()   # vspaces an interrupted call made but never handed over
    for cap in kernel.frame_caps():
        if cap in kernel.frame_caps():   # copies go with their originals
            kernel.delete_cap(cap)
    assert kernel.frame_caps() == []
    assert_same(w.fresh, kernel_ledger(kernel), "after releasing everything")


def _run(op: Callable[[SimpleNamespace], Any], w: SimpleNamespace) -> BaseException | None:
    try:
        op(w)
    except (VSpaceError, KernelError) as exc:
        return exc
    return None


Prepare = Callable[[SimpleNamespace], None] | None


def check_all_or_nothing(op: Callable[[SimpleNamespace], Any], exc: type[BaseException], prepare: Prepare = None,
                         then: Callable[[SimpleNamespace], Any] | None = None, points: Any = between_c_calls,
                         arch: str | None = None) -> int:
    """Inject exc after each C call of op in turn (on a world() of ``arch`` made ready by ``prepare``); returns
    how many points were visited. ``then`` runs after an injection, before the state is compared
    (for work the operation left to the end of the next one: an interrupted finalizer). ``points``
    says where: after each C call, or (``at_any_python_call``) wherever Python may run a signal
    handler."""
    host_before = host_ledger()

    def ready() -> SimpleNamespace:
        w = world(arch)
        if prepare is not None:
            prepare(w)
        return w

    w = ready()
    before = snapshot(w)
    counter = Countdown(0)
    with points(counter):
        expected = _run(op, w)
    after = snapshot(w)
    check_records(w)
    release(w)
    w.kernel.close()
    calls = counter.calls
    assert calls > 0
    del w
    gc.collect()
    assert_same(host_before, host_ledger(), "after the uninterrupted run")

    for at in range(1, calls + 1):
        w = ready()
        assert snapshot(w) == before
        countdown = Countdown(at, exc)
        with points(countdown):
            try:
                got = _run(op, w)
            except exc:
                got = None
            else:
                assert type(got) is type(expected), (at, got, expected)
        assert countdown.fired, at
        if then is not None:
            then(w)
        state = snapshot(w)
        check_records(w)
        if state != after:
            assert state == before, f"after C call {at} ({countdown.names[-1]}): neither before nor after"
            assert type(_run(op, w)) is type(expected)   # rolled back: it can be made again
            assert snapshot(w) == after, f"the call made again after C call {at}"
            check_records(w)
        release(w)
        w.kernel.close()
        del w
        gc.collect()
        assert_same(host_before, host_ledger(), f"after an exception after C call {at}")
        STATS["interrupt points"] += 1
        STATS["interrupt completed" if state == after else "interrupt rolled back"] += 1
    STATS["interrupt operations"] += 1
    return calls


OPERATIONS: dict[str, tuple[Callable[[SimpleNamespace], Any], Prepare]] = {
    # kernel: frames and caps
    "alloc_frames": (lambda w: w.kernel.alloc_frames(3), None),
    "alloc_frames running out part-way": (lambda w: w.kernel.alloc_frames(8), tight),
    "copy_cap": (lambda w: w.kernel.copy_cap(w.callers[1], "r"), None),
    "delete_cap of a mapped copy": (lambda w: w.kernel.delete_cap(w.copy), None),
    "delete_cap of an original with a mapped copy": (lambda w: w.kernel.delete_cap(w.callers[0]), None),
    "delete_cap of an unmapped original": (lambda w: w.kernel.delete_cap(w.callers[3]), None),
    "new_vspace": (lambda w: w.spaces.__setitem__("c", w.kernel.new_vspace("c")), None),
    "close": (lambda w: w.kernel.close(), None),
    # reservations
    "reserve_range_at": (lambda w: w.spaces["a"].reserve_range_at(SPARE, PAGE, "rw"), None),
    "reserve_range_aligned": (lambda w: w.spaces["a"].reserve_range_aligned(PAGE, 21, "rw"), None),
    "reserve_deferred_rights_range_at": (lambda w: w.spaces["b"].reserve_deferred_rights_range_at(SPARE, PAGE),
                                         None),
    "free_reservation": (lambda w: w.spaces["a"].free_reservation(w.empty), None),
    "free_reservation_by_vaddr": (lambda w: w.spaces["a"].free_reservation_by_vaddr(EMPTY + PAGE), None),
    # mapping
    "map_pages_at_vaddr": (lambda w: w.spaces["a"].map_pages_at_vaddr([w.callers[3]], BASE + 5 * PAGE, w.ra), None),
    "deferred_rights_map_pages_at_vaddr": (
        lambda w: w.spaces["b"].deferred_rights_map_pages_at_vaddr([w.callers[3]], DEFERRED + PAGE, "rw", w.db), None),
    "map_pages": (lambda w: w.spaces["a"].map_pages([w.callers[3]], "r"), None),
    "map_pages_at_vaddr running out part-way": (
        lambda w: w.spaces["a"].map_pages_at_vaddr([w.callers[3], w.spare_copy], SPARE + LARGE - PAGE, w.big),
        two_page_tables_short_of_one),
    "new_pages": (lambda w: w.spaces["a"].new_pages(2, "rw"), None),
    "new_pages running out part-way": (lambda w: w.spaces["a"].new_pages(8, "rw"), tight),
    "new_pages_at_vaddr": (lambda w: w.spaces["a"].new_pages_at_vaddr(BASE + 6 * PAGE, 2, w.ra), None),
    "share_mem_at_vaddr": (lambda w: w.spaces["a"].share_mem_at_vaddr(w.spaces["b"], BASE, 2, BASE + 4 * PAGE, w.rb),
                           None),
    # unmapping
    "unmap_pages of the caller's frames": (lambda w: w.spaces["a"].unmap_pages(BASE, 3), None),
    "unmap_pages of own frames, kept": (lambda w: w.spaces["a"].unmap_pages(w.own, 2), None),
    "unmap_pages of own shared frames, freed": (lambda w: w.spaces["a"].unmap_pages(w.own, 2, free=True), None),
    "unmap_pages of copies": (lambda w: w.spaces["b"].unmap_pages(BASE, 2), None),
    # tear down
    "tear_down of a (shared own frames)": (lambda w: w.spaces["a"].tear_down(), None),
    "tear_down of b (copies, a deferred map)": (lambda w: w.spaces["b"].tear_down(), None),
}


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_an_exception_after_any_c_call_leaves_it_done_or_undone(name, sel4_arch):
    op, prepare = OPERATIONS[name]
    assert check_all_or_nothing(op, Injected, prepare, arch=sel4_arch) >= 1


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_a_keyboard_interrupt_wherever_python_runs_a_signal_handler_leaves_it_done_or_undone(name, sel4_arch):
    """A signal handler runs at any call of Python code, the record work after a C call included: the
    record work is finished by the next operation on the kernel (the snapshot's first call), so the
    state is the one before or the one after, as after a C call."""
    op, prepare = OPERATIONS[name]
    assert check_all_or_nothing(op, KeyboardInterrupt, prepare, points=at_any_python_call, arch=sel4_arch) >= 1


@pytest.mark.parametrize("exc", [KeyboardInterrupt, MemoryError], ids=lambda e: e.__name__)
@pytest.mark.parametrize("name", ["delete_cap of an original with a mapped copy", "tear_down of a (shared own frames)",
                                  "unmap_pages of own shared frames, freed", "alloc_frames", "new_vspace"])
def test_keyboard_interrupt_and_memory_error_too(name, exc, sel4_arch):
    op, prepare = OPERATIONS[name]
    check_all_or_nothing(op, exc, prepare, arch=sel4_arch)


def caller_frames_only(w: SimpleNamespace) -> None:
    """A vspace c that maps one frame of the caller's and nothing else: its unmap is a hot call."""
    c = w.spaces["c"] = w.kernel.new_vspace("c")
    c.map_pages_at_vaddr([w.callers[3]], BASE, c.reserve_range_at(BASE, PAGE, "rw"))


HOT: dict[str, tuple[Callable[[SimpleNamespace], Any], Prepare]] = {
    name: OPERATIONS[name] for name in ["reserve_range_at", "reserve_deferred_rights_range_at", "free_reservation",
                                        "map_pages_at_vaddr", "deferred_rights_map_pages_at_vaddr"]}
HOT["unmap_pages of a vspace mapping only the caller's frames"] = (lambda w: w.spaces["c"].unmap_pages(BASE, 1),
                                                                    caller_frames_only)


@pytest.mark.parametrize("exc", [OverflowError, TypeError], ids=lambda e: e.__name__)
@pytest.mark.parametrize("name", list(HOT))
def test_a_hot_call_does_not_take_an_exception_as_it_returns_for_its_arguments_refused(name, exc):
    """The hot calls go the checked way when cffi refuses an argument (OverflowError, TypeError); the
    same exception raised by a signal handler as the C call returns is not that: the call was made,
    and what it did is recorded, not made a second time."""
    op, prepare = HOT[name]
    check_all_or_nothing(op, exc, prepare)


def _any_call(w: SimpleNamespace) -> None:
    w.kernel.frame_caps()   # the end of any operation does what an interrupted finalizer left


@pytest.mark.parametrize("name", ["a", "b"])
def test_an_interrupted_vspace_finalizer_is_finished_by_the_next_call(name, sel4_arch):
    def op(w: SimpleNamespace) -> None:
        try:
            w.spaces[name]._finalizer()      # what the garbage collector runs
        finally:
            w.spaces[name]._torn_down = True   # it leaves no object behind to use

    check_all_or_nothing(op, KeyboardInterrupt, then=_any_call, arch=sel4_arch)


def test_an_interrupted_kernel_finalizer_is_finished_by_the_next_call(sel4_arch):
    host_before = host_ledger()
    counter = Countdown(0)
    kernel = Kernel(untyped_bits=20, arch=sel4_arch)
    with between_c_calls(counter):
        kernel._finalizer()
    del kernel
    gc.collect()
    for at in range(1, counter.calls + 1):
        kernel = Kernel(untyped_bits=20, arch=sel4_arch)
        kernel.new_vspace().new_pages(2, "rw")
        countdown = Countdown(at, KeyboardInterrupt)
        with between_c_calls(countdown):
            try:
                kernel._finalizer()
            except KeyboardInterrupt:
                pass
        assert countdown.fired
        Kernel(untyped_bits=12, arch=sel4_arch).close()   # any later call of this thread finishes what is left
        assert kernel.closed
        del kernel
        gc.collect()
        assert_same(host_before, host_ledger(), f"after an exception after C call {at}")


def test_kernel_creation_is_all_or_nothing(sel4_arch):
    host_before = host_ledger()
    counter = Countdown(0)
    with between_c_calls(counter):
        Kernel(untyped_bits=20, arch=sel4_arch).close()
    for at in range(1, counter.calls + 1):
        countdown = Countdown(at, KeyboardInterrupt)
        made: list[Kernel] = []
        with between_c_calls(countdown):
            try:
                made.append(Kernel(untyped_bits=20, arch=sel4_arch))
            except KeyboardInterrupt:
                pass
        for kernel in made:
            kernel.close()
        made.clear()
        gc.collect()
        assert_same(host_before, host_ledger(), f"after an exception after C call {at}")


def test_a_big_alloc_frames_interrupted_as_it_returns_leaves_every_frame_owned(sel4_arch):
    kernel = Kernel(untyped_bits=30, cnode_bits=20, arch=sel4_arch)
    fresh = kernel_ledger(kernel)
    with between_c_calls(lambda name: _interrupt_after("sel4vspace_host_call_alloc_frames", name)):
        with pytest.raises(KeyboardInterrupt):
            kernel.alloc_frames(150_000)
    caps = kernel.frame_caps()
    assert len(caps) == 150_000               # the kernel owns every frame the C made
    for cap in caps:
        kernel.delete_cap(cap)
    assert_same(fresh, kernel_ledger(kernel), "after deleting them")
    kernel.close()


def test_a_big_tear_down_interrupted_as_it_returns_is_complete(sel4_arch):
    kernel = Kernel(untyped_bits=30, cnode_bits=16, arch=sel4_arch)
    fresh = kernel_ledger(kernel)
    vs = kernel.new_vspace()
    vs.new_pages(20_000, "rw")
    caps = kernel.alloc_frames(100)
    vs.map_pages(caps, "rw")
    with between_c_calls(lambda name: _interrupt_after("sel4vspace_host_call_tear_down", name)):
        with pytest.raises(KeyboardInterrupt):
            vs.tear_down()
    assert vs.torn_down
    assert all(not kernel.cap_info(c)["mapped"] for c in caps)
    again = kernel.new_vspace()
    again.map_pages(caps, "r")      # the caller's frames are free to be mapped elsewhere
    again.tear_down()
    for cap in caps:
        kernel.delete_cap(cap)
    assert_same(fresh, kernel_ledger(kernel), "after the tear down")
    kernel.close()


def _interrupt_after(target: str, name: str) -> None:
    if name == target:
        raise KeyboardInterrupt


def test_finalizer_work_run_again_never_reaches_a_newer_vspace(sel4_arch):
    """A vspace's finalizer stopped by an exception after its C tear down runs again later (the work
    is idempotent); a vspace made meanwhile, even at the same host address, must not be its target:
    vspaces are filed by keys never used twice."""
    from sel4vspace.vspace import _tear_down_host_vspace

    with Kernel(untyped_bits=22, arch=sel4_arch) as kernel:
        world = kernel._world
        keys = set()
        for _ in range(20):
            a = kernel.new_vspace()
            key = a._key
            assert key not in keys
            keys.add(key)
            a._finalizer()                        # torn down by its finalizer, as when collected
            b = kernel.new_vspace()
            _tear_down_host_vspace(weakref.ref(world), key)   # the same work again
            assert not b.torn_down
            b.new_pages(1, "rw")
            b.tear_down()


def test_a_vspace_whose_finalizer_was_lost_is_torn_down_by_the_next_new_vspace(sel4_arch):
    """A KeyboardInterrupt as weakref.finalize starts can lose a collected VSpace's tear down: the next
    new_vspace finds the vspace without its object and tears it down; nothing is lost."""
    with Kernel(untyped_bits=22, arch=sel4_arch) as kernel:
        fresh = kernel_ledger(kernel)
        a = kernel.new_vspace()
        a.new_pages(4, "rw")
        a._finalizer.detach()                     # the finalizer lost
        del a
        gc.collect()
        assert kernel._world.vspace_count == 1    # still there: nothing tore it down
        kernel.new_vspace().tear_down()
        assert kernel._world.vspace_count == 0
        assert_same(fresh, kernel_ledger(kernel), "after the sweep")


# A KeyboardInterrupt raised inside the weakref callback is one Python reports as ignored: expected here.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_deferred_finalizer_survives_a_keyboard_interrupt_anywhere_at_the_end_of_the_operation(sel4_arch):
    """A VSpace collected inside an operation has its tear down deferred to the operation's end; a
    KeyboardInterrupt at any call of the package's Python from there on (the guard's end, the
    finalizer's own operation, the tear down's record work) leaves the work for the next
    operation, and nothing is lost."""
    from sel4vspace.lowlevel import _guard

    host_before = host_ledger()
    at = 0
    while True:
        at += 1
        kernel = Kernel(untyped_bits=22, arch=sel4_arch)
        fresh = kernel_ledger(kernel)
        holder = [kernel.new_vspace()]
        holder[0].new_pages(2, "rw")
        countdown = Countdown(at, KeyboardInterrupt)
        with at_any_python_call(countdown):
            try:
                _guard.run("a test's operation", kernel._lock, holder.clear)   # collected inside it
            except KeyboardInterrupt:
                pass
        holder.clear()                      # interrupted before it was: the object goes now
        kernel.frame_caps()                 # any call: the end of it finishes the deferred work
        if kernel._world.vspace_count:
            # the one window left to the sweep: the finalizer stopped before it could queue its work
            assert countdown.names[-1] in ("call finalizer", "c_return finalizer -> get_ident",
                                           "c_return finalizer -> sel4vspace_guard_busy"), countdown.names
        kernel.new_vspace().tear_down()     # new_vspace tears down a vspace whose object is gone
        assert kernel._world.vspace_count == 0, at
        assert_same(fresh, kernel_ledger(kernel), f"after a KeyboardInterrupt at Python call {at}")
        kernel.close()
        if not countdown.fired:
            break
    gc.collect()
    assert_same(host_before, host_ledger(), "after every kernel was closed")
    assert at > 10


def test_a_world_whose_kernel_finalizer_was_lost_is_closed_when_the_next_kernel_is_made(sel4_arch):
    """A KeyboardInterrupt as a collected Kernel's finalizer begins can lose its close: the next
    Kernel() closes every world whose Kernel is gone; the host's memory comes back."""
    gc.collect()
    host_before = host_ledger()
    kernel = Kernel(untyped_bits=22, arch=sel4_arch)
    kernel.new_vspace().new_pages(4, "rw")     # its object goes at once: torn down by its finalizer
    vspace = kernel.new_vspace()
    vspace.new_pages(2, "rw")
    world = kernel._world
    world.finalizer.detach()                   # the finalizer lost
    del kernel, vspace
    gc.collect()
    assert not world.closed                    # nothing closed it
    Kernel(untyped_bits=20, arch=sel4_arch).close()   # the next kernel made closes it
    assert world.closed
    del world
    gc.collect()
    assert_same(host_before, host_ledger(), "after the orphan world was closed")
