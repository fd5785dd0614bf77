# SPDX-License-Identifier: BSD-2-Clause
"""ASID pools and x86_64 paging invocations: success paths, every error, the failed-lookup protocol."""

from __future__ import annotations

import pytest
from simkernel import ALL, ROOT, RW, Sim, mrs, rights

from sel4vspace import _arches

# x86_64's invocations and paging levels (tests/kernel/arches/ checks AArch64's and RISC-V's
# kernels): these tests run on x86_64 alone, whichever arches the run tests, and the module takes
# x86_64's lib whichever arch is the default (its other names are then x86_64's too while a test
# runs: archbound.py).
pytestmark = pytest.mark.sel4vspace_kernel(arch="x86_64")
if "x86_64" not in _arches.INSTALLED:
    pytest.skip("x86_64's paging invocations: the x86_64 extension is not installed (SEL4VSPACE_ARCHES)",
                allow_module_level=True)
lib = _arches.lowlevel("x86_64").lib

DEF = lib.seL4_X86_Default_VMAttributes
VA = 0x10000000
POOL = lib.seL4_CapInitThreadASIDPool


def page_map(frame, vspace, vaddr, r=RW, attr=DEF):
    return lib.seL4_X86_Page_Map(frame, vspace, vaddr, r, attr)


def test_asid_pool_assign(sim: Sim) -> None:
    a, b, c = sim.retype(lib.seL4_X64_PML4Object, n=3)
    assert lib.seL4_X86_ASIDPool_Assign(POOL, a) == lib.seL4_NoError
    assert lib.seL4_X86_ASIDPool_Assign(POOL, b) == lib.seL4_NoError
    # ASID 0 is never handed out.
    assert (sim.cap(a).mapped_asid, sim.cap(b).mapped_asid) == (1, 2)
    assert lib.seL4_X86_ASIDPool_Assign(POOL, a) == lib.seL4_InvalidCapability and mrs(1) == [1]
    (frame,) = sim.retype(lib.seL4_X86_4K)
    assert lib.seL4_X86_ASIDPool_Assign(POOL, frame) == lib.seL4_InvalidCapability and mrs(1) == [1]
    assert lib.seL4_X86_ASIDPool_Assign(c, c) == lib.seL4_IllegalOperation
    assert lib.seL4_X86_ASIDPool_Assign(sim.slot(), c) == lib.seL4_InvalidCapability and mrs(1) == [0]


def test_asid_pool_runs_out() -> None:
    s = Sim(untyped_bits=24, cnode_bits=12)
    try:
        roots = s.retype(lib.seL4_X64_PML4Object, n=255) + s.retype(lib.seL4_X64_PML4Object, n=256)
        for r in roots:
            assert lib.seL4_X86_ASIDPool_Assign(POOL, r) == lib.seL4_NoError
        (extra,) = s.retype(lib.seL4_X64_PML4Object)
        assert lib.seL4_X86_ASIDPool_Assign(POOL, extra) == lib.seL4_DeleteFirst
        # Deleting a vspace frees its ASID.
        assert lib.seL4_CNode_Delete(ROOT, roots[10], 64) == lib.seL4_NoError
        assert lib.seL4_X86_ASIDPool_Assign(POOL, extra) == lib.seL4_NoError
        assert s.cap(extra).mapped_asid == 11
    finally:
        s.destroy()


