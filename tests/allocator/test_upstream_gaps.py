# SPDX-License-Identifier: BSD-2-Clause
"""vendor/'s fixes of the upstream gaps docs/design.md lists (2, 3 and 4; gap 1 is in tests/deferred).

On an upstream build these are expected failures. Calls that abort or crash upstream run in a
separate interpreter, so the suite survives them."""

from __future__ import annotations

from hostworld import PAGE, RW, ffi, lib, run_isolated, upstream_defect, vptr

BASE = 0x4000_0000


@upstream_defect("unmap_pages over a page that was never mapped asserts (or frees cslot 0)")
def test_unmap_over_an_unmapped_page_logs_and_touches_nothing():
    status, output = run_isolated("""
        from hostworld import PAGE, RW, World, VSPACE_FREE
        world = World()
        v = world.new_vspace()
        frames = [world.frame() for _ in range(2)]
        res = v.reserve_at(0x40000000, 3 * PAGE, RW)
        # pages 0 and 2 mapped, page 1 never was
        assert v.map_at([frames[0].cptr], 0x40000000, res) == 0
        assert v.map_at([frames[1].cptr], 0x40000000 + 2 * PAGE, res) == 0
        before = world.snapshot()
        mapped = [(m.vaddr, m.frame_cap) for m in v.mappings()]
        v.unmap(0x40000000, 3, vka=VSPACE_FREE)
        assert [(m.vaddr, m.frame_cap) for m in v.mappings()] == mapped, "mappings changed"
        assert world.snapshot() == before, "slots or memory changed"
        assert v.get_cap(0x40000000) == frames[0].cptr and v.get_cap(0x40000000 + 2 * PAGE) == frames[1].cptr
        # a reserved page that never held a frame: refused the same way
        v.unmap(0x40000000 + PAGE, 1, vka=VSPACE_FREE)
        assert world.snapshot() == before
        assert world.cap_info(frames[0].cptr) is not None
        print("OK")
    """)
    assert status == 0 and "OK" in output, output
    assert "nothing was unmapped" in output or "not mapped" in output


def test_unmap_of_mapped_pages_still_frees_through_the_vka(world, vspace):
    before = world.snapshot()
    vaddr = vspace.new_pages(3)
    assert vaddr and len(vspace.mappings()) == 3
    vspace.unmap(vaddr, 3, vka=lib.sel4vspace_vspace_free)
    assert vspace.mappings() == []
    after = world.snapshot()
    # only the paging structures (PDPT, PD, PT: 4 KiB each) remain until the vspace is destroyed
    assert vspace.paging_objects == 3
    assert before.untyped_free - after.untyped_free == 3 * PAGE
    assert before.vka_free_untyped - after.vka_free_untyped == 3 * PAGE

@upstream_defect("free_reservation with pages still mapped leaves the rest of the range reserved for good")
def test_free_reservation_with_a_mapped_page_releases_the_rest(world, vspace):
    frame = world.frame()
    res = vspace.reserve_at(BASE, 4 * PAGE, RW)
    assert vspace.map_at([frame.cptr], BASE + PAGE, res) == 0
    vspace.free_reservation(res)
    # the mapping stays (free_reservation never touches pages) ...
    assert vspace.get_cap(BASE + PAGE) == frame.cptr
    assert [m.vaddr for m in vspace.mappings()] == [BASE + PAGE]
    # ... and every other page of the range is free again
    for page in (0, 2, 3):
        again = vspace.reserve_at(BASE + page * PAGE, PAGE, RW)
        assert again.res != ffi.NULL, page
        vspace.free_reservation(again)


@upstream_defect("a reservation_t whose res is NULL segfaults the map and free paths")
def test_null_reservation_is_refused():
    status, output = run_isolated("""
        from hostworld import PAGE, RW, World, ffi, lib, vptr
        world = World()
        v = world.new_vspace()
        frame = world.frame()
        holder = ffi.new("reservation_t *")
        null = holder[0]
        assert v.map_at([frame.cptr], 0x40000000, null) == -1
        assert v.deferred_map_at([frame.cptr], 0x40000000, RW, null) == -1
        assert v.new_pages_at(0x40000000, 1, null) == -1
        v.free_reservation(null)
        assert v.mappings() == []
        print("OK")
    """)
    assert status == 0 and "OK" in output, output


def test_free_reservation_by_vaddr_without_a_reservation_is_an_error(world, vspace, c_log):
    vspace.world.select()
    lib.vspace_free_reservation_by_vaddr(vspace.vs, vptr(BASE))
    assert c_log.lines[-1][0] == "ERROR"
    res = vspace.reserve_at(BASE, PAGE, RW)
    lib.vspace_free_reservation_by_vaddr(vspace.vs, vptr(BASE))
    assert res.res != ffi.NULL
    assert vspace.reserve_at(BASE, PAGE, RW).res != ffi.NULL
