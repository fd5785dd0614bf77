# SPDX-License-Identifier: BSD-2-Clause
"""vendor/'s fixes of upstream seL4_libs defects in unmap, free_reservation and the map paths (the
deferred-rights ones are in tests/deferred). Each is registered in tests/upstream_defects.py, so an
upstream build reports it by name; calls that abort or crash upstream run isolated."""

from __future__ import annotations

import pytest
from archfacts import TABLES_BELOW_ROOT
from hostworld import PAGE, RW, VSPACE_FREE, ffi, lib, vptr

BASE = 0x4000_0000


@pytest.mark.isolated
def test_unmap_over_an_unmapped_page_logs_and_touches_nothing(world, c_log):
    v = world.new_vspace()
    frames = [world.frame() for _ in range(2)]
    res = v.reserve_at(BASE, 3 * PAGE, RW)
    # pages 0 and 2 mapped, page 1 never was
    assert v.map_at([frames[0].cptr], BASE, res) == 0
    assert v.map_at([frames[1].cptr], BASE + 2 * PAGE, res) == 0
    before = world.snapshot()
    mapped = [(m.vaddr, m.frame_cap) for m in v.mappings()]
    v.unmap(BASE, 3, vka=VSPACE_FREE)
    assert [(m.vaddr, m.frame_cap) for m in v.mappings()] == mapped, "mappings changed"
    assert world.snapshot() == before, "slots or memory changed"
    assert v.get_cap(BASE) == frames[0].cptr and v.get_cap(BASE + 2 * PAGE) == frames[1].cptr
    assert c_log.lines and c_log.lines[-1][0] == "ERROR"
    # a reserved page that never held a frame: refused the same way
    v.unmap(BASE + PAGE, 1, vka=VSPACE_FREE)
    assert world.snapshot() == before
    assert world.cap_info(frames[0].cptr) is not None


def test_unmap_of_mapped_pages_still_frees_through_the_vka(world, vspace):
    before = world.snapshot()
    vaddr = vspace.new_pages(3)
    assert vaddr and len(vspace.mappings()) == 3
    vspace.unmap(vaddr, 3, vka=lib.sel4vspace_vspace_free)
    assert vspace.mappings() == []
    after = world.snapshot()
    # only the paging structures below the root (PDPT, PD, PT on x86_64: 4 KiB each) remain until the
    # vspace is destroyed
    assert vspace.paging_objects == TABLES_BELOW_ROOT
    assert before.untyped_free - after.untyped_free == TABLES_BELOW_ROOT * PAGE
    assert before.vka_free_untyped - after.vka_free_untyped == TABLES_BELOW_ROOT * PAGE

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


@pytest.mark.isolated
def test_null_reservation_is_refused(world, vspace):
    frame = world.frame()
    null = ffi.new("reservation_t *")[0]
    assert vspace.map_at([frame.cptr], BASE, null) == -1
    assert vspace.deferred_map_at([frame.cptr], BASE, RW, null) == -1
    assert vspace.new_pages_at(BASE, 1, null) == -1
    vspace.free_reservation(null)
    assert vspace.mappings() == []


def test_free_reservation_by_vaddr_without_a_reservation_is_an_error(world, vspace, c_log):
    vspace.world.select()
    lib.vspace_free_reservation_by_vaddr(vspace.vs, vptr(BASE))
    assert c_log.lines[-1][0] == "ERROR"
    res = vspace.reserve_at(BASE, PAGE, RW)
    lib.vspace_free_reservation_by_vaddr(vspace.vs, vptr(BASE))
    assert res.res != ffi.NULL
    assert vspace.reserve_at(BASE, PAGE, RW).res != ffi.NULL
