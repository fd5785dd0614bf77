# SPDX-License-Identifier: BSD-2-Clause
"""Threads: kernels of their own run side by side, a shared kernel takes turns.

* N threads, each with a kernel of its own (of each arch the run tests, in turn), each running the
  model-based test (test_model.py's
  state machine: random calls, every step compared with the reference model, every run ending with
  that kernel's ledger exact), each thread with its own seed. cffi releases the GIL around every C
  call and the switch interval is short, so the threads' calls interleave at every step.
* N threads sharing one kernel, each with a vspace of its own plus a vspace all of them use, doing
  thousands of calls that allocate, map, copy, share, write, read, unmap, free and delete; each
  checks what it reads and where its pages are, and at the end the kernel's ledger is the fresh
  kernel's.
* Threads racing for the same thing (one address of one vspace) get exactly one success per round.
* The C state a call relies on (the selected kernel, the last error line, the queued log lines)
  belongs to the thread that made it.

The tests of one kernel and of the C state run on each arch the run tests (the plugin's
``sel4_arch``), each arch a test of its own.

Budget: SEL4VSPACE_THREADS threads (default 4); SEL4VSPACE_THREAD_EXAMPLES model runs per thread
(default 10) of up to SEL4VSPACE_THREAD_STEPS steps (default 100); SEL4VSPACE_THREAD_ROUNDS rounds
per thread on the shared kernel (default 1500, a few calls each). Under SEL4VSPACE_BUDGET=dev
(budget.py): 2 model runs and 500 rounds per thread.
"""

from __future__ import annotations

import ast
import logging
import os
import random
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, seed, settings
from hypothesis.stateful import get_state_machine_test, invariant

import budget
import test_model
from ledger import assert_same, host_ledger, kernel_ledger
from model_stats import STATS
from sel4vspace import CapRights, Kernel, KernelError, StaleObjectError, VSpaceError, _arches, pytest_plugin

THREADS = int(os.environ.get("SEL4VSPACE_THREADS", "4"))
EXAMPLES = budget.runs("SEL4VSPACE_THREAD_EXAMPLES", full=10, dev=2)
STEPS = int(os.environ.get("SEL4VSPACE_THREAD_STEPS", "100"))
ROUNDS = budget.runs("SEL4VSPACE_THREAD_ROUNDS", full=1500, dev=500)
PAGE = 4096


