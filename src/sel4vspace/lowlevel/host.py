# SPDX-License-Identifier: BSD-2-Clause
"""1:1 checked functions over the host world's calls (``csrc/host``'s ``host.h``, ``csrc/binding``'s
``calls.h`` and ``checks.h``): one Python function per C function the package uses.

A batch call (``sel4vspace_host_call_*``) makes one Python operation one C call: checks, then
the ``vspace_*`` call or the host world's loop over several. Each reports in a
``sel4vspace_call_result_t`` whose status the C writes last. The caller makes that struct
(:func:`result`), sets its status to :data:`NOT_RUN` (:func:`status_word`) and reads it in a
``finally`` to make its records follow the C even when an exception (KeyboardInterrupt) comes as
the call returns; the function here turns anything but :data:`OK` into the exception
(``lowlevel._failures``: :func:`sel4vspace.lowlevel.failure`, or the refusal that names the cap or page). Handles (a
``host_world_t *``, ``host_vspace_t *``, ``vspace_t *``, ``sel4utils_res_t *``,
``sel4sim_kernel_t *``) are opaque objects to pass back.

None of these takes a kernel's lock: the Python layer's operations hold it around them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..errors import SEL4_ERROR_NAMES
from . import _check, clear_c_error, ffi, lib
from ._failures import cslots_short, failure, frame_refused, page_refused, pages_still_mapped
from .objects import FRAME_TYPE_BY_BITS

__all__ = [
    "NULL", "NOT_RUN", "OK", "REFUSED", "PAGE_CALLERS", "PAGE_COPY", "PAGE_OWN", "PROBE_ENTRIES",
    "result", "status_word", "new_probe", "frame_object",
    "world_new", "world_close", "world_select", "world_kernel", "world_free_slots", "world_loader_bytes",
    "vspace_new", "vspace_root", "tear_down",
    "require_free_slots", "frame_objects", "object_caps", "alloc_frames", "copy_cap", "delete_frame",
    "reserve", "reserve_aligned", "free_reservation", "map", "map_pages", "new_pages", "new_pages_at", "share",
    "unmap", "unmap_mixed", "check_mapped", "range_entries",
    "reservation_bounds", "reservation_rights", "reservation_t",
]

NOT_RUN = int(lib.SEL4VSPACE_CALL_NOT_RUN)
"""The status Python sets before a call: the C has not reported (not run, or not returned)."""
OK = int(lib.SEL4VSPACE_CALL_OK)
REFUSED = int(lib.SEL4VSPACE_CALL_REFUSED)
"""A check failed and nothing was called (``check`` and ``index`` say which)."""
PAGE_CALLERS = int(lib.SEL4VSPACE_PAGE_CALLERS)
PAGE_COPY = int(lib.SEL4VSPACE_PAGE_COPY)
PAGE_OWN = int(lib.SEL4VSPACE_PAGE_OWN)
NULL = ffi.NULL
"""C's NULL, for an optional pointer argument (no cookies)."""
PROBE_ENTRIES = 8
"""Mappings named when free_reservation refuses."""

_NOT_ENOUGH_MEMORY = SEL4_ERROR_NAMES.index("seL4_NotEnoughMemory")
_PRESERVE = lib.sel4vspace_vspace_preserve
# The C calls a small operation makes, looked up once: a ``lib`` attribute costs a dictionary
# lookup in cffi's library object on every use, as much as a short check.
_call_reserve = lib.sel4vspace_host_call_reserve
_call_free_reservation = lib.sel4vspace_host_call_free_reservation
_call_map = lib.sel4vspace_host_call_map
_call_unmap = lib.sel4vspace_host_call_unmap

