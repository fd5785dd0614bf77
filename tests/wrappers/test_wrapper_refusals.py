# SPDX-License-Identifier: BSD-2-Clause
"""Every branch of the vspace.h wrappers: each argument check refuses without calling through
(and logs why), and each warning-only check (a NULL address, a NULL reservation) warns and still
calls through. A vspace whose every implementation function records its call stands in for the
allocator, so what reached it is exact.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from sel4vspace.lowlevel import VSPACE_FUNCTION_FIELDS, CallbackVSpace, ffi, lib

RIGHTS = lib.seL4_CapRights_new(0, 0, 1, 1)
VADDR = ffi.cast("void *", 0x400000)
NULL = ffi.NULL


def _reservation(address: int) -> Any:
    return ffi.new("reservation_t *", {"res": ffi.cast("void *", address)})[0]


def _recording(calls: list[str]) -> CallbackVSpace:
    field_types = dict(ffi.typeof("vspace_t").fields)
    implementations = {}
    for name in VSPACE_FUNCTION_FIELDS:
        result = field_types[name].type.result

        def implementation(*args: Any, _name: str = name, _result: Any = result) -> Any:
            calls.append(_name)
            if _result.kind == "struct":
                return _reservation(0x1000)
            if _result.kind == "pointer":
                return ffi.cast("void *", 0x1000)
            return None if _result.kind == "void" else 0

        implementations[name] = implementation
    return CallbackVSpace(**implementations)


def _caps() -> Any:
    return ffi.new("seL4_CPtr[]", [1, 2])


def _is_refusal(value: Any) -> bool:
    """What a wrapper returns when it refuses: -1, NULL, a NULL reservation, 0 or nothing."""
    if value is None:
        return True
    if isinstance(value, int):
        return value in (-1, 0)
    if ffi.typeof(value) is ffi.typeof("reservation_t"):
        return value.res == NULL
    return value == NULL


# (wrapper call with vs and other standing in, the level of the line it must log)
REFUSED: dict[str, tuple[Callable[[Any, Any], Any], str]] = {
    "new_pages: NULL vspace": (lambda vs, o: lib.vspace_new_pages(NULL, RIGHTS, 1, 12), "ERROR"),
    "new_pages: no pages": (lambda vs, o: lib.vspace_new_pages(vs, RIGHTS, 0, 12), "ERROR"),
    "new_pages: not a frame size": (lambda vs, o: lib.vspace_new_pages(vs, RIGHTS, 1, 13), "ERROR"),
    "map_pages: NULL vspace": (lambda vs, o: lib.vspace_map_pages(NULL, _caps(), NULL, RIGHTS, 2, 12, 1), "ERROR"),
    "map_pages: no pages": (lambda vs, o: lib.vspace_map_pages(vs, _caps(), NULL, RIGHTS, 0, 12, 1), "ERROR"),
    "map_pages: not a frame size": (lambda vs, o: lib.vspace_map_pages(vs, _caps(), NULL, RIGHTS, 2, 20, 1),
                                    "ERROR"),
    "new_pages_at_vaddr: NULL vspace": (
        lambda vs, o: lib.vspace_new_pages_at_vaddr(NULL, VADDR, 1, 12, _reservation(0x10)), "ERROR"),
    "new_pages_at_vaddr: no pages": (
        lambda vs, o: lib.vspace_new_pages_at_vaddr(vs, VADDR, 0, 12, _reservation(0x10)), "ERROR"),
    "new_pages_at_vaddr_with_config: NULL vspace": (
        lambda vs, o: lib.vspace_new_pages_at_vaddr_with_config(NULL, ffi.new("vspace_new_pages_config_t *"),
                                                                _reservation(0x10)), "ERROR"),
    "map_pages_at_vaddr: NULL vspace": (
        lambda vs, o: lib.vspace_map_pages_at_vaddr(NULL, _caps(), NULL, VADDR, 2, 12, _reservation(0x10)), "ERROR"),
    "map_pages_at_vaddr: no pages": (
        lambda vs, o: lib.vspace_map_pages_at_vaddr(vs, _caps(), NULL, VADDR, 0, 12, _reservation(0x10)),
        "WARNING"),
    "deferred map: NULL vspace": (
        lambda vs, o: lib.vspace_deferred_rights_map_pages_at_vaddr(NULL, _caps(), NULL, VADDR, 2, 12, RIGHTS,
                                                                    _reservation(0x10)), "ERROR"),
    "deferred map: no pages": (
        lambda vs, o: lib.vspace_deferred_rights_map_pages_at_vaddr(vs, _caps(), NULL, VADDR, 0, 12, RIGHTS,
                                                                    _reservation(0x10)), "WARNING"),
    "unmap_pages: NULL vspace": (lambda vs, o: lib.vspace_unmap_pages(NULL, VADDR, 1, 12, NULL), "ERROR"),
    "unmap_pages: no pages": (lambda vs, o: lib.vspace_unmap_pages(vs, VADDR, 0, 12, NULL), "WARNING"),
    "tear_down: NULL vspace": (lambda vs, o: lib.vspace_tear_down(NULL, NULL), "ERROR"),
    "reserve_range_aligned: NULL vspace": (
        lambda vs, o: lib.vspace_reserve_range_aligned(NULL, 4096, 12, RIGHTS, 1, ffi.new("void **")), "ERROR"),
    "reserve_range_aligned: no bytes": (
        lambda vs, o: lib.vspace_reserve_range_aligned(vs, 0, 12, RIGHTS, 1, ffi.new("void **")), "ERROR"),
    "reserve_range_aligned: nowhere for the result": (
        lambda vs, o: lib.vspace_reserve_range_aligned(vs, 4096, 12, RIGHTS, 1, NULL), "ERROR"),
    "reserve_range_at: NULL vspace": (lambda vs, o: lib.vspace_reserve_range_at(NULL, VADDR, 4096, RIGHTS, 1),
                                      "ERROR"),
    "reserve_range_at: no bytes": (lambda vs, o: lib.vspace_reserve_range_at(vs, VADDR, 0, RIGHTS, 1), "ERROR"),
    "reserve_deferred: NULL vspace": (
        lambda vs, o: lib.vspace_reserve_deferred_rights_range_at(NULL, VADDR, 4096, 1), "ERROR"),
    "reserve_deferred: no bytes": (lambda vs, o: lib.vspace_reserve_deferred_rights_range_at(vs, VADDR, 0, 1),
                                   "ERROR"),
    "free_reservation: NULL vspace": (lambda vs, o: lib.vspace_free_reservation(NULL, _reservation(0x10)), "ERROR"),
    "free_reservation_by_vaddr: NULL vspace": (lambda vs, o: lib.vspace_free_reservation_by_vaddr(NULL, VADDR),
                                               "ERROR"),
    "get_cap: NULL vspace": (lambda vs, o: lib.vspace_get_cap(NULL, VADDR), "ERROR"),
    "get_cookie: NULL vspace": (lambda vs, o: lib.vspace_get_cookie(NULL, VADDR), "ERROR"),
    "get_root: NULL vspace": (lambda vs, o: lib.vspace_get_root(NULL), "ERROR"),
    "allocated_object: NULL vspace": (
        lambda vs, o: lib.vspace_maybe_call_allocated_object(NULL, ffi.new("vka_object_t *")[0]), "ERROR"),
    "share: no pages": (lambda vs, o: lib.vspace_share_mem_at_vaddr(vs, o, VADDR, 0, 12, VADDR, _reservation(0x10)),
                        None),
    "share: negative pages": (
        lambda vs, o: lib.vspace_share_mem_at_vaddr(vs, o, VADDR, -3, 12, VADDR, _reservation(0x10)), "ERROR"),
    "share: NULL from": (
        lambda vs, o: lib.vspace_share_mem_at_vaddr(NULL, o, VADDR, 1, 12, VADDR, _reservation(0x10)), "ERROR"),
    "share: NULL to": (
        lambda vs, o: lib.vspace_share_mem_at_vaddr(vs, NULL, VADDR, 1, 12, VADDR, _reservation(0x10)), "ERROR"),
    "share: from page 0": (
        lambda vs, o: lib.vspace_share_mem_at_vaddr(vs, o, NULL, 1, 12, VADDR, _reservation(0x10)), "ERROR"),
    "share: to page 0": (
        lambda vs, o: lib.vspace_share_mem_at_vaddr(vs, o, VADDR, 1, 12, NULL, _reservation(0x10)), "ERROR"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_each_wrapper_check_refuses_without_calling_through(name, c_log):
    call, level = REFUSED[name]
    calls: list[str] = []
    vs, other = _recording(calls), _recording(calls)
    result = call(vs.ptr, other.ptr)
    vs.raise_pending()
    other.raise_pending()
    assert calls == [], f"{name} called {calls}"
    assert _is_refusal(result)
    levels = [lvl for lvl, _ in c_log.lines]
    assert (levels == []) if level is None else (level in levels), c_log.lines


# Checks that only warn: the call still goes through to the implementation.
WARNED: dict[str, tuple[Callable[[Any, Any], Any], str, str]] = {
    "map_pages_at_vaddr at page 0": (
        lambda vs, o: lib.vspace_map_pages_at_vaddr(vs, _caps(), NULL, NULL, 2, 12, _reservation(0x10)),
        "map_pages_at_vaddr", "WARNING"),
    "deferred map at page 0": (
        lambda vs, o: lib.vspace_deferred_rights_map_pages_at_vaddr(vs, _caps(), NULL, NULL, 2, 12, RIGHTS,
                                                                    _reservation(0x10)),
        "deferred_rights_map_pages_at_vaddr", "WARNING"),
    "unmap_pages at page 0": (lambda vs, o: lib.vspace_unmap_pages(vs, NULL, 1, 12, NULL), "unmap_pages", "WARNING"),
    "get_cap at page 0": (lambda vs, o: lib.vspace_get_cap(vs, NULL), "get_cap", "WARNING"),
    "get_cookie at page 0": (lambda vs, o: lib.vspace_get_cookie(vs, NULL), "get_cookie", "WARNING"),
    "new_pages_at_vaddr with a NULL reservation": (
        lambda vs, o: lib.vspace_new_pages_at_vaddr(vs, VADDR, 1, 12, _reservation(0)), "new_pages_at_vaddr",
        "ERROR"),
}


@pytest.mark.parametrize("name", sorted(WARNED))
def test_warning_only_checks_still_call_through(name, c_log):
    call, field, level = WARNED[name]
    calls: list[str] = []
    vs, other = _recording(calls), _recording([])
    call(vs.ptr, other.ptr)
    vs.raise_pending()
    assert calls == [field]
    assert level in [lvl for lvl, _ in c_log.lines], c_log.lines


def test_allocated_object_is_optional():
    # no allocated_object function: nothing is called, nothing is logged
    vs = CallbackVSpace()
    lib.vspace_maybe_call_allocated_object(vs.ptr, ffi.new("vka_object_t *")[0])
    seen: list[int] = []
    with_callback = CallbackVSpace(allocated_object=lambda cookie, obj: seen.append(int(obj.cptr)))
    lib.vspace_maybe_call_allocated_object(with_callback.ptr, ffi.new("vka_object_t *", {"cptr": 42})[0])
    with_callback.raise_pending()
    assert seen == [42]


def test_the_config_helpers_fill_what_the_wrapper_passes_on():
    config = ffi.new("vspace_new_pages_config_t *")
    assert lib.default_vspace_new_pages_config(0, 12, config) == -1
    assert lib.default_vspace_new_pages_config(3, 21, config) == 0
    assert (config.num_pages, config.size_bits, config.vaddr, config.can_use_dev) == (3, 21, NULL, False)
    assert lib.vspace_new_pages_config_set_vaddr(VADDR, config) == 0
    assert lib.vspace_new_pages_config_use_device_ut(True, config) == 0
    assert config.vaddr == VADDR and config.can_use_dev