def run_threads(target: Callable[[int], None], count: int = THREADS) -> None:
    """Run target(0..count-1) in threads started together; re-raise the first failure."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            start.wait()
            target(i)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,), name=f"worker-{i}") for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


@contextmanager
def short_switch_interval() -> Iterator[None]:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


class _PerThreadCounter:
    """Stands in for model_stats.STATS while threads run: each thread counts in its own Counter."""

    def __init__(self) -> None:
        self._local = threading.local()
        self.counters: list[Counter[str]] = []
        self._lock = threading.Lock()

    def _mine(self) -> Counter[str]:
        counter = getattr(self._local, "counter", None)
        if counter is None:
            counter = self._local.counter = Counter()
            with self._lock:
                self.counters.append(counter)
        return counter

    def __getitem__(self, key: str) -> int:
        return self._mine()[key]

    def __setitem__(self, key: str, value: int) -> None:
        self._mine()[key] = value

    def total(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for counter in self.counters:
            out.update(counter)
        return out


class ThreadMachine(test_model.VSpaceMachine):
    """The model-based test, for a thread. It compares everything with the model every
    CHECK_EVERY steps and at the end of the run rather than after every step (so that each thread
    makes thousands of calls in a CI budget; a divergence is still caught, a few steps later), and
    its end-of-run check compares this kernel's ledger only (the host allocator's counters are
    process-wide, shared with the other threads: they are checked once every thread is done)."""

    CHECK_EVERY = 4

    @invariant()
    def agree(self) -> None:
        self._since_check = getattr(self, "_since_check", 0) + 1
        if self._since_check >= self.CHECK_EVERY:
            self._since_check = 0
            super().agree()

    def teardown(self) -> None:
        kernel = self.kernel
        try:
            if kernel.closed or self.diverged:
                return
            self._check_agreement()
            for vspace in self.model.live_vspaces():
                self.real[id(vspace)].tear_down()
            for cptr in [c.cptr for c in self.model.caps.values() if c.kind == "original"]:
                kernel.delete_cap(cptr)
            assert kernel.frame_caps() == [], kernel.frame_caps()
            assert_same(self.ledger_before, kernel_ledger(kernel), "after tear_down and deleting every cap")
            test_model.STATS["runs checked for leaks"] += 1
        finally:
            if not kernel.closed:
                kernel.close()
            self.real.clear()
            self.res.clear()


@pytest.mark.vendor_only("the reference model encodes vendor/'s fixes of the registered upstream defects")
def test_threads_with_kernels_of_their_own_each_agree_with_the_model(monkeypatch, request):
    # The threads' kernels are of the arches the run tests, in turn (--sel4vspace-arch; the suite's
    # default is every installed arch): kernels of different arches side by side.
    arches = pytest_plugin.arches(request.config) or (None,)
    counts = _PerThreadCounter()
    monkeypatch.setattr(test_model, "STATS", counts)
    # hypothesis parses the source of the rules' lambdas to describe them; CPython 3.11's AST
    # constructor counts its recursion depth per interpreter, not per thread, and fails
    # ("recursion depth mismatch") when two threads parse at once: one parse at a time
    parse, parsing = ast.parse, threading.Lock()

    def one_parse_at_a_time(*args: Any, **kwargs: Any) -> Any:
        with parsing:
            return parse(*args, **kwargs)

    monkeypatch.setattr(ast, "parse", one_parse_at_a_time)
    host_before = host_ledger()
    machine_settings = settings(max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
                                derandomize=False, suppress_health_check=list(HealthCheck))

    def one_thread(i: int) -> None:
        machine = type(f"ThreadMachine{i}", (ThreadMachine,), {"arch": arches[i % len(arches)]})
        seed(1000 + i)(get_state_machine_test(machine, settings=machine_settings))()

    with short_switch_interval():
        run_threads(one_thread)
    total = counts.total()
    assert total["runs"] >= THREADS * EXAMPLES
    assert total["runs checked for leaks"] == total["runs"]
    assert len(counts.counters) == THREADS
    assert_same(host_before, host_ledger(), "after every thread's kernels were closed")
    STATS["threads model"] += 1
    STATS["threads model threads"] += THREADS
    STATS["threads model runs"] += total["runs"]
    STATS["threads model steps"] += total["steps"]


# ---- one kernel, many threads ----

class _Worker:
    """One thread's share of the work on a common kernel: its own vspace, its own window of the
    common vspace, its own caps; after every call it checks what it can see of its own state."""

    WINDOW = 0x1000_0000

    def __init__(self, kernel: Kernel, common: Any, index: int) -> None:
        self.kernel = kernel
        self.index = index
        self.rnd = random.Random(index)
        self.vspace = kernel.new_vspace(f"worker {index}")
        self.common = common
        self.base = self.WINDOW * (index + 1)
        self.window = common.reserve_range_at(self.base, 16 * PAGE, "rw")
        self.deferred = self.vspace.reserve_deferred_rights_range_at(self.base, 16 * PAGE)
        self.pages: dict[int, tuple[int, bytes]] = {}   # vaddr in the common window -> (cap, data)
        self.copies: dict[int, int] = {}                # vaddr in the deferred range -> copy cap
        self.own: list[tuple[int, int, bytes]] = []     # new_pages runs: (vaddr, count, data)
        self.calls = 0

    def step(self) -> None:
        choice = self.rnd.randrange(6)
        if choice == 0:
            self._new_pages()
        elif choice == 1 and self.own:
            vaddr, count, data = self.own.pop(self.rnd.randrange(len(self.own)))
            assert self.vspace.read(vaddr, len(data)) == data
            self.vspace.unmap_pages(vaddr, count, free=True)
            self.calls += 2
        elif choice == 2:
            self._map_in_common()
        elif choice == 3 and self.pages:
            self._unmap_from_common()
        elif choice == 4 and self.pages:
            self._share_copy()
        else:
            self._check()

    def _new_pages(self) -> None:
        count = self.rnd.randint(1, 4)
        data = bytes([self.index + 1]) * self.rnd.randint(1, count * PAGE)
        vaddr = self.vspace.new_pages(count, "rw")
        self.vspace.write(vaddr, data)
        self.own.append((vaddr, count, data))
        self.calls += 2

    def _map_in_common(self) -> None:
        free = [self.base + i * PAGE for i in range(16) if self.base + i * PAGE not in self.pages]
        if not free:
            return
        vaddr = self.rnd.choice(free)
        [cap] = self.kernel.alloc_frames(1)
        self.common.map_pages_at_vaddr([cap], vaddr, self.window)
        data = f"thread {self.index} page {vaddr:#x}".encode()
        self.common.write(vaddr, data)
        self.pages[vaddr] = (cap, data)
        self.calls += 3

    def _unmap_from_common(self) -> None:
        vaddr = self.rnd.choice(sorted(self.pages))
        cap, data = self.pages.pop(vaddr)
        assert self.common.read(vaddr, len(data)) == data
        copies = [v for v, c in self.copies.items() if self.kernel.cap_info(c)["paddr"] ==
                  self.kernel.cap_info(cap)["paddr"]]
        if self.rnd.randrange(2):
            self.common.unmap_pages(vaddr, 1)
            self.kernel.delete_cap(cap)          # an original: revokes its copies, unmapping them
        else:
            self.kernel.delete_cap(cap)          # mapped: unmapped through the common vspace first
        for v in copies:
            assert self.vspace.lookup(v) is None
            del self.copies[v]
        self.calls += 4

    def _share_copy(self) -> None:
        free = [self.base + i * PAGE for i in range(16) if self.base + i * PAGE not in self.copies]
        if not free:
            return
        vaddr = self.rnd.choice(free)
        source = self.rnd.choice(sorted(self.pages))
        cap, data = self.pages[source]
        copy = self.kernel.copy_cap(cap, "r")
        self.vspace.deferred_rights_map_pages_at_vaddr([copy], vaddr, CapRights.READ, self.deferred)
        assert self.vspace.read(vaddr, len(data)) == data
        self.copies[vaddr] = copy
        self.calls += 4

    def _check(self) -> None:
        for vaddr, (cap, data) in self.pages.items():
            mapping = self.common.lookup(vaddr)
            assert mapping is not None and mapping.cap == cap, (vaddr, mapping)
            assert self.common.read(vaddr, len(data)) == data
        for vaddr, copy in self.copies.items():
            assert self.vspace.lookup(vaddr).cap == copy
        self.calls += 2 * len(self.pages) + len(self.copies)

    def finish(self) -> None:
        for vaddr, (cap, _) in sorted(self.pages.items()):
            self.kernel.delete_cap(cap)
        self.pages.clear()
        self.copies.clear()
        self.window.free()
        self.vspace.tear_down()


def test_threads_sharing_one_kernel_take_turns_and_lose_nothing(sel4_arch):
    kernel = Kernel(untyped_bits=26, cnode_bits=16, arch=sel4_arch)
    fresh = kernel_ledger(kernel)
    common = kernel.new_vspace("common")
    workers = [_Worker(kernel, common, i) for i in range(THREADS)]

    def work(i: int) -> None:
        worker = workers[i]
        for _ in range(ROUNDS):
            worker.step()
        worker.finish()

    with short_switch_interval():
        run_threads(work)
    assert common.mappings() == []
    common.tear_down()
    assert kernel.frame_caps() == []
    assert_same(fresh, kernel_ledger(kernel), "after every thread finished and the common vspace went")
    calls = sum(w.calls for w in workers)
    assert calls >= THREADS * ROUNDS
    STATS["threads shared"] += 1
    STATS["threads shared threads"] += THREADS
    STATS["threads shared calls"] += calls
    kernel.close()


def test_threads_racing_for_one_address_get_one_success_each_round(sel4_arch):
    kernel = Kernel(untyped_bits=24, arch=sel4_arch)
    fresh = kernel_ledger(kernel)
    vspace = kernel.new_vspace("contested")
    rounds = max(50, ROUNDS // 3)
    barrier = threading.Barrier(THREADS)
    wins = [0] * rounds
    refusals = [0] * rounds
    tally = threading.Lock()

    def race(i: int) -> None:
        for r in range(rounds):
            barrier.wait()
            try:
                reservation = vspace.reserve_range_at(0x4000_0000, 2 * PAGE, "rw")
            except VSpaceError:
                with tally:
                    refusals[r] += 1
                barrier.wait()
                continue
            cap = kernel.alloc_frame()
            vspace.map_pages_at_vaddr([cap], 0x4000_0000, reservation)
            with tally:
                wins[r] += 1
            barrier.wait()           # the losers have tried while it was reserved and mapped
            vspace.unmap_pages(0x4000_0000, 1)
            reservation.free()
            kernel.delete_cap(cap)

    with short_switch_interval():
        run_threads(race)
    assert wins == [1] * rounds
    assert refusals == [THREADS - 1] * rounds
    vspace.tear_down()
    assert_same(fresh, kernel_ledger(kernel), "after the races")
    kernel.close()


def test_threads_reserving_and_freeing_at_the_same_starts_keep_the_records_whole():
    """The hot calls file a reservation after their C call has given the kernel's guard back, so
    threads of one vspace file and unfile at once: at starts they all contend for, none is lost
    and none freed is kept, and a reader listing the reservations meanwhile reads each one it is
    given (or is told it was freed since), never a freed reservation's memory."""
    kernel = Kernel(untyped_bits=24)
    fresh = kernel_ledger(kernel)
    vspace = kernel.new_vspace("shared starts")
    starts = [0x4000_0000 + i * 2 * PAGE for i in range(3)]
    rounds = max(200, ROUNDS)
    kept: list[list[Any]] = [[] for _ in range(THREADS)]
    read = [0]
    stop = threading.Event()

    def churn(i: int) -> None:
        rng = random.Random(i)
        for _ in range(rounds):
            try:
                reservation = vspace.reserve_deferred_rights_range_at(rng.choice(starts), PAGE)
            except VSpaceError:
                continue   # another thread holds that start
            if rng.random() < 0.02 and len(kept[i]) < 2:
                kept[i].append(reservation)
            else:
                vspace.free_reservation(reservation)

    def reader() -> None:
        while not stop.is_set():
            for reservation in vspace.reservations():
                try:
                    assert reservation.start in starts
                    read[0] += 1
                except StaleObjectError:
                    pass   # freed after the listing: the C says so, and nothing was read

    watcher = threading.Thread(target=reader)
    with short_switch_interval():
        watcher.start()
        try:
            run_threads(churn)
        finally:
            stop.set()
            watcher.join()
    survivors = [reservation for mine in kept for reservation in mine]
    assert sorted(r.start for r in vspace.reservations()) == sorted(r.start for r in survivors)
    assert len({r.start for r in survivors}) == len(survivors)
    assert read[0] > 0
    for reservation in survivors:
        vspace.free_reservation(reservation)
    assert vspace.reservations() == []
    vspace.tear_down()
    assert_same(fresh, kernel_ledger(kernel), "after the churn")
    kernel.close()


