# SPDX-License-Identifier: BSD-2-Clause
"""The bad-input catalogue: every way a caller can get an argument wrong, through the public API.

Each case asserts the exact exception type (not a base class) and that nothing changed: every
vspace's mappings and reservations, the caller's caps and where they are mapped, untyped bytes
(the kernel's and the vka's), cslots (used and free), live objects and the allocator's
bookkeeping bytes. Python-side argument errors are TypeError/ValueError raised before any C
runs; what the C library or the kernel refuses is VSpaceError/KernelError; a freed or deleted
object is StaleObjectError.
"""

from __future__ import annotations

from array import array
from types import SimpleNamespace
from typing import Any, Callable

import pytest
from archfacts import kernel_slot, page_table_name
from ledger import kernel_ledger
from model_stats import STATS

from sel4vspace import CapRights, Kernel, KernelError, StaleObjectError, VSpaceError, _arches

PAGE = 4096
LARGE = 1 << 21
BASE = 0x1000_0000          # plain reservation, 8 pages, pages 0 and 1 mapped
DEFERRED = 0x2000_0000      # deferred reservation, 4 pages
ALIGNED = 0x4000_0000       # plain reservation of two 2 MiB pages
OTHER = 0x3000_0000         # the other vspace's reservation
CNODE_BITS = 12


@pytest.fixture
def w(sel4_arch):
    """A kernel of each arch the run tests (the plugin's sel4_arch) with one of everything a call
    can be given: live, freed, torn down, deleted, another vspace's."""
    kernel = Kernel(untyped_bits=23, cnode_bits=CNODE_BITS, arch=sel4_arch)
    vs = kernel.new_vspace("a")
    other = kernel.new_vspace("b")
    res = vs.reserve_range_at(BASE, 8 * PAGE, "rw")
    mapped = kernel.alloc_frames(2)
    vs.map_pages_at_vaddr(mapped, BASE, res)
    vs.write(BASE, b"keep me")
    deferred = vs.reserve_deferred_rights_range_at(DEFERRED, 4 * PAGE)
    aligned = vs.reserve_range_at(ALIGNED, 2 * LARGE, "rw")
    other_res = other.reserve_range_at(OTHER, 4 * PAGE, "rw")
    new_vaddr = vs.new_pages(1, "rw")
    torn = kernel.new_vspace("torn")
    torn_res = torn.reserve_range_at(BASE, PAGE, "rw")
    torn.tear_down()
    freed = vs.reserve_range_at(0x5000_0000, PAGE, "rw")
    freed.free()
    free_caps, large = kernel.alloc_frames(2), kernel.alloc_frame(21)
    deleted = kernel.alloc_frame()
    kernel.delete_cap(deleted)     # last: the vka hands the slot out again next
    empty_slot = (1 << CNODE_BITS) - 1
    with pytest.raises(KernelError):
        kernel.cap_info(empty_slot)
    untyped = int(_arches.binding(kernel.arch).package.lib.seL4_NumInitialCaps)   # the first untyped cap
    assert kernel.cap_info(untyped)["type"] == "seL4_UntypedObject"
    yield SimpleNamespace(kernel=kernel, vs=vs, other=other, res=res, mapped=mapped, deferred=deferred,
                          aligned=aligned, other_res=other_res, new_vaddr=new_vaddr, torn=torn, torn_res=torn_res,
                          freed=freed, deleted=deleted, empty_slot=empty_slot, untyped=untyped,
                          free_caps=free_caps, large=large)
    kernel.close()


def state(w: SimpleNamespace) -> tuple:
    """Everything a refused call must leave as it was."""
    k = w.kernel
    spaces = tuple((v.mappings(), [(r.start, r.end, r.rights, r.cacheable) for r in v.reservations()])
                   for v in (w.vs, w.other))
    caps = tuple((c, k.cap_info(c)["mapped_vaddr"], k.cap_info(c)["rights"]) for c in k.frame_caps())
    return spaces, caps, kernel_ledger(k), w.vs.read(BASE, 7), w.torn.torn_down, w.freed.freed


def _exhaust(w: SimpleNamespace, keep: int) -> None:
    """Allocate frames until fewer than keep + 4 KiB of untyped memory are left."""
    for size_bits in (21, 12):
        while w.kernel.untyped_free_bytes >= keep + (1 << size_bits):
            w.kernel.alloc_frames(1, size_bits)


