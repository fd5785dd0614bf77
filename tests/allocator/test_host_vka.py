# SPDX-License-Identifier: BSD-2-Clause
"""The host vka: cslots from the boot info's empty region, objects from a buddy split of the
untyped memory, every vka_t operation, and memory coming back when objects are freed."""

from __future__ import annotations

import random

import archbound
import pytest
from archfacts import ARCH, FRAME_TYPES, LARGE_PAGE_TYPE, PAGE_TYPE, type_name
from hostworld import PAGE, World, ffi, lib


def alloc(world: World, type_: int, size_bits: int) -> tuple[int, object]:
    obj = ffi.new("vka_object_t *")
    return lib.vka_alloc_object(world.vka, type_, size_bits, obj), obj


def test_world_starts_with_all_untyped_free_and_an_empty_region():
    world = World(untyped_bits=24, cnode_bits=12)
    try:
        start = world.snapshot()
        assert start.untyped_free == 1 << 24 == start.vka_free_untyped
        bootinfo = lib.sel4sim_kernel_bootinfo(world.kernel)
        assert start.vka_free_slots == bootinfo.empty.end - bootinfo.empty.start > 0
    finally:
        world.destroy()


def test_cslots_are_handed_out_once_and_double_frees_are_refused(world, c_log):
    slots = []
    for _ in range(100):
        slot = ffi.new("seL4_CPtr *")
        assert lib.vka_cspace_alloc(world.vka, slot) == 0
        slots.append(slot[0])
    assert len(set(slots)) == 100
    bootinfo = lib.sel4sim_kernel_bootinfo(world.kernel)
    assert all(bootinfo.empty.start <= s < bootinfo.empty.end for s in slots)
    path = ffi.new("cspacepath_t *")
    lib.vka_cspace_make_path(world.vka, slots[0], path)
    assert (path.capPtr, path.capDepth, path.root, path.offset) == (slots[0], 64, lib.seL4_CapInitThreadCNode, slots[0])
    free_before = world.snapshot().vka_free_slots
    for s in slots:
        lib.vka_cspace_free(world.vka, s)
    assert world.snapshot().vka_free_slots == free_before + 100
    c_log.clear()
    lib.vka_cspace_free(world.vka, slots[0])
    assert c_log.lines[-1][0] == "ERROR"
    assert world.snapshot().vka_free_slots == free_before + 100


def test_cslots_run_out_cleanly():
    world = World(untyped_bits=20, cnode_bits=6)
    try:
        free = world.snapshot().vka_free_slots
        slot = ffi.new("seL4_CPtr *")
        for _ in range(free):
            assert lib.vka_cspace_alloc(world.vka, slot) == 0
        assert lib.vka_cspace_alloc(world.vka, slot) != 0
    finally:
        world.destroy()


# The arch's frames (but the 1 GiB one, larger than the world's untyped) and its paging structures,
# each of which is one 4 KiB page on the three arches, then the generic objects.
ARCH_OBJECTS = [(name, bits, bits) for bits, name in ((b, type_name(t)) for b, t in FRAME_TYPES.items()) if bits < 30]
ARCH_OBJECTS += [(type_name(t), 12, 12) for t in ARCH.paging_object_types]


OBJECTS = [
    *ARCH_OBJECTS,
    ("seL4_CapTableObject", 4, 4 + 5),
    ("seL4_UntypedObject", 16, 16),
    ("seL4_EndpointObject", 4, 4),
    ("seL4_NotificationObject", 5, 5),
    ("seL4_TCBObject", lib.seL4_TCBBits, lib.seL4_TCBBits),
]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # each arch's own object types: its copy of OBJECTS (archbound.py)
    archbound.parametrize_by_arch(metafunc, test_every_object_type_comes_from_untyped_and_goes_back,
                                  "type_name, size_bits, object_bits", "OBJECTS")


def test_every_object_type_comes_from_untyped_and_goes_back(world, type_name, size_bits, object_bits):
    start = world.snapshot()
    error, obj = alloc(world, getattr(lib, type_name), size_bits)
    assert error == 0
    info = world.cap_info(obj.cptr)
    assert info.type == getattr(lib, type_name)
    taken = 1 << max(object_bits, 4)
    assert start.vka_free_untyped - world.snapshot().vka_free_untyped == taken
    # an untyped handed out is still free memory to the kernel; any other object is not
    kernel_taken = 0 if type_name == "seL4_UntypedObject" else taken
    assert start.untyped_free - world.snapshot().untyped_free == kernel_taken
    paddr = lib.vka_object_paddr(world.vka, obj)
    assert paddr == info.paddr and paddr % (1 << object_bits) == 0
    lib.vka_free_object(world.vka, obj)
    assert world.snapshot() == start


