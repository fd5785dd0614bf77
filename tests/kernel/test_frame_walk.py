# SPDX-License-Identifier: BSD-2-Clause
"""The frame invocations remember the bottom-level table their last walk reached (a shortcut for
pages mapped one after another): whatever changes the tables above a page must send the next
frame map or unmap down the walk again, on every arch."""

from __future__ import annotations

from archfacts import DEFAULT_ATTRIBUTES, PAGE_MAP, PAGE_TYPE, PAGE_UNMAP
from simkernel import DEPTH, ROOT, RW, Sim

from sel4vspace.lowlevel import lib

VA = 0x10000000
PAGE = 4096


def frames_at(sim: Sim, vspace: int) -> list[tuple[int, int]]:
    return [(m.vaddr, m.frame_cap) for m in sim.mappings(vspace)]


def test_a_deleted_page_table_is_not_walked_through(sim: Sim) -> None:
    vs = sim.new_vspace()
    t = sim.map_tables(vs, VA)
    first = sim.map_frame(vs, VA)
    (second,) = sim.retype(PAGE_TYPE)
    # The page table goes with its last cap: the walk for the next page stops a level higher.
    assert lib.seL4_CNode_Delete(ROOT, t["pt"], DEPTH) == lib.seL4_NoError
    assert PAGE_MAP(second, vs, VA + PAGE, RW, DEFAULT_ATTRIBUTES) == lib.seL4_FailedLookup
    assert lib.seL4_MappingFailedLookupLevel() == 21
    # A new page table there takes the next page; the first frame's mapping went with the old one.
    sim.map_tables(vs, VA, levels="pt")
    assert PAGE_MAP(second, vs, VA + PAGE, RW, DEFAULT_ATTRIBUTES) == lib.seL4_NoError
    assert frames_at(sim, vs) == [(VA + PAGE, second)]
    assert PAGE_UNMAP(first) == lib.seL4_NoError  # its table is gone: nothing to unmap
    assert frames_at(sim, vs) == [(VA + PAGE, second)]
    assert sim.write(vs, VA + PAGE, b"walked") is None and sim.read(vs, VA + PAGE, 6) == b"walked"


def test_a_deleted_vspace_is_not_walked_through(sim: Sim) -> None:
    vs = sim.new_vspace()
    sim.map_tables(vs, VA)
    first = sim.map_frame(vs, VA)
    assert lib.seL4_CNode_Delete(ROOT, vs, DEPTH) == lib.seL4_NoError
    # A new vspace (its ASID reused, its root perhaps where the old one was) has no tables yet.
    vs2 = sim.new_vspace()
    (second,) = sim.retype(PAGE_TYPE)
    assert PAGE_MAP(second, vs2, VA + PAGE, RW, DEFAULT_ATTRIBUTES) == lib.seL4_FailedLookup
    sim.map_tables(vs2, VA)
    third = sim.map_frame(vs2, VA + 2 * PAGE)
    assert PAGE_UNMAP(first) == lib.seL4_NoError  # a stale cap unmaps nothing
    assert frames_at(sim, vs2) == [(VA + 2 * PAGE, third)]


def test_unmapping_walks_to_the_table_of_each_page(sim: Sim) -> None:
    """Pages on both sides of a page table's boundary, unmapped in an order that alternates."""
    vs = sim.new_vspace()
    span = 1 << 21
    sim.map_tables(vs, VA)
    sim.map_tables(vs, VA + span, levels="pt")
    low = [sim.map_frame(vs, VA + span - (i + 1) * PAGE) for i in range(3)]
    high = [sim.map_frame(vs, VA + span + i * PAGE) for i in range(3)]
    for a, b in zip(low, high, strict=True):
        assert PAGE_UNMAP(a) == lib.seL4_NoError and PAGE_UNMAP(b) == lib.seL4_NoError
    assert frames_at(sim, vs) == []
