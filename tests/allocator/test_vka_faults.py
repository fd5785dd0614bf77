# SPDX-License-Identifier: BSD-2-Clause
"""The vka failing inside one page's steps, and the allocator's bookkeeping running out between a
successful kernel map and the record of it.

A countdown sits in front of one of the vka's functions (cslot allocation, object allocation, path
making) or of the loader, so that the failure lands after the earlier steps of the same page have
succeeded: the frame allocated, the kernel's mapping made, the copy's cslot found. Every failed
attempt must refuse with the documented result, log why, and leave nothing behind that it made:
no mapping, no frame, no cslot. Paging structures and bookkeeping tables already made stay with
the vspace, as upstream.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

import pytest
from archfacts import KERNEL_SLOT, LARGE_PAGE_TYPE, PAGE_TYPE
from hostworld import PAGE, RW, VSPACE_FREE, World, ffi, lib, vptr
from test_bookkeeping_oom import failing_loader
from upstream_defects import VENDOR_BUILD

LARGE = 1 << 21
BASE = 0x4000_0000
NOT_ENOUGH_MEMORY = lib.seL4_NotEnoughMemory


def _errors(c_log) -> list[str]:
    return [message for level, message in c_log.lines if level in ("ERROR", "CRITICAL")]


def _vka_of(vspace: Any) -> Any:
    return ffi.cast("sel4utils_alloc_data_t *", vspace.vs.data).vka


@contextmanager
def failing_vka(vka: Any, field: str, after: int) -> Iterator[list[int]]:
    """Let vka->field succeed `after` more times, then answer seL4_NotEnoughMemory."""
    original = getattr(vka, field)
    served = [0]

    def countdown(*args: Any) -> int:
        if served[0] >= after:
            return NOT_ENOUGH_MEMORY
        served[0] += 1
        return original(*args)

    callback = ffi.callback(ffi.typeof(original), countdown)
    setattr(vka, field, callback)
    try:
        yield served
    finally:
        setattr(vka, field, original)


@contextmanager
def slot_paths_unusable(vka: Any, after: int = 0) -> Iterator[list[int]]:
    """Past the first `after` cslots allocated from now, every path made for a fresh cslot names it
    with a depth no CNode resolves, so the kernel refuses a copy into it: the slot was found, the
    copy fails. Yields the slots spoiled."""
    alloc, make_path = vka.cspace_alloc, vka.cspace_make_path
    fresh: list[int] = []
    allocated = [0]

    def alloc_slot(data: Any, slot: Any) -> int:
        error = alloc(data, slot)
        if error == 0:
            allocated[0] += 1
            if allocated[0] > after:
                fresh.append(int(slot[0]))
        return error

    def path_of(data: Any, slot: int, out: Any) -> None:
        make_path(data, slot, out)
        if slot in fresh:
            out.capDepth = 1

    alloc_cb = ffi.callback(ffi.typeof(alloc), alloc_slot)
    path_cb = ffi.callback(ffi.typeof(make_path), path_of)
    vka.cspace_alloc, vka.cspace_make_path = alloc_cb, path_cb
    try:
        yield fresh
    finally:
        vka.cspace_alloc, vka.cspace_make_path = alloc, make_path


def _state(world: World, vspace: Any) -> tuple:
    """Mappings, frames, and caps net of objects: a paging structure the kernel made on the way
    (an object with its one cap) stays with the vspace and leaves the last two unchanged, while a
    cap copy or a cslot left behind changes them."""
    snap = world.snapshot()
    frames = tuple(snap.object_counts[t] for t in (PAGE_TYPE, LARGE_PAGE_TYPE))
    objects = sum(snap.object_counts)
    return ([(m.vaddr, m.frame_cap) for m in vspace.mappings()], frames, snap.used_slots - objects,
            snap.vka_free_slots + objects)


@pytest.fixture
def w():
    world = World(untyped_bits=24, cnode_bits=12)
    baseline = world.snapshot()
    yield world
    for vspace in list(world.vspaces):
        vspace.destroy()
    assert world.snapshot() == baseline, "tearing down did not give everything back"
    world.destroy()


# ---- share: the copy's slot, the copy, the record after the map ----

def _share_pair(w: World) -> tuple[Any, Any, Any, int]:
    source, target = w.new_vspace(), w.new_vspace()
    vaddr = source.new_pages(2)
    res = target.reserve_at(BASE, LARGE, RW)      # a whole table's span: kept as one marker, no table
    return source, target, res, vaddr


def _share(source: Any, target: Any, vaddr: int, res: Any, pages: int = 2) -> int:
    return lib.vspace_share_mem_at_vaddr(source.vs, target.vs, vptr(vaddr), pages, 12, vptr(BASE), res)


@pytest.mark.parametrize("page", [0, 1])
def test_share_without_a_cslot_for_the_copy(w, c_log, page):
    source, target, res, vaddr = _share_pair(w)
    assert target.new_pages_at(BASE + 4 * PAGE, 1, res) == 0     # tables below the share are there
    before = _state(w, target)
    with failing_vka(_vka_of(target), "cspace_alloc", page) as served:
        assert _share(source, target, vaddr, res) == NOT_ENOUGH_MEMORY     # the vka's error, passed on
    assert served == [page]
    assert _state(w, target) == before
    assert any("no slot for the copy" in e for e in _errors(c_log))
    assert _share(source, target, vaddr, res) == 0               # works once slots are there
    assert target.get_cap(BASE) != 0 and target.get_cap(BASE + PAGE) != 0
    target.unmap(BASE, 2, 12, VSPACE_FREE)         # the copies and their slots back


@pytest.mark.parametrize("page", [0, 1])
def test_share_when_the_copy_into_the_found_slot_fails(w, c_log, page):
    source, target, res, vaddr = _share_pair(w)
    assert target.new_pages_at(BASE + 4 * PAGE, 1, res) == 0
    before = _state(w, target)
    with slot_paths_unusable(_vka_of(target), after=page) as fresh:
        assert _share(source, target, vaddr, res) not in (0, -1)          # the kernel's error, passed on
    assert len(fresh) == 1, "exactly one copy found its slot and then failed"
    assert _state(w, target) == before, "the failed copy's slot (and any page shared before it) is back"
    assert any("failed to copy cap" in e for e in _errors(c_log))
    assert _share(source, target, vaddr, res) == 0
    target.unmap(BASE, 2, 12, VSPACE_FREE)


def test_share_when_the_record_after_the_map_runs_out(w, c_log):
    source, target, res, vaddr = _share_pair(w)
    before = _state(w, target)
    with failing_loader(target, 0):
        assert _share(source, target, vaddr, res, pages=1) == -1
    assert _state(w, target) == before, "the kernel mapping, the copy and its slot are gone again"
    errors = _errors(c_log)
    assert any("bookkeeping" in e for e in errors) and any("failed to map" in e for e in errors)
    assert _share(source, target, vaddr, res, pages=1) == 0
    target.unmap(BASE, 1, 12, VSPACE_FREE)


# ---- new pages, map pages: the record after the kernel's map, and the kernel's tables ----

def _attempt(kind: str, w: World, v: Any, res: Any, frame: Any) -> Callable[[], bool]:
    def run() -> bool:
        if kind == "new_pages_at_vaddr":
            return v.new_pages_at(BASE, 1, res) == 0
        if kind == "map_pages_at_vaddr":
            return v.map_at([frame.cptr], BASE, res) == 0
        if kind == "map_large_at_vaddr":
            return v.map_at([frame.cptr], BASE, res, size_bits=21, cookies=[7]) == 0
        if kind == "new_pages":
            run.vaddr = v.new_pages(1)
            return run.vaddr != 0
        run.vaddr = v.map_pages([frame.cptr])
        return run.vaddr != 0
    return run


KINDS = ["new_pages_at_vaddr", "map_pages_at_vaddr", "map_large_at_vaddr", "new_pages", "map_pages"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("short_of", ["bookkeeping", "kernel objects"])
def test_one_page_when_a_resource_runs_out_after_the_last_step(w, c_log, kind, short_of):
    """k = 0, 1, ...: the k-th loader request (or vka object allocation) from now fails; once the
    call succeeds and its pages are unmapped, tearing the vspace down gives everything back."""
    fresh = w.snapshot()
    v = w.new_vspace()
    res = v.reserve_at(BASE, LARGE, RW)            # a whole table's span: a marker, no tables yet
    frame = w.frame(21 if kind == "map_large_at_vaddr" else 12)
    run = _attempt(kind, w, v, res, frame)
    failures = 0
    for k in range(16):
        before = _state(w, v)
        c_log.clear()
        if short_of == "bookkeeping":
            with failing_loader(v, k):
                ok = run()
        else:
            # every object (frame or paging structure) comes through this one
            with failing_vka(_vka_of(v), "utspace_alloc_maybe_device", k):
                ok = run()
        if ok:
            break
        failures += 1
        assert _state(w, v) == before, f"failed attempt {k} changed something"
        assert _errors(c_log), f"failed attempt {k} logged nothing"
    else:
        raise AssertionError("never succeeded")
    assert failures >= 1
    vaddr = getattr(run, "vaddr", BASE)
    if kind == "map_large_at_vaddr":
        assert v.get_cookie(vaddr) == 7
        v.unmap(vaddr, 1, 21)
    elif kind in ("new_pages_at_vaddr", "new_pages"):
        v.unmap(vaddr, 1, 12, VSPACE_FREE)
    else:
        assert v.get_cap(vaddr) == frame.cptr
        v.unmap(vaddr, 1, 12)
    assert v.mappings() == []
    w.free(frame)
    # Checked here, not left to the fixture's teardown: a tree that leaks on this tear down fails
    # this call, where its defect is expected, instead of passing it and failing the teardown.
    v.destroy()
    assert w.snapshot() == fresh, "tearing the vspace down after the shortfall did not give everything back"


# ---- reservation structs running out ----

@pytest.mark.vendor_only("it fills vendor/'s page of reservation structs (upstream mallocs each)")
def test_reserving_when_the_page_of_reservation_structs_is_full(w, c_log):
    v = w.new_vspace()
    first = v.reserve_at(BASE, PAGE, RW)           # the tables of this 2 MiB span now exist
    held = [first]
    with failing_loader(v, 0):
        for i in range(1, 512):
            res = v.reserve_at(BASE + i * PAGE, PAGE, RW)
            if res.res == ffi.NULL:
                break
            held.append(res)
        else:
            raise AssertionError("the reservation structs never ran out")
        before = w.snapshot()
        full_at = BASE + len(held) * PAGE
        aligned, _ = v.reserve_aligned(PAGE, 12, RW)
        assert aligned.res == ffi.NULL
        holder = ffi.new("void **")
        assert lib.vspace_reserve_range_aligned(v.vs, PAGE, 12, RW, 1, holder).res == ffi.NULL
        assert w.snapshot() == before
    assert sum("reservation bookkeeping" in e for e in _errors(c_log)) >= 3
    again = v.reserve_at(full_at, PAGE, RW)
    assert again.res != ffi.NULL
    for res in held + [again]:
        v.free_reservation(res)


# ---- the implementations reached directly, with what the wrappers never pass ----

def test_implementations_refuse_a_null_vspace(w, c_log):
    v = w.new_vspace()
    assert v.vs.new_pages(ffi.NULL, RW, 1, 12) == ffi.NULL          # sel4utils_new_pages itself
    assert v.vs.get_root(ffi.NULL) == 0                              # sel4utils_get_root
    holder = ffi.new("sel4utils_res_t *")
    result = ffi.new("void **")
    assert lib.sel4utils_reserve_range_no_alloc_aligned(ffi.NULL, holder, PAGE, 12, RW, 1, result) == -1
    assert lib.sel4utils_reserve_range_at_no_alloc(ffi.NULL, holder, vptr(BASE), PAGE, RW, 1) == -1
    assert sum("NULL or not initialised" in e for e in _errors(c_log)) >= 3


def test_map_implementations_refuse_no_pages_and_no_caps(w, c_log):
    v = w.new_vspace()
    res = v.reserve_at(BASE, PAGE, RW)
    frame = w.frame()
    caps = ffi.new("seL4_CPtr[]", [frame.cptr])
    before = w.snapshot()
    assert v.vs.map_pages(v.vs, caps, ffi.NULL, RW, 0, 12, 1) == ffi.NULL
    assert v.vs.map_pages_at_vaddr(v.vs, ffi.NULL, ffi.NULL, vptr(BASE), 1, 12, res) == -1
    assert w.snapshot() == before and v.mappings() == []
    errors = _errors(c_log)
    assert any("virtual memory" in e for e in errors) and any("caps is NULL" in e for e in errors)
    if VENDOR_BUILD:
        assert "map_pages: no free virtual memory for 0 pages of 2^12 bytes" in errors
    w.free(frame)


def test_paddr_of_a_new_page_is_where_the_kernel_mapped_it(w):
    v = w.new_vspace()
    vaddr = v.new_pages(1)
    paddr = lib.sel4utils_get_paddr(v.vs, vptr(vaddr), PAGE_TYPE, 12)
    assert paddr != lib.VKA_NO_PADDR
    assert [m.paddr for m in v.mappings() if m.vaddr == vaddr] == [paddr]
    v.unmap(vaddr, 1, 12, VSPACE_FREE)


# ---- the ends of the address space, tables that are not there, and neighbouring reservations ----

def test_anywhere_allocation_at_the_top_of_the_address_space(w, c_log):
    """Everything from the first anywhere-address up to a 2 MiB gap below the top-level slot that
    holds the kernel's part (reserved when the vspace is made) is reserved: the search ends in that
    gap. A request larger than what is left below the kernel's part, and one a page larger than the
    gap, both find nothing; the gap itself is found."""
    v = w.new_vspace()
    top_slot = KERNEL_SLOT                      # the top-level slot holding KERNEL_RESERVED_START
    gap = top_slot - LARGE
    first = 0x1000_0000                         # where a loader-made vspace starts looking
    wall = v.reserve_at(first, gap - first, RW)
    assert wall.res != ffi.NULL
    before = w.snapshot()
    assert v.new_pages(1 << 28) == 0            # 1 TiB from the gap runs past the top (of any arch)
    assert v.new_pages(LARGE // PAGE + 1) == 0  # past the gap there is nowhere left to look
    assert w.snapshot() == before
    ran_out = [e for e in _errors(c_log) if "virtual memory" in e]
    assert len(ran_out) == 2
    if VENDOR_BUILD:
        assert ran_out == [f"new_pages: no free virtual memory for {n} pages of 2^12 bytes"
                           for n in (1 << 28, LARGE // PAGE + 1)]
    assert v.new_pages(LARGE // PAGE) == gap
    v.unmap(gap, LARGE // PAGE, 12, VSPACE_FREE)
    v.free_reservation(wall)


def test_unmap_where_no_table_was_ever_made_changes_nothing(w, c_log):
    v = w.new_vspace()
    res = v.reserve_at(BASE, LARGE, RW)        # a marker for the whole span: no bottom table
    before = w.snapshot()
    v.unmap(BASE + PAGE, 1)
    assert w.snapshot() == before
    assert any("no frame of 2^12 bytes is mapped" in e for e in _errors(c_log))
    assert v.new_pages_at(BASE + PAGE, 1, res) == 0              # still reserved, still usable
    v.unmap(BASE + PAGE, 1, 12, VSPACE_FREE)
    v.free_reservation(res)


def test_unmap_across_two_reservations_gives_each_page_back_to_its_own(w):
    v = w.new_vspace()
    low = v.reserve_at(BASE, PAGE, RW)
    high = v.reserve_at(BASE + PAGE, PAGE, RW)
    assert v.new_pages_at(BASE, 1, low) == 0 and v.new_pages_at(BASE + PAGE, 1, high) == 0
    v.unmap(BASE, 2, 12, VSPACE_FREE)
    assert v.mappings() == []
    # each page is reserved again, by its own reservation, and by no other
    assert v.new_pages_at(BASE + PAGE, 1, low) == -1
    assert v.new_pages_at(BASE, 1, low) == 0 and v.new_pages_at(BASE + PAGE, 1, high) == 0
    v.unmap(BASE, 2, 12, VSPACE_FREE)
    v.free_reservation(low)
    v.free_reservation(high)


def test_map_implementation_refuses_zero_pages(w, c_log):
    v = w.new_vspace()
    res = v.reserve_at(BASE, PAGE, RW)
    frame = w.frame()
    caps = ffi.new("seL4_CPtr[]", [frame.cptr])
    before = w.snapshot()
    assert v.vs.map_pages_at_vaddr(v.vs, caps, ffi.NULL, vptr(BASE), 0, 12, res) == -1
    assert w.snapshot() == before and v.mappings() == []
    assert any("is not a valid range" in e for e in _errors(c_log))
    w.free(frame)
    v.free_reservation(res)


def test_move_a_reservation_below_itself_without_overlap(w):
    v = w.new_vspace()
    res = v.reserve_at(BASE + 4 * PAGE, PAGE, RW)
    assert lib.sel4utils_move_resize_reservation(v.vs, res, vptr(BASE), 2 * PAGE) == 0
    r = lib.reservation_to_res(res)
    assert (r.start, r.end) == (BASE, BASE + 2 * PAGE)
    assert v.new_pages_at(BASE + 4 * PAGE, 1, res) == -1       # the old place is free again
    assert v.new_pages_at(BASE + PAGE, 1, res) == 0
    v.unmap(BASE + PAGE, 1, 12, VSPACE_FREE)
    v.free_reservation(res)


def test_growing_a_reservation_upwards_when_bookkeeping_runs_out(w, c_log):
    v = w.new_vspace()
    res = v.reserve_at(BASE + LARGE - PAGE, PAGE, RW)          # the last page of a span
    before = w.snapshot()
    with failing_loader(v, 0):
        # the added part ends inside the next span, which then needs a table of its own
        assert lib.sel4utils_move_resize_reservation(v.vs, res, vptr(BASE + LARGE - PAGE), 2 * PAGE) == -1
    assert w.snapshot() == before
    r = lib.reservation_to_res(res)
    assert (r.start, r.end) == (BASE + LARGE - PAGE, BASE + LARGE)
    assert any("out of bookkeeping memory" in e for e in _errors(c_log))
    assert lib.sel4utils_move_resize_reservation(v.vs, res, vptr(BASE + LARGE - PAGE), 2 * PAGE) == 0
    v.free_reservation(res)


@pytest.mark.parametrize("page", [0, 1, LARGE // PAGE - 1], ids=["first", "inside", "last"])
def test_a_4k_unmap_inside_a_large_frame_is_refused(w, c_log, page):
    """A 2 MiB frame fills 512 entries with one cap; none of them is a 4 KiB frame of its own."""
    v = w.new_vspace()
    res = v.reserve_at(BASE, LARGE, RW)
    frame = w.frame(21)
    assert v.map_at([frame.cptr], BASE, res, size_bits=21) == 0
    before, mapped = w.snapshot(), v.mappings()
    v.unmap(BASE + page * PAGE, 1)
    assert w.snapshot() == before and v.mappings() == mapped
    assert v.get_cap(BASE + page * PAGE) == frame.cptr
    assert any("no frame of 2^12 bytes is mapped" in e for e in _errors(c_log))
    v.unmap(BASE, 1, 21)
    assert v.mappings() == []
    w.free(frame)
    v.free_reservation(res)


def test_unmap_of_a_page_whose_cap_was_deleted_still_forgets_it(w, c_log):
    """Deleting a mapped frame cap unmaps it in the kernel; the vspace's unmap then gets an error
    from the kernel for that cap, logs it, and still forgets the page, which is reserved again."""
    v = w.new_vspace()
    res = v.reserve_at(BASE, PAGE, RW)
    frame = w.frame()
    copy = w.copy_cap(frame.cptr)
    assert v.map_at([copy], BASE, res) == 0
    w.delete_cap(copy)
    assert v.mappings() == []                  # the kernel no longer maps it
    v.unmap(BASE, 1)
    assert _errors(c_log), "the kernel's refusal was not logged"
    if VENDOR_BUILD:
        assert any("Failed to unmap the frame" in e for e in _errors(c_log))
    assert v.get_cap(BASE) == 0
    assert v.new_pages_at(BASE, 1, res) == 0   # back to reserved, usable again
    v.unmap(BASE, 1, 12, VSPACE_FREE)
    w.free(frame)
    v.free_reservation(res)


@pytest.mark.vendor_only("it forges vendor/'s owner mark, a field upstream's sel4utils_res_t does not have")
def test_a_struct_claiming_the_vspace_with_an_empty_range_is_no_reservation(w, c_log):
    """A sel4utils_res_t that carries this vspace's owner mark but no range (what a caller's own
    struct looks like when filled in by hand) is refused like a foreign one."""
    v = w.new_vspace()
    live = v.reserve_at(BASE, PAGE, RW)
    forged = ffi.new("sel4utils_res_t *")
    forged.owner = ffi.cast("sel4utils_res_t *", live.res).owner
    forged.start = forged.end = BASE
    fake = ffi.new("reservation_t *", {"res": forged})[0]
    frame = w.frame()
    before = w.snapshot()
    assert v.map_at([frame.cptr], BASE, fake) == -1
    assert w.snapshot() == before and v.mappings() == []
    assert any("not a reservation of this vspace" in e for e in _errors(c_log))
    assert v.map_at([frame.cptr], BASE, live) == 0            # the real one still works
    v.unmap(BASE, 1)
    w.free(frame)
    v.free_reservation(live)
