# SPDX-License-Identifier: BSD-2-Clause
"""sel4vspace.lowlevel.vspace: Python argument checks and C failures as VSpaceError."""

from __future__ import annotations

from array import array

import pytest
from upstream_defects import VENDOR_BUILD

from sel4vspace.errors import VSpaceError
from sel4vspace.lowlevel import CallbackVSpace, ffi, lib
from sel4vspace.lowlevel import vspace as ll

RW = lib.seL4_CapRights_new(0, 0, 1, 1)


def _reservation(address: int):
    return ffi.new("reservation_t *", {"res": ffi.cast("void *", address)})[0]


def test_failed_reservation_raises_with_the_c_error_line():
    vs = CallbackVSpace()  # no implementation: the wrapper refuses
    with pytest.raises(VSpaceError) as info:
        ll.reserve_deferred_rights_range_at(vs.ptr, 0x1000, 4096, 1)
    assert info.value.function == "vspace_reserve_deferred_rights_range_at"
    assert info.value.c_error.level == lib.SEL4VSPACE_LOG_ERROR
    assert info.value.message == info.value.c_error.message
    assert "vspace_reserve_deferred_rights_range_at" in str(info.value.c_error)
    if VENDOR_BUILD:
        assert info.value.message == ("vspace_reserve_deferred_rights_range_at: "
                                      "vspace->reserve_deferred_rights_range_at is NULL")


def test_successful_reservation_is_returned():
    vs = CallbackVSpace(reserve_deferred_rights_range_at=lambda *a: _reservation(0x5550))
    res = ll.reserve_deferred_rights_range_at(vs.ptr, 0x1000, 4096, 1)
    assert int(ffi.cast("uintptr_t", res.res)) == 0x5550


def test_nonzero_status_raises_and_says_what_was_returned():
    vs = CallbackVSpace(deferred_rights_map_pages_at_vaddr=lambda *a: -1)
    with pytest.raises(VSpaceError, match="returned -1") as info:
        ll.deferred_rights_map_pages_at_vaddr(vs.ptr, [1, 2], None, 0x1000, 12, RW, _reservation(0x10))
    assert info.value.function == "vspace_deferred_rights_map_pages_at_vaddr"


def test_caps_from_a_uint64_buffer_are_copied_for_c():
    """C reads its arguments with the GIL released: it gets a copy, which another thread cannot
    change during the call."""
    seen = []

    def record(vspace, caps, cookies, vaddr, n, size_bits, rights, res):
        seen.append([caps[i] for i in range(n)])
        return 0

    vs = CallbackVSpace(deferred_rights_map_pages_at_vaddr=record)
    caps = array("Q", [7, 8, 9])
    ll.deferred_rights_map_pages_at_vaddr(vs.ptr, caps, array("Q", [1, 2, 3]), 0x1000, 12, RW, _reservation(0x10))
    vs.raise_pending()
    assert seen == [[7, 8, 9]]
    copy = ll.caps_array(caps)
    assert ffi.cast("uintptr_t", ffi.from_buffer("seL4_CPtr[]", caps)) != ffi.cast("uintptr_t", copy)
    caps[0] = 70
    assert list(copy) == [7, 8, 9]


@pytest.mark.parametrize("caps,error,text", [
    ([1, True], TypeError, "caps must contain ints, found bool"),
    ([1, "2"], TypeError, "found str"),
    ([1, -1], ValueError, "64-bit unsigned"),
    ([2**64], ValueError, "64-bit unsigned"),
    (array("i", [1, 2]), TypeError, "unsigned 64-bit"),
    (5, TypeError, "list/tuple of ints or a uint64 buffer"),
])
def test_bad_caps_are_refused_before_c(caps, error, text):
    calls = []
    vs = CallbackVSpace(map_pages_at_vaddr=lambda *a: calls.append(a) or 0)
    with pytest.raises(error, match=text):
        ll.map_pages_at_vaddr(vs.ptr, caps, None, 0x1000, 12, _reservation(0x10))
    assert calls == []


@pytest.mark.parametrize("vaddr,error", [(-1, ValueError), (2**64, ValueError), (1.0, TypeError), (True, TypeError)])
def test_bad_addresses_are_refused_before_c(vaddr, error):
    calls = []
    vs = CallbackVSpace(reserve_range_at=lambda *a: calls.append(a) or _reservation(0x10))
    with pytest.raises(error, match="vaddr"):
        ll.reserve_range_at(vs.ptr, vaddr, 4096, RW, 1)
    assert calls == []


def test_cookie_count_must_match_caps():
    vs = CallbackVSpace(map_pages_at_vaddr=lambda *a: 0)
    with pytest.raises(ValueError, match="cookies has 1 entries for 2 caps"):
        ll.map_pages_at_vaddr(vs.ptr, [1, 2], [5], 0x1000, 12, _reservation(0x10))


def test_void_call_that_logged_an_error_raises():
    vs = CallbackVSpace()  # unmap_pages missing: the wrapper logs an error and returns
    with pytest.raises(VSpaceError, match="^vspace_unmap_pages: ") as info:
        ll.unmap_pages(vs.ptr, 0x1000, 1, 12, ll.VSPACE_PRESERVE)
    assert info.value.c_error.level == lib.SEL4VSPACE_LOG_ERROR
    if VENDOR_BUILD:
        assert info.value.message == "vspace_unmap_pages: vspace->unmap_pages is NULL"


def test_void_call_that_logged_nothing_returns():
    calls = []
    vs = CallbackVSpace(unmap_pages=lambda *a: calls.append(a))
    ll.unmap_pages(vs.ptr, 0x1000, 2, 12, ll.VSPACE_FREE)
    vs.raise_pending()
    assert len(calls) == 1
    assert calls[0][4] == ll.VSPACE_FREE


def test_reserve_range_aligned_returns_the_start_address():
    def reserve(vspace, size, size_bits, rights, cacheable, out):
        out[0] = ffi.cast("void *", 0x200000)
        return _reservation(0x99)

    vs = CallbackVSpace(reserve_range_aligned=reserve)
    res, start = ll.reserve_range_aligned(vs.ptr, 8192, 21, RW, 1)
    vs.raise_pending()
    assert start == 0x200000
    assert int(ffi.cast("uintptr_t", res.res)) == 0x99


def test_vspace_free_and_preserve_are_the_header_values():
    assert int(ffi.cast("uintptr_t", ll.VSPACE_FREE)) == 0xFFFFFFFF
    assert ll.VSPACE_PRESERVE == ffi.NULL
