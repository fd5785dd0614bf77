# SPDX-License-Identifier: BSD-2-Clause
"""Ordinary pages never ask for device memory; only a config that allows it does.

On seL4 a frame from device untyped memory is not RAM (not zeroed, maybe not memory at all). The
simulated machine has none, so the host vka serves every request from RAM and counts those that
allowed device memory: that count is what these tests read."""

from __future__ import annotations

from hostworld import PAGE, RW, vptr
from sel4vspace import Kernel
from sel4vspace.lowlevel import ffi, lib

BASE = 0x4000_0000


def requests(world) -> int:
    return int(lib.sel4vspace_host_world_device_requests(world.w))


def test_new_pages_and_new_pages_at_vaddr_ask_for_ordinary_memory(world, vspace):
    res = vspace.reserve_at(BASE, 8 * PAGE)
    assert vspace.new_pages(3) != 0
    assert vspace.new_pages_at(BASE, 4, res) == 0
    assert lib.vspace_reserve_range(vspace.vs, PAGE, RW, 1, ffi.new("void **")).res != ffi.NULL
    assert requests(world) == 0


def test_a_config_asking_for_device_memory_is_passed_on(world, vspace):
    res = vspace.reserve_at(BASE, 8 * PAGE)
    config = ffi.new("vspace_new_pages_config_t *")
    assert lib.default_vspace_new_pages_config(2, 12, config) == 0
    assert lib.vspace_new_pages_config_set_vaddr(vptr(BASE), config) == 0
    assert lib.vspace_new_pages_at_vaddr_with_config(vspace.vs, config, res) == 0
    assert requests(world) == 0
    assert lib.vspace_new_pages_config_use_device_ut(True, config) == 0
    assert lib.vspace_new_pages_config_set_vaddr(vptr(BASE + 2 * PAGE), config) == 0
    assert lib.vspace_new_pages_at_vaddr_with_config(vspace.vs, config, res) == 0
    assert requests(world) == 2


def test_the_public_api_never_asks_for_device_memory(bound_arch):
    with Kernel(untyped_bits=24, arch=bound_arch) as kernel:
        vspace = kernel.new_vspace()
        start = vspace.new_pages(20, "rw")
        res = vspace.reserve_range_at(0x4000_0000, 20 * PAGE, "rw")
        vspace.new_pages_at_vaddr(0x4000_0000, 20, res)
        kernel.alloc_frames(3)
        vspace.unmap_pages(start, 20, free=True)
        assert lib.sel4vspace_host_world_device_requests(kernel._world.handle) == 0
