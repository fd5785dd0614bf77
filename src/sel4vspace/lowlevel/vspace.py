# SPDX-License-Identifier: BSD-2-Clause
"""1:1 wrappers of the ``vspace_*`` calls of vspace/vspace.h.

Each takes the C objects (a ``vspace_t *``, ``reservation_t``, ``seL4_CapRights_t``) and Python
ints, checks the Python arguments, calls the C wrapper of the same name, and turns a C failure into
:class:`~sel4vspace.errors.VSpaceError` carrying the C library's last error line. Void C calls
report failure only through the log, so a void call that logged an error raises too.

Each is a call into the package (``sel4vspace.lowlevel._guard``): made from inside another one (a
``CallbackVSpace`` function C is running, a signal handler) it raises
:class:`~sel4vspace.ReentrantCallError`, and the C log lines it produced reach ``logging`` once it
has returned.
"""

from __future__ import annotations

from typing import Any

from sel4vspace.lowlevel import _guard  # one for every arch, never a copy of this arch's

from . import _check, clear_c_error, ffi, last_c_error, lib
from ._failures import failure

__all__ = [
    "VSPACE_FREE",
    "VSPACE_PRESERVE",
    "caps_argument",
    "caps_array",
    "cookies_array",
    "reserve_range_at",
    "reserve_range_aligned",
    "reserve_deferred_rights_range_at",
    "free_reservation",
    "free_reservation_by_vaddr",
    "map_pages_at_vaddr",
    "deferred_rights_map_pages_at_vaddr",
    "new_pages_at_vaddr",
    "new_pages",
    "map_pages",
    "unmap_pages",
    "get_cap",
    "get_cookie",
    "get_root",
    "share_mem_at_vaddr",
    "tear_down",
]

VSPACE_FREE = lib.sel4vspace_vspace_free
"""VSPACE_FREE: free unmapped frames and cslots through the vspace's own vka."""
VSPACE_PRESERVE = lib.sel4vspace_vspace_preserve
"""VSPACE_PRESERVE: leave unmapped frames and cslots to their owner."""


_CPTR_ARRAY = ffi.typeof("seL4_CPtr[]")
_COOKIE_ARRAY = ffi.typeof("uintptr_t[]")


def _raise(function: str, detail: str | None = None) -> None:
    raise failure(function, detail)


def _void_ptr(name: str, value: int) -> Any:
    return ffi.cast("void *", _check.address(name, value))


_new_uncleared = ffi.new_allocator(should_clear_after_alloc=False)


def _private(array_type: Any, source: Any) -> Any:
    """A copy of the C array ``source`` (a buffer or cdata of ``array_type``) in memory of its own,
    with one memmove: C reads its arguments with the GIL released, so another thread could change a
    buffer the caller shares between the call's checks and its work."""
    count = len(source)
    copy = _new_uncleared(array_type, count)
    ffi.memmove(copy, source, count * ffi.sizeof(array_type.item))
    return copy


def caps_argument(caps: Any, name: str = "caps") -> Any:
    """``caps`` as a C call's ``seL4_CPtr *`` argument, checked: a tuple of ints as it is, a list
    as a tuple of what it holds now (cffi converts it into an array of its own for the call, and
    refuses a value beyond 64 bits with an OverflowError the caller turns into
    :func:`~sel4vspace.lowlevel._check.word_overflow`); a uint64 buffer or a ``seL4_CPtr[]`` cdata
    copied (:func:`_private`). ``len()`` of the result counts the caps, and stays what C is given:
    another thread may change the caller's list or buffer meanwhile."""
    if type(caps) is list:
        return _check.int_sequence(name, tuple(caps))   # what the list holds now, checked
    if isinstance(caps, ffi.CData) and ffi.typeof(caps) is _CPTR_ARRAY:
        return _private(_CPTR_ARRAY, caps)
    values = _check.int_sequence(name, caps)
    return values if isinstance(values, (list, tuple)) else _private(_CPTR_ARRAY, ffi.from_buffer(_CPTR_ARRAY, values))


def caps_array(caps: Any, name: str = "caps") -> Any:
    """A ``seL4_CPtr[]`` of its own for C: a list converted, a uint64 buffer or ``seL4_CPtr[]`` cdata
    copied (:func:`caps_argument`)."""
    values = caps_argument(caps, name)
    if isinstance(values, (list, tuple)):
        try:
            return ffi.new(_CPTR_ARRAY, values)
        except OverflowError:
            raise _check.word_overflow(name, values) from None
    return values