CASES: list[tuple[str, Callable[[SimpleNamespace], Any], type]] = [
    # ---- wrong types ----
    ("vaddr as str", lambda w: w.vs.reserve_range_at("0x10000000", PAGE, "rw"), TypeError),
    ("vaddr as float", lambda w: w.vs.reserve_range_at(float(0x6000_0000), PAGE, "rw"), TypeError),
    ("vaddr as bool", lambda w: w.vs.reserve_range_at(False, PAGE, "rw"), TypeError),
    ("size as bool", lambda w: w.vs.reserve_range_at(0x6000_0000, True, "rw"), TypeError),
    ("rights as int", lambda w: w.vs.reserve_range_at(0x6000_0000, PAGE, 3), TypeError),
    ("cacheable as int", lambda w: w.vs.reserve_range_at(0x6000_0000, PAGE, "rw", 1), TypeError),
    ("caps as str", lambda w: w.vs.map_pages_at_vaddr("12", BASE + 2 * PAGE, w.res), TypeError),
    ("caps holding a float", lambda w: w.vs.map_pages_at_vaddr([1.0], BASE + 2 * PAGE, w.res), TypeError),
    ("caps holding a bool", lambda w: w.vs.map_pages_at_vaddr([True], BASE + 2 * PAGE, w.res), TypeError),
    ("caps as an int32 buffer", lambda w: w.vs.map_pages_at_vaddr(array("i", w.free_caps), BASE + 2 * PAGE, w.res),
     TypeError),
    ("reservation as None", lambda w: w.vs.map_pages_at_vaddr(w.free_caps, BASE + 2 * PAGE, None), TypeError),
    ("reservation as a start address",
     lambda w: w.vs.map_pages_at_vaddr(w.free_caps, BASE + 2 * PAGE, BASE), TypeError),
    ("size_bits as bool", lambda w: w.vs.map_pages_at_vaddr(w.free_caps, BASE + 2 * PAGE, w.res, True), TypeError),
    ("cookies as a dict", lambda w: w.vs.map_pages_at_vaddr(w.free_caps, BASE + 2 * PAGE, w.res, 12, {0: 1}),
     TypeError),
    ("free as int", lambda w: w.vs.unmap_pages(BASE, 1, 12, 1), TypeError),
    ("write data as str", lambda w: w.vs.write(BASE, "text"), TypeError),
    ("lookup vaddr as str", lambda w: w.vs.lookup("0"), TypeError),
    ("share target as a str", lambda w: w.vs.share_mem_at_vaddr("b", BASE, 1, OTHER, w.other_res), TypeError),
    ("copy_cap rights as int", lambda w: w.kernel.copy_cap(w.free_caps[0], 7), TypeError),
    ("alloc_frames n as bool", lambda w: w.kernel.alloc_frames(True), TypeError),
    ("delete_cap cap as str", lambda w: w.kernel.delete_cap(str(w.free_caps[0])), TypeError),
    ("CapRights read as int", lambda w: w.vs.reserve_range_at(0x6000_0000, PAGE, CapRights(read=1)), TypeError),
    # ---- negative and too-large integers ----
    ("negative vaddr", lambda w: w.vs.reserve_range_at(-PAGE, PAGE, "rw"), ValueError),
    ("vaddr of 2**64", lambda w: w.vs.reserve_range_at(2**64, PAGE, "rw"), ValueError),
    ("vaddr of 2**70", lambda w: w.vs.lookup(2**70), ValueError),
    ("zero size", lambda w: w.vs.reserve_range_at(0x6000_0000, 0, "rw"), ValueError),
    ("negative size", lambda w: w.vs.reserve_deferred_rights_range_at(0x6000_0000, -1), ValueError),
    ("negative cap", lambda w: w.vs.map_pages_at_vaddr([-1], BASE + 2 * PAGE, w.res), ValueError),
    ("cap of 2**64", lambda w: w.vs.map_pages_at_vaddr([2**64], BASE + 2 * PAGE, w.res), ValueError),
    ("negative cap after a good one, in a tuple",
     lambda w: w.vs.map_pages_at_vaddr((w.free_caps[0], -1), BASE + 2 * PAGE, w.res), ValueError),
    ("map_pages cap of 2**64", lambda w: w.vs.map_pages([w.free_caps[0], 2**64], "rw"), ValueError),
    ("cookie of 2**64",
     lambda w: w.vs.map_pages_at_vaddr(w.free_caps[:1], BASE + 2 * PAGE, w.res, 12, [2**64]), ValueError),
    ("new_pages count of 2**64", lambda w: w.vs.new_pages(2**64, "rw"), ValueError),
    ("negative read length", lambda w: w.vs.read(BASE, -1), ValueError),
    ("get_cap of 2**64", lambda w: w.vs.get_cap(2**64), ValueError),
    ("zero frames", lambda w: w.kernel.alloc_frames(0), ValueError),
    ("negative cap to copy", lambda w: w.kernel.copy_cap(-3), ValueError),
    # ---- ranges wrapping past 2**64 ----
    ("reservation wrapping", lambda w: w.vs.reserve_range_at(2**64 - PAGE, 2 * PAGE, "rw"), ValueError),
    ("map wrapping", lambda w: w.vs.map_pages_at_vaddr(w.free_caps, 2**64 - PAGE, w.res), ValueError),
    ("unmap wrapping", lambda w: w.vs.unmap_pages(2**64 - PAGE, 2), ValueError),
    ("read wrapping", lambda w: w.vs.read(2**64 - 8, 16), ValueError),
    ("write wrapping", lambda w: w.vs.write(2**64 - 2, b"four"), ValueError),
    ("share wrapping", lambda w: w.vs.share_mem_at_vaddr(w.other, 2**64 - PAGE, 2, OTHER, w.other_res), ValueError),
    # ---- misaligned addresses ----
    ("reservation misaligned", lambda w: w.vs.reserve_range_at(0x6000_0001, PAGE, "rw"), ValueError),
    ("map misaligned", lambda w: w.vs.map_pages_at_vaddr(w.free_caps, BASE + 2 * PAGE + 8, w.res), ValueError),
    ("2 MiB map on a 4 KiB boundary", lambda w: w.vs.map_pages_at_vaddr([w.large], ALIGNED + PAGE, w.aligned, 21),
     ValueError),
    ("unmap misaligned", lambda w: w.vs.unmap_pages(BASE + 5, 1), ValueError),
    ("share target misaligned", lambda w: w.vs.share_mem_at_vaddr(w.other, BASE, 1, OTHER + 12, w.other_res),
     ValueError),
    # ---- size_bits that is not a frame size ----
    ("map size_bits 13", lambda w: w.vs.map_pages_at_vaddr(w.free_caps, BASE + 2 * PAGE, w.res, 13), ValueError),
    ("new_pages size_bits 16", lambda w: w.vs.new_pages(1, "rw", 16), ValueError),
    ("reserve_range_aligned size_bits 64", lambda w: w.vs.reserve_range_aligned(PAGE, 64, "rw"), ValueError),
    ("reserve_range_aligned size_bits 13", lambda w: w.vs.reserve_range_aligned(PAGE, 13, "rw"), ValueError),
    ("alloc_frame size_bits 20", lambda w: w.kernel.alloc_frame(20), ValueError),
    ("unmap size_bits 0", lambda w: w.vs.unmap_pages(BASE, 1, 0), ValueError),
    # ---- zero pages ----
    ("map no caps", lambda w: w.vs.map_pages_at_vaddr([], BASE + 2 * PAGE, w.res), ValueError),
    ("map_pages no caps", lambda w: w.vs.map_pages([], "rw"), ValueError),
    ("new_pages zero", lambda w: w.vs.new_pages(0, "rw"), ValueError),
    ("new_pages_at_vaddr zero", lambda w: w.vs.new_pages_at_vaddr(BASE + 2 * PAGE, 0, w.res), ValueError),
    ("unmap zero pages", lambda w: w.vs.unmap_pages(BASE, 0), ValueError),
    ("share zero pages", lambda w: w.vs.share_mem_at_vaddr(w.other, BASE, 0, OTHER, w.other_res), ValueError),
    ("cookies of another length",
     lambda w: w.vs.map_pages_at_vaddr(w.free_caps, BASE + 2 * PAGE, w.res, 12, [1]), ValueError),
    # ---- caps that are not frames, or the wrong frame, or mapped ----
    ("the vspace root as a frame", lambda w: w.vs.map_pages_at_vaddr([w.vs.root], BASE + 2 * PAGE, w.res),
     ValueError),
    ("an untyped as a frame", lambda w: w.vs.map_pages_at_vaddr([w.untyped], BASE + 2 * PAGE, w.res), ValueError),
    ("an empty slot as a frame", lambda w: w.vs.map_pages_at_vaddr([w.empty_slot], BASE + 2 * PAGE, w.res),
     StaleObjectError),
    ("a deleted cap", lambda w: w.vs.map_pages([w.deleted], "rw"), StaleObjectError),
    ("a 2 MiB frame as 4 KiB", lambda w: w.vs.map_pages_at_vaddr([w.large], BASE + 2 * PAGE, w.res), ValueError),
    ("a 4 KiB frame as 2 MiB", lambda w: w.vs.map_pages_at_vaddr(w.free_caps[:1], ALIGNED, w.aligned, 21),
     ValueError),
    ("an already mapped cap", lambda w: w.vs.map_pages_at_vaddr(w.mapped[:1], BASE + 2 * PAGE, w.res), ValueError),
    ("a mapped cap among free ones",
     lambda w: w.vs.map_pages([w.free_caps[0], w.mapped[1], w.free_caps[1]], "rw"), ValueError),
    ("one cap twice in a call", lambda w: w.vs.map_pages_at_vaddr([w.free_caps[0]] * 2, BASE + 2 * PAGE, w.res),
     ValueError),
    ("one cap twice in map_pages", lambda w: w.vs.map_pages([w.free_caps[0]] * 2, "r"), ValueError),
    ("copy of a deleted cap", lambda w: w.kernel.copy_cap(w.deleted), StaleObjectError),
    ("copy of a vspace's own frame", lambda w: w.kernel.copy_cap(w.vs.get_cap(w.new_vaddr)), StaleObjectError),
    # ---- double map ----
    ("map over a mapped page", lambda w: w.vs.map_pages_at_vaddr(w.free_caps[:1], BASE + PAGE, w.res), VSpaceError),
    ("map a run reaching a mapped page",
     lambda w: w.vs.map_pages_at_vaddr(w.free_caps, BASE + PAGE, w.res), VSpaceError),
    ("new pages over a mapped page", lambda w: w.vs.new_pages_at_vaddr(BASE, 2, w.res), VSpaceError),
    ("map past the reservation's end",
     lambda w: w.vs.map_pages_at_vaddr(w.free_caps, BASE + 7 * PAGE, w.res), VSpaceError),
    ("map outside any reservation", lambda w: w.vs.map_pages_at_vaddr(w.free_caps, 0x6000_0000, w.res), VSpaceError),
    # ---- unmapping what is not mapped ----
    ("unmap a reserved page", lambda w: w.vs.unmap_pages(BASE + 4 * PAGE, 1), VSpaceError),
    ("unmap a never reserved page", lambda w: w.vs.unmap_pages(0x6000_0000, 1), VSpaceError),
    ("unmap a run with a hole", lambda w: w.vs.unmap_pages(BASE, 3), VSpaceError),
    ("unmap 4 KiB pages as 2 MiB", lambda w: w.vs.unmap_pages(BASE, 1, 21), VSpaceError),
    ("unmap free=True of the caller's frame", lambda w: w.vs.unmap_pages(BASE, 1, free=True), ValueError),
    ("share a page that is not mapped",
     lambda w: w.vs.share_mem_at_vaddr(w.other, BASE + 3 * PAGE, 1, OTHER, w.other_res), VSpaceError),
    # ---- freeing twice, freeing what is in use ----
    ("free a reservation twice", lambda w: w.vs.free_reservation(w.freed), StaleObjectError),
    ("free a freed reservation by itself", lambda w: w.freed.free(), StaleObjectError),
    ("free by vaddr where nothing is reserved", lambda w: w.vs.free_reservation_by_vaddr(0x6000_0000), VSpaceError),
    ("free a reservation with pages mapped", lambda w: w.res.free(), VSpaceError),
    ("free another vspace's reservation", lambda w: w.vs.free_reservation(w.other_res), ValueError),
    ("delete a cap twice", lambda w: w.kernel.delete_cap(w.deleted), StaleObjectError),
    ("tear down twice", lambda w: w.torn.tear_down(), StaleObjectError),
    # ---- overlapping reservations ----
    ("reserve over a reservation", lambda w: w.vs.reserve_range_at(BASE + 4 * PAGE, 8 * PAGE, "rw"), VSpaceError),
    ("reserve deferred over a reservation",
     lambda w: w.vs.reserve_deferred_rights_range_at(DEFERRED - PAGE, 2 * PAGE), VSpaceError),
    ("reserve over new pages", lambda w: w.vs.reserve_range_at(w.new_vaddr, PAGE, "rw"), VSpaceError),
    # ---- the kernel's window ----
    ("reserve across seL4_UserTop", lambda w: w.vs.reserve_range_at(w.kernel.user_top - PAGE, 2 * PAGE, "rw"), ValueError),
    ("reserve in the kernel half", lambda w: w.vs.reserve_range_at(0xFFFF_8000_0000_0000, PAGE, "rw"), ValueError),
    ("reserve in sel4utils' top slot", lambda w: w.vs.reserve_range_at(kernel_slot(w.kernel.arch), PAGE, "rw"), VSpaceError),
    ("map in the kernel half",
     lambda w: w.vs.map_pages_at_vaddr(w.free_caps, 0xFFFF_8000_0000_0000, w.res), ValueError),
    ("unmap in the kernel half", lambda w: w.vs.unmap_pages(0xFFFF_FFFF_8000_0000, 1), ValueError),
    # ---- stale and foreign objects ----
    ("another vspace's reservation", lambda w: w.vs.map_pages_at_vaddr(w.free_caps, OTHER, w.other_res), ValueError),
    ("a freed reservation", lambda w: w.vs.map_pages_at_vaddr(w.free_caps, 0x5000_0000, w.freed), StaleObjectError),
    ("a torn-down vspace", lambda w: w.torn.reserve_range_at(0x6000_0000, PAGE, "rw"), StaleObjectError),
    ("a torn-down vspace's reservation",
     lambda w: w.vs.share_mem_at_vaddr(w.torn, BASE, 1, BASE, w.torn_res), StaleObjectError),
    ("read a torn-down vspace", lambda w: w.torn.read(BASE, 1), StaleObjectError),
    # ---- addresses of 2**64, even for nothing: one rule and one message on every entry point ----
    ("read of 0 bytes at 2**64", lambda w: w.vs.read(2**64, 0), ValueError),
    ("write of no bytes at 2**64", lambda w: w.vs.write(2**64, b""), ValueError),
    ("read_into an empty bytearray at 2**64", lambda w: w.vs.read_into(2**64, bytearray()), ValueError),
    ("read_into an empty memoryview at 2**64", lambda w: w.vs.read_into(2**64, memoryview(bytearray())),
     ValueError),
    # ---- buffers ----
    ("write data as an int", lambda w: w.vs.write(BASE, 7), TypeError),
    ("read_into a str", lambda w: w.vs.read_into(BASE, "text"), TypeError),
    ("read_into bytes (read-only)", lambda w: w.vs.read_into(BASE, b"fixed"), TypeError),
    ("read_into a strided memoryview", lambda w: w.vs.read_into(BASE, memoryview(bytearray(8))[::2]), ValueError),
    ("caps as a strided uint64 buffer",
     lambda w: w.vs.map_pages_at_vaddr(memoryview(array("Q", w.free_caps * 2))[::2], BASE + 2 * PAGE, w.res),
     ValueError),
    ("caps as a 2-D uint64 buffer",
     lambda w: w.vs.map_pages(memoryview(array("Q", w.free_caps * 2)).cast("B").cast("Q", (2, 2)), "rw"),
     TypeError),
    ("new_vspace name as an int", lambda w: w.kernel.new_vspace(123), TypeError),
    ("new_vspace name as bytes", lambda w: w.kernel.new_vspace(b"name"), TypeError),
    ("new_vspace name with a NUL", lambda w: w.kernel.new_vspace("a\0b"), ValueError),
    # ---- deferred rights ----
    ("plain map into a deferred reservation",
     lambda w: w.vs.map_pages_at_vaddr(w.free_caps, DEFERRED, w.deferred), VSpaceError),
    ("deferred map into a plain reservation",
     lambda w: w.vs.deferred_rights_map_pages_at_vaddr(w.free_caps, BASE + 2 * PAGE, "r", w.res), VSpaceError),
    ("new pages into a deferred reservation", lambda w: w.vs.new_pages_at_vaddr(DEFERRED, 1, w.deferred),
     VSpaceError),
    ("share into a deferred reservation", lambda w: w.vs.share_mem_at_vaddr(w.vs, BASE, 1, DEFERRED, w.deferred),
     VSpaceError),
    ("a cap twice in one deferred map",
     lambda w: w.vs.deferred_rights_map_pages_at_vaddr([*w.free_caps, w.free_caps[0]], DEFERRED, "rw", w.deferred),
     ValueError),
    ("deferred rights as a number",
     lambda w: w.vs.deferred_rights_map_pages_at_vaddr(w.free_caps, DEFERRED, 3, w.deferred), TypeError),
    ("deferred rights as an unknown word",
     lambda w: w.vs.deferred_rights_map_pages_at_vaddr(w.free_caps, DEFERRED, "execute", w.deferred), ValueError),
]


