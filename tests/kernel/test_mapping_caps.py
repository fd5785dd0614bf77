# SPDX-License-Identifier: BSD-2-Clause
"""The cap behind a mapping (sel4sim_vspace_lookup / sel4sim_vspace_mappings) and the range listing
sel4sim_vspace_mappings_in. The page tables remember which root-CNode slot mapped each frame; these
tests pin down that the answer stays right when that cap moves, goes, or was never in the root."""

from __future__ import annotations

import pytest
from archfacts import DEFAULT_ATTRIBUTES, FRAME_OVER_FRAME_REPLACES, LARGE_PAGE_TYPE, PAGE_MAP, PAGE_TYPE, PAGE_UNMAP
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
    (other,) = sim.retype(PAGE_TYPE)
    assert lib.seL4_CNode_Move(ROOT, frame, DEPTH, ROOT, other, DEPTH) == lib.seL4_NoError
    assert lookup_cap(sim, vspace, VA) == moved


def test_a_remap_through_a_copy_names_the_copy(sim: Sim) -> None:
    vspace = sim.new_vspace()
    sim.map_tables(vspace, VA)
    frame = sim.map_frame(vspace, VA)
    assert PAGE_UNMAP(frame) == lib.seL4_NoError
    copy = sim.slot()
    assert lib.seL4_CNode_Copy(ROOT, copy, DEPTH, ROOT, frame, DEPTH, RW) == lib.seL4_NoError
    assert PAGE_MAP(copy, vspace, VA, RW, DEFAULT_ATTRIBUTES) == lib.seL4_NoError
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
    large = sim.map_frame(vspace, large_va, obj_type=LARGE_PAGE_TYPE)
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
    (frame,) = sim.retype(PAGE_TYPE)
    assert lib.sel4sim_vspace_mappings_in(sim.k, frame, 0, 1 << 40, ffi.NULL, 0) == 0
    assert any("not a vspace root cap" in message for _, message in c_log.lines)


def check_caps(sim: Sim, caps: list[int], size_bits: int = 12) -> tuple[int, int]:
    bad = ffi.new("size_t *")
    reason = lib.sel4sim_check_frame_caps(sim.k, caps, len(caps), size_bits, bad)
    return int(reason), int(bad[0])


def test_check_frame_caps_names_the_first_unusable_cap_and_why(sim: Sim) -> None:
    vspace = sim.new_vspace()
    sim.map_tables(vspace, VA)
    frames = sim.retype(PAGE_TYPE, n=3)
    (large,) = sim.retype(LARGE_PAGE_TYPE)
    (endpoint,) = sim.retype(lib.seL4_EndpointObject)
    mapped = sim.map_frame(vspace, VA)
    assert check_caps(sim, frames)[0] == lib.SEL4SIM_FRAME_CAP_OK
    assert check_caps(sim, [large], 21)[0] == lib.SEL4SIM_FRAME_CAP_OK
    assert check_caps(sim, frames + [sim.slot()]) == (lib.SEL4SIM_FRAME_CAP_EMPTY, 3)
    assert check_caps(sim, [frames[0], 2**63]) == (lib.SEL4SIM_FRAME_CAP_EMPTY, 1)  # does not resolve
    assert check_caps(sim, [frames[0], endpoint]) == (lib.SEL4SIM_FRAME_CAP_NOT_A_FRAME, 1)
    assert check_caps(sim, [lib.seL4_CapInitThreadASIDPool]) == (lib.SEL4SIM_FRAME_CAP_NOT_A_FRAME, 0)
    assert check_caps(sim, frames + [large]) == (lib.SEL4SIM_FRAME_CAP_WRONG_SIZE, 3)
    assert check_caps(sim, [large], 30) == (lib.SEL4SIM_FRAME_CAP_WRONG_SIZE, 0)
    assert check_caps(sim, [frames[1], mapped]) == (lib.SEL4SIM_FRAME_CAP_MAPPED, 1)
    # the same verdicts sel4sim_cap_info gives, cap by cap
    for cap in frames + [mapped]:
        info = sim.cap(cap)
        assert bool(info.mapped) == (check_caps(sim, [cap])[0] == lib.SEL4SIM_FRAME_CAP_MAPPED)