# The hot calls (calls.h): each a whole small operation, the guard taken and given back in C.
# ``VSpace`` calls them as they are: each returns a status (:data:`HOT_DONE`, :data:`HOT_SLOW`,
# :data:`HOT_FAILED`) in its low 8 bits and, for HOT_FAILED, what the vspace_* call returned above.
hot_reserve = lib.sel4vspace_hot_reserve
"""``(cell, vaddr, size, rights word, cacheable, deferred, reservation cell)``."""
hot_map = lib.sel4vspace_hot_map
"""``(cell, caps, count, vaddr, size_bits, rights word, deferred, reservation cell)``."""
hot_unmap = lib.sel4vspace_hot_unmap
"""``(cell, vaddr, count, size_bits)``."""
hot_free_reservation = lib.sel4vspace_hot_free_reservation
"""``(cell, reservation cell)``."""
HOT_DONE = int(lib.SEL4VSPACE_HOT_DONE)
HOT_SLOW = int(lib.SEL4VSPACE_HOT_SLOW)
"""Nothing done: the checked way (the Python layer's operation) does it, or says why it cannot."""
HOT_FAILED = int(lib.SEL4VSPACE_HOT_FAILED)
"""The allocator refused: raise :func:`failure` (the vspace_* call's result is the code >> 8)."""
# vka_object_t is four words (cptr, ut, type, size_bits): its caps read as every fourth word.
_OBJECT_WORDS = 4
assert ffi.sizeof("vka_object_t") == 8 * _OBJECT_WORDS
assert ffi.offsetof("sel4vspace_call_result_t", "status") == 0
_RANGE_MAPPED = int(lib.SEL4VSPACE_RANGE_MAPPED)
"""The binding's range check found every page mapped with the size asked for."""
# Buffers C fills completely before Python reads them need no zeroing first.
_new_uncleared = ffi.new_allocator(should_clear_after_alloc=False)

def result() -> Any:
    """A fresh ``sel4vspace_call_result_t *`` whose status says the call has not reported."""
    out = ffi.new("sel4vspace_call_result_t *")
    out.status = NOT_RUN
    return out


def status_word(out: Any) -> memoryview:
    """The status of a result struct as a one-int view: set and read a few times per call, at a
    fraction of a cdata field's cost."""
    return memoryview(ffi.buffer(out, ffi.sizeof("int"))).cast("i")


def new_probe() -> Any:
    """Room for the :data:`PROBE_ENTRIES` mappings :func:`free_reservation` names when it refuses."""
    return ffi.new("sel4sim_mapping_t[]", PROBE_ENTRIES)


def frame_object(cap: int, cookie: int, size_bits: int) -> Any:
    """A ``vka_object_t *`` for a frame of ``2**size_bits`` bytes whose vka cookie is ``cookie``: what
    :func:`delete_frame` frees an original by."""
    obj = ffi.new("vka_object_t *")
    obj.cptr, obj.ut, obj.type, obj.size_bits = cap, cookie, FRAME_TYPE_BY_BITS[size_bits], size_bits
    return obj


# ---- the world ----

def world_new(untyped_bits: int, cnode_bits: int, out: Any) -> Any:
    """``sel4vspace_host_call_world_new``: a ``host_world_t *`` with ``2**untyped_bits`` bytes of
    untyped memory and a root CNode of ``2**cnode_bits`` slots, or KernelError
    (``seL4_NotEnoughMemory``)."""
    clear_c_error()
    lib.sel4vspace_host_call_world_new(untyped_bits, cnode_bits, out)
    if out.status != OK:
        raise failure("sel4vspace_host_world_new", error=_NOT_ENOUGH_MEMORY, fallback="could not create the kernel")
    return out.world


def world_close(world: Any, guard: Any, out: Any) -> None:
    """``sel4vspace_host_call_world_close``: the kernel's guard (:func:`guard_of`) marked closed, then
    every vspace torn down, the kernel and the world."""
    lib.sel4vspace_host_call_world_close(world, guard, out)


def guard_of(address: int) -> Any:
    """The kernel's guard at ``address`` (``sel4vspace.lowlevel._guard.address``), as this arch's C
    takes it."""
    return ffi.cast("sel4vspace_guard_t *", address)