def test_memory_is_reused_after_free():
    world = World(untyped_bits=20, cnode_bits=10)
    try:
        start = world.snapshot()
        for _round in range(3):
            frames = []
            while True:
                error, obj = alloc(world, PAGE_TYPE, 12)
                if error:
                    break
                frames.append(obj)
            assert len(frames) == (1 << 20) // PAGE
            assert world.snapshot().untyped_free == 0
            random.Random(_round).shuffle(frames)
            for obj in frames:
                lib.vka_free_object(world.vka, obj)
            assert world.snapshot() == start
    finally:
        world.destroy()


def test_mixed_sizes_interleaved_free_restores_everything(world):
    start = world.snapshot()
    rng = random.Random(4)
    live = []
    for step in range(400):
        if live and rng.random() < 0.4:
            lib.vka_free_object(world.vka, live.pop(rng.randrange(len(live))))
            continue
        kind = rng.choice([(PAGE_TYPE, 12), (LARGE_PAGE_TYPE, 21),
                           (lib.seL4_EndpointObject, 4), (lib.seL4_CapTableObject, 6)])
        error, obj = alloc(world, *kind)
        assert error == 0, step
        live.append(obj)
    paddrs = sorted((lib.vka_object_paddr(world.vka, o), o.type) for o in live)
    assert len({p for p, _ in paddrs}) == len(paddrs)
    for obj in live:
        lib.vka_free_object(world.vka, obj)
    assert world.snapshot() == start


def test_alloc_at_a_physical_address(world):
    error, first = alloc(world, PAGE_TYPE, 12)
    assert error == 0
    paddr = lib.vka_object_paddr(world.vka, first)
    lib.vka_free_object(world.vka, first)
    start = world.snapshot()
    target = paddr + 5 * PAGE
    obj = ffi.new("vka_object_t *")
    assert lib.vka_alloc_frame_at(world.vka, 12, target, obj) == 0
    assert lib.vka_object_paddr(world.vka, obj) == target == world.cap_info(obj.cptr).paddr
    taken = ffi.new("vka_object_t *")
    assert lib.vka_alloc_frame_at(world.vka, 12, target, taken) != 0          # in use
    assert lib.vka_alloc_frame_at(world.vka, 12, target + 1, taken) != 0      # misaligned
    assert lib.vka_alloc_frame_at(world.vka, 12, 1 << 60, taken) != 0         # no memory there
    lib.vka_free_object(world.vka, obj)
    assert world.snapshot() == start


def test_bad_cookies_and_types_are_refused_without_harm(world, c_log):
    start = world.snapshot()
    for cookie in (0, 1, 12345, 2**63):
        lib.vka_utspace_free(world.vka, PAGE_TYPE, 12, cookie)
        assert lib.vka_utspace_paddr(world.vka, cookie, PAGE_TYPE, 12) == lib.VKA_NO_PADDR
    error, _ = alloc(world, lib.seL4_ObjectTypeCount + 3, 12)
    assert error != 0
    error, _ = alloc(world, lib.seL4_UntypedObject, 60)
    assert error != 0
    assert world.snapshot() == start
    assert all(level == "ERROR" for level, _ in c_log.lines)


def test_out_of_memory_is_an_error_not_a_crash():
    world = World(untyped_bits=16, cnode_bits=8)
    try:
        error, _ = alloc(world, LARGE_PAGE_TYPE, 21)
        assert error == lib.seL4_NotEnoughMemory
        assert world.snapshot().untyped_free == 1 << 16
    finally:
        world.destroy()


def test_freeing_revokes_copies_left_behind(world):
    start = world.snapshot()
    error, obj = alloc(world, PAGE_TYPE, 12)
    assert error == 0
    copy = world.copy_cap(obj.cptr)
    lib.vka_free_object(world.vka, obj)
    # the stray copy is gone with the memory, so the block can be reset and reused
    assert world.cap_info(copy) is None
    lib.vka_cspace_free(world.vka, copy)
    assert world.snapshot() == start


def test_world_destroy_returns_all_host_memory():
    before = lib.host_alloc_bytes_in_use(lib.HOST_ALLOC_HOST_LAYER)
    world = World()
    v = world.new_vspace()
    v.new_pages(10)
    world.frame()
    world.destroy()   # also destroys the vspace still alive
    assert lib.host_alloc_bytes_in_use(lib.HOST_ALLOC_HOST_LAYER) == before
    assert lib.host_alloc_bytes_in_use(lib.HOST_ALLOC_BOOKKEEPING) == 0
