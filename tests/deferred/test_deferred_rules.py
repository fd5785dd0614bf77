# SPDX-License-Identifier: BSD-2-Clause
"""The deferred-rights rules of the sel4utils vspace, as seL4_libs defines them, end to end on the
simulated kernel: what a deferred reservation is, what deferred_rights_map_pages_at_vaddr and
map_pages_at_vaddr refuse, and the rights the kernel really gives the resulting mappings."""

from __future__ import annotations

import pytest
from archfacts import ARCH
from hostworld import ALL_RIGHTS, PAGE, RO, RW, ffi, lib, res_of, rights, rights_tuple, vptr

BASE = 0x4000_0000


def test_deferred_reservation_has_no_rights_and_the_flag(vspace):
    for cacheable in (0, 1):
        vaddr = BASE + cacheable * 0x10_0000
        res = vspace.reserve_deferred(vaddr + 123, 3 * PAGE, cacheable)
        assert res.res != ffi.NULL
        r = res_of(res)
        assert r.rights_deferred
        assert rights_tuple(r.rights) == (0, 0, 0, 0)
        assert r.cacheable == cacheable
        # widened to whole pages, like any reservation
        assert (r.start, r.end) == (vaddr, vaddr + 4 * PAGE)
        # the range is taken: nothing is mapped there, and it cannot be reserved again
        assert vspace.get_cap(vaddr) == 0
        assert vspace.reserve_at(vaddr + PAGE, PAGE).res == ffi.NULL


def test_every_other_reservation_starts_with_the_flag_clear(world, vspace):
    at = vspace.reserve_at(BASE, PAGE, RW)
    aligned, _ = vspace.reserve_aligned(4 * PAGE, 21, RO)
    # caller-provided structs that arrive with the flag set must come out with it clear
    no_alloc_at = ffi.new("sel4utils_res_t *", {"rights_deferred": True})
    assert lib.sel4utils_reserve_range_at_no_alloc(vspace.vs, no_alloc_at, vptr(BASE + 0x10_0000), PAGE, RW, 1) == 0
    no_alloc = ffi.new("sel4utils_res_t *", {"rights_deferred": True})
    out = ffi.new("void **")
    assert lib.sel4utils_reserve_range_no_alloc(vspace.vs, no_alloc, PAGE, RW, 1, out) == 0
    no_alloc_aligned = ffi.new("sel4utils_res_t *", {"rights_deferred": True})
    assert lib.sel4utils_reserve_range_no_alloc_aligned(vspace.vs, no_alloc_aligned, PAGE, 21, RW, 1, out) == 0
    for r in (res_of(at), res_of(aligned), no_alloc_at, no_alloc, no_alloc_aligned):
        assert not r.rights_deferred
    assert rights_tuple(res_of(at).rights) == (1, 1, 0, 0)
    assert rights_tuple(res_of(aligned).rights) == (1, 0, 0, 0)
    for r in (no_alloc_at, no_alloc, no_alloc_aligned):
        holder = ffi.new("reservation_t *", {"res": r})
        lib.vspace_free_reservation(vspace.vs, holder[0])


@pytest.mark.parametrize("size_bits", [0, 11, 13, 20, 22, 29, 31, 64, 2**40])
def test_deferred_map_refuses_bad_size_bits(world, vspace, c_log, size_bits):
    frame = world.frame()
    res = vspace.reserve_deferred(BASE, 0x400_0000)
    before = world.snapshot()
    assert vspace.deferred_map_at([frame.cptr], BASE, RW, res, size_bits=size_bits) == -1
    assert any(level == "ERROR" and "size_bits" in message for level, message in c_log.lines)
    assert vspace.mappings() == []
    assert world.snapshot() == before