def test_make_pool(sim: Sim) -> None:
    ctl = lib.seL4_CapASIDControl
    (ut,) = sim.retype(lib.seL4_UntypedObject, lib.seL4_ASIDPoolBits)
    (wrong,) = sim.retype(lib.seL4_UntypedObject, 13)
    dest = sim.slot()
    assert lib.seL4_X86_ASIDControl_MakePool(POOL, ut, ROOT, dest, 64) == lib.seL4_IllegalOperation
    assert lib.seL4_X86_ASIDControl_MakePool(ctl, wrong, ROOT, dest, 64) == lib.seL4_InvalidCapability
    assert mrs(1) == [1]
    assert lib.seL4_X86_ASIDControl_MakePool(ctl, ut, ROOT, ROOT, 64) == lib.seL4_DeleteFirst
    assert lib.seL4_X86_ASIDControl_MakePool(ctl, ut, ROOT, dest, 0) == lib.seL4_RangeError
    assert lib.seL4_X86_ASIDControl_MakePool(ctl, ut, ROOT, dest, 64) == lib.seL4_NoError
    assert sim.cap(dest).kind == lib.SEL4SIM_CAP_ASID_POOL and sim.cap(dest).badge == 1 << 9
    assert lib.seL4_X86_ASIDControl_MakePool(ctl, ut, ROOT, sim.slot(), 64) == lib.seL4_RevokeFirst
    (pml4,) = sim.retype(lib.seL4_X64_PML4Object)
    assert lib.seL4_X86_ASIDPool_Assign(dest, pml4) == lib.seL4_NoError
    assert sim.cap(pml4).mapped_asid == 1 << 9  # asid 512: pool 1's first
    for _ in range(6):
        (u,) = sim.retype(lib.seL4_UntypedObject, lib.seL4_ASIDPoolBits)
        assert lib.seL4_X86_ASIDControl_MakePool(ctl, u, ROOT, sim.slot(), 64) == lib.seL4_NoError
    (u,) = sim.retype(lib.seL4_UntypedObject, lib.seL4_ASIDPoolBits)
    assert lib.seL4_X86_ASIDControl_MakePool(ctl, u, ROOT, sim.slot(), 64) == lib.seL4_DeleteFirst
    # Revoking the pool's untyped deletes the pool; its ASID range is free again, and the vspace's
    # ASID no longer finds it.
    assert lib.seL4_CNode_Revoke(ROOT, ut, 64) == lib.seL4_NoError
    assert sim.cap(dest) is None
    (frame,) = sim.retype(lib.seL4_X86_4K)
    assert page_map(frame, pml4, VA) == lib.seL4_FailedLookup and mrs(2) == [0, lib.seL4_InvalidRoot]
    assert lib.seL4_X86_ASIDControl_MakePool(ctl, u, ROOT, sim.slot(), 64) == lib.seL4_NoError


def test_failed_lookup_protocol(sim: Sim) -> None:
    vs = sim.new_vspace()
    (frame,) = sim.retype(lib.seL4_X86_4K)
    expected = {"": lib.SEL4_MAPPING_LOOKUP_NO_PDPT, "pdpt": lib.SEL4_MAPPING_LOOKUP_NO_PD,
                "pdpt,pd": lib.SEL4_MAPPING_LOOKUP_NO_PT}
    assert (lib.SEL4_MAPPING_LOOKUP_NO_PDPT, lib.SEL4_MAPPING_LOOKUP_NO_PD, lib.SEL4_MAPPING_LOOKUP_NO_PT) == (39, 30, 21)
    made = ""
    for step in ("pdpt", "pd", "pt"):
        assert page_map(frame, vs, VA) == lib.seL4_FailedLookup
        assert lib.seL4_MappingFailedLookupLevel() == expected[made]
        assert mrs(3) == [0, lib.seL4_MissingCapability, expected[made]]
        sim.map_tables(vs, VA, step)
        made = step if not made else made + "," + step
    assert page_map(frame, vs, VA) == lib.seL4_NoError
    m = sim.mappings(vs)
    assert [(x.vaddr, x.size_bits, x.frame_cap, x.paddr) for x in m] == [(VA, 12, frame, sim.cap(frame).paddr)]
    info = sim.cap(frame)
    assert info.mapped and info.mapped_vaddr == VA and info.mapped_asid == sim.cap(vs).mapped_asid