@pytest.mark.parametrize("call,error", [pytest.param(c, e, id=name) for name, c, e in CASES])
def test_bad_input_is_refused_with_its_exact_type_and_changes_nothing(w, call, error):
    before = state(w)
    with pytest.raises(Exception) as info:
        call(w)
    assert type(info.value) is error, f"{type(info.value).__name__}: {info.value}"
    assert state(w) == before
    STATS["bad inputs"] += 1


# Several arguments wrong at once: the error names the first in the order the checks take them
# (the address and size, then rights, then cacheable; the reservation, then rights, then the caps),
# whether the call could have been a hot one (exact types) or not.
FIRST_OF_SEVERAL: list[tuple[str, Callable[[SimpleNamespace], Any], type, str]] = [
    ("vaddr and rights", lambda w: w.vs.reserve_range_at(-PAGE, PAGE, 3), ValueError, "vaddr"),
    ("size and rights", lambda w: w.vs.reserve_range_at(0x6000_0000, 0, "execute"), ValueError, "size"),
    ("a freed reservation and caps", lambda w: w.vs.map_pages_at_vaddr("12", BASE + 2 * PAGE, w.freed),
     StaleObjectError, "freed"),
    ("another vspace's reservation and caps", lambda w: w.vs.map_pages_at_vaddr([1.0], OTHER, w.other_res),
     ValueError, "another vspace"),
    ("a freed reservation and rights",
     lambda w: w.vs.deferred_rights_map_pages_at_vaddr(w.free_caps, DEFERRED, 3, w.freed), StaleObjectError, "freed"),
    ("rights and caps", lambda w: w.vs.deferred_rights_map_pages_at_vaddr("12", DEFERRED, 3, w.deferred), TypeError,
     "rights"),
]