def vspace_cell(guard: Any) -> Any:
    """A ``sel4vspace_vspace_cell_t *`` of the kernel whose guard is ``guard`` (:func:`guard_of`), for
    :func:`vspace_new` to fill: what the hot calls take a vspace by."""
    return ffi.new("sel4vspace_vspace_cell_t *", {"guard": guard})


reservation_cell: Callable[[], Any] = functools.partial(ffi.new, ffi.typeof("sel4vspace_reservation_cell_t *"))
"""A fresh, zeroed ``sel4vspace_reservation_cell_t *``: what a reservation is to the C, once made
(``ffi.new`` with the type bound: no Python frame, every hot reserve makes one)."""


def foreign(host_vspace: Any) -> int:
    """``sel4vspace_host_vspace_foreign``: at least as many as the pages the vspace maps that are not
    the caller's frames."""
    count: int = lib.sel4vspace_host_vspace_foreign(host_vspace)
    return count


def world_select(world: Any) -> None:
    """``sel4vspace_host_world_select``: the world's kernel is the one libsel4 reaches, in this thread."""
    lib.sel4vspace_host_world_select(world)


def world_kernel(world: Any) -> Any:
    """``sel4vspace_host_world_kernel``: the world's ``sel4sim_kernel_t *``."""
    return lib.sel4vspace_host_world_kernel(world)


def world_free_slots(world: Any) -> int:
    """``sel4vspace_host_world_free_slots``: free cslots in the host vka."""
    return int(lib.sel4vspace_host_world_free_slots(world))


def world_loader_bytes(world: Any) -> int:
    """``sel4vspace_host_world_loader_bytes``: host bytes the sel4utils vspaces took from the loader."""
    return int(lib.sel4vspace_host_world_loader_bytes(world))


def vspace_new(world: Any, cell: Any, out: Any) -> None:
    """``sel4vspace_host_call_vspace_new``: OK with ``out.vspace`` (the ``host_vspace_t *``, also in
    ``cell``, a :func:`vspace_cell`), ``out.c_vspace`` (its ``vspace_t *``) and ``out.cap`` (the vspace
    root's cap); else CSpaceFullError / VSpaceError."""
    clear_c_error()
    lib.sel4vspace_host_call_vspace_new(world, cell, out)
    if out.status != OK:
        raise failure("sel4vspace_host_vspace_new", "could not create a vspace")


def vspace_root(host_vspace: Any) -> int:
    """``sel4vspace_host_vspace_root``: the cap of the vspace's root paging structure."""
    return int(lib.sel4vspace_host_vspace_root(host_vspace))


def tear_down(cell: Any, callers: list[int], shared: list[int], out: Any) -> None:
    """``sel4vspace_host_call_tear_down``: every page unmapped through the allocator (``callers``,
    the caller's frame caps, kept; the vspace's own frames freed after unmapping their copies in
    the vspaces where a frame's physical address is in ``shared``), then ``vspace_tear_down`` and
    the paging structures; the vspace of ``cell`` (a :func:`vspace_cell`), which is NULL from then on.
    VSpaceError if the host has no memory for the list of pages."""
    clear_c_error()
    lib.sel4vspace_host_call_tear_down(cell, callers, len(callers), shared, len(shared), out)
    if out.status != OK:
        raise failure("vspace_tear_down", "the host is out of memory")


def require_free_slots(world: Any, n: int) -> None:
    """CSpaceFullError when the host vka has fewer than ``n`` free cslots (a C read, nothing changed):
    every frame needs one, so an absurd ``n`` fails on cslots, not on host memory."""
    free_slots = int(lib.sel4vspace_host_world_free_slots(world))
    if n > free_slots:
        bits = int(lib.sel4sim_kernel_bootinfo(lib.sel4vspace_host_world_kernel(world)).initThreadCNodeSizeBits)
        raise cslots_short("sel4vspace_host_alloc_frame", bits, n, free_slots)


