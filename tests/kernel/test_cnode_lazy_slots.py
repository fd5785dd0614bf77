# SPDX-License-Identifier: BSD-2-Clause
"""CNode slots are host memory only while used: chunks made as caps arrive, freed when emptied.

The chunk size is the kernel's business; these tests walk every slot of small CNodes (so every
chunk boundary is crossed whatever the size) and the far ends of large ones."""

from __future__ import annotations

from archfacts import PAGE_TABLE_TYPE, PAGE_TYPE, PAGE_UNMAP
from simkernel import ALL, ROOT, Sim

from sel4vspace.lowlevel import lib

DEPTH = 64


def bookkeeping(sim: Sim) -> int:
    return int(lib.sel4sim_kernel_bookkeeping_bytes(sim.k))


def copy(dest: int, src: int) -> int:
    return lib.seL4_CNode_Copy(ROOT, dest, DEPTH, ROOT, src, DEPTH, ALL)


def delete(slot: int) -> int:
    return lib.seL4_CNode_Delete(ROOT, slot, DEPTH)


def test_a_large_cnode_costs_only_the_slots_it_uses() -> None:
    small, large = Sim(untyped_bits=20, cnode_bits=12), Sim(untyped_bits=20, cnode_bits=24)
    try:
        # 2^24 slots of 40 bytes would be 640 MiB; the table of chunks is what a big CNode costs
        assert bookkeeping(large) - bookkeeping(small) < 2 << 20
        lib.sel4sim_kernel_select(large.k)
        (ep,) = large.retype(lib.seL4_EndpointObject)
        before, used = bookkeeping(large), lib.sel4sim_used_slots(large.k)
        far = [(1 << 24) - 1, 1 << 23, (1 << 23) + 1]
        for slot in far:
            assert copy(slot, ep) == lib.seL4_NoError
        grown = bookkeeping(large) - before
        assert 0 < grown <= 2 * 8192        # two chunks (the last two slots share one)
        assert lib.sel4sim_used_slots(large.k) == used + 3
        for slot in far:
            assert delete(slot) == lib.seL4_NoError
        assert bookkeeping(large) == before
        assert lib.sel4sim_used_slots(large.k) == used
    finally:
        small.destroy()
        large.destroy()


def test_every_slot_of_a_cnode_holds_a_cap_and_gives_its_memory_back() -> None:
    sim = Sim(untyped_bits=20, cnode_bits=10)
    try:
        (ep,) = sim.retype(lib.seL4_EndpointObject)
        base_bytes, base_used = bookkeeping(sim), lib.sel4sim_used_slots(sim.k)
        slots = [s for s in range(sim.next_slot, 1 << 10)]
        for slot in slots:
            assert copy(slot, ep) == lib.seL4_NoError, slot
        assert lib.sel4sim_used_slots(sim.k) == base_used + len(slots)
        assert all(sim.cap(s) is not None and sim.cap(s).paddr == sim.cap(ep).paddr for s in slots)
        # odd slots first, then even: chunks empty in no particular order
        for slot in slots[1::2] + slots[::2]:
            assert delete(slot) == lib.seL4_NoError
            assert sim.cap(slot) is None
        assert lib.sel4sim_used_slots(sim.k) == base_used
        assert bookkeeping(sim) == base_bytes
    finally:
        sim.destroy()


def test_revoking_reaches_copies_in_every_chunk() -> None:
    sim = Sim(untyped_bits=20, cnode_bits=12)
    try:
        (ep,) = sim.retype(lib.seL4_EndpointObject)
        base = bookkeeping(sim)
        slots = list(range(sim.next_slot, 1 << 12, 37))
        for slot in slots:
            assert copy(slot, ep) == lib.seL4_NoError
        # copies of an endpoint are not its children; a badged mint's copies are
        badged = (1 << 12) - 2
        assert lib.seL4_CNode_Mint(ROOT, badged, DEPTH, ROOT, ep, DEPTH, ALL, 5) == lib.seL4_NoError
        children = list(range(sim.next_slot + 1, 1 << 12, 53))
        children = [c for c in children if c not in slots and c != badged]
        for slot in children:
            assert copy(slot, badged) == lib.seL4_NoError
        assert lib.seL4_CNode_Revoke(ROOT, badged, DEPTH) == lib.seL4_NoError
        assert all(sim.cap(c) is None for c in children)
        assert sim.cap(badged) is not None and all(sim.cap(s) is not None for s in slots)
        assert lib.seL4_CNode_Revoke(ROOT, sim.untyped, DEPTH) == lib.seL4_NoError
        assert all(sim.cap(s) is None for s in slots + [badged, ep])
        assert bookkeeping(sim) < base  # the endpoint object went too
    finally:
        sim.destroy()