@pytest.mark.parametrize("call,error,named", [pytest.param(c, e, n, id=name) for name, c, e, n in FIRST_OF_SEVERAL])
def test_of_several_bad_arguments_the_first_checked_is_named(w, call, error, named):
    before = state(w)
    with pytest.raises(error, match=named):
        call(w)
    assert state(w) == before


def test_the_catalogue_is_long_enough():
    assert len(CASES) >= 40
    assert len({name for name, _, _ in CASES}) == len(CASES)


# ---- running out of untyped memory in the middle of a batch: all or nothing ----

def test_alloc_frames_running_out_part_way_gives_everything_back(w):
    _exhaust(w, 3 * PAGE)
    before = state(w)
    with pytest.raises(KernelError) as info:
        w.kernel.alloc_frames(8)
    assert info.value.error_name == "seL4_NotEnoughMemory"
    assert state(w) == before
    STATS["bad inputs"] += 1


def test_new_pages_running_out_part_way_gives_everything_back(w):
    vs = w.kernel.new_vspace("fresh")
    vs.new_pages(1, "rw")                 # paging structures for the region exist from here on
    _exhaust(w, 3 * PAGE)
    before, mappings = state(w), vs.mappings()
    with pytest.raises(VSpaceError):
        vs.new_pages(6, "rw")
    assert vs.mappings() == mappings
    assert state(w) == before
    STATS["bad inputs"] += 1