def test_paging_structure_errors(sim: Sim) -> None:
    vs = sim.new_vspace()
    (unassigned,) = sim.retype(lib.seL4_X64_PML4Object)
    t = sim.map_tables(vs, VA)
    pdpt, pd, pt = sim.retype(lib.seL4_X86_PDPTObject), sim.retype(lib.seL4_X86_PageDirectoryObject), \
        sim.retype(lib.seL4_X86_PageTableObject)
    cases = [(lib.seL4_X86_PDPT_Map, pdpt[0]), (lib.seL4_X86_PageDirectory_Map, pd[0]),
             (lib.seL4_X86_PageTable_Map, pt[0])]
    for fn, cap in cases:
        # Something is already mapped at this level.
        assert fn(cap, vs, VA, DEF) == lib.seL4_DeleteFirst
        # Not a valid vspace root.
        assert fn(cap, unassigned, VA, DEF) == lib.seL4_InvalidCapability and mrs(1) == [1]
        assert fn(cap, t["pt"], VA, DEF) == lib.seL4_InvalidCapability and mrs(1) == [1]
        # Above the user address space.
        assert fn(cap, vs, 1 << 47, DEF) == lib.seL4_InvalidArgument and mrs(1) == [0]
        # Wrong kind of cap invoked; empty slot invoked.
        assert fn(t["pt"] if cap != pt[0] else t["pd"], vs, VA, DEF) == lib.seL4_IllegalOperation
        assert fn(sim.slot(), vs, VA, DEF) == lib.seL4_InvalidCapability and mrs(1) == [0]
    # Already mapped.
    for fn, cap in [(lib.seL4_X86_PDPT_Map, t["pdpt"]), (lib.seL4_X86_PageDirectory_Map, t["pd"]),
                    (lib.seL4_X86_PageTable_Map, t["pt"])]:
        assert fn(cap, vs, 1 << 40, DEF) == lib.seL4_InvalidCapability and mrs(1) == [0]
    # Missing upper levels.
    far = 1 << 40
    assert lib.seL4_X86_PageTable_Map(pt[0], vs, far, DEF) == lib.seL4_FailedLookup
    assert mrs(3) == [0, lib.seL4_MissingCapability, 39]
    assert lib.seL4_X86_PageDirectory_Map(pd[0], vs, far, DEF) == lib.seL4_FailedLookup
    assert mrs(3) == [0, lib.seL4_MissingCapability, 39]
    # The vaddr is rounded down to what the structure spans.
    assert lib.seL4_X86_PDPT_Map(pdpt[0], vs, far + 12345, DEF) == lib.seL4_NoError
    assert sim.cap(pdpt[0]).mapped_vaddr == far


def test_paging_unmap(sim: Sim) -> None:
    vs = sim.new_vspace()
    t = sim.map_tables(vs, VA)
    frame = sim.map_frame(vs, VA)
    dup = sim.slot()
    assert lib.seL4_CNode_Copy(ROOT, dup, 64, ROOT, t["pt"], 64, ALL) == lib.seL4_NoError
    assert lib.seL4_X86_PageTable_Unmap(t["pt"]) == lib.seL4_RevokeFirst
    assert lib.seL4_X86_PageTable_Unmap(frame) == lib.seL4_IllegalOperation
    assert lib.seL4_CNode_Delete(ROOT, dup, 64) == lib.seL4_NoError
    assert lib.seL4_X86_PageTable_Unmap(t["pt"]) == lib.seL4_NoError
    assert sim.mappings(vs) == [] and not sim.cap(t["pt"]).mapped
    # The page table was zeroed: mapping it again does not bring the frame back.
    assert lib.seL4_X86_PageTable_Map(t["pt"], vs, VA, DEF) == lib.seL4_NoError
    assert sim.mappings(vs) == []
    # The frame cap still believes it is mapped (as in seL4); unmapping it is harmless.
    assert sim.cap(frame).mapped
    assert lib.seL4_X86_Page_Unmap(frame) == lib.seL4_NoError and not sim.cap(frame).mapped
    assert lib.seL4_X86_PageDirectory_Unmap(t["pd"]) == lib.seL4_NoError
    assert lib.seL4_X86_PDPT_Unmap(t["pdpt"]) == lib.seL4_NoError
    assert lib.seL4_X86_PDPT_Unmap(t["pdpt"]) == lib.seL4_NoError  # unmapped already: nothing to do
    assert page_map(frame, vs, VA) == lib.seL4_FailedLookup and lib.seL4_MappingFailedLookupLevel() == 39


