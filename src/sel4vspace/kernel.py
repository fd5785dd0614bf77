# SPDX-License-Identifier: BSD-2-Clause
"""Kernel: one simulated seL4 kernel with its root CNode, untyped memory and host vka."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from .errors import KernelError, StaleObjectError, VSpaceError
from .lowlevel import _check, _guard, clear_c_error, ffi, last_c_error, lib
from .lowlevel._guard import operation
from .rights import CapRights

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

    from .vspace import VSpace

__all__ = ["Kernel", "FRAME_SIZE_BITS", "OBJECT_TYPE_NAMES"]

FRAME_SIZE_BITS: tuple[int, ...] = (12, 21, 30)
"""Frame sizes the simulated x86_64 kernel maps: 4 KiB, 2 MiB (large) and 1 GiB (huge)."""

# seL4_ObjectType names the simulated x86_64 kernel knows, as libsel4 spells them.
_OBJECT_TYPE_CANDIDATES = (
    "seL4_UntypedObject", "seL4_TCBObject", "seL4_EndpointObject", "seL4_NotificationObject",
    "seL4_CapTableObject", "seL4_SchedContextObject", "seL4_ReplyObject",
    "seL4_X86_PDPTObject", "seL4_X64_PML4Object", "seL4_X64_HugePageObject",
    "seL4_X86_4K", "seL4_X86_LargePageObject", "seL4_X86_PageTableObject", "seL4_X86_PageDirectoryObject",
    "seL4_X86_IOPageTableObject", "seL4_X86_VCPUObject", "seL4_X86_EPTPML4Object", "seL4_X86_EPTPDPTObject",
    "seL4_X86_EPTPDObject", "seL4_X86_EPTPTObject",
)
OBJECT_TYPE_NAMES: dict[int, str] = {
    getattr(lib, name): name for name in _OBJECT_TYPE_CANDIDATES if hasattr(lib, name)
}
"""seL4_ObjectType value -> libsel4 name, for the object types this build's libsel4 defines."""

_PAGING_TYPES = (lib.seL4_X86_PageTableObject, lib.seL4_X86_PageDirectoryObject, lib.seL4_X86_PDPTObject,
                 lib.seL4_X64_PML4Object)
_ALLOC_BATCH = 1 << 16  # frames allocated per C call by Kernel.alloc_frames
_FRAME_TYPE_BY_BITS = {12: lib.seL4_X86_4K, 21: lib.seL4_X86_LargePageObject, 30: lib.seL4_X64_HugePageObject}


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
    """Release a kernel's world (Kernel.close, or its finalizer): every vspace, then the world."""
    if not alive[0]:
        return
    alive[0] = False
    lib.sel4vspace_host_world_select(world)
    for host_vspace in list(vspaces.values()):
        lib.sel4vspace_host_vspace_destroy(host_vspace, lib.sel4vspace_vspace_preserve)
    vspaces.clear()
    lib.sel4vspace_host_world_destroy(world)