def test_new_pages_at_vaddr_running_out_part_way_gives_everything_back(w):
    before_free = w.kernel.untyped_free_bytes
    vs = w.kernel.new_vspace("fresh")
    res = vs.reserve_range_at(BASE, 8 * PAGE, "rw")
    vs.new_pages_at_vaddr(BASE + 7 * PAGE, 1, res)   # the page table for the range exists
    _exhaust(w, 2 * PAGE)
    assert w.kernel.untyped_free_bytes < before_free
    before, mappings = state(w), vs.mappings()
    with pytest.raises(VSpaceError):
        vs.new_pages_at_vaddr(BASE, 6, res)
    assert vs.mappings() == mappings
    assert state(w) == before
    STATS["bad inputs"] += 1


def test_map_running_out_of_page_tables_part_way_leaves_nothing_mapped(w):
    # Two pages either side of a 2 MiB boundary in a fresh vspace: each needs a page table of its
    # own, and there is memory for the first only. The pages go; the page table made stays with
    # the vspace (sel4utils frees paging structures at tear down), as upstream does.
    vs = w.kernel.new_vspace("fresh")
    res = vs.reserve_range_at(ALIGNED, 3 * LARGE, "rw")
    caps = w.kernel.alloc_frames(2)
    vs.map_pages_at_vaddr(caps[:1], ALIGNED + 2 * LARGE, res)   # page directory for the 1 GiB region
    vs.unmap_pages(ALIGNED + 2 * LARGE, 1)
    _exhaust(w, PAGE)
    assert w.kernel.untyped_free_bytes == PAGE
    before_caps = [(c, w.kernel.cap_info(c)["mapped"]) for c in caps]
    counts = w.kernel.object_counts
    with pytest.raises(VSpaceError):
        vs.map_pages_at_vaddr(caps, ALIGNED + LARGE - PAGE, res)
    assert vs.mappings() == []
    assert [(c, w.kernel.cap_info(c)["mapped"]) for c in caps] == before_caps
    after = w.kernel.object_counts
    grown = {k: after.get(k, 0) - counts.get(k, 0) for k in set(after) | set(counts)
             if after.get(k, 0) != counts.get(k, 0)}
    assert grown == {page_table_name(w.kernel.arch): 1}
    STATS["bad inputs"] += 1


