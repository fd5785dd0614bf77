# SPDX-License-Identifier: BSD-2-Clause
"""VSpace, Reservation and Mapping through the public API."""

from __future__ import annotations

import tracemalloc

import pytest
from upstream_defects import VENDOR_BUILD

from sel4vspace import CapRights, Kernel, Mapping, Reservation, StaleObjectError, VMFault, VSpaceError

BASE = 0x1000_0000
PAGE = 4096


def test_reserve_range_at_reads_its_fields_from_c(vspace):
    res = vspace.reserve_range_at(BASE, 3 * PAGE, CapRights.RW, cacheable=False)
    assert isinstance(res, Reservation)
    assert (res.start, res.end, res.size) == (BASE, BASE + 3 * PAGE, 3 * PAGE)
    assert res.rights == CapRights.RW
    assert res.cacheable is False
    assert res.rights_deferred is False
    assert vspace.reservations() == [res]


def test_deferred_reservation_has_no_rights_until_mapped(vspace, kernel):
    res = vspace.reserve_deferred_rights_range_at(BASE, 2 * PAGE)
    assert res.rights_deferred is True
    assert res.rights is None
    assert res.cacheable is True
    caps = kernel.alloc_frames(2)
    vspace.deferred_rights_map_pages_at_vaddr(caps, BASE, CapRights.READ, res)
    assert [m.rights for m in vspace.mappings()] == [CapRights.READ, CapRights.READ]
    assert res.rights_deferred is True  # the reservation itself still carries no rights


def test_reserve_range_aligned_places_the_range_on_the_alignment(vspace):
    res = vspace.reserve_range_aligned(5 * PAGE, 21, "r")
    assert res.start % (1 << 21) == 0
    assert res.size >= 5 * PAGE
    assert res.rights == CapRights.READ


def test_map_pages_at_vaddr_maps_with_the_reservation_rights(vspace, kernel):
    res = vspace.reserve_range_at(BASE, 4 * PAGE, "rw")
    caps = kernel.alloc_frames(4)
    vspace.map_pages_at_vaddr(caps, BASE, res)
    mappings = vspace.mappings()
    assert [m.vaddr for m in mappings] == [BASE + i * PAGE for i in range(4)]
    assert [m.cap for m in mappings] == caps
    assert all(isinstance(m, Mapping) and m.rights == CapRights.RW and m.size == PAGE for m in mappings)
    assert vspace.lookup(BASE + PAGE + 5) == mappings[1]
    assert vspace.lookup(BASE + 4 * PAGE) is None
    assert vspace.get_cap(BASE + 2 * PAGE) == caps[2]


def test_plain_map_into_a_deferred_reservation_is_refused_by_c(vspace, kernel):
    res = vspace.reserve_deferred_rights_range_at(BASE, PAGE)
    cap = kernel.alloc_frame()
    with pytest.raises(VSpaceError) as info:
        vspace.map_pages_at_vaddr([cap], BASE, res)
    assert info.value.function == "vspace_map_pages_at_vaddr"
    assert info.value.c_error is not None
    assert vspace.mappings() == []


def test_deferred_map_into_a_plain_reservation_is_refused_by_c(vspace, kernel):
    res = vspace.reserve_range_at(BASE, PAGE, "rw")
    cap = kernel.alloc_frame()
    with pytest.raises(VSpaceError) as info:
        vspace.deferred_rights_map_pages_at_vaddr([cap], BASE, "r", res)
    assert info.value.function == "vspace_deferred_rights_map_pages_at_vaddr"
    assert vspace.mappings() == []


def test_read_and_write_through_the_mmu(vspace, kernel):
    res = vspace.reserve_range_at(BASE, 2 * PAGE, "rw")
    vspace.map_pages_at_vaddr(kernel.alloc_frames(2), BASE, res)
    assert vspace.read(BASE, 8) == bytes(8)  # frames are zero on retype
    vspace.write(BASE + PAGE - 3, b"across")
    assert vspace.read(BASE + PAGE - 3, 6) == b"across"


def test_faults_carry_address_access_and_reason(vspace, kernel):
    res = vspace.reserve_deferred_rights_range_at(BASE, PAGE)
    vspace.deferred_rights_map_pages_at_vaddr([kernel.alloc_frame()], BASE, "r", res)
    with pytest.raises(VMFault) as write_fault:
        vspace.write(BASE + 16, b"x")
    assert (write_fault.value.vaddr, write_fault.value.access, write_fault.value.reason) == \
        (BASE + 16, "write", "permission")
    with pytest.raises(VMFault) as read_fault:
        vspace.read(BASE + PAGE - 2, 4)
    assert (read_fault.value.vaddr, read_fault.value.access, read_fault.value.reason) == \
        (BASE + PAGE, "read", "unmapped")


