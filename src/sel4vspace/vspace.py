# SPDX-License-Identifier: BSD-2-Clause
"""VSpace, Reservation and Mapping: the sel4utils vspace allocator of one address space.

Method names are the C names without the ``vspace_`` prefix, so the C documentation applies.
Every argument is checked in Python before any C runs (TypeError/ValueError); what the C
allocator refuses raises :class:`~sel4vspace.errors.VSpaceError` with the C library's own words.
Beyond the C, the Python layer guarantees:

* all or nothing: a multi-page map that fails part-way leaves no page of that call mapped, and
  every operation is done or undone whatever exception (KeyboardInterrupt, MemoryError) arrives
  between its C calls: what changes anything is one C call whose verdict the Python records
  follow even when its return value is lost;
* no reachable crash: inputs that upstream sel4utils would abort or fault on (unmapping a page
  that is not mapped, a freed or foreign reservation, freeing a reservation with pages still
  mapped) are refused before the C sees them;
* no stale access: a torn-down VSpace or freed Reservation raises StaleObjectError.
"""

from __future__ import annotations

import struct
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import StaleObjectError, VMFault, VSpaceError
from .kernel import NOT_RUN, OK, frame_size_bits, status_word
from .lowlevel import _check, _guard, cspace_full_error, ffi, last_c_error, lib
from .lowlevel import vspace as ll
from .lowlevel._guard import operation
from .lowlevel.arch import ARCH
from .rights import CapRights

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

    from .kernel import Kernel

__all__ = ["VSpace", "Reservation", "Mapping"]

PAGE_BITS = ARCH.page_bits
_PAGE_MASK = (1 << PAGE_BITS) - 1
_PROBE_ENTRIES = 8  # mappings named when free_reservation refuses
_ADDRESS_LIMIT = 2**64
USER_TOP = ARCH.user_top
"""seL4_UserTop: nothing at or above it can be mapped; ranges to reserve, map or unmap end below it."""
_READ_CHUNK = 1 << 20
_MAX_PAGES = 2**40
_FRAME_BITS = frozenset(ARCH.frame_size_bits)
# The attribute bits in which the arch's cached and uncached mappings differ (x86's cache-disable
# bit, ARM's cacheable and parity bits; none on RISC-V, whose mappings do not choose caching).
_CACHE_BITS = ARCH.default_vm_attributes ^ ARCH.cache_disabled
_CACHED = ARCH.default_vm_attributes & _CACHE_BITS
_VSPACE_PRESERVE = lib.sel4vspace_vspace_preserve
_CALL_REFUSED = int(lib.SEL4VSPACE_CALL_REFUSED)
_PAGE_KINDS = {"callers": int(lib.SEL4VSPACE_PAGE_CALLERS), "copy": int(lib.SEL4VSPACE_PAGE_COPY),
               "own": int(lib.SEL4VSPACE_PAGE_OWN)}
_CPTR_ARRAY = ffi.typeof("seL4_CPtr[]")
# Buffers C fills completely before Python reads them need no zeroing first.
_new_uncleared = ffi.new_allocator(should_clear_after_alloc=False)
_JUST_INT = {int}

# sel4sim_mapping_t is six words (vaddr, size_bits, frame_cap, paddr, rights, attributes): read in
# one unpack rather than six cdata field reads.
_MAPPING_WORDS = struct.Struct("=6Q")
assert ffi.sizeof("sel4sim_mapping_t") == _MAPPING_WORDS.size

# The verdicts of the kernel's frame cap check and of the binding's range check, by their C names.
_FRAME_CAP_OK = int(lib.SEL4SIM_FRAME_CAP_OK)
_FRAME_CAP_EMPTY = int(lib.SEL4SIM_FRAME_CAP_EMPTY)
_FRAME_CHECK_MESSAGES = {
    _FRAME_CAP_EMPTY: "is an empty slot (deleted, or never allocated)",
    int(lib.SEL4SIM_FRAME_CAP_NOT_A_FRAME): "is not a frame cap",
    int(lib.SEL4SIM_FRAME_CAP_WRONG_SIZE): "is a frame of another size",
    int(lib.SEL4SIM_FRAME_CAP_MAPPED): "is already mapped",
}
_RANGE_MAPPED = int(lib.SEL4VSPACE_RANGE_MAPPED)
_RANGE_HOLE = int(lib.SEL4VSPACE_RANGE_HOLE)


@dataclass(frozen=True)
class Mapping:
    """One page mapping as the simulated kernel records it (a page-table entry and the cap that made
    it). ``vaddr`` and ``paddr`` are byte addresses of the page's start; the page is
    ``2**size_bits`` bytes (12, 21 or 30)."""

    vaddr: int
    size_bits: int
    cap: int
    """The frame cap the page was mapped with."""
    paddr: int
    rights: CapRights
    """Effective user rights, after seL4's masking (write without read maps kernel-only: NONE)."""
    cacheable: bool
    """Whether the entry's attributes are the arch's cached ones; always true on RISC-V, whose entries
    do not choose caching."""

    @property
    def size(self) -> int:
        """The page's size in bytes, ``2**size_bits``."""
        return 1 << self.size_bits

    @property
    def end(self) -> int:
        """The first byte address after the page."""
        return self.vaddr + self.size


def _mapping_from_words(words: tuple[int, ...]) -> Mapping:
    vaddr, size_bits, cap, paddr, rights, attributes = words
    mapping = object.__new__(Mapping)
    # A frozen dataclass sets its fields one object.__setattr__ at a time; filling its __dict__
    # at once makes the same object in a third of the time (lookup is called in loops).
    mapping.__dict__.update(vaddr=vaddr, size_bits=size_bits, cap=cap, paddr=paddr,
                            rights=CapRights._from_bits(rights), cacheable=(attributes & _CACHE_BITS) == _CACHED)
    return mapping


def _mapping_from_c(entry: Any) -> Mapping:
    return _mapping_from_words(_MAPPING_WORDS.unpack(ffi.buffer(entry)))


