# SPDX-License-Identifier: BSD-2-Clause
"""World: the one owner of a kernel's state, which :class:`~sel4vspace.Kernel` and
:class:`~sel4vspace.VSpace` both use through its methods.

It holds the host world (a ``host_world_t *`` handle: the simulated kernel, root CNode, untyped
memory, vka and loader), the kernel's lock, whether the world is still open, the vspaces it made
(their ``host_vspace_t *`` handles, by key), and the ownership of every frame:

* the caller's frames: those :meth:`alloc_frames` made (originals) and :meth:`copy_cap` made
  (copies, each registered with its original), plus frames a vspace allocated and then unmapped
  without freeing (:meth:`adopt`);
* the physical addresses of frames that may have copies made by share_mem_at_vaddr (at least
  every such frame: a frame not here has none, and its deletion need not look for them).

Every method runs inside an operation of the caller's (``lowlevel._guard``) that holds
:attr:`lock`; the ``record_*`` methods make no C call, for the ``finally`` of an operation.

What Python records after a C call that changed something is done through :attr:`pending`
(:meth:`commit`): the record work is filed in one list append right after the C call returns and
then done, and if an exception (a signal handler's KeyboardInterrupt) stops it half-way, the next
operation on the kernel finishes it first. Record work is written to give the same records when
run again.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from ._arches import Binding, binding
from .errors import StaleObjectError
from .lowlevel import _guard
from .lowlevel.host import NOT_RUN, OK  # the binding's result codes, the same in every arch's build
from .vspace import VSpace, attach

if TYPE_CHECKING:  # pragma: no cover
    from .kernel import Kernel

__all__ = ["World", "Frame", "world_of"]

_worlds: weakref.WeakKeyDictionary[Kernel, World] = weakref.WeakKeyDictionary()
_unclosed: dict[World, weakref.ref[Kernel]] = {}
"""Every world not yet closed, with its Kernel weakly: one whose Kernel is gone without its
finalizer having closed it (an exception, a signal handler's KeyboardInterrupt, as the finalizer
began) is closed when the next Kernel is made (:func:`_close_orphans`)."""


def _close_orphans() -> None:
    """Close the worlds whose Kernel is gone and that are still open. Nothing else can use such a
    world: its vspaces' and reservations' objects hold the Kernel, so they are gone too."""
    for world, kernel in list(_unclosed.items()):
        if world.closed:
            _unclosed.pop(world, None)   # never opened (its C call failed), or closed already
        elif kernel() is None:
            with _guard.holding(world.lock):
                world.close()


def world_of(kernel: Kernel) -> World:
    """The World of a :class:`~sel4vspace.Kernel` (for :mod:`sel4vspace.ledger`)."""
    return _worlds[kernel]


class Frame:
    """A frame cap handed out to the caller: an original (``object`` is its ``vka_object_t *``) or a
    copy (``parent`` is its original). Every copy, at any depth, registers with the original:
    revoking the original deletes them all, whichever cap each was copied from."""

    __slots__ = ("batch", "cap", "copies", "object", "parent", "size_bits")

    def __init__(self, cap: int, size_bits: int, obj: Any, parent: Frame | None, batch: Any = None) -> None:
        self.cap = cap
        self.size_bits = size_bits
        self.object = obj          # vka_object_t * of an original, None for a copy
        self.parent = parent       # the original of a copy
        self.copies: set[int] = set()
        self.batch = batch         # the vka_object_t[] that object points into, kept alive


class World:
    """One host world and everything Python records about it (see the module's docstring)."""

    ll: Binding
    """The lowlevel modules of the kernel's arch: every C call of this world goes through them."""
    lock: Any
    """The kernel's guard (``lowlevel._guard``): every operation on the kernel, its vspaces,
    reservations and caps holds it."""
    guard: Any
    """The same guard, as this world's arch's C takes it (in its calls and its vspaces' cells)."""
    closed: bool
    """True once the world was released (a plain attribute: read on every call)."""
    handle: Any
    """The ``host_world_t *``."""
    kernel: Any
    """The ``sel4sim_kernel_t *``."""

    finalizer: weakref.finalize[..., Kernel]
    """What the garbage collector runs when the kernel is collected: the world released."""

    def __init__(self, kernel: Kernel, arch: str, untyped_bits: int, cnode_bits: int) -> None:
        """The world of ``kernel`` (its finalizer follows the Kernel object's life), a host world of
        installed ``arch``, made in one C call (KernelError, ``seL4_NotEnoughMemory``, when the host
        cannot)."""
        self.ll = binding(arch)
        self.lock = _guard.new_lock()
        self.guard = self.ll.host.guard_of(_guard.address(self.lock))
        self.pending: list[tuple[Any, tuple[Any, ...]]] = []
        """Record work of C calls that succeeded, not yet done (:meth:`commit`)."""
        self.closed = True
        self._vspaces: dict[int, Any] = {}
        """The cell (``sel4vspace_vspace_cell_t *``) of each vspace the C holds, by key."""
        self._objects: dict[int, weakref.ref[VSpace]] = {}
        """The VSpace object of each vspace, weakly: a vspace whose object is gone is torn down by
        the next new_vspace (:meth:`_sweep`), should its finalizer have been lost to an exception."""
        self._next_key = 1
        """The key of the next vspace: keys are never used twice, so work queued for a vspace that is
        gone (a finalizer run again after an interruption) never reaches another one."""
        self._shared: set[int] = set()
        self._frames: dict[int, Frame] = {}
        self._out = self.ll.host.result()
        self._status = self.ll.host.status_word(self._out)
        out = self.ll.host.result()
        _close_orphans()
        _unclosed[self] = weakref.ref(kernel)   # before the C call: whatever happens after it, it is known
        try:
            self.ll.host.world_new(untyped_bits, cnode_bits, out)
        finally:
            if out.status == OK:
                self.handle = out.world
                self.closed = False
                # The garbage collector may run it in the middle of another operation: _guard defers
                # it. It holds this World, never the kernel.
                self.finalizer = weakref.finalize(kernel, _guard.finalizer, self.lock, self.close)
        self.kernel = self.ll.host.world_kernel(self.handle)
        _worlds[kernel] = self

    def commit(self) -> Any:
        """Do the record work filed in :attr:`pending` (the caller has just appended its own, right
        after its C call returned); the last entry's result."""
        return _guard.settle(self.pending)

    def call(self) -> Any:
        """The world's result struct, its status set to NOT_RUN (operations hold the lock)."""
        self._status[0] = NOT_RUN
        return self._out

    def live(self) -> None:
        """StaleObjectError once the world was closed: the first check of every call on the kernel."""
        if self.closed:
            raise StaleObjectError("this Kernel was closed")

    def enter(self) -> Any:
        """Select this world's kernel for libsel4 calls; its ``sel4sim_kernel_t *``.
        StaleObjectError once closed."""
        if self.closed:
            self.live()
        # Select every time rather than remembering (lowlevel code may have selected another
        # kernel meanwhile): one C call, cheaper than asking which kernel is selected.
        self.ll.host.world_select(self.handle)
        return self.kernel

    def close(self) -> None:
        """Release the world (Kernel.close, or the kernel's finalizer): every vspace torn down, then
        the kernel and the world, in one C call. Idempotent; interrupted before its C call, the
        world stays open and can be closed again."""
        if self.closed:
            return
        out = self.ll.host.result()
        try:
            self.ll.host.world_close(self.handle, self.guard, out)
        finally:
            if out.status == OK:
                self.closed = True
                self.pending.append((self._forget_everything, ()))
                self.commit()

    def _forget_everything(self) -> None:
        """The records once the world is released: nothing left (the world is closed already)."""
        _unclosed.pop(self, None)
        self._vspaces.clear()
        self._objects.clear()
        self._frames.clear()
        self._shared.clear()

    # ---- vspaces ----

    def new_vspace(self, kernel: Kernel, name: str | None) -> VSpace:
        """A new vspace of ``kernel`` (this world's), made in one C call; its VSpace object is made in
        the ``finally`` that records the C's result (no C call there)."""
        self.enter()
        self._sweep()
        cell = self.ll.host.vspace_cell(self.guard)
        out = self.call()
        made: VSpace | None = None
        try:
            self.ll.host.vspace_new(self.handle, cell, out)
        finally:
            if self._status[0] == OK:
                key = self._next_key   # stores and arithmetic only, up to the append (see commit)
                self._next_key = key + 1
                self.pending.append((self._vspace_made, (kernel, key, cell, out.vspace, name, out.c_vspace, out.cap)))
                made = self.commit()
        assert made is not None
        return made

    def _vspace_made(self, kernel: Kernel, key: int, cell: Any, host_vspace: Any, name: str | None, c_vspace: Any,
                     root: int) -> VSpace:
        """Record a vspace the C has just made (its ``cell``), filed by ``key``, and make its VSpace
        object. Run again (an exception stopped the first run), the object is made again: the
        caller never had the first, and an object nobody holds tears its vspace down when collected."""
        self._vspaces[key] = cell
        made = attach(kernel, self, cell, host_vspace, key, name, c_vspace, root)
        self._objects[key] = weakref.ref(made)
        return made

    def _sweep(self) -> None:
        """Tear down every vspace whose VSpace object was collected without its finalizer having done
        it (an exception, a signal handler's KeyboardInterrupt, as the finalizer began)."""
        for key, ref in list(self._objects.items()):
            if ref() is None:
                self.destroy_vspace(key)
                self._objects.pop(key, None)

    def has_vspace(self, key: int) -> bool:
        """Whether the vspace of ``key`` still exists (in C)."""
        return key in self._vspaces

    @property
    def vspace_count(self) -> int:
        """How many vspaces the world holds."""
        return len(self._vspaces)

    def destroy_vspace(self, key: int, gone: Any = None) -> None:
        """Tear the vspace down in one C call: its pages unmapped through its allocator (the caller's
        frames kept, the copies it made deleted, the copies elsewhere of its own frames unmapped),
        then vspace_tear_down and its paging structures. Does nothing when it is gone already.
        ``gone`` (a function without arguments, or None) is the record work of the vspace's object,
        done with the world's own once the C has torn it down."""
        self.commit()   # a finalizer runs this outside any method: earlier record work first
        cell = self._vspaces.get(key)
        if cell is None or self.closed:
            return
        # every frame of the caller's, whether this vspace maps it or not: the C keeps a page whose cap
        # is among them, and a list of what the vspace maps would cost memory in proportion to its
        # pages right when it is being given back
        callers = sorted(self._frames)
        shared = sorted(self._shared)
        out = self.call()
        try:
            self.ll.host.tear_down(cell, callers, shared, out)
        finally:
            if self._status[0] == OK:
                self.pending.append((self._vspace_gone, (key, gone)))
                self.commit()

    def _vspace_gone(self, key: int, gone: Any) -> None:
        self._vspaces.pop(key, None)
        self._objects.pop(key, None)
        if gone is not None:
            gone()

    def foreign(self, key: int) -> int:
        """At least as many as the pages the vspace of ``key`` maps that are not the caller's frames
        (frames its allocator allocated, copies it made for share_mem_at_vaddr), as its C counts
        them: at 0, an unmap needs no sorting."""
        count: int = self.ll.host.foreign(self._vspaces[key].vspace)
        return count

    # ---- frames ----

    def callers(self, caps: list[int]) -> list[bool]:
        """For each cap, whether it is a frame cap of the caller's (live, handed out by this world)."""
        frames = self._frames
        return [cap in frames for cap in caps]

    def frame(self, name: str, cap: int) -> Frame:
        """The caller's frame of ``cap``; StaleObjectError saying the kernel was closed, else naming
        ``name`` when there is no such frame."""
        self.live()
        frame = self._frames.get(cap)
        if frame is None:
            raise StaleObjectError(f"{name} {cap} is not a live frame cap of this kernel "
                                   "(never allocated here, or deleted)")
        return frame

    def frame_caps(self) -> list[int]:
        """Every live frame cap of the caller's, sorted."""
        return sorted(self._frames)

    def shared(self) -> list[int]:
        """The physical addresses of frames that may have copies made by share_mem_at_vaddr, sorted."""
        return sorted(self._shared)

    def may_be_shared(self, paddr: int | None) -> bool:
        """Whether the frame at ``paddr`` may have copies made by share_mem_at_vaddr."""
        return paddr in self._shared

    def record_shared(self, paddrs: list[int]) -> None:
        """The frames at ``paddrs`` may now have copies made by share_mem_at_vaddr."""
        self._shared.update(paddrs)

    def record_unshared(self, paddrs: set[int]) -> None:
        """The frames at ``paddrs`` are gone: no copies of them remain."""
        self._shared.difference_update(paddrs)

    def alloc_frames(self, n: int, size_bits: int) -> list[int]:
        """Allocate ``n`` frames of the caller's in one C call, all or nothing; their caps."""
        self.enter()
        self.ll.host.require_free_slots(self.handle, n)
        objects = self.ll.host.frame_objects(n)
        out = self.call()
        caps: list[int] = []
        try:
            self.ll.host.alloc_frames(self.handle, size_bits, objects, out)
        finally:
            if self._status[0] == OK:
                self.pending.append((self._frames_made, (objects, size_bits)))
                caps = self.commit()
        return caps

    def _frames_made(self, objects: Any, size_bits: int) -> list[int]:
        """Record the frames of the caller's the C has just made (its ``vka_object_t`` array); their caps."""
        caps: list[int] = self.ll.host.object_caps(objects)
        frames = self._frames
        for i, cap in enumerate(caps):
            frames[cap] = Frame(cap, size_bits, objects + i, None, objects)
        return caps

    def copy_cap(self, frame: Frame, rights: int) -> int:
        """A copy of ``frame``'s cap with the rights word ``rights``, the caller's; its cap."""
        self.enter()
        out = self.call()
        try:
            new_cap = self.ll.host.copy_cap(self.handle, frame.cap, rights, out)
        finally:
            if self._status[0] == OK:
                self.pending.append((self._copy_made, (frame, out.cap)))
                self.commit()
        value: int = new_cap
        return value

    def _copy_made(self, frame: Frame, cap: int) -> None:
        """Record ``cap``, a copy of ``frame``'s cap the C has just made, with the original."""
        original = frame if frame.object is not None else frame.parent
        assert original is not None
        self._frames[cap] = Frame(cap, frame.size_bits, None, original)
        original.copies.add(cap)

    def delete_cap(self, frame: Frame) -> None:
        """Delete ``frame``'s cap (an original: revoked, with every copy) in one C call."""
        kernel = self.enter()
        original = frame.object is not None
        family = [frame.cap, *sorted(frame.copies)] if original else [frame.cap]
        paddr = self.ll.sim.cap_info(kernel, frame.cap)[3]
        out = self.call()
        try:
            self.ll.host.delete_frame(self.handle, family, frame.object if original else None,
                              original and paddr in self._shared, out)
        finally:
            if self._status[0] == OK:
                self.pending.append((self._caps_deleted, (frame, family, paddr)))
                self.commit()

    def _caps_deleted(self, frame: Frame, family: list[int], paddr: int | None) -> None:
        """Forget ``frame``'s cap and, for an original, its copies (``family``): the C deleted them."""
        frames = self._frames
        for member in family:
            frames.pop(member, None)
        if frame.object is not None:
            frame.copies.clear()
            if paddr is not None:
                self._shared.discard(paddr)
        elif frame.parent is not None:
            frame.parent.copies.discard(frame.cap)

    def object_counts(self) -> dict[str, int]:
        """Live kernel objects by libsel4 type name, zero counts left out (``sel4sim_object_counts``)."""
        counts = self.ll.sim.object_counts(self.enter())
        return {self.ll.objects.OBJECT_TYPE_NAMES.get(i, str(i)): count for i, count in enumerate(counts) if count}

    def adopt(self, cap: int, size_bits: int, cookie: int) -> None:
        """Hand the caller a frame a vspace allocated and then unmapped without freeing it (no C call)."""
        self._frames[cap] = Frame(cap, size_bits, self.ll.host.frame_object(cap, cookie, size_bits), None)
