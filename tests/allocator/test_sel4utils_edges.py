# SPDX-License-Identifier: BSD-2-Clause
"""The sel4utils vspace's own defences, reached straight through C (the Python layer stops these
inputs before they get here): vspaces that are not set up or already torn down, arguments the
vspace.h wrappers do not check (called through the implementation pointers), ranges past the
tables' reach, reservations of another vspace, move_resize_reservation in every shape, and the
loader-form constructors and helpers of bootstrap.c. Each case asserts the refusal (result and
logged line) and that nothing changed.
"""

from __future__ import annotations

from typing import Any

import pytest
from archfacts import PAGE_TYPE
from hostworld import PAGE, RW, VSPACE_FREE, VSPACE_PRESERVE, World, as_int, ffi, lib, vptr
from upstream_defects import VENDOR_BUILD

BASE = 0x4000_0000
LIMIT = 1 << 48           # SEL4UTILS_VSPACE_LIMIT on x86_64
LARGE = 1 << 21


def _errors(c_log) -> list[str]:
    return [message for level, message in c_log.lines if level in ("ERROR", "CRITICAL")]


@pytest.fixture
def w():
    world = World(untyped_bits=24, cnode_bits=12)
    yield world
    world.destroy()


# ---- vspaces that are not set up, or torn down ----

def _calls(vs: Any, res: Any, cap: int) -> dict[str, Any]:
    caps = ffi.new("seL4_CPtr[]", [cap])
    return {
        "new_pages": lambda: lib.vspace_new_pages(vs, RW, 1, 12),
        "map_pages": lambda: lib.vspace_map_pages(vs, caps, ffi.NULL, RW, 1, 12, 1),
        "new_pages_at_vaddr": lambda: lib.vspace_new_pages_at_vaddr(vs, vptr(BASE), 1, 12, res),
        "map_pages_at_vaddr": lambda: lib.vspace_map_pages_at_vaddr(vs, caps, ffi.NULL, vptr(BASE), 1, 12, res),
        "deferred_rights_map_pages_at_vaddr": lambda: lib.vspace_deferred_rights_map_pages_at_vaddr(
            vs, caps, ffi.NULL, vptr(BASE), 1, 12, RW, res),
        "unmap_pages": lambda: lib.vspace_unmap_pages(vs, vptr(BASE), 1, 12, VSPACE_PRESERVE),
        "reserve_range_aligned": lambda: lib.vspace_reserve_range_aligned(vs, PAGE, 12, RW, 1, ffi.new("void **")),
        "reserve_range_at": lambda: lib.vspace_reserve_range_at(vs, vptr(BASE + 0x100000), PAGE, RW, 1),
        "reserve_deferred_rights_range_at": lambda: lib.vspace_reserve_deferred_rights_range_at(
            vs, vptr(BASE + 0x100000), PAGE, 1),
        "free_reservation": lambda: lib.vspace_free_reservation(vs, res),
        "free_reservation_by_vaddr": lambda: lib.vspace_free_reservation_by_vaddr(vs, vptr(BASE)),
        "get_cap": lambda: lib.vspace_get_cap(vs, vptr(BASE)),
        "get_cookie": lambda: lib.vspace_get_cookie(vs, vptr(BASE)),
        "get_paddr": lambda: lib.sel4utils_get_paddr(vs, vptr(BASE), PAGE_TYPE, 12),
        "move_resize_reservation": lambda: lib.sel4utils_move_resize_reservation(vs, res, vptr(BASE), 2 * PAGE),
        "tear_down": lambda: lib.vspace_tear_down(vs, VSPACE_PRESERVE),
    }


def _refused(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, int):
        return value in (-1, 0, int(lib.VKA_NO_PADDR))
    if ffi.typeof(value) is ffi.typeof("reservation_t"):
        return value.res == ffi.NULL
    return value == ffi.NULL


@pytest.mark.parametrize("call", sorted(_calls(ffi.NULL, None, 0)))
@pytest.mark.parametrize("state", ["not set up", "torn down"])
def test_a_vspace_not_set_up_or_torn_down_refuses_everything(w, c_log, call, state):
    v = w.new_vspace()
    frame = w.frame()
    res = v.reserve_at(BASE, 2 * PAGE, RW)
    if state == "not set up":
        target = ffi.new("vspace_t *")
        target[0] = v.vs[0]             # the operations, without their data
        target.data = ffi.NULL
        word = "not initialised"
    else:
        lib.vspace_tear_down(v.vs, VSPACE_PRESERVE)
        target = v.vs
        word = "torn down"
    before = w.snapshot()
    c_log.clear()
    assert _refused(_calls(target, res, frame.cptr)[call]())
    assert any(word in line for line in _errors(c_log)), c_log.lines
    assert w.snapshot() == before
    if state == "not set up":
        assert lib.vspace_get_root(target) == 0
    w.free(frame)