def frame_objects(n: int) -> Any:
    """A ``vka_object_t[n]`` for :func:`alloc_frames` to fill."""
    return ffi.new("vka_object_t[]", n)


def object_caps(objects: Any) -> list[int]:
    """The caps of a ``vka_object_t[]``, in order."""
    return memoryview(ffi.buffer(objects)).cast("Q")[::_OBJECT_WORDS].tolist()


def alloc_frames(world: Any, size_bits: int, objects: Any, out: Any) -> None:
    """``sel4vspace_host_call_alloc_frames``: one frame of ``2**size_bits`` bytes into each entry of
    ``objects`` (:func:`frame_objects`), all or none. CSpaceFullError when the cslots ran out;
    KernelError (``seL4_NotEnoughMemory``, naming the frame) when memory ran out."""
    n = len(objects)
    clear_c_error()
    lib.sel4vspace_host_call_alloc_frames(world, size_bits, n, objects, out)
    if out.status != OK:
        raise failure("sel4vspace_host_alloc_frame", f"frame {int(out.index) + 1} of {n}", _NOT_ENOUGH_MEMORY,
                      "allocation failed")


def copy_cap(world: Any, cap: int, rights: int, out: Any) -> int:
    """``sel4vspace_host_call_copy_cap``: a copy (a mint with the rights word ``rights``) of
    ``cap`` in a fresh slot; its cap. CSpaceFullError / KernelError (``seL4_NotEnoughMemory``)."""
    clear_c_error()
    lib.sel4vspace_host_call_copy_cap(world, cap, rights, out)
    if out.status != OK:
        raise failure("seL4_CNode_Mint", error=_NOT_ENOUGH_MEMORY, fallback="copy failed")
    return int(out.cap)


def delete_frame(world: Any, family: list[int], obj: Any, shared: bool, out: Any) -> None:
    """``sel4vspace_host_call_delete_frame``: delete the caps of ``family`` (an original's first,
    then its copies) after unmapping them through their vspaces (and, ``shared``, the copies
    share_mem made); an original's frame ``obj`` (a ``vka_object_t *``, None for a copy) goes back
    to the untyped allocator. KernelError with the kernel's error."""
    clear_c_error()
    lib.sel4vspace_host_call_delete_frame(world, family, len(family), ffi.NULL if obj is None else obj, shared, out)
    if out.status != OK:
        raise failure("seL4_CNode_Revoke" if obj is not None else "seL4_CNode_Delete", error=int(out.result),
                      fallback="the deletion failed")


# ---- one vspace ----

def reserve(host_vspace: Any, vaddr: int, size: int, rights: int, cacheable: bool, deferred: int, out: Any,
            function: str) -> None:
    """``sel4vspace_host_call_reserve``: ``vspace_reserve_range_at`` with the rights word ``rights``
    (deferred: ``vspace_reserve_deferred_rights_range_at``, ``function``); the ``sel4utils_res_t *``
    is ``out.res`` (read by the caller once it has seen ``OK``: a cdata field read makes an object).
    CSpaceFullError / VSpaceError when the allocator refuses."""
    if _call_reserve(host_vspace, vaddr, size, rights, cacheable, deferred, out):
        raise failure(function)


def reserve_aligned(host_vspace: Any, size: int, size_bits: int, rights: int, cacheable: bool, out: Any) -> Any:
    """``sel4vspace_host_call_reserve_aligned`` (``vspace_reserve_range_aligned``): the
    ``sel4utils_res_t *``, starting at ``out.vaddr``; VSpaceError when no range is free."""
    if lib.sel4vspace_host_call_reserve_aligned(host_vspace, size, size_bits, rights, cacheable, out):
        raise failure("vspace_reserve_range_aligned")
    return out.res


