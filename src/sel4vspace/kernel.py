# SPDX-License-Identifier: BSD-2-Clause
"""Kernel: one simulated seL4 kernel with its root CNode, untyped memory and host vka."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from .errors import CSpaceFullError, KernelError, StaleObjectError, VSpaceError
from .lowlevel import _check, _guard, clear_c_error, cspace_full_error, ffi, last_c_error, lib
from .lowlevel._guard import operation
from .lowlevel.arch import ARCH
from .rights import CapRights

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

    from .vspace import VSpace

__all__ = ["Kernel", "FRAME_SIZE_BITS", "OBJECT_TYPE_NAMES"]

FRAME_SIZE_BITS: tuple[int, ...] = ARCH.frame_size_bits
"""Frame sizes in bits the simulated kernel's arch maps, ascending (:data:`~sel4vspace.lowlevel.arch.ARCH`)."""

# seL4_ObjectType names every arch has, as libsel4 spells them; the arch adds its own.
_GENERIC_OBJECT_TYPES = (
    "seL4_UntypedObject", "seL4_TCBObject", "seL4_EndpointObject", "seL4_NotificationObject",
    "seL4_CapTableObject", "seL4_SchedContextObject", "seL4_ReplyObject",
)
OBJECT_TYPE_NAMES: dict[int, str] = {
    **{getattr(lib, name): name for name in _GENERIC_OBJECT_TYPES if hasattr(lib, name)},
    **ARCH.object_type_names,
}
"""seL4_ObjectType value -> libsel4 name, for the object types this build's libsel4 defines."""

_PAGING_TYPES = ARCH.paging_object_types
_FRAME_TYPE_BY_BITS = ARCH.frame_object_types


# The verdicts of csrc/host's calls (calls.h). Python sets NOT_RUN before each call and reads the
# status in a `finally`, so that its own records follow what the C did even when an exception
# (KeyboardInterrupt) comes as the call returns and its return value is lost.
NOT_RUN = int(lib.SEL4VSPACE_CALL_NOT_RUN)
OK = int(lib.SEL4VSPACE_CALL_OK)
# vka_object_t is four words (cptr, ut, type, size_bits): its caps read as every fourth word.
_OBJECT_WORDS = 4
assert ffi.sizeof("vka_object_t") == 8 * _OBJECT_WORDS


assert ffi.offsetof("sel4vspace_call_result_t", "status") == 0


def call_result() -> Any:
    """A fresh ``sel4vspace_call_result_t *`` whose status says the call has not reported."""
    out = ffi.new("sel4vspace_call_result_t *")
    out.status = NOT_RUN
    return out


def status_word(out: Any) -> memoryview:
    """The status of a result struct as a one-int view: set and read a few times per call, at a
    fraction of a cdata field's cost."""
    return memoryview(ffi.buffer(out, ffi.sizeof("int"))).cast("i")


def frame_size_bits(name: str, value: Any) -> int:
    """A frame size in bits (12, 21 or 30), or TypeError/ValueError naming the argument."""
    bits = _check.integer(name, value, 0, 64)
    if bits not in FRAME_SIZE_BITS:
        raise ValueError(f"{name} must be a frame size in bits {FRAME_SIZE_BITS}, got {bits}")
    return bits


class _Frame:
    """A frame cap handed out by Kernel.alloc_frame (original) or Kernel.copy_cap (copy).

    Every copy, at any depth, registers with the original (its parent here): revoking the
    original deletes them all, whichever cap each was copied from."""

    __slots__ = ("batch", "cap", "copies", "object", "parent", "size_bits")

    def __init__(self, cap: int, size_bits: int, obj: Any, parent: _Frame | None, batch: Any = None) -> None:
        self.cap = cap
        self.size_bits = size_bits
        self.object = obj          # vka_object_t * of an original, None for a copy
        self.parent = parent       # the original of a copy
        self.copies: set[int] = set()
        self.batch = batch         # the vka_object_t[] that object points into, kept alive


def _destroy_world(world: Any, vspaces: dict[int, Any], alive: list[bool]) -> None:
    """Release a kernel's world (Kernel.close, or its finalizer): every vspace, then the world, in
    one C call. Interrupted before it, the kernel stays open and can be closed again."""
    if not alive[0]:
        return
    out = call_result()
    try:
        lib.sel4vspace_host_call_world_close(world, out)
    finally:
        if out.status == OK:
            alive[0] = False
            vspaces.clear()