def test_share_refuses_a_dead_vspace_on_either_side(w, c_log):
    a, b = w.new_vspace(), w.new_vspace()
    res = b.reserve_at(BASE, PAGE, RW)
    vaddr = a.new_pages(1)
    dead = ffi.new("vspace_t *")
    dead[0] = a.vs[0]
    dead.data = ffi.NULL
    assert lib.vspace_share_mem_at_vaddr(dead, b.vs, vptr(vaddr), 1, 12, vptr(BASE), res) == -1
    assert lib.vspace_share_mem_at_vaddr(a.vs, dead, vptr(vaddr), 1, 12, vptr(BASE), res) == -1
    assert b.mappings() == [] and len(_errors(c_log)) >= 2


# ---- arguments the wrappers let through, straight to the implementation ----

def test_implementations_refuse_sizes_that_are_no_frame(w, c_log):
    v = w.new_vspace()
    res = v.reserve_at(BASE, LARGE, RW)
    frame = w.frame()
    caps = ffi.new("seL4_CPtr[]", [frame.cptr])
    vs = v.vs
    before = w.snapshot()
    assert vs.new_pages(vs, RW, 1, 13) == ffi.NULL
    assert vs.map_pages(vs, caps, ffi.NULL, RW, 1, 13, 1) == ffi.NULL
    assert vs.map_pages(vs, ffi.NULL, ffi.NULL, RW, 1, 12, 1) == ffi.NULL          # NULL caps
    assert vs.map_pages_at_vaddr(vs, caps, ffi.NULL, vptr(BASE), 1, 13, res) == -1
    assert vs.new_pages_at_vaddr(vs, vptr(BASE), 1, 13, res, False) == -1
    vs.unmap_pages(vs, vptr(BASE), 1, 13, VSPACE_PRESERVE)
    assert vs.reserve_range_aligned(vs, PAGE, 13, RW, 1, ffi.new("void **")).res == ffi.NULL
    assert w.snapshot() == before
    assert len(_errors(c_log)) >= 7
    w.free(frame)


def test_ranges_past_the_tables_reach_are_refused(w, c_log):
    v = w.new_vspace()
    res = v.reserve_at(BASE, 4 * PAGE, RW)
    frame = w.frame()
    caps = ffi.new("seL4_CPtr[]", [frame.cptr])
    vs = v.vs
    before = w.snapshot()
    # map: pages beyond the limit, a start beyond it, and a count no address space holds
    assert lib.vspace_map_pages_at_vaddr(vs, caps, ffi.NULL, vptr(LIMIT - PAGE), 2, 12, res) == -1
    assert lib.vspace_map_pages_at_vaddr(vs, caps, ffi.NULL, vptr(LIMIT), 1, 12, res) == -1
    assert lib.vspace_map_pages_at_vaddr(vs, caps, ffi.NULL, vptr(BASE), 2**40, 12, res) == -1
    assert lib.vspace_map_pages_at_vaddr(vs, caps, ffi.NULL, vptr(BASE), 1, 64, res) == -1
    assert lib.vspace_new_pages_at_vaddr(vs, vptr(LIMIT - PAGE), 2, 12, res) == -1
    lib.vspace_unmap_pages(vs, vptr(LIMIT - PAGE), 2, 12, VSPACE_PRESERVE)
    # reservations: past the limit, wrapping, nothing to reserve (through the no-alloc forms)
    assert lib.vspace_reserve_range_at(vs, vptr(LIMIT), PAGE, RW, 1).res == ffi.NULL
    assert lib.vspace_reserve_range_at(vs, vptr(LIMIT - PAGE), 2 * PAGE, RW, 1).res == ffi.NULL
    holder = ffi.new("sel4utils_res_t *")
    assert lib.sel4utils_reserve_range_at_no_alloc(vs, holder, vptr(BASE + LARGE), 0, RW, 1) == -1
    assert lib.sel4utils_reserve_range_at_no_alloc(vs, ffi.NULL, vptr(BASE + LARGE), PAGE, RW, 1) == -1
    result = ffi.new("void **")
    assert lib.sel4utils_reserve_range_no_alloc_aligned(vs, ffi.NULL, PAGE, 12, RW, 1, result) == -1
    assert lib.sel4utils_reserve_range_no_alloc_aligned(vs, holder, PAGE, 12, RW, 1, ffi.NULL) == -1
    assert lib.sel4utils_reserve_range_no_alloc_aligned(vs, holder, 0, 12, RW, 1, result) == -1
    assert lib.sel4utils_reserve_range_no_alloc_aligned(vs, holder, PAGE, 16, RW, 1, result) == -1
    # anywhere: more than fits below the kernel's part
    assert lib.vspace_new_pages(vs, RW, 2**36, 12) == ffi.NULL
    assert lib.vspace_reserve_range_aligned(vs, 1 << 47, 30, RW, 1, result).res == ffi.NULL
    # lookups past the limit find nothing
    assert lib.vspace_get_cap(vs, vptr(LIMIT + PAGE)) == 0
    assert lib.vspace_get_cookie(vs, vptr(LIMIT + PAGE)) == 0
    assert w.snapshot() == before
    assert len(_errors(c_log)) >= 14
    w.free(frame)


