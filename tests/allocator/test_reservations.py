# SPDX-License-Identifier: BSD-2-Clause
"""Reservations: many of them, in any order, kept ordered; lookups that stay fast as they grow."""

from __future__ import annotations

import random
import time

import pytest

from hostworld import PAGE, RO, RW, ffi, lib, res_of, vptr

BASE = 0x1_0000_0000


def reservation_list(vspace) -> list[tuple[int, int]]:
    """(start, end) of every reservation, walking upstream's reservation_head list."""
    data = ffi.cast("sel4utils_alloc_data_t *", vspace.vs.data)
    out = []
    node = data.reservation_head
    while node != ffi.NULL:
        out.append((node.start, node.end))
        node = node.next
    return out


def test_many_reservations_in_random_order(world, vspace):
    rng = random.Random(7)
    slots = list(range(3000))
    rng.shuffle(slots)
    live = {}
    for slot in slots:
        vaddr = BASE + slot * 4 * PAGE
        res = vspace.reserve_at(vaddr, (1 + slot % 3) * PAGE, RW if slot % 2 else RO)
        assert res.res != ffi.NULL
        live[vaddr] = res
    expected = sorted(((v, v + (1 + ((v - BASE) // (4 * PAGE)) % 3) * PAGE) for v in live), reverse=True)
    assert reservation_list(vspace) == expected
    # free two thirds by reservation and by address, in random order
    victims = rng.sample(sorted(live), 2000)
    for i, vaddr in enumerate(victims):
        if i % 2:
            vspace.free_reservation(live.pop(vaddr))
        else:
            world.select()
            lib.vspace_free_reservation_by_vaddr(vspace.vs, vptr(vaddr + PAGE - 1))
            live.pop(vaddr)
    assert [start for start, _ in reservation_list(vspace)] == sorted(live, reverse=True)
    # the freed ranges are available again, the live ones are not
    for vaddr in victims[:50]:
        again = vspace.reserve_at(vaddr, PAGE, RW)
        assert again.res != ffi.NULL
        vspace.free_reservation(again)
    for vaddr in list(live)[:50]:
        assert vspace.reserve_at(vaddr, PAGE, RW).res == ffi.NULL


def test_unmap_returns_pages_to_their_reservation_among_many(world, vspace):
    frame = world.frame()
    reservations = [vspace.reserve_at(BASE + 2 * i * PAGE, PAGE, RW) for i in range(500)]
    assert all(r.res != ffi.NULL for r in reservations)
    target = BASE + 2 * 250 * PAGE
    assert vspace.map_at([frame.cptr], target, reservations[250]) == 0
    vspace.unmap(target, 1)
    # back to reserved (it is inside a reservation), not free
    assert vspace.reserve_at(target, PAGE, RW).res == ffi.NULL
    assert vspace.map_at([frame.cptr], target, reservations[250]) == 0
    # a page mapped outside any reservation becomes free when unmapped
    outside = vspace.map_pages([world.frame().cptr], RW)
    vspace.unmap(outside, 1)
    assert vspace.reserve_at(outside, PAGE, RW).res != ffi.NULL


def test_move_resize_reservation(world, vspace):
    res = vspace.reserve_at(BASE, 4 * PAGE, RW)
    blocker = vspace.reserve_at(BASE + 8 * PAGE, PAGE, RW)
    world.select()
    # grow up to the blocker: fine; past it: the end cannot move
    assert lib.sel4utils_move_resize_reservation(vspace.vs, res, vptr(BASE), 8 * PAGE) == 0
    assert (res_of(res).start, res_of(res).end) == (BASE, BASE + 8 * PAGE)
    assert lib.sel4utils_move_resize_reservation(vspace.vs, res, vptr(BASE), 9 * PAGE) == -2
    # move down and shrink: the old upper part is released
    assert lib.sel4utils_move_resize_reservation(vspace.vs, res, vptr(BASE - 2 * PAGE), 4 * PAGE) == 0
    assert (res_of(res).start, res_of(res).end) == (BASE - 2 * PAGE, BASE + 2 * PAGE)
    assert vspace.reserve_at(BASE + 4 * PAGE, PAGE, RW).res != ffi.NULL
    assert vspace.reserve_at(BASE - 2 * PAGE, PAGE, RW).res == ffi.NULL
    # move somewhere else entirely
    assert lib.sel4utils_move_resize_reservation(vspace.vs, res, vptr(BASE + 64 * PAGE), PAGE) == 0
    assert reservation_list(vspace)[0] == (BASE + 64 * PAGE, BASE + 65 * PAGE)
    assert vspace.reserve_at(BASE - 2 * PAGE, 4 * PAGE, RW).res != ffi.NULL
    assert blocker.res != ffi.NULL


def _time_lookups(vspace, world, count: int) -> float:
    """Seconds per map+unmap of one page while `count` reservations exist."""
    frame = world.frame()
    for i in range(count):
        assert vspace.reserve_at(BASE + 2 * i * PAGE, PAGE, RW).res != ffi.NULL
    target = BASE + 2 * (count // 2) * PAGE
    world.select()
    caps = ffi.new("seL4_CPtr[1]", [frame.cptr])
    res = ffi.new("reservation_t *")
    res.res = ffi.NULL
    data = ffi.cast("sel4utils_alloc_data_t *", vspace.vs.data)
    node = data.reservation_head
    while node.start != target:
        node = node.next
    res.res = node
    best = float("inf")
    for _attempt in range(5):
        rounds = 200
        began = time.perf_counter()
        for _ in range(rounds):
            lib.vspace_map_pages_at_vaddr(vspace.vs, caps, ffi.NULL, vptr(target), 1, 12, res[0])
            lib.vspace_unmap_pages(vspace.vs, vptr(target), 1, 12, lib.sel4vspace_vspace_preserve)
        best = min(best, (time.perf_counter() - began) / rounds)
    return best


def test_map_unmap_cost_does_not_grow_with_the_number_of_reservations(world):
    small = _time_lookups(world.new_vspace(), world, 100)
    large = _time_lookups(world.new_vspace(), world, 50000)
    # a list walk would cost tens of microseconds at 50,000; the index keeps it near the small case
    assert large < small * 3 + 5e-6, (small, large)
