# SPDX-License-Identifier: BSD-2-Clause
"""maskVMRights over every cap-rights x requested-rights pair, the MMU's faults and sharing."""

from __future__ import annotations

import itertools

import pytest
from archfacts import PAGE_MAP, PAGE_TYPE
from simkernel import ROOT, RW, Sim, rights

from sel4vspace.lowlevel import ffi, lib

VA = 0x20000000
ALL_RIGHTS = [rights(r, w, g, gr) for r, w, g, gr in itertools.product((0, 1), repeat=4)]


def vm_rights_of(r) -> str:
    """seL4's maskVMRights applied to a read-write frame: the VM rights a mask leaves."""
    read, write = lib.seL4_CapRights_get_capAllowRead(r), lib.seL4_CapRights_get_capAllowWrite(r)
    return ("RW" if write else "RO") if read else "KO"


def mask(vm: str, r) -> str:
    read, write = lib.seL4_CapRights_get_capAllowRead(r), lib.seL4_CapRights_get_capAllowWrite(r)
    if vm == "RO" and read:
        return "RO"
    if vm == "RW" and read:
        return "RW" if write else "RO"
    return "KO"


def test_rights_masking_over_every_combination() -> None:
    s = Sim(untyped_bits=24, cnode_bits=12)
    try:
        vs = s.new_vspace()
        s.map_tables(vs, VA)
        (frame,) = s.retype(PAGE_TYPE)
        seen = set()
        for i, (cap_r, req_r) in enumerate(itertools.product(ALL_RIGHTS, ALL_RIGHTS)):
            minted = s.slot()
            assert lib.seL4_CNode_Mint(ROOT, minted, 64, ROOT, frame, 64, cap_r, 0) == lib.seL4_NoError
            cap_vm = vm_rights_of(cap_r)
            want = mask(cap_vm, req_r)
            vaddr = VA + (i % 512) * 4096
            assert PAGE_MAP(minted, vs, vaddr, req_r, 0) == lib.seL4_NoError
            m = s.mappings(vs)
            (mine,) = [x for x in m if x.vaddr == vaddr]
            expect_rights = {"RW": RW, "RO": rights(read=1), "KO": rights()}[want]
            assert mine.rights.words[0] == expect_rights.words[0], (cap_r.words[0], req_r.words[0])
            assert mine.frame_cap == minted
            # What user code can do through it.
            rfault = s.read(vs, vaddr, 1)
            assert isinstance(rfault, bytes) == (want != "KO")
            if not isinstance(rfault, bytes):
                assert rfault.reason == lib.SEL4SIM_FAULT_PERMISSION and rfault.access == lib.SEL4SIM_ACCESS_READ
            wfault = s.write(vs, vaddr, b"z")
            assert (wfault is None) == (want == "RW")
            if wfault is not None:
                assert wfault.reason == lib.SEL4SIM_FAULT_PERMISSION and wfault.vaddr == vaddr
                assert wfault.access == lib.SEL4SIM_ACCESS_WRITE
            assert lib.seL4_CNode_Delete(ROOT, minted, 64) == lib.seL4_NoError
            seen.add((cap_vm, want))
        assert seen == {("RW", "RW"), ("RW", "RO"), ("RW", "KO"), ("RO", "RO"), ("RO", "KO"), ("KO", "KO")}
    finally:
        s.destroy()


def test_write_without_read_is_kernel_only(sim: Sim) -> None:
    vs = sim.new_vspace()
    sim.map_tables(vs, VA)
    sim.map_frame(vs, VA, rights(write=1))
    (m,) = sim.mappings(vs)
    assert m.rights.words[0] == 0
    f = sim.read(vs, VA, 4)
    assert f.reason == lib.SEL4SIM_FAULT_PERMISSION and f.access == lib.SEL4SIM_ACCESS_READ and f.vaddr == VA


