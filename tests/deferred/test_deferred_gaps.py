# SPDX-License-Identifier: BSD-2-Clause
"""Where upstream's deferred-rights series stops short: new_pages_at_vaddr and share_mem_at_vaddr
accept a deferred reservation and map with no rights.
vendor/ refuses both, as deferred_rights_map_pages_at_vaddr refuses a reservation with rights."""

from __future__ import annotations

from hostworld import PAGE, RW, World, ffi, lib, res_of, vptr

BASE = 0x4000_0000


def test_new_pages_at_vaddr_refuses_a_deferred_reservation(world, vspace, c_log):
    res = vspace.reserve_deferred(BASE, 4 * PAGE)
    before = world.snapshot()
    assert vspace.new_pages_at(BASE, 4, res) == -1
    assert c_log.lines[-1][0] == "ERROR"
    # nothing allocated, nothing mapped, the reservation untouched
    assert vspace.mappings() == []
    assert world.snapshot() == before
    assert res_of(res).rights_deferred
    assert vspace.deferred_map_at([world.frame().cptr], BASE, RW, res) == 0


def test_share_mem_at_vaddr_refuses_a_deferred_reservation(world, c_log):
    owner = world.new_vspace()
    client = world.new_vspace()
    start = owner.new_pages(2)
    assert start != 0
    res = client.reserve_deferred(BASE, 2 * PAGE)
    before = world.snapshot()
    world.select()
    error = lib.vspace_share_mem_at_vaddr(owner.vs, client.vs, vptr(start), 2, 12, vptr(BASE), res)
    assert error != 0
    assert c_log.lines[-1][0] == "ERROR"
    assert client.mappings() == []
    assert world.snapshot() == before   # no cap copies left behind


def test_the_other_map_paths_still_work_on_a_plain_reservation():
    # the refusals above are about deferred reservations only
    world = World()
    try:
        owner, client = world.new_vspace(), world.new_vspace()
        start = owner.new_pages(2)
        assert owner.write(start, b"shared bytes") is None
        res = client.reserve_at(BASE, 2 * PAGE, RW)
        world.select()
        assert lib.vspace_share_mem_at_vaddr(owner.vs, client.vs, vptr(start), 2, 12, vptr(BASE), res) == 0
        assert client.read(BASE, 12) == b"shared bytes"
        other = client.reserve_at(BASE + 0x10_0000, 2 * PAGE, RW)
        assert client.new_pages_at(BASE + 0x10_0000, 2, other) == 0
        assert len(client.mappings()) == 4
        assert ffi.NULL != other.res
    finally:
        world.destroy()