@pytest.mark.parametrize("position", [0, 1, 15, 16, 17, 101, 150, 283, 284, 299])
def test_check_frame_caps_names_the_same_cap_anywhere_in_a_long_array(sim: Sim, position: int) -> None:
    # Long arrays are checked with each slot looked up some caps ahead, through the CNode's chunks in
    # turn: the verdict and index must not depend on where in the array (or in a chunk) a cap is.
    vspace = sim.new_vspace()
    sim.map_tables(vspace, VA)
    frames = []
    for _ in range(100):
        frames += sim.retype(PAGE_TYPE, n=3)
        sim.slot()  # a gap: the frames' slots are not all neighbours
    (endpoint,) = sim.retype(lib.seL4_EndpointObject)
    (large,) = sim.retype(LARGE_PAGE_TYPE)
    mapped = sim.map_frame(vspace, VA)
    assert check_caps(sim, frames)[0] == lib.SEL4SIM_FRAME_CAP_OK
    assert check_caps(sim, frames[::-1])[0] == lib.SEL4SIM_FRAME_CAP_OK
    for unusable, reason in [(sim.slot(), lib.SEL4SIM_FRAME_CAP_EMPTY), (2**63, lib.SEL4SIM_FRAME_CAP_EMPTY),
                             (endpoint, lib.SEL4SIM_FRAME_CAP_NOT_A_FRAME),
                             (large, lib.SEL4SIM_FRAME_CAP_WRONG_SIZE), (mapped, lib.SEL4SIM_FRAME_CAP_MAPPED)]:
        caps = list(frames)
        caps[position] = unusable
        assert check_caps(sim, caps) == (reason, position)
        # a repeat before it is found first
        if position >= 2:
            caps[1] = caps[0]
            assert check_caps(sim, caps) == (lib.SEL4SIM_FRAME_CAP_REPEATED, 1)
    if position > 0:
        caps = list(frames)
        caps[position] = caps[position - 1]
        assert check_caps(sim, caps) == (lib.SEL4SIM_FRAME_CAP_REPEATED, position)
    assert check_caps(sim, frames, 0) == (lib.SEL4SIM_FRAME_CAP_WRONG_SIZE, 0)
    assert check_caps(sim, frames[:position + 1], 21) == (lib.SEL4SIM_FRAME_CAP_WRONG_SIZE, 0)


def test_mapped_pages_counts_the_run_of_exact_pages_from_the_start(sim: Sim) -> None:
    vspace = sim.new_vspace()
    sim.map_tables(vspace, VA)
    for i in (0, 1, 2, 4):
        sim.map_frame(vspace, VA + i * 4096)
    large_va = VA + (1 << 21)
    sim.map_frame(vspace, large_va, obj_type=LARGE_PAGE_TYPE)
    count = lambda vaddr, n, bits=12: int(lib.sel4sim_vspace_mapped_pages(sim.k, vspace, vaddr, n, bits))
    assert count(VA, 3) == 3
    assert count(VA, 5) == 3            # the hole at page 3 ends the run
    assert count(VA + 4 * 4096, 1) == 1
    assert count(VA + 4096, 2) == 2
    assert count(VA + 3 * 4096, 2) == 0
    assert count(large_va, 1, 21) == 1
    assert count(large_va, 1) == 0      # a large page is not a 4 KiB page
    assert count(large_va + 4096, 1) == 0
    assert count(VA, 1, 21) == 0        # 4 KiB pages are not a large page
    assert count(VA, 0) == 0
    assert count(2**64 - 4096, 2**20) == 0  # a run off the top of the address space maps nothing
    assert count(VA, 3, 64) == 0


@pytest.mark.parametrize("indices", [(0, 5, 509, 511), (3,), (508,), (511,), (1, 2, 3, 4, 5, 6, 7, 8, 510)])
def test_listings_find_entries_anywhere_among_empty_ones(sim: Sim, indices) -> None:
    # runs of empty entries are skipped in blocks: entries next to the ends of a table or a range
    # must still be found, and nothing past the table read
    vspace = sim.new_vspace()
    sim.map_tables(vspace, VA)
    frames = {VA + i * 4096: sim.map_frame(vspace, VA + i * 4096) for i in indices}
    assert listed(sim, vspace) == (len(frames), sorted(frames.items()))
    for first in range(0, 512, 37):
        for count in (1, 3, 4, 5, 64, 512 - first):
            window = {v: f for v, f in frames.items() if VA + first * 4096 <= v < VA + (first + count) * 4096}
            assert listed(sim, vspace, VA + first * 4096, count * 4096) == (len(window), sorted(window.items()))
    assert int(lib.sel4sim_vspace_mapped_pages(sim.k, vspace, VA + indices[-1] * 4096, 1, 12)) == 1


def test_a_frame_mapped_over_a_mapped_frame_follows_the_arch(sim: Sim) -> None:
    """x86_64's and AArch64's seL4 overwrite a frame entry with a new frame of the same size; RISC-V's
    refuses a valid entry (seL4_DeleteFirst) and leaves the first mapping as it was."""
    vspace = sim.new_vspace()
    sim.map_tables(vspace, VA)
    first = sim.map_frame(vspace, VA)
    (second,) = sim.retype(PAGE_TYPE)
    error = PAGE_MAP(second, vspace, VA, RW, DEFAULT_ATTRIBUTES)
    if FRAME_OVER_FRAME_REPLACES:
        assert error == lib.seL4_NoError and lookup_cap(sim, vspace, VA) == second
    else:
        assert error == lib.seL4_DeleteFirst and lookup_cap(sim, vspace, VA) == first
        assert not sim.cap(second).mapped
    assert listed(sim, vspace)[0] == 1