def cookies_array(cookies: Any, count: int) -> Any:
    """A ``uintptr_t[]`` of count cookies, or NULL for None."""
    if cookies is None:
        return ffi.NULL
    # a list as what it holds now: its length is checked, and must be what C reads
    values = _check.int_sequence("cookies", tuple(cookies) if type(cookies) is list else cookies)
    if len(values) != count:
        raise ValueError(f"cookies has {len(values)} entries for {count} caps")
    if isinstance(values, (list, tuple)):
        try:
            return ffi.new(_COOKIE_ARRAY, values)
        except OverflowError:
            raise _check.word_overflow("cookies", values) from None
    return _private(_COOKIE_ARRAY, ffi.from_buffer(_COOKIE_ARRAY, values))


def _reservation_or_raise(function: str, reservation: Any) -> Any:
    if reservation.res == ffi.NULL:
        _raise(function)
    return reservation


@_guard.call
def reserve_range_at(vspace: Any, vaddr: int, size: int, rights: Any, cacheable: int) -> Any:
    """``vspace_reserve_range_at``: the reservation, or VSpaceError."""
    clear_c_error()
    res = lib.vspace_reserve_range_at(vspace, _void_ptr("vaddr", vaddr), _check.integer("size", size),
                                      rights, int(cacheable))
    return _reservation_or_raise("vspace_reserve_range_at", res)


@_guard.call
def reserve_range_aligned(vspace: Any, size: int, size_bits: int, rights: Any, cacheable: int) -> tuple[Any, int]:
    """``vspace_reserve_range_aligned``: (reservation, start vaddr), or VSpaceError."""
    out = ffi.new("void **")
    clear_c_error()
    res = lib.vspace_reserve_range_aligned(vspace, _check.integer("size", size),
                                           _check.integer("size_bits", size_bits, 0, 63), rights, int(cacheable), out)
    _reservation_or_raise("vspace_reserve_range_aligned", res)
    return res, int(ffi.cast("uintptr_t", out[0]))


@_guard.call
def reserve_deferred_rights_range_at(vspace: Any, vaddr: int, size: int, cacheable: int) -> Any:
    """``vspace_reserve_deferred_rights_range_at``: the reservation, or VSpaceError."""
    clear_c_error()
    res = lib.vspace_reserve_deferred_rights_range_at(vspace, _void_ptr("vaddr", vaddr),
                                                      _check.integer("size", size), int(cacheable))
    return _reservation_or_raise("vspace_reserve_deferred_rights_range_at", res)


def _void_call(function: str, call: Any, *args: Any) -> None:
    clear_c_error()
    call(*args)
    if last_c_error() is not None:
        _raise(function)


@_guard.call
def free_reservation(vspace: Any, reservation: Any) -> None:
    """``vspace_free_reservation``."""
    _void_call("vspace_free_reservation", lib.vspace_free_reservation, vspace, reservation)


@_guard.call
def free_reservation_by_vaddr(vspace: Any, vaddr: int) -> None:
    """``vspace_free_reservation_by_vaddr``."""
    _void_call("vspace_free_reservation_by_vaddr", lib.vspace_free_reservation_by_vaddr, vspace,
               _void_ptr("vaddr", vaddr))


def _status(function: str, result: int) -> None:
    if result != 0:
        _raise(function, f"returned {result}")


@_guard.call
def map_pages_at_vaddr(vspace: Any, caps: Any, cookies: Any, vaddr: int, size_bits: int, reservation: Any) -> None:
    """``vspace_map_pages_at_vaddr`` of every cap in caps."""
    c_caps = caps_array(caps)
    count = len(c_caps)
    clear_c_error()
    result = lib.vspace_map_pages_at_vaddr(vspace, c_caps, cookies_array(cookies, count), _void_ptr("vaddr", vaddr),
                                           count, _check.integer("size_bits", size_bits, 0, 63), reservation)
    _status("vspace_map_pages_at_vaddr", result)