def test_the_no_alloc_reservation_forms_work_with_a_callers_struct(w):
    v = w.new_vspace()
    holder = ffi.new("sel4utils_res_t *")
    result = ffi.new("void **")
    assert lib.sel4utils_reserve_range_no_alloc(v.vs, holder, 3 * PAGE, RW, 1, result) == 0
    start = as_int(result[0])
    assert (holder.start, holder.end) == (start, start + 3 * PAGE)
    res = ffi.new("reservation_t *", {"res": holder})[0]
    frame = w.frame()
    assert v.map_at([frame.cptr], start, res) == 0
    v.unmap(start, 1)
    v.free_reservation(res)                     # not malloced: the caller's struct stays the caller's
    at = ffi.new("sel4utils_res_t *")
    assert lib.sel4utils_reserve_range_at_no_alloc(v.vs, at, vptr(BASE), PAGE, RW, 1) == 0
    assert lib.sel4utils_reserve_range_at_no_alloc(v.vs, at, vptr(BASE), PAGE, RW, 1) == -1   # taken
    v.free_reservation(ffi.new("reservation_t *", {"res": at})[0])
    w.free(frame)


def test_a_reservation_of_another_vspace_is_refused_everywhere(w, c_log):
    a, b = w.new_vspace(), w.new_vspace()
    theirs = b.reserve_at(BASE, 4 * PAGE, RW)
    frame = w.frame()
    before = w.snapshot()
    assert a.map_at([frame.cptr], BASE, theirs) == -1
    assert a.new_pages_at(BASE, 1, theirs) == -1
    a.free_reservation(theirs)
    assert lib.sel4utils_move_resize_reservation(a.vs, theirs, vptr(BASE), PAGE) == -1
    vaddr = a.new_pages(1)
    after_new = w.snapshot()
    assert lib.vspace_share_mem_at_vaddr(b.vs, a.vs, vptr(BASE), 1, 12, vptr(vaddr + PAGE), theirs) == -1
    assert w.snapshot() == after_new and before != after_new
    assert sum("not a reservation of this vspace" in e for e in _errors(c_log)) >= 4
    w.free(frame)


@pytest.mark.vendor_only("it reads vendor/'s words for the refusal; upstream reads a page at a time from vaddr, "
                         "which leaves the last page such a range touches unread")
