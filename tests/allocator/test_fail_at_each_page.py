# SPDX-License-Identifier: BSD-2-Clause
"""A multi-page call failing at its first, second or last page leaves nothing of itself behind.

Undo code guarded by "if anything was done" is where an off-by-one hides (done > 1 for done > 0):
each operation that maps several pages is made to fail exactly at page k, for k = 0, 1 and the
last, and afterwards no page of the call is mapped and the world (cslots, untyped memory,
objects) is as before. The paging structures are made beforehand: they stay with the vspace, as
upstream."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from hostworld import PAGE, VSPACE_FREE, World, ffi, lib, vptr
from test_vka_faults import _vka_of, failing_vka, slot_paths_unusable

BASE = 0x4000_0000
N = 6
FAIL_AT = [0, 1, N - 1]


@pytest.fixture
def w() -> Iterator[SimpleNamespace]:
    world = World()
    v, source = world.new_vspace(), world.new_vspace()
    res = v.reserve_at(BASE, N * PAGE)
    assert v.new_pages_at(BASE, N, res) == 0            # paging structures and tables, then gone
    v.unmap(BASE, N, vka=VSPACE_FREE)
    start = v.new_pages(N)
    v.unmap(start, N, vka=VSPACE_FREE)                  # the same for the anywhere cursor's range
    shared = source.new_pages(N)
    yield SimpleNamespace(world=world, v=v, res=res, source=source, shared=shared)
    world.destroy()


def state(w: SimpleNamespace) -> tuple:
    s = w.world.snapshot()
    return (s.used_slots, s.untyped_free, s.vka_free_slots, s.vka_free_untyped, s.object_counts,
            [(m.vaddr, m.frame_cap) for m in w.v.mappings()])


@pytest.mark.parametrize("k", FAIL_AT)
def test_new_pages_at_vaddr_failing_at_page_k(w, k):
    before = state(w)
    with failing_vka(_vka_of(w.v), "utspace_alloc_maybe_device", k):
        assert w.v.new_pages_at(BASE, N, w.res) != 0
    assert state(w) == before


@pytest.mark.parametrize("k", FAIL_AT)
def test_new_pages_failing_at_page_k(w, k):
    before = state(w)
    with failing_vka(_vka_of(w.v), "utspace_alloc_maybe_device", k):
        assert w.v.new_pages(N) == 0
    assert state(w) == before


@pytest.mark.parametrize("k", FAIL_AT)
@pytest.mark.parametrize("where", ["at vaddr", "anywhere"])
def test_mapping_caller_frames_failing_at_page_k(w, k, where):
    frames = [w.world.frame() for _ in range(N)]
    caps = [f.cptr for f in frames]
    caps[k] = lib.seL4_CapInitThreadCNode                # not a frame: the kernel refuses page k
    before = state(w)
    if where == "at vaddr":
        assert w.v.map_at(caps, BASE, w.res) != 0
        # upstream's contract: the pages before the failure stay mapped (the caller undoes them)
        assert [m.vaddr for m in w.v.mappings()] == [BASE + i * PAGE for i in range(k)]
        if k:
            w.v.unmap(BASE, k)
    else:
        assert w.v.map_pages(caps) == 0
    assert state(w) == before
    assert all(w.world.cap_info(f.cptr).mapped == 0 for f in frames)


@pytest.mark.parametrize("k", FAIL_AT)
def test_share_failing_at_page_k(w, k):
    before = state(w)
    with slot_paths_unusable(_vka_of(w.v), after=k):
        assert lib.vspace_share_mem_at_vaddr(w.source.vs, w.v.vs, vptr(w.shared), N, 12, vptr(BASE), w.res) != 0
    assert state(w) == before
