# SPDX-License-Identifier: BSD-2-Clause
"""Regression tests for a change to the sel4utils vspace, written with sel4vspace's pytest plugin.

Say you changed how sel4utils maps into a deferred-rights reservation
(``libsel4utils/src/vspace/vspace.c``). Build sel4vspace from your seL4_libs tree and run this file:

    SEL4VSPACE_SEL4_LIBS=~/src/seL4_libs pip install '.[test]'
    python -m pytest test_sel4utils_regression.py

Only the plugin's fixtures are used: no conftest.py is needed. ``sel4_nothing_lost`` (here for every
test of the module) fails a test at teardown if, once its vspace is torn down and its frames are
deleted, any untyped byte, cslot, kernel object or host byte is not back.
"""

import pytest

from sel4vspace import CapRights, VMFault, VSpaceError

WINDOW = 0x4000_0000  # where the deferred-rights window goes
PAGE = 4096

pytestmark = pytest.mark.usefixtures("sel4_nothing_lost")


def test_the_rights_are_given_at_map_time(sel4_vspace, sel4_frames):
    window = sel4_vspace.reserve_deferred_rights_range_at(WINDOW, 4 * PAGE)
    assert window.rights is None  # reserved with no rights

    sel4_vspace.deferred_rights_map_pages_at_vaddr(sel4_frames(4), WINDOW, CapRights.READ, window)

    assert [m.rights for m in sel4_vspace.mappings()] == [CapRights.READ] * 4
    with pytest.raises(VMFault) as fault:
        sel4_vspace.write(WINDOW + PAGE, b"x")
    assert (fault.value.access, fault.value.reason) == ("write", "permission")


def test_unmap_then_remap_with_other_rights(sel4_vspace, sel4_frames):
    window = sel4_vspace.reserve_deferred_rights_range_at(WINDOW, 2 * PAGE)
    caps = sel4_frames(2)
    sel4_vspace.deferred_rights_map_pages_at_vaddr(caps, WINDOW, CapRights.RW, window)
    sel4_vspace.write(WINDOW, b"kept")
    sel4_vspace.unmap_pages(WINDOW, 2)

    sel4_vspace.deferred_rights_map_pages_at_vaddr(caps, WINDOW, CapRights.READ, window)

    assert sel4_vspace.read(WINDOW, 4) == b"kept"  # the frames' bytes survive the remap
    assert {m.rights for m in sel4_vspace.mappings()} == {CapRights.READ}


def test_a_plain_map_refuses_a_deferred_reservation(sel4_vspace, sel4_frames):
    window = sel4_vspace.reserve_deferred_rights_range_at(WINDOW, PAGE)
    with pytest.raises(VSpaceError) as refused:
        sel4_vspace.map_pages_at_vaddr(sel4_frames(1), WINDOW, window)
    assert refused.value.function == "vspace_map_pages_at_vaddr"
    assert sel4_vspace.mappings() == []  # and the refusal left nothing behind


def test_a_deferred_map_refuses_a_plain_reservation(sel4_vspace, sel4_frames):
    plain = sel4_vspace.reserve_range_at(WINDOW, PAGE, CapRights.RW)
    with pytest.raises(VSpaceError) as refused:
        sel4_vspace.deferred_rights_map_pages_at_vaddr(sel4_frames(1), WINDOW, CapRights.READ, plain)
    assert refused.value.function == "vspace_deferred_rights_map_pages_at_vaddr"
    assert sel4_vspace.mappings() == []


@pytest.mark.sel4vspace_kernel(untyped_bits=16)  # 64 KiB of untyped memory
def test_running_out_of_memory_part_way_maps_nothing(sel4_kernel, sel4_vspace, sel4_frames):
    window = sel4_vspace.reserve_deferred_rights_range_at(WINDOW, 64 * PAGE)
    # Leave one page of untyped memory: the window needs more paging structures than that (three on
    # x86_64 and AArch64, two under a RISC-V Sv39 root), so the map runs out part-way.
    caps = sel4_frames(sel4_kernel.untyped_free_bytes // PAGE - 1)
    with pytest.raises(VSpaceError):
        sel4_vspace.deferred_rights_map_pages_at_vaddr(caps, WINDOW, CapRights.RW, window)
    assert sel4_vspace.mappings() == []
    assert not any(sel4_kernel.cap_info(cap)["mapped"] for cap in caps)