def test_faults_and_no_partial_effect(sim: Sim) -> None:
    vs = sim.new_vspace()
    sim.map_tables(vs, VA)
    sim.map_frame(vs, VA)
    sim.map_frame(vs, VA + 4096, rights(read=1))
    f = sim.read(vs, VA + 8192, 1)
    assert (f.vaddr, f.reason, f.access) == (VA + 8192, lib.SEL4SIM_FAULT_UNMAPPED, lib.SEL4SIM_ACCESS_READ)
    f = sim.read(vs, VA + 8190, 4)
    assert f.vaddr == VA + 8192 and f.reason == lib.SEL4SIM_FAULT_UNMAPPED
    # A write that reaches the read-only page faults there and writes nothing before it.
    f = sim.write(vs, VA + 4090, b"0123456789")
    assert (f.vaddr, f.reason) == (VA + 4096, lib.SEL4SIM_FAULT_PERMISSION)
    assert sim.read(vs, VA + 4090, 6) == bytes(6)
    assert lib.sel4sim_frame_backing_bytes(sim.k) <= 4096
    # Kernel half, non-canonical and unmapped top-level slots.
    for va in (1 << 47, 2**64 - 8, 0):
        f = sim.read(vs, va, 1)
        assert f.reason == lib.SEL4SIM_FAULT_UNMAPPED and f.vaddr == va
    # Zero-length accesses always succeed.
    assert sim.write(vs, 0, b"") is None and sim.read(vs, 0, 0) == b""


def test_access_crossing_frames(sim: Sim) -> None:
    vs = sim.new_vspace()
    sim.map_tables(vs, VA)
    for i in range(3):
        sim.map_frame(vs, VA + i * 4096)
    data = bytes(range(256)) * 40
    assert sim.write(vs, VA + 100, data) is None
    assert sim.read(vs, VA + 100, len(data)) == data
    assert sim.read(vs, VA, 100) == bytes(100)  # fresh frames read as zero


def test_untouched_frames_read_zero_without_backing(sim: Sim) -> None:
    vs = sim.new_vspace()
    sim.map_tables(vs, VA)
    sim.map_frame(vs, VA)
    assert sim.read(vs, VA, 4096) == bytes(4096)
    assert lib.sel4sim_frame_backing_bytes(sim.k) == 0


FAR = 0x3000000000   # 192 GiB: far from VA, and user space on every arch (Sv39's ends at 256 GiB)


def test_sharing_between_two_vspaces(sim: Sim) -> None:
    a, b = sim.new_vspace(), sim.new_vspace()
    sim.map_tables(a, VA)
    sim.map_tables(b, FAR)
    frame = sim.map_frame(a, VA)
    copy = sim.slot()
    assert lib.seL4_CNode_Copy(ROOT, copy, 64, ROOT, frame, 64, rights(read=1)) == lib.seL4_NoError
    # The copy is unmapped and maps on its own.
    assert not sim.cap(copy).mapped
    assert PAGE_MAP(copy, b, FAR, RW, 0) == lib.seL4_NoError
    assert sim.write(a, VA + 10, b"shared") is None
    assert sim.read(b, FAR + 10, 6) == b"shared"
    assert sim.write(b, FAR, b"x").reason == lib.SEL4SIM_FAULT_PERMISSION
    (ma,), (mb,) = sim.mappings(a), sim.mappings(b)
    assert ma.paddr == mb.paddr and (ma.frame_cap, mb.frame_cap) == (frame, copy)
    look = ffi.new("sel4sim_mapping_t *")
    assert lib.sel4sim_vspace_lookup(sim.k, b, FAR + 123, look) == 1
    assert (look.vaddr, look.frame_cap, look.paddr) == (FAR, copy, ma.paddr)
    assert lib.sel4sim_vspace_lookup(sim.k, b, VA, look) == 0


@pytest.mark.parametrize("bad_root", [lib.seL4_CapInitThreadCNode, 0, 1 << 20])
def test_mmu_needs_a_vspace_root(sim: Sim, bad_root: int, c_log) -> None:
    f = sim.read(bad_root, 0, 1)
    assert f.reason == lib.SEL4SIM_FAULT_NONE
    assert lib.sel4sim_vspace_mappings(sim.k, bad_root, ffi.NULL, 0) == 0
    assert any(lvl == "ERROR" for lvl, _ in c_log.lines)
