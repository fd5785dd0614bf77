# SPDX-License-Identifier: BSD-2-Clause
"""CNode Rotate, SaveCaller and CancelBadgedSends (libsel4vka's capops.h calls all three)."""

from __future__ import annotations

from archfacts import PAGE_TYPE
from simkernel import ROOT, Sim

from sel4vspace.lowlevel import lib

DEPTH = lib.seL4_WordBits


def paddr(sim: Sim, slot: int):
    info = sim.cap(slot)
    return None if info is None else info.paddr


def test_rotate_moves_pivot_to_dest_and_src_to_pivot(sim: Sim) -> None:
    src, pivot = sim.retype(PAGE_TYPE, n=2)
    dest = sim.slot()
    src_paddr, pivot_paddr = paddr(sim, src), paddr(sim, pivot)
    assert lib.seL4_CNode_Rotate(ROOT, dest, DEPTH, 0, ROOT, pivot, DEPTH, 0, ROOT, src, DEPTH) == lib.seL4_NoError
    assert paddr(sim, dest) == pivot_paddr
    assert paddr(sim, pivot) == src_paddr
    assert sim.cap(src) is None


def test_rotate_with_src_equal_to_dest_swaps(sim: Sim) -> None:
    a, b = sim.retype(PAGE_TYPE, n=2)
    a_paddr, b_paddr = paddr(sim, a), paddr(sim, b)
    assert lib.seL4_CNode_Rotate(ROOT, a, DEPTH, 0, ROOT, b, DEPTH, 0, ROOT, a, DEPTH) == lib.seL4_NoError
    assert (paddr(sim, a), paddr(sim, b)) == (b_paddr, a_paddr)
    # the swapped caps are still deletable, and deleting them frees both objects
    before = sim.counts()[PAGE_TYPE]
    assert lib.seL4_CNode_Delete(ROOT, a, DEPTH) == lib.seL4_NoError
    assert lib.seL4_CNode_Delete(ROOT, b, DEPTH) == lib.seL4_NoError
    assert sim.counts()[PAGE_TYPE] == before - 2


def test_rotate_errors(sim: Sim) -> None:
    a, b, c = sim.retype(PAGE_TYPE, n=3)
    empty = sim.slot()
    assert lib.seL4_CNode_Rotate(ROOT, empty, DEPTH, 0, ROOT, a, DEPTH, 0, ROOT, a, DEPTH) == lib.seL4_IllegalOperation
    assert lib.seL4_CNode_Rotate(ROOT, c, DEPTH, 0, ROOT, b, DEPTH, 0, ROOT, a, DEPTH) == lib.seL4_DeleteFirst
    assert lib.seL4_CNode_Rotate(ROOT, empty, DEPTH, 0, ROOT, b, DEPTH, 0, ROOT, sim.slot(), DEPTH) == \
        lib.seL4_FailedLookup
    assert lib.seL4_CNode_Rotate(a, empty, DEPTH, 0, ROOT, b, DEPTH, 0, ROOT, c, DEPTH) == lib.seL4_IllegalOperation
    assert all(sim.cap(s) is not None for s in (a, b, c)) and sim.cap(empty) is None


def test_save_caller_without_a_caller_leaves_the_slot_empty(sim: Sim) -> None:
    dest = sim.slot()
    assert lib.seL4_CNode_SaveCaller(ROOT, dest, DEPTH) == lib.seL4_NoError
    assert sim.cap(dest) is None
    (occupied,) = sim.retype(PAGE_TYPE)
    assert lib.seL4_CNode_SaveCaller(ROOT, occupied, DEPTH) == lib.seL4_DeleteFirst
    assert lib.seL4_CNode_SaveCaller(occupied, dest, DEPTH) == lib.seL4_IllegalOperation


def test_cancel_badged_sends_needs_an_endpoint(sim: Sim) -> None:
    (endpoint,) = sim.retype(lib.seL4_EndpointObject)
    (frame,) = sim.retype(PAGE_TYPE)
    assert lib.seL4_CNode_CancelBadgedSends(ROOT, endpoint, DEPTH) == lib.seL4_NoError
    assert lib.seL4_CNode_CancelBadgedSends(ROOT, frame, DEPTH) == lib.seL4_IllegalOperation
