# SPDX-License-Identifier: BSD-2-Clause
"""Lifetime safety and no reachable crash, through the public API only.

* Every object used after its C counterpart went (a torn-down VSpace, a freed Reservation, a
  closed Kernel, a deleted cap) raises StaleObjectError and touches no freed memory.
* The inputs upstream sel4utils aborts or crashes on (tests/upstream_defects.py: a deferred reservation in new_pages_at_vaddr or share, free_reservation with pages mapped, unmap of a page never mapped, a NULL reservation) are refused
  by the Python layer before any C of the allocator runs. To show that this holds for any
  seL4_libs the package may be built from, the tests replace the allocator's implementation
  functions in the vspace_t with traps: in this process a recording spy, and in a child
  interpreter a trap that aborts the process, as upstream would. The child must exit cleanly.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from sel4vspace import CapRights, Kernel, Reservation, StaleObjectError, VSpace, VSpaceError
from sel4vspace.lowlevel import ffi

BASE = 0x1000_0000
PAGE = 4096


# Every test here that makes a kernel runs on each arch the run tests (the plugin's sel4_arch):
# staleness and refusals are the Pythonic layer's, over each arch's C.
@pytest.fixture
def sel4_kernel_options():
    return {"untyped_bits": 22, "cnode_bits": 12}


@pytest.fixture
def kernel(sel4_kernel):
    return sel4_kernel


# ---- stale objects ---------------------------------------------------------------------------

def _vspace_calls(k: Kernel, res: Reservation, other: VSpace, other_res: Reservation,
                  cap: int) -> dict[str, Callable[[VSpace], Any]]:
    return {
        "reserve_range_at": lambda v: v.reserve_range_at(0x5000_0000, PAGE, "rw"),
        "reserve_range_aligned": lambda v: v.reserve_range_aligned(PAGE, 12, "rw"),
        "reserve_deferred_rights_range_at": lambda v: v.reserve_deferred_rights_range_at(0x5000_0000, PAGE),
        "map_pages_at_vaddr": lambda v: v.map_pages_at_vaddr([cap], BASE, res),
        "deferred_rights_map_pages_at_vaddr": lambda v: v.deferred_rights_map_pages_at_vaddr([cap], BASE, "r", res),
        "map_pages": lambda v: v.map_pages([cap], "rw"),
        "new_pages": lambda v: v.new_pages(1, "rw"),
        "new_pages_at_vaddr": lambda v: v.new_pages_at_vaddr(BASE, 1, res),
        "unmap_pages": lambda v: v.unmap_pages(BASE, 1),
        "free_reservation": lambda v: v.free_reservation(res),
        "free_reservation_by_vaddr": lambda v: v.free_reservation_by_vaddr(BASE),
        "share_mem_at_vaddr": lambda v: v.share_mem_at_vaddr(other, BASE, 1, BASE, other_res),
        "get_cap": lambda v: v.get_cap(BASE),
        "get_cookie": lambda v: v.get_cookie(BASE),
        "lookup": lambda v: v.lookup(BASE),
        "mappings": lambda v: v.mappings(),
        "reservations": lambda v: v.reservations(),
        "read": lambda v: v.read(BASE, 4),
        "write": lambda v: v.write(BASE, b"gone"),
        "tear_down": lambda v: v.tear_down(),
        "c_vspace": lambda v: v.c_vspace,
    }


CALLS = [
    "reserve_range_at", "reserve_range_aligned", "reserve_deferred_rights_range_at", "map_pages_at_vaddr",
    "deferred_rights_map_pages_at_vaddr", "map_pages", "new_pages", "new_pages_at_vaddr", "unmap_pages",
    "free_reservation", "free_reservation_by_vaddr", "share_mem_at_vaddr", "get_cap", "get_cookie", "lookup",
    "mappings", "reservations", "read", "write", "tear_down", "c_vspace"]


@pytest.mark.parametrize("how", ["tear_down", "kernel closed"])
@pytest.mark.parametrize("name", CALLS)
def test_every_vspace_call_on_a_dead_vspace_is_stale(name, how, sel4_arch):
    k = Kernel(untyped_bits=22, cnode_bits=12, arch=sel4_arch)
    vs, other = k.new_vspace(), k.new_vspace()
    res = vs.reserve_range_at(BASE, PAGE, "rw")
    other_res = other.reserve_range_at(BASE, PAGE, "rw")
    cap = k.alloc_frame()
    vs.map_pages_at_vaddr([cap], BASE, res)
    vs.write(BASE, b"data")
    if how == "tear_down":
        vs.tear_down()
    else:
        k.close()
    with pytest.raises(StaleObjectError):
        _vspace_calls(k, res, other, other_res, cap)[name](vs)
    assert vs.torn_down and "torn down" in repr(vs)
    k.close()


RESERVATION_USES: dict[str, Callable[[Reservation], Any]] = {
    "start": lambda r: r.start, "end": lambda r: r.end, "size": lambda r: r.size, "rights": lambda r: r.rights,
    "rights_deferred": lambda r: r.rights_deferred, "cacheable": lambda r: r.cacheable,
    "contains": lambda r: r.contains(BASE), "free": lambda r: r.free(), "vspace": lambda r: r.vspace,
    "c_reservation": lambda r: r.c_reservation,
}


@pytest.mark.parametrize("how", ["freed", "vspace torn down", "kernel closed", "freed, slot reused"])
@pytest.mark.parametrize("use", sorted(RESERVATION_USES))
def test_every_use_of_a_dead_reservation_is_stale(use, how, sel4_arch):
    k = Kernel(untyped_bits=22, cnode_bits=12, arch=sel4_arch)
    vs = k.new_vspace()
    res = vs.reserve_deferred_rights_range_at(BASE, 2 * PAGE)
    if how.startswith("freed"):
        res.free()
        if how.endswith("reused"):   # the C struct is handed out again: the old object must not see it
            again = vs.reserve_range_at(BASE, PAGE, "r")
            assert again._key == res._key
    elif how == "vspace torn down":
        vs.tear_down()
    else:
        k.close()
    with pytest.raises(StaleObjectError):
        RESERVATION_USES[use](res)
    assert res.freed or k.closed
    assert repr(res) == "<Reservation freed>"
    k.close()


def test_a_reservation_of_a_collected_vspace_is_stale_in_the_vspaces_made_after_it(sel4_arch):
    # The hot calls know a reservation by its cell, which names its vspace's cell: a vspace made
    # where the collected one's cell was must not take the old reservation for one of its own
    # (whose sel4utils struct was freed with the vspace).
    k = Kernel(untyped_bits=22, cnode_bits=12, arch=sel4_arch)
    cap = k.alloc_frame()
    vs = k.new_vspace()
    res = vs.reserve_range_at(BASE, PAGE, "rw")
    vs.tear_down()
    del vs
    gc.collect()
    later = []
    for _ in range(8):
        later.append(k.new_vspace())
        with pytest.raises(StaleObjectError):
            later[-1].map_pages_at_vaddr([cap], BASE, res)
        with pytest.raises(StaleObjectError):
            later[-1].free_reservation(res)
        assert later[-1].mappings() == []
    k.close()


def test_a_reservation_cannot_be_forged():
    # Reservation(vspace, reservation_t) with a NULL res segfaulted on the first field read.
    with pytest.raises(TypeError):
        Reservation()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Reservation(None, ffi.new("reservation_t *")[0])  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        VSpace()


def test_a_reservation_is_only_good_in_its_own_vspace_and_kernel(kernel):
    with Kernel(untyped_bits=20, arch=kernel.arch) as elsewhere:
        foreign_vs = elsewhere.new_vspace()
        foreign = foreign_vs.reserve_range_at(BASE, PAGE, "rw")
        vs = kernel.new_vspace()
        cap = kernel.alloc_frame()
        with pytest.raises(ValueError, match="another vspace"):
            vs.map_pages_at_vaddr([cap], BASE, foreign)
        with pytest.raises(ValueError, match="another vspace"):
            vs.free_reservation(foreign)
        with pytest.raises(ValueError, match="different kernels"):
            vs.share_mem_at_vaddr(foreign_vs, BASE, 1, BASE, foreign)
        with pytest.raises(StaleObjectError, match="not a live frame cap of this kernel"):
            elsewhere.copy_cap(cap)
        assert foreign_vs.reservations() == [foreign] and vs.mappings() == []


@pytest.mark.parametrize("call", ["alloc_frame", "copy_cap", "delete_cap", "cap_info", "new_vspace",
                                  "untyped_free_bytes", "object_counts", "used_slots"])
def test_every_kernel_call_after_close_is_stale(call, sel4_arch):
    k = Kernel(untyped_bits=20, arch=sel4_arch)
    cap = k.alloc_frame()
    k.close()
    uses = {"alloc_frame": lambda: k.alloc_frame(), "copy_cap": lambda: k.copy_cap(cap),
            "delete_cap": lambda: k.delete_cap(cap), "cap_info": lambda: k.cap_info(cap),
            "new_vspace": lambda: k.new_vspace(), "untyped_free_bytes": lambda: k.untyped_free_bytes,
            "object_counts": lambda: k.object_counts, "used_slots": lambda: k.used_slots}
    with pytest.raises(StaleObjectError):
        uses[call]()
    assert "closed" in repr(k)
    k.close()


def test_a_deleted_cap_is_stale_everywhere(kernel):
    vs = kernel.new_vspace()
    res = vs.reserve_range_at(BASE, PAGE, "rw")
    cap = kernel.alloc_frame()
    copy = kernel.copy_cap(cap, "r")
    kernel.delete_cap(copy)
    for use in (lambda: kernel.copy_cap(copy), lambda: kernel.delete_cap(copy),
                lambda: vs.map_pages_at_vaddr([copy], BASE, res), lambda: vs.map_pages([copy], "r")):
        with pytest.raises(StaleObjectError):
            use()
    assert vs.mappings() == []


def test_objects_outliving_their_kernel_in_any_order_are_safe(sel4_arch):
    # A vspace and a reservation keep their kernel alive; once it is closed, dropping them in any
    # order (and the collector running their finalizers) touches nothing that was freed.
    for order in range(3):
        k = Kernel(untyped_bits=20, arch=sel4_arch)
        vs = k.new_vspace()
        res = vs.reserve_range_at(BASE, PAGE, "rw")
        vs.map_pages_at_vaddr([k.alloc_frame()], BASE, res)
        k.close()
        survivors: list[Any] = [k, vs, res]
        del k, vs, res
        survivors.insert(0, survivors.pop(order))
        while survivors:
            survivors.pop()
            gc.collect()


# ---- upstream gaps: refused before the allocator's C runs -------------------------------------

@contextmanager
def trapped(vspace: VSpace, *fields: str) -> Iterator[list[str]]:
    """Replace the allocator's implementation of these vspace_t fields with a recording trap."""
    calls: list[str] = []
    c_vspace = vspace.c_vspace
    saved, traps = {}, []
    for field in fields:
        original = getattr(c_vspace, field)
        saved[field] = original

        def trap(*args: Any, _field: str = field, _original: Any = original) -> Any:
            calls.append(_field)
            return _original(*args)

        traps.append(ffi.callback(ffi.typeof(original), trap))
        setattr(c_vspace, field, traps[-1])
    try:
        yield calls
    finally:
        for field, original in saved.items():
            setattr(c_vspace, field, original)


