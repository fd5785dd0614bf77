# SPDX-License-Identifier: BSD-2-Clause
"""A reference model of sel4vspace's public API, in plain Python: what every call must answer and
do, written from the contract (the README, the docstrings of sel4vspace.vspace/kernel) and
seL4's rules, without looking at how the C does it.

What is modelled:

* frames (size, physical address once known, contents) and the frame caps to them: originals from
  ``Kernel.alloc_frame``, copies and mints from ``Kernel.copy_cap``, frames a vspace allocated
  (``new_pages``) and the copies a vspace made (``share_mem_at_vaddr``), each with seL4's VM rights
  (kernel-only, read-only, read-write) and where it is mapped;
* vspaces: their reservations (range, rights or deferred, cacheable) and their mappings (frame
  cap, effective rights after maskVMRights, cacheable, cookie);
* what every operation refuses, with the exact exception type, in the order the API checks.

What is not: where an anywhere-allocation lands (any free, aligned place is right; the model takes
the address the real call chose and checks it was free), the cap numbers the vka hands out (taken
from the real call, checked to be fresh), untyped bytes and cslots (checked as a whole, by the
ledger, once everything is released), and running out of memory (a call that needed memory may
fail while memory is short, and must then leave everything as it was).

The model raises ``Divergence`` when an answer of the real system breaks the contract.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Optional

from archfacts import description, kernel_slot

from sel4vspace import CapRights, KernelError, StaleObjectError, VMFault, VSpaceError

# seL4's base and large frames are 4 KiB and 2 MiB on every 64-bit arch the package builds (x86_64,
# AArch64 with its 4 KiB granule, RISC-V Sv39); ArchRules checks its arch agrees.
PAGE_BITS = 12
PAGE = 1 << PAGE_BITS
LARGE_BITS = 21
ADDRESS_LIMIT = 1 << 64


@dataclass(frozen=True)
class ArchRules:
    """The facts of one arch the model needs (``rules_of``): a model is of one arch, as a kernel is."""

    name: str
    frame_size_bits: tuple[int, ...]
    user_top: int
    """The first address above user space: the API refuses ranges that reach above it (ValueError)."""
    window_start: int
    """sel4utils reserves, from the start, the vspace root's slot that holds the last user address
    (and the kernel's boundary): 512 GiB below 2^47 on x86_64 and AArch64, 1 GiB below 2^38 on RISC-V."""
    frame_types: dict[int, str]
    """libsel4's object type name of the frame of each size (``Kernel.cap_info``'s ``type``)."""
    uncached_mappings: bool
    """Whether a mapping can say it is uncached: not on RISC-V, whose page-table entries carry no
    cacheability (seL4_libs maps 'uncached' with the default attributes there)."""


def rules_of(arch: Optional[str]) -> ArchRules:
    """The model's rules for ``arch`` (None: the default arch), from the arch's C description."""
    facts = description(arch)
    assert facts.page_bits == PAGE_BITS and LARGE_BITS in facts.frame_size_bits, facts.name
    return ArchRules(
        name=facts.name,
        frame_size_bits=tuple(facts.frame_size_bits),
        user_top=facts.user_top,
        window_start=kernel_slot(facts.name),
        frame_types={bits: facts.object_type_names[facts.frame_object_types[bits]] for bits in facts.frame_size_bits},
        uncached_mappings=facts.cache_disabled != facts.default_vm_attributes,
    )


# Over-mapping differs between the kernels (a frame over a frame entry replaces it on x86_64 and
# AArch64, seL4_DeleteFirst on RISC-V; tests/kernel/test_mapping_caps.py), but no API call reaches it:
# sel4utils refuses a range with a mapped page first. A 2 MiB page over a page table fails on every
# arch (seL4_DeleteFirst on x86_64; a failed lookup, then a page table the kernel refuses, elsewhere).

# seL4's VM rights of a frame cap or a mapping.
KERNEL_ONLY, READ_ONLY, READ_WRITE = "kernel-only", "read-only", "read-write"

NONZERO = "nonzero"
"""The cookie of a frame a vspace allocated: the vka's, any value but 0."""


class Either:
    """An expectation that allows success or one exception type (see VSpace.page_tables)."""

    def __init__(self, exc: type) -> None:
        self.exc = exc
        self.__name__ = f"success or {exc.__name__}"


EITHER_VSPACEERROR = Either(VSpaceError)


class Divergence(AssertionError):
    """The real system answered something the contract does not allow."""


def mask_vm_rights(vm: str, rights: CapRights) -> str:
    """seL4's maskVMRights: what is left of VM rights vm under a cap-rights mask."""
    if vm == READ_ONLY and rights.read:
        return READ_ONLY
    if vm == READ_WRITE and rights.read:
        return READ_WRITE if rights.write else READ_ONLY
    return KERNEL_ONLY


def user_rights(vm: str) -> CapRights:
    """What user code may do through VM rights vm (kernel-only: nothing)."""
    return {READ_WRITE: CapRights.RW, READ_ONLY: CapRights.READ}.get(vm, CapRights.NONE)


class Frame:
    """A frame object: size, physical address, contents (4 KiB chunks, zero until written)."""

    def __init__(self, size_bits: int, paddr: int) -> None:
        self.size_bits = size_bits
        self.paddr = paddr
        self.chunks: dict[int, bytearray] = {}
        self.live = True

    @property
    def size(self) -> int:
        return 1 << self.size_bits

    def read(self, offset: int, n: int) -> bytes:
        out = bytearray()
        while n:
            chunk, at = divmod(offset, PAGE)
            take = min(n, PAGE - at)
            data = self.chunks.get(chunk)
            out += data[at:at + take] if data is not None else bytes(take)
            offset += take
            n -= take
        return bytes(out)

    def write(self, offset: int, data: bytes) -> None:
        while data:
            chunk, at = divmod(offset, PAGE)
            take = min(len(data), PAGE - at)
            self.chunks.setdefault(chunk, bytearray(PAGE))[at:at + take] = data[:take]
            offset += take
            data = data[take:]


@dataclass(eq=False)
class Cap:
    """A frame cap. kind: "original" and "copy" are the caller's (Kernel.frame_caps lists them);
    "vspace" is a frame a vspace allocated, "share" a copy a vspace made: both the vspace's."""

    cptr: int
    frame: Frame
    vm: str
    kind: str
    origin: Optional[Cap] = None       # the original of a copy
    mapped: Optional[tuple[VSpace, int]] = None

    @property
    def callers(self) -> bool:
        return self.kind in ("original", "copy")


@dataclass(eq=False)
class Reservation:
    vspace: VSpace
    start: int
    end: int
    rights: Optional[CapRights]        # None: deferred
    cacheable: bool
    live: bool = True

    def covers(self, start: int, end: int) -> bool:
        return self.start <= start and end <= self.end


@dataclass(eq=False)
class Page:
    vaddr: int
    size_bits: int
    cap: Cap
    vm: str                            # effective, after maskVMRights
    cacheable: bool
    cookie: object                     # an int, or NONZERO

    @property
    def end(self) -> int:
        return self.vaddr + (1 << self.size_bits)


@dataclass(eq=False)
class VSpace:
    """An address space.

    page_tables: the 2 MiB slots where the kernel has a page table. A 4 KiB mapping creates one;
    it stays until the vspace is torn down (sel4utils frees paging structures only then), and
    seL4 refuses a 2 MiB mapping over it (seL4_DeleteFirst). sel4utils does not know about them,
    so an anywhere-allocation of large pages may pick such a slot and fail: that is upstream's
    behaviour, kept. maybe_page_tables: slots where a failed call may have left one;
    page_tables_unknown: a failed anywhere-call may have left one somewhere.
    """

    name: str
    window_start: int                  # ArchRules.window_start
    live: bool = True
    reservations: list[Reservation] = field(default_factory=list)
    pages: dict[int, Page] = field(default_factory=dict)
    page_tables: set[int] = field(default_factory=set)
    maybe_page_tables: set[int] = field(default_factory=set)
    page_tables_unknown: bool = False

    def large_slot_state(self, vaddr: int) -> Optional[type | Either]:
        """What mapping a 2 MiB page at vaddr must answer as far as page tables go."""
        slot = vaddr >> LARGE_BITS
        if slot in self.page_tables:
            return VSpaceError
        if slot in self.maybe_page_tables or self.page_tables_unknown:
            return EITHER_VSPACEERROR
        return None

    def may_hit_page_table(self) -> bool:
        """Could an anywhere-allocation of a 2 MiB page land on a page table (and fail)?"""
        if self.page_tables_unknown:
            return True
        return any(self.available(slot << LARGE_BITS, (slot + 1) << LARGE_BITS)
                   for slot in self.page_tables | self.maybe_page_tables)

    def failed_small_map(self, vaddr: Optional[int], count: int) -> None:
        """A 4 KiB-page call failed part-way: it may have left page tables behind."""
        if vaddr is None:
            self.page_tables_unknown = True
            return
        for i in range(count):
            self.maybe_page_tables.add((vaddr + i * PAGE) >> LARGE_BITS)

    def page_at(self, vaddr: int) -> Optional[Page]:
        for page in self.pages.values():
            if page.vaddr <= vaddr < page.end:
                return page
        return None

    def reservation_at(self, vaddr: int) -> Optional[Reservation]:
        for res in self.reservations:
            if res.start <= vaddr < res.end:
                return res
        return None

    def mapped_in(self, start: int, end: int) -> list[Page]:
        return [p for p in self.pages.values() if p.vaddr < end and start < p.end]

    def available(self, start: int, end: int) -> bool:
        """Nothing reserved or mapped in [start, end), and below sel4utils' own reserved slot."""
        if end > self.window_start:
            return False
        if any(r.start < end and start < r.end for r in self.reservations):
            return False
        return not self.mapped_in(start, end)

    def reserved_unmapped(self, res: Reservation, start: int, end: int) -> bool:
        return res.covers(start, end) and not self.mapped_in(start, end)


class Model:
    """The whole system as the API must present it, on one arch (``arch``: its ``ArchRules``)."""

    def __init__(self, arch: ArchRules) -> None:
        self.arch = arch
        self.caps: dict[int, Cap] = {}     # live caps by cptr
        self.vspaces: list[VSpace] = []
        self.frames_by_paddr: dict[int, Frame] = {}
        self._frame_starts: list[int] = []     # frames_by_paddr's keys, sorted (the overlap check)

    # ---- helpers -----------------------------------------------------------------------------

    def live_vspaces(self) -> list[VSpace]:
        return [v for v in self.vspaces if v.live]

    def caller_caps(self) -> list[Cap]:
        return [c for c in self.caps.values() if c.callers]

    def _fresh_cap(self, cptr: int, frame: Frame, vm: str, kind: str, origin: Optional[Cap] = None) -> Cap:
        if cptr in self.caps:
            raise Divergence(f"cap {cptr} handed out while cap {cptr} is still live")
        cap = Cap(cptr, frame, vm, kind, origin)
        self.caps[cptr] = cap
        return cap

    def _fresh_frame(self, size_bits: int, paddr: int) -> Frame:
        if paddr % (1 << size_bits):
            raise Divergence(f"a frame of 2^{size_bits} bytes at paddr {paddr:#x} is misaligned")
        # Live frames never overlap one another, so their ends rise with their starts: the new frame
        # overlaps one of them exactly when it overlaps the last one starting before its end.
        before_end = bisect.bisect_left(self._frame_starts, paddr + (1 << size_bits))
        if before_end:
            other = self.frames_by_paddr[self._frame_starts[before_end - 1]]
            if paddr < other.paddr + other.size:
                raise Divergence(f"new frame at {paddr:#x} overlaps the live frame at {other.paddr:#x}")
        frame = Frame(size_bits, paddr)
        self.frames_by_paddr[paddr] = frame
        bisect.insort(self._frame_starts, paddr)
        return frame

    def _unmap_page(self, vspace: VSpace, page: Page) -> None:
        """The page goes; a copy the vspace made goes with it (its cap is deleted)."""
        del vspace.pages[page.vaddr]
        page.cap.mapped = None
        if page.cap.kind == "share":
            self._drop_cap(page.cap)

    def _drop_cap(self, cap: Cap) -> None:
        if cap.mapped is not None:
            vspace, vaddr = cap.mapped
            del vspace.pages[vaddr]
            cap.mapped = None
        self.caps.pop(cap.cptr, None)

    def _free_frame(self, frame: Frame) -> None:
        """Revoke: every cap to the frame goes, and every mapping through them."""
        for cap in [c for c in self.caps.values() if c.frame is frame]:
            self._drop_cap(cap)
        frame.live = False
        if self.frames_by_paddr.pop(frame.paddr, None) is not None:
            del self._frame_starts[bisect.bisect_left(self._frame_starts, frame.paddr)]

    def _live_vspace(self, vspace: VSpace) -> Optional[type]:
        return None if vspace.live else StaleObjectError

    def _reservation_of(self, vspace: VSpace, res: Reservation) -> Optional[type]:
        """VSpace._reservation: freed (or torn down) -> StaleObjectError, another's -> ValueError."""
        if not res.live:
            return StaleObjectError
        if res.vspace is not vspace:
            return ValueError
        return None

    def _frame_checks(self, cptrs: list[int], size_bits: int) -> Optional[type]:
        """_check_frames: the first bad cap decides (deleted: stale; other size, mapped or a repeat of
        an earlier one: ValueError)."""
        seen: set[int] = set()
        for cptr in cptrs:
            cap = self.caps.get(cptr)
            if cap is None:
                return StaleObjectError
            if cap.frame.size_bits != size_bits or cap.mapped is not None or cptr in seen:
                return ValueError
            seen.add(cptr)
        return None

    def _span(self, vaddr: int, size: int) -> Optional[type]:
        return ValueError if vaddr + size > min(self.arch.user_top, ADDRESS_LIMIT) else None

    @staticmethod
    def _aligned(vaddr: int, size_bits: int) -> Optional[type]:
        return ValueError if vaddr % (1 << size_bits) else None

    # ---- kernel ------------------------------------------------------------------------------

    def alloc_frames(self, cptrs: list[int], size_bits: int, paddrs: list[int]) -> None:
        if len(set(cptrs)) != len(cptrs):
            raise Divergence(f"alloc_frames returned a cap twice: {cptrs}")
        for cptr, paddr in zip(cptrs, paddrs):
            self._fresh_cap(cptr, self._fresh_frame(size_bits, paddr), READ_WRITE, "original")

    def copy_cap_check(self, cptr: int) -> Optional[type]:
        cap = self.caps.get(cptr)
        return StaleObjectError if cap is None or not cap.callers else None

    def copy_cap(self, cptr: int, rights: Optional[CapRights], new: int) -> None:
        cap = self.caps[cptr]
        vm = cap.vm if rights is None else mask_vm_rights(cap.vm, rights)
        self._fresh_cap(new, cap.frame, vm, "copy", cap.origin or cap)

    def delete_cap_check(self, cptr: int) -> Optional[type]:
        return self.copy_cap_check(cptr)

    def delete_cap(self, cptr: int) -> None:
        cap = self.caps[cptr]
        if cap.kind == "original":
            self._free_frame(cap.frame)
        else:
            if cap.mapped is not None:
                self._unmap_page(*reversed_mapping(cap))
            self._drop_cap(cap)

    # ---- vspaces -----------------------------------------------------------------------------

    def new_vspace(self, name: str) -> VSpace:
        vspace = VSpace(name, self.arch.window_start)
        self.vspaces.append(vspace)
        return vspace

    def tear_down_check(self, vspace: VSpace) -> Optional[type]:
        return self._live_vspace(vspace)

    def tear_down(self, vspace: VSpace) -> None:
        for page in list(vspace.pages.values()):
            if vspace.pages.get(page.vaddr) is not page:
                continue   # gone with a frame freed before it
            if page.cap.kind == "vspace":
                self._free_frame(page.cap.frame)  # its copies elsewhere go with it
            else:
                self._unmap_page(vspace, page)
        for res in vspace.reservations:
            res.live = False
        vspace.reservations.clear()
        vspace.live = False

    # reservations

    def reserve_at_check(self, vspace: VSpace, vaddr: int, size: int) -> Optional[type]:
        return (self._aligned(vaddr, PAGE_BITS) or self._span(vaddr, size) or self._live_vspace(vspace)
                or (None if vspace.available(vaddr, round_up(vaddr + size, PAGE)) else VSpaceError))

    def reserve_at(self, vspace: VSpace, vaddr: int, size: int, rights: Optional[CapRights],
                   cacheable: bool) -> Reservation:
        res = Reservation(vspace, vaddr, round_up(vaddr + size, PAGE), rights, cacheable)
        vspace.reservations.append(res)
        return res

    def reserve_aligned_check(self, vspace: VSpace, size_bits: int) -> Optional[type]:
        if size_bits not in self.arch.frame_size_bits:
            return ValueError
        return self._live_vspace(vspace)

    def reserve_aligned(self, vspace: VSpace, size: int, size_bits: int, rights: CapRights, cacheable: bool,
                        start: int) -> Reservation:
        span = round_up(size, 1 << size_bits)
        if start % (1 << size_bits) or not vspace.available(start, start + span):
            raise Divergence(f"reserve_range_aligned chose {start:#x}+{span:#x}: misaligned or not free")
        return self.reserve_at(vspace, start, size, rights, cacheable)

    def free_reservation_check(self, vspace: VSpace, res: Reservation) -> Optional[type]:
        return (self._reservation_of(vspace, res) or self._live_vspace(vspace)
                or (VSpaceError if vspace.mapped_in(res.start, res.end) else None))

    def free_reservation(self, res: Reservation) -> None:
        res.vspace.reservations.remove(res)
        res.live = False

    def free_by_vaddr_check(self, vspace: VSpace, vaddr: int) -> Optional[type]:
        if not vspace.live:
            return StaleObjectError
        res = vspace.reservation_at(vaddr)
        if res is None:
            return VSpaceError
        return self.free_reservation_check(vspace, res)

    # mapping

    def map_at_check(self, vspace: VSpace, res: Reservation, cptrs: list[int], vaddr: int, size_bits: int,
                     deferred_call: bool) -> Optional[type]:
        error = (self._reservation_of(vspace, res) or self._aligned(vaddr, size_bits)
                 or (ValueError if not cptrs else None) or self._span(vaddr, len(cptrs) << size_bits)
                 or self._live_vspace(vspace) or self._frame_checks(cptrs, size_bits))
        if error:
            return error
        end = vaddr + (len(cptrs) << size_bits)
        if not vspace.reserved_unmapped(res, vaddr, end) or (res.rights is None) != deferred_call:
            return VSpaceError
        return self._large_slots(vspace, vaddr, len(cptrs), size_bits)

    @staticmethod
    def _large_slots(vspace: VSpace, vaddr: int, count: int, size_bits: int) -> Optional[type | Either]:
        if size_bits != LARGE_BITS:
            return None
        states = [vspace.large_slot_state(vaddr + (i << size_bits)) for i in range(count)]
        if VSpaceError in states:
            return VSpaceError
        return EITHER_VSPACEERROR if EITHER_VSPACEERROR in states else None

    def anywhere_large(self, vspace: VSpace, size_bits: int) -> Optional[Either]:
        """An anywhere-allocation of 2 MiB pages may fail on a page table sel4utils cannot see."""
        return EITHER_VSPACEERROR if size_bits == LARGE_BITS and vspace.may_hit_page_table() else None

    def map_at(self, vspace: VSpace, res: Reservation, cptrs: list[int], vaddr: int, size_bits: int,
               rights: Optional[CapRights], cookies: Optional[list[int]]) -> None:
        given = res.rights if rights is None else rights
        assert given is not None
        for i, cptr in enumerate(cptrs):
            self._map(vspace, self.caps[cptr], vaddr + (i << size_bits), size_bits, given, res.cacheable,
                      cookies[i] if cookies else 0)

    def _map(self, vspace: VSpace, cap: Cap, vaddr: int, size_bits: int, rights: CapRights, cacheable: bool,
             cookie: object) -> None:
        page = Page(vaddr, size_bits, cap, mask_vm_rights(cap.vm, rights),
                    cacheable or not self.arch.uncached_mappings, cookie)
        vspace.pages[vaddr] = page
        cap.mapped = (vspace, vaddr)
        slot = vaddr >> LARGE_BITS
        if size_bits == PAGE_BITS:
            vspace.page_tables.add(slot)
            vspace.maybe_page_tables.discard(slot)
        elif size_bits == LARGE_BITS:
            if slot in vspace.page_tables:
                raise Divergence(f"a 2 MiB page got mapped at {vaddr:#x}, over a page table")
            vspace.maybe_page_tables.discard(slot)

    def map_pages_check(self, vspace: VSpace, cptrs: list[int], size_bits: int) -> Optional[type]:
        error = (ValueError if not cptrs else None) or self._live_vspace(vspace) or self._frame_checks(cptrs, size_bits)
        if error:
            return error
        return self.anywhere_large(vspace, size_bits)

    def _check_anywhere(self, what: str, vspace: VSpace, start: int, count: int, size_bits: int) -> None:
        end = start + (count << size_bits)
        if start % (1 << size_bits) or not vspace.available(start, end):
            raise Divergence(f"{what} chose {start:#x}-{end:#x}: misaligned, reserved or mapped already")

    def map_pages(self, vspace: VSpace, cptrs: list[int], rights: CapRights, size_bits: int, cacheable: bool,
                  cookies: Optional[list[int]], start: int) -> None:
        self._check_anywhere("map_pages", vspace, start, len(cptrs), size_bits)
        for i, cptr in enumerate(cptrs):
            self._map(vspace, self.caps[cptr], start + (i << size_bits), size_bits, rights, cacheable,
                      cookies[i] if cookies else 0)

    def new_pages_check(self, vspace: VSpace, size_bits: int) -> Optional[type | Either]:
        return self._live_vspace(vspace) or self.anywhere_large(vspace, size_bits)

    def new_pages(self, vspace: VSpace, count: int, rights: CapRights, size_bits: int, start: int,
                  frames: list[tuple[int, int]], cacheable: bool = True) -> None:
        """frames: (cap, paddr) of each new page, as the real system reports them."""
        self._check_anywhere("new_pages", vspace, start, count, size_bits)
        self._new_frames(vspace, start, size_bits, rights, cacheable, frames)

    def _new_frames(self, vspace: VSpace, start: int, size_bits: int, rights: CapRights, cacheable: bool,
                    frames: list[tuple[int, int]]) -> None:
        for i, (cptr, paddr) in enumerate(frames):
            cap = self._fresh_cap(cptr, self._fresh_frame(size_bits, paddr), READ_WRITE, "vspace")
            self._map(vspace, cap, start + (i << size_bits), size_bits, rights, cacheable, NONZERO)

    def new_pages_at_check(self, vspace: VSpace, res: Reservation, vaddr: int, count: int,
                           size_bits: int) -> Optional[type]:
        error = (self._reservation_of(vspace, res) or self._aligned(vaddr, size_bits)
                 or self._span(vaddr, count << size_bits) or self._live_vspace(vspace))
        if error:
            return error
        if res.rights is None or not vspace.reserved_unmapped(res, vaddr, vaddr + (count << size_bits)):
            return VSpaceError
        return self._large_slots(vspace, vaddr, count, size_bits)

    def new_pages_at(self, vspace: VSpace, res: Reservation, vaddr: int, size_bits: int,
                     frames: list[tuple[int, int]]) -> None:
        assert res.rights is not None
        self._new_frames(vspace, vaddr, size_bits, res.rights, res.cacheable, frames)

    def share_check(self, src: VSpace, dst: VSpace, start: int, count: int, vaddr: int, res: Reservation,
                    size_bits: int) -> Optional[type]:
        error = (self._reservation_of(dst, res) or self._aligned(start, size_bits) or self._aligned(vaddr, size_bits)
                 or self._span(start, count << size_bits) or self._span(vaddr, count << size_bits)
                 or self._live_vspace(src) or self._live_vspace(dst))
        if error:
            return error
        if res.rights is None:
            return VSpaceError
        for i in range(count):
            page = src.pages.get(start + (i << size_bits))
            if page is None or page.size_bits != size_bits:
                return VSpaceError
        if not dst.reserved_unmapped(res, vaddr, vaddr + (count << size_bits)) or start == 0 or vaddr == 0:
            return VSpaceError   # (vspace.h refuses to share from or to page 0, as upstream does)
        return self._large_slots(dst, vaddr, count, size_bits)

    def share(self, src: VSpace, dst: VSpace, start: int, count: int, vaddr: int, res: Reservation, size_bits: int,
              new_caps: list[int]) -> None:
        assert res.rights is not None
        for i in range(count):
            source = src.pages[start + (i << size_bits)].cap
            copy = self._fresh_cap(new_caps[i], source.frame, mask_vm_rights(source.vm, res.rights), "share")
            self._map(dst, copy, vaddr + (i << size_bits), size_bits, res.rights, res.cacheable, 0)

    def unmap_check(self, vspace: VSpace, vaddr: int, count: int, size_bits: int, free: bool) -> Optional[type]:
        error = self._aligned(vaddr, size_bits) or self._span(vaddr, count << size_bits) or self._live_vspace(vspace)
        if error:
            return error
        pages = [vspace.pages.get(vaddr + (i << size_bits)) for i in range(count)]
        if any(p is None or p.size_bits != size_bits for p in pages):
            return VSpaceError
        if free and any(p.cap.callers for p in pages if p is not None):
            return ValueError
        return None

    def unmap(self, vspace: VSpace, vaddr: int, count: int, size_bits: int, free: bool) -> None:
        pages = [vspace.pages[vaddr + (i << size_bits)] for i in range(count)]
        for page in pages:
            if vspace.pages.get(page.vaddr) is not page:
                continue   # a copy of a frame freed just before it
            cap = page.cap
            if cap.kind == "vspace" and free:
                self._free_frame(cap.frame)
                continue
            self._unmap_page(vspace, page)
            if cap.kind == "vspace":
                cap.kind = "original"   # unmapped without free: the caller's now

    # ---- the simulated MMU -------------------------------------------------------------------

    def access(self, vspace: VSpace, vaddr: int, n: int, write: bool) -> tuple[Optional[VMFault], list]:
        """The fault a user access must raise (or None) and the (frame, offset, length) pieces."""
        pieces = []
        at, end = vaddr, vaddr + n
        while at < end:
            page = vspace.page_at(at)
            if page is None:
                return VMFault(at, "write" if write else "read", "unmapped"), []
            allowed = user_rights(page.vm)
            if not (allowed.write if write else allowed.read):
                return VMFault(at, "write" if write else "read", "permission"), []
            take = min(end, page.end) - at
            pieces.append((page.cap.frame, at - page.vaddr, take))
            at += take
        return None, pieces

    def read(self, vspace: VSpace, vaddr: int, n: int) -> tuple[Optional[VMFault], bytes]:
        fault, pieces = self.access(vspace, vaddr, n, False)
        return fault, b"".join(frame.read(offset, length) for frame, offset, length in pieces)

    def write(self, vspace: VSpace, vaddr: int, data: bytes) -> Optional[VMFault]:
        fault, pieces = self.access(vspace, vaddr, len(data), True)
        if fault is None:
            done = 0
            for frame, offset, length in pieces:
                frame.write(offset, data[done:done + length])
                done += length
        return fault


def reversed_mapping(cap: Cap) -> tuple[VSpace, Page]:
    assert cap.mapped is not None
    vspace, vaddr = cap.mapped
    return vspace, vspace.pages[vaddr]


def round_up(value: int, to: int) -> int:
    return -(-value // to) * to


# Kept importable for the state machine's checks.
__all__ = [
    "Cap", "Divergence", "Frame", "KernelError", "Model", "NONZERO", "PAGE", "Page", "Reservation", "VSpace",
    "ArchRules", "KERNEL_ONLY", "PAGE_BITS", "READ_ONLY", "READ_WRITE", "mask_vm_rights", "rules_of",
    "user_rights",
]
