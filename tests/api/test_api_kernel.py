# SPDX-License-Identifier: BSD-2-Clause
"""Kernel: frames, cap copies and deletion, accounting, lifetime."""

from __future__ import annotations

import pytest
from archfacts import PAGE_NAME, description, page_name

from sel4vspace import CapRights, Kernel, KernelError, StaleObjectError, _arches


def test_a_fresh_kernel_has_its_untyped_memory_free():
    with Kernel(untyped_bits=20) as k:
        assert 0 < k.untyped_free_bytes <= 2**20
        assert k.object_counts.get("seL4_UntypedObject", 0) >= 1
        assert k.used_slots > 0


@pytest.mark.sel4vspace_kernel(untyped_bits=31)
@pytest.mark.parametrize("size_bits", [12, 21, 30])
def test_alloc_frame_makes_a_frame_cap_of_that_size(kernel, size_bits):
    """Every frame size of every arch: the object type the arch's libsel4vka picks for it (a slip in
    one arch's kobject_t.h shows here, on that arch only)."""
    facts = description(kernel.arch)
    type_name = facts.object_type_names[facts.frame_object_types[size_bits]]
    before = kernel.untyped_free_bytes
    cap = kernel.alloc_frame(size_bits)
    info = kernel.cap_info(cap)
    assert info["type"] == type_name
    assert info["size_bits"] == size_bits
    assert info["mapped"] is False
    assert kernel.untyped_free_bytes == before - 2**size_bits
    assert kernel.object_counts[type_name] == 1


def test_alloc_frames_gives_distinct_caps_and_delete_returns_everything(kernel):
    before = (kernel.untyped_free_bytes, kernel.used_slots, kernel.object_counts)
    caps = kernel.alloc_frames(8)
    assert len(set(caps)) == 8
    assert kernel.frame_caps() == sorted(caps)
    for cap in caps:
        kernel.delete_cap(cap)
    assert (kernel.untyped_free_bytes, kernel.used_slots, kernel.object_counts) == before


def test_copy_cap_reduces_rights_and_never_amplifies(kernel):
    cap = kernel.alloc_frame()
    read_only = kernel.copy_cap(cap, CapRights.READ)
    assert kernel.cap_info(read_only)["rights"].write is False
    assert kernel.cap_info(read_only)["rights"].read is True
    widened = kernel.copy_cap(read_only, CapRights.ALL)
    assert kernel.cap_info(widened)["rights"].write is False
    assert kernel.cap_info(kernel.copy_cap(cap, "rw"))["rights"] >= CapRights.RW


def test_deleting_an_original_revokes_its_copies(kernel):
    slots = kernel.used_slots
    cap = kernel.alloc_frame()
    copy = kernel.copy_cap(cap)
    kernel.delete_cap(cap)
    assert kernel.used_slots == slots
    with pytest.raises(KernelError, match="seL4_InvalidCapability"):
        kernel.cap_info(copy)
    with pytest.raises(StaleObjectError):
        kernel.delete_cap(copy)


def test_deleting_a_copy_leaves_the_original(kernel):
    cap = kernel.alloc_frame()
    copy = kernel.copy_cap(cap)
    kernel.delete_cap(copy)
    assert kernel.cap_info(cap)["type"] == page_name(kernel.arch)
    with pytest.raises(KernelError, match="seL4_InvalidCapability"):
        kernel.cap_info(copy)


def test_deleting_twice_is_a_stale_object_error(kernel):
    cap = kernel.alloc_frame()
    kernel.delete_cap(cap)
    with pytest.raises(StaleObjectError, match="not a live frame cap"):
        kernel.delete_cap(cap)


def test_running_out_of_untyped_memory_is_all_or_nothing():
    with Kernel(untyped_bits=16) as k:  # 64 KiB: at most 16 frames
        before = (k.untyped_free_bytes, k.used_slots)
        with pytest.raises(KernelError, match="seL4_NotEnoughMemory") as info:
            k.alloc_frames(64)
        assert "of 64" in str(info.value)
        assert (k.untyped_free_bytes, k.used_slots) == before
        assert k.frame_caps() == []


@pytest.mark.parametrize("kwargs,error", [
    ({"untyped_bits": "28"}, TypeError), ({"untyped_bits": True}, TypeError),
    ({"untyped_bits": 3}, ValueError), ({"untyped_bits": 99}, ValueError), ({"cnode_bits": 40}, ValueError),
])
def test_kernel_arguments_are_checked(kwargs, error):
    with pytest.raises(error):
        Kernel(**kwargs)


@pytest.mark.parametrize("size_bits", [0, 13, 22, 64])
def test_alloc_frame_refuses_sizes_that_are_not_frames(kernel, size_bits):
    with pytest.raises(ValueError, match="frame size"):
        kernel.alloc_frame(size_bits)


