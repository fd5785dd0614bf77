# SPDX-License-Identifier: BSD-2-Clause
"""Regression tests of the deferred-rights patch's two inline wrappers in vspace/vspace.h.

Each refusal branch is taken in the patch's order and its log line asserted (its level, that it
names the wrapper, and on a vendor build its words); dispatch is checked by a stand-in
implementation (CallbackVSpace) that records exactly what the wrapper passed on.
"""

from __future__ import annotations

import itertools

import pytest

from sel4vspace.lowlevel import CallbackVSpace, ffi, lib

ALL_RIGHTS = list(itertools.product((0, 1), repeat=4))  # (grant_reply, grant, read, write)
MAP = "vspace_deferred_rights_map_pages_at_vaddr"
RESERVE = "vspace_reserve_deferred_rights_range_at"


def rights(grant_reply: int, grant: int, read: int, write: int):
    return lib.seL4_CapRights_new(grant_reply, grant, read, write)


def rights_bits(r) -> tuple[int, int, int, int]:
    return (
        lib.seL4_CapRights_get_capAllowGrantReply(r),
        lib.seL4_CapRights_get_capAllowGrant(r),
        lib.seL4_CapRights_get_capAllowRead(r),
        lib.seL4_CapRights_get_capAllowWrite(r),
    )


def reservation(address: int):
    return ffi.new("reservation_t *", {"res": ffi.cast("void *", address)})[0]


NO_RESERVATION = reservation(0)


class Recorder:
    """Records each call of the implementation it stands in for and returns a chosen value."""

    def __init__(self, result=0) -> None:
        self.calls: list[dict] = []
        self.result = result

    def deferred_map(self, vspace, caps, cookies, vaddr, num_pages, size_bits, rights_, res):
        self.calls.append({
            "vspace": vspace,
            "caps": [caps[i] for i in range(num_pages)] if caps != ffi.NULL else None,
            "cookies": cookies,
            "cookie_values": [cookies[i] for i in range(num_pages)] if cookies != ffi.NULL else None,
            "vaddr": int(ffi.cast("uintptr_t", vaddr)),
            "num_pages": num_pages,
            "size_bits": size_bits,
            "rights": rights_bits(rights_),
            "res": int(ffi.cast("uintptr_t", res.res)),
        })
        return self.result

    def deferred_reserve(self, vspace, vaddr, size, cacheable):
        self.calls.append({
            "vspace": vspace,
            "vaddr": int(ffi.cast("uintptr_t", vaddr)),
            "bytes": size,
            "cacheable": cacheable,
        })
        return self.result


# ---- vspace_deferred_rights_map_pages_at_vaddr ----

def test_map_null_vspace_is_refused_with_an_error(c_log):
    caps = ffi.new("seL4_CPtr[]", [5])
    result = lib.vspace_deferred_rights_map_pages_at_vaddr(
        ffi.NULL, caps, ffi.NULL, ffi.cast("void *", 0x10000), 1, 12, rights(0, 0, 1, 1), reservation(0x1234))
    assert result == -1
    c_log.expect(MAP, ("ERROR", "vspace is NULL"))


def test_map_null_vspace_is_checked_before_zero_pages(c_log):
    result = lib.vspace_deferred_rights_map_pages_at_vaddr(
        ffi.NULL, ffi.NULL, ffi.NULL, ffi.NULL, 0, 12, rights(0, 0, 1, 1), NO_RESERVATION)
    assert result == -1
    c_log.expect(MAP, ("ERROR", "vspace is NULL"))


def test_map_zero_pages_is_refused_with_a_warning_and_not_dispatched(c_log):
    recorder = Recorder()
    vs = CallbackVSpace(deferred_rights_map_pages_at_vaddr=recorder.deferred_map)
    caps = ffi.new("seL4_CPtr[]", [5])
    result = lib.vspace_deferred_rights_map_pages_at_vaddr(
        vs.ptr, caps, ffi.NULL, ffi.cast("void *", 0x10000), 0, 12, rights(0, 0, 1, 1), reservation(0x1234))
    vs.raise_pending()
    assert result == -1
    assert recorder.calls == []
    c_log.expect(MAP, ("WARNING", "num_pages is 0"))


