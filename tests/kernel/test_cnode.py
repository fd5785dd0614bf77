# SPDX-License-Identifier: BSD-2-Clause
"""CNode Copy / Mint / Move / Mutate / Delete / Revoke and derivation tracking."""

from __future__ import annotations

from archfacts import ASID_POOL_ASSIGN, PAGE_TABLE_TYPE, PAGE_TYPE, VSPACE_ROOT_TYPE
from simkernel import ALL, ROOT, RW, Sim, mrs, rights

from sel4vspace.lowlevel import lib


def copy(dest, src, r=ALL, depth=64, src_depth=64, root=ROOT):
    return lib.seL4_CNode_Copy(ROOT, dest, depth, root, src, src_depth, r)


def test_copy_mint_move_mutate_delete(sim: Sim) -> None:
    (ep,) = sim.retype(lib.seL4_EndpointObject)
    a, b, c, d = (sim.slot() for _ in range(4))
    assert copy(a, ep) == lib.seL4_NoError
    assert sim.cap(a).paddr == sim.cap(ep).paddr
    assert lib.seL4_CNode_Mint(ROOT, b, 64, ROOT, ep, 64, rights(read=1), 42) == lib.seL4_NoError
    minted = sim.cap(b)          # held: a field of a dropped cdata would read freed memory
    assert minted.badge == 42 and minted.rights.words[0] == rights(read=1).words[0]
    # Rights are never amplified: minting all rights from a read-only cap stays read-only.
    assert lib.seL4_CNode_Mint(ROOT, c, 64, ROOT, b, 64, ALL, 0) == lib.seL4_IllegalOperation  # already badged
    assert copy(c, b, ALL) == lib.seL4_NoError
    assert sim.cap(c).rights.words[0] == rights(read=1).words[0] and sim.cap(c).badge == 42
    assert lib.seL4_CNode_Move(ROOT, d, 64, ROOT, c, 64) == lib.seL4_NoError
    assert sim.cap(c) is None and sim.cap(d).badge == 42
    e = sim.slot()
    assert lib.seL4_CNode_Mutate(ROOT, e, 64, ROOT, d, 64, 7) == lib.seL4_IllegalOperation  # endpoints
    for s in (a, b, d, ep):
        assert lib.seL4_CNode_Delete(ROOT, s, 64) == lib.seL4_NoError
    assert sim.counts()[lib.seL4_EndpointObject] == 0
    # Deleting an empty slot is fine.
    assert lib.seL4_CNode_Delete(ROOT, a, 64) == lib.seL4_NoError


def test_errors(sim: Sim, c_log) -> None:
    (frame,) = sim.retype(PAGE_TYPE)
    empty = sim.slot()
    assert lib.seL4_CNode_Copy(empty, 0, 64, ROOT, frame, 64, ALL) == lib.seL4_InvalidCapability
    assert lib.seL4_CNode_Copy(frame, sim.slot(), 64, ROOT, frame, 64, ALL) == lib.seL4_IllegalOperation
    assert copy(frame, frame) == lib.seL4_DeleteFirst
    assert copy(empty, sim.slot()) == lib.seL4_FailedLookup
    assert mrs(3) == [1, lib.seL4_MissingCapability, 64]
    assert copy(empty, frame, depth=0) == lib.seL4_RangeError and mrs(2) == [1, 64]
    assert copy(empty, frame, src_depth=65) == lib.seL4_RangeError
    assert copy(empty, frame, depth=16) == lib.seL4_FailedLookup
    assert mrs(2) == [0, lib.seL4_GuardMismatch]
    assert copy(1 << 16, frame) == lib.seL4_FailedLookup and mrs(2) == [0, lib.seL4_GuardMismatch]
    assert copy(empty, frame, root=frame) == lib.seL4_FailedLookup
    assert mrs(2) == [1, lib.seL4_InvalidRoot]
    assert sim.cap(empty) is None
    # Invocation failures are the caller's to handle: reported in the reply, not logged as errors.
    assert [line for line in c_log.lines if line[0] in ('ERROR', 'WARNING')] == []


def test_mint_reduces_frame_rights_never_amplifies(sim: Sim) -> None:
    (frame,) = sim.retype(PAGE_TYPE)
    ro, again = sim.slot(), sim.slot()
    assert lib.seL4_CNode_Mint(ROOT, ro, 64, ROOT, frame, 64, rights(read=1), 0) == lib.seL4_NoError
    reduced = sim.cap(ro)
    assert reduced.rights.words[0] == rights(read=1).words[0]
    assert lib.seL4_CNode_Mint(ROOT, again, 64, ROOT, ro, 64, ALL, 0) == lib.seL4_NoError
    assert sim.cap(again).rights.words[0] == rights(read=1).words[0]


