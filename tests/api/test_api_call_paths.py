# SPDX-License-Identifier: BSD-2-Clause
"""The VSpace methods called in loops check their arguments inline and reach C in one call
(csrc/host calls.h); any other argument takes the checks one by one. Both ways must give the same
results and the same errors, word for word."""

from __future__ import annotations

import threading
from array import array

import pytest
from archfacts import description

from sel4vspace import CapRights, StaleObjectError, VMFault, VSpaceError, _arches
from sel4vspace.lowlevel import lib

BASE = 0x1000_0000
PAGE = 4096


def error_of(call):
    try:
        call()
    except Exception as error:  # noqa: BLE001 - compared below
        return type(error), str(error)
    return None


@pytest.mark.parametrize("as_list", [True, False])
def test_map_refusals_are_the_same_either_way(kernel, vspace, as_list):
    def caps_arg(caps):
        return list(caps) if as_list else array("Q", caps)

    res = vspace.reserve_deferred_rights_range_at(BASE, 4 * PAGE)
    good = kernel.alloc_frames(2)
    gone = kernel.alloc_frame()
    large = kernel.alloc_frame(21)
    other = vspace.reserve_range_at(BASE + 16 * PAGE, PAGE, "rw")
    mapped = kernel.alloc_frame()
    vspace.map_pages_at_vaddr([mapped], BASE + 16 * PAGE, other)
    kernel.delete_cap(gone)  # last: its slot is not handed out again before the calls below

    with pytest.raises(StaleObjectError, match=rf"caps\[1\] \({gone}\) is an empty slot"):
        vspace.deferred_rights_map_pages_at_vaddr(caps_arg([good[0], gone]), BASE, "rw", res)
    with pytest.raises(ValueError, match=rf"caps\[2\] \({large}\) is a frame of another size"):
        vspace.deferred_rights_map_pages_at_vaddr(caps_arg(good + [large]), BASE, CapRights.RW, res)
    with pytest.raises(ValueError, match=rf"caps\[0\] \({mapped}\) is already mapped"):
        vspace.deferred_rights_map_pages_at_vaddr(caps_arg([mapped]), BASE, CapRights.READ, res)
    cnode = int(lib.seL4_CapInitThreadCNode)
    with pytest.raises(ValueError, match=rf"caps\[0\] \({cnode}\) is not a frame cap"):
        vspace.deferred_rights_map_pages_at_vaddr(caps_arg([cnode]), BASE, CapRights.READ, res)
    # nothing was mapped by any of them
    assert [m.vaddr for m in vspace.mappings()] == [BASE + 16 * PAGE]
    # a C failure (the reservation has rights: the deferred call is refused by the allocator)
    with pytest.raises(VSpaceError, match="vspace_deferred_rights_map_pages_at_vaddr.*returned -1"):
        vspace.deferred_rights_map_pages_at_vaddr(caps_arg(good[:1]), BASE + 16 * PAGE, CapRights.RW, other)


def test_argument_errors_name_the_same_argument_either_way(kernel, vspace):
    res = vspace.reserve_range_at(BASE, 4 * PAGE, "rw")
    cap = kernel.alloc_frame()
    cases = [
        lambda: vspace.map_pages_at_vaddr([cap], BASE + 1, res),
        lambda: vspace.map_pages_at_vaddr([cap], -PAGE, res),
        lambda: vspace.map_pages_at_vaddr([True], BASE, res),
        lambda: vspace.map_pages_at_vaddr([], BASE, res),
        lambda: vspace.map_pages_at_vaddr([cap], BASE, res, size_bits=13),
        lambda: vspace.map_pages_at_vaddr([cap], BASE, res, size_bits=12, cookies=[1, 2]),
        lambda: vspace.map_pages_at_vaddr([2**64], BASE, res),
        lambda: vspace.map_pages_at_vaddr([cap], BASE, object()),
        lambda: vspace.unmap_pages(BASE + 1, 1),
        lambda: vspace.unmap_pages(BASE, 0),
        lambda: vspace.unmap_pages(BASE, 2**41),
        lambda: vspace.unmap_pages(BASE, 1, size_bits=13),
        lambda: vspace.unmap_pages(BASE, 1, free=1),
        lambda: vspace.reserve_range_at(BASE + 1, PAGE, "rw"),
        lambda: vspace.reserve_range_at(BASE, 0, "rw"),
        lambda: vspace.reserve_range_at(BASE, PAGE, 7),
        lambda: vspace.reserve_deferred_rights_range_at(BASE, PAGE, cacheable=1),
        lambda: vspace.lookup(-1),
        lambda: vspace.get_cap("0x1000"),
        lambda: vspace.read(BASE, -1),
        lambda: vspace.read(2**64 - 4, 8),
        lambda: vspace.write(BASE, "text"),
        lambda: vspace.write(2**64 - 2, b"abcd"),
    ]
    errors = [error_of(case) for case in cases]
    assert all(e is not None and e[0] in (TypeError, ValueError) for e in errors), errors
    # what each names: the slow path's own words
    assert "vaddr 0x10000001 is not aligned" in errors[0][1]
    assert "caps must contain ints" in errors[2][1]
    assert "caps is empty" in errors[3][1]
    assert "cookies has 2 entries for 1 caps" in errors[5][1]
    assert "64-bit unsigned" in errors[6][1]
    assert "reservation must be a Reservation" in errors[7][1]
    assert "num_pages must be in" in errors[9][1]
    assert "free must be a bool" in errors[12][1]
    assert "rights must be CapRights or str" in errors[15][1]
    assert "cacheable must be a bool" in errors[16][1]
    assert "wraps past the end" in errors[20][1] and "wraps past the end" in errors[22][1]
    assert "data must be a bytes-like object" in errors[21][1]


