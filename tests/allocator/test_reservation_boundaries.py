# SPDX-License-Identifier: BSD-2-Clause
"""Reservation boundaries, for every vspace.h operation that looks an address up.

A reservation R covers [S, E). For each operation the four addresses that tell a boundary test
from a slip (`<` for `<=`, `>` for `>=`, the last page for the end): S (its first page), E - PAGE
(its last page), E (one past: outside) and S - PAGE (one before: outside), plus the ranges that
straddle either end. Driven straight through C (the Python layer checks ranges before C, which
would hide a slip in the library)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hostworld import PAGE, RW, VSPACE_FREE, VSPACE_PRESERVE, World, res_of, vptr
from sel4vspace.lowlevel import ffi, lib

N = 8                               # pages in R
S = 0x4000_0000 + 16 * PAGE         # inside one page table, with free pages on both sides
E = S + N * PAGE
POINTS = {"start": S, "last page": E - PAGE, "one past": E, "one before": S - PAGE}
INSIDE = {"start", "last page"}


@pytest.fixture
def world() -> Iterator[World]:
    w = World()
    yield w
    w.destroy()


def reserved(v: Any, vaddr: int) -> bool:
    """Whether vaddr is taken (reserved or mapped): a one-page reservation there is refused."""
    probe = v.reserve_at(vaddr, PAGE)
    if probe.res == ffi.NULL:
        return True
    v.free_reservation(probe)
    return False


def res_bounds(res: Any) -> tuple[int, int]:
    r = res_of(res)
    return int(r.start), int(r.end)


# ---- the map operations: inside R only, whole ranges only ----

def _map_at(world: World, v: Any, res: Any, vaddr: int, pages: int) -> int:
    caps = [world.frame().cptr for _ in range(pages)]
    return v.map_at(caps, vaddr, res)


def _deferred_map_at(world: World, v: Any, res: Any, vaddr: int, pages: int) -> int:
    caps = [world.frame().cptr for _ in range(pages)]
    return v.deferred_map_at(caps, vaddr, RW, res)


def _new_pages_at(world: World, v: Any, res: Any, vaddr: int, pages: int) -> int:
    return v.new_pages_at(vaddr, pages, res)


def _share_into(world: World, v: Any, res: Any, vaddr: int, pages: int) -> int:
    source = world.new_vspace()
    start = source.new_pages(pages)
    assert start != 0
    return lib.vspace_share_mem_at_vaddr(source.vs, v.vs, vptr(start), pages, 12, vptr(vaddr), res)


MAP_OPERATIONS: dict[str, tuple[Callable[..., int], bool]] = {
    "vspace_map_pages_at_vaddr": (_map_at, False),
    "vspace_deferred_rights_map_pages_at_vaddr": (_deferred_map_at, True),
    "vspace_new_pages_at_vaddr": (_new_pages_at, False),
    "vspace_share_mem_at_vaddr": (_share_into, False),
}


def _reservation(v: Any, deferred: bool) -> Any:
    res = v.reserve_deferred(S, N * PAGE) if deferred else v.reserve_at(S, N * PAGE)
    assert res.res != ffi.NULL
    return res


@pytest.mark.parametrize("point", list(POINTS))
@pytest.mark.parametrize("operation", list(MAP_OPERATIONS))
def test_map_operations_take_exactly_the_pages_of_the_reservation(world, operation, point):
    call, deferred = MAP_OPERATIONS[operation]
    v = world.new_vspace()
    res = _reservation(v, deferred)
    vaddr = POINTS[point]
    before = v.mappings()
    error = call(world, v, res, vaddr, 1)
    if point in INSIDE:
        assert error == 0, f"{operation} refused {point} of its reservation"
        assert [m.vaddr for m in v.mappings()] == [vaddr]
        assert v.get_cap(vaddr) != 0
    else:
        assert error != 0, f"{operation} mapped {point} of the reservation, outside it"
        assert v.mappings() == before
        assert v.get_cap(vaddr) == 0
    assert res_bounds(res) == (S, E)


@pytest.mark.parametrize("side", ["across the end", "across the start"])
@pytest.mark.parametrize("operation", list(MAP_OPERATIONS))
def test_map_operations_refuse_a_range_straddling_either_end(world, operation, side):
    call, deferred = MAP_OPERATIONS[operation]
    v = world.new_vspace()
    res = _reservation(v, deferred)
    vaddr = E - PAGE if side == "across the end" else S - PAGE
    assert call(world, v, res, vaddr, 2) != 0
    assert v.mappings() == []
    # the whole reservation, exactly, is fine
    assert call(world, v, res, S, N) == 0
    assert [m.vaddr for m in v.mappings()] == [S + i * PAGE for i in range(N)]


# ---- free_reservation_by_vaddr: any byte of R, and no other ----

@pytest.mark.parametrize("vaddr, frees", [
    (S, True), (S + 1, True), (E - PAGE, True), (E - 1, True),
    (E, False), (E + PAGE, False), (S - 1, False), (S - PAGE, False),
])
def test_free_reservation_by_vaddr_finds_exactly_the_reservation_holding_the_address(world, vaddr, frees):
    v = world.new_vspace()
    res = _reservation(v, False)
    lib.vspace_free_reservation_by_vaddr(v.vs, vptr(vaddr))
    # R's first and last pages are free again only if R went
    assert reserved(v, S) is not frees and reserved(v, E - PAGE) is not frees
    assert not reserved(v, E) and not reserved(v, S - PAGE)
    if not frees:
        assert res_bounds(res) == (S, E)


def test_free_reservation_by_vaddr_between_two_adjacent_reservations(world):
    v = world.new_vspace()
    low = v.reserve_at(S, N * PAGE)
    high = v.reserve_at(E, N * PAGE)
    assert low.res != ffi.NULL and high.res != ffi.NULL
    lib.vspace_free_reservation_by_vaddr(v.vs, vptr(E))          # high's first byte, low's end
    assert res_bounds(low) == (S, E) and reserved(v, E - PAGE)
    assert not reserved(v, E) and not reserved(v, E + (N - 1) * PAGE)
    lib.vspace_free_reservation_by_vaddr(v.vs, vptr(E - 1))      # low's last byte
    assert not reserved(v, S) and not reserved(v, E - PAGE)


# ---- reserve_range_at: next to R, never over it ----

@pytest.mark.parametrize("vaddr, pages, fits", [
    (E, 1, True), (S - PAGE, 1, True), (S - 4 * PAGE, 4, True), (E, 4, True),
    (E - PAGE, 1, False), (S, 1, False), (S - PAGE, 2, False), (E - PAGE, 2, False), (S - PAGE, N + 2, False),
])
def test_reserve_range_at_fits_next_to_a_reservation_and_never_over_it(world, vaddr, pages, fits):
    v = world.new_vspace()
    _reservation(v, False)
    other = v.reserve_at(vaddr, pages * PAGE)
    assert (other.res != ffi.NULL) is fits
    if fits:
        assert res_bounds(other) == (vaddr, vaddr + pages * PAGE)


# ---- unmap: a page inside R stays reserved, a page outside becomes free ----

@pytest.mark.parametrize("point", list(POINTS))
def test_unmapping_a_page_leaves_it_reserved_exactly_when_a_reservation_holds_it(world, point):
    v = world.new_vspace()
    res = _reservation(v, False)
    vaddr = POINTS[point]
    frame = world.frame()
    if point in INSIDE:
        assert v.map_at([frame.cptr], vaddr, res) == 0
    else:
        around = v.reserve_at(vaddr, PAGE)
        assert v.map_at([frame.cptr], vaddr, around) == 0
        v.free_reservation(around)         # the page stays mapped, in no reservation
    assert v.get_cap(vaddr) == frame.cptr
    v.unmap(vaddr, 1)
    assert v.get_cap(vaddr) == 0 and v.lookup(vaddr) is None
    if point in INSIDE:
        assert reserved(v, vaddr)
        assert v.map_at([frame.cptr], vaddr, res) == 0     # and can be mapped in R again
    else:
        assert not reserved(v, vaddr), f"the page {point} of a reservation stayed reserved after unmap"
        assert v.map_at([frame.cptr], vaddr, res) != 0


def test_a_page_mapped_anywhere_right_after_a_reservation_is_free_again_once_unmapped(world):
    v = world.new_vspace()
    frame = world.frame()
    first = v.map_pages([frame.cptr])
    assert first != 0
    v.unmap(first, 1)
    res = v.reserve_at(first - N * PAGE, N * PAGE)     # a reservation ending where it was
    assert res.res != ffi.NULL
    again = v.map_pages([frame.cptr])
    assert again == first                               # the anywhere cursor finds the same page
    v.unmap(again, 1)
    assert not reserved(v, again)
    assert v.map_pages([frame.cptr]) == first           # still part of the address space
    v.unmap(first, 1)
    probe = v.reserve_at(first, PAGE)
    assert probe.res != ffi.NULL


def test_new_pages_anywhere_never_land_in_or_right_at_a_reservation(world):
    v = world.new_vspace()
    first = v.new_pages(1)
    v.unmap(first, 1, vka=VSPACE_FREE)
    res = v.reserve_at(first, N * PAGE)                 # the anywhere cursor's spot, now reserved
    assert res.res != ffi.NULL
    got = v.new_pages(2)
    assert got != 0 and not (first <= got < first + N * PAGE) and not (first <= got + PAGE < first + N * PAGE)


# ---- move_resize_reservation: grow into free pages only, up to a neighbour's start ----

def test_move_resize_grows_up_to_a_neighbour_and_not_into_it(world):
    v = world.new_vspace()
    res = _reservation(v, False)
    neighbour = v.reserve_at(E + PAGE, PAGE)
    assert neighbour.res != ffi.NULL
    assert lib.sel4utils_move_resize_reservation(v.vs, res, vptr(S), (N + 1) * PAGE) == 0   # to E + PAGE
    assert res_bounds(res) == (S, E + PAGE)
    assert lib.sel4utils_move_resize_reservation(v.vs, res, vptr(S), (N + 2) * PAGE) != 0   # over the neighbour
    assert res_bounds(res) == (S, E + PAGE)
    assert lib.sel4utils_move_resize_reservation(v.vs, res, vptr(S - PAGE), (N + 2) * PAGE) == 0
    assert res_bounds(res) == (S - PAGE, E + PAGE)
    # shrinking from both ends frees exactly the pages given up
    assert lib.sel4utils_move_resize_reservation(v.vs, res, vptr(S), N * PAGE) == 0
    assert res_bounds(res) == (S, E)
    assert not reserved(v, S - PAGE) and not reserved(v, E) and reserved(v, S) and reserved(v, E - PAGE)


def test_unmapping_across_the_end_of_a_reservation_frees_the_page_past_it(world):
    v = world.new_vspace()
    res = _reservation(v, False)
    inside, outside = world.frame(), world.frame()
    assert v.map_at([inside.cptr], E - PAGE, res) == 0
    around = v.reserve_at(E, PAGE)
    assert v.map_at([outside.cptr], E, around) == 0
    v.free_reservation(around)
    v.unmap(E - PAGE, 2)                 # one call: the last page of R, then the page past it
    assert reserved(v, E - PAGE)
    assert not reserved(v, E), "the page past the reservation stayed reserved after unmap"


@pytest.mark.parametrize("vka", ["preserve", "free", "the vspace's vka"])
def test_one_unmap_through_several_reservations_and_gaps_puts_each_page_back_where_it_was(vka):
    # Page by page, across a bottom-table edge: reservation A (the unmap starts on its second page),
    # a free page, B, C right after B, a free page. Each page unmapped goes back to reserved inside
    # a reservation and to free outside one, whichever reservation the page before it was in.
    w = World()
    try:
        v = w.new_vspace()
        first = 0x4000_0000 + 2 * 1024 * 1024 - 5 * PAGE      # page 507 of a bottom table
        layout = ["A", "A", "A", None, "B", "B", "C", "C", None]
        reservations = {name: v.reserve_at(first + layout.index(name) * PAGE, layout.count(name) * PAGE)
                        for name in ("A", "B", "C")}
        for i, name in enumerate(layout):
            vaddr = first + i * PAGE
            res = reservations[name] if name else v.reserve_at(vaddr, PAGE)
            assert v.map_at([w.frame().cptr], vaddr, res) == 0
            if name is None:
                v.free_reservation(res)
        before = v.mappings()
        v.unmap(first + PAGE, len(layout) - 1,
                vka={"preserve": VSPACE_PRESERVE, "free": VSPACE_FREE, "the vspace's vka": w.vka}[vka])
        assert v.mappings() == before[:1]
        assert [reserved(v, first + i * PAGE) for i in range(1, len(layout))] == [
            name is not None for name in layout[1:]]
        assert reserved(v, first + len(layout) * PAGE) is False
    finally:
        w.destroy()


# ---- the bottom of the address space: a range at address 0 ----

ANYWHERE: dict[str, Callable[[Any, World], int]] = {
    "new_pages": lambda v, w: v.new_pages(2),
    "map_pages": lambda v, w: v.map_pages([w.frame().cptr, w.frame().cptr]),
    "reserve_range_aligned": lambda v, w: v.reserve_aligned(2 * PAGE)[1],
}


@pytest.mark.parametrize("operation", list(ANYWHERE))
def test_anywhere_calls_work_and_never_return_0_after_a_range_at_0_is_freed(world, operation):
    """Address 0 can be reserved, and freeing it brings the anywhere cursor down to it; the next
    anywhere call must still succeed, never at 0 (NULL: the wrappers' "nothing fits")."""
    v = world.new_vspace()
    res = v.reserve_at(0, PAGE)
    assert res.res != ffi.NULL
    v.free_reservation(res)
    got = ANYWHERE[operation](v, world)
    assert got != 0, f"vspace_{operation} found no room in an empty address space, or handed out address 0"
    assert got % PAGE == 0
    assert reserved(v, got)
