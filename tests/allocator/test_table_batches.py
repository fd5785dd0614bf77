# SPDX-License-Identifier: BSD-2-Clause
"""The 4 KiB map and unmap paths fetch a bookkeeping table once per 512 pages instead of walking
from the top for every page. These pin down the edges of that: ranges that start and end at every
position in a table, cross tables, and unmaps refused because of one page anywhere."""

from __future__ import annotations

import pytest

from sel4vspace import CapRights, Kernel, VSpaceError
from sel4vspace.lowlevel import vspace as ll

PAGE = 4096
TABLE = 512 * PAGE          # what one bottom-level table covers
BASE = 0x4000_0000          # table-aligned


@pytest.fixture
def kernel(bound_arch):
    with Kernel(untyped_bits=24, arch=bound_arch) as k:
        yield k


@pytest.mark.parametrize("first,count", [(0, 512), (510, 4), (511, 1), (1, 1030), (0, 1), (509, 3)])
def test_map_and_unmap_across_table_edges(kernel, first, count):
    with kernel.new_vspace() as vs:
        caps = kernel.alloc_frames(count)
        start = BASE + first * PAGE
        res = vs.reserve_deferred_rights_range_at(BASE, 3 * TABLE)
        vs.deferred_rights_map_pages_at_vaddr(caps, start, CapRights.RW, res, cookies=list(range(1, count + 1)))
        assert [vs.get_cap(start + i * PAGE) for i in range(count)] == caps
        assert [vs.get_cookie(start + i * PAGE) for i in range(count)] == list(range(1, count + 1))
        assert vs.get_cap(start - PAGE) == 0 and vs.get_cap(start + count * PAGE) == 0
        # unmap the middle first, then the two ends: each page goes back to being reserved
        middle = count // 3
        vs.unmap_pages(start + middle * PAGE, count - 2 * middle)
        if middle:
            vs.unmap_pages(start, middle)
            vs.unmap_pages(start + (count - middle) * PAGE, middle)
        assert vs.mappings() == []
        assert all(vs.get_cap(start + i * PAGE) == 0 for i in range(count))
        # still reserved: the same range maps again, and frees cleanly
        vs.deferred_rights_map_pages_at_vaddr(caps, start, CapRights.READ, res)
        vs.unmap_pages(start, count)
        res.free()
        assert vs.reservations() == []


@pytest.mark.parametrize("hole", [0, 1, 510, 511, 512, 700])
def test_an_unmap_over_one_unmapped_page_unmaps_nothing(kernel, hole):
    with kernel.new_vspace() as vs:
        count = 800
        caps = kernel.alloc_frames(count)
        res = vs.reserve_range_at(BASE, count * PAGE, "rw")
        vs.map_pages_at_vaddr(caps, BASE, res)
        vs.unmap_pages(BASE + hole * PAGE, 1)
        with pytest.raises(VSpaceError):
            vs.unmap_pages(BASE, count)
        # the allocator's own check, without the Python layer's in front of it
        with pytest.raises(VSpaceError, match="nothing was unmapped"):
            ll.unmap_pages(vs.c_vspace, BASE, count, 12, ll.VSPACE_PRESERVE)
        assert len(vs.mappings()) == count - 1
        assert [vs.get_cap(BASE + i * PAGE) for i in range(count)] == [0 if i == hole else c for i, c in enumerate(caps)]


def test_unmapping_outside_any_reservation_frees_the_pages(kernel):
    with kernel.new_vspace() as vs:
        caps = kernel.alloc_frames(600)
        vaddr = vs.map_pages(caps, "rw")
        vs.unmap_pages(vaddr, 600)
        # the pages are free again: an anywhere-allocation can land on them
        again = vs.map_pages(caps, "rw")
        assert again == vaddr