class Kernel:
    """One simulated seL4 kernel (of the built arch) with a root CNode and ``2**untyped_bits`` bytes of
    untyped memory, plus the host vka that allocates cslots and objects from them.

    ``untyped_bits`` (12 to 47, default 28) sets the untyped memory in bytes as a power of two;
    ``cnode_bits`` (5 to 24, default 20) the root CNode's size, ``2**cnode_bits`` slots. Untyped
    memory costs no host memory until objects are made from it, and frame contents only once
    written.

    Caps are plain ints (``seL4_CPtr`` values in the root CNode). Several kernels may exist at
    once; each call selects its own, for its thread. Calls on one kernel (and on its vspaces and
    reservations) from several threads take turns on the kernel's lock; kernels of different
    threads run in parallel. A kernel is released when it is closed (:meth:`close`, or the
    ``with`` block ends) or garbage-collected; its vspaces go with it.

    The defaults (4 GiB of untyped memory, a root CNode of 2^20 slots) map 1 GiB of 4 KiB pages
    through :meth:`VSpace.new_pages`; neither costs host memory until used (CNode slots come in
    4 KiB chunks as caps arrive, untyped memory is bookkeeping). A call that finds the root CNode
    full raises :class:`~sel4vspace.errors.CSpaceFullError`, which names ``cnode_bits``.

    Raises TypeError / ValueError naming ``untyped_bits`` or ``cnode_bits``, and
    :class:`~sel4vspace.KernelError` (``seL4_NotEnoughMemory``) when the host cannot make the
    kernel.
    """

    def __init__(self, untyped_bits: int = 32, cnode_bits: int = 20) -> None:
        untyped_bits = _check.integer("untyped_bits", untyped_bits, 12, 47)
        cnode_bits = _check.integer("cnode_bits", cnode_bits, 5, 24)
        self._host_vspaces: dict[int, Any] = {}
        # Per vspace (by key), how many of its pages map frames that are not the caller's (frames
        # it allocated, copies it made for share_mem_at_vaddr): never fewer than there are, so at
        # 0 an unmap is sure to need no per-page sorting. One-element lists shared with the VSpace.
        self._foreign_pages: dict[int, list[int]] = {}
        # Physical addresses of frames that may have copies made by share_mem_at_vaddr (at least
        # every such frame: a frame not here has none, and its deletion need not look for them).
        self._shared: set[int] = set()
        self._frames: dict[int, _Frame] = {}
        # Whether the world still exists, shared with the finalizer that destroys it: one list
        # read where every call checks (weakref.finalize.alive is a property call).
        self._alive = [True]
        # Every operation on the kernel, its vspaces, reservations and caps holds it (_guard).
        self._lock = _guard.new_lock()
        self._result = call_result()
        self._status = status_word(self._result)
        self.untyped_bits = untyped_bits
        self.cnode_bits = cnode_bits
        _guard.run("Kernel", None, self._create)

    def _create(self) -> None:
        out = call_result()
        clear_c_error()
        try:
            lib.sel4vspace_host_call_world_new(self.untyped_bits, self.cnode_bits, out)
        finally:
            if out.status == OK:
                # The garbage collector may run it in the middle of another operation: _guard
                # defers it.
                self._finalizer = weakref.finalize(self, _guard.finalizer, self._lock, _destroy_world, out.world,
                                                   self._host_vspaces, self._alive)
        if out.status != OK:
            self._alive[0] = False
            raise KernelError("sel4vspace_host_world_new", lib.seL4_NotEnoughMemory,
                              str(last_c_error() or "could not create the kernel"))
        self._world = out.world
        self._kernel = lib.sel4vspace_host_world_kernel(self._world)
        self._vka = lib.sel4vspace_host_world_vka(self._world)

    def _call(self) -> Any:
        """The kernel's result struct, made ready for a call (operations hold the lock)."""
        self._status[0] = NOT_RUN
        return self._result

    # ---- lifetime ----

    @property
    def closed(self) -> bool:
        """True once the kernel was closed (or collected); every call on it then raises
        :class:`~sel4vspace.StaleObjectError`."""
        return not self._alive[0]

    @operation
    def close(self) -> None:
        """Tear down every vspace of this kernel (``vspace_tear_down``, then the paging structures and
        ASIDs it used) and release the kernel and all its host memory. Idempotent."""
        _destroy_world(self._world, self._host_vspaces, self._alive)
        self._frames.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _enter(self) -> Any:
        """Select this kernel for libsel4 calls; returns its sel4sim_kernel_t *."""
        if not self._alive[0]:
            raise StaleObjectError("this Kernel was closed")
        # Select every time rather than remembering (lowlevel code may have selected another
        # kernel meanwhile): one C call, cheaper than asking which kernel is selected.
        lib.sel4vspace_host_world_select(self._world)
        return self._kernel

    # ---- vspaces ----

    @operation
    def new_vspace(self, name: str | None = None) -> VSpace:
        """A new address space: a vspace root retyped from untyped memory, given an ASID (the
        arch's ``ASIDPool_Assign``) and handed to ``sel4utils_get_vspace`` with the host loader for
        its bookkeeping. ``name`` is a label for ``repr`` and tools.

        Raises TypeError if ``name`` is not a str or None, :class:`~sel4vspace.VSpaceError` if the
        kernel has no memory or cslot left for it, :class:`~sel4vspace.StaleObjectError` if the kernel
        was closed."""
        from .vspace import VSpace

        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a str or None, not {type(name).__name__}")
        self._enter()
        clear_c_error()
        out = self._call()
        vspace: VSpace | None = None
        try:
            lib.sel4vspace_host_call_vspace_new(self._world, out)
        finally:
            if out.status == OK:   # no C call from here on: an exception could come as it returns
                host_vspace = out.vspace
                key = int(ffi.cast("uintptr_t", host_vspace))
                self._host_vspaces[key] = host_vspace
                vspace = VSpace._create(self, host_vspace, key, name, out.c_vspace, int(out.cap))
        if vspace is None:
            raise cspace_full_error("sel4vspace_host_vspace_new") or VSpaceError(
                "sel4vspace_host_vspace_new", last_c_error(), "could not create a vspace")
        return vspace

    def _destroy_vspace(self, key: int) -> None:
        """Tear the vspace down in one C call: its pages unmapped through its allocator (the caller's
        frames kept, the copies it made deleted, the copies elsewhere of its own frames unmapped),
        then vspace_tear_down and its paging structures. Does nothing when it is gone already."""
        host_vspace = self._host_vspaces.get(key)
        if host_vspace is None or not self._alive[0]:
            return
        self._enter()
        root = int(lib.sel4vspace_host_vspace_root(host_vspace))
        frames = self._frames
        callers = sorted({cap for cap in self._mapped_caps(root) if cap in frames})
        shared = sorted(self._shared)
        out = self._call()
        clear_c_error()
        try:
            lib.sel4vspace_host_call_tear_down(host_vspace, callers, len(callers), shared, len(shared), out)
        finally:
            if out.status == OK:
                del self._host_vspaces[key]
                self._foreign_pages.pop(key, None)
        if out.status != OK:
            raise VSpaceError("vspace_tear_down", last_c_error(), "the host is out of memory")

    def _mapped_caps(self, root: int) -> list[int]:
        """The frame caps of every mapping of the vspace rooted at root (one C call)."""
        total = lib.sel4sim_vspace_mappings(self._kernel, root, ffi.NULL, 0)
        if total == 0:
            return []
        entries = ffi.new("sel4sim_mapping_t[]", total)
        total = min(total, lib.sel4sim_vspace_mappings(self._kernel, root, entries, total))
        words = memoryview(ffi.buffer(entries, total * ffi.sizeof("sel4sim_mapping_t"))).cast("Q")
        return words[2::ffi.sizeof("sel4sim_mapping_t") // 8].tolist()

    def _adopt(self, cap: int, size_bits: int, cookie: int) -> None:
        """Hand the caller a frame a vspace allocated and then unmapped without freeing it."""
        obj = ffi.new("vka_object_t *")
        obj.cptr, obj.ut, obj.type, obj.size_bits = cap, cookie, _FRAME_TYPE_BY_BITS[size_bits], size_bits
        self._frames[cap] = _Frame(cap, size_bits, obj, None)

    # ---- frames and caps ----

    @operation
    def alloc_frame(self, size_bits: int = 12) -> int:
        """Allocate one frame of ``2**size_bits`` bytes (12: 4 KiB, 21: 2 MiB, 30: 1 GiB) from untyped
        memory; returns its cap. As :meth:`alloc_frames` with ``n = 1``."""
        return self._alloc_frames(1, size_bits)[0]

    @operation
    def alloc_frames(self, n: int, size_bits: int = 12) -> list[int]:
        """Allocate ``n`` frames (1 to 2**32) of ``2**size_bits`` bytes each (12, 21 or 30), each retyped
        from untyped memory by the host vka (``seL4_Untyped_Retype``) into a fresh cslot; returns their
        caps in order. The frames are the caller's: they stay until :meth:`delete_cap`.

        All or nothing: if memory or cslots run out part-way, the frames already allocated are freed
        and :class:`~sel4vspace.KernelError` (``seL4_NotEnoughMemory``, naming the frame that failed)
        is raised. TypeError / ValueError name a bad ``n`` or ``size_bits``."""
        return self._alloc_frames(n, size_bits)

    def _alloc_frames(self, n: int, size_bits: int) -> list[int]:
        n = _check.integer("n", n, 1, 2**32)
        size_bits = frame_size_bits("size_bits", size_bits)
        self._enter()
        # Every frame needs a cslot: more than there are fails now, before an array of n objects
        # (an absurd n fails on cslots, not on host memory).
        free_slots = int(lib.sel4vspace_host_world_free_slots(self._world))
        if n > free_slots:
            raise CSpaceFullError("sel4vspace_host_alloc_frame", None, self.cnode_bits, (n, free_slots))
        objects = ffi.new("vka_object_t[]", n)
        out = self._call()
        clear_c_error()
        caps: list[int] = []
        try:
            # all or nothing, in C: frames are made or none is
            lib.sel4vspace_host_call_alloc_frames(self._world, size_bits, n, objects, out)
        finally:
            if out.status == OK:
                caps = memoryview(ffi.buffer(objects)).cast("Q")[::_OBJECT_WORDS].tolist()
                frames = self._frames
                for i, cap in enumerate(caps):
                    frames[cap] = _Frame(cap, size_bits, objects + i, None, objects)
        if out.status != OK:
            raise cspace_full_error("sel4vspace_host_alloc_frame") or KernelError(
                "sel4vspace_host_alloc_frame", lib.seL4_NotEnoughMemory,
                f"frame {int(out.index) + 1} of {n}: {last_c_error() or 'allocation failed'}")
        return caps

    def _frame(self, name: str, cap: Any) -> _Frame:
        cap = _check.integer(name, cap)
        frame = self._frames.get(cap)
        if frame is None:
            raise StaleObjectError(f"{name} {cap} is not a live frame cap of this kernel "
                                   "(never allocated here, or deleted)")
        return frame

    @operation
    def copy_cap(self, cap: int, rights: CapRights | str | None = None) -> int:
        """A new cap to the same frame, in a fresh slot: a copy, or a mint with reduced rights (never more
        than ``cap`` has: seL4 masks them, as ``seL4_CNode_Mint`` does). ``rights`` is a
        :class:`~sel4vspace.CapRights` or a string (``"r"``, ``"rw"``); None copies all of ``cap``'s
        rights. Returns the new cap. A copy is unmapped even when ``cap`` is mapped, and is deleted
        with the original when the original is.

        Raises :class:`~sel4vspace.StaleObjectError` if ``cap`` is not a live frame cap of this kernel,
        :class:`~sel4vspace.KernelError` (``seL4_NotEnoughMemory``) when no cslot is left."""
        frame = self._frame("cap", cap)
        bits = (CapRights.ALL if rights is None else CapRights.coerce(rights))._bits
        self._enter()
        out = self._call()
        clear_c_error()
        try:
            lib.sel4vspace_host_call_copy_cap(self._world, frame.cap, bits, out)
        finally:
            if out.status == OK:
                new_cap = int(out.cap)
                original = frame if frame.object is not None else frame.parent
                assert original is not None
                self._frames[new_cap] = _Frame(new_cap, frame.size_bits, None, original)
                original.copies.add(new_cap)
        if out.status != OK:
            raise cspace_full_error("seL4_CNode_Mint") or KernelError(
                "seL4_CNode_Mint", lib.seL4_NotEnoughMemory, str(last_c_error() or "copy failed"))
        return int(out.cap)

    @operation
    def delete_cap(self, cap: int) -> None:
        """Delete a frame cap. A copy goes alone (``seL4_CNode_Delete``; its mapping with it); an
        original is revoked first (``seL4_CNode_Revoke``), so every copy and every mapping of the frame
        goes, and the frame's memory is returned to the untyped allocator. Mappings are unmapped
        through the vspace that made them, so its allocator can use those pages again. One C call:
        complete, or (an exception before it) nothing done.

        Raises :class:`~sel4vspace.StaleObjectError` if ``cap`` is not a live frame cap of this kernel,
        :class:`~sel4vspace.KernelError` if the kernel refuses the deletion."""
        frame = self._frame("cap", cap)
        kernel = self._enter()
        original = frame.object is not None
        family = [frame.cap, *sorted(frame.copies)] if original else [frame.cap]
        info = ffi.new("sel4sim_cap_info_t *")
        paddr = int(info.paddr) if lib.sel4sim_cap_info(kernel, frame.cap, info) == 0 else None
        shared = original and paddr in self._shared
        out = self._call()
        clear_c_error()
        try:
            lib.sel4vspace_host_call_delete_frame(self._world, family, len(family),
                                                  frame.object if original else ffi.NULL, shared, out)
        finally:
            if out.status == OK:
                frames = self._frames
                for member in family:
                    frames.pop(member, None)
                if original:
                    frame.copies.clear()
                    if paddr is not None:
                        self._shared.discard(paddr)
                elif frame.parent is not None:
                    frame.parent.copies.discard(frame.cap)
        if out.status != OK:
            raise KernelError("seL4_CNode_Revoke" if original else "seL4_CNode_Delete", int(out.result),
                              str(last_c_error() or "the deletion failed"))

    @operation
    def cap_info(self, cap: int) -> dict[str, Any]:
        """What the kernel knows of a cap (any cap of the root CNode, not only frames): ``type`` (the
        libsel4 object type name, such as the arch's 4 KiB frame type), ``size_bits``, ``rights``
        (:class:`~sel4vspace.CapRights`), ``paddr``, ``mapped`` (bool) and ``mapped_vaddr`` (None when
        unmapped).

        Raises :class:`~sel4vspace.KernelError` (``seL4_InvalidCapability``) for an empty or invalid
        slot."""
        cap = _check.integer("cap", cap)
        kernel = self._enter()
        info = ffi.new("sel4sim_cap_info_t *")
        if lib.sel4sim_cap_info(kernel, cap, info) != 0:
            raise KernelError("sel4sim_cap_info", lib.seL4_InvalidCapability, f"cap {cap} is empty or invalid")
        return {
            "type": OBJECT_TYPE_NAMES.get(info.type, str(info.type)) if info.type >= 0 else None,
            "size_bits": int(info.size_bits),
            "rights": CapRights.from_c(info.rights),
            "paddr": int(info.paddr),
            "mapped": bool(info.mapped),
            "mapped_vaddr": int(info.mapped_vaddr) if info.mapped else None,
        }

    # ---- accounting ----

    @property
    @operation
    def untyped_free_bytes(self) -> int:
        """Bytes of untyped memory a retype could still use (the kernel's view)."""
        return int(lib.sel4sim_untyped_free_bytes(self._enter()))

    @property
    @operation
    def object_counts(self) -> dict[str, int]:
        """Live kernel objects by libsel4 type name (``{"seL4_UntypedObject": 3, ...}``), zero counts left out."""
        return self._object_counts()

    def _object_counts(self) -> dict[str, int]:
        kernel = self._enter()
        counts = ffi.new("size_t[]", lib.seL4_ObjectTypeCount)
        lib.sel4sim_object_counts(kernel, counts)
        return {OBJECT_TYPE_NAMES.get(i, str(i)): int(counts[i])
                for i in range(lib.seL4_ObjectTypeCount) if counts[i]}

    @property
    @operation
    def host_memory(self) -> dict[str, int]:
        """Host bytes this kernel's world holds, from the C side's own accounting:
        ``kernel_objects`` (the simulated kernel's objects, cap slots and paging structures),
        ``paging_structures`` (every kind of paging structure, the vspace roots among them),
        ``frame_backing`` (frame contents, allocated on first write) and ``allocator_tables``
        (the bookkeeping the sel4utils vspaces took from the loader)."""
        kernel = self._enter()
        paging = sum(int(lib.sel4sim_object_host_bytes(kernel, t)) for t in _PAGING_TYPES)
        return {
            "kernel_objects": int(lib.sel4sim_kernel_bookkeeping_bytes(kernel)),
            "paging_structures": paging,
            "frame_backing": int(lib.sel4sim_frame_backing_bytes(kernel)),
            "allocator_tables": int(lib.sel4vspace_host_world_loader_bytes(self._world)),
        }

    @property
    @operation
    def used_slots(self) -> int:
        """Non-empty slots of the root CNode (a count of cslots)."""
        return int(lib.sel4sim_used_slots(self._enter()))

    @operation
    def frame_caps(self) -> list[int]:
        """Every live frame cap handed out by this kernel (originals and copies), sorted."""
        return sorted(self._frames)

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"{len(self._host_vspaces)} vspace(s)"
        return f"<Kernel untyped_bits={self.untyped_bits} {state}>"