def test_map_zero_pages_is_checked_before_null_vaddr_and_missing_implementation(c_log):
    vs = CallbackVSpace()
    result = lib.vspace_deferred_rights_map_pages_at_vaddr(
        vs.ptr, ffi.NULL, ffi.NULL, ffi.NULL, 0, 12, rights(0, 0, 1, 1), NO_RESERVATION)
    assert result == -1
    c_log.expect(MAP, ("WARNING", "num_pages is 0"))


def test_map_null_vaddr_warns_and_still_dispatches(c_log):
    recorder = Recorder(result=0)
    vs = CallbackVSpace(deferred_rights_map_pages_at_vaddr=recorder.deferred_map)
    caps = ffi.new("seL4_CPtr[]", [9])
    result = lib.vspace_deferred_rights_map_pages_at_vaddr(
        vs.ptr, caps, ffi.NULL, ffi.NULL, 1, 12, rights(0, 0, 1, 0), reservation(0x4000))
    vs.raise_pending()
    assert result == 0
    c_log.expect(MAP, ("WARNING", "vaddr is NULL"))
    assert len(recorder.calls) == 1
    assert recorder.calls[0]["vaddr"] == 0
    assert recorder.calls[0]["caps"] == [9]


def test_map_without_implementation_is_refused_after_the_null_vaddr_warning(c_log):
    vs = CallbackVSpace()
    caps = ffi.new("seL4_CPtr[]", [9])
    result = lib.vspace_deferred_rights_map_pages_at_vaddr(
        vs.ptr, caps, ffi.NULL, ffi.NULL, 1, 12, rights(0, 0, 1, 0), reservation(0x4000))
    assert result == -1
    c_log.expect(MAP, ("WARNING", "vaddr is NULL"),
                 ("WARNING", "vspace->deferred_rights_map_pages_at_vaddr is NULL"))


def test_map_without_implementation_is_refused(c_log):
    # A vspace implementing only the plain map must not be taken for a deferred one.
    plain = Recorder()
    vs = CallbackVSpace(map_pages_at_vaddr=lambda *args: plain.calls.append(args) or 0)
    caps = ffi.new("seL4_CPtr[]", [9])
    result = lib.vspace_deferred_rights_map_pages_at_vaddr(
        vs.ptr, caps, ffi.NULL, ffi.cast("void *", 0x7000), 1, 12, rights(0, 0, 1, 1), reservation(0x4000))
    vs.raise_pending()
    assert result == -1
    assert plain.calls == []
    c_log.expect(MAP, ("WARNING", "vspace->deferred_rights_map_pages_at_vaddr is NULL"))


@pytest.mark.parametrize("bits", ALL_RIGHTS, ids=lambda b: "gr%d-g%d-r%d-w%d" % b)
def test_map_dispatches_every_rights_bit_intact(c_log, bits):
    recorder = Recorder()
    vs = CallbackVSpace(deferred_rights_map_pages_at_vaddr=recorder.deferred_map)
    caps = ffi.new("seL4_CPtr[]", [11])
    assert lib.vspace_deferred_rights_map_pages_at_vaddr(
        vs.ptr, caps, ffi.NULL, ffi.cast("void *", 0x20000), 1, 12, rights(*bits), reservation(0x9000)) == 0
    vs.raise_pending()
    assert recorder.calls[0]["rights"] == bits
    assert c_log.lines == []


@pytest.mark.parametrize("with_cookies", [False, True])
@pytest.mark.parametrize("num_pages,size_bits", [(1, 12), (3, 12), (2, 21), (1, 30), (64, 12)])
def test_map_dispatches_every_argument_intact(c_log, with_cookies, num_pages, size_bits):
    recorder = Recorder()
    vs = CallbackVSpace(deferred_rights_map_pages_at_vaddr=recorder.deferred_map)
    cap_values = [100 + 7 * i for i in range(num_pages)]
    caps = ffi.new("seL4_CPtr[]", cap_values)
    cookie_values = [0xC0FFEE00 + i for i in range(num_pages)]
    cookies = ffi.new("uintptr_t[]", cookie_values) if with_cookies else ffi.NULL
    vaddr = 0x7F0000000000 + (num_pages << size_bits)
    assert lib.vspace_deferred_rights_map_pages_at_vaddr(
        vs.ptr, caps, cookies, ffi.cast("void *", vaddr), num_pages, size_bits,
        rights(0, 1, 1, 0), reservation(0xDEAD000)) == 0
    vs.raise_pending()
    [call] = recorder.calls
    assert call["vspace"] == vs.ptr
    assert call["caps"] == cap_values
    if with_cookies:
        assert call["cookies"] == cookies
        assert call["cookie_values"] == cookie_values
    else:
        assert call["cookies"] == ffi.NULL
    assert call["vaddr"] == vaddr
    assert call["num_pages"] == num_pages
    assert call["size_bits"] == size_bits
    assert call["rights"] == (0, 1, 1, 0)
    assert call["res"] == 0xDEAD000
    assert c_log.lines == []


