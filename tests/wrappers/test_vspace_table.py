# SPDX-License-Identifier: BSD-2-Clause
"""The vspace_t table as the patch lays it out, and every wrapper dispatching to its own field."""

from __future__ import annotations

import pytest

from sel4vspace.lowlevel import VSPACE_FUNCTION_FIELDS, CallbackVSpace, ffi, lib

# vspace_t as upstream has it, with the patch's two fields where the patch puts them.
EXPECTED_FIELDS = [
    "data",
    "new_pages",
    "map_pages",
    "new_pages_at_vaddr",
    "map_pages_at_vaddr",
    "deferred_rights_map_pages_at_vaddr",
    "unmap_pages",
    "tear_down",
    "reserve_range_aligned",
    "reserve_range_at",
    "reserve_deferred_rights_range_at",
    "free_reservation",
    "free_reservation_by_vaddr",
    "get_cap",
    "get_root",
    "get_cookie",
    "share_mem_at_vaddr",
    "allocated_object",
    "allocated_object_cookie",
]


def test_vspace_t_fields_are_in_the_patched_order():
    names = [name for name, _ in ffi.typeof("vspace_t").fields]
    assert names == EXPECTED_FIELDS
    offsets = [ffi.offsetof("vspace_t", name) for name in names]
    assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets)


def test_deferred_fields_sit_right_after_their_plain_counterparts():
    pointer = ffi.sizeof("void *")
    assert ffi.offsetof("vspace_t", "deferred_rights_map_pages_at_vaddr") == \
        ffi.offsetof("vspace_t", "map_pages_at_vaddr") + pointer
    assert ffi.offsetof("vspace_t", "unmap_pages") == \
        ffi.offsetof("vspace_t", "deferred_rights_map_pages_at_vaddr") + pointer
    assert ffi.offsetof("vspace_t", "reserve_deferred_rights_range_at") == \
        ffi.offsetof("vspace_t", "reserve_range_at") + pointer
    assert ffi.offsetof("vspace_t", "free_reservation") == \
        ffi.offsetof("vspace_t", "reserve_deferred_rights_range_at") + pointer


def test_deferred_function_types_match_the_patch():
    map_fn = ffi.typeof("vspace_deferred_rights_map_pages_at_vaddr_fn")
    assert map_fn.kind == "function"
    assert list(map_fn.args) == [ffi.typeof(t) for t in (
        "vspace_t *", "seL4_CPtr *", "uintptr_t *", "void *", "size_t", "size_t", "seL4_CapRights_t",
        "reservation_t")]
    assert map_fn.result == ffi.typeof("int")
    reserve_fn = ffi.typeof("vspace_reserve_deferred_rights_range_at_fn")
    assert list(reserve_fn.args) == [ffi.typeof(t) for t in ("vspace_t *", "void *", "size_t", "int")]
    assert reserve_fn.result == ffi.typeof("reservation_t")


def _reservation(address: int):
    return ffi.new("reservation_t *", {"res": ffi.cast("void *", address)})[0]


def _all_recording(calls: list[str]) -> CallbackVSpace:
    """A vspace where every function records its own field name, so a mixed-up dispatch shows."""
    field_types = dict(ffi.typeof("vspace_t").fields)
    implementations = {}
    for name in VSPACE_FUNCTION_FIELDS:
        result_type = field_types[name].type.result

        def implementation(*args, _name=name, _result=result_type):
            calls.append(_name)
            if _result.kind == "struct":
                return _reservation(0x1000)
            if _result.kind == "pointer":
                return ffi.cast("void *", 0x1000)
            if _result.kind == "void":
                return None
            return 0

        implementations[name] = implementation
    return CallbackVSpace(**implementations)


RIGHTS = lib.seL4_CapRights_new(0, 0, 1, 1)
VADDR = ffi.cast("void *", 0x400000)


def _caps():
    return ffi.new("seL4_CPtr[]", [1, 2])


WRAPPER_CALLS = {
    "new_pages": lambda vs, other: lib.vspace_new_pages(vs, RIGHTS, 1, 12),
    "map_pages": lambda vs, other: lib.vspace_map_pages(vs, _caps(), ffi.NULL, RIGHTS, 2, 12, 1),
    "new_pages_at_vaddr": lambda vs, other: lib.vspace_new_pages_at_vaddr(vs, VADDR, 1, 12, _reservation(0x10)),
    "map_pages_at_vaddr": lambda vs, other: lib.vspace_map_pages_at_vaddr(
        vs, _caps(), ffi.NULL, VADDR, 2, 12, _reservation(0x10)),
    "deferred_rights_map_pages_at_vaddr": lambda vs, other: lib.vspace_deferred_rights_map_pages_at_vaddr(
        vs, _caps(), ffi.NULL, VADDR, 2, 12, RIGHTS, _reservation(0x10)),
    "unmap_pages": lambda vs, other: lib.vspace_unmap_pages(vs, VADDR, 1, 12, ffi.NULL),
    "tear_down": lambda vs, other: lib.vspace_tear_down(vs, ffi.NULL),
    "reserve_range_aligned": lambda vs, other: lib.vspace_reserve_range_aligned(
        vs, 4096, 12, RIGHTS, 1, ffi.new("void **")),
    "reserve_range_at": lambda vs, other: lib.vspace_reserve_range_at(vs, VADDR, 4096, RIGHTS, 1),
    "reserve_deferred_rights_range_at": lambda vs, other: lib.vspace_reserve_deferred_rights_range_at(
        vs, VADDR, 4096, 1),
    "free_reservation": lambda vs, other: lib.vspace_free_reservation(vs, _reservation(0x10)),
    "free_reservation_by_vaddr": lambda vs, other: lib.vspace_free_reservation_by_vaddr(vs, VADDR),
    "get_cap": lambda vs, other: lib.vspace_get_cap(vs, VADDR),
    "get_root": lambda vs, other: lib.vspace_get_root(vs),
    "get_cookie": lambda vs, other: lib.vspace_get_cookie(vs, VADDR),
    "share_mem_at_vaddr": lambda vs, other: lib.vspace_share_mem_at_vaddr(vs, other, VADDR, 1, 12, VADDR,
                                                                          _reservation(0x10)),
    "allocated_object": lambda vs, other: lib.vspace_maybe_call_allocated_object(
        vs, ffi.new("vka_object_t *")[0]),
}


def test_every_function_field_has_a_wrapper_under_test():
    assert set(WRAPPER_CALLS) == set(VSPACE_FUNCTION_FIELDS)


@pytest.mark.parametrize("field", list(WRAPPER_CALLS))
def test_each_wrapper_dispatches_to_its_own_field_only(field):
    calls: list[str] = []
    vs = _all_recording(calls)
    other = _all_recording([])
    WRAPPER_CALLS[field](vs.ptr, other.ptr)
    vs.raise_pending()
    assert calls == [field]


@pytest.mark.parametrize("field", list(WRAPPER_CALLS))
def test_each_wrapper_survives_its_field_missing(field, c_log):
    """With every other function present, a NULL field is refused, never called through."""
    calls: list[str] = []
    full = _all_recording(calls)
    setattr(full.ptr, field, ffi.NULL)
    other = _all_recording([])
    WRAPPER_CALLS[field](full.ptr, other.ptr)
    full.raise_pending()
    assert calls == []