# ---- what every entry point says of an address past the end, and of any buffer ----

def test_an_address_of_2_64_gets_one_message_everywhere(w):
    calls = [lambda: w.vs.read(2**64, 0), lambda: w.vs.write(2**64, b""), lambda: w.vs.read_into(2**64, bytearray()),
             lambda: w.vs.read_into(2**64, memoryview(bytearray())), lambda: w.vs.lookup(2**64),
             lambda: w.vs.get_cap(2**64), lambda: w.vs.get_cookie(2**64)]
    messages = set()
    for call in calls:
        with pytest.raises(ValueError) as info:
            call()
        messages.add(str(info.value))
    assert messages == {f"vaddr must be in [0x0, {2**64 - 1:#x}], got {2**64:#x}"}
    STATS["bad inputs"] += 1


def _buffers(data: bytes) -> dict[str, Any]:
    """The same 4096 bytes in buffers of every shape: each must write all of them."""
    words = array("I")
    words.frombytes(data)
    strided_source = bytearray(2 * len(data))
    strided_source[::2] = data
    return {
        "bytes": data,
        "a 2-D memoryview": memoryview(bytearray(data)).cast("B", (16, 256)),
        "a 3-D memoryview": memoryview(bytearray(data)).cast("B", (4, 4, 256)),
        "an array of 32-bit words": words,
        "a memoryview of words": memoryview(words),
        "a strided memoryview (copied)": memoryview(strided_source)[::2],
    }


@pytest.mark.parametrize("kind", list(_buffers(bytes(4096))))
def test_write_writes_every_byte_of_any_buffer(w, kind):
    vaddr = w.vs.new_pages(1, "rw")
    data = bytes(range(256)) * 16
    w.vs.write(vaddr, _buffers(data)[kind])
    assert w.vs.read(vaddr, len(data)) == data
    back = array("I", bytes(len(data)))
    assert w.vs.read_into(vaddr, back) == len(data)        # read_into fills every byte too
    assert back.tobytes() == data
    STATS["bad inputs"] += 1


def test_numpy_arrays_that_are_not_contiguous_are_named(w):
    np = pytest.importorskip("numpy")
    caps = np.array(w.free_caps * 2, dtype=np.uint64)[::2]
    before = state(w)
    with pytest.raises(ValueError, match="caps must be a contiguous buffer"):
        w.vs.map_pages_at_vaddr(caps, BASE + 2 * PAGE, w.res)
    with pytest.raises(ValueError, match="buffer must be a contiguous buffer"):
        w.vs.read_into(BASE, np.zeros((4, 4), dtype=np.uint8)[:, ::2])
    assert state(w) == before
    grid = np.arange(4096, dtype=np.uint8).reshape(64, 64)
    vaddr = w.vs.new_pages(1, "rw")
    w.vs.write(vaddr, grid.T)                              # not contiguous: all its bytes, in C order
    assert w.vs.read(vaddr, 4096) == grid.T.tobytes()
    STATS["bad inputs"] += 1