def test_unmap_refusals(kernel, vspace):
    res = vspace.reserve_range_at(BASE, 4 * PAGE, "rw")
    vspace.map_pages_at_vaddr(kernel.alloc_frames(2), BASE, res)
    with pytest.raises(VSpaceError, match=r"vspace_unmap_pages: page 0x10002000 is not mapped"):
        vspace.unmap_pages(BASE, 3)
    large_res = vspace.reserve_range_at(0x4000_0000, 1 << 21, "rw")
    vspace.map_pages_at_vaddr([kernel.alloc_frame(21)], 0x4000_0000, large_res, size_bits=21)
    with pytest.raises(VSpaceError, match=r"page 0x40000000 is mapped with another page size"):
        vspace.unmap_pages(0x4000_0000, 1)
    assert len(vspace.mappings()) == 3


def test_stale_objects_are_refused_on_the_fast_paths(kernel):
    vspace = kernel.new_vspace()
    res = vspace.reserve_range_at(BASE, PAGE, "rw")
    cap = kernel.alloc_frame()
    vspace.tear_down()
    for call in (lambda: vspace.reserve_range_at(BASE, PAGE, CapRights.RW), lambda: vspace.unmap_pages(BASE, 1),
                 lambda: vspace.lookup(BASE), lambda: vspace.get_cap(BASE), lambda: vspace.read(BASE, 1),
                 lambda: vspace.write(BASE, b"x"), lambda: vspace.map_pages_at_vaddr([cap], BASE, res)):
        with pytest.raises(StaleObjectError):
            call()
    other = kernel.new_vspace()
    kernel.close()
    with pytest.raises(StaleObjectError, match="closed"):
        other.lookup(BASE)
    with pytest.raises(StaleObjectError, match="closed"):
        other.reserve_range_at(BASE, PAGE, CapRights.RW)


def test_lookup_and_mappings_read_every_field(kernel, vspace):
    res = vspace.reserve_range_at(BASE, 2 * PAGE, "r", cacheable=False)
    caps = kernel.alloc_frames(2)
    vspace.map_pages_at_vaddr(caps, BASE, res)
    mapping = vspace.lookup(BASE + PAGE + 5)
    # an uncached reservation maps uncached, where the arch's entries can say so (not RISC-V's)
    facts = description(kernel.arch)
    assert (mapping.vaddr, mapping.size_bits, mapping.cap, mapping.rights, mapping.cacheable) == \
        (BASE + PAGE, 12, caps[1], CapRights.READ, facts.cache_disabled == facts.default_vm_attributes)
    assert mapping.paddr == kernel.cap_info(caps[1])["paddr"]
    assert vspace.mappings() == [vspace.lookup(BASE), mapping]
    assert hash(mapping) == hash(vspace.lookup(BASE + PAGE))
    with pytest.raises(Exception):
        mapping.vaddr = 0  # still frozen


def test_read_into_fills_a_buffer_in_place(kernel, vspace):
    res = vspace.reserve_range_at(BASE, 2 * PAGE, "rw")
    vspace.map_pages_at_vaddr(kernel.alloc_frames(2), BASE, res)
    data = bytes(range(256)) * 16  # crosses into the second page
    vspace.write(BASE + 100, data)
    buffer = bytearray(len(data))
    assert vspace.read_into(BASE + 100, buffer) == len(data)
    assert buffer == data == vspace.read(BASE + 100, len(data))
    words = array("Q", [0] * 4)
    assert vspace.read_into(BASE + 100, words) == 32
    assert words.tobytes() == data[:32]
    assert vspace.read_into(BASE, bytearray()) == 0
    view = memoryview(bytearray(8))
    assert vspace.read_into(BASE + 100, view[2:6]) == 4 and bytes(view) == b"\0\0" + data[:4] + b"\0\0"


