# SPDX-License-Identifier: BSD-2-Clause
"""Deleting and revoking caps unmaps; the cost model (bookkeeping per frame, lazy backing)."""

from __future__ import annotations

from archfacts import PAGE_MAP, PAGE_TABLE_MAP, PAGE_TABLE_TYPE, PAGE_TYPE, PAGE_UNMAP
from simkernel import ROOT, RW, Sim, rights, table_levels

from sel4vspace.lowlevel import ffi, lib

VA = 0x40000000


def test_deleting_a_mapped_frame_cap_unmaps_it(sim: Sim) -> None:
    vs = sim.new_vspace()
    sim.map_tables(vs, VA)
    frame = sim.map_frame(vs, VA)
    copy = sim.slot()
    assert lib.seL4_CNode_Copy(ROOT, copy, 64, ROOT, frame, 64, RW) == lib.seL4_NoError
    assert PAGE_MAP(copy, vs, VA + 4096, RW, 0) == lib.seL4_NoError
    assert sim.write(vs, VA, b"keep") is None
    # Deleting the copy removes only the copy's mapping.
    assert lib.seL4_CNode_Delete(ROOT, copy, 64) == lib.seL4_NoError
    assert [m.vaddr for m in sim.mappings(vs)] == [VA]
    assert sim.read(vs, VA, 4) == b"keep"
    assert sim.counts()[PAGE_TYPE] == 1
    # Deleting the last cap unmaps it and frees the frame and its contents.
    assert lib.seL4_CNode_Delete(ROOT, frame, 64) == lib.seL4_NoError
    assert sim.mappings(vs) == [] and sim.counts()[PAGE_TYPE] == 0
    assert lib.sel4sim_frame_backing_bytes(sim.k) == 0


def test_move_keeps_the_mapping(sim: Sim) -> None:
    vs = sim.new_vspace()
    sim.map_tables(vs, VA)
    frame = sim.map_frame(vs, VA)
    dest = sim.slot()
    assert lib.seL4_CNode_Move(ROOT, dest, 64, ROOT, frame, 64) == lib.seL4_NoError
    assert [m.frame_cap for m in sim.mappings(vs)] == [dest]
    assert PAGE_UNMAP(dest) == lib.seL4_NoError and sim.mappings(vs) == []


def test_revoke_unmaps_every_derived_mapping(sim: Sim) -> None:
    a, b = sim.new_vspace(), sim.new_vspace()
    sim.map_tables(a, VA)
    sim.map_tables(b, VA)
    frame = sim.map_frame(a, VA)
    c1, c2 = sim.slot(), sim.slot()
    assert lib.seL4_CNode_Copy(ROOT, c1, 64, ROOT, frame, 64, RW) == lib.seL4_NoError
    assert lib.seL4_CNode_Copy(ROOT, c2, 64, ROOT, c1, 64, rights(read=1)) == lib.seL4_NoError
    assert PAGE_MAP(c1, b, VA, RW, 0) == lib.seL4_NoError
    assert PAGE_MAP(c2, b, VA + 4096, RW, 0) == lib.seL4_NoError
    assert len(sim.mappings(b)) == 2
    assert lib.seL4_CNode_Revoke(ROOT, frame, 64) == lib.seL4_NoError
    assert sim.mappings(b) == [] and sim.cap(c1) is None and sim.cap(c2) is None
    assert [m.frame_cap for m in sim.mappings(a)] == [frame]


def test_deleting_a_paging_structure_unmaps_what_is_below(sim: Sim) -> None:
    vs = sim.new_vspace()
    t = sim.map_tables(vs, VA)
    for i in range(3):
        sim.map_frame(vs, VA + i * 4096)
    assert lib.seL4_CNode_Delete(ROOT, t["pd"], 64) == lib.seL4_NoError
    assert sim.mappings(vs) == []
    assert sim.read(vs, VA, 1).reason == lib.SEL4SIM_FAULT_UNMAPPED


def test_revoking_the_untyped_returns_everything(sim: Sim) -> None:
    before = lib.sel4sim_kernel_bookkeeping_bytes(sim.k)
    vs = sim.new_vspace()
    sim.map_tables(vs, VA)
    frames = sim.retype(PAGE_TYPE, n=256)
    for i, f in enumerate(frames):
        assert PAGE_MAP(f, vs, VA + i * 4096, RW, 0) == lib.seL4_NoError
    assert sim.write(vs, VA, b"y" * 100000) is None
    (cn,) = sim.retype(lib.seL4_CapTableObject, 6)
    assert lib.seL4_CNode_Copy(cn, 3, 6, ROOT, frames[0], 64, RW) == lib.seL4_NoError
    assert lib.seL4_CNode_Revoke(ROOT, sim.untyped, 64) == lib.seL4_NoError
    assert sum(sim.counts()) == 2
    assert lib.sel4sim_used_slots(sim.k) == 4
    assert lib.sel4sim_untyped_free_bytes(sim.k) == 1 << 30
    assert lib.sel4sim_frame_backing_bytes(sim.k) == 0
    assert lib.sel4sim_kernel_bookkeeping_bytes(sim.k) == before


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_a_mapped_untouched_gib_costs_bookkeeping_only() -> None:
    frames_n = 1 << 18  # 1 GiB of 4 KiB frames
    rss_before = _rss_bytes()
    s = Sim(untyped_bits=31, cnode_bits=19)
    try:
        base_bytes = lib.sel4sim_kernel_bookkeeping_bytes(s.k)
        vs = s.new_vspace()
        tables = s.map_tables(vs, VA, "pdpt,pd")
        pts = s.retype(PAGE_TABLE_TYPE, n=256) + s.retype(PAGE_TABLE_TYPE, n=256)
        for i, pt in enumerate(pts):
            assert PAGE_TABLE_MAP(pt, vs, VA + (i << 21), 0) == lib.seL4_NoError
        first = s.next_slot
        for i in range(frames_n // 256):
            s.retype(PAGE_TYPE, n=256)
        page_map = PAGE_MAP
        for i in range(frames_n):
            assert page_map(first + i, vs, VA + (i << 12), RW, 0) == 0
        assert lib.sel4sim_vspace_mappings(s.k, vs, ffi.NULL, 0) == frames_n
        grown = lib.sel4sim_kernel_bookkeeping_bytes(s.k) - base_bytes
        # Per frame: its cap slot (40 bytes, in chunks of 101 slots per 4 KiB allocated as the
        # caps arrive), its object and its page-table entry; page tables and the vspace are a
        # small fixed share.
        per_frame = grown / frames_n
        assert per_frame <= 96, per_frame
        assert lib.sel4sim_frame_backing_bytes(s.k) == 0
        assert _rss_bytes() - rss_before < 64 << 20
        assert list(tables) == table_levels("pdpt,pd")
    finally:
        s.destroy()
