# SPDX-License-Identifier: BSD-2-Clause
"""Allocator memory comes back after every free in a live vspace, not only at tear down.

For each way a vspace.h call gives something back (free_reservation, free_reservation_by_vaddr,
unmap_pages with and without the vka, move_resize_reservation shrinking), many of them in
several orders: after each free the world (cslots, untyped, objects) is as it was before the
matching allocation, and once all are freed the allocator's bookkeeping is back to where it
started (the sel4utils vspace may keep one partly used page of reservation structs), cycle after
cycle."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from hostworld import PAGE, VSPACE_FREE, World, vptr
from sel4vspace.lowlevel import ffi, lib

COUNT = 300                      # more reservations than one bookkeeping page holds
BASE = 0x5000_0000
ORDERS = ["newest first", "oldest first", "shuffled"]


@pytest.fixture
def world() -> Iterator[World]:
    w = World()
    yield w
    w.destroy()


def ordered(items: list, order: str) -> list:
    if order == "newest first":
        return items[::-1]
    if order == "oldest first":
        return list(items)
    shuffled = list(items)
    random.Random(7).shuffle(shuffled)
    return shuffled


def loader_bytes(world: World) -> int:
    return int(lib.sel4vspace_host_world_loader_bytes(world.w))


def world_state(world: World) -> tuple:
    s = world.snapshot()
    return s.used_slots, s.untyped_free, s.vka_free_slots, s.vka_free_untyped, s.object_counts


def warm(world: World, v) -> None:
    """Make the paging structures and bookkeeping tables of the region the tests use."""
    res = v.reserve_at(BASE, COUNT * 2 * PAGE)
    assert res.res != ffi.NULL
    assert v.new_pages_at(BASE, COUNT * 2, res) == 0
    v.unmap(BASE, COUNT * 2, vka=VSPACE_FREE)
    v.free_reservation(res)


def assert_bookkeeping_back(world: World, start: int, what: str) -> None:
    # one page of reservation structs may stay (so alternating reserve/free does not churn)
    assert loader_bytes(world) <= start + PAGE, f"{what}: {loader_bytes(world) - start} bookkeeping bytes kept"


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("how", ["free_reservation", "free_reservation_by_vaddr"])
def test_freeing_reservations_gives_their_bookkeeping_back_at_once(world, how, order):
    v = world.new_vspace()
    warm(world, v)
    start_bytes, start_state = loader_bytes(world), world_state(world)
    for cycle in range(3):
        reservations = [v.reserve_at(BASE + 2 * i * PAGE, PAGE) for i in range(COUNT)]
        assert all(r.res != ffi.NULL for r in reservations)
        peak = loader_bytes(world)
        assert peak > start_bytes + PAGE      # the structs took several pages
        for n, (i, r) in enumerate(ordered(list(enumerate(reservations)), order), 1):
            if how == "free_reservation":
                v.free_reservation(r)
            else:
                lib.vspace_free_reservation_by_vaddr(v.vs, vptr(BASE + 2 * i * PAGE))
            if order != "shuffled":
                # freed in the order they were made, pages of structs empty one after another:
                # never more bookkeeping than the live reservations need, plus the page kept
                live = COUNT - n
                assert loader_bytes(world) <= start_bytes + PAGE + (live * (peak - start_bytes)) // COUNT + 2 * PAGE
        assert_bookkeeping_back(world, start_bytes, f"cycle {cycle}, {how}, {order}")
        assert world_state(world) == start_state


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("vka", ["VSPACE_FREE", "VSPACE_PRESERVE"])
def test_unmapping_gives_the_frames_and_cslots_back_page_by_page(world, vka, order):
    v = world.new_vspace()
    warm(world, v)
    res = v.reserve_at(BASE, COUNT * PAGE)
    start_bytes = loader_bytes(world)
    start_state = world_state(world)
    if vka == "VSPACE_FREE":
        assert v.new_pages_at(BASE, COUNT, res) == 0
    else:
        frames = [world.frame() for _ in range(COUNT)]
        caller_state = world_state(world)
        assert v.map_at([f.cptr for f in frames], BASE, res) == 0
    pages = ordered(list(range(COUNT)), order)
    states = []
    for i in pages:
        v.unmap(BASE + i * PAGE, 1, vka=VSPACE_FREE if vka == "VSPACE_FREE" else lib.sel4vspace_vspace_preserve)
        states.append(world_state(world))
    if vka == "VSPACE_FREE":
        # each page's frame, its cap and its slot went with it: slots and objects fall page by page
        used = [s[0] for s in states]
        assert used == sorted(used, reverse=True) and len(set(used)) == COUNT
        assert states[-1] == start_state
    else:
        # the caller's frames stay the caller's: nothing of the world changes on unmap
        assert all(s == caller_state for s in states)
        for f in frames:
            world.free(f)
        assert world_state(world) == start_state
    assert v.mappings() == []
    assert loader_bytes(world) <= start_bytes
    # the pages are reserved again, and map again at no further cost
    assert v.new_pages_at(BASE, COUNT, res) == 0
    assert loader_bytes(world) <= start_bytes
    v.unmap(BASE, COUNT, vka=VSPACE_FREE)
    assert world_state(world) == start_state


def test_shrinking_a_reservation_gives_its_pages_back_to_the_address_space(world):
    v = world.new_vspace()
    warm(world, v)
    start_bytes, start_state = loader_bytes(world), world_state(world)
    res = v.reserve_at(BASE, COUNT * PAGE)
    for pages in range(COUNT - 1, 0, -37):
        assert lib.sel4utils_move_resize_reservation(v.vs, res, vptr(BASE), pages * PAGE) == 0
        freed = v.reserve_at(BASE + pages * PAGE, (COUNT - pages) * PAGE)
        assert freed.res != ffi.NULL, f"pages past {pages} stayed reserved after the shrink"
        v.free_reservation(freed)
    v.free_reservation(res)
    assert_bookkeeping_back(world, start_bytes, "after shrinking and freeing")
    assert world_state(world) == start_state


def test_alternating_reserve_and_free_costs_nothing_over_time(world):
    v = world.new_vspace()
    warm(world, v)
    start_bytes = loader_bytes(world)
    for i in range(2000):
        r = v.reserve_at(BASE + (i % 64) * PAGE, PAGE)
        assert r.res != ffi.NULL
        v.free_reservation(r)
        assert loader_bytes(world) <= start_bytes + PAGE
