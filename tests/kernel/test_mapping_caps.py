# SPDX-License-Identifier: BSD-2-Clause
"""The cap behind a mapping (sel4sim_vspace_lookup / sel4sim_vspace_mappings) and the range listing
sel4sim_vspace_mappings_in. The page tables remember which root-CNode slot mapped each frame; these
tests pin down that the answer stays right when that cap moves, goes, or was never in the root."""

from __future__ import annotations

from simkernel import DEPTH, ROOT, RW, Sim

from sel4vspace.lowlevel import ffi, lib

VA = 0x10000000


def lookup_cap(sim: Sim, vspace: int, vaddr: int) -> int | None:
    out = ffi.new("sel4sim_mapping_t *")
    if lib.sel4sim_vspace_lookup(sim.k, vspace, vaddr, out) == 0:
        return None
    return int(out.frame_cap)


def listed(sim: Sim, vspace: int, vaddr: int = 0, size: int | None = None, max_entries: int = 64):
    out = ffi.new("sel4sim_mapping_t[]", max_entries)
    if size is None:
        total = lib.sel4sim_vspace_mappings(sim.k, vspace, out, max_entries)
    else:
        total = lib.sel4sim_vspace_mappings_in(sim.k, vspace, vaddr, size, out, max_entries)
    return total, [(int(out[i].vaddr), int(out[i].frame_cap)) for i in range(min(total, max_entries))]


def test_lookup_names_the_cap_that_mapped_the_frame(sim: Sim) -> None:
    vspace = sim.new_vspace()
    sim.map_tables(vspace, VA)
    frames = [sim.map_frame(vspace, VA + i * 4096) for i in range(3)]
    assert [lookup_cap(sim, vspace, VA + i * 4096 + 5) for i in range(3)] == frames
    assert listed(sim, vspace) == (3, [(VA + i * 4096, f) for i, f in enumerate(frames)])


def test_a_moved_cap_is_still_found(sim: Sim) -> None:
    vspace = sim.new_vspace()
    sim.map_tables(vspace, VA)
    frame = sim.map_frame(vspace, VA)
    moved = sim.slot()
    assert lib.seL4_CNode_Move(ROOT, moved, DEPTH, ROOT, frame, DEPTH) == lib.seL4_NoError
    assert lookup_cap(sim, vspace, VA) == moved
    assert listed(sim, vspace) == (1, [(VA, moved)])
    # a new cap in the old slot is not taken for the mapping's cap
    (other,) = sim.retype(lib.seL4_X86_4K)
    assert lib.seL4_CNode_Move(ROOT, frame, DEPTH, ROOT, other, DEPTH) == lib.seL4_NoError
    assert lookup_cap(sim, vspace, VA) == moved


def test_a_remap_through_a_copy_names_the_copy(sim: Sim) -> None:
    vspace = sim.new_vspace()
    sim.map_tables(vspace, VA)
    frame = sim.map_frame(vspace, VA)
    assert lib.seL4_X86_Page_Unmap(frame) == lib.seL4_NoError
    copy = sim.slot()
    assert lib.seL4_CNode_Copy(ROOT, copy, DEPTH, ROOT, frame, DEPTH, RW) == lib.seL4_NoError
    assert lib.seL4_X86_Page_Map(copy, vspace, VA, RW, lib.seL4_X86_Default_VMAttributes) == lib.seL4_NoError
    assert lookup_cap(sim, vspace, VA) == copy


def test_deleting_the_cap_removes_the_mapping_and_its_hint(sim: Sim) -> None:
    vspace = sim.new_vspace()
    sim.map_tables(vspace, VA)
    frame = sim.map_frame(vspace, VA)
    assert lib.seL4_CNode_Delete(ROOT, frame, DEPTH) == lib.seL4_NoError
    assert lookup_cap(sim, vspace, VA) is None
    # a frame mapped afterwards through another slot is reported with that slot
    again = sim.map_frame(vspace, VA)
    assert lookup_cap(sim, vspace, VA) == again


def test_mappings_in_lists_only_what_overlaps_the_range(sim: Sim) -> None:
    vspace = sim.new_vspace()
    sim.map_tables(vspace, VA)
    frames = [sim.map_frame(vspace, VA + i * 4096) for i in range(8)]
    large_va = VA + (1 << 21)
    large = sim.map_frame(vspace, large_va, obj_type=lib.seL4_X86_LargePageObject)
    assert listed(sim, vspace, VA + 2 * 4096, 3 * 4096) == (3, [(VA + i * 4096, frames[i]) for i in (2, 3, 4)])
    # a range that starts or ends inside a page includes that page
    assert listed(sim, vspace, VA + 4096 + 100, 4096) == (2, [(VA + 4096, frames[1]), (VA + 2 * 4096, frames[2])])
    # a large page counts where the range touches any of its bytes
    assert listed(sim, vspace, large_va + (1 << 20), 1) == (1, [(large_va, large)])
    assert listed(sim, vspace, VA + 7 * 4096, (1 << 21) + 4096)[0] == 2
    # nothing mapped there, an empty range, and a range running off the top of the address space
    assert listed(sim, vspace, VA + 8 * 4096, (1 << 21) - 8 * 4096) == (0, [])
    assert listed(sim, vspace, VA, 0) == (0, [])
    assert listed(sim, vspace, VA, 2**64 - VA + 5)[0] == 9
    # the total is counted even where out has no room
    total, first = listed(sim, vspace, VA, 1 << 22, max_entries=2)
    assert total == 9 and first == [(VA, frames[0]), (VA + 4096, frames[1])]


def test_mappings_in_refuses_a_non_vspace_cap(sim: Sim, c_log) -> None:
    (frame,) = sim.retype(lib.seL4_X86_4K)
    assert lib.sel4sim_vspace_mappings_in(sim.k, frame, 0, 1 << 40, ffi.NULL, 0) == 0
    assert any("not a vspace root cap" in message for _, message in c_log.lines)
