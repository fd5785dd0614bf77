# SPDX-License-Identifier: BSD-2-Clause
"""Two vspaces sharing frames with different rights: the motivating case of deferred rights.

A server reserves a window in a client's address space before it knows what will go there; later
it maps frames into the window read-only for the client while mapping the same frames read-write
in its own vspace. Bytes written by one side are read by the other, through the simulated MMU."""

from __future__ import annotations

from hostworld import PAGE, RO, RW, VSPACE_FREE, ffi, lib, vptr

WINDOW = 0x5000_0000


def test_deferred_window_read_only_for_the_client_read_write_for_the_owner(world):
    start = world.snapshot()
    server = world.new_vspace()
    client = world.new_vspace()

    # 1. the window is reserved in the client with no rights decided yet
    window = client.reserve_deferred(WINDOW, 4 * PAGE)
    assert window.res != ffi.NULL

    # 2. later: frames, mapped read-write for the server ...
    frames = [world.frame() for _ in range(4)]
    server_addr = server.map_pages([f.cptr for f in frames], RW)
    assert server_addr != 0
    # ... and, through copies of the caps, read-only into the client's window
    copies = [world.copy_cap(f.cptr) for f in frames]
    assert client.deferred_map_at(copies, WINDOW, RO, window) == 0

    assert [m.rights[:2] for m in server.mappings()] == [(1, 1)] * 4
    assert [m.rights[:2] for m in client.mappings()] == [(1, 0)] * 4
    assert [m.paddr for m in server.mappings()] == [m.paddr for m in client.mappings()]

    # 3. bytes flow from the owner to the client, across page boundaries
    message = bytes(range(256)) * 20
    assert server.write(server_addr + 100, message) is None
    assert client.read(WINDOW + 100, len(message)) == message
    # the client cannot write, and its failed write changes nothing
    fault = client.write(WINDOW + PAGE, b"client")
    assert fault.reason == lib.SEL4SIM_FAULT_PERMISSION and fault.vaddr == WINDOW + PAGE
    assert server.read(server_addr + PAGE, 6) == message[PAGE - 100:PAGE - 94]

    # 4. the owner remaps the window read-write: now the client's writes reach the owner
    client.unmap(WINDOW, 4)
    assert client.deferred_map_at(copies, WINDOW, RW, window) == 0
    assert client.write(WINDOW + 3 * PAGE, b"reply") is None
    assert server.read(server_addr + 3 * PAGE, 5) == b"reply"

    # 5. everything comes back
    client.unmap(WINDOW, 4)
    for copy in copies:
        world.delete_cap(copy)
    client.destroy(VSPACE_FREE)
    server.unmap(server_addr, 4)
    server.destroy(VSPACE_FREE)
    for f in frames:
        world.free(f)
    assert world.snapshot() == start


def test_share_mem_at_vaddr_with_a_read_only_reservation(world):
    start = world.snapshot()
    owner = world.new_vspace()
    reader = world.new_vspace()
    source = owner.new_pages(3)
    assert owner.write(source, b"from the owner") is None
    res = reader.reserve_at(WINDOW, 3 * PAGE, RO)
    world.select()
    assert lib.vspace_share_mem_at_vaddr(owner.vs, reader.vs, vptr(source), 3, 12, vptr(WINDOW), res) == 0
    assert reader.read(WINDOW, 14) == b"from the owner"
    assert reader.write(WINDOW, b"x").reason == lib.SEL4SIM_FAULT_PERMISSION
    # the reader's caps are copies with the reservation's rights
    copy = reader.get_cap(WINDOW)
    assert copy != owner.get_cap(source)
    assert world.cap_info(copy).rights[:2] == (1, 0)
    # tear down frees only what the vspace allocated (frames with a cookie); shared copies are
    # freed by unmapping them through the vka first, as vspace.h asks of callers
    reader.unmap(WINDOW, 3, vka=VSPACE_FREE)
    reader.destroy(VSPACE_FREE)
    assert owner.read(source, 14) == b"from the owner"
    owner.destroy(VSPACE_FREE)
    assert world.snapshot() == start


def test_vspace_share_mem_picks_the_address(world):
    owner = world.new_vspace()
    other = world.new_vspace()
    source = owner.new_pages(2)
    assert owner.write(source, b"abc") is None
    world.select()
    shared = int(ffi.cast("uintptr_t", lib.vspace_share_mem(owner.vs, other.vs, vptr(source), 2, 12, RW, 1)))
    assert shared != 0
    assert other.read(shared, 3) == b"abc"
    assert other.write(shared, b"xyz") is None
    assert owner.read(source, 3) == b"xyz"


def test_share_of_an_unmapped_source_undoes_itself(world, c_log):
    owner = world.new_vspace()
    reader = world.new_vspace()
    source = owner.new_pages(2)
    owner.unmap(source + PAGE, 1, vka=VSPACE_FREE)   # second source page gone
    res = reader.reserve_at(WINDOW, 2 * PAGE, RW)
    before = world.snapshot()
    world.select()
    assert lib.vspace_share_mem_at_vaddr(owner.vs, reader.vs, vptr(source), 2, 12, vptr(WINDOW), res) != 0
    assert reader.mappings() == []
    after = world.snapshot()
    # the first page's copy was deleted again; only the reader's new paging structures remain
    assert after.untyped_free == before.untyped_free - reader.paging_objects * PAGE