def test_reading_the_reservations_while_other_threads_free_theirs_never_fails():
    """Hot frees unfile their reservations after the kernel's guard is given back, while a reader
    of the vspace's reservations (holding the guard) may be walking them: the listing, the repr
    and the search of free_reservation_by_vaddr read what is filed as one snapshot, and never
    fail because an entry went or came in the middle of their walk."""
    kernel = Kernel(untyped_bits=24)
    vspace = kernel.new_vspace("walked")
    stop = threading.Event()
    failures: list[BaseException] = []
    walks = [0]

    def churn(i: int) -> None:
        base = 0x1000_0000 + i * 0x100_0000
        for _ in range(max(20, ROUNDS // 25)):
            made = [vspace.reserve_range_at(base + j * PAGE, PAGE, "rw") for j in range(32)]
            for reservation in made:
                vspace.free_reservation(reservation)

    def reader() -> None:
        while not stop.is_set():
            try:
                vspace.reservations()
                repr(vspace)
                with pytest.raises(VSpaceError, match="no reservation contains"):
                    vspace.free_reservation_by_vaddr(0x7000_0000)
                walks[0] += 1
            except BaseException as exc:  # noqa: BLE001 - reported below
                failures.append(exc)
                return

    watcher = threading.Thread(target=reader)
    with short_switch_interval():
        sys.setswitchinterval(1e-6)
        watcher.start()
        try:
            run_threads(churn, 3)
        finally:
            stop.set()
            watcher.join()
    assert failures == [] and walks[0] > 0
    assert vspace.reservations() == []
    kernel.close()


# ---- the C state of a call is its thread's ----

def test_the_selected_kernel_and_the_last_error_are_per_thread(sel4_arch):
    kernels = [Kernel(untyped_bits=20, arch=sel4_arch) for _ in range(2)]
    ll = _arches.lowlevel(kernels[0].arch)   # the C of the kernels' arch, called directly below
    ffi, lib, clear_c_error, last_c_error = ll.ffi, ll.lib, ll.clear_c_error, ll.last_c_error
    selected: list[Any] = [None, None]
    errors: list[str | None] = [None, None]
    barrier = threading.Barrier(2)
    # two calls that fail with different lines (a NULL vspace; a vspace with no implementation),
    # in the words of whichever tree was built: learn each one's line alone first
    vspaces = [ffi.NULL, ffi.new("vspace_t *")]

    def fail(i: int) -> None:
        lib.vspace_reserve_range_at(vspaces[i], ffi.NULL, PAGE, CapRights.RW.to_c(ll.SEL4_ARCH), 1)

    alone = []
    for i in range(2):
        clear_c_error()
        fail(i)
        alone.append(last_c_error().message)
    assert alone[0] != alone[1], alone

    def one(i: int) -> None:
        lib.sel4vspace_host_world_select(kernels[i]._world.handle)
        clear_c_error()
        fail(i)
        barrier.wait()   # both selected and failed before either looks
        selected[i] = lib.sel4sim_kernel_current()
        errors[i] = last_c_error().message

    run_threads(one, 2)
    assert selected[0] == kernels[0]._world.kernel and selected[1] == kernels[1]._world.kernel
    assert errors == alone
    for k in kernels:
        k.close()


def test_log_lines_reach_logging_in_the_thread_that_made_them(sel4_arch):
    seen: list[tuple[str, str]] = []

    class Record(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append((threading.current_thread().name, record.getMessage()))

    logger = logging.getLogger("sel4vspace.c")
    handler = Record(logging.DEBUG)
    logger.addHandler(handler)
    kernels = [Kernel(untyped_bits=16, arch=sel4_arch) for _ in range(THREADS)]
    try:
        def fail(i: int) -> None:
            vspace = kernels[i].new_vspace()
            for _ in range(20):
                with pytest.raises((VSpaceError, KernelError)):
                    vspace.new_pages(64, "rw")

        run_threads(fail)
    finally:
        logger.removeHandler(handler)
    by_thread = Counter(name for name, _ in seen)
    assert set(by_thread) == {f"worker-{i}" for i in range(THREADS)}
    assert len(set(by_thread.values())) == 1      # every thread: the same lines, 20 times
    for k in kernels:
        k.close()
