# SPDX-License-Identifier: BSD-2-Clause
"""Every refusal of the C library logs an error line that names the function that was called.

A developer reading "X: ..." after calling Y is sent the wrong way. For each vspace.h operation,
its refusals (in the wrapper and in the sel4utils implementation) are driven straight through C,
and the last line the call logged at warning level or worse (upstream's wrappers refuse some
calls with a warning) must name the operation:
the C function that logged it or its message holds ``<op>``, ``vspace_<op>`` or ``sel4utils_<op>``
as a whole identifier, and names no other operation in its place. The wording is free."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from hostworld import PAGE, RW, World, vptr
from sel4vspace.lowlevel import VSPACE_FUNCTION_FIELDS, ffi, lib

BASE = 0x4000_0000
OPERATIONS = set(VSPACE_FUNCTION_FIELDS)


@pytest.fixture
def w() -> Iterator[SimpleNamespace]:
    world = World()
    v, other = world.new_vspace(), world.new_vspace()
    res = v.reserve_at(BASE, 4 * PAGE)
    deferred = v.reserve_deferred(BASE + 0x10_0000, 4 * PAGE)
    foreign = other.reserve_at(BASE, 4 * PAGE)
    mapped = world.frame()
    assert v.map_at([mapped.cptr], BASE, res) == 0
    source = other.new_pages(2)
    yield SimpleNamespace(world=world, v=v, other=other, res=res, deferred=deferred, foreign=foreign,
                          mapped=mapped, source=source)
    world.destroy()


def caps(*values: int) -> Any:
    return ffi.new("seL4_CPtr[]", list(values))


def frame(w: SimpleNamespace) -> int:
    return w.world.frame().cptr


NULL_RES = ffi.new("reservation_t *")[0]

# (operation, what is wrong, the call): the call must be refused.
REFUSALS: list[tuple[str, str, Callable[[SimpleNamespace], Any]]] = [
    ("map_pages_at_vaddr", "outside its reservation",
     lambda w: lib.vspace_map_pages_at_vaddr(w.v.vs, caps(frame(w)), ffi.NULL, vptr(BASE + 8 * PAGE), 1, 12, w.res)),
    ("map_pages_at_vaddr", "a page already mapped",
     lambda w: lib.vspace_map_pages_at_vaddr(w.v.vs, caps(frame(w)), ffi.NULL, vptr(BASE), 1, 12, w.res)),
    ("map_pages_at_vaddr", "another vspace's reservation",
     lambda w: lib.vspace_map_pages_at_vaddr(w.v.vs, caps(frame(w)), ffi.NULL, vptr(BASE + PAGE), 1, 12, w.foreign)),
    ("map_pages_at_vaddr", "no reservation",
     lambda w: lib.vspace_map_pages_at_vaddr(w.v.vs, caps(frame(w)), ffi.NULL, vptr(BASE + PAGE), 1, 12, NULL_RES)),
    ("map_pages_at_vaddr", "a deferred reservation",
     lambda w: lib.vspace_map_pages_at_vaddr(w.v.vs, caps(frame(w)), ffi.NULL, vptr(BASE + 0x10_0000), 1, 12,
                                             w.deferred)),
    ("map_pages_at_vaddr", "not a frame cap",
     lambda w: lib.vspace_map_pages_at_vaddr(w.v.vs, caps(1), ffi.NULL, vptr(BASE + PAGE), 1, 12, w.res)),
    ("map_pages_at_vaddr", "zero pages",
     lambda w: lib.vspace_map_pages_at_vaddr(w.v.vs, caps(frame(w)), ffi.NULL, vptr(BASE + PAGE), 0, 12, w.res)),
    ("deferred_rights_map_pages_at_vaddr", "outside its reservation",
     lambda w: lib.vspace_deferred_rights_map_pages_at_vaddr(w.v.vs, caps(frame(w)), ffi.NULL,
                                                             vptr(BASE + 0x10_0000 + 8 * PAGE), 1, 12, RW, w.deferred)),
    ("deferred_rights_map_pages_at_vaddr", "another vspace's reservation",
     lambda w: lib.vspace_deferred_rights_map_pages_at_vaddr(w.v.vs, caps(frame(w)), ffi.NULL, vptr(BASE + PAGE), 1,
                                                             12, RW, w.foreign)),
    ("deferred_rights_map_pages_at_vaddr", "not a frame cap",
     lambda w: lib.vspace_deferred_rights_map_pages_at_vaddr(w.v.vs, caps(1), ffi.NULL, vptr(BASE + 0x10_0000), 1, 12,
                                                             RW, w.deferred)),
    ("deferred_rights_map_pages_at_vaddr", "zero pages",
     lambda w: lib.vspace_deferred_rights_map_pages_at_vaddr(w.v.vs, caps(frame(w)), ffi.NULL,
                                                             vptr(BASE + 0x10_0000), 0, 12, RW, w.deferred)),
    ("new_pages_at_vaddr", "outside its reservation",
     lambda w: lib.vspace_new_pages_at_vaddr(w.v.vs, vptr(BASE + 8 * PAGE), 1, 12, w.res)),
    ("new_pages_at_vaddr", "a page already mapped",
     lambda w: lib.vspace_new_pages_at_vaddr(w.v.vs, vptr(BASE), 1, 12, w.res)),
    ("new_pages_at_vaddr", "a deferred reservation",
     lambda w: lib.vspace_new_pages_at_vaddr(w.v.vs, vptr(BASE + 0x10_0000), 1, 12, w.deferred)),
    ("new_pages_at_vaddr", "zero pages",
     lambda w: lib.vspace_new_pages_at_vaddr(w.v.vs, vptr(BASE + PAGE), 0, 12, w.res)),
    ("new_pages", "not a frame size", lambda w: lib.vspace_new_pages(w.v.vs, RW, 1, 13)),
    ("new_pages", "zero pages", lambda w: lib.vspace_new_pages(w.v.vs, RW, 0, 12)),
    ("map_pages", "not a frame cap", lambda w: lib.vspace_map_pages(w.v.vs, caps(1), ffi.NULL, RW, 1, 12, 1)),
    ("map_pages", "zero pages", lambda w: lib.vspace_map_pages(w.v.vs, caps(frame(w)), ffi.NULL, RW, 0, 12, 1)),
    ("unmap_pages", "zero pages", lambda w: lib.vspace_unmap_pages(w.v.vs, vptr(BASE), 0, 12, ffi.NULL)),
    ("unmap_pages", "no address", lambda w: lib.vspace_unmap_pages(w.v.vs, ffi.NULL, 1, 12, ffi.NULL)),
    ("reserve_range_at", "over a reservation",
     lambda w: lib.vspace_reserve_range_at(w.v.vs, vptr(BASE + PAGE), PAGE, RW, 1)),
    ("reserve_range_at", "no bytes", lambda w: lib.vspace_reserve_range_at(w.v.vs, vptr(BASE + 0x20_0000), 0, RW, 1)),
    ("reserve_deferred_rights_range_at", "over a reservation",
     lambda w: lib.vspace_reserve_deferred_rights_range_at(w.v.vs, vptr(BASE + PAGE), PAGE, 1)),
    ("reserve_range_aligned", "more than the address space",
     lambda w: lib.vspace_reserve_range_aligned(w.v.vs, 1 << 50, 12, RW, 1, ffi.new("void **"))),
    ("reserve_range_aligned", "no bytes",
     lambda w: lib.vspace_reserve_range_aligned(w.v.vs, 0, 12, RW, 1, ffi.new("void **"))),
    ("free_reservation", "another vspace's reservation", lambda w: lib.vspace_free_reservation(w.v.vs, w.foreign)),
    ("free_reservation_by_vaddr", "no reservation there",
     lambda w: lib.vspace_free_reservation_by_vaddr(w.v.vs, vptr(BASE + 0x40_0000))),
    ("share_mem_at_vaddr", "nothing mapped at the source",
     lambda w: lib.vspace_share_mem_at_vaddr(w.other.vs, w.v.vs, vptr(BASE + 0x80_0000), 1, 12, vptr(BASE + PAGE),
                                             w.res)),
    ("share_mem_at_vaddr", "outside the target reservation",
     lambda w: lib.vspace_share_mem_at_vaddr(w.other.vs, w.v.vs, vptr(w.source), 1, 12, vptr(BASE + 8 * PAGE),
                                             w.res)),
    # (upstream's wrapper refuses zero pages to share without a word: vendor keeps that)
    ("share_mem_at_vaddr", "a negative page count",
     lambda w: lib.vspace_share_mem_at_vaddr(w.other.vs, w.v.vs, vptr(w.source), -1, 12, vptr(BASE + PAGE), w.res)),
    ("share_mem_at_vaddr", "no target vspace",
     lambda w: lib.vspace_share_mem_at_vaddr(w.other.vs, ffi.NULL, vptr(w.source), 1, 12, vptr(BASE + PAGE), w.res)),
    ("get_cap", "no vspace", lambda w: lib.vspace_get_cap(ffi.NULL, vptr(BASE))),
    ("get_cookie", "no vspace", lambda w: lib.vspace_get_cookie(ffi.NULL, vptr(BASE))),
    ("get_root", "no vspace", lambda w: lib.vspace_get_root(ffi.NULL)),
    ("tear_down", "no vspace", lambda w: lib.vspace_tear_down(ffi.NULL, ffi.NULL)),
]


def names(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))


def named_operations(identifiers: set[str]) -> set[str]:
    """The vspace operations the identifiers name (bare, vspace_ or sel4utils_ prefixed)."""
    found = set()
    for identifier in identifiers:
        for prefix in ("", "vspace_", "sel4utils_"):
            if identifier.startswith(prefix) and identifier[len(prefix):] in OPERATIONS:
                found.add(identifier[len(prefix):])
    return found


def test_every_operation_has_refusals_in_the_catalogue():
    covered = {op for op, _, _ in REFUSALS}
    # allocated_object has nothing to refuse: with no callback it does nothing, by design
    assert covered == OPERATIONS - {"allocated_object"}


def cases() -> list[Any]:
    return [pytest.param(operation, what, call, id=f"{operation}: {what}") for operation, what, call in REFUSALS]


@pytest.mark.parametrize("operation, what, call", cases())
def test_the_error_line_of_a_refusal_names_the_function_called(w, c_log, operation, what, call):
    w.world.select()
    c_log.clear()
    call(w)
    lines = [r for r in c_log.records if r.levelno >= logging.WARNING]
    assert lines, f"vspace_{operation} refused ({what}) without a line"
    record = lines[-1]
    identifiers = names(record.funcName) | names(record.getMessage())
    named = named_operations(identifiers)
    assert operation in named, (
        f"vspace_{operation} ({what}) logged {record.funcName}: {record.getMessage()!r}, which does not name it")
    # the message may mention another operation, but never in place of the one called
    message = record.getMessage()
    message_named = named_operations(names(message.split(":")[0])) if ":" in message else set()
    assert message_named <= {operation}, (
        f"vspace_{operation} ({what}) logged {message!r}, which names {sorted(message_named)} in its place")


def test_the_catalogue_refusals_are_refusals(w):
    """Each call above changes nothing: no mapping appears in either vspace."""
    before = (w.v.mappings(), w.other.mappings())
    for _, _, call in REFUSALS:
        w.world.select()
        call(w)
    assert (w.v.mappings(), w.other.mappings()) == before