def test_page_map_errors(sim: Sim) -> None:
    vs = sim.new_vspace()
    other = sim.new_vspace()
    (unassigned,) = sim.retype(lib.seL4_X64_PML4Object)
    sim.map_tables(vs, VA)
    sim.map_tables(other, VA)
    (frame,) = sim.retype(lib.seL4_X86_4K)
    assert page_map(sim.slot(), vs, VA) == lib.seL4_InvalidCapability and mrs(1) == [0]
    assert page_map(vs, vs, VA) == lib.seL4_IllegalOperation
    assert page_map(frame, unassigned, VA) == lib.seL4_InvalidCapability and mrs(1) == [1]
    assert page_map(frame, frame, VA) == lib.seL4_InvalidCapability and mrs(1) == [1]
    assert page_map(frame, vs, VA + 8) == lib.seL4_AlignmentError
    assert page_map(frame, vs, lib.seL4_UserTop) == lib.seL4_InvalidArgument and mrs(1) == [0]
    assert page_map(frame, vs, 2**64 - 4096) == lib.seL4_InvalidArgument
    assert page_map(frame, vs, VA) == lib.seL4_NoError
    # Mapped already: elsewhere in this vspace, or in another vspace.
    assert page_map(frame, vs, VA + 4096) == lib.seL4_InvalidArgument and mrs(1) == [0]
    assert page_map(frame, other, VA) == lib.seL4_InvalidCapability and mrs(1) == [1]
    # Same place again: a remap that changes the rights.
    assert page_map(frame, vs, VA, rights(read=1)) == lib.seL4_NoError
    assert sim.mappings(vs)[0].rights.words[0] == rights(read=1).words[0]
    assert len(sim.mappings(vs)) == 1


def test_last_user_page_maps(sim: Sim) -> None:
    vs = sim.new_vspace()
    top = lib.seL4_UserTop - 4096
    sim.map_tables(vs, top)
    sim.map_frame(vs, top)
    assert [m.vaddr for m in sim.mappings(vs)] == [top]


def test_large_and_huge_frames(sim: Sim) -> None:
    vs = sim.new_vspace()
    sim.map_tables(vs, VA, "pdpt,pd")
    (large,) = sim.retype(lib.seL4_X86_LargePageObject)
    assert page_map(large, vs, VA + 4096) == lib.seL4_AlignmentError
    assert page_map(large, vs, VA) == lib.seL4_NoError
    # A page table cannot go where a large page is, nor a large page where a page table is.
    (pt,) = sim.retype(lib.seL4_X86_PageTableObject)
    assert lib.seL4_X86_PageTable_Map(pt, vs, VA, DEF) == lib.seL4_DeleteFirst
    assert lib.seL4_X86_PageTable_Map(pt, vs, VA + (2 << 20), DEF) == lib.seL4_NoError
    (large2,) = sim.retype(lib.seL4_X86_LargePageObject)
    assert page_map(large2, vs, VA + (2 << 20)) == lib.seL4_DeleteFirst
    # A 4K frame under the large page finds no page table there.
    (small,) = sim.retype(lib.seL4_X86_4K)
    assert page_map(small, vs, VA + 4096) == lib.seL4_FailedLookup
    assert lib.seL4_MappingFailedLookupLevel() == 21
    s2 = Sim(untyped_bits=33)
    try:
        v2 = s2.new_vspace()
        huge_va = 1 << 31
        s2.map_tables(v2, huge_va, "pdpt")
        (huge,) = s2.retype(lib.seL4_X64_HugePageObject)
        assert page_map(huge, v2, huge_va + (2 << 20)) == lib.seL4_AlignmentError
        assert page_map(huge, v2, huge_va) == lib.seL4_NoError
        assert [(m.vaddr, m.size_bits) for m in s2.mappings(v2)] == [(huge_va, 30)]
        (pd,) = s2.retype(lib.seL4_X86_PageDirectoryObject)
        assert lib.seL4_X86_PageDirectory_Map(pd, v2, huge_va, DEF) == lib.seL4_DeleteFirst
        assert lib.seL4_X86_PageDirectory_Map(pd, v2, 0, DEF) == lib.seL4_NoError
        (huge2,) = s2.retype(lib.seL4_X64_HugePageObject)
        assert page_map(huge2, v2, 0) == lib.seL4_DeleteFirst
        (small2,) = s2.retype(lib.seL4_X86_4K)
        assert page_map(small2, v2, huge_va) == lib.seL4_FailedLookup
        assert lib.seL4_MappingFailedLookupLevel() == 30
        assert s2.write(v2, huge_va + (1 << 30) - 2, b"ab") is None
        assert s2.read(v2, huge_va + (1 << 30) - 2, 2) == b"ab"
        # One 4 KiB chunk plus the 1 GiB frame's chunk table (8 bytes per 4 KiB), not the gigabyte.
        assert lib.sel4sim_frame_backing_bytes(s2.k) == 4096 + (1 << 18) * 8
    finally:
        s2.destroy()