# ---- integers are whatever has __index__ (PEP 357); bools and floats are not ----


class Index:
    """An integer of a type that is not int, as a NumPy integer scalar is one."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


FakeNumpyBool = type("bool_", (), {"__module__": "numpy"})
"""A type named as NumPy's bool scalar is, without NumPy (it has no __index__ either)."""


def test_objects_with_index_are_accepted_wherever_an_int_is(w):
    frames = w.kernel.alloc_frames(Index(2), size_bits=Index(12))
    res = w.vs.reserve_range_at(Index(0x6000_0000), Index(2 * PAGE), "rw")
    w.vs.map_pages_at_vaddr([Index(c) for c in frames], Index(0x6000_0000), res, size_bits=Index(12))
    assert [m.cap for m in w.vs.mappings() if m.vaddr >= 0x6000_0000] == frames
    assert w.vs.read(Index(0x6000_0000), Index(3)) == bytes(3)
    assert w.vs.lookup(Index(0x6000_0000)).cap == frames[0]
    assert w.vs.get_cap(Index(0x6000_0000 + PAGE)) == frames[1]
    assert w.kernel.cap_info(Index(frames[0]))["mapped"]
    w.vs.unmap_pages(Index(0x6000_0000), Index(2), Index(12))
    assert Kernel(untyped_bits=Index(20), cnode_bits=Index(8)).cnode_bits == 8
    assert CapRights.from_bits(Index(3)) == CapRights.RW
    STATS["bad inputs"] += 1


@pytest.mark.parametrize("value,shown", [(True, "bool"), (1.0, "float"), (FakeNumpyBool(), "numpy.bool_"),
                                         (Index, "type")])
def test_bools_floats_and_non_integers_are_refused_naming_the_argument(w, value, shown):
    before = state(w)
    for call, name in [(lambda: w.vs.read(BASE, value), "n"), (lambda: w.vs.read(value, 1), "vaddr"),
                       (lambda: w.kernel.alloc_frames(value), "n"), (lambda: w.kernel.cap_info(value), "cap"),
                       (lambda: w.vs.unmap_pages(BASE, 1, value), "size_bits"),
                       (lambda: Kernel(untyped_bits=value), "untyped_bits")]:
        with pytest.raises(TypeError) as info:
            call()
        assert str(info.value) == f"{name} must be an int, not {shown}"
    with pytest.raises(TypeError) as info:
        w.vs.map_pages_at_vaddr([w.free_caps[0], value], BASE + 2 * PAGE, w.res)
    assert str(info.value) == f"caps must contain ints, found {shown} ({value!r})"
    assert state(w) == before
    STATS["bad inputs"] += 1


def test_numpy_integers_are_ints_and_numpy_bools_are_not(w):
    np = pytest.importorskip("numpy")
    vaddr = w.vs.new_pages(1, "rw")
    assert w.vs.read(np.uint64(vaddr), np.int64(1)) == bytes(1)
    w.vs.map_pages_at_vaddr([np.uint64(w.free_caps[0])], BASE + 2 * PAGE, w.res)
    assert w.vs.get_cap(BASE + 2 * PAGE) == w.free_caps[0]
    with pytest.raises(TypeError, match=r"^n must be an int, not numpy\.bool_?$"):
        w.vs.read(vaddr, np.bool_(True))
    with pytest.raises(TypeError, match=r"^cacheable must be a bool, not numpy\.bool_?$"):
        w.vs.reserve_range_at(0x3000_0000, PAGE, "rw", np.bool_(True))
    STATS["bad inputs"] += 1


def test_a_type_outside_builtins_is_named_with_its_module(w):
    before = state(w)
    with pytest.raises(TypeError) as info:
        w.vs.reserve_range_at(0x6000_0000, PAGE, "rw", FakeNumpyBool())
    assert str(info.value) == "cacheable must be a bool, not numpy.bool_"
    with pytest.raises(TypeError) as info:
        w.vs.reserve_range_at(0x6000_0000, PAGE, "rw", 1)
    assert str(info.value) == "cacheable must be a bool, not int"
    with pytest.raises(TypeError) as info:
        w.vs.map_pages(w.free_caps, CapRights.RW, cacheable=Index(1))
    assert str(info.value) == f"cacheable must be a bool, not {__name__}.Index"
    assert state(w) == before
    STATS["bad inputs"] += 1


# ---- counts, sizes in pages and bit numbers are shown in decimal; addresses in hex ----


@pytest.mark.parametrize("call,message", [
    (lambda w: w.vs.read(BASE, 2**41), f"n must be in [0, {2**40}], got {2**41}"),
    (lambda w: w.kernel.alloc_frames(0), f"n must be in [1, {2**32}], got 0"),
    (lambda w: w.vs.new_pages(-1, "rw"), f"num_pages must be in [1, {2**40}], got -1"),
    (lambda w: w.vs.unmap_pages(BASE, 0), f"num_pages must be in [1, {2**40}], got 0"),
    (lambda w: w.vs.unmap_pages(BASE, 1, 99), "size_bits must be in [0, 64], got 99"),
    (lambda w: w.kernel.cap_info(-5), f"cap must be in [0, {2**64 - 1}], got -5"),
    (lambda w: w.vs.get_cap(-1), f"vaddr must be in [0x0, {2**64 - 1:#x}], got -0x1"),
])
def test_counts_are_decimal_and_addresses_hex_in_messages(w, call, message):
    before = state(w)
    with pytest.raises(ValueError) as info:
        call(w)
    assert str(info.value) == message
    assert state(w) == before
    STATS["bad inputs"] += 1