def _mapped_world(kernel: Kernel) -> tuple[VSpace, VSpace, Reservation, Reservation, list[int]]:
    vs, other = kernel.new_vspace(), kernel.new_vspace()
    res = vs.reserve_range_at(BASE, 4 * PAGE, "rw")
    caps = kernel.alloc_frames(2)
    vs.map_pages_at_vaddr(caps, BASE, res)         # pages 0 and 1 mapped, 2 and 3 only reserved
    deferred = other.reserve_deferred_rights_range_at(BASE, 2 * PAGE)
    return vs, other, res, deferred, caps


GAP_INPUTS: dict[str, tuple[str, Callable[..., Any], type]] = {
    # gap 3: unmap_pages over a page never mapped asserts (or, with NDEBUG, frees cslot 0)
    "unmap a reserved page": ("unmap_pages", lambda vs, o, r, d, c: vs.unmap_pages(BASE + 2 * PAGE, 1), VSpaceError),
    "unmap a run ending in a hole": ("unmap_pages", lambda vs, o, r, d, c: vs.unmap_pages(BASE, 3), VSpaceError),
    "unmap where nothing is": ("unmap_pages", lambda vs, o, r, d, c: vs.unmap_pages(0x6000_0000, 1), VSpaceError),
    "unmap 4 KiB pages as one 2 MiB page": ("unmap_pages", lambda vs, o, r, d, c: vs.unmap_pages(BASE, 1, 21),
                                           VSpaceError),
    # gap 2: free_reservation with pages still mapped strands them and the rest of the range
    "free with pages mapped": ("free_reservation", lambda vs, o, r, d, c: vs.free_reservation(r), VSpaceError),
    "free by vaddr with pages mapped": ("free_reservation_by_vaddr",
                                        lambda vs, o, r, d, c: vs.free_reservation_by_vaddr(BASE + 3 * PAGE),
                                        VSpaceError),
    "Reservation.free with pages mapped": ("free_reservation", lambda vs, o, r, d, c: r.free(), VSpaceError),
    # gap 4: a reservation_t whose res is NULL (or stale) crashes the map paths
    "map into a freed reservation": ("map_pages_at_vaddr", lambda vs, o, r, d, c: _freed_then_map(vs, c),
                                     StaleObjectError),
    "deferred map into a torn-down vspace's reservation": (
        "deferred_rights_map_pages_at_vaddr", lambda vs, o, r, d, c: _torn_then_map(vs, c), StaleObjectError),
    "new pages into a freed reservation": ("new_pages_at_vaddr", lambda vs, o, r, d, c: _freed_then_new(vs),
                                           StaleObjectError),
    # gap 1: new_pages_at_vaddr / share_mem_at_vaddr map a deferred reservation with no rights
    "new pages into a deferred reservation": ("new_pages_at_vaddr",
                                              lambda vs, o, r, d, c: o.new_pages_at_vaddr(BASE, 1, d), VSpaceError),
    "share into a deferred reservation": ("share_mem_at_vaddr",
                                          lambda vs, o, r, d, c: vs.share_mem_at_vaddr(o, BASE, 1, BASE, d),
                                          VSpaceError),
}