def test_new_pages_and_unmap_with_free_return_the_memory(vspace, kernel):
    free_before = kernel.untyped_free_bytes
    vaddr = vspace.new_pages(3, "rw")
    assert [m.vaddr for m in vspace.mappings()] == [vaddr, vaddr + PAGE, vaddr + 2 * PAGE]
    vspace.write(vaddr, b"new")
    assert vspace.get_cookie(vaddr) != 0
    vspace.unmap_pages(vaddr, 3, free=True)
    assert vspace.mappings() == []
    # paging structures stay until tear_down; the three frames are back
    assert kernel.untyped_free_bytes >= free_before - 3 * PAGE


@pytest.mark.sel4vspace_kernel(untyped_bits=20)
def test_new_pages_short_of_untyped_memory_says_so(vspace, kernel):
    # The allocator's own line (vendor/'s, or a tree's) says only which page it could not have; the
    # error adds why.
    with pytest.raises(VSpaceError, match=r"; untyped memory ran out") as info:
        vspace.new_pages(1, "rw", 21)
    assert info.value.function == "vspace_new_pages" and vspace.mappings() == []
    # a refusal that is not for memory does not say it (the cause is the call's, not the thread's)
    res = vspace.reserve_range_at(BASE, PAGE, "rw")
    with pytest.raises(VSpaceError) as info:
        vspace.reserve_range_at(BASE, PAGE, "rw")
    assert "untyped" not in str(info.value)
    res.free()


def test_new_pages_at_vaddr_fills_a_reservation(vspace):
    res = vspace.reserve_range_at(BASE, 2 * PAGE, "r")
    vspace.new_pages_at_vaddr(BASE, 2, res)
    assert [(m.vaddr, m.rights) for m in vspace.mappings()] == [(BASE, CapRights.READ), (BASE + PAGE, CapRights.READ)]


def test_map_pages_maps_anywhere_and_returns_the_address(vspace, kernel):
    caps = kernel.alloc_frames(2)
    vaddr = vspace.map_pages(caps, "r")
    assert [m.cap for m in vspace.mappings()] == caps
    assert vspace.lookup(vaddr).rights == CapRights.READ


def test_unmap_keeps_the_reservation_and_allows_a_remap(vspace, kernel):
    res = vspace.reserve_deferred_rights_range_at(BASE, PAGE)
    cap = kernel.alloc_frame()
    vspace.deferred_rights_map_pages_at_vaddr([cap], BASE, "r", res)
    vspace.unmap_pages(BASE, 1)
    assert vspace.mappings() == []
    vspace.deferred_rights_map_pages_at_vaddr([cap], BASE, "rw", res)
    assert vspace.lookup(BASE).rights == CapRights.RW


def test_free_reservation_by_vaddr(vspace):
    res = vspace.reserve_range_at(BASE, 2 * PAGE, "rw")
    vspace.free_reservation_by_vaddr(BASE + PAGE)
    assert res.freed
    assert vspace.reservations() == []
    with pytest.raises(StaleObjectError):
        res.start
    again = vspace.reserve_range_at(BASE, 2 * PAGE, "rw")  # the range is reusable
    assert again.start == BASE


def test_free_reservation_with_pages_mapped_is_refused_and_names_them(vspace, kernel):
    res = vspace.reserve_range_at(BASE, 2 * PAGE, "rw")
    vspace.map_pages_at_vaddr(kernel.alloc_frames(2), BASE, res)
    with pytest.raises(VSpaceError, match=r"2 page\(s\) still mapped .*0x10000000, 0x10001000"):
        res.free()
    assert not res.freed
    vspace.unmap_pages(BASE, 2)
    res.free()
    assert res.freed


def test_share_mem_at_vaddr_maps_the_same_frames_elsewhere(kernel):
    with kernel.new_vspace() as a, kernel.new_vspace() as b:
        res_a = a.reserve_range_at(BASE, 2 * PAGE, "rw")
        a.map_pages_at_vaddr(kernel.alloc_frames(2), BASE, res_a)
        res_b = b.reserve_range_at(0x2000_0000, 2 * PAGE, "r")
        a.share_mem_at_vaddr(b, BASE, 2, 0x2000_0000, res_b)
        a.write(BASE + 100, b"shared")
        assert b.read(0x2000_0000 + 100, 6) == b"shared"
        assert [m.paddr for m in b.mappings()] == [m.paddr for m in a.mappings()]
        assert all(m.rights == CapRights.READ for m in b.mappings())


def test_reservation_context_manager_frees(vspace):
    with vspace.reserve_range_at(BASE, PAGE, "rw") as res:
        assert not res.freed
    assert res.freed


def test_tear_down_returns_everything_and_leaves_caller_frames(kernel):
    before = (kernel.untyped_free_bytes, kernel.used_slots, kernel.object_counts)
    caps = kernel.alloc_frames(3)
    with kernel.new_vspace() as vs:
        res = vs.reserve_range_at(BASE, 3 * PAGE, "rw")
        vs.map_pages_at_vaddr(caps, BASE, res)
        vs.new_pages(5, "rw")
        vs.reserve_deferred_rights_range_at(0x7000_0000, PAGE)
    assert vs.torn_down
    for cap in caps:
        assert kernel.cap_info(cap)["mapped"] is False
        kernel.delete_cap(cap)
    assert (kernel.untyped_free_bytes, kernel.used_slots, kernel.object_counts) == before