class Reservation:
    """A reserved range of a :class:`VSpace` (a sel4utils ``reservation_t``); its fields are read from
    the C reservation itself. Made by :meth:`VSpace.reserve_range_at`,
    :meth:`VSpace.reserve_range_aligned` and :meth:`VSpace.reserve_deferred_rights_range_at`; a
    context manager that frees it when the block ends. Every property raises
    :class:`~sel4vspace.StaleObjectError` once the reservation was freed or its vspace torn down."""

    __slots__ = ("__weakref__", "_key", "_lock", "_res", "_vspace")
    _vspace: VSpace | None
    _res: Any
    _key: int
    _lock: Any

    def __init__(self) -> None:
        # One made from a reservation_t the vspace did not hand out could point anywhere (a NULL
        # one segfaults on the first field read, and upstream's map paths).
        raise TypeError("reservations come from VSpace.reserve_range_at() and friends")

    @classmethod
    def _create(cls, vspace: VSpace, res: Any, key: int | None = None) -> Reservation:
        # res: the sel4utils_res_t * a reservation_t holds, which is all the C calls take. No C
        # call here: this runs right after the C made the reservation, where an exception as a
        # call returns would leave it untracked.
        self = object.__new__(cls)
        self._vspace = vspace
        self._lock = vspace._lock
        self._res = res
        # where the VSpace files it: the start it was made with
        self._key = int(self._res.start) if key is None else key
        return self

    @property
    @operation
    def c_reservation(self) -> Any:
        """The ``reservation_t`` to pass to C (StaleObjectError once freed)."""
        self._live()
        return ffi.new("reservation_t *", {"res": self._res})[0]

    def _live(self) -> VSpace:
        if self._vspace is None:
            raise StaleObjectError("this Reservation was freed")
        self._vspace._live()
        return self._vspace

    @property
    @operation
    def vspace(self) -> VSpace:
        """The :class:`VSpace` the reservation belongs to."""
        return self._live()

    @property
    def freed(self) -> bool:
        """True once freed (the properties then raise StaleObjectError)."""
        return self._vspace is None

    @property
    @operation
    def start(self) -> int:
        """The first byte address of the range."""
        self._live()
        return int(self._res.start)

    @property
    @operation
    def end(self) -> int:
        """The first byte address after the range."""
        self._live()
        return int(self._res.end)

    @property
    @operation
    def size(self) -> int:
        """The size of the range in bytes."""
        self._live()
        return int(self._res.end - self._res.start)

    @property
    @operation
    def rights_deferred(self) -> bool:
        """True for a deferred-rights reservation (``rights_deferred`` of sel4utils' reservation):
        its pages get their rights at map time."""
        self._live()
        return bool(self._res.rights_deferred)

    @property
    @operation
    def rights(self) -> CapRights | None:
        """The reservation's rights; None for a deferred-rights reservation (given at map time)."""
        self._live()
        return None if self._res.rights_deferred else CapRights.from_c(self._res.rights)

    @property
    @operation
    def cacheable(self) -> bool:
        """Whether pages mapped into it are mapped cacheable."""
        self._live()
        return bool(self._res.cacheable)

    @operation
    def contains(self, vaddr: int, size: int = 1) -> bool:
        """True when ``[vaddr, vaddr + size)`` (bytes) lies inside the range."""
        self._live()
        return int(self._res.start) <= vaddr and vaddr + size <= int(self._res.end)

    @operation
    def free(self) -> None:
        """Free the reservation (:meth:`VSpace.free_reservation`, ``vspace_free_reservation``)."""
        self._live()._free_reservation(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._vspace is not None and not self._vspace.torn_down:
            self.free()

    def __repr__(self) -> str:
        if self._vspace is None or self._vspace.torn_down:
            return "<Reservation freed>"
        if _guard.in_operation():  # repr from a debugger or signal handler, in the middle of a call
            return "<Reservation>"
        return _guard.run("Reservation.__repr__", self._lock, self._describe)

    def _describe(self) -> str:
        if self._vspace is None or self._vspace.torn_down:
            return "<Reservation freed>"
        res = self._res
        what = "deferred" if res.rights_deferred else str(CapRights.from_c(res.rights))
        return f"<Reservation {int(res.start):#x}-{int(res.end):#x} {what}{'' if res.cacheable else ' uncached'}>"


def _tear_down_host_vspace(kernel_ref: weakref.ref[Kernel], key: int) -> None:
    """The finalizer of a VSpace nobody references (run by _guard between operations)."""
    kernel = kernel_ref()
    if kernel is not None and not kernel.closed:
        kernel._destroy_vspace(key)


class VSpace:
    """One address space of a :class:`~sel4vspace.Kernel`, managed by the sel4utils vspace allocator
    (``sel4utils_get_vspace``): a vspace root with an ASID, the allocator's reservations and its record of
    every page it mapped.

    Create with :meth:`Kernel.new_vspace <sel4vspace.Kernel.new_vspace>`. A context manager:
    leaving the block tears it down. Addresses and sizes are in bytes; ``size_bits`` is a frame
    size (12: 4 KiB, 21: 2 MiB, 30: 1 GiB); ranges must end at or below ``seL4_UserTop``."""

    kernel: Kernel
    """The kernel this address space lives in."""
    name: str | None
    """The label given to :meth:`Kernel.new_vspace`, if any."""
    root: int
    """The cap of the root paging structure (the vspace root)."""
    _host: Any
    _key: int
    _c: Any
    _reservations: dict[int, Reservation]
    """The live reservations made through this object, by start address."""
    _probe: Any
    # Cached for the calls made in loops: the kernel's liveness flag and pointer, and the C
    # structs those calls fill (one of each per vspace instead of an ffi.new per call).
    _alive: list[bool]
    _kernel_ptr: Any
    _entry: Any
    _entry_words: Any
    _fault: Any
    _result: Any
    _status: memoryview
    """The status word of _result (kernel.status_word)."""
    _foreign: list[int]
    """Shared with the kernel: at least as many as this vspace's pages that do not map the
    caller's frames (see unmap_pages)."""
    _torn_down: bool
    _lock: Any
    """The kernel's lock: every operation on the vspace holds it."""
    _finalizer: weakref.finalize[..., VSpace]

    def __init__(self) -> None:  # pragma: no cover - use Kernel.new_vspace
        raise TypeError("create a VSpace with Kernel.new_vspace()")

    @classmethod
    def _create(cls, kernel: Kernel, host_vspace: Any, key: int, name: str | None, c_vspace: Any,
                root: int) -> VSpace:
        # No C call here: Kernel.new_vspace runs this right after the C made the vspace, where an
        # exception (KeyboardInterrupt) as a call returns would leave it without its object.
        self = object.__new__(cls)
        self.kernel = kernel
        self.name = name
        self._host = host_vspace
        self._key = key
        self._c = c_vspace
        self.root = root
        self._reservations = {}
        self._probe = ffi.new("sel4sim_mapping_t[]", _PROBE_ENTRIES)
        self._alive = kernel._alive
        self._kernel_ptr = kernel._kernel
        self._entry = ffi.new("sel4sim_mapping_t *")
        self._entry_words = ffi.buffer(self._entry)
        self._fault = ffi.new("sel4sim_fault_t *")
        self._result = ffi.new("sel4vspace_call_result_t *")
        self._status = status_word(self._result)
        self._foreign = kernel._foreign_pages.setdefault(key, [0])
        self._torn_down = False
        self._lock = kernel._lock
        self._finalizer = weakref.finalize(self, _guard.finalizer, kernel._lock, _tear_down_host_vspace,
                                           weakref.ref(kernel), key)
        return self

    # ---- lifetime ----

    @property
    def torn_down(self) -> bool:
        """True once the vspace was torn down, or its kernel closed."""
        return self._torn_down or self.kernel.closed

    def _live(self) -> Any:
        """Select this vspace's kernel; StaleObjectError if torn down. Returns the kernel pointer."""
        if self._torn_down:
            raise StaleObjectError("this VSpace was torn down")
        return self.kernel._enter()

    @property
    @operation
    def c_vspace(self) -> Any:
        """The ``vspace_t *`` (for lowlevel calls)."""
        self._live()
        return self._c

    @operation
    def tear_down(self) -> None:
        """Tear the vspace down (``vspace_tear_down``): every mapping, reservation and paging structure
        goes, frames the vspace allocated itself (new_pages) are freed (and unmapped wherever they were
        shared), frames the caller mapped stay the caller's, unmapped. Garbage collection of an
        unreferenced VSpace does the same. One C call: an exception that interrupts it leaves the vspace
        whole (call it again) or torn down. Raises :class:`~sel4vspace.StaleObjectError` if the vspace
        was torn down or its kernel closed, :class:`~sel4vspace.VSpaceError` if the host has no memory
        for the list of its pages (nothing is done)."""
        self._live()
        kernel = self.kernel
        try:
            kernel._destroy_vspace(self._key)
        finally:
            if self._key not in kernel._host_vspaces:   # gone in C: this object follows
                self._finalizer.detach()
                for reservation in list(self._reservations.values()):
                    reservation._vspace = None
                self._reservations.clear()
                self._torn_down = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.torn_down:
            self.tear_down()

    # ---- argument helpers ----

    def _reservation(self, reservation: Any) -> Reservation:
        if not isinstance(reservation, Reservation):
            raise TypeError(f"reservation must be a Reservation, not {type(reservation).__name__}")
        if reservation._vspace is None:
            raise StaleObjectError("this Reservation was freed")
        if reservation._vspace is not self:
            raise ValueError("the reservation belongs to another vspace")
        return reservation

    def _aligned(self, name: str, value: Any, size_bits: int) -> int:
        vaddr = _check.address(name, value)
        if vaddr & ((1 << size_bits) - 1):
            raise ValueError(f"{name} {vaddr:#x} is not aligned to {1 << size_bits:#x}")
        return vaddr

    @staticmethod
    def _span(name: str, vaddr: int, size: int, limit: int = USER_TOP) -> None:
        # Checked here as well as in C: upstream sel4utils indexes its tables with the address bits
        # it has, so a range above the user half would alias one below it.
        if vaddr + size > _ADDRESS_LIMIT:
            raise ValueError(f"{name} {vaddr:#x} + {size:#x} wraps past the end of the address space")
        if vaddr + size > limit:
            raise ValueError(f"{name} {vaddr:#x} + {size:#x} reaches above seL4_UserTop ({limit:#x}), "
                             "into the kernel's part of the address space")

    def _call(self) -> Any:
        """The vspace's result struct, made ready for a call (operations hold the kernel's lock)."""
        self._status[0] = NOT_RUN
        return self._result

    def _check_frames(self, c_caps: Any, count: int, size_bits: int) -> None:
        bad = ffi.new("size_t *")
        reason = lib.sel4sim_check_frame_caps(self.kernel._kernel, c_caps, count, size_bits, bad)
        if reason != _FRAME_CAP_OK:
            self._refuse_frames(c_caps, reason, int(bad[0]))

    @staticmethod
    def _refuse_frames(c_caps: Any, reason: int, index: int) -> None:
        message = f"caps[{index}] ({int(c_caps[index])}) {_FRAME_CHECK_MESSAGES.get(reason, 'is unusable')}"
        if reason == _FRAME_CAP_EMPTY:
            raise StaleObjectError(message)
        raise ValueError(message)

    # ---- reservations ----

    def _reserve(self, function: str, vaddr: Any, size: Any, rights: Any, cacheable: Any, deferred: int) -> Reservation:
        if (type(vaddr) is int and type(size) is int and type(cacheable) is bool and vaddr >= 0
                and not vaddr & _PAGE_MASK and size >= 1 and vaddr + size <= USER_TOP
                and (deferred or type(rights) is CapRights)):
            bits = 0 if deferred else rights._bits
        else:  # the checks one by one, for the error that names the first bad argument
            vaddr = self._aligned("vaddr", vaddr, PAGE_BITS)
            size = _check.integer("size", size, 1)
            self._span("vaddr", vaddr, size)
            bits = 0 if deferred else CapRights.coerce(rights)._bits
            cacheable = _check.boolean("cacheable", cacheable)
        if self._torn_down or not self._alive[0]:
            self._live()
        status = self._status
        status[0] = NOT_RUN
        out = self._result
        reservation = None
        try:
            lib.sel4vspace_host_call_reserve(self._host, vaddr, size, bits, cacheable, deferred, out)
        finally:
            if status[0] == OK:
                reservation = self._reservations[vaddr] = Reservation._create(self, out.res, vaddr)
        if reservation is None:
            raise cspace_full_error(function) or VSpaceError(function, last_c_error(), None)
        return reservation

    @operation
    def reserve_range_at(self, vaddr: int, size: int, rights: CapRights | str, cacheable: bool = True) -> Reservation:
        """Reserve ``size`` bytes at ``vaddr`` (4 KiB aligned) for pages mapped later with ``rights``
        (``vspace_reserve_range_at``). ``cacheable`` applies to those mappings.

        Raises TypeError / ValueError (naming the argument) for a bad argument, before any C runs;
        :class:`~sel4vspace.VSpaceError` if the allocator refuses (part of the range is reserved or
        mapped already, its bookkeeping ran out); :class:`~sel4vspace.StaleObjectError` if the vspace
        was torn down or its kernel closed."""
        return self._reserve("vspace_reserve_range_at", vaddr, size, rights, cacheable, 0)

    @operation
    def reserve_range_aligned(self, size: int, size_bits: int, rights: CapRights | str,
                              cacheable: bool = True) -> Reservation:
        """Reserve ``size`` bytes anywhere, starting at a multiple of ``2**size_bits`` (a frame size),
        with ``rights`` (``vspace_reserve_range_aligned``). The start is the reservation's
        :attr:`~Reservation.start`.

        Raises TypeError / ValueError (naming the argument) for a bad argument, before any C runs;
        :class:`~sel4vspace.VSpaceError` if no such range is free; :class:`~sel4vspace.StaleObjectError`
        if the vspace was torn down or its kernel closed."""
        size = _check.integer("size", size, 1)
        size_bits = frame_size_bits("size_bits", size_bits)
        bits = CapRights.coerce(rights)._bits
        cacheable = _check.boolean("cacheable", cacheable)
        self._live()
        out = self._call()
        reservation = None
        try:
            lib.sel4vspace_host_call_reserve_aligned(self._host, size, size_bits, bits, cacheable, out)
        finally:
            if self._status[0] == OK:
                reservation = Reservation._create(self, out.res)
                self._reservations[reservation._key] = reservation
        if reservation is None:
            raise VSpaceError("vspace_reserve_range_aligned", last_c_error(), None)
        return reservation

    @operation
    def reserve_deferred_rights_range_at(self, vaddr: int, size: int, cacheable: bool = True) -> Reservation:
        """Reserve ``size`` bytes at ``vaddr`` (4 KiB aligned) without rights: whoever maps into it
        gives them (:meth:`deferred_rights_map_pages_at_vaddr`);
        ``vspace_reserve_deferred_rights_range_at``. :meth:`map_pages_at_vaddr`,
        :meth:`new_pages_at_vaddr` and :meth:`share_mem_at_vaddr` refuse a deferred reservation.

        Raises TypeError / ValueError (naming the argument) for a bad argument, before any C runs;
        :class:`~sel4vspace.VSpaceError` if the allocator refuses; :class:`~sel4vspace.StaleObjectError`
        if the vspace was torn down or its kernel closed."""
        return self._reserve("vspace_reserve_deferred_rights_range_at", vaddr, size, None, cacheable, 1)

    @operation
    def reservations(self) -> list[Reservation]:
        """The live reservations made through this object, by start address."""
        self._live()
        return [self._reservations[start] for start in sorted(self._reservations)]

    @operation
    def free_reservation(self, reservation: Reservation) -> None:
        """Free a reservation (``vspace_free_reservation``); its addresses can be reserved again.

        Refused with :class:`~sel4vspace.VSpaceError` naming them while pages in it are mapped
        (upstream sel4utils would strand those pages and the range behind them); TypeError if
        ``reservation`` is not a :class:`Reservation`, ValueError if it belongs to another vspace,
        :class:`~sel4vspace.StaleObjectError` if it was freed already or the vspace torn down."""
        if type(reservation) is not Reservation or reservation._vspace is not self:
            reservation = self._reservation(reservation)
        if self._torn_down or not self._alive[0]:
            self._live()
        self._free_reservation(reservation)

    def _free_reservation(self, reservation: Reservation) -> None:
        # the kernel lists what is mapped in the range: O(levels + pages in it), not O(vspace)
        probe, out, word = self._probe, self._result, self._status
        word[0] = NOT_RUN
        try:
            lib.sel4vspace_host_call_free_reservation(self._host, reservation._res, probe, _PROBE_ENTRIES, out)
        finally:
            status = word[0]
            if status == OK:
                reservation._vspace = None
                self._reservations.pop(reservation._key, None)
        if status:
            if status != _CALL_REFUSED:
                raise VSpaceError("vspace_free_reservation", last_c_error(), None)
            mapped, start, end = int(out.index), int(reservation._res.start), int(reservation._res.end)
            listed = ", ".join(f"{int(probe[i].vaddr):#x}" for i in range(min(mapped, _PROBE_ENTRIES)))
            more = f" and {mapped - _PROBE_ENTRIES} more" if mapped > _PROBE_ENTRIES else ""
            raise VSpaceError("vspace_free_reservation", None,
                              f"{mapped} page(s) still mapped in {start:#x}-{end:#x}: {listed}{more}; "
                              "unmap them first")

    @operation
    def free_reservation_by_vaddr(self, vaddr: int) -> None:
        """Free the reservation that contains ``vaddr`` (``vspace_free_reservation_by_vaddr``), as
        :meth:`free_reservation` does.

        Raises TypeError / ValueError (naming the argument) for a bad argument, before any C runs;
        :class:`~sel4vspace.VSpaceError` if no reservation of this vspace contains ``vaddr``, or pages
        in it are mapped; :class:`~sel4vspace.StaleObjectError` if the vspace was torn down or its
        kernel closed."""
        if type(vaddr) is not int or not 0 <= vaddr < _ADDRESS_LIMIT:
            vaddr = _check.address("vaddr", vaddr)
        if self._torn_down or not self._alive[0]:
            self._live()
        reservation = self._reservations.get(vaddr)  # the usual case: vaddr is where it starts
        if reservation is None:
            for candidate in self._reservations.values():
                if int(candidate._res.start) <= vaddr < int(candidate._res.end):
                    reservation = candidate
                    break
        if reservation is not None:
            self._free_reservation(reservation)
            return
        raise VSpaceError("vspace_free_reservation_by_vaddr", None, f"no reservation contains {vaddr:#x}")

    # ---- mapping ----

    def _prepare_map(self, caps: Any, vaddr: Any, size_bits: Any, cookies: Any) -> tuple[Any, int, int, int, Any]:
        """Checked arguments of a map: (caps array, count, vaddr, size_bits, cookies array or NULL)."""
        if (type(size_bits) is int and size_bits in _FRAME_BITS and type(vaddr) is int and vaddr >= 0
                and not vaddr & ((1 << size_bits) - 1) and type(caps) is list and caps
                and set(map(type, caps)) == _JUST_INT and vaddr + (len(caps) << size_bits) <= USER_TOP
                and cookies is None):
            try:
                return ffi.new(_CPTR_ARRAY, caps), len(caps), vaddr, size_bits, ffi.NULL
            except OverflowError:
                pass  # a value beyond 64 bits: the checks below name it
        size_bits = frame_size_bits("size_bits", size_bits)
        vaddr = self._aligned("vaddr", vaddr, size_bits)
        c_caps = ll.caps_array(caps)
        count = len(c_caps)
        if count == 0:
            raise ValueError("caps is empty: nothing to map")
        self._span("vaddr", vaddr, count << size_bits)
        c_cookies = ll.cookies_array(cookies, count)  # type and length checks before any C runs
        return c_caps, count, vaddr, size_bits, c_cookies

    def _map(self, function: str, c_caps: Any, c_cookies: Any, count: int, vaddr: int, size_bits: int,
             bits: int, deferred: int, reservation: Reservation) -> None:
        """Check the frames and map them, in one C call; all or nothing."""
        if self._torn_down or not self._alive[0]:
            self._live()
        out = self._result
        # all or nothing in C (pages a failed call mapped are unmapped before it returns): nothing
        # to record here, so an exception as it returns leaves a state the C made whole
        status = lib.sel4vspace_host_call_map(self._host, c_caps, c_cookies, count, vaddr, size_bits, bits, deferred,
                                              reservation._res, out)
        if not status:
            return
        if status == _CALL_REFUSED:
            self._refuse_frames(c_caps, int(out.check), int(out.index))
        raise cspace_full_error(function) or VSpaceError(function, last_c_error(), f"returned {int(out.result)}")

    @operation
    def map_pages_at_vaddr(self, caps: Any, vaddr: int, reservation: Reservation, size_bits: int = 12,
                           cookies: Any = None) -> None:
        """Map the frame caps at ``vaddr`` inside ``reservation``, with the reservation's rights
        (``vspace_map_pages_at_vaddr``): page ``i`` is ``caps[i]`` at ``vaddr + i * 2**size_bits``.

        ``caps`` is a list or tuple of ints, or a buffer of uint64 (``array("Q")``, a NumPy ``uint64``
        array) that C reads in place; ``cookies`` (optional) is one int per cap, recorded by the
        allocator (:meth:`get_cookie`). Every cap must be an unmapped frame cap of ``2**size_bits``
        bytes. All or nothing: a call that fails part-way leaves none of its pages mapped.

        Raises TypeError / ValueError (naming the argument) for a bad argument, before any C runs (also:
        a cap that is not a frame, is of another size or is mapped already);
        :class:`~sel4vspace.StaleObjectError` for a deleted cap, a freed reservation or a torn-down
        vspace; :class:`~sel4vspace.VSpaceError` if the allocator refuses (a deferred reservation, a
        page outside the reservation or mapped already, memory for paging structures ran out)."""
        if type(reservation) is not Reservation or reservation._vspace is not self:
            reservation = self._reservation(reservation)
        c_caps, count, vaddr, size_bits, c_cookies = self._prepare_map(caps, vaddr, size_bits, cookies)
        self._map("vspace_map_pages_at_vaddr", c_caps, c_cookies, count, vaddr, size_bits, 0, 0, reservation)

    @operation
    def deferred_rights_map_pages_at_vaddr(self, caps: Any, vaddr: int, rights: CapRights | str,
                                           reservation: Reservation, size_bits: int = 12,
                                           cookies: Any = None) -> None:
        """Map the frame caps at ``vaddr`` inside a deferred-rights ``reservation``, with ``rights``
        given now (``vspace_deferred_rights_map_pages_at_vaddr``). ``rights`` is a
        :class:`~sel4vspace.CapRights` or a string (``"rw"``, ``"r"``); the mappings' effective rights
        are these masked by each cap's rights (seL4's ``maskVMRights``: write without read maps
        kernel-only). Everything else is as :meth:`map_pages_at_vaddr`, whose errors it raises; the
        allocator refuses a reservation that was made with rights."""
        if type(reservation) is not Reservation or reservation._vspace is not self:
            reservation = self._reservation(reservation)
        bits = rights._bits if type(rights) is CapRights else CapRights.coerce(rights)._bits
        c_caps, count, vaddr, size_bits, c_cookies = self._prepare_map(caps, vaddr, size_bits, cookies)
        self._map("vspace_deferred_rights_map_pages_at_vaddr", c_caps, c_cookies, count, vaddr, size_bits, bits, 1,
                  reservation)

    @operation
    def map_pages(self, caps: Any, rights: CapRights | str, size_bits: int = 12, cacheable: bool = True,
                  cookies: Any = None) -> int:
        """Map the frame caps anywhere the allocator finds room, with ``rights`` (``vspace_map_pages``);
        returns the start address. ``caps`` and ``cookies`` as for :meth:`map_pages_at_vaddr`; all or
        nothing.

        Raises TypeError / ValueError (naming the argument) for a bad argument, before any C runs (also
        for caps that are not unmapped frames of the size); :class:`~sel4vspace.StaleObjectError` for a
        deleted cap or a torn-down vspace; :class:`~sel4vspace.VSpaceError` if the allocator fails (no
        room, memory ran out)."""
        bits = CapRights.coerce(rights)._bits
        cacheable = _check.boolean("cacheable", cacheable)
        size_bits = frame_size_bits("size_bits", size_bits)
        c_caps = ll.caps_array(caps)
        count = len(c_caps)
        if count == 0:
            raise ValueError("caps is empty: nothing to map")
        c_cookies = ll.cookies_array(cookies, count)
        if self._torn_down or not self._alive[0]:
            self._live()
        out = self._result
        status = lib.sel4vspace_host_call_map_pages(self._host, c_caps, c_cookies, count, size_bits, bits, cacheable,
                                                    out)
        if status == _CALL_REFUSED:
            self._refuse_frames(c_caps, int(out.check), int(out.index))
        if status:
            raise cspace_full_error("vspace_map_pages") or VSpaceError("vspace_map_pages", last_c_error(), None)
        return int(out.vaddr)

    @operation
    def new_pages(self, num_pages: int, rights: CapRights | str, size_bits: int = 12) -> int:
        """Allocate ``num_pages`` frames of ``2**size_bits`` bytes through the vspace's own vka and map
        them anywhere with ``rights`` (``vspace_new_pages``); returns the start address. The frames
        belong to the vspace: ``unmap_pages(..., free=True)`` or :meth:`tear_down` returns their memory.

        Raises TypeError / ValueError (naming the argument) for a bad argument, before any C runs;
        :class:`~sel4vspace.VSpaceError` if memory or room runs out;
        :class:`~sel4vspace.StaleObjectError` if the vspace was torn down or its kernel closed."""
        num_pages = _check.integer("num_pages", num_pages, 1, 2**40)
        bits = CapRights.coerce(rights)._bits
        size_bits = frame_size_bits("size_bits", size_bits)
        self._live()
        out = self._call()
        try:
            lib.sel4vspace_host_call_new_pages(self._host, bits, num_pages, size_bits, out)
        finally:
            if self._status[0] == OK:
                self._foreign[0] += num_pages
        if self._status[0] != OK:
            raise cspace_full_error("vspace_new_pages") or VSpaceError("vspace_new_pages", last_c_error(), None)
        return int(out.vaddr)

    @operation
    def new_pages_at_vaddr(self, vaddr: int, num_pages: int, reservation: Reservation, size_bits: int = 12) -> None:
        """Allocate ``num_pages`` frames of ``2**size_bits`` bytes and map them at ``vaddr`` inside
        ``reservation``, with its rights (``vspace_new_pages_at_vaddr``). The frames belong to the
        vspace, as with :meth:`new_pages`.

        Raises TypeError / ValueError (naming the argument) for a bad argument, before any C runs;
        :class:`~sel4vspace.VSpaceError` for a deferred-rights reservation (refused before the C runs:
        upstream would map with no rights) and whatever the allocator refuses;
        :class:`~sel4vspace.StaleObjectError` for a freed reservation or a torn-down vspace."""
        reservation = self._reservation(reservation)
        size_bits = frame_size_bits("size_bits", size_bits)
        vaddr = self._aligned("vaddr", vaddr, size_bits)
        num_pages = _check.integer("num_pages", num_pages, 1, 2**40)
        self._span("vaddr", vaddr, num_pages << size_bits)
        self._live()
        self._refuse_deferred(reservation, "vspace_new_pages_at_vaddr")
        # On failure the C frees the frames it allocated (upstream's as well as the vendored one);
        # pages of the range mapped before the call are not this call's to touch.
        out = self._call()
        try:
            lib.sel4vspace_host_call_new_pages_at(self._host, vaddr, num_pages, size_bits, reservation._res, out)
        finally:
            if self._status[0] == OK:
                self._foreign[0] += num_pages
        if self._status[0] != OK:
            raise cspace_full_error("vspace_new_pages_at_vaddr") or VSpaceError(
                "vspace_new_pages_at_vaddr", last_c_error(), f"returned {int(out.result)}")

    @staticmethod
    def _refuse_deferred(reservation: Reservation, function: str) -> None:
        # Upstream's defect: it maps into a deferred reservation with no rights here.
        if reservation._res.rights_deferred:
            raise VSpaceError(function, None, "the reservation has no rights (deferred); "
                                              "use deferred_rights_map_pages_at_vaddr")

    @operation
    def share_mem_at_vaddr(self, to: VSpace, start: int, num_pages: int, vaddr: int, reservation: Reservation,
                           size_bits: int = 12) -> None:
        """Map the ``num_pages`` pages mapped at ``start`` here into ``to`` at ``vaddr``, inside
        ``to``'s ``reservation`` and with its rights, as copies of their frame caps
        (``vspace_share_mem_at_vaddr``). The copies belong to ``to``: unmapping them there deletes them.

        Raises TypeError / ValueError (naming the argument) for a bad argument, before any C runs (also:
        ``to`` of another kernel); :class:`~sel4vspace.VSpaceError` if a page at ``start`` is not mapped
        (with that size), for a deferred-rights reservation, or when the allocator refuses;
        :class:`~sel4vspace.StaleObjectError` for a freed reservation or a torn-down vspace."""
        if not isinstance(to, VSpace):
            raise TypeError(f"to must be a VSpace, not {type(to).__name__}")
        if to.kernel is not self.kernel:
            raise ValueError("cannot share memory between vspaces of different kernels")
        reservation = to._reservation(reservation)
        size_bits = frame_size_bits("size_bits", size_bits)
        start = self._aligned("start", start, size_bits)
        vaddr = to._aligned("vaddr", vaddr, size_bits)
        num_pages = _check.integer("num_pages", num_pages, 1, 2**31 - 1)
        self._span("start", start, num_pages << size_bits)
        self._span("vaddr", vaddr, num_pages << size_bits)
        self._live()
        to._live()
        self._refuse_deferred(reservation, "vspace_share_mem_at_vaddr")
        self._require_mapped(start, num_pages, size_bits, "vspace_share_mem_at_vaddr")
        paddrs = self._paddrs(start, size_bits, list(range(num_pages)))
        out = self._call()
        try:
            lib.sel4vspace_host_call_share(self._host, to._host, start, num_pages, size_bits, vaddr, reservation._res,
                                           out)
        finally:
            if self._status[0] == OK:
                # the copies are to's own: unmapping them deletes them, and freeing or deleting
                # their frames first unmaps them (the kernel's shared set says where to look)
                to._foreign[0] += num_pages
                self.kernel._shared.update(paddrs)
        if self._status[0] != OK:
            raise VSpaceError("vspace_share_mem_at_vaddr", last_c_error(), f"returned {int(out.result)}")

    def _require_mapped(self, vaddr: int, num_pages: int, size_bits: int, function: str) -> None:
        bad = ffi.new("size_t *")
        reason = lib.sel4vspace_host_check_mapped(self.kernel._kernel, self.root, vaddr, num_pages, size_bits, bad)
        if reason != _RANGE_MAPPED:
            self._refuse_unmapped(function, vaddr, size_bits, reason, int(bad[0]))

    @staticmethod
    def _refuse_unmapped(function: str, vaddr: int, size_bits: int, reason: int, index: int) -> None:
        page = vaddr + (index << size_bits)
        what = "is not mapped" if reason == _RANGE_HOLE else "is mapped with another page size"
        raise VSpaceError(function, None, f"page {page:#x} {what}")

    @operation
    def unmap_pages(self, vaddr: int, num_pages: int, size_bits: int = 12, free: bool = False) -> None:
        """Unmap ``num_pages`` pages of ``2**size_bits`` bytes from ``vaddr`` (``vspace_unmap_pages``);
        reservations stay.

        Frames from :meth:`Kernel.alloc_frame <sel4vspace.Kernel.alloc_frame>` (and their copies) stay
        the caller's: ``free=True`` is refused for them. Frames the vspace allocated itself (new_pages)
        are freed with ``free=True`` (and first unmapped wherever they were shared); with ``free=False``
        they become the caller's, as if from ``alloc_frame`` (their caps are what :meth:`get_cap` said
        before the unmap). Caps the vspace copied for :meth:`share_mem_at_vaddr` are deleted.

        Raises TypeError / ValueError (naming the argument) for a bad argument, before any C runs;
        :class:`~sel4vspace.VSpaceError` if a page is not mapped or mapped with another size (refused
        before the C runs: upstream asserts); :class:`~sel4vspace.StaleObjectError` if the vspace was
        torn down or its kernel closed."""
        if (free is False and type(size_bits) is int and size_bits in _FRAME_BITS and type(vaddr) is int
                and type(num_pages) is int and vaddr >= 0 and not vaddr & ((1 << size_bits) - 1)
                and 1 <= num_pages <= _MAX_PAGES and vaddr + (num_pages << size_bits) <= USER_TOP
                and not self._foreign[0]):
            # the usual call, checked above, in a vspace mapping only the caller's frames: check
            # mapped and unmap in one C call
            if self._torn_down or not self._alive[0]:
                self._live()
            out = self._result
            status = lib.sel4vspace_host_call_unmap(self._host, vaddr, num_pages, size_bits, _VSPACE_PRESERVE, out)
            if status == _CALL_REFUSED:
                self._refuse_unmapped("vspace_unmap_pages", vaddr, size_bits, int(out.check), int(out.index))
            if status:
                raise VSpaceError("vspace_unmap_pages", last_c_error(), None)
            return
        size_bits = frame_size_bits("size_bits", size_bits)
        vaddr = self._aligned("vaddr", vaddr, size_bits)
        num_pages = _check.integer("num_pages", num_pages, 1, 2**40)
        self._span("vaddr", vaddr, num_pages << size_bits)
        free = _check.boolean("free", free)
        self._live()
        self._require_mapped(vaddr, num_pages, size_bits, "vspace_unmap_pages")
        # every page is mapped now, so num_pages is bounded by what the vspace really maps
        caps, cookies = self._entries(vaddr, num_pages, size_bits)
        frames = self.kernel._frames
        callers = [cap in frames for cap in caps]
        if free and any(callers):
            i = callers.index(True)
            raise ValueError(f"page {vaddr + (i << size_bits):#x} maps cap {caps[i]} from Kernel.alloc_frame; "
                             "it stays the caller's (unmap with free=False, then Kernel.delete_cap)")
        kinds = bytes(_PAGE_KINDS["callers"] if mine else _PAGE_KINDS["own"] if cookie else _PAGE_KINDS["copy"]
                      for mine, cookie in zip(callers, cookies, strict=True))
        own = [i for i in range(num_pages) if kinds[i] == _PAGE_KINDS["own"]]
        foreign = num_pages - sum(callers)
        # freeing revokes a frame: the C first unmaps its copies in other vspaces, through their
        # allocators, for the frames that may have some
        freed = set(self._paddrs(vaddr, size_bits, own)) if own and free else set()
        shared = sorted(self.kernel._shared) if freed else []
        out = self._call()
        try:
            lib.sel4vspace_host_call_unmap_mixed(self._host, vaddr, num_pages, size_bits,
                                                 ffi.from_buffer("uint8_t[]", kinds), free, shared, len(shared), out)
        finally:
            if self._status[0] == OK:
                if not free:
                    for i in own:   # unmapped without freeing: the caller's now
                        self.kernel._adopt(caps[i], size_bits, cookies[i])
                self.kernel._shared.difference_update(freed)
                self._foreign[0] = max(0, self._foreign[0] - foreign)
        if self._status[0] == _CALL_REFUSED:
            self._refuse_unmapped("vspace_unmap_pages", vaddr, size_bits, int(out.check), int(out.index))
        if self._status[0] != OK:
            raise VSpaceError("vspace_unmap_pages", last_c_error(), None)

    def _entries(self, vaddr: int, count: int, size_bits: int) -> tuple[list[int], list[int]]:
        """The caps and cookies the allocator recorded for count pages from vaddr, in one C call."""
        caps = _new_uncleared("seL4_CPtr[]", count)
        cookies = _new_uncleared("uintptr_t[]", count)
        lib.sel4vspace_host_range_entries(self._c, vaddr, count, size_bits, caps, cookies)
        return ffi.unpack(caps, count), ffi.unpack(cookies, count)

    def _paddrs(self, vaddr: int, size_bits: int, indices: list[int]) -> list[int]:
        out = []
        for i in indices:
            if lib.sel4sim_vspace_translate(self._kernel_ptr, self.root, vaddr + (i << size_bits), self._entry):
                out.append(int(self._entry.paddr))
        return out

    @operation
    def get_cap(self, vaddr: int) -> int:
        """The frame cap the allocator recorded at ``vaddr`` (``vspace_get_cap``); 0 when none. Raises
        TypeError / ValueError (naming the argument) for a bad argument, before any C runs;
        :class:`~sel4vspace.StaleObjectError` if the vspace was torn down or its kernel closed."""
        if type(vaddr) is not int or not 0 <= vaddr < _ADDRESS_LIMIT:
            vaddr = _check.address("vaddr", vaddr)
        if self._torn_down or not self._alive[0]:
            self._live()
        return int(lib.vspace_get_cap(self._c, ffi.cast("void *", vaddr)))

    @operation
    def get_cookie(self, vaddr: int) -> int:
        """The allocation cookie the allocator recorded at ``vaddr`` (``vspace_get_cookie``); 0 when
        none. Raises TypeError / ValueError (naming the argument) for a bad argument, before any C runs;
        :class:`~sel4vspace.StaleObjectError` if the vspace was torn down or its kernel closed."""
        if type(vaddr) is not int or not 0 <= vaddr < _ADDRESS_LIMIT:
            vaddr = _check.address("vaddr", vaddr)
        if self._torn_down or not self._alive[0]:
            self._live()
        return int(lib.vspace_get_cookie(self._c, ffi.cast("void *", vaddr)))

    # ---- the simulated kernel's view ----

    @operation
    def lookup(self, vaddr: int) -> Mapping | None:
        """The kernel's mapping covering ``vaddr`` (any byte of the page), read from the simulated page
        tables, or None. Raises TypeError / ValueError (naming the argument) for a bad argument, before
        any C runs; :class:`~sel4vspace.StaleObjectError` if the vspace was torn down or its kernel
        closed."""
        if type(vaddr) is not int or not 0 <= vaddr < _ADDRESS_LIMIT:
            vaddr = _check.address("vaddr", vaddr)
        if self._torn_down or not self._alive[0]:
            self._live()
        return self._lookup(vaddr)

    def _lookup(self, vaddr: int) -> Mapping | None:
        if not lib.sel4sim_vspace_lookup(self._kernel_ptr, self.root, vaddr, self._entry):
            return None
        return _mapping_from_words(_MAPPING_WORDS.unpack(self._entry_words))

    @operation
    def mappings(self) -> list[Mapping]:
        """Every mapping of this address space as the kernel's page tables hold it, by address.
        Raises :class:`~sel4vspace.StaleObjectError` if the vspace was torn down or its kernel closed."""
        kernel = self._live()
        total = lib.sel4sim_vspace_mappings(kernel, self.root, ffi.NULL, 0)
        if total == 0:
            return []
        entries = ffi.new("sel4sim_mapping_t[]", total)
        total = min(total, lib.sel4sim_vspace_mappings(kernel, self.root, entries, total))
        words = _MAPPING_WORDS.iter_unpack(ffi.buffer(entries, total * _MAPPING_WORDS.size))
        return [_mapping_from_words(entry) for entry in words]

    @operation
    def read(self, vaddr: int, n: int) -> bytes:
        """Read ``n`` bytes (0 to 2**40) at ``vaddr`` through the simulated MMU, as user code would;
        crosses pages. Raises :class:`~sel4vspace.VMFault` (the first faulting address, ``"unmapped"``
        or ``"permission"``) if the MMU refuses any byte; TypeError / ValueError (naming the argument)
        for a bad argument, before any C runs; :class:`~sel4vspace.StaleObjectError` if the vspace was
        torn down or its kernel closed."""
        if not (type(vaddr) is int and type(n) is int and 0 <= vaddr < _ADDRESS_LIMIT and 0 <= n <= _MAX_PAGES
                and vaddr + n <= _ADDRESS_LIMIT):
            vaddr = _check.address("vaddr", vaddr)
            n = _check.integer("n", n, 0, 2**40)
            vaddr = self._access("vaddr", vaddr, n)
        if self._torn_down or not self._alive[0]:
            self._live()
        if n > _READ_CHUNK:
            return self._read_long(vaddr, n)
        buffer = _new_uncleared("char[]", n or 1)  # every byte is written by the read (or it faults)
        if lib.sel4sim_mmu_read(self._kernel_ptr, self.root, vaddr, buffer, n, self._fault) != 0:
            raise _fault(self._fault)
        data: bytes = ffi.unpack(buffer, n)
        return data

    def _access(self, name: str, vaddr: Any, size: int) -> int:
        """The one rule of every MMU access (read, read_into, write): an address of 0 to 2**64 - 1
        whose ``size`` bytes end at or below 2**64."""
        address = _check.address(name, vaddr)
        self._span(name, address, size, _ADDRESS_LIMIT)
        return address

    def _read_long(self, vaddr: int, n: int) -> bytes:
        # A chunk at a time, so that a huge n over unmapped memory faults before the host is asked
        # for n bytes (n may be up to 2**40); reads have no side effects, the first fault is the same.
        out = bytearray()
        buffer = _new_uncleared("char[]", _READ_CHUNK)
        for offset in range(0, n, _READ_CHUNK):
            length = min(_READ_CHUNK, n - offset)
            if lib.sel4sim_mmu_read(self._kernel_ptr, self.root, vaddr + offset, buffer, length, self._fault) != 0:
                raise _fault(self._fault)
            out += ffi.buffer(buffer, length)
        return bytes(out)

    @operation
    def read_into(self, vaddr: int, buffer: Any) -> int:
        """Read as many bytes as ``buffer`` holds (its size in bytes, whatever its item size or shape)
        at ``vaddr`` into it, a writable, contiguous bytes-like object (``bytearray``, ``memoryview``,
        ``array``, a NumPy array...), without the copy into a new ``bytes`` that :meth:`read` makes;
        returns the count. Raises :class:`~sel4vspace.VMFault` if the MMU refuses, and then the
        buffer is left as it was; TypeError for an object that is no buffer or is read-only,
        ValueError for a strided one or a range past 2**64; :class:`~sel4vspace.StaleObjectError` if
        the vspace was torn down or its kernel closed."""
        if type(buffer) is bytearray and type(vaddr) is int and 0 <= vaddr < _ADDRESS_LIMIT \
                and vaddr + len(buffer) <= _ADDRESS_LIMIT:
            view: Any = buffer
            n = len(buffer)
        else:
            view = _check.byte_view("buffer", buffer, writable=True)
            n = view.nbytes
            vaddr = self._access("vaddr", vaddr, n)
        if self._torn_down or not self._alive[0]:
            self._live()
        if n and lib.sel4sim_mmu_read(self._kernel_ptr, self.root, vaddr, ffi.from_buffer(view), n,
                                      self._fault) != 0:
            raise _fault(self._fault)
        return n

    @operation
    def write(self, vaddr: int, data: Any) -> None:
        """Write every byte of ``data`` (any bytes-like object: ``bytes``, ``bytearray``, a
        ``memoryview`` of any shape, ``array``, a NumPy array; its size in bytes, in C order) at
        ``vaddr`` through the simulated MMU, as user code would. Raises :class:`~sel4vspace.VMFault`
        (nothing written) if the MMU refuses any byte; TypeError (``data`` is no bytes-like object) /
        ValueError (a range past 2**64), naming the argument, before any C runs;
        :class:`~sel4vspace.StaleObjectError` if the vspace was torn down or its kernel closed."""
        if (type(data) is bytes or type(data) is bytearray) and type(vaddr) is int and 0 <= vaddr < _ADDRESS_LIMIT \
                and vaddr + len(data) <= _ADDRESS_LIMIT:
            view: Any = data  # one byte per item, in one piece: len() is its size in bytes
        else:
            view = _check.byte_view("data", data)
            vaddr = self._access("vaddr", vaddr, view.nbytes)
        if self._torn_down or not self._alive[0]:
            self._live()
        if lib.sel4sim_mmu_write(self._kernel_ptr, self.root, vaddr, ffi.from_buffer(view), len(view),
                                 self._fault) != 0:
            raise _fault(self._fault)

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        if self.torn_down:
            return f"<VSpace{label} torn down>"
        return f"<VSpace{label} root={self.root} reservations={len(self._reservations)}>"


def _fault(fault: Any) -> VMFault:
    access = "write" if fault.access == lib.SEL4SIM_ACCESS_WRITE else "read"
    reason = {int(lib.SEL4SIM_FAULT_UNMAPPED): "unmapped",
              int(lib.SEL4SIM_FAULT_PERMISSION): "permission"}.get(int(fault.reason), "host out of memory")
    return VMFault(int(fault.vaddr), access, reason)