def _freed_then_map(vs: VSpace, caps: list[int]) -> None:
    gone = vs.reserve_range_at(0x6000_0000, PAGE, "rw")
    gone.free()
    vs.map_pages_at_vaddr([caps[0]], 0x6000_0000, gone)


def _freed_then_new(vs: VSpace) -> None:
    gone = vs.reserve_range_at(0x6000_0000, PAGE, "rw")
    gone.free()
    vs.new_pages_at_vaddr(0x6000_0000, 1, gone)


def _torn_then_map(vs: VSpace, caps: list[int]) -> None:
    torn = vs.kernel.new_vspace()
    res = torn.reserve_deferred_rights_range_at(BASE, PAGE)
    torn.tear_down()
    torn.deferred_rights_map_pages_at_vaddr([caps[0]], BASE, "r", res)


@pytest.mark.parametrize("name", sorted(GAP_INPUTS))
def test_upstream_gap_inputs_never_reach_the_allocator(kernel, name):
    field, call, error = GAP_INPUTS[name]
    vs, other, res, deferred, caps = _mapped_world(kernel)
    before = (vs.mappings(), other.mappings(), [(r.start, r.end) for r in vs.reservations()])
    with trapped(vs, field) as calls_vs, trapped(other, field) as calls_other:
        with pytest.raises(error):
            call(vs, other, res, deferred, caps)
    assert calls_vs == [] and calls_other == [], f"the allocator's {field} ran"
    assert (vs.mappings(), other.mappings(), [(r.start, r.end) for r in vs.reservations()]) == before