@pytest.mark.parametrize("offset_pages, num_pages", [
    (-1, 1),   # starts below the reservation
    (3, 2),    # runs past its end
    (4, 1),    # entirely above it
    (-8, 20),  # covers it and more
])
def test_deferred_map_refuses_a_range_outside_the_reservation(world, vspace, c_log, offset_pages, num_pages):
    frames = [world.frame() for _ in range(num_pages)]
    vspace.reserve_deferred(BASE - 16 * PAGE, 8 * PAGE)   # neighbours, so the range is not simply unreserved
    res = vspace.reserve_deferred(BASE, 4 * PAGE)
    vspace.reserve_deferred(BASE + 4 * PAGE, 16 * PAGE)
    before = world.snapshot()
    assert vspace.deferred_map_at([f.cptr for f in frames], BASE + offset_pages * PAGE, RW, res) == -1
    assert c_log.lines and c_log.lines[-1][0] == "ERROR"
    assert vspace.mappings() == []
    assert world.snapshot() == before


def test_deferred_map_refuses_a_reservation_that_has_rights(world, vspace, c_log):
    frame = world.frame()
    res = vspace.reserve_at(BASE, PAGE, RW)
    assert vspace.deferred_map_at([frame.cptr], BASE, RO, res) == -1
    assert "rights" in c_log.lines[-1][1]
    assert vspace.mappings() == []
    assert vspace.get_cap(BASE) == 0


def test_map_pages_at_vaddr_refuses_a_deferred_reservation(world, vspace, c_log):
    frame = world.frame()
    res = vspace.reserve_deferred(BASE, PAGE)
    assert vspace.map_at([frame.cptr], BASE, res) == -1
    assert "deferred" in c_log.lines[-1][1] or "rights" in c_log.lines[-1][1]
    assert vspace.mappings() == []


@pytest.mark.parametrize("cacheable, attributes", [(1, "default_vm_attributes"), (0, "cache_disabled")])
def test_deferred_map_uses_the_callers_rights_and_the_reservations_cacheability(world, vspace, cacheable, attributes):
    frames = [world.frame() for _ in range(3)]
    res = vspace.reserve_deferred(BASE, 3 * PAGE, cacheable)
    assert vspace.deferred_map_at([f.cptr for f in frames], BASE, RO, res) == 0
    mappings = vspace.mappings()
    assert [m.vaddr for m in mappings] == [BASE, BASE + PAGE, BASE + 2 * PAGE]
    for m, f in zip(mappings, frames):
        assert m.frame_cap == f.cptr
        assert m.rights[:2] == (1, 0)
        assert m.attributes == getattr(ARCH, attributes)  # the arch's cached / uncached VM attributes
    # the vspace records what it mapped, and the reservation keeps its deferred state
    assert [vspace.get_cap(BASE + i * PAGE) for i in range(3)] == [f.cptr for f in frames]
    assert res_of(res).rights_deferred


# Cap rights of the frame cap that is mapped: the original (all rights) and reduced copies.
CAP_RIGHTS = {
    "all": None,
    "read-write": rights(read=True, write=True),
    "read-only": rights(read=True),
    "write-only": rights(write=True),
}


@pytest.mark.parametrize("cap_rights", list(CAP_RIGHTS))
def test_effective_rights_for_every_rights_value(world, vspace, cap_rights):
    """maskVMRights: user read needs read in both; user write needs read and write in both."""
    frame = world.frame()
    cap_mask = CAP_RIGHTS[cap_rights]
    cap_read, cap_write = (1, 1) if cap_mask is None else rights_tuple(cap_mask)[:2]
    vspace.world.select()
    assert vspace.write(BASE, b"x") is not None  # nothing mapped yet: the MMU faults
    for i, asked in enumerate(ALL_RIGHTS):
        vaddr = BASE + i * PAGE
        cap = frame.cptr if cap_mask is None else world.copy_cap(frame.cptr, cap_mask)
        res = vspace.reserve_deferred(vaddr, PAGE)
        assert vspace.deferred_map_at([cap], vaddr, asked, res) == 0, f"asked {rights_tuple(asked)}"
        read, write = rights_tuple(asked)[:2]
        expect_read = int(read and cap_read)
        expect_write = int(expect_read and write and cap_write)
        mapping = vspace.lookup(vaddr)
        assert mapping is not None and mapping.frame_cap == cap
        assert mapping.rights == (expect_read, expect_write, 0, 0), f"asked {rights_tuple(asked)}"
        got = vspace.read(vaddr, 8)
        if expect_read:
            assert isinstance(got, bytes)
        else:
            assert got.reason == lib.SEL4SIM_FAULT_PERMISSION
        fault = vspace.write(vaddr, b"data")
        if expect_write:
            assert fault is None
        else:
            assert fault.reason == lib.SEL4SIM_FAULT_PERMISSION and fault.access == lib.SEL4SIM_ACCESS_WRITE
        # the frame is mapped only once at a time: unmap before the next rights value
        vspace.unmap(vaddr, 1)
        if cap_mask is not None:
            world.delete_cap(cap)