# ---- a cap named twice in one map: refused before any C maps, naming both entries ----


@pytest.mark.parametrize("form", [list, tuple, lambda caps: array("Q", caps)])
def test_a_repeated_cap_is_refused_naming_both_entries(w, form):
    first, second = w.free_caps
    before = state(w)
    calls = [
        lambda caps: w.vs.map_pages_at_vaddr(caps, BASE + 2 * PAGE, w.res),
        lambda caps: w.vs.map_pages(caps, "rw"),
        lambda caps: w.vs.deferred_rights_map_pages_at_vaddr(caps, DEFERRED, "rw", w.deferred),
    ]
    for call in calls:
        with pytest.raises(ValueError) as info:
            call(form([first, first]))
        assert str(info.value) == f"caps[1] ({first}) repeats caps[0]: a frame is mapped once"
        with pytest.raises(ValueError) as info:
            call(form([first, second, second, first]))
        assert str(info.value) == f"caps[2] ({second}) repeats caps[1]: a frame is mapped once"
        assert state(w) == before
    # the marks the check leaves while it runs are gone: both caps map afterwards, once each
    w.vs.map_pages_at_vaddr(form([first, second]), BASE + 2 * PAGE, w.res)
    assert [w.kernel.cap_info(c)["mapped_vaddr"] for c in (first, second)] == [BASE + 2 * PAGE, BASE + 3 * PAGE]
    STATS["bad inputs"] += 1


def test_caps_in_any_order_without_a_repeat_map(w):
    # caps in ascending order cannot repeat; any other order is searched for a repeat, which
    # marks their slots while the check runs: none stays marked
    caps = w.kernel.alloc_frames(300)[::-1]
    res = w.vs.reserve_range_at(0x6000_0000, 300 * PAGE, "rw")
    for _ in range(2):
        w.vs.map_pages_at_vaddr(caps, 0x6000_0000, res)
        assert [w.vs.get_cap(0x6000_0000 + i * PAGE) for i in range(300)] == caps
        w.vs.unmap_pages(0x6000_0000, 300)
    with pytest.raises(ValueError, match=rf"^caps\[299\] \({caps[0]}\) repeats caps\[0\]"):
        w.vs.map_pages_at_vaddr(caps[:299] + caps[:1], 0x6000_0000, res)
    STATS["bad inputs"] += 1


def test_a_cap_repeated_after_a_bad_one_is_refused_for_the_bad_one(w):
    first, _ = w.free_caps
    before = state(w)
    with pytest.raises(ValueError, match=rf"caps\[1\] \({w.large}\) is a frame of another size"):
        w.vs.map_pages_at_vaddr([first, w.large, first], BASE + 2 * PAGE, w.res)
    assert state(w) == before
    assert w.kernel.cap_info(first)["size_bits"] == 12
    STATS["bad inputs"] += 1


class _Shows(list):
    """A list whose iteration and length are not its storage: what a caller sees of it is what it
    iterates (cffi, converting a list for C, would read the storage)."""

    def __init__(self, stored: list[Any], shown: list[Any]) -> None:
        super().__init__(stored)
        self.shown = shown

    def __iter__(self) -> Any:
        return iter(self.shown)

    def __len__(self) -> int:
        return len(self.shown)


def test_a_list_subclass_is_taken_as_it_iterates_and_its_errors_name_the_argument(w):
    vaddr = BASE + 2 * PAGE
    # stored values cffi would refuse with messages that name nothing: the iterated caps are mapped
    w.vs.map_pages_at_vaddr(_Shows(["x", 2**70], w.free_caps), vaddr, w.res, 12, _Shows([2**64, "y"], [7, 8]))
    assert [(w.vs.get_cap(vaddr), w.vs.get_cap(vaddr + PAGE))] == [tuple(w.free_caps)]
    assert [w.vs.get_cookie(vaddr), w.vs.get_cookie(vaddr + PAGE)] == [7, 8]
    w.vs.unmap_pages(vaddr, 2)
    before = state(w)
    # what it iterates is checked, and named as the argument's
    with pytest.raises(ValueError, match=r"^caps must contain 64-bit unsigned values, got 18446744073709551616$"):
        w.vs.map_pages_at_vaddr(_Shows(w.free_caps, [w.free_caps[0], 2**64]), vaddr, w.res)
    with pytest.raises(TypeError, match=r"^caps must contain ints, found str \('x'\)$"):
        w.vs.map_pages(_Shows(w.free_caps, ["x"]), "rw")
    with pytest.raises(ValueError, match=r"^cookies has 3 entries for 2 caps$"):
        w.vs.map_pages_at_vaddr(w.free_caps, vaddr, w.res, 12, _Shows([1, 2], [1, 2, 3]))
    assert state(w) == before