def test_tear_down_needs_no_python_memory_in_proportion_to_the_pages(kernel):
    """A vspace is given back when memory may be short (a finalizer at exit, after a MemoryError):
    its tear down lists no page in Python, whatever the vspace maps, and still keeps the caller's
    frames (a few of them mapped among 2**14 of the vspace's own pages)."""
    kernel = Kernel(untyped_bits=27, cnode_bits=16, arch=kernel.arch)   # 2**14 pages and their tables
    caps = kernel.alloc_frames(4)
    vs = kernel.new_vspace()
    res = vs.reserve_range_at(BASE, 4 * PAGE, "rw")
    vs.map_pages_at_vaddr(caps, BASE, res)
    vs.new_pages(1 << 14, "rw")
    tracemalloc.start()
    try:
        vs.tear_down()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # a list of the 2**14 mapped caps alone would take 128 KiB of pointers and their ints more
    assert peak < 32 * 1024, f"tear_down allocated up to {peak} bytes of Python memory"
    for cap in caps:
        assert kernel.cap_info(cap)["mapped"] is False
        kernel.delete_cap(cap)
    kernel.close()


def test_a_torn_down_vspace_and_its_reservations_are_stale(kernel):
    vs = kernel.new_vspace()
    res = vs.reserve_range_at(BASE, PAGE, "rw")
    vs.tear_down()
    with pytest.raises(StaleObjectError, match="torn down"):
        vs.reserve_range_at(BASE, PAGE, "rw")
    with pytest.raises(StaleObjectError):
        res.free()
    with pytest.raises(StaleObjectError):
        vs.tear_down()


def test_a_reservation_of_another_vspace_is_refused(kernel):
    with kernel.new_vspace() as a, kernel.new_vspace() as b:
        res = a.reserve_range_at(BASE, PAGE, "rw")
        with pytest.raises(ValueError, match="another vspace"):
            b.map_pages_at_vaddr([kernel.alloc_frame()], BASE, res)


def test_unmapping_what_is_not_mapped_is_refused_before_c(vspace):
    vspace.reserve_range_at(BASE, PAGE, "rw")
    with pytest.raises(VSpaceError, match="page 0x10000000 is not mapped"):
        vspace.unmap_pages(BASE, 1)


def test_a_failed_multi_page_map_leaves_nothing_mapped(vspace, kernel):
    res = vspace.reserve_range_at(BASE, 2 * PAGE, "rw")  # room for two pages only
    caps = kernel.alloc_frames(3)
    with pytest.raises(VSpaceError):
        vspace.map_pages_at_vaddr(caps, BASE, res)
    assert vspace.mappings() == []
    assert all(not kernel.cap_info(c)["mapped"] for c in caps)


def test_the_same_cap_twice_in_one_call_is_refused_before_the_c_maps(vspace, kernel):
    res = vspace.reserve_range_at(BASE, 2 * PAGE, "rw")
    cap = kernel.alloc_frame()
    with pytest.raises(ValueError, match=rf"^caps\[1\] \({cap}\) repeats caps\[0\]"):
        vspace.map_pages_at_vaddr([cap, cap], BASE, res)
    assert vspace.mappings() == []
    assert kernel.cap_info(cap)["mapped"] is False


def test_caller_frames_cannot_be_freed_through_unmap(vspace, kernel):
    res = vspace.reserve_range_at(BASE, PAGE, "rw")
    cap = kernel.alloc_frame()
    vspace.map_pages_at_vaddr([cap], BASE, res)
    with pytest.raises(ValueError, match="stays the caller's"):
        vspace.unmap_pages(BASE, 1, free=True)
    assert vspace.lookup(BASE).cap == cap


# where the top-level slot holding KERNEL_RESERVED_START begins, by arch (sel4utils keeps it)
KERNEL_SLOT = {"x86_64": 0x7F80_0000_0000, "aarch64": 0x7F80_0000_0000, "riscv64": 0x3F_C000_0000}


def test_the_kernels_top_level_slot_is_refused_saying_so_and_the_page_below_it_is_not(vspace, kernel):
    slot = KERNEL_SLOT[kernel.arch]
    below = vspace.reserve_range_at(slot - PAGE, PAGE, "rw")
    vspace.map_pages_at_vaddr(kernel.alloc_frames(1), slot - PAGE, below)
    assert vspace.lookup(slot - PAGE) is not None
    for vaddr, size in ((slot, PAGE), (slot - PAGE, 2 * PAGE), (kernel.user_top - PAGE, PAGE)):
        with pytest.raises(VSpaceError) as refused:
            vspace.reserve_range_at(vaddr, size, "rw")
        if VENDOR_BUILD:   # the words are vendor's (upstream refuses the same ranges, saying less)
            assert "the top-level slot this vspace keeps for the kernel" in str(refused.value), refused.value
            assert f"{slot:#x} and above" in str(refused.value)
    assert [r.start for r in vspace.reservations()] == [slot - PAGE]