def test_map_unmap_remap_with_other_rights(world, vspace):
    frames = [world.frame() for _ in range(2)]
    caps = [f.cptr for f in frames]
    res = vspace.reserve_deferred(BASE, 2 * PAGE)
    assert vspace.deferred_map_at(caps, BASE, RW, res) == 0
    assert vspace.write(BASE, b"written read-write") is None
    assert [m.rights[:2] for m in vspace.mappings()] == [(1, 1), (1, 1)]

    vspace.unmap(BASE, 2)
    assert vspace.mappings() == []
    assert vspace.get_cap(BASE) == 0
    # unmapped pages of a reservation go back to it: still reserved, still deferred
    assert res_of(res).rights_deferred
    assert vspace.reserve_at(BASE, PAGE).res == ffi.NULL

    assert vspace.deferred_map_at(caps, BASE, RO, res) == 0
    assert [m.rights[:2] for m in vspace.mappings()] == [(1, 0), (1, 0)]
    assert vspace.read(BASE, 18) == b"written read-write"
    assert vspace.write(BASE, b"no").reason == lib.SEL4SIM_FAULT_PERMISSION

    vspace.unmap(BASE, 2)
    assert vspace.deferred_map_at(caps[::-1], BASE, rights(write=True), res) == 0
    assert [m.rights[:2] for m in vspace.mappings()] == [(0, 0), (0, 0)]
    assert [m.frame_cap for m in vspace.mappings()] == caps[::-1]


def test_deferred_reservation_can_hold_large_pages(world, vspace):
    large = world.frame(21)
    res = vspace.reserve_deferred(0x8000_0000, 1 << 21)
    assert vspace.deferred_map_at([large.cptr], 0x8000_0000, RW, res, size_bits=21) == 0
    mapping = vspace.lookup(0x8000_0000 + 0x1234)
    assert mapping.size_bits == 21 and mapping.rights[:2] == (1, 1)
    assert vspace.get_cap(0x8000_0000 + (1 << 20)) == large.cptr
    vspace.unmap(0x8000_0000, 1, size_bits=21)
    assert vspace.mappings() == []


def test_deferred_map_refuses_pages_already_mapped(world, vspace, c_log):
    frames = [world.frame() for _ in range(2)]
    res = vspace.reserve_deferred(BASE, 2 * PAGE)
    assert vspace.deferred_map_at([frames[0].cptr], BASE + PAGE, RW, res) == 0
    assert vspace.deferred_map_at([f.cptr for f in frames], BASE, RO, res) == -1
    assert [m.vaddr for m in vspace.mappings()] == [BASE + PAGE]


def test_deferred_reservation_freed_and_reused(world, vspace):
    res = vspace.reserve_deferred(BASE, 4 * PAGE)
    vspace.free_reservation(res)
    again = vspace.reserve_at(BASE, 4 * PAGE, RO)
    assert again.res != ffi.NULL and not res_of(again).rights_deferred
    frame = world.frame()
    assert vspace.map_at([frame.cptr], BASE, again) == 0
    assert vspace.lookup(BASE).rights[:2] == (1, 0)

