# SPDX-License-Identifier: BSD-2-Clause
"""A host vspace from creation to destruction: everything it took comes back, what the caller
allocated stays the caller's, and its bookkeeping lives only in loader memory."""

from __future__ import annotations

from archfacts import KERNEL_SLOT, PAGE_TYPE, PAGE_UNMAP, ROOT_ADDRESS_BITS, USER_ADDRESS_BITS, VSPACE_ROOT_TYPE
from hostworld import PAGE, RO, RW, VSPACE_FREE, VSPACE_PRESERVE, World, ffi, lib, vptr

BASE = 0x4000_0000
HIGH = 7 << (USER_ADDRESS_BITS - 3)   # far up in user space: 0x7000_0000_0000 on x86_64


def busy_vspace(world: World, caller_frames: list) -> object:
    """A vspace that has done a bit of everything, mapping the caller's frames among its own."""
    v = world.new_vspace()
    assert v.new_pages(8) != 0
    assert v.new_pages(1, size_bits=21) != 0
    res = v.reserve_at(BASE, 16 * PAGE, RW)
    assert v.new_pages_at(BASE, 4, res) == 0
    assert v.map_at([f.cptr for f in caller_frames[:2]], BASE + 8 * PAGE, res) == 0
    deferred = v.reserve_deferred(HIGH, 4 * PAGE)
    assert v.deferred_map_at([caller_frames[2].cptr], HIGH, RO, deferred) == 0
    assert v.map_pages([caller_frames[3].cptr], RW) != 0
    aligned, _ = v.reserve_aligned(1 << 22, 21)
    assert aligned.res != ffi.NULL
    return v


def test_destroy_returns_every_cslot_and_untyped_byte(world):
    caller = [world.frame() for _ in range(4)]
    before = world.snapshot()
    bookkeeping_before = lib.host_alloc_bytes_in_use(lib.HOST_ALLOC_BOOKKEEPING)
    v = busy_vspace(world, caller)
    assert v.paging_objects >= 3
    assert world.snapshot() != before
    assert lib.host_alloc_bytes_in_use(lib.HOST_ALLOC_BOOKKEEPING) > bookkeeping_before
    v.destroy(VSPACE_FREE)
    assert world.snapshot() == before
    assert lib.host_alloc_bytes_in_use(lib.HOST_ALLOC_BOOKKEEPING) == bookkeeping_before


def test_frames_the_caller_allocated_stay_the_callers(world):
    caller = [world.frame() for _ in range(4)]
    v = busy_vspace(world, caller)
    assert v.write(BASE + 8 * PAGE, b"caller data") is None
    v.destroy(VSPACE_FREE)
    for frame in caller:
        info = world.cap_info(frame.cptr)
        assert info is not None and info.type == PAGE_TYPE
    # they can be mapped again elsewhere (after an unmap to reset the cap), contents intact
    other = world.new_vspace()
    world.select()
    for frame in caller:
        PAGE_UNMAP(frame.cptr)
    start = other.map_pages([f.cptr for f in caller], RW)
    assert start != 0
    assert other.read(start, 11) == b"caller data"
    other.destroy(VSPACE_PRESERVE)
    # and freeing them takes the world back to where it started
    for frame in caller:
        PAGE_UNMAP(frame.cptr)
        world.free(frame)
    assert world.snapshot().untyped_free == 1 << 26


def test_bookkeeping_comes_only_from_the_loader(world, vspace):
    loader_before = world.snapshot().loader_bytes
    layer_before = lib.host_alloc_bytes_in_use(lib.HOST_ALLOC_HOST_LAYER)
    for i in range(300):
        res = vspace.reserve_at(BASE + 2 * i * PAGE, PAGE, RW)
        assert res.res != ffi.NULL
    vaddr = vspace.new_pages(64)
    assert vaddr != 0
    grown = world.snapshot().loader_bytes - loader_before
    assert grown > 0
    # the vspace's tables and reservation structs are all loader pages: nothing else grew but the vka's
    assert lib.host_alloc_bytes_in_use(lib.HOST_ALLOC_BOOKKEEPING) >= grown
    assert world.snapshot().loader_bytes % PAGE == 0
    assert lib.host_alloc_bytes_in_use(lib.HOST_ALLOC_HOST_LAYER) - layer_before < 64 * 1024


def test_new_pages_get_cookies_and_caller_pages_get_theirs(world, vspace):
    vaddr = vspace.new_pages(2)
    assert vspace.get_cookie(vaddr) != 0 and vspace.get_cookie(vaddr + PAGE) != 0
    assert vspace.get_cookie(vaddr) != vspace.get_cookie(vaddr + PAGE)
    frame = world.frame()
    res = vspace.reserve_at(BASE, PAGE, RW)
    assert vspace.map_at([frame.cptr], BASE, res, cookies=[0x1234]) == 0
    assert vspace.get_cookie(BASE) == 0x1234
    assert vspace.get_cap(BASE) == frame.cptr
    vspace.unmap(BASE, 1)
    assert vspace.get_cookie(BASE) == 0 and vspace.get_cap(BASE) == 0