def test_read_into_refuses_bad_buffers_and_faults_without_writing(kernel, vspace):
    res = vspace.reserve_range_at(BASE, PAGE, "rw")
    vspace.map_pages_at_vaddr(kernel.alloc_frames(1), BASE, res)
    with pytest.raises(TypeError, match="writable bytes-like"):
        vspace.read_into(BASE, "text")
    with pytest.raises(TypeError, match="read-only"):
        vspace.read_into(BASE, b"immutable")
    with pytest.raises(ValueError, match="contiguous"):
        vspace.read_into(BASE, memoryview(bytearray(8))[::2])
    with pytest.raises(ValueError, match="wraps past the end"):
        vspace.read_into(2**64 - 2, bytearray(4))
    buffer = bytearray(b"x" * 16)
    with pytest.raises(VMFault):
        vspace.read_into(BASE + PAGE - 8, buffer)  # runs into the unmapped next page
    assert buffer == b"x" * 16


def test_map_pages_anywhere_checks_then_maps_in_one_call(kernel, vspace):
    caps = kernel.alloc_frames(3)
    gone = kernel.alloc_frame()
    kernel.delete_cap(gone)
    with pytest.raises(StaleObjectError, match=rf"caps\[1\] \({gone}\) is an empty slot"):
        vspace.map_pages([caps[0], gone], "rw")
    with pytest.raises(ValueError, match=r"caps\[0\] .* is a frame of another size"):
        vspace.map_pages(caps[:1], CapRights.RW, size_bits=21)
    # the same cap twice is refused by the same check: nothing is mapped
    with pytest.raises(ValueError, match=rf"caps\[1\] \({caps[0]}\) repeats caps\[0\]"):
        vspace.map_pages([caps[0], caps[0]], "rw")
    assert vspace.mappings() == []
    vaddr = vspace.map_pages(array("Q", caps), "r", cookies=[7, 8, 9])
    assert [(m.vaddr - vaddr, m.cap, m.rights) for m in vspace.mappings()] == \
        [(i * PAGE, cap, CapRights.READ) for i, cap in enumerate(caps)]
    assert vspace.get_cookie(vaddr + 2 * PAGE) == 9


def test_a_caps_buffer_is_copied_before_c_reads_it(kernel):
    """C reads its arguments with the GIL released: a buffer the caller shares with another thread
    could change between the map's checks and its work. The C gets a copy of its own."""
    caps = array("Q", kernel.alloc_frames(4))
    wrappers = _arches.binding(kernel.arch).vspace
    for argument in (caps, wrappers.ffi.from_buffer("seL4_CPtr[]", caps)):
        c_caps = wrappers.caps_argument(argument)
        caps[1] = 12345
        assert list(c_caps) == [c for c in kernel.frame_caps()][:4] and len(c_caps) == 4
        caps[1] = kernel.frame_caps()[1]
    cookies = array("Q", [7, 8])
    c_cookies = wrappers.cookies_array(cookies, 2)
    cookies[0] = 9
    assert list(c_cookies) == [7, 8]


def test_a_caps_buffer_changed_by_another_thread_during_maps_leaves_a_consistent_state(kernel):
    """The map runs on what the buffer held when the call began: each call maps every page or none,
    and the unmaps leave nothing mapped, whatever another thread writes into the buffer."""
    n = 1 << 11   # 8 MiB of the kernel's 16
    vspace = kernel.new_vspace()
    caps = array("Q", kernel.alloc_frames(n))
    big = kernel.alloc_frame(21)
    res = vspace.reserve_range_at(BASE, n * PAGE, "rw")
    good, stop = caps[-7], threading.Event()

    def flip() -> None:
        while not stop.is_set():
            caps[-7] = big
            caps[-7] = good

    flipper = threading.Thread(target=flip)
    flipper.start()
    try:
        for _ in range(60):
            try:
                vspace.map_pages_at_vaddr(caps, BASE, res)
            except ValueError:   # the call saw the 2 MiB frame in its copy: nothing mapped
                assert vspace.mappings() == []
                continue
            assert len(vspace.mappings()) == n
            vspace.unmap_pages(BASE, n)
            assert vspace.mappings() == []
    finally:
        stop.set()
        flipper.join()
    assert kernel.cap_info(big)["mapped"] is False


def test_a_caps_list_is_taken_as_it_is_when_the_call_begins(kernel):
    """cffi converts a list for C when the call is made: a list another thread changes between the
    checks and the call would give C another length than the one checked. The list is taken once."""
    caps = kernel.alloc_frames(3)
    wrappers = _arches.binding(kernel.arch).vspace
    c_caps = wrappers.caps_argument(caps)
    caps.append(12345)
    del caps[0]
    assert len(c_caps) == 3 and list(c_caps) == kernel.frame_caps()[:3]
    cookies = [1, 2, 3]
    c_cookies = wrappers.cookies_array(cookies, 3)
    cookies.clear()
    assert list(c_cookies) == [1, 2, 3]
