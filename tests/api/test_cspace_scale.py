# SPDX-License-Identifier: BSD-2-Clause
"""CSpace at scale through the public API: the default kernel maps 1 GiB of 4 KiB pages, a full
root CNode is reported as such (with how to ask for more), and the frames of a bulk call come
back whatever happens to the call."""

from __future__ import annotations

import pytest

from ledger import assert_same, kernel_ledger
from sel4vspace import CSpaceFullError, Kernel, KernelError, VSpaceError

PAGE = 4096
GIB_PAGES = 1 << 18


def test_the_default_kernel_maps_a_gib_of_4k_pages_and_gives_it_all_back() -> None:
    with Kernel() as kernel:
        before = kernel_ledger(kernel)
        vspace = kernel.new_vspace()
        start = vspace.new_pages(GIB_PAGES, "rw")
        assert kernel.used_slots < 1 << kernel.cnode_bits
        last = start + (GIB_PAGES - 1) * PAGE
        vspace.write(start, b"first")
        vspace.write(last, b"last")
        assert vspace.read(start, 5) == b"first" and vspace.read(last, 4) == b"last"
        assert vspace.lookup(last) is not None and vspace.lookup(last + PAGE) is None
        vspace.unmap_pages(start, GIB_PAGES, free=True)
        assert vspace.mappings() == []
        vspace.tear_down()
        assert_same(before, kernel_ledger(kernel), "after freeing the GiB and tearing the vspace down")


def test_running_out_of_cslots_says_so_and_how_to_ask_for_more() -> None:
    with Kernel(cnode_bits=10) as kernel:
        before = kernel_ledger(kernel)
        vspace = kernel.new_vspace()
        with pytest.raises(CSpaceFullError) as info:
            vspace.new_pages(2000, "rw")
        error = info.value
        assert isinstance(error, VSpaceError) and isinstance(error, KernelError)
        assert error.function == "vspace_new_pages" and error.cnode_bits == 10
        assert error.error_name == "seL4_NotEnoughMemory"
        text = str(error)
        assert "ran out of cslots" in text and "2**10" in text and "Kernel(cnode_bits=" in text
        assert error.c_error is not None  # the C library's own line (which page it could not make)
        assert vspace.mappings() == []
        # the same from the other calls that need cslots
        with pytest.raises(CSpaceFullError, match="cnode_bits"):
            kernel.alloc_frames(2000)
        vspace.tear_down()                       # the paging structures the call made go here
        assert_same(before, kernel_ledger(kernel), "after the refused calls")
        # a larger CNode is the remedy the message names
    with Kernel(cnode_bits=13) as kernel:
        kernel.new_vspace().new_pages(2000, "rw")


def test_a_full_cnode_refuses_a_copy_with_the_same_error() -> None:
    with Kernel(cnode_bits=8) as kernel:
        (frame,) = kernel.alloc_frames(1)
        with pytest.raises(CSpaceFullError) as info:
            for _ in range(1 << 8):
                kernel.copy_cap(frame)
        assert info.value.function == "seL4_CNode_Mint" and info.value.cnode_bits == 8
        assert kernel_ledger(kernel).vka_free_slots == 0


def test_memory_running_out_is_not_reported_as_cslots() -> None:
    with Kernel(untyped_bits=20, cnode_bits=16) as kernel:
        vspace = kernel.new_vspace()
        with pytest.raises(VSpaceError) as info:
            vspace.new_pages(1000, "rw")        # 4 MiB of frames from 1 MiB
        assert not isinstance(info.value, CSpaceFullError)


def test_a_bulk_call_failing_part_way_gives_everything_back() -> None:
    # 8 MiB of untyped; the bulk calls' paging structures (and allocator tables) are made by a
    # first call that succeeds, then memory is taken until the same call runs out part-way
    with Kernel(untyped_bits=23) as kernel:
        vspace = kernel.new_vspace()
        start = vspace.new_pages(1100, "rw")
        vspace.unmap_pages(start, 1100, free=True)
        at = 0x4000_0000
        res = vspace.reserve_range_at(at, 1100 * PAGE, "rw")
        vspace.new_pages_at_vaddr(at, 1100, res)
        vspace.unmap_pages(at, 1100, free=True)
        kernel.alloc_frames(1000)               # leaves less than 1100 frames' worth
        before = kernel_ledger(kernel)
        with pytest.raises(VSpaceError):
            vspace.new_pages(1100, "rw")
        assert vspace.mappings() == []
        assert_same(before, kernel_ledger(kernel), "after the bulk call failed part-way")
        with pytest.raises(VSpaceError):
            vspace.new_pages_at_vaddr(at, 1100, res)
        assert vspace.mappings() == []
        assert_same(before, kernel_ledger(kernel), "after new_pages_at_vaddr failed part-way")


def test_frames_of_a_bulk_call_come_back_whatever_else_lives() -> None:
    with Kernel() as kernel:
        vspace = kernel.new_vspace()
        mine = kernel.alloc_frames(3)
        for pages in (100, 37):                  # the paging structures and allocator tables
            vspace.unmap_pages(vspace.new_pages(pages, "rw"), pages, free=True)
        before = kernel_ledger(kernel)
        first = vspace.new_pages(100, "rw")
        second = vspace.new_pages(37, "rw")
        mine += kernel.alloc_frames(5)           # allocated while the vspace's frames live
        vspace.unmap_pages(first, 100, free=True)
        vspace.unmap_pages(second, 37, free=True)
        for cap in mine[3:]:
            kernel.delete_cap(cap)
        assert_same(before, kernel_ledger(kernel), "after freeing the bulk calls' frames")


def test_a_slab_gives_its_memory_back_with_its_last_frame() -> None:
    # Frames of one bulk call share untypeds of 16 frames (seL4 retypes at an untyped's
    # watermark): a frame's memory comes back when the last frame of its slab goes.
    with Kernel() as kernel:
        vspace = kernel.new_vspace()
        vspace.new_pages(1, "rw")
        before = kernel_ledger(kernel)
        start = vspace.new_pages(32, "rw")
        taken = before.untyped_free - kernel.untyped_free_bytes
        assert taken == 32 * PAGE
        vspace.unmap_pages(start, 15, free=True)
        assert kernel.untyped_free_bytes == before.untyped_free - taken   # the slab still has a frame
        vspace.unmap_pages(start + 15 * PAGE, 1, free=True)
        assert kernel.untyped_free_bytes == before.untyped_free - 16 * PAGE
        vspace.unmap_pages(start + 16 * PAGE, 16, free=True)
        assert_same(before, kernel_ledger(kernel), "after every frame went")


def test_a_large_cspace_costs_host_memory_only_as_used() -> None:
    with Kernel(cnode_bits=12) as small, Kernel(cnode_bits=24) as large:
        grown = large.host_memory["kernel_objects"] - small.host_memory["kernel_objects"]
        assert grown < 2 << 20                   # 2^24 slots of 40 bytes would be 640 MiB


def test_running_out_of_cslots_during_a_call_says_the_call_gave_them_back():
    """With the smallest CNode, the halvings from 2^20 bytes of untyped memory down to one frame take
    more cslots than there are: the error says they ran out during the call, and they are free again."""
    with Kernel(untyped_bits=20, cnode_bits=5) as kernel:
        used = kernel.used_slots
        with pytest.raises(CSpaceFullError) as info:
            kernel.alloc_frames(1)
        assert "all 2**5 slots were taken during the call, which gave them back" in str(info.value)
        assert "two cslots a step" in str(info.value)
        assert kernel.used_slots == used and kernel.frame_caps() == []