def free_reservation(host_vspace: Any, res: Any, probe: Any, out: Any) -> None:
    """``sel4vspace_host_call_free_reservation`` (``vspace_free_reservation``), refused with
    VSpaceError naming the mapped pages (up to :data:`PROBE_ENTRIES` of them, into ``probe``) while
    pages in the range are mapped."""
    status = _call_free_reservation(host_vspace, res, probe, PROBE_ENTRIES, out)
    if not status:
        return
    if status != REFUSED:
        raise failure("vspace_free_reservation")
    mapped = int(out.index)
    listed = [int(probe[i].vaddr) for i in range(min(mapped, PROBE_ENTRIES))]
    raise pages_still_mapped(int(res.start), int(res.end), mapped, listed)


def map(host_vspace: Any, c_caps: Any, c_cookies: Any, count: int, vaddr: int, size_bits: int, rights: int,
        deferred: int, res: Any, out: Any, function: str) -> None:
    """``sel4vspace_host_call_map``: check the ``count`` frame caps ``c_caps`` (a ``seL4_CPtr[]``, or
    what :func:`sel4vspace.lowlevel.vspace.caps_argument` passes on; ``sel4sim_check_frame_caps``:
    unmapped frames of ``2**size_bits`` bytes), then ``vspace_map_pages_at_vaddr`` (deferred:
    ``vspace_deferred_rights_map_pages_at_vaddr`` with the rights word ``rights``) at ``vaddr`` in
    ``res``; all or nothing. StaleObjectError / ValueError naming the cap the check refused;
    CSpaceFullError / VSpaceError (``function``) when the allocator refuses."""
    try:
        status = _call_map(host_vspace, c_caps, c_cookies, count, vaddr, size_bits, rights, deferred, res, out)
    except OverflowError:
        raise _check.word_overflow("caps", c_caps) from None   # cffi converting a list: the C did not run
    if not status:
        return
    if status == REFUSED:
        raise frame_refused(c_caps, int(out.check), int(out.index))
    raise failure(function, f"returned {int(out.result)}")


def map_pages(host_vspace: Any, c_caps: Any, c_cookies: Any, count: int, size_bits: int, rights: int,
              cacheable: bool, out: Any) -> int:
    """``sel4vspace_host_call_map_pages``: check the frame caps, then ``vspace_map_pages`` anywhere;
    the start address. Errors as :func:`map`."""
    try:
        status = lib.sel4vspace_host_call_map_pages(host_vspace, c_caps, c_cookies, count, size_bits, rights,
                                                    cacheable, out)
    except OverflowError:
        raise _check.word_overflow("caps", c_caps) from None   # cffi converting a list: the C did not run
    if status == REFUSED:
        raise frame_refused(c_caps, int(out.check), int(out.index))
    if status:
        raise failure("vspace_map_pages")
    return int(out.vaddr)


def new_pages(host_vspace: Any, rights: int, n: int, size_bits: int, out: Any) -> int:
    """``sel4vspace_host_call_new_pages`` (``vspace_new_pages``): the start address of ``n`` new
    frames of ``2**size_bits`` bytes mapped with the rights word ``rights``. CSpaceFullError /
    VSpaceError (the frames it made are freed)."""
    lib.sel4vspace_host_call_new_pages(host_vspace, rights, n, size_bits, out)
    if out.status != OK:
        raise failure("vspace_new_pages")
    return int(out.vaddr)


def new_pages_at(host_vspace: Any, vaddr: int, n: int, size_bits: int, res: Any, out: Any) -> None:
    """``sel4vspace_host_call_new_pages_at`` (``vspace_new_pages_at_vaddr`` in ``res``).
    CSpaceFullError / VSpaceError (the frames it made are freed)."""
    lib.sel4vspace_host_call_new_pages_at(host_vspace, vaddr, n, size_bits, res, out)
    if out.status != OK:
        raise failure("vspace_new_pages_at_vaddr", f"returned {int(out.result)}")