def test_new_pages_are_zeroed_writable_and_freed_by_unmap(world, vspace):
    before = world.snapshot()
    vaddr = vspace.new_pages(3, RW)
    assert vspace.read(vaddr, 3 * PAGE) == bytes(3 * PAGE)
    assert vspace.write(vaddr + PAGE - 2, b"across") is None
    assert vspace.read(vaddr + PAGE - 2, 6) == b"across"
    assert [m.rights[:2] for m in vspace.mappings()] == [(1, 1)] * 3
    vspace.unmap(vaddr, 3, vka=VSPACE_FREE)
    assert before.untyped_free - world.snapshot().untyped_free == vspace.paging_objects * PAGE


def test_new_pages_large_and_huge(world):
    w = World(untyped_bits=32, cnode_bits=12)
    try:
        v = w.new_vspace()
        large = v.new_pages(2, RW, size_bits=21)
        assert large % (1 << 21) == 0
        huge = v.new_pages(1, RW, size_bits=30)
        assert huge % (1 << 30) == 0
        sizes = sorted(m.size_bits for m in v.mappings())
        assert sizes == [21, 21, 30]
        assert v.write(huge + (1 << 29), b"middle of a GiB") is None
        before = w.snapshot()
        v.unmap(huge, 1, size_bits=30, vka=VSPACE_FREE)
        assert w.snapshot().untyped_free - before.untyped_free == 1 << 30
    finally:
        w.destroy()


def test_unmap_with_the_wrong_size_is_refused(world, vspace, c_log):
    large = world.frame(21)
    res = vspace.reserve_at(0x8000_0000, 1 << 21, RW)
    assert vspace.map_at([large.cptr], 0x8000_0000, res, size_bits=21) == 0
    vspace.unmap(0x8000_0000, 1, size_bits=12)
    assert c_log.lines[-1][0] == "ERROR"
    assert len(vspace.mappings()) == 1
    vspace.unmap(0x8000_0000 + PAGE, 1, size_bits=12)
    assert len(vspace.mappings()) == 1
    vspace.unmap(0x8000_0000, 1, size_bits=21)
    assert vspace.mappings() == []


def test_failed_map_pages_takes_back_what_it_mapped(world, vspace):
    frames = [world.frame() for _ in range(3)]
    # the last cap is already mapped elsewhere, so the kernel refuses it
    res = vspace.reserve_at(BASE, PAGE, RW)
    assert vspace.map_at([frames[2].cptr], BASE, res) == 0
    assert vspace.map_pages([f.cptr for f in frames], RW) == 0
    assert [m.vaddr for m in vspace.mappings()] == [BASE]
    for f in frames[:2]:
        assert world.cap_info(f.cptr).mapped == 0


def test_the_kernel_window_and_beyond_are_refused(world, vspace):
    top_slot = KERNEL_SLOT
    assert vspace.reserve_at(top_slot, PAGE, RW).res == ffi.NULL
    assert vspace.reserve_at((1 << USER_ADDRESS_BITS) - PAGE, PAGE, RW).res == ffi.NULL
    assert vspace.reserve_at(top_slot - PAGE, PAGE, RW).res != ffi.NULL
    # addresses past what the root maps (and past x86_64's 48 bits) must not alias low ones
    for bits in sorted({ROOT_ADDRESS_BITS, 48}):
        assert vspace.reserve_at(1 << bits, PAGE, RW).res == ffi.NULL
        assert vspace.reserve_at((1 << bits) + BASE, PAGE, RW).res == ffi.NULL
    assert vspace.reserve_at(2**64 - PAGE, PAGE, RW).res == ffi.NULL
    assert vspace.reserve_at(BASE, PAGE, RW).res != ffi.NULL
    world.select()
    assert lib.vspace_get_cap(vspace.vs, vptr(2**64 - PAGE)) == 0


def test_anywhere_allocation_runs_out_cleanly(world, vspace, c_log):
    # ask for more virtual memory than there is below the kernel window
    res, vaddr = vspace.reserve_aligned(1 << USER_ADDRESS_BITS, 12)
    assert res.res == ffi.NULL
    assert "virtual memory" in c_log.lines[-1][1]
    res, vaddr = vspace.reserve_aligned(1 << (USER_ADDRESS_BITS - 1), 30)
    assert res.res != ffi.NULL and vaddr % (1 << 30) == 0


def test_get_root_is_the_pml4(world, vspace):
    world.select()
    assert lib.vspace_get_root(vspace.vs) == vspace.root
    assert world.cap_info(vspace.root).type == VSPACE_ROOT_TYPE


def test_destroy_with_preserve_leaves_the_vspaces_own_frames_allocated(world):
    before = world.snapshot()
    v = world.new_vspace()
    vaddr = v.new_pages(2)
    caps = [v.get_cap(vaddr), v.get_cap(vaddr + PAGE)]
    v.destroy(VSPACE_PRESERVE)
    for cap in caps:
        info = world.cap_info(cap)
        assert info is not None and info.mapped == 0
    assert before.untyped_free - world.snapshot().untyped_free == 2 * PAGE
