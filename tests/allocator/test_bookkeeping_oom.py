# SPDX-License-Identifier: BSD-2-Clause
"""The host running out of memory for the allocator's own tables, at every point of a call.

sel4utils takes its bookkeeping memory from the loader vspace (new_pages on the loader); these
tests put a countdown in front of the loader, so that its k-th request from now fails, and run
each operation for k = 0, 1, 2, ... until it succeeds. Every failed attempt must refuse cleanly:
nothing mapped or reserved by it and no frame kept; tables it had already made (the allocator's
bookkeeping, the kernel's paging structures) stay with the vspace, as upstream, and are reused by
the next attempt; the operation must work once memory is there again, and tearing the vspace
down must give every byte back.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

import pytest
from archfacts import LARGE_PAGE_TYPE, PAGE_TYPE
from hostworld import PAGE, RW, VSPACE_FREE, World, ffi, lib, vptr
from upstream_defects import VENDOR_BUILD

BASE = 0x4000_0000
LARGE = 1 << 21


@contextmanager
def failing_loader(vspace: Any, after: int) -> Iterator[list[int]]:
    """Let the loader serve `after` more requests, then refuse every one."""
    data = ffi.cast("sel4utils_alloc_data_t *", vspace.vs.data)
    loader = data.bootstrap
    original = loader.new_pages
    served = [0]

    def new_pages(*args: Any) -> Any:
        if served[0] >= after:
            return ffi.NULL
        served[0] += 1
        return original(*args)

    callback = ffi.callback(ffi.typeof(original), new_pages)
    loader.new_pages = callback
    try:
        yield served
    finally:
        loader.new_pages = original


def _state(world: World, vspace: Any) -> tuple:
    snap = world.snapshot()
    frames = snap.object_counts[PAGE_TYPE], snap.object_counts[LARGE_PAGE_TYPE]
    return [(m.vaddr, m.frame_cap) for m in vspace.mappings()], frames


def _until_it_works(world: World, vspace: Any, attempt: Callable[[], bool], undo: Callable[[], None]) -> int:
    """Run attempt with the loader failing after k requests, k = 0, 1, ...; returns k at success."""
    for k in range(64):
        before = _state(world, vspace)
        with failing_loader(vspace, k):
            ok = attempt()
        if ok:
            undo()
            return k
        assert _state(world, vspace) == before, f"failed attempt {k} changed something"
    raise AssertionError("never succeeded")


@pytest.fixture
def w():
    world = World(untyped_bits=24, cnode_bits=12)
    baseline = world.snapshot()
    yield world
    for vspace in list(world.vspaces):
        vspace.destroy()
    assert world.snapshot() == baseline, "tearing down did not give everything back"
    world.destroy()


def test_reservations_when_bookkeeping_runs_out(w, c_log):
    v = w.new_vspace()
    # fill the page of reservation structs the vspace keeps, so the next one needs a new page
    held = [v.reserve_at(0x1_0000_0000 + i * 2 * PAGE, PAGE, RW) for i in range(200)]

    def reserve_spread() -> bool:
        res = v.reserve_at(BASE + LARGE - PAGE, 2 * LARGE + 2 * PAGE, RW)   # partial tables both ends
        reserve_spread.res = res
        return res.res != ffi.NULL

    needed = _until_it_works(w, v, reserve_spread, lambda: v.free_reservation(reserve_spread.res))
    assert needed >= 2
    for holder_kind in ("at", "aligned", "deferred"):
        def attempt(kind: str = holder_kind) -> bool:
            if kind == "at":
                res = v.reserve_at(BASE + 8 * LARGE + PAGE, PAGE, RW)
            elif kind == "deferred":
                res = v.reserve_deferred(BASE + 8 * LARGE + PAGE, PAGE)
            else:
                res, _ = v.reserve_aligned(PAGE, 12, RW)
            attempt.res = res
            return res.res != ffi.NULL
        _until_it_works(w, v, attempt, lambda: v.free_reservation(attempt.res))
    for res in held:
        v.free_reservation(res)
    assert any("bookkeeping" in m or "Out of memory" in m for _, m in c_log.lines)


@pytest.mark.parametrize("how", ["map_pages_at_vaddr", "new_pages_at_vaddr", "new_pages", "map_pages", "share"])
def test_mapping_when_bookkeeping_runs_out_part_way(w, how):
    v, other = w.new_vspace(), w.new_vspace()
    res = v.reserve_at(BASE + LARGE - 2 * PAGE, 4 * PAGE, RW)    # two pages either side of a table edge
    frames = [w.frame() for _ in range(4)]
    source = other.new_pages(4) if how == "share" else 0
    caps = [f.cptr for f in frames]
    start = BASE + LARGE - 2 * PAGE

    def attempt() -> bool:
        if how == "map_pages_at_vaddr":
            return v.map_at(caps, start, res) == 0
        if how == "new_pages_at_vaddr":
            return v.new_pages_at(start, 4, res) == 0
        if how == "new_pages":
            attempt.vaddr = v.new_pages(4)
            return attempt.vaddr != 0
        if how == "map_pages":
            attempt.vaddr = v.map_pages(caps)
            return attempt.vaddr != 0
        return lib.vspace_share_mem_at_vaddr(other.vs, v.vs, vptr(source), 4, 12, vptr(start), res) == 0

    def undo() -> None:
        where = getattr(attempt, "vaddr", start)
        v.unmap(where, 4, 12, VSPACE_FREE if how in ("new_pages", "new_pages_at_vaddr", "share") else
                ffi.cast("vka_t *", 0))

    needed = _until_it_works(w, v, attempt, undo)
    assert needed >= (1 if how in ("new_pages", "map_pages") else 0)
    assert v.mappings() == []
    for frame in frames:
        w.free(frame)


def test_move_resize_reservation_when_bookkeeping_runs_out(w):
    v = w.new_vspace()
    res = v.reserve_at(BASE + PAGE, PAGE, RW)

    def attempt() -> bool:
        return lib.sel4utils_move_resize_reservation(v.vs, res, vptr(BASE + PAGE - LARGE), 2 * LARGE + 2 * PAGE) == 0

    def undo() -> None:
        assert lib.sel4utils_move_resize_reservation(v.vs, res, vptr(BASE + PAGE), PAGE) == 0

    assert _until_it_works(w, v, attempt, undo) >= 1
    r = lib.reservation_to_res(res)
    v.free_reservation(res)
    assert (r.start, r.end) == (BASE + PAGE, BASE + 2 * PAGE)


def test_a_vspace_cannot_be_made_without_bookkeeping(w, c_log):
    v = w.new_vspace()
    before = w.snapshot()
    with failing_loader(v, 0):
        assert lib.sel4vspace_host_vspace_new(w.w) == ffi.NULL
    assert w.snapshot() == before
    assert any(level == "ERROR" for level, _ in c_log.lines)
    if VENDOR_BUILD:
        assert any("bookkeeping" in m for _, m in c_log.lines)