def share(from_vspace: Any, to_vspace: Any, start: int, n: int, size_bits: int, vaddr: int, res: Any,
          out: Any) -> None:
    """``sel4vspace_host_call_share`` (``vspace_share_mem_at_vaddr``): the ``n`` pages at ``start``
    mapped into ``to_vspace`` at ``vaddr`` in ``res``, as copies of their caps. CSpaceFullError (no
    cslot for a copy) / VSpaceError."""
    lib.sel4vspace_host_call_share(from_vspace, to_vspace, start, n, size_bits, vaddr, res, out)
    if out.status != OK:
        raise failure("vspace_share_mem_at_vaddr", f"returned {int(out.result)}")


def unmap(host_vspace: Any, vaddr: int, n: int, size_bits: int, out: Any) -> None:
    """``sel4vspace_host_call_unmap``: check every page is mapped with the size, then
    ``vspace_unmap_pages`` with ``VSPACE_PRESERVE``. VSpaceError naming the first page not mapped
    (nothing done), or when the allocator fails."""
    status = _call_unmap(host_vspace, vaddr, n, size_bits, _PRESERVE, out)
    if status == REFUSED:
        raise page_refused("vspace_unmap_pages", vaddr, size_bits, int(out.check), int(out.index))
    if status:
        raise failure("vspace_unmap_pages")


def unmap_mixed(host_vspace: Any, vaddr: int, n: int, size_bits: int, kinds: bytes, free: bool,
                shared: list[int], out: Any) -> None:
    """``sel4vspace_host_call_unmap_mixed``: ``vspace_unmap_pages`` page by page as ``kinds`` (one
    of :data:`PAGE_CALLERS`, :data:`PAGE_COPY`, :data:`PAGE_OWN` a page) says, freeing the vspace's
    own frames with ``free`` (after unmapping their copies where a frame's physical address is in
    ``shared``). Errors as :func:`unmap`."""
    lib.sel4vspace_host_call_unmap_mixed(host_vspace, vaddr, n, size_bits, ffi.from_buffer("uint8_t[]", kinds), free,
                                         shared, len(shared), out)
    status = out.status
    if status == REFUSED:
        raise page_refused("vspace_unmap_pages", vaddr, size_bits, int(out.check), int(out.index))
    if status != OK:
        raise failure("vspace_unmap_pages")


def check_mapped(kernel: Any, root: int, vaddr: int, n: int, size_bits: int, function: str) -> None:
    """``sel4vspace_host_check_mapped``: VSpaceError (``function``) naming the first of the ``n``
    pages from ``vaddr`` that is not mapped with ``2**size_bits`` bytes in the vspace of ``root``."""
    bad = ffi.new("size_t *")
    reason = lib.sel4vspace_host_check_mapped(kernel, root, vaddr, n, size_bits, bad)
    if reason != _RANGE_MAPPED:
        raise page_refused(function, vaddr, size_bits, reason, int(bad[0]))


def range_entries(c_vspace: Any, vaddr: int, count: int, size_bits: int) -> tuple[list[int], list[int]]:
    """``sel4vspace_host_range_entries``: the caps and cookies the allocator recorded for ``count``
    pages from ``vaddr``."""
    caps = _new_uncleared("seL4_CPtr[]", count)
    cookies = _new_uncleared("uintptr_t[]", count)
    lib.sel4vspace_host_range_entries(c_vspace, vaddr, count, size_bits, caps, cookies)
    return ffi.unpack(caps, count), ffi.unpack(cookies, count)


# ---- a reservation's fields (sel4utils_res_t) ----

def reservation_bounds(res: Any) -> tuple[int, int]:
    """``(start, end)`` of a ``sel4utils_res_t *``, in bytes."""
    return int(res.start), int(res.end)


def reservation_rights(res: Any) -> tuple[bool, int, bool]:
    """``(rights_deferred, the seL4_CapRights_t word, cacheable)`` of a ``sel4utils_res_t *``."""
    return bool(res.rights_deferred), int(res.rights.words[0]), bool(res.cacheable)


def reservation_t(res: Any) -> Any:
    """A ``reservation_t`` holding ``res``, for the ``vspace_*`` calls."""
    return ffi.new("reservation_t *", {"res": res})[0]
