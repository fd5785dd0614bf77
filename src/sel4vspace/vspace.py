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

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._handle import Handle
from .errors import StaleObjectError, VSpaceError, type_name
from .lowlevel import _guard, host, sim
from .lowlevel._guard import operation
from .lowlevel.objects import PAGE_BITS, USER_TOP
from .rights import CapRights, rights_word

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

    from ._arches import Binding
    from ._world import World
    from .kernel import Kernel

__all__ = ["VSpace", "Reservation", "Mapping", "USER_TOP", "PAGE_BITS"]

# The host world's result codes: one enum of the binding, the same in every arch's build (a test
# holds every installed build to it), read from module globals on the hot paths.
_OK = host.OK
_NOT_RUN = host.NOT_RUN
_HOT_SLOW = host.HOT_SLOW
_HOT_FAILED = host.HOT_FAILED
# what the end of a hot call looks at before it calls _guard.after_call (nearly always nothing)
_queued, _waiting = _guard.anything_after()


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


_new_object = object.__new__
_rights_of_word = CapRights._from_bits   # the word comes from the kernel's entry: nothing to check


def _mapping_from_words(objects: Any, words: tuple[int, ...]) -> Mapping:
    """The Mapping of ``words`` (``lowlevel.sim``'s), cacheable by the arch's ``lowlevel.objects``."""
    vaddr, size_bits, cap, paddr, rights, attributes = words
    mapping: Mapping = _new_object(Mapping)
    # A frozen dataclass sets its fields one object.__setattr__ at a time; storing them into its
    # __dict__ makes the same object in a fifth of the time (lookup is called in loops).
    fields = mapping.__dict__
    fields["vaddr"] = vaddr
    fields["size_bits"] = size_bits
    fields["cap"] = cap
    fields["paddr"] = paddr
    fields["rights"] = _rights_of_word(rights)
    fields["cacheable"] = (attributes & objects.CACHE_ATTRIBUTE_BITS) == objects.CACHED_ATTRIBUTES
    return mapping


class Reservation(Handle):
    """A reserved range of a :class:`VSpace` (a sel4utils ``reservation_t``); its fields are read from
    the C reservation itself. Made by :meth:`VSpace.reserve_range_at`,
    :meth:`VSpace.reserve_range_aligned` and :meth:`VSpace.reserve_deferred_rights_range_at`; a
    context manager that frees it when the block ends. Every property raises
    :class:`~sel4vspace.StaleObjectError` once the reservation was freed or its vspace torn down."""

    __slots__ = ("__weakref__", "_cell", "_home", "_key", "_ll", "_lock", "_pending", "_vspace")
    _vspace: VSpace | None
    _cell: Any
    """Its ``sel4vspace_reservation_cell_t *``: the vspace's cell and the ``sel4utils_res_t *`` (the
    reservation_t's ``res``), which the C sets when it makes the reservation and clears when it
    frees it."""
    _home: Any
    """Its vspace's cell, which ``_cell`` names, kept alive as long as this object: ``_vspace`` is
    None once the vspace is torn down (its ``res`` freed with it, not cleared), and a cell made
    later at the address of a collected one would take it for a reservation of its own."""
    _key: int
    _lock: Any
    _pending: list[tuple[Any, tuple[Any, ...]]]
    _ll: Binding

    def __init__(self) -> None:
        # One made from a reservation_t the vspace did not hand out could point anywhere (a NULL
        # one segfaults on the first field read, and upstream's map paths).
        raise TypeError("reservations come from VSpace.reserve_range_at() and friends")

    @property
    @operation
    def c_reservation(self) -> Any:
        """The ``reservation_t`` to pass to C (StaleObjectError once freed)."""
        self._live()
        return self._ll.host.reservation_t(self._cell.res)

    def _live(self) -> VSpace:
        if self._vspace is None or not self._cell.res:
            self._usable()
        assert self._vspace is not None
        self._vspace._live()
        return self._vspace

    def _usable(self) -> None:
        """StaleObjectError once freed, or once its vspace was torn down or kernel closed (no C call).
        Freed is what the C says (the cell's res cleared, by the hot call too, whose record of it in
        Python follows its return)."""
        if self._vspace is None or not self._cell.res:
            raise StaleObjectError("this Reservation was freed")
        self._vspace._usable()

    @property
    @operation
    def vspace(self) -> VSpace:
        """The :class:`VSpace` the reservation belongs to."""
        return self._live()

    @property
    @operation
    def freed(self) -> bool:
        """True once freed, or once its vspace was torn down or its kernel closed (the properties then
        raise StaleObjectError)."""
        return self._freed_already()

    def _freed_already(self) -> bool:
        """:attr:`freed` as the records say now (no operation: a repr may come from inside a call)."""
        return self._vspace is None or not self._cell.res or self._vspace._gone_already()

    @property
    @operation
    def start(self) -> int:
        """The first byte address of the range."""
        self._live()
        value: int = self._ll.host.reservation_bounds(self._cell.res)[0]
        return value

    @property
    @operation
    def end(self) -> int:
        """The first byte address after the range."""
        self._live()
        value: int = self._ll.host.reservation_bounds(self._cell.res)[1]
        return value

    @property
    @operation
    def size(self) -> int:
        """The size of the range in bytes."""
        self._live()
        start, end = self._ll.host.reservation_bounds(self._cell.res)
        value: int = end - start
        return value

    @property
    @operation
    def rights_deferred(self) -> bool:
        """True for a deferred-rights reservation (``rights_deferred`` of sel4utils' reservation):
        its pages get their rights at map time."""
        self._live()
        value: bool = self._ll.host.reservation_rights(self._cell.res)[0]
        return value

    @property
    @operation
    def rights(self) -> CapRights | None:
        """The reservation's rights; None for a deferred-rights reservation (given at map time)."""
        self._live()
        deferred, rights, _ = self._ll.host.reservation_rights(self._cell.res)
        return None if deferred else CapRights.from_bits(rights)

    @property
    @operation
    def cacheable(self) -> bool:
        """Whether pages mapped into it are mapped cacheable."""
        self._live()
        value: bool = self._ll.host.reservation_rights(self._cell.res)[2]
        return value

    @operation
    def contains(self, vaddr: int, size: int = 1) -> bool:
        """True when ``[vaddr, vaddr + size)`` (bytes; ``vaddr`` an address, ``size`` 1 to 2**64)
        lies inside the range. TypeError / ValueError name ``vaddr`` or ``size``."""
        vaddr = self._ll.check.address("vaddr", vaddr)
        size = self._ll.check.integer("size", size, 1, self._ll.check.ADDRESS_LIMIT)
        self._live()
        start, end = self._ll.host.reservation_bounds(self._cell.res)
        value: bool = start <= vaddr and vaddr + size <= end
        return value

    @operation
    def free(self) -> None:
        """Free the reservation (:meth:`VSpace.free_reservation`, ``vspace_free_reservation``)."""
        vspace: VSpace = self._live()
        vspace._free_reservation_checked(self)

    def __enter__(self) -> Self:
        self._usable()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._vspace is not None and not self._vspace.torn_down:
            self.free()

    def __repr__(self) -> str:
        if self._freed_already():
            return "<Reservation freed>"
        if _guard.in_operation():  # repr from a debugger or signal handler, in the middle of a call
            return "<Reservation>"
        return _guard.run("Reservation.__repr__", self._lock, self._describe)

    def _describe(self) -> str:
        if self._freed_already():
            return "<Reservation freed>"
        start, end = self._ll.host.reservation_bounds(self._cell.res)
        deferred, rights, cacheable = self._ll.host.reservation_rights(self._cell.res)
        what = "deferred" if deferred else str(CapRights.from_bits(rights))
        return f"<Reservation {start:#x}-{end:#x} {what}{'' if cacheable else ' uncached'} {self._ll.arch}>"