@_guard.call
def deferred_rights_map_pages_at_vaddr(vspace: Any, caps: Any, cookies: Any, vaddr: int, size_bits: int,
                                       rights: Any, reservation: Any) -> None:
    """``vspace_deferred_rights_map_pages_at_vaddr`` of every cap in caps, with rights."""
    c_caps = caps_array(caps)
    count = len(c_caps)
    clear_c_error()
    result = lib.vspace_deferred_rights_map_pages_at_vaddr(
        vspace, c_caps, cookies_array(cookies, count), _void_ptr("vaddr", vaddr), count,
        _check.integer("size_bits", size_bits, 0, 63), rights, reservation)
    _status("vspace_deferred_rights_map_pages_at_vaddr", result)


@_guard.call
def new_pages_at_vaddr(vspace: Any, vaddr: int, num_pages: int, size_bits: int, reservation: Any) -> None:
    """``vspace_new_pages_at_vaddr``."""
    clear_c_error()
    result = lib.vspace_new_pages_at_vaddr(vspace, _void_ptr("vaddr", vaddr), _check.integer("num_pages", num_pages),
                                           _check.integer("size_bits", size_bits, 0, 63), reservation)
    _status("vspace_new_pages_at_vaddr", result)


@_guard.call
def new_pages(vspace: Any, rights: Any, num_pages: int, size_bits: int) -> int:
    """``vspace_new_pages``: the start vaddr, or VSpaceError."""
    clear_c_error()
    result = lib.vspace_new_pages(vspace, rights, _check.integer("num_pages", num_pages),
                                  _check.integer("size_bits", size_bits, 0, 63))
    if result == ffi.NULL:
        _raise("vspace_new_pages")
    return int(ffi.cast("uintptr_t", result))


@_guard.call
def map_pages(vspace: Any, caps: Any, cookies: Any, rights: Any, size_bits: int, cacheable: int) -> int:
    """``vspace_map_pages`` of every cap in caps: the start vaddr, or VSpaceError."""
    c_caps = caps_array(caps)
    count = len(c_caps)
    clear_c_error()
    result = lib.vspace_map_pages(vspace, c_caps, cookies_array(cookies, count), rights, count,
                                  _check.integer("size_bits", size_bits, 0, 63), int(cacheable))
    if result == ffi.NULL:
        _raise("vspace_map_pages")
    return int(ffi.cast("uintptr_t", result))


@_guard.call
def unmap_pages(vspace: Any, vaddr: int, num_pages: int, size_bits: int, vka: Any) -> None:
    """``vspace_unmap_pages``; vka is VSPACE_FREE, VSPACE_PRESERVE or a ``vka_t *``."""
    _void_call("vspace_unmap_pages", lib.vspace_unmap_pages, vspace, _void_ptr("vaddr", vaddr),
               _check.integer("num_pages", num_pages), _check.integer("size_bits", size_bits, 0, 63), vka)


@_guard.call
def get_cap(vspace: Any, vaddr: int) -> int:
    """``vspace_get_cap``: the frame cap mapped at vaddr, 0 when none."""
    return int(lib.vspace_get_cap(vspace, _void_ptr("vaddr", vaddr)))


@_guard.call
def get_cookie(vspace: Any, vaddr: int) -> int:
    """``vspace_get_cookie``: the cookie of the frame at vaddr, 0 when none."""
    return int(lib.vspace_get_cookie(vspace, _void_ptr("vaddr", vaddr)))


@_guard.call
def get_root(vspace: Any) -> int:
    """``vspace_get_root``: the root paging structure's cap."""
    return int(lib.vspace_get_root(vspace))


@_guard.call
def share_mem_at_vaddr(from_vspace: Any, to_vspace: Any, start: int, num_pages: int, size_bits: int,
                       vaddr: int, reservation: Any) -> None:
    """``vspace_share_mem_at_vaddr``."""
    clear_c_error()
    result = lib.vspace_share_mem_at_vaddr(from_vspace, to_vspace, _void_ptr("start", start),
                                           _check.integer("num_pages", num_pages, 0, 2**31 - 1),
                                           _check.integer("size_bits", size_bits, 0, 63),
                                           _void_ptr("vaddr", vaddr), reservation)
    _status("vspace_share_mem_at_vaddr", result)


@_guard.call
def tear_down(vspace: Any, vka: Any) -> None:
    """``vspace_tear_down``; vka is VSPACE_FREE, VSPACE_PRESERVE or a ``vka_t *``."""
    _void_call("vspace_tear_down", lib.vspace_tear_down, vspace, vka)