def test_the_traps_do_see_ordinary_calls(kernel):
    # the spy itself works: a legitimate unmap does reach the allocator's function
    vs, _, _, _, _ = _mapped_world(kernel)
    with trapped(vs, "unmap_pages") as calls:
        vs.unmap_pages(BASE, 2)
    assert calls == ["unmap_pages"]


def test_upstream_gap_inputs_cannot_abort_the_interpreter():
    # In a child interpreter the allocator's functions for these inputs abort the process, as
    # upstream's would; the public API must refuse every input before reaching them.
    script = textwrap.dedent("""
        import os, sys
        sys.path.insert(0, sys.argv[1])
        import test_lifetime as t
        from sel4vspace import Kernel
        from sel4vspace.lowlevel import ffi
        traps = []

        def arm(vspace, field):
            c_vspace = vspace.c_vspace
            trap = ffi.callback(ffi.typeof(getattr(c_vspace, field)), lambda *args: os.abort())
            traps.append(trap)
            setattr(c_vspace, field, trap)

        for name, (field, call, error) in sorted(t.GAP_INPUTS.items()):
            with Kernel(untyped_bits=22, cnode_bits=12) as k:
                vs, other, res, deferred, caps = t._mapped_world(k)
                arm(vs, field)
                arm(other, field)
                try:
                    call(vs, other, res, deferred, caps)
                except error:
                    print("refused:", name)
        print("OK")
    """)
    here = Path(__file__).resolve().parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(here)] + [p for p in sys.path if p]))
    result = subprocess.run([sys.executable, "-c", script, str(here)], capture_output=True, text=True, env=env,
                            timeout=120)
    assert result.returncode == 0, f"the child died ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    assert result.stdout.count("refused:") == len(GAP_INPUTS) and result.stdout.endswith("OK\n"), result.stdout