class Kernel:
    """One simulated seL4 kernel (x86_64) with a root CNode and ``2**untyped_bits`` bytes of
    untyped memory, plus the host vka that allocates cslots and objects from them.

    ``untyped_bits`` (12 to 47, default 28) sets the untyped memory in bytes as a power of two;
    ``cnode_bits`` (5 to 24, default 16) the root CNode's size, ``2**cnode_bits`` slots. Untyped
    memory costs no host memory until objects are made from it, and frame contents only once
    written.

    Caps are plain ints (``seL4_CPtr`` values in the root CNode). Several kernels may exist at
    once; each call selects its own, for its thread. Calls on one kernel (and on its vspaces and
    reservations) from several threads take turns on the kernel's lock; kernels of different
    threads run in parallel. A kernel is released when it is closed (:meth:`close`, or the
    ``with`` block ends) or garbage-collected; its vspaces go with it.

    Raises TypeError / ValueError naming ``untyped_bits`` or ``cnode_bits``, and
    :class:`~sel4vspace.KernelError` (``seL4_NotEnoughMemory``) when the host cannot make the
    kernel."""

    def __init__(self, untyped_bits: int = 28, cnode_bits: int = 16) -> None:
        untyped_bits = _check.integer("untyped_bits", untyped_bits, 12, 47)
        cnode_bits = _check.integer("cnode_bits", cnode_bits, 5, 24)
        clear_c_error()
        world = lib.sel4vspace_host_world_new(untyped_bits, cnode_bits)
        if world == ffi.NULL:
            raise KernelError("sel4vspace_host_world_new", lib.seL4_NotEnoughMemory,
                              str(last_c_error() or "could not create the kernel"))
        self._world = world
        self._kernel = lib.sel4vspace_host_world_kernel(world)
        self._vka = lib.sel4vspace_host_world_vka(world)
        self._host_vspaces: dict[int, Any] = {}
        # Per vspace (by key), how many of its pages map frames that are not the caller's (frames
        # it allocated, copies it made for share_mem_at_vaddr): never fewer than there are, so at
        # 0 an unmap is sure to need no per-page sorting. One-element lists shared with the VSpace.
        self._foreign_pages: dict[int, list[int]] = {}
        # Physical addresses of frames with copies made by share_mem_at_vaddr, and how many.
        self._shared: dict[int, int] = {}
        self._frames: dict[int, _Frame] = {}
        # Whether the world still exists, shared with the finalizer that destroys it: one list
        # read where every call checks (weakref.finalize.alive is a property call).
        self._alive = [True]
        # Every operation on the kernel, its vspaces, reservations and caps holds it (_guard).
        self._lock = _guard.new_lock()
        # The garbage collector may run it in the middle of another operation: _guard defers it.
        self._finalizer = weakref.finalize(self, _guard.finalizer, self._lock, _destroy_world, world,
                                           self._host_vspaces, self._alive)
        self.untyped_bits = untyped_bits
        self.cnode_bits = cnode_bits

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
        """A new address space: a PML4 retyped from untyped memory, given an ASID
        (``seL4_X86_ASIDPool_Assign``) and handed to ``sel4utils_get_vspace`` with the host loader for
        its bookkeeping. ``name`` is a label for ``repr`` and tools.

        Raises TypeError if ``name`` is not a str or None, :class:`~sel4vspace.VSpaceError` if the
        kernel has no memory or cslot left for it, :class:`~sel4vspace.StaleObjectError` if the kernel
        was closed."""
        from .vspace import VSpace

        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a str or None, not {type(name).__name__}")
        self._enter()
        clear_c_error()
        host_vspace = lib.sel4vspace_host_vspace_new(self._world)
        if host_vspace == ffi.NULL:
            raise VSpaceError("sel4vspace_host_vspace_new", last_c_error(), "could not create a vspace")
        key = int(ffi.cast("uintptr_t", host_vspace))
        self._host_vspaces[key] = host_vspace
        return VSpace._create(self, host_vspace, key, name)

    def _destroy_vspace(self, key: int, free: Any) -> None:
        host_vspace = self._host_vspaces.get(key)
        if host_vspace is None or not self._alive[0]:
            self._host_vspaces.pop(key, None)
            return
        self._enter()
        self._release_for_tear_down(host_vspace)
        del self._host_vspaces[key]
        self._foreign_pages.pop(key, None)
        lib.sel4vspace_host_vspace_destroy(host_vspace, free)

    # ---- keeping every vspace allocator true to the kernel ----
    #
    # The kernel removes a mapping when its cap is deleted or revoked, but the sel4utils allocator
    # that made it would go on recording the page as mapped: the page could never be unmapped,
    # reserved or mapped again, and a copy the allocator made for share_mem_at_vaddr would keep its
    # cslot for good. So before a cap goes, its mappings are unmapped through their allocators.

    def _c_mappings(self, root: int) -> list[tuple[int, int, int, int]]:
        """(vaddr, size_bits, frame cap, paddr) of every mapping of the vspace rooted at root."""
        total = lib.sel4sim_vspace_mappings(self._kernel, root, ffi.NULL, 0)
        if total == 0:
            return []
        entries = ffi.new("sel4sim_mapping_t[]", total)
        total = min(total, lib.sel4sim_vspace_mappings(self._kernel, root, entries, total))
        return [(int(e.vaddr), int(e.size_bits), int(e.frame_cap), int(e.paddr)) for e in entries[0:total]]

    def _unmap_one(self, key: int, c_vspace: Any, vaddr: int, size_bits: int, cap: int, paddr: int) -> bool:
        """Unmap one page through its allocator: the caller's caps stay (VSPACE_PRESERVE); a copy
        the allocator made is deleted with its slot (VSPACE_FREE: it has no cookie, so no memory
        is freed). A frame the allocator allocated itself is left to it: returns False."""
        from .lowlevel import vspace as ll

        if cap in self._frames:
            ll._unmap_pages(c_vspace, vaddr, 1, size_bits, ll.VSPACE_PRESERVE)
            return True
        if ll._get_cookie(c_vspace, vaddr) != 0:
            return False
        ll._unmap_pages(c_vspace, vaddr, 1, size_bits, ll.VSPACE_FREE)
        self._forget_foreign(key, 1)
        self._forget_shared(paddr)
        return True

    def _forget_foreign(self, key: int, count: int) -> None:
        counter = self._foreign_pages.get(key)
        if counter is not None:
            counter[0] = max(0, counter[0] - count)

    def _forget_shared(self, paddr: int) -> None:
        left = self._shared.get(paddr, 0) - 1
        if left > 0:
            self._shared[paddr] = left
        else:
            self._shared.pop(paddr, None)

    def _release_mappings(self, paddrs: set[int], cap: int | None = None) -> None:
        """Unmap every mapping, in any vspace of this kernel, of a frame at one of ``paddrs`` (only
        the mapping of ``cap`` when given), except frames a vspace allocated itself."""
        for key, host_vspace in list(self._host_vspaces.items()):
            c_vspace = lib.sel4vspace_host_vspace_vspace(host_vspace)
            for vaddr, size_bits, frame_cap, paddr in self._c_mappings(lib.sel4vspace_host_vspace_root(host_vspace)):
                if paddr in paddrs and (cap is None or frame_cap == cap):
                    self._unmap_one(key, c_vspace, vaddr, size_bits, frame_cap, paddr)

    def _release_cap(self, cap: int, vaddr: int, size_bits: int, paddr: int) -> None:
        """Unmap the one mapping of the caller's cap (at vaddr) through the vspace that made it."""
        for key, host_vspace in self._host_vspaces.items():
            c_vspace = lib.sel4vspace_host_vspace_vspace(host_vspace)
            if lib.vspace_get_cap(c_vspace, ffi.cast("void *", vaddr)) == cap:
                self._unmap_one(key, c_vspace, vaddr, size_bits, cap, paddr)
                return

    def _release_shared(self, paddrs: set[int]) -> None:
        """Before frames a vspace allocated are freed: unmap the copies share_mem_at_vaddr made of
        them (freeing revokes every cap to the frame, under those copies' allocators)."""
        shared = {p for p in paddrs if p in self._shared}
        if shared:
            self._release_mappings(shared)

    def _release_for_tear_down(self, host_vspace: Any) -> None:
        """Before a vspace is torn down: unmap the caller's frames (they stay the caller's, free to
        be mapped again), delete the copies its allocator made, and unmap the copies elsewhere of
        the frames it allocated itself, which the tear down frees."""
        key = int(ffi.cast("uintptr_t", host_vspace))
        c_vspace = lib.sel4vspace_host_vspace_vspace(host_vspace)
        own: set[int] = set()
        for vaddr, size_bits, cap, paddr in self._c_mappings(lib.sel4vspace_host_vspace_root(host_vspace)):
            if not self._unmap_one(key, c_vspace, vaddr, size_bits, cap, paddr):
                own.add(paddr)
        self._release_shared(own)

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
        caps: list[int] = []
        failed = ffi.new("size_t *")
        # One C call per batch (bounded, so an absurd n fails on memory, not on a huge array).
        while len(caps) < n:
            count = min(n - len(caps), _ALLOC_BATCH)
            objects = ffi.new("vka_object_t[]", count)
            clear_c_error()
            if lib.sel4vspace_host_alloc_frames(self._world, size_bits, count, objects, failed) != 0:
                error = last_c_error()
                for cap in caps:
                    self._free_original(self._frames.pop(cap))
                raise KernelError("sel4vspace_host_alloc_frame", lib.seL4_NotEnoughMemory,
                                  f"frame {len(caps) + failed[0] + 1} of {n}: {error or 'allocation failed'}")
            frames = self._frames
            for i in range(count):
                cap = int(objects[i].cptr)
                frames[cap] = _Frame(cap, size_bits, objects + i, None, objects)
                caps.append(cap)
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
        c_rights = (CapRights.ALL if rights is None else CapRights.coerce(rights)).to_c()
        self._enter()
        clear_c_error()
        new_cap = int(lib.sel4vspace_host_copy_cap(self._world, frame.cap, c_rights))
        if new_cap == lib.seL4_CapNull:
            raise KernelError("seL4_CNode_Mint", lib.seL4_NotEnoughMemory, str(last_c_error() or "copy failed"))
        original = frame if frame.object is not None else frame.parent
        assert original is not None
        self._frames[new_cap] = _Frame(new_cap, frame.size_bits, None, original)
        original.copies.add(new_cap)
        return new_cap

    @operation
    def delete_cap(self, cap: int) -> None:
        """Delete a frame cap. A copy goes alone (``seL4_CNode_Delete``; its mapping with it); an
        original is revoked first (``seL4_CNode_Revoke``), so every copy and every mapping of the frame
        goes, and the frame's memory is returned to the untyped allocator. Mappings are unmapped
        through the vspace that made them, so its allocator can use those pages again.

        Raises :class:`~sel4vspace.StaleObjectError` if ``cap`` is not a live frame cap of this kernel,
        :class:`~sel4vspace.KernelError` if the kernel refuses the deletion."""
        frame = self._frame("cap", cap)
        kernel = self._enter()
        info = ffi.new("sel4sim_cap_info_t *")
        paddr = None
        # the caller's caps this deletion removes: O(caps of the frame x vspaces), not O(mappings)
        for member in [frame.cap] if frame.object is None else [frame.cap, *frame.copies]:
            if lib.sel4sim_cap_info(kernel, member, info) == 0:
                paddr = int(info.paddr)
                if info.mapped:
                    self._release_cap(member, int(info.mapped_vaddr), frame.size_bits, paddr)
        if frame.object is not None and paddr in self._shared:   # and the copies vspaces made
            self._release_mappings({paddr})
        if frame.object is None:
            self._delete_copy(frame)
        else:
            self._free_original(frame)
        self._frames.pop(frame.cap, None)

    def _delete_copy(self, frame: _Frame) -> None:
        error = lib.sel4vspace_host_delete_cap(self._world, frame.cap)
        if error != lib.seL4_NoError:
            raise KernelError("seL4_CNode_Delete", error)
        if frame.parent is not None:
            frame.parent.copies.discard(frame.cap)

    def _free_original(self, frame: _Frame) -> None:
        path = ffi.new("cspacepath_t *")
        lib.vka_cspace_make_path(self._vka, frame.cap, path)
        error = lib.vka_cnode_revoke(path)
        if error != lib.seL4_NoError:
            raise KernelError("seL4_CNode_Revoke", error)
        for copy in frame.copies:  # revoked with the original: only their slots are left to free
            self._frames.pop(copy, None)
            lib.vka_cspace_free(self._vka, copy)
        frame.copies.clear()
        lib.sel4vspace_host_free_object(self._world, frame.object)

    @operation
    def cap_info(self, cap: int) -> dict[str, Any]:
        """What the kernel knows of a cap (any cap of the root CNode, not only frames): ``type`` (the
        libsel4 object type name, e.g. ``"seL4_X86_4K"``), ``size_bits``, ``rights``
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
        """Live kernel objects by libsel4 type name (``{"seL4_X86_4K": 3, ...}``), zero counts left out."""
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
        ``paging_structures`` (the page tables, directories, PDPTs and PML4s among them),
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