def test_untyped_copy_rules(sim: Sim) -> None:
    (child,) = sim.retype(lib.seL4_UntypedObject, 16)
    dup = sim.slot()
    assert copy(dup, child) == lib.seL4_NoError
    # The copy takes over the region: the original is full until the copy goes.
    assert sim.cap(child).untyped_free_bytes == 0
    assert lib.seL4_Untyped_Retype(dup, PAGE_TYPE, 0, ROOT, 0, 0, sim.slot(), 1) == lib.seL4_NoError
    another = sim.slot()
    assert copy(another, dup) == lib.seL4_RevokeFirst


def test_paging_structure_copies_need_a_mapping(sim: Sim) -> None:
    (pt,) = sim.retype(PAGE_TABLE_TYPE)
    (pml4,) = sim.retype(VSPACE_ROOT_TYPE)
    assert copy(sim.slot(), pt) == lib.seL4_IllegalOperation
    assert copy(sim.slot(), pml4) == lib.seL4_IllegalOperation
    assert ASID_POOL_ASSIGN(lib.seL4_CapInitThreadASIDPool, pml4) == lib.seL4_NoError
    dup = sim.slot()
    assert copy(dup, pml4) == lib.seL4_NoError and sim.cap(dup).mapped_asid == sim.cap(pml4).mapped_asid


def test_mint_sets_a_cnode_guard(sim: Sim) -> None:
    (cn,) = sim.retype(lib.seL4_CapTableObject, 4)
    guarded, bad = sim.slot(), sim.slot()
    # A guard of 60 zero bits over the 4-bit radix: invoked as a CNode, it resolves 64-bit indices.
    data = lib.seL4_CNode_CapData_new(0, 60).words[0]
    assert lib.seL4_CNode_Mint(ROOT, guarded, 64, ROOT, cn, 64, ALL, data) == lib.seL4_NoError
    assert sim.cap(guarded).badge == 0
    too_big = lib.seL4_CNode_CapData_new(0, 61).words[0]
    assert lib.seL4_CNode_Mint(ROOT, bad, 64, ROOT, cn, 64, ALL, too_big) == lib.seL4_IllegalOperation
    (frame,) = sim.retype(PAGE_TYPE)
    assert lib.seL4_CNode_Copy(guarded, 5, 64, ROOT, frame, 64, RW) == lib.seL4_NoError
    assert lib.seL4_CNode_Copy(guarded, 5, 64, ROOT, frame, 64, RW) == lib.seL4_DeleteFirst
    assert lib.seL4_CNode_Copy(guarded, 1 << 10, 64, ROOT, frame, 64, RW) == lib.seL4_FailedLookup
    assert mrs(2) == [0, lib.seL4_GuardMismatch]
    # Without a guard the CNode resolves exactly 4 bits.
    assert lib.seL4_CNode_Copy(cn, 6, 4, ROOT, frame, 64, RW) == lib.seL4_NoError
    assert lib.seL4_CNode_Copy(cn, 7, 5, ROOT, frame, 64, RW) == lib.seL4_FailedLookup
    assert mrs(4) == [0, lib.seL4_DepthMismatch, 1, 0]
    assert lib.seL4_CNode_Delete(ROOT, guarded, 64) == lib.seL4_NoError
    assert sim.counts()[lib.seL4_CapTableObject] == 2
    assert lib.seL4_CNode_Delete(ROOT, cn, 64) == lib.seL4_NoError
    # The CNode's last cap went: it and the frame caps inside it are gone.
    assert sim.counts()[lib.seL4_CapTableObject] == 1
    assert lib.seL4_CNode_Delete(ROOT, frame, 64) == lib.seL4_NoError
    assert sim.counts()[PAGE_TYPE] == 0


def test_revoke_deletes_descendants_only(sim: Sim) -> None:
    (ep,) = sim.retype(lib.seL4_EndpointObject)
    a, b, c = sim.slot(), sim.slot(), sim.slot()
    assert copy(a, ep) == lib.seL4_NoError
    assert lib.seL4_CNode_Mint(ROOT, b, 64, ROOT, ep, 64, ALL, 5) == lib.seL4_NoError
    assert copy(c, b) == lib.seL4_NoError
    # Revoking the badged cap takes its copy, not its siblings.
    assert lib.seL4_CNode_Revoke(ROOT, b, 64) == lib.seL4_NoError
    assert sim.cap(c) is None and sim.cap(b) is not None and sim.cap(a) is not None
    # A plain copy is no parent.
    assert lib.seL4_CNode_Revoke(ROOT, a, 64) == lib.seL4_NoError and sim.cap(ep) is not None
    assert lib.seL4_CNode_Revoke(ROOT, ep, 64) == lib.seL4_NoError
    assert sim.cap(a) is None and sim.cap(b) is None and sim.cap(ep) is not None