def test_unmap_and_get_address(sim: Sim) -> None:
    vs = sim.new_vspace()
    sim.map_tables(vs, VA)
    frame = sim.map_frame(vs, VA)
    ga = lib.seL4_X86_Page_GetAddress(frame)
    assert ga.error == lib.seL4_NoError and ga.paddr == sim.cap(frame).paddr and lib.seL4_GetMR(0) == ga.paddr
    assert lib.seL4_X86_Page_GetAddress(vs).error == lib.seL4_IllegalOperation
    assert lib.seL4_X86_Page_GetAddress(sim.slot()).error == lib.seL4_InvalidCapability
    assert lib.seL4_X86_Page_Unmap(vs) == lib.seL4_IllegalOperation
    assert lib.seL4_X86_Page_Unmap(frame) == lib.seL4_NoError
    assert sim.mappings(vs) == [] and not sim.cap(frame).mapped
    assert lib.seL4_X86_Page_Unmap(frame) == lib.seL4_NoError
    assert page_map(frame, vs, VA + 4096) == lib.seL4_NoError


@pytest.mark.parametrize("attr", [lib.seL4_X86_WriteBack, lib.seL4_X86_WriteThrough, lib.seL4_X86_CacheDisabled,
                                  lib.seL4_X86_Uncacheable, lib.seL4_X86_WriteCombining])
def test_attributes_are_recorded(sim: Sim, attr: int) -> None:
    vs = sim.new_vspace()
    sim.map_tables(vs, VA)
    (frame,) = sim.retype(lib.seL4_X86_4K)
    assert page_map(frame, vs, VA, RW, attr) == lib.seL4_NoError
    assert sim.mappings(vs)[0].attributes == attr


def test_deleting_the_vspace_root_leaves_stale_caps(sim: Sim) -> None:
    vs = sim.new_vspace()
    t = sim.map_tables(vs, VA)
    frame = sim.map_frame(vs, VA)
    assert lib.seL4_CNode_Delete(ROOT, vs, 64) == lib.seL4_NoError
    vs2 = sim.new_vspace()
    assert sim.cap(vs2).mapped_asid == 1  # the ASID was reused
    # The old structures' caps still say mapped; deleting them touches nothing in the new vspace.
    sim.map_tables(vs2, VA)
    frame2 = sim.map_frame(vs2, VA)
    for cap in (frame, t["pt"], t["pd"], t["pdpt"]):
        assert lib.seL4_CNode_Delete(ROOT, cap, 64) == lib.seL4_NoError
    assert [m.frame_cap for m in sim.mappings(vs2)] == [frame2]