def _new_reservation(vspace: VSpace, key: int) -> Reservation:
    """A Reservation of ``vspace`` at ``key`` (its start, where the VSpace files it), with a fresh
    cell for the C to fill: the reserve calls make it before their C call, and then only store."""
    reservation: Reservation = _new_object(Reservation)
    reservation._vspace = vspace
    reservation._lock = vspace._lock
    reservation._pending = vspace._pending
    reservation._ll = vspace._ll
    reservation._cell = vspace._ll.host.reservation_cell()
    reservation._home = vspace._cell
    reservation._key = key
    return reservation


def _unfile(reservations: dict[int, Reservation], reservation: Reservation) -> None:
    """Take the freed ``reservation`` out of its vspace's ``reservations`` (``VSpace._reservations``):
    one pop, and a live reservation another thread filed at that start meanwhile put back (one that
    is freed by then stays out)."""
    filed = reservations.pop(reservation._key, None)
    if filed is not reservation:
        _refile(reservations, filed)


def _refile(reservations: dict[int, Reservation], filed: Reservation | None) -> None:
    """Put back ``filed``, what an unfiling popped in place of its own reservation: a live
    reservation another thread filed at that start meanwhile (a freed one stays out)."""
    if filed is not None and filed._cell.res:
        reservations.setdefault(filed._key, filed)


def _refused(exc: BaseException) -> bool:
    """Whether ``exc``, an OverflowError or TypeError caught around a hot call, is cffi refusing an
    argument before any C ran: it comes from no Python frame below the caller's. The same exception
    raised by a signal handler as the call returned comes from the handler's frame, and the call
    may have done its work: it is raised as it is, never taken for a refusal (the checked way would
    do the work a second time, or refuse it as done)."""
    traceback = exc.__traceback__
    return traceback is None or traceback.tb_next is None


def _caps(wrappers: Any, caps: Any, cookies: Any) -> tuple[Any, int, Any]:
    """The one check of the caps and cookies of a map, by the arch's ``lowlevel.vspace``
    ``wrappers``: (caps as the C call takes them, count, cookies array or NULL)."""
    c_caps = wrappers.caps_argument(caps)
    count = len(c_caps)
    if count == 0:
        raise ValueError("caps is empty: nothing to map")
    return c_caps, count, wrappers.cookies_array(cookies, count)  # type and length checks before any C runs


def _record_share(world: World, paddrs: list[int]) -> None:
    """Record work of a share: the frames at ``paddrs`` may have copies now."""
    world.record_shared(paddrs)


def _record_unmap(world: World, adopted: list[tuple[int, int]], size_bits: int, freed: set[int]) -> None:
    """Record work of an unmap of pages that were not all the caller's: the frames ``adopted`` (cap,
    cookie) the caller's now, the frames at ``freed`` gone."""
    for cap, cookie in adopted:
        world.adopt(cap, size_bits, cookie)
    world.record_unshared(freed)


def _tear_down_host_vspace(world_ref: weakref.ref[World], key: int) -> None:
    """The finalizer of a VSpace nobody references (run by _guard between operations)."""
    world = world_ref()
    if world is not None and not world.closed:
        world.destroy_vspace(key)


def attach(kernel: Kernel, world: World, cell: Any, host_vspace: Any, key: int, name: str | None, c_vspace: Any,
           root: int) -> VSpace:
    """The VSpace object of a vspace ``world`` has just made (``host_vspace``, in ``cell``, filed by
    ``key``, with its ``vspace_t *`` and the vspace root's cap ``root``): what :meth:`Kernel.new_vspace
    <sel4vspace.Kernel.new_vspace>` returns. No C call here: it runs right after the C made the
    vspace, where an exception (KeyboardInterrupt) as a call returns would leave it without its
    object."""
    self = object.__new__(VSpace)
    self._kernel = kernel
    self._name = name
    self._world = world
    self._host = host_vspace
    self._cell = cell
    self._key = key
    self._c = c_vspace
    self._root = root
    self._reservations = {}
    self._ll = world.ll
    self._probe = self._ll.host.new_probe()
    self._kernel_ptr = world.kernel
    self._scratch = self._ll.sim.Scratch()
    self._result = self._ll.host.result()
    self._status = self._ll.host.status_word(self._result)
    self._torn_down = False
    self._lock = world.lock
    self._pending = world.pending
    self._finalizer = weakref.finalize(self, _guard.finalizer, world.lock, _tear_down_host_vspace, weakref.ref(world),
                                       key)
    # Not at exit: the object may still be in use there (by a daemon thread), and a tear down it does
    # not record would leave its checked calls handing C the freed vspace. The kernel's finalizer
    # closes the world at exit, every vspace with it, and its vspaces' calls then find it closed.
    self._finalizer.atexit = False
    return self