@pytest.mark.parametrize("returned", [0, -1, 1, 42, -22])
def test_map_returns_the_implementations_result(returned):
    recorder = Recorder(result=returned)
    vs = CallbackVSpace(deferred_rights_map_pages_at_vaddr=recorder.deferred_map)
    caps = ffi.new("seL4_CPtr[]", [3])
    assert lib.vspace_deferred_rights_map_pages_at_vaddr(
        vs.ptr, caps, ffi.NULL, ffi.cast("void *", 0x1000), 1, 12, rights(0, 0, 1, 1), reservation(0x10)) == returned
    vs.raise_pending()


# ---- vspace_reserve_deferred_rights_range_at ----

def test_reserve_null_vspace_is_refused_with_an_error(c_log):
    result = lib.vspace_reserve_deferred_rights_range_at(ffi.NULL, ffi.cast("void *", 0x10000), 4096, 1)
    assert result.res == ffi.NULL
    c_log.expect(RESERVE, ("ERROR", "vspace is NULL"))


def test_reserve_without_implementation_is_refused_before_the_size_check(c_log):
    vs = CallbackVSpace(reserve_range_at=lambda *args: NO_RESERVATION)
    result = lib.vspace_reserve_deferred_rights_range_at(vs.ptr, ffi.cast("void *", 0x10000), 0, 1)
    assert result.res == ffi.NULL
    c_log.expect(RESERVE, ("ERROR", "vspace->reserve_deferred_rights_range_at is NULL"))


def test_reserve_zero_bytes_is_refused_and_not_dispatched(c_log):
    recorder = Recorder(result=reservation(0x5000))
    vs = CallbackVSpace(reserve_deferred_rights_range_at=recorder.deferred_reserve)
    result = lib.vspace_reserve_deferred_rights_range_at(vs.ptr, ffi.cast("void *", 0x10000), 0, 1)
    vs.raise_pending()
    assert result.res == ffi.NULL
    assert recorder.calls == []
    c_log.expect(RESERVE, ("ERROR", "bytes is 0"))


@pytest.mark.parametrize("vaddr", [0, 0x1000, 0x7FFF_FFFF_F000, 2**64 - 4096])
@pytest.mark.parametrize("size", [1, 4096, 2**21 + 5, 2**63])
@pytest.mark.parametrize("cacheable", [0, 1, 7, -1])
def test_reserve_dispatches_every_argument_and_returns_the_reservation(c_log, vaddr, size, cacheable):
    recorder = Recorder(result=reservation(0xABC000))
    vs = CallbackVSpace(reserve_deferred_rights_range_at=recorder.deferred_reserve)
    result = lib.vspace_reserve_deferred_rights_range_at(vs.ptr, ffi.cast("void *", vaddr), size, cacheable)
    vs.raise_pending()
    assert int(ffi.cast("uintptr_t", result.res)) == 0xABC000
    assert recorder.calls == [{"vspace": vs.ptr, "vaddr": vaddr, "bytes": size, "cacheable": cacheable}]
    assert c_log.lines == []


def test_reserve_passes_a_failed_reservation_back_unchanged(c_log):
    recorder = Recorder(result=NO_RESERVATION)
    vs = CallbackVSpace(reserve_deferred_rights_range_at=recorder.deferred_reserve)
    result = lib.vspace_reserve_deferred_rights_range_at(vs.ptr, ffi.cast("void *", 0x1000), 4096, 1)
    vs.raise_pending()
    assert result.res == ffi.NULL
    assert len(recorder.calls) == 1


def test_reserve_does_not_fall_back_to_the_plain_reservation(c_log):
    plain = []
    vs = CallbackVSpace(reserve_range_at=lambda *args: plain.append(args) or reservation(0x77000))
    result = lib.vspace_reserve_deferred_rights_range_at(vs.ptr, ffi.cast("void *", 0x1000), 4096, 1)
    vs.raise_pending()
    assert result.res == ffi.NULL
    assert plain == []