def test_a_closed_kernel_refuses_use():
    k = Kernel(untyped_bits=20)
    vs = k.new_vspace()
    res = vs.reserve_range_at(0x1000_0000, 4096, "rw")
    k.close()
    assert k.closed and vs.torn_down and res.freed
    with pytest.raises(StaleObjectError, match="closed"):
        k.alloc_frame()
    with pytest.raises(StaleObjectError):
        vs.mappings()
    with pytest.raises(StaleObjectError):   # its slot is free: the number could name another cap
        vs.root
    k.close()  # idempotent


def test_a_closed_kernel_says_so_for_every_cap_call():
    k = Kernel(untyped_bits=20)
    cap = k.alloc_frame()
    k.close()
    for call in (lambda: k.delete_cap(cap), lambda: k.copy_cap(cap), lambda: k.cap_info(cap), k.frame_caps):
        with pytest.raises(StaleObjectError) as info:
            call()
        assert str(info.value) == "this Kernel was closed"


def test_cap_info_of_an_empty_slot_is_a_kernel_error_naming_the_cap(kernel):
    with pytest.raises(KernelError) as info:
        kernel.cap_info(99999)
    assert info.value.error_name == "seL4_InvalidCapability"
    assert str(info.value) == "sel4sim_cap_info: seL4_InvalidCapability (cap 99999 is empty or invalid)"


def test_a_second_init_is_refused_and_changes_nothing():
    with Kernel(untyped_bits=20) as k:
        vs = k.new_vspace()
        cap = k.alloc_frame()
        world, free = k._world, k.untyped_free_bytes
        with pytest.raises(RuntimeError, match="already initialised"):
            Kernel.__init__(k, untyped_bits=21)
        with pytest.raises(RuntimeError, match="already initialised"):
            k.__init__()
        assert k._world is world and k.untyped_bits == 20 and k.untyped_free_bytes == free
        res = vs.reserve_range_at(0x1000_0000, 4096, "rw")
        vs.map_pages_at_vaddr([cap], 0x1000_0000, res)
        assert vs.lookup(0x1000_0000).cap == cap


def test_two_kernels_are_independent():
    with Kernel(untyped_bits=20) as a, Kernel(untyped_bits=22) as b:
        a_free, b_free = a.untyped_free_bytes, b.untyped_free_bytes
        cap = a.alloc_frame()
        assert b.untyped_free_bytes == b_free
        assert a.untyped_free_bytes == a_free - 4096
        with pytest.raises(StaleObjectError, match="not a live frame cap of this kernel"):
            b.delete_cap(cap)
        assert a.cap_info(cap)["type"] == PAGE_NAME


def test_alloc_frames_in_one_call_per_batch_is_all_or_nothing():
    with Kernel(untyped_bits=20) as k:
        before = (k.untyped_free_bytes, k.used_slots, k.object_counts)
        caps = k.alloc_frames(100)
        assert len(set(caps)) == 100 and all(k.cap_info(c)["type"] == PAGE_NAME for c in caps)
        for cap in caps:
            k.delete_cap(cap)
        assert (k.untyped_free_bytes, k.used_slots, k.object_counts) == before
        with pytest.raises(KernelError, match=r"frame 257 of 300: .*Failed to allocate frame 257 of 300"):
            k.alloc_frames(300)   # 1 MiB holds 256 frames
        assert (k.untyped_free_bytes, k.used_slots, k.object_counts) == before


def test_new_vspace_name_must_be_a_string(kernel):
    with pytest.raises(TypeError, match="name must be a str or None, not int"):
        kernel.new_vspace(5)
    assert kernel.new_vspace(None).name is None


def test_a_vspace_name_with_a_nul_is_refused_naming_name(kernel):
    """A NUL would end the name in C and make the SVG map no XML document: the rule of every text
    argument refuses it before anything is made."""
    before = kernel.used_slots
    with pytest.raises(ValueError, match=r"^name must not contain a NUL character .* at index 1 of 'a\\x00b'$"):
        kernel.new_vspace("a\0b")
    assert kernel.used_slots == before
    assert kernel.new_vspace("a b\t\u00e9").name == "a b\t\u00e9"


def test_cap_info_of_the_asid_caps_has_no_object_type(kernel):
    """The ASID control cap and the initial ASID pool are caps to no object of a libsel4 type."""
    lib = _arches.binding(kernel.arch).package.lib
    for cap in (lib.seL4_CapASIDControl, lib.seL4_CapInitThreadASIDPool):
        info = kernel.cap_info(cap)
        assert info["type"] is None and info["mapped"] is False
    assert kernel.cap_info(lib.seL4_CapInitThreadCNode)["type"] == "seL4_CapTableObject"