class VSpace(Handle):
    """One address space of a :class:`~sel4vspace.Kernel`, managed by the sel4utils vspace allocator
    (``sel4utils_get_vspace``): a vspace root with an ASID, the allocator's reservations and its record of
    every page it mapped.

    Create with :meth:`Kernel.new_vspace <sel4vspace.Kernel.new_vspace>`. A context manager:
    leaving the block tears it down. Addresses and sizes are in bytes; ``size_bits`` is a frame
    size (12: 4 KiB, 21: 2 MiB, 30: 1 GiB); ranges must end at or below ``seL4_UserTop``. The
    allocator also keeps the top-level slot that holds ``KERNEL_RESERVED_START`` for the kernel, as
    sel4utils does: nothing is reserved or mapped from 0x7f8000000000 up on x86_64 and AArch64 (the
    last 512 GiB), from 0x3fc0000000 up on RISC-V 64 (the last 1 GiB); such a call raises
    :class:`~sel4vspace.VSpaceError` saying so."""

    _kernel: Kernel
    _name: str | None
    _root: int
    _world: World
    """The owner of the kernel's state: frames, vspaces, the lock."""
    _ll: Binding
    """The lowlevel modules of the kernel's arch."""
    _host: Any
    _cell: Any
    """Its ``sel4vspace_vspace_cell_t *`` (the kernel's guard, and the host vspace until torn down):
    what the hot calls take it by."""
    _key: int
    _c: Any
    _reservations: dict[int, Reservation]
    """The reservations made through this object, by start address: every live one, and perhaps a
    freed one (its cell's res cleared) whose entry a newer reservation at its start has not yet
    replaced. The hot calls record in it after their C call has given the kernel's guard back, so
    threads sharing the vspace may file into it at once: a reservation is filed with one store
    (a hot reserve also files it before its C call where nothing is filed, not live until the C
    fills its cell, so that a fork as the call returns leaves the child its record),
    and unfiled with one pop that puts back whatever else it took (a live reservation another
    thread filed there meanwhile); readers go by what the C says is live, and walk a copy (made in
    one C call, which another thread's filing cannot come in the middle of, as it can between two
    steps of a walk of the dictionary itself)."""
    _probe: Any
    # Cached for the calls made in loops: the kernel's pointer and the C structs those calls fill
    # (one of each per vspace instead of a new struct per call).
    _kernel_ptr: Any
    _scratch: sim.Scratch
    _result: Any
    _status: memoryview
    """The status word of _result (host.status_word)."""
    _torn_down: bool
    _lock: Any
    """The kernel's lock: every operation on the vspace holds it."""
    _pending: list[tuple[Any, tuple[Any, ...]]]
    """The kernel's record work not yet done (``World.pending``): the operation guard finishes it first."""
    _finalizer: weakref.finalize[..., VSpace]

    def __init__(self) -> None:  # pragma: no cover - use Kernel.new_vspace
        raise TypeError("create a VSpace with Kernel.new_vspace()")

    # ---- what it is (read-only: the C vspace does not change with them) ----

    @property
    def kernel(self) -> Kernel:
        """The kernel this address space lives in."""
        return self._kernel

    @property
    def name(self) -> str | None:
        """The label given to :meth:`Kernel.new_vspace`, if any."""
        return self._name

    @property
    @operation
    def root(self) -> int:
        """The cap of the root paging structure (the vspace root). StaleObjectError once the vspace
        was torn down: the slot is free then, and may hold another cap."""
        self._live()
        return self._root

    # ---- lifetime ----

    @property
    @operation
    def torn_down(self) -> bool:
        """True once the vspace was torn down, or its kernel closed."""
        return self._gone_already()

    def _gone_already(self) -> bool:
        """:attr:`torn_down` as the records say now (no operation: a repr may come from inside a call)."""
        return self._torn_down or self._world.closed

    def _live(self) -> Any:
        """Select this vspace's kernel; StaleObjectError if torn down. Returns the kernel pointer."""
        if self._torn_down:
            self._usable()
        return self._world.enter()

    def _usable(self) -> None:
        """StaleObjectError once the vspace was torn down or its kernel closed (no C call)."""
        if self._torn_down:
            raise StaleObjectError("this VSpace was torn down")
        self._world.live()

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
        self._world.destroy_vspace(self._key, self._gone)

    def _gone(self) -> None:
        """Record work once the C has torn the vspace down: this object and its reservations follow."""
        self._finalizer.detach()
        for reservation in list(self._reservations.values()):
            reservation._vspace = None
        self._reservations.clear()
        self._torn_down = True

    def __enter__(self) -> Self:
        self._usable()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.torn_down:
            self.tear_down()

    # ---- argument helpers ----

    def _reservation(self, reservation: Any) -> Reservation:
        """The one check of a ``reservation`` argument: a live Reservation of this vspace."""
        if type(reservation) is Reservation and reservation._vspace is self and reservation._cell.res:
            return reservation
        if not isinstance(reservation, Reservation):
            raise TypeError(f"reservation must be a Reservation, not {type_name(reservation)}")
        if reservation._vspace is None or not reservation._cell.res:
            raise StaleObjectError("this Reservation was freed")
        if reservation._vspace is not self:
            raise ValueError("the reservation belongs to another vspace")
        return reservation

    def _call(self) -> Any:
        """The vspace's result struct, made ready for a call (operations hold the kernel's lock)."""
        self._status[0] = _NOT_RUN
        return self._result

    # ---- reservations ----

    def _reserve(self, function: str, vaddr: Any, size: Any, rights: Any, cacheable: Any, deferred: int) -> Reservation:
        vaddr, size = self._ll.check.byte_range("vaddr", vaddr, size, self._ll.description.page_bits)
        bits = 0 if deferred else rights_word(rights)
        cacheable = self._ll.check.boolean("cacheable", cacheable)
        if self._torn_down or self._world.closed:
            self._live()
        status = self._status
        status[0] = _NOT_RUN
        out = self._result
        # made before the C call, so that recording the C's reservation calls nothing
        reservation = _new_reservation(self, vaddr)
        cell = reservation._cell
        done = None
        try:
            self._ll.host.reserve(self._host, vaddr, size, bits, cacheable, deferred, out, function)
            done = True   # OK: the status need not be read (it is, when an exception came first)
        finally:
            if done or status[0] == _OK:
                # record the reservation: stores only, no call, so no signal handler can stop it
                # half-way (Python runs one at a call); see World.commit for the records that need calls
                cell.vspace = self._cell
                cell.res = out.res
                self._reservations[vaddr] = reservation
        return reservation

    def _reserve_hot(self, function: str, vaddr: int, size: int, rights: Any, cacheable: bool,
                     deferred: int) -> Reservation | None:
        """A reserve by its hot call (``vaddr`` and ``size`` ints, ``cacheable`` a bool; ``rights``
        None when deferred): the Reservation, or None when the checked way must do it (nothing was
        done)."""
        try:
            bits = 0 if rights is None else rights_word(rights)
        except (TypeError, ValueError):   # the checked way names it, or the address or size before it
            return None
        reservation = _new_reservation(self, vaddr)
        cell = reservation._cell
        filed = self._reservations
        # filed before the C call, where nothing is (not live until the C fills its cell): a fork as
        # the call returns, before the store below, leaves the child a record of what the C made
        filed.setdefault(vaddr, reservation)
        code = -1
        try:
            code = self._ll.host.hot_reserve(self._cell, vaddr, size, bits, cacheable, deferred, cell)
        except OverflowError as exc:   # a value beyond 64 bits, which cffi refuses: the checked way names it
            if not _refused(exc):
                raise
            code = _HOT_SLOW
        finally:
            # reserved, even when an exception came as the call returned: recorded with stores only
            if not code or (code == -1 and cell.res):
                filed[vaddr] = reservation
            elif not cell.res:
                _unfile(filed, reservation)   # nothing made: the early filing goes
        if not code:
            if _queued[0] or _waiting:
                _guard.after_call()
            return reservation
        if code & 0xFF == _HOT_FAILED:
            self._hot_failed(function)
        return None

    def _hot_failed(self, function: str, detail: str | None = None) -> None:
        """Raise what a hot call's HOT_FAILED means: the allocator's own words (this thread's last C
        error), then the end of the operation."""
        try:
            raise self._ll.package.failure(function, detail)
        finally:
            _guard.after_call()

    @_guard.guarded_in_c
    def reserve_range_at(self, vaddr: int, size: int, rights: CapRights | str, cacheable: bool = True) -> Reservation:
        """Reserve ``size`` bytes at ``vaddr`` (4 KiB aligned) for pages mapped later with ``rights``
        (``vspace_reserve_range_at``). ``cacheable`` applies to those mappings.

        Raises TypeError / ValueError (naming the argument) for a bad argument, before any C runs;
        :class:`~sel4vspace.VSpaceError` if the allocator refuses (part of the range is reserved or
        mapped already, its bookkeeping ran out); :class:`~sel4vspace.StaleObjectError` if the vspace
        was torn down or its kernel closed."""
        if type(vaddr) is int and type(size) is int and (cacheable is True or cacheable is False) and not self._pending:
            made = self._reserve_hot("vspace_reserve_range_at", vaddr, size, rights, cacheable, 0)
            if made is not None:
                return made
        return self._reserve_range_at_checked(vaddr, size, rights, cacheable)

    def _reserve_range_at(self, vaddr: Any, size: Any, rights: Any, cacheable: Any) -> Reservation:
        return self._reserve("vspace_reserve_range_at", vaddr, size, rights, cacheable, 0)

    _reserve_range_at_checked = operation(_reserve_range_at, "VSpace.reserve_range_at")

    @operation
    def reserve_range_aligned(self, size: int, size_bits: int, rights: CapRights | str,
                              cacheable: bool = True) -> Reservation:
        """Reserve ``size`` bytes anywhere, starting at a multiple of ``2**size_bits`` (a frame size),
        with ``rights`` (``vspace_reserve_range_aligned``). The start is the reservation's
        :attr:`~Reservation.start`.

        Raises TypeError / ValueError (naming the argument) for a bad argument, before any C runs;
        :class:`~sel4vspace.VSpaceError` if no such range is free; :class:`~sel4vspace.StaleObjectError`
        if the vspace was torn down or its kernel closed."""
        size = self._ll.check.integer("size", size, 1)
        size_bits = self._ll.check.frame_size_bits("size_bits", size_bits)
        bits = rights_word(rights)
        cacheable = self._ll.check.boolean("cacheable", cacheable)
        self._live()
        out = self._call()
        reservation = _new_reservation(self, 0)   # as in _reserve: recorded with stores only
        cell = reservation._cell
        done = None
        try:
            self._ll.host.reserve_aligned(self._host, size, size_bits, bits, cacheable, out)
            done = True
        finally:
            if done or self._status[0] == _OK:
                start = reservation._key = out.vaddr
                cell.vspace = self._cell
                cell.res = out.res
                self._reservations[start] = reservation
        return reservation

    @_guard.guarded_in_c
    def reserve_deferred_rights_range_at(self, vaddr: int, size: int, cacheable: bool = True) -> Reservation:
        """Reserve ``size`` bytes at ``vaddr`` (4 KiB aligned) without rights: whoever maps into it
        gives them (:meth:`deferred_rights_map_pages_at_vaddr`);
        ``vspace_reserve_deferred_rights_range_at``. :meth:`map_pages_at_vaddr`,
        :meth:`new_pages_at_vaddr` and :meth:`share_mem_at_vaddr` refuse a deferred reservation.

        Raises TypeError / ValueError (naming the argument) for a bad argument, before any C runs;
        :class:`~sel4vspace.VSpaceError` if the allocator refuses; :class:`~sel4vspace.StaleObjectError`
        if the vspace was torn down or its kernel closed."""
        if type(vaddr) is int and type(size) is int and (cacheable is True or cacheable is False) and not self._pending:
            made = self._reserve_hot("vspace_reserve_deferred_rights_range_at", vaddr, size, None, cacheable, 1)
            if made is not None:
                return made
        return self._reserve_deferred_checked(vaddr, size, cacheable)

    def _reserve_deferred(self, vaddr: Any, size: Any, cacheable: Any) -> Reservation:
        return self._reserve("vspace_reserve_deferred_rights_range_at", vaddr, size, None, cacheable, 1)

    _reserve_deferred_checked = operation(_reserve_deferred, "VSpace.reserve_deferred_rights_range_at")

    @operation
    def reservations(self) -> list[Reservation]:
        """The live reservations made through this object, by start address."""
        self._live()
        # a reservation a hot free has just freed in another thread may still be filed: the C says
        filed = self._reservations.copy()
        return [r for r in (filed[start] for start in sorted(filed)) if r._cell.res]

    @_guard.guarded_in_c
    def free_reservation(self, reservation: Reservation) -> None:
        """Free a reservation (``vspace_free_reservation``); its addresses can be reserved again.

        Refused with :class:`~sel4vspace.VSpaceError` naming them while pages in it are mapped
        (upstream sel4utils would strand those pages and the range behind them); TypeError if
        ``reservation`` is not a :class:`Reservation`, ValueError if it belongs to another vspace,
        :class:`~sel4vspace.StaleObjectError` if it was freed already or the vspace torn down."""
        if type(reservation) is Reservation and not self._pending:
            cell = reservation._cell
            code = -1
            try:
                code = self._ll.host.hot_free_reservation(self._cell, cell)
            except TypeError as exc:   # a reservation of another arch's (its cell another cffi's): nothing
                if not _refused(exc):   # was done, and the checked way names it
                    raise
            finally:
                # freed, even when an exception came as the call returned (then the C cleared the
                # cell of a reservation that was live and this vspace's)
                if not code or (code == -1 and reservation._vspace is self and not cell.res):
                    reservation._vspace = None
                    filed = self._reservations.pop(reservation._key, None)   # _unfile, without its call
                    if filed is not reservation:
                        _refile(self._reservations, filed)
            if not code:
                if _queued[0] or _waiting:
                    _guard.after_call()
                return
            if code & 0xFF == _HOT_FAILED:
                self._hot_failed("vspace_free_reservation")
        self._free_reservation_slow(reservation)

    def _free_reservation_checked(self, reservation: Any) -> None:
        """:meth:`free_reservation` the checked way, inside an operation."""
        reservation = self._reservation(reservation)
        if self._torn_down or self._world.closed:
            self._live()
        # the kernel lists what is mapped in the range: O(levels + pages in it), not O(vspace)
        status = self._status
        status[0] = _NOT_RUN
        cell = reservation._cell
        done = None
        try:
            self._ll.host.free_reservation(self._host, cell.res, self._probe, self._result)
            done = True   # as in _reserve
        finally:
            if done or status[0] == _OK:
                cell.res = self._ll.host.NULL
                reservation._vspace = None
                _unfile(self._reservations, reservation)

    _free_reservation_slow = operation(_free_reservation_checked, "VSpace.free_reservation")

    @operation
    def free_reservation_by_vaddr(self, vaddr: int) -> None:
        """Free the reservation that contains ``vaddr`` (``vspace_free_reservation_by_vaddr``), as
        :meth:`free_reservation` does.

        Raises TypeError / ValueError (naming the argument) for a bad argument, before any C runs;
        :class:`~sel4vspace.VSpaceError` if no reservation of this vspace contains ``vaddr``, or pages
        in it are mapped; :class:`~sel4vspace.StaleObjectError` if the vspace was torn down or its
        kernel closed."""
        vaddr = self._ll.check.address("vaddr", vaddr)
        if self._torn_down or self._world.closed:
            self._live()
        # the usual case: vaddr is where it starts (the C says whether it is live: a hot free's record
        # follows its return)
        reservation = self._reservations.get(vaddr)
        if reservation is not None and not reservation._cell.res:
            reservation = None
        if reservation is None:
            for candidate in self._reservations.copy().values():
                res = candidate._cell.res
                if not res:
                    continue
                start, end = self._ll.host.reservation_bounds(res)
                if start <= vaddr < end:
                    reservation = candidate
                    break
        if reservation is not None:
            self._free_reservation_checked(reservation)
            return
        raise VSpaceError("vspace_free_reservation_by_vaddr", None, f"no reservation contains {vaddr:#x}")

    # ---- mapping ----

    def _map(self, function: str, caps: Any, cookies: Any, vaddr: Any, size_bits: Any, bits: int, deferred: int,
             reservation: Reservation) -> None:
        """Check the arguments, then the frames, and map them, in one C call; all or nothing."""
        c_caps = self._ll.vspace.caps_argument(caps)
        count = len(c_caps)
        if count == 0:
            raise ValueError("caps is empty: nothing to map")
        vaddr, count, size_bits = self._ll.check.pages("vaddr", vaddr, count, size_bits)
        # type and length checks before any C runs
        c_cookies = self._ll.host.NULL if cookies is None else self._ll.vspace.cookies_array(cookies, count)
        if self._torn_down or self._world.closed:
            self._live()
        # all or nothing in C (pages a failed call mapped are unmapped before it returns): nothing
        # to record here, so an exception as it returns leaves a state the C made whole
        self._ll.host.map(self._host, c_caps, c_cookies, count, vaddr, size_bits, bits, deferred,
                          reservation._cell.res, self._result, function)

    def _map_hot(self, function: str, caps: Any, vaddr: int, size_bits: int, rights: Any, deferred: int,
                 reservation: Reservation) -> bool:
        """A map without cookies by its hot call (``vaddr`` and ``size_bits`` ints, ``reservation`` a
        Reservation; ``rights`` None unless deferred): True once done, False when the checked way
        must do it (nothing was done)."""
        try:
            c_caps = self._ll.vspace.caps_argument(caps)
            bits = 0 if rights is None else rights_word(rights)
        except (TypeError, ValueError):   # the checked way names it, or the reservation before it
            return False
        count = len(c_caps)
        code = _HOT_SLOW
        if count:
            try:
                code = self._ll.host.hot_map(self._cell, c_caps, count, vaddr, size_bits, bits, deferred,
                                             reservation._cell)
            except (OverflowError, TypeError) as exc:   # a value beyond 64 bits, or a reservation of another
                if not _refused(exc):                   # arch's (its cell another cffi's): the checked way
                    raise                               # names it
        if not code:
            if _queued[0] or _waiting:
                _guard.after_call()
            return True
        if code & 0xFF == _HOT_FAILED:
            self._hot_failed(function, f"returned {code >> 8}")
        return False

    @_guard.guarded_in_c
    def map_pages_at_vaddr(self, caps: Any, vaddr: int, reservation: Reservation, size_bits: int = 12,
                           cookies: Any = None) -> None:
        """Map the frame caps at ``vaddr`` inside ``reservation``, with the reservation's rights
        (``vspace_map_pages_at_vaddr``): page ``i`` is ``caps[i]`` at ``vaddr + i * 2**size_bits``.

        ``caps`` is a list or tuple of ints, or a buffer of uint64 (``array("Q")``, a NumPy ``uint64``
        array), copied once for C (a thread changing it meanwhile changes nothing the call does);
        ``cookies`` (optional) is one int per cap, recorded by the
        allocator (:meth:`get_cookie`). Every cap must be an unmapped frame cap of ``2**size_bits``
        bytes. All or nothing: a call that fails part-way leaves none of its pages mapped.

        Raises TypeError / ValueError (naming the argument) for a bad argument, before any C runs (also:
        a cap that is not a frame, is of another size or is mapped already);
        :class:`~sel4vspace.StaleObjectError` for a deleted cap, a freed reservation or a torn-down
        vspace; :class:`~sel4vspace.VSpaceError` if the allocator refuses (a deferred reservation, a
        page outside the reservation or mapped already, memory for paging structures ran out)."""
        if (type(vaddr) is int and type(size_bits) is int and type(reservation) is Reservation and cookies is None
                and not self._pending
                and self._map_hot("vspace_map_pages_at_vaddr", caps, vaddr, size_bits, None, 0, reservation)):
            return
        self._map_pages_at_vaddr_checked(caps, vaddr, reservation, size_bits, cookies)

    def _map_pages_at_vaddr(self, caps: Any, vaddr: Any, reservation: Any, size_bits: Any, cookies: Any) -> None:
        reservation = self._reservation(reservation)
        self._map("vspace_map_pages_at_vaddr", caps, cookies, vaddr, size_bits, 0, 0, reservation)

    _map_pages_at_vaddr_checked = operation(_map_pages_at_vaddr, "VSpace.map_pages_at_vaddr")

    @_guard.guarded_in_c
    def deferred_rights_map_pages_at_vaddr(self, caps: Any, vaddr: int, rights: CapRights | str,
                                           reservation: Reservation, size_bits: int = 12,
                                           cookies: Any = None) -> None:
        """Map the frame caps at ``vaddr`` inside a deferred-rights ``reservation``, with ``rights``
        given now (``vspace_deferred_rights_map_pages_at_vaddr``). ``rights`` is a
        :class:`~sel4vspace.CapRights` or a string (``"rw"``, ``"r"``); the mappings' effective rights
        are these masked by each cap's rights (seL4's ``maskVMRights``: write without read maps
        kernel-only). Everything else is as :meth:`map_pages_at_vaddr`, whose errors it raises; the
        allocator refuses a reservation that was made with rights."""
        if (type(vaddr) is int and type(size_bits) is int and type(reservation) is Reservation and cookies is None
                and not self._pending
                and self._map_hot("vspace_deferred_rights_map_pages_at_vaddr", caps, vaddr, size_bits, rights, 1,
                                  reservation)):
            return
        self._deferred_map_checked(caps, vaddr, rights, reservation, size_bits, cookies)

    def _deferred_map(self, caps: Any, vaddr: Any, rights: Any, reservation: Any, size_bits: Any,
                      cookies: Any) -> None:
        reservation = self._reservation(reservation)
        self._map("vspace_deferred_rights_map_pages_at_vaddr", caps, cookies, vaddr, size_bits, rights_word(rights),
                  1, reservation)

    _deferred_map_checked = operation(_deferred_map, "VSpace.deferred_rights_map_pages_at_vaddr")

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
        bits = rights_word(rights)
        cacheable = self._ll.check.boolean("cacheable", cacheable)
        size_bits = self._ll.check.frame_size_bits("size_bits", size_bits)
        c_caps, count, c_cookies = _caps(self._ll.vspace, caps, cookies)
        if self._torn_down or self._world.closed:
            self._live()
        value: int = self._ll.host.map_pages(self._host, c_caps, c_cookies, count, size_bits, bits, cacheable,
                                             self._result)
        return value

    @operation
    def new_pages(self, num_pages: int, rights: CapRights | str, size_bits: int = 12) -> int:
        """Allocate ``num_pages`` frames of ``2**size_bits`` bytes through the vspace's own vka and map
        them anywhere with ``rights`` (``vspace_new_pages``); returns the start address. The frames
        belong to the vspace: ``unmap_pages(..., free=True)`` or :meth:`tear_down` returns their memory.

        Raises TypeError / ValueError (naming the argument) for a bad argument, before any C runs;
        :class:`~sel4vspace.VSpaceError` if memory or room runs out;
        :class:`~sel4vspace.StaleObjectError` if the vspace was torn down or its kernel closed."""
        num_pages = self._ll.check.integer("num_pages", num_pages, 1, self._ll.check.MAX_PAGES)
        bits = rights_word(rights)
        size_bits = self._ll.check.frame_size_bits("size_bits", size_bits)
        self._live()
        out = self._call()
        self._ll.host.new_pages(self._host, bits, num_pages, size_bits, out)   # the C counts the pages
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
        vaddr, num_pages, size_bits = self._ll.check.pages("vaddr", vaddr, num_pages, size_bits)
        self._live()
        self._refuse_deferred(reservation, "vspace_new_pages_at_vaddr")
        # On failure the C frees the frames it allocated (upstream's as well as the vendored one);
        # pages of the range mapped before the call are not this call's to touch.
        out = self._call()
        self._ll.host.new_pages_at(self._host, vaddr, num_pages, size_bits, reservation._cell.res, out)

    def _refuse_deferred(self, reservation: Reservation, function: str) -> None:
        # Upstream's defect: it maps into a deferred reservation with no rights here.
        if self._ll.host.reservation_rights(reservation._cell.res)[0]:
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
            raise TypeError(f"to must be a VSpace, not {type_name(to)}")
        if to._kernel is not self._kernel:
            raise ValueError("cannot share memory between vspaces of different kernels")
        reservation = to._reservation(reservation)
        size_bits = self._ll.check.frame_size_bits("size_bits", size_bits)
        start = self._ll.check.aligned("start", start, size_bits)
        vaddr = self._ll.check.aligned("vaddr", vaddr, size_bits)
        num_pages = self._ll.check.integer("num_pages", num_pages, 1, 2**31 - 1)
        self._ll.check.span("start", start, num_pages << size_bits)
        self._ll.check.span("vaddr", vaddr, num_pages << size_bits)
        kernel = self._live()
        to._live()
        self._refuse_deferred(reservation, "vspace_share_mem_at_vaddr")
        self._ll.host.check_mapped(kernel, self._root, start, num_pages, size_bits, "vspace_share_mem_at_vaddr")
        starts = [start + (i << size_bits) for i in range(num_pages)]
        paddrs = self._ll.sim.translate(kernel, self._root, starts, self._scratch)
        out = self._call()
        try:
            self._ll.host.share(self._host, to._host, start, num_pages, size_bits, vaddr, reservation._cell.res, out)
        finally:
            if self._status[0] == _OK:
                # the copies are to's own: unmapping them deletes them, and freeing or deleting
                # their frames first unmaps them (the world's shared set says where to look)
                self._pending.append((_record_share, (self._world, paddrs)))
                self._world.commit()

    @_guard.guarded_in_c
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
        if (free is False and type(vaddr) is int and type(num_pages) is int and type(size_bits) is int
                and not self._pending):
            try:
                code = self._ll.host.hot_unmap(self._cell, vaddr, num_pages, size_bits)
            except OverflowError as exc:   # a value beyond 64 bits: the checked way names it
                if not _refused(exc):
                    raise
                code = _HOT_SLOW
            if not code:
                if _queued[0] or _waiting:
                    _guard.after_call()
                return
            if code & 0xFF == _HOT_FAILED:
                self._hot_failed("vspace_unmap_pages")
        self._unmap_pages_checked(vaddr, num_pages, size_bits, free)

    def _unmap_pages(self, vaddr: Any, num_pages: Any, size_bits: Any, free: Any) -> None:
        vaddr, num_pages, size_bits = self._ll.check.pages("vaddr", vaddr, num_pages, size_bits)
        if free is not False:
            free = self._ll.check.boolean("free", free)
        if self._torn_down or self._world.closed:
            self._live()
        if free or self._world.foreign(self._key):
            self._unmap_sorted(vaddr, num_pages, size_bits, free)
        else:
            # a vspace mapping only the caller's frames: check mapped and unmap in one C call
            self._ll.host.unmap(self._host, vaddr, num_pages, size_bits, self._result)

    _unmap_pages_checked = operation(_unmap_pages, "VSpace.unmap_pages")

    def _unmap_sorted(self, vaddr: int, num_pages: int, size_bits: int, free: bool) -> None:
        """Unmap pages that may not be the caller's: each page sorted as the caller's, a copy the
        vspace made or a frame it allocated, then one C call."""
        kernel = self._live()
        self._ll.host.check_mapped(kernel, self._root, vaddr, num_pages, size_bits, "vspace_unmap_pages")
        # every page is mapped now, so num_pages is bounded by what the vspace really maps
        caps, cookies = self._ll.host.range_entries(self._c, vaddr, num_pages, size_bits)
        world = self._world
        callers = world.callers(caps)
        if free and any(callers):
            i = callers.index(True)
            raise ValueError(f"page {vaddr + (i << size_bits):#x} maps cap {caps[i]} from Kernel.alloc_frame; "
                             "it stays the caller's (unmap with free=False, then Kernel.delete_cap)")
        host = self._ll.host
        kinds = bytes(host.PAGE_CALLERS if mine else host.PAGE_OWN if cookie else host.PAGE_COPY
                      for mine, cookie in zip(callers, cookies, strict=True))
        own = [i for i in range(num_pages) if kinds[i] == host.PAGE_OWN]
        # freeing revokes a frame: the C first unmaps its copies in other vspaces, through their
        # allocators, for the frames that may have some
        freed = set(self._ll.sim.translate(kernel, self._root, [vaddr + (i << size_bits) for i in own], self._scratch)
                    ) if own and free else set()
        shared = world.shared() if freed else []
        # what to record once the C has unmapped, worked out now: between the C call's return and the
        # record work no Python may run (see World.commit); the C counts the vspace's foreign pages
        adopted = [] if free else [(caps[i], cookies[i]) for i in own]
        out = self._call()
        try:
            self._ll.host.unmap_mixed(self._host, vaddr, num_pages, size_bits, kinds, free, shared, out)
        finally:
            if self._status[0] == _OK:
                self._pending.append((_record_unmap, (world, adopted, size_bits, freed)))
                world.commit()

    @operation
    def get_cap(self, vaddr: int) -> int:
        """The frame cap the allocator recorded at ``vaddr`` (``vspace_get_cap``); 0 when none. Raises
        TypeError / ValueError (naming the argument) for a bad argument, before any C runs;
        :class:`~sel4vspace.StaleObjectError` if the vspace was torn down or its kernel closed."""
        vaddr = self._ll.check.address("vaddr", vaddr)
        if self._torn_down or self._world.closed:
            self._live()
        cap: int = self._ll.vspace.get_cap.__wrapped__(self._c, vaddr)
        return cap

    @operation
    def get_cookie(self, vaddr: int) -> int:
        """The allocation cookie the allocator recorded at ``vaddr`` (``vspace_get_cookie``); 0 when
        none. Raises TypeError / ValueError (naming the argument) for a bad argument, before any C runs;
        :class:`~sel4vspace.StaleObjectError` if the vspace was torn down or its kernel closed."""
        vaddr = self._ll.check.address("vaddr", vaddr)
        if self._torn_down or self._world.closed:
            self._live()
        cookie: int = self._ll.vspace.get_cookie.__wrapped__(self._c, vaddr)
        return cookie

    # ---- the simulated kernel's view ----

    @operation
    def lookup(self, vaddr: int) -> Mapping | None:
        """The kernel's mapping covering ``vaddr`` (any byte of the page), read from the simulated page
        tables (``sel4sim_vspace_lookup``), or None. Raises TypeError / ValueError (naming the
        argument) for a bad argument, before any C runs; :class:`~sel4vspace.StaleObjectError` if the
        vspace was torn down or its kernel closed."""
        vaddr = self._ll.check.address("vaddr", vaddr)
        if self._torn_down or self._world.closed:
            self._live()
        words = self._ll.sim.lookup(self._kernel_ptr, self._root, vaddr, self._scratch)
        return None if words is None else _mapping_from_words(self._ll.objects, words)

    @operation
    def mappings(self) -> list[Mapping]:
        """Every mapping of this address space as the kernel's page tables hold it, by address
        (``sel4sim_vspace_mappings``). Raises :class:`~sel4vspace.StaleObjectError` if the vspace was
        torn down or its kernel closed."""
        objects = self._ll.objects
        return [_mapping_from_words(objects, words) for words in self._ll.sim.mappings(self._live(), self._root)]

    @operation
    def read(self, vaddr: int, n: int) -> bytes:
        """Read ``n`` bytes (0 to 2**40) at ``vaddr`` through the simulated MMU, as user code would;
        crosses pages. Raises :class:`~sel4vspace.VMFault` (the first faulting address, ``"unmapped"``
        or ``"permission"``) if the MMU refuses any byte; TypeError / ValueError (naming the argument)
        for a bad argument, before any C runs; :class:`~sel4vspace.StaleObjectError` if the vspace was
        torn down or its kernel closed."""
        vaddr = self._ll.check.address("vaddr", vaddr)
        n = self._ll.check.integer("n", n, 0, self._ll.check.MAX_PAGES)
        vaddr = self._ll.check.access("vaddr", vaddr, n)
        if self._torn_down or self._world.closed:
            self._live()
        value: bytes = self._ll.sim.mmu_read(self._kernel_ptr, self._root, vaddr, n, self._scratch)
        return value

    @operation
    def read_into(self, vaddr: int, buffer: Any) -> int:
        """Read as many bytes as ``buffer`` holds (its size in bytes, whatever its item size or shape)
        at ``vaddr`` into it, a writable, contiguous bytes-like object (``bytearray``, ``memoryview``,
        ``array``, a NumPy array...), without the copy into a new ``bytes`` that :meth:`read` makes;
        returns the count. Raises :class:`~sel4vspace.VMFault` if the MMU refuses, and then the
        buffer is left as it was; TypeError for an object that is no buffer or is read-only,
        ValueError for a strided one or a range past 2**64; :class:`~sel4vspace.StaleObjectError` if
        the vspace was torn down or its kernel closed."""
        view = self._ll.check.byte_view("buffer", buffer, writable=True)
        n = view.nbytes
        vaddr = self._ll.check.access("vaddr", vaddr, n)
        if self._torn_down or self._world.closed:
            self._live()
        self._ll.sim.mmu_read_into(self._kernel_ptr, self._root, vaddr, view, n, self._scratch)
        value: int = n
        return value

    @operation
    def write(self, vaddr: int, data: Any) -> None:
        """Write every byte of ``data`` (any bytes-like object: ``bytes``, ``bytearray``, a
        ``memoryview`` of any shape, ``array``, a NumPy array; its size in bytes, in C order) at
        ``vaddr`` through the simulated MMU, as user code would. Raises :class:`~sel4vspace.VMFault`
        (nothing written) if the MMU refuses any byte; TypeError (``data`` is no bytes-like object) /
        ValueError (a range past 2**64), naming the argument, before any C runs;
        :class:`~sel4vspace.StaleObjectError` if the vspace was torn down or its kernel closed."""
        view = self._ll.check.byte_view("data", data)
        vaddr = self._ll.check.access("vaddr", vaddr, view.nbytes)
        if self._torn_down or self._world.closed:
            self._live()
        self._ll.sim.mmu_write(self._kernel_ptr, self._root, vaddr, view, view.nbytes, self._scratch)

    def __repr__(self) -> str:
        label = f" {self._name!r}" if self._name else ""
        if self._gone_already():
            return f"<VSpace{label} {self._ll.arch} torn down>"
        live = sum(1 for reservation in self._reservations.copy().values() if reservation._cell.res)
        return f"<VSpace{label} {self._ll.arch} root={self._root} reservations={live}>"



