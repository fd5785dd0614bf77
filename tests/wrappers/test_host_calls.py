# SPDX-License-Identifier: BSD-2-Clause
"""csrc/host calls.h: the one-C-call paths of the Python layer, driven directly. Each must select
its vspace's kernel, refuse with the check's verdict before calling anything, and report a
failure of the vspace_* call with what it returned (and its error logged)."""

from __future__ import annotations

import pytest
from archfacts import PAGE_MAP
from upstream_defects import VENDOR_BUILD

from sel4vspace import Kernel
from sel4vspace.lowlevel import clear_c_error, ffi, last_c_error, lib

BASE = 0x1000_0000
PAGE = 4096
RW = 3  # the seL4_CapRights_t word of read + write


def _reserve(host_vspace, vaddr, size, rights, cacheable, deferred):
    """sel4vspace_host_call_reserve: the reservation it made, as the sel4utils_res_t * the calls
    take (NULL when it failed); the status it writes last agrees with it."""
    out = ffi.new("sel4vspace_call_result_t *")
    out.status = lib.SEL4VSPACE_CALL_NOT_RUN
    status = lib.sel4vspace_host_call_reserve(host_vspace, vaddr, size, rights, cacheable, deferred, out)
    assert out.status == status
    assert (status == lib.SEL4VSPACE_CALL_OK) == (out.res != ffi.NULL)
    return out.res


@pytest.fixture
def world(bound_arch):
    with Kernel(untyped_bits=22, arch=bound_arch) as kernel:
        yield kernel, kernel.new_vspace()


def test_reserve_map_unmap_free_round_trip(world):
    kernel, vs = world
    out = ffi.new("sel4vspace_call_result_t *")
    lib.sel4sim_kernel_select(ffi.NULL)  # each call selects the vspace's kernel itself
    res = _reserve(vs._host, BASE, 2 * PAGE, 0, 1, 1)
    assert res != ffi.NULL and res.rights_deferred
    caps = kernel.alloc_frames(2)
    lib.sel4sim_kernel_select(ffi.NULL)
    status = lib.sel4vspace_host_call_map(vs._host, caps, ffi.NULL, 2, BASE, 12, RW, 1, res, out)
    assert status == lib.SEL4VSPACE_CALL_OK
    assert [m.cap for m in vs.mappings()] == caps
    probe = ffi.new("sel4sim_mapping_t[]", 1)
    status = lib.sel4vspace_host_call_free_reservation(vs._host, res, probe, 1, out)
    assert (status, out.index, probe[0].vaddr) == (lib.SEL4VSPACE_CALL_REFUSED, 2, BASE)
    lib.sel4sim_kernel_select(ffi.NULL)
    assert lib.sel4vspace_host_call_unmap(vs._host, BASE, 2, 12, lib.sel4vspace_vspace_preserve, out) == 0
    # said before the free refuses for it: the first test an unmap that stops short fails
    assert [hex(m.vaddr) for m in vs.mappings()] == [], "the unmap of both pages left these mapped"
    assert lib.sel4vspace_host_call_free_reservation(vs._host, res, probe, 1, out) == lib.SEL4VSPACE_CALL_OK


def test_refusals_carry_the_checks_verdict(world):
    kernel, vs = world
    out = ffi.new("sel4vspace_call_result_t *")
    res = _reserve(vs._host, BASE, 4 * PAGE, RW, 1, 0)
    caps = kernel.alloc_frames(2)
    large = kernel.alloc_frame(21)
    status = lib.sel4vspace_host_call_map(vs._host, caps + [large], ffi.NULL, 3, BASE, 12, 0, 0, res, out)
    assert (status, out.check, out.index) == (lib.SEL4VSPACE_CALL_REFUSED, lib.SEL4SIM_FRAME_CAP_WRONG_SIZE, 2)
    assert vs.mappings() == []
    assert lib.sel4vspace_host_call_map(vs._host, caps, ffi.NULL, 2, BASE, 12, 0, 0, res, out) == 0
    status = lib.sel4vspace_host_call_unmap(vs._host, BASE + PAGE, 2, 12, lib.sel4vspace_vspace_preserve, out)
    assert (status, out.check, out.index) == (lib.SEL4VSPACE_CALL_REFUSED, lib.SEL4VSPACE_RANGE_HOLE, 1)
    assert len(vs.mappings()) == 2


def test_failures_of_the_c_call_are_reported_with_its_error(world):
    kernel, vs = world
    out = ffi.new("sel4vspace_call_result_t *")
    # the allocator refuses a deferred-rights map into a reservation that has rights
    res = _reserve(vs._host, BASE, PAGE, RW, 1, 0)
    (cap,) = kernel.alloc_frames(1)
    clear_c_error()
    status = lib.sel4vspace_host_call_map(vs._host, [cap], ffi.NULL, 1, BASE, 12, RW, 1, res, out)
    assert (status, out.result) == (lib.SEL4VSPACE_CALL_FAILED, -1)
    assert "deferred_rights_map_pages_at_vaddr" in str(last_c_error())
    if VENDOR_BUILD:
        assert "already has rights" in str(last_c_error())


def test_an_unmap_of_a_page_the_allocator_never_recorded_is_refused_and_reported(world):
    """The kernel maps it, the allocator never did: its unmap refuses and logs."""
    kernel, vs = world
    out = ffi.new("sel4vspace_call_result_t *")
    res = _reserve(vs._host, BASE, PAGE, RW, 1, 0)
    (cap,) = kernel.alloc_frames(1)
    assert lib.sel4vspace_host_call_map(vs._host, [cap], ffi.NULL, 1, BASE, 12, 0, 0, res, out) == 0  # a page table
    (other,) = kernel.alloc_frames(1)
    assert PAGE_MAP(other, vs.root, BASE + 8 * PAGE, lib.seL4_CapRights_new(0, 0, 1, 1), 0) == 0
    clear_c_error()
    status = lib.sel4vspace_host_call_unmap(vs._host, BASE + 8 * PAGE, 1, 12, lib.sel4vspace_vspace_preserve, out)
    assert status == lib.SEL4VSPACE_CALL_FAILED
    assert "unmap_pages" in str(last_c_error())
    if VENDOR_BUILD:
        assert "nothing was unmapped" in str(last_c_error())


def test_freeing_a_reservation_of_another_vspace_is_refused_and_reported(world):
    kernel, vs = world
    out = ffi.new("sel4vspace_call_result_t *")
    other_vs = kernel.new_vspace()
    foreign = _reserve(other_vs._host, 0x5000_0000, PAGE, RW, 1, 0)
    probe = ffi.new("sel4sim_mapping_t[]", 1)
    clear_c_error()
    assert lib.sel4vspace_host_call_free_reservation(vs._host, foreign, probe, 1, out) == lib.SEL4VSPACE_CALL_FAILED
    if VENDOR_BUILD:
        assert "not a reservation of this vspace" in str(last_c_error())