@pytest.mark.parametrize("first_page", [0, 509, 510, 511], ids=lambda i: f"page{i}")
def test_a_range_starting_inside_a_page_is_checked_over_every_page_it_touches(w, c_log, first_page):
    # The map calls take any vaddr; [vaddr, vaddr + pages) starting half-way into a page also covers
    # half of the page after its last whole one. The reservation check reads every page the range
    # touches (in the same bottom table or, from page 511, the next), so a range that reaches a
    # mapped page is refused there, before any frame is allocated or the kernel is asked.
    v = w.new_vspace()
    start = BASE + LARGE + first_page * PAGE          # page first_page of a bottom table
    res = v.reserve_at(start, 4 * PAGE, RW)
    deferred = v.reserve_deferred(BASE + 3 * LARGE + first_page * PAGE, 4 * PAGE)
    mine, spare = w.frame(), w.frame()
    assert v.map_at([mine.cptr], start + 2 * PAGE, res) == 0
    assert v.deferred_map_at([mine.cptr], BASE + 3 * LARGE + first_page * PAGE + 2 * PAGE, RW, deferred) == -1
    other = w.frame()
    assert v.deferred_map_at([other.cptr], BASE + 3 * LARGE + first_page * PAGE + 2 * PAGE, RW, deferred) == 0
    before, mappings = w.snapshot(), v.mappings()
    c_log.clear()
    half = start + PAGE + PAGE // 2                   # touches pages 1 and 2 of the reservation
    assert v.map_at([spare.cptr], half, res) == -1
    assert v.new_pages_at(half, 1, res) == -1
    assert v.deferred_map_at([spare.cptr], BASE + 3 * LARGE + first_page * PAGE + PAGE + PAGE // 2, RW,
                             deferred) == -1
    assert v.mappings() == mappings and w.snapshot() == before
    errors = _errors(c_log)
    assert len(errors) == 3 and all("is not reserved and unmapped in the reservation" in e for e in errors), errors
    # the pages before the mapped one, from inside the first: one page's bytes over two free pages
    assert v.map_at([spare.cptr], start + PAGE // 2, res) == -1   # the kernel's refusal: not aligned
    assert any("would not map" in e for e in _errors(c_log))
    assert v.mappings() == mappings
    for frame in (mine, spare, other):
        w.free(frame)


def test_share_refuses_bad_counts_sizes_ranges_and_holes(w, c_log):
    a, b = w.new_vspace(), w.new_vspace()
    res = b.reserve_at(BASE, 4 * PAGE, RW)
    deferred = b.reserve_deferred(BASE + LARGE, PAGE)
    vaddr = a.new_pages(2)
    before = w.snapshot()
    share = a.vs.share_mem_at_vaddr      # the implementation itself: the wrapper checks some of these
    assert share(a.vs, b.vs, vptr(vaddr), 1, 13, vptr(BASE), res) == -1
    assert share(a.vs, b.vs, vptr(vaddr), -1, 12, vptr(BASE), res) == -1
    assert share(a.vs, b.vs, vptr(vaddr), 1, 12, vptr(LIMIT), res) == -1
    assert share(a.vs, b.vs, vptr(LIMIT), 1, 12, vptr(BASE), res) == -1
    assert share(a.vs, b.vs, vptr(vaddr), 1, 12, vptr(BASE + LARGE), deferred) == -1
    assert share(a.vs, b.vs, vptr(vaddr), 5, 12, vptr(BASE), res) == -1       # past the reservation
    assert w.snapshot() == before
    # a hole in the source part-way: the pages shared so far are undone, copies and all; only the
    # paging structures made for them stay with the vspace (freed at tear down, as upstream)
    tables = b.paging_objects
    assert share(a.vs, b.vs, vptr(vaddr), 3, 12, vptr(BASE), res) == -1
    assert b.mappings() == [] and b.get_cap(BASE) == 0 and b.paging_objects > tables
    assert w.snapshot().object_counts[PAGE_TYPE] == before.object_counts[PAGE_TYPE]
    assert share(a.vs, b.vs, vptr(vaddr), 2, 12, vptr(BASE), res) == 0     # the range is whole again
    assert len(_errors(c_log)) >= 7


def test_share_running_out_of_cslots_part_way_undoes_itself(c_log):
    world = World(untyped_bits=22, cnode_bits=9)
    try:
        a, b = world.new_vspace(), world.new_vspace()
        res = b.reserve_at(BASE, 64 * PAGE, RW)
        vaddr = a.new_pages(64)
        spare = []
        while lib.sel4vspace_host_world_free_slots(world.w) > 4:
            frame = ffi.new("vka_object_t *")
            if lib.sel4vspace_host_alloc_frame(world.w, 12, frame) != 0:
                break
            spare.append(frame)
        assert lib.sel4vspace_host_world_free_slots(world.w) < 64
        before = world.snapshot()
        assert lib.vspace_share_mem_at_vaddr(a.vs, b.vs, vptr(vaddr), 64, 12, vptr(BASE), res) != 0
        assert b.mappings() == []
        after = world.snapshot()
        assert (after.vka_free_slots, after.used_slots) == (before.vka_free_slots, before.used_slots)
        for frame in spare:
            world.free(frame)
    finally:
        world.destroy()


# ---- unmap: what counts as a frame of exactly that size ----

def test_unmap_refuses_anything_but_whole_frames_of_the_size_given(w, c_log):
    v = w.new_vspace()
    res = v.reserve_at(BASE, 4 * LARGE, RW)
    large = w.frame(21)
    small = [w.frame() for _ in range(3)]
    assert v.map_at([large.cptr], BASE + LARGE, res, 21) == 0
    assert v.map_at([f.cptr for f in small], BASE + 3 * LARGE - PAGE, res) == 0   # across a boundary
    before, mappings = w.snapshot(), v.mappings()
    for vaddr, size_bits in [(BASE + LARGE + PAGE, 21),        # misaligned for its size
                             (BASE + LARGE, 12),               # part of a larger frame
                             (BASE + 2 * LARGE - PAGE, 21),    # not aligned, straddles
                             (BASE + 2 * LARGE + PAGE, 12),    # after the large frame: nothing there
                             (BASE + 3 * LARGE, 21),           # 4 KiB pages, asked as 2 MiB
                             (BASE + LARGE + LARGE // 2, 12),  # the middle of a large frame
                             (0x7000_0000, 12)]:               # no table below at all
        v.unmap(vaddr, 1, size_bits, VSPACE_PRESERVE)
        assert v.mappings() == mappings and w.snapshot() == before, (hex(vaddr), size_bits)
    assert sum("nothing was unmapped" in e for e in _errors(c_log)) == 7
    v.unmap(BASE + LARGE, 1, 21, VSPACE_PRESERVE)
    v.unmap(BASE + 3 * LARGE - PAGE, 3, 12, VSPACE_PRESERVE)
    assert v.mappings() == []
    for frame in [large, *small]:
        w.free(frame)


def test_tear_down_frees_large_frames_the_vspace_allocated(w):
    before = w.snapshot()
    v = w.new_vspace()
    assert v.new_pages(2, RW, 21) and v.new_pages(3)
    v.destroy(VSPACE_FREE)
    assert w.snapshot() == before


# ---- move_resize_reservation ----

def _res_bounds(res: Any) -> tuple[int, int]:
    r = lib.reservation_to_res(res)
    return int(r.start), int(r.end)


@pytest.mark.parametrize("new_start,new_size,expect", [
    (BASE - PAGE, 3 * PAGE, (BASE - PAGE, BASE + 2 * PAGE)),            # grow down
    (BASE, 6 * PAGE, (BASE, BASE + 6 * PAGE)),                          # grow up
    (BASE - PAGE, 6 * PAGE, (BASE - PAGE, BASE + 5 * PAGE)),            # grow both ways
    (BASE + PAGE, PAGE, (BASE + PAGE, BASE + 2 * PAGE)),                # shrink both ends
    (BASE + 0x10_0000, 2 * PAGE, (BASE + 0x10_0000, BASE + 0x10_2000)), # move away, no overlap
    (BASE + 5, 2 * PAGE, (BASE, BASE + 3 * PAGE)),                      # rounded out to pages
])
def test_move_resize_reservation_moves_and_resizes(w, new_start, new_size, expect):
    v = w.new_vspace()
    res = v.reserve_at(BASE, 2 * PAGE, RW)
    assert lib.sel4utils_move_resize_reservation(v.vs, res, vptr(new_start), new_size) == 0
    assert _res_bounds(res) == expect
    # the new range is reserved, the old outside it is free again
    frame = w.frame()
    assert v.map_at([frame.cptr], expect[0], res) == 0
    v.unmap(expect[0], 1)
    for page in (BASE, BASE + PAGE):
        if not expect[0] <= page < expect[1]:
            again = v.reserve_at(page, PAGE, RW)
            assert again.res != ffi.NULL
            v.free_reservation(again)
    v.free_reservation(res)
    w.free(frame)


def test_move_resize_reservation_refuses_taken_ranges_and_bad_bounds(w, c_log):
    v = w.new_vspace()
    below = v.reserve_at(BASE - 2 * PAGE, PAGE, RW)
    res = v.reserve_at(BASE, 2 * PAGE, RW)
    above = v.reserve_at(BASE + 4 * PAGE, PAGE, RW)
    before = w.snapshot()
    assert lib.sel4utils_move_resize_reservation(v.vs, res, vptr(BASE - 2 * PAGE), 4 * PAGE) == -1
    assert lib.sel4utils_move_resize_reservation(v.vs, res, vptr(BASE), 6 * PAGE) == -2
    # past the top of the address space: refused (which end it blames differs: -1 here, -2 upstream)
    assert lib.sel4utils_move_resize_reservation(v.vs, res, vptr(LIMIT), PAGE) < 0
    assert _res_bounds(res) == (BASE, BASE + 2 * PAGE)
    assert w.snapshot() == before
    if VENDOR_BUILD:
        # vendor/ refuses to shrink a reservation to nothing; upstream leaves it empty
        assert lib.sel4utils_move_resize_reservation(v.vs, res, vptr(BASE), 0) == -1
        assert _res_bounds(res) == (BASE, BASE + 2 * PAGE)
    for r in (below, res, above):
        v.free_reservation(r)


def test_move_resize_reservation_refuses_a_struct_it_never_listed(w, c_log):
    v = w.new_vspace()
    res = v.reserve_at(BASE, 2 * PAGE, RW)
    before = w.snapshot()
    unlisted = ffi.new("sel4utils_res_t *")      # kept referenced: C reads it
    stale = ffi.new("reservation_t *", {"res": unlisted})[0]
    assert lib.sel4utils_move_resize_reservation(v.vs, stale, vptr(BASE + 8 * PAGE), PAGE) == -1
    assert w.snapshot() == before
    assert v.reserve_at(BASE + 8 * PAGE, PAGE, RW).res != ffi.NULL, "the range was reserved for a stranger"
    v.free_reservation(res)


# ---- bootstrap.c: the loader form, and the forms the host cannot run ----

def test_get_vspace_needs_every_argument(w, c_log):
    v = w.new_vspace()
    loader = ffi.new("vspace_t *")
    target = ffi.new("vspace_t *")
    data = ffi.new("sel4utils_alloc_data_t *")
    vka = lib.sel4vspace_host_world_vka(w.w)
    root = v.root
    for args in [(ffi.NULL, target, data, vka), (loader, ffi.NULL, data, vka), (loader, target, ffi.NULL, vka),
                 (loader, target, data, ffi.NULL)]:
        assert lib.sel4utils_get_vspace_with_map(*args, root, ffi.NULL, ffi.NULL, ffi.NULL) == -1
    assert lib.sel4utils_get_vspace_with_map(loader, target, data, vka, root, ffi.NULL, ffi.NULL, ffi.NULL) == -1
    # a loader that cannot give bookkeeping memory: refused, the vspace left unusable, not half made
    assert lib.sel4utils_get_vspace(loader, target, data, vka, root, ffi.NULL, ffi.NULL) == -1
    assert target.data == ffi.NULL
    assert len(_errors(c_log)) >= 6


@pytest.mark.vendor_only("vendor/ refuses the self-bootstrapping forms on a host; upstream's write to the "
                         "addresses they manage, which only exist on seL4")
def test_the_self_bootstrapping_forms_refuse_on_the_host(c_log):
    vspace = ffi.new("vspace_t *")
    data = ffi.new("sel4utils_alloc_data_t *")
    assert lib.sel4utils_bootstrap_vspace(vspace, data, 1, ffi.NULL, ffi.NULL, ffi.NULL, ffi.NULL) == -1
    assert lib.sel4utils_bootstrap_vspace_with_bootinfo(vspace, data, 1, ffi.NULL, ffi.NULL, ffi.NULL, ffi.NULL) == -1
    assert lib.sel4utils_bootstrap_vspace_leaky(vspace, data, 1, ffi.NULL, ffi.NULL) == -1
    assert lib.sel4utils_bootstrap_vspace_with_bootinfo_leaky(vspace, data, 1, ffi.NULL, ffi.NULL) == -1
    start, end = ffi.new("uintptr_t *", 7), ffi.new("uintptr_t *", 7)
    lib.sel4utils_get_image_region(start, end)
    assert (start[0], end[0]) == (0, 0)
    lib.sel4utils_get_image_region(ffi.NULL, ffi.NULL)
    assert len(_errors(c_log)) >= 6


def test_clone_into_vspace_needs_both_vspaces_and_an_image(w, c_log):
    v = w.new_vspace()
    image = v.reserve_at(BASE, PAGE, RW)
    assert lib.sel4utils_bootstrap_clone_into_vspace(ffi.NULL, v.vs, image) == -1
    assert lib.sel4utils_bootstrap_clone_into_vspace(v.vs, ffi.NULL, image) == -1
    assert lib.sel4utils_bootstrap_clone_into_vspace(v.vs, v.vs, ffi.new("reservation_t *")[0]) == -1
    assert len(_errors(c_log)) == 3