def test_a_vspace_still_in_use_as_the_interpreter_exits_is_not_torn_down_behind_its_back():
    # At exit Python runs the finalizers of objects still alive (a daemon thread's vspace, still in
    # use). One that tore the vspace down without its object knowing left that object's next checked
    # call handing C the freed vspace (a segfault): at exit the kernel's finalizer closes the world,
    # which every call of its vspaces sees. In a child, whose exit is run here with a probe between
    # the vspace's finalizer and the kernel's (finalizers run newest first).
    script = textwrap.dedent("""
        import weakref
        from sel4vspace import Kernel, StaleObjectError
        k = Kernel(untyped_bits=22, cnode_bits=12)

        class Probe:
            pass

        def use():
            for name, call in [("reserve_range_aligned", lambda: vs.reserve_range_aligned(4096, 12, "rw")),
                               ("free_reservation_by_vaddr", lambda: vs.free_reservation_by_vaddr(start)),
                               ("map_pages", lambda: vs.map_pages([cap], "rw"))]:
                try:
                    call()
                    print("ran", name)
                except StaleObjectError:
                    print("stale", name)

        probe = Probe()
        weakref.finalize(probe, use)
        vs = k.new_vspace()
        cap = k.alloc_frame()
        start = vs.reserve_range_at(0x1000_0000, 4096, "rw").start
        weakref.finalize._exitfunc()
        print("closed" if k.closed else "open")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"the child died ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    assert result.stdout.split("\n") == ["ran reserve_range_aligned", "ran free_reservation_by_vaddr", "ran map_pages",
                                         "closed", ""], result.stdout


# ---- host resources a bad argument could exhaust ---------------------------------------------

def test_a_huge_read_of_unmapped_memory_faults_without_allocating_it():
    # n up to 2**40 is a valid length: the read must fault on the first unmapped byte, not ask the
    # host for a terabyte first (a MemoryError at best, the OOM killer at worst). In a child, so
    # its peak memory is its own.
    script = textwrap.dedent("""
        import resource
        from sel4vspace import Kernel, VMFault
        with Kernel(untyped_bits=20) as k:
            vs = k.new_vspace()
            vaddr = vs.new_pages(2, "rw")
            for n in (2**40, 2**34, 3 << 20):
                try:
                    vs.read(vaddr, n)
                except VMFault as fault:
                    assert fault.vaddr == vaddr + 2 * 4096 and fault.reason == "unmapped", fault
        print("faulted", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    word, peak_mib = result.stdout.split()
    assert word == "faulted" and int(peak_mib) < 1024, result.stdout


def test_a_long_read_across_mapped_memory_is_exact(kernel):
    vs = kernel.new_vspace()
    vaddr = vs.new_pages(300, "rw")          # 1.2 MiB: more than one read chunk
    vs.write(vaddr + (1 << 20) - 2, b"seam")
    data = vs.read(vaddr, 300 * PAGE)
    assert len(data) == 300 * PAGE
    assert data[(1 << 20) - 2:(1 << 20) + 2] == b"seam"
    assert data.count(0) == len(data) - 4
    assert vs.lookup(vaddr).rights == CapRights.RW