def test_move_and_rotate_between_chunks() -> None:
    sim = Sim(untyped_bits=20, cnode_bits=12)
    try:
        a, b = sim.retype(PAGE_TYPE, n=2)
        pa, pb = sim.cap(a).paddr, sim.cap(b).paddr
        far, farther = 2000, 4000
        base, used = bookkeeping(sim), lib.sel4sim_used_slots(sim.k)
        assert lib.seL4_CNode_Move(ROOT, far, DEPTH, ROOT, a, DEPTH) == lib.seL4_NoError
        assert sim.cap(a) is None and sim.cap(far).paddr == pa
        # a swap (source == destination) parks the pivot's cap in a scratch slot on the way
        assert lib.seL4_CNode_Rotate(ROOT, far, DEPTH, 0, ROOT, b, DEPTH, 0, ROOT, far, DEPTH) == lib.seL4_NoError
        assert sim.cap(far).paddr == pb and sim.cap(b).paddr == pa
        assert lib.seL4_CNode_Rotate(ROOT, farther, DEPTH, 0, ROOT, far, DEPTH, 0, ROOT, b, DEPTH) == lib.seL4_NoError
        assert sim.cap(b) is None and sim.cap(far).paddr == pa and sim.cap(farther).paddr == pb
        for slot in (far, farther):
            assert delete(slot) == lib.seL4_NoError
        assert bookkeeping(sim) < base  # both objects went; no chunk of the far slots stays
        assert lib.sel4sim_used_slots(sim.k) == used - 2
    finally:
        sim.destroy()


def test_slots_never_used_read_empty_and_cost_nothing() -> None:
    sim = Sim(untyped_bits=20, cnode_bits=16)
    try:
        (ep,) = sim.retype(lib.seL4_EndpointObject)
        before = bookkeeping(sim)
        never = (1 << 16) - 5
        assert sim.cap(never) is None
        assert delete(never) == lib.seL4_NoError                  # deleting an empty slot: nothing to do
        assert lib.seL4_CNode_Revoke(ROOT, never, DEPTH) == lib.seL4_NoError
        assert copy(sim.next_slot, never) == lib.seL4_FailedLookup   # an empty source
        assert lib.seL4_CNode_Move(ROOT, never - 1, DEPTH, ROOT, never, DEPTH) == lib.seL4_FailedLookup
        assert PAGE_UNMAP(never) == lib.seL4_InvalidCapability
        assert bookkeeping(sim) == before
        assert copy(never, ep) == lib.seL4_NoError
        assert bookkeeping(sim) > before
        assert delete(never) == lib.seL4_NoError
        assert bookkeeping(sim) == before
    finally:
        sim.destroy()


def test_a_retype_that_fails_leaves_no_chunk_behind() -> None:
    sim = Sim(untyped_bits=16, cnode_bits=16)
    try:
        before, used = bookkeeping(sim), lib.sel4sim_used_slots(sim.k)
        # 256 page tables need 1 MiB: the untyped has 64 KiB; the destination spans fresh chunks
        err = lib.seL4_Untyped_Retype(sim.untyped, PAGE_TABLE_TYPE, 0, ROOT, 0, 0, 40000, 256)
        assert err == lib.seL4_NotEnoughMemory
        assert bookkeeping(sim) == before and lib.sel4sim_used_slots(sim.k) == used
        # the same range, objects that fit: every slot of it holds one, across the chunks
        first = 40000
        err = lib.seL4_Untyped_Retype(sim.untyped, lib.seL4_EndpointObject, 0, ROOT, 0, 0, first, 256)
        assert err == lib.seL4_NoError
        assert all(sim.cap(first + i) is not None for i in range(256))
        assert lib.sel4sim_used_slots(sim.k) == used + 256
        assert lib.seL4_CNode_Revoke(ROOT, sim.untyped, DEPTH) == lib.seL4_NoError
        assert bookkeeping(sim) == before and lib.sel4sim_used_slots(sim.k) == used
    finally:
        sim.destroy()
