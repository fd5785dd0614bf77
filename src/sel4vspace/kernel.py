# SPDX-License-Identifier: BSD-2-Clause
"""Kernel: one simulated seL4 kernel with its root CNode, untyped memory and host vka."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _arches
from ._handle import Handle
from ._world import World
from .errors import type_name
from .lowlevel import _guard
from .lowlevel._guard import operation
from .lowlevel.objects import FRAME_SIZE_BITS, OBJECT_TYPE_NAMES
from .rights import CapRights, rights_word

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

    from .vspace import VSpace

__all__ = ["Kernel", "FRAME_SIZE_BITS", "OBJECT_TYPE_NAMES"]


class Kernel(Handle):
    """One simulated seL4 kernel of architecture ``arch`` with a root CNode and ``2**untyped_bits``
    bytes of untyped memory, plus the host vka that allocates cslots and objects from them.

    ``arch`` is seL4's name of the architecture, one of :data:`sel4vspace.ARCHES`: the arches built
    into this install (at most ``"x86_64"``, ``"aarch64"`` and ``"riscv64"``). None, the default, is
    x86_64 when it is installed, else the first of them (or the arch ``SEL4VSPACE_ARCH`` names in
    the environment). Each arch is its own build of the same C: the libraries under test, libsel4
    and the simulated kernel of that arch, so kernels of different arches live side by side.
    ``untyped_bits`` (12 to the arch's ``seL4_MaxUntypedBits``: 47, 38 on RISC-V 64; default 32;
    ValueError naming it beyond) sets the untyped memory in bytes as a power of two; ``cnode_bits``
    (5 to 24, default 20) the root CNode's size, ``2**cnode_bits`` slots. Untyped memory costs no
    host memory until objects are made from it, and frame contents only once written.

    Caps are plain ints (``seL4_CPtr`` values in the root CNode). Several kernels may exist at
    once; each call selects its own, for its thread. Calls on one kernel (and on its vspaces and
    reservations) from several threads take turns on the kernel's lock; kernels of different
    threads run in parallel. A kernel is released when it is closed (:meth:`close`, or the
    ``with`` block ends) or garbage-collected; its vspaces go with it.

    The defaults (4 GiB of untyped memory, a root CNode of 2^20 slots) map 1 GiB of 4 KiB pages
    through :meth:`VSpace.new_pages`; neither costs host memory until used (CNode slots come in
    4 KiB chunks as caps arrive, untyped memory is bookkeeping). A call that finds the root CNode
    full raises :class:`~sel4vspace.errors.CSpaceFullError`, which names ``cnode_bits``.

    Raises TypeError / ValueError naming ``untyped_bits``, ``cnode_bits`` or ``arch``,
    :class:`~sel4vspace.KernelError` (``seL4_NotEnoughMemory``) when the host cannot make the
    kernel, and RuntimeError when ``__init__`` is called again on a Kernel (nothing changes).
    """

    def __init__(self, untyped_bits: int = 32, cnode_bits: int = 20, *, arch: str | None = None) -> None:
        if "_world" in self.__dict__:
            # a second __init__ would put another kernel under this object, its vspaces left on the first
            raise RuntimeError("this Kernel is already initialised; make a new Kernel instead")
        arch = _arches.check(arch)
        check = _arches.binding(arch).check
        untyped_bits = check.integer("untyped_bits", untyped_bits, 12, _arches.MAX_UNTYPED_BITS[arch])
        cnode_bits = check.integer("cnode_bits", cnode_bits, 5, 24)
        self._untyped_bits = untyped_bits
        self._cnode_bits = cnode_bits
        # The one owner of this kernel's state (host world, lock, vspaces, frames); its finalizer
        # releases the world when this object is collected.
        self._world: World = _guard.run("Kernel", None, World, self, arch, untyped_bits, cnode_bits)
        self._ll = self._world.ll
        self._lock = self._world.lock
        self._pending = self._world.pending
        self._finalizer = self._world.finalizer

    @property
    def untyped_bits(self) -> int:
        """The untyped memory the kernel was made with, in bits (``2**untyped_bits`` bytes)."""
        return self._untyped_bits

    @property
    def cnode_bits(self) -> int:
        """The root CNode's size the kernel was made with, in bits (``2**cnode_bits`` slots)."""
        return self._cnode_bits

    @property
    def arch(self) -> str:
        """seL4's name of the kernel's architecture, one of :data:`sel4vspace.ARCHES`."""
        return self._ll.arch

    @property
    def frame_size_bits(self) -> tuple[int, ...]:
        """The frame sizes the arch maps, in bits, ascending (12, 21, 30 on every arch built)."""
        return self._ll.description.frame_size_bits  # type: ignore[no-any-return]

    @property
    def user_top(self) -> int:
        """``seL4_UserTop`` of the arch (bytes): ranges to reserve, map or unmap end at or below it
        (and below the top-level slot a vspace keeps for the kernel: see :class:`~sel4vspace.VSpace`)."""
        return self._ll.description.user_top  # type: ignore[no-any-return]

    # ---- lifetime ----

    @property
    def closed(self) -> bool:
        """True once the kernel was closed (or collected); every call on it then raises
        :class:`~sel4vspace.StaleObjectError`."""
        return self._world.closed

    @operation
    def close(self) -> None:
        """Tear down every vspace of this kernel (``vspace_tear_down``, then the paging structures and
        ASIDs it used) and release the kernel and all its host memory. Idempotent."""
        self._world.close()

    def __enter__(self) -> Self:
        self._world.live()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- vspaces ----

    @operation
    def new_vspace(self, name: str | None = None) -> VSpace:
        """A new address space: a vspace root retyped from untyped memory, given an ASID (the
        arch's ``ASIDPool_Assign``) and handed to ``sel4utils_get_vspace`` with the host loader for
        its bookkeeping. ``name`` is a label for ``repr`` and tools.

        Raises TypeError if ``name`` is not a str or None, :class:`~sel4vspace.VSpaceError` if the
        kernel has no memory or cslot left for it, :class:`~sel4vspace.StaleObjectError` if the kernel
        was closed."""
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a str or None, not {type_name(name)}")
        name = self._ll.check.text("name", name, none=True)
        vspace: VSpace = self._world.new_vspace(self, name)
        return vspace

    # ---- frames and caps ----

    @operation
    def alloc_frame(self, size_bits: int = 12) -> int:
        """Allocate one frame of ``2**size_bits`` bytes (12: 4 KiB, 21: 2 MiB, 30: 1 GiB) from untyped
        memory; returns its cap. As :meth:`alloc_frames` with ``n = 1``."""
        return self._world.alloc_frames(1, self._ll.check.frame_size_bits("size_bits", size_bits))[0]

    @operation
    def alloc_frames(self, n: int, size_bits: int = 12) -> list[int]:
        """Allocate ``n`` frames (1 to 2**32) of ``2**size_bits`` bytes each (12, 21 or 30), each retyped
        from untyped memory by the host vka (``seL4_Untyped_Retype``) into a fresh cslot; returns their
        caps in order. The frames are the caller's: they stay until :meth:`delete_cap`.

        A cap is a cslot number (``seL4_CPtr``) in this kernel's CSpace, an int as in seL4: it means
        nothing to another kernel, where the same number names whatever that kernel's slot holds.

        All or nothing: if memory or cslots run out part-way, the frames already allocated are freed
        and :class:`~sel4vspace.KernelError` (``seL4_NotEnoughMemory``, naming the frame that failed)
        is raised; :class:`~sel4vspace.errors.CSpaceFullError` when the root CNode has fewer free
        cslots than ``n``. TypeError / ValueError name a bad ``n`` or ``size_bits``."""
        n = self._ll.check.integer("n", n, 1, 2**32)
        return self._world.alloc_frames(n, self._ll.check.frame_size_bits("size_bits", size_bits))

    @operation
    def copy_cap(self, cap: int, rights: CapRights | str | None = None) -> int:
        """A new cap to the same frame, in a fresh slot: a copy, or a mint with reduced rights (never more
        than ``cap`` has: seL4 masks them, as ``seL4_CNode_Mint`` does). ``rights`` is a
        :class:`~sel4vspace.CapRights` or a string (``"r"``, ``"rw"``); None copies all of ``cap``'s
        rights. Returns the new cap. A copy is unmapped even when ``cap`` is mapped, and is deleted
        with the original when the original is.

        Raises :class:`~sel4vspace.StaleObjectError` if ``cap`` is not a live frame cap of this kernel,
        :class:`~sel4vspace.KernelError` (``seL4_NotEnoughMemory``) when no cslot is left."""
        frame = self._world.frame("cap", self._ll.check.integer("cap", cap))
        return self._world.copy_cap(frame, CapRights.ALL.bits if rights is None else rights_word(rights))

    @operation
    def delete_cap(self, cap: int) -> None:
        """Delete a frame cap. A copy goes alone (``seL4_CNode_Delete``; its mapping with it); an
        original is revoked first (``seL4_CNode_Revoke``), so every copy and every mapping of the frame
        goes, and the frame's memory is returned to the untyped allocator. Mappings are unmapped
        through the vspace that made them, so its allocator can use those pages again. One C call:
        complete, or (an exception before it) nothing done.

        Raises :class:`~sel4vspace.StaleObjectError` if ``cap`` is not a live frame cap of this kernel,
        :class:`~sel4vspace.KernelError` if the kernel refuses the deletion."""
        self._world.delete_cap(self._world.frame("cap", self._ll.check.integer("cap", cap)))

    @operation
    def cap_info(self, cap: int) -> dict[str, Any]:
        """What the kernel knows of a cap (any cap of the root CNode, not only frames): ``type`` (the
        libsel4 object type name, such as the arch's 4 KiB frame type; None for the ASID control cap
        and ASID pools, which no libsel4 object type names), ``size_bits``, ``rights``
        (:class:`~sel4vspace.CapRights`), ``paddr``, ``mapped`` (bool) and ``mapped_vaddr`` (None when
        unmapped); ``sel4sim_cap_info``.

        Raises :class:`~sel4vspace.KernelError` (``seL4_InvalidCapability``) for an empty or invalid
        slot."""
        cap = self._ll.check.integer("cap", cap)
        object_type, size_bits, rights, paddr, mapped, mapped_vaddr = self._ll.sim.cap_info(self._world.enter(), cap)
        return {
            "type": self._ll.objects.OBJECT_TYPE_NAMES.get(object_type, str(object_type)) if object_type >= 0 else None,
            "size_bits": size_bits,
            "rights": CapRights.from_bits(rights),
            "paddr": paddr,
            "mapped": mapped,
            "mapped_vaddr": mapped_vaddr if mapped else None,
        }

    # ---- accounting ----

    @property
    @operation
    def untyped_free_bytes(self) -> int:
        """Bytes of untyped memory a retype could still use (the kernel's view)."""
        value: int = self._ll.sim.untyped_free_bytes(self._world.enter())
        return value

    @property
    @operation
    def object_counts(self) -> dict[str, int]:
        """Live kernel objects by libsel4 type name (``{"seL4_UntypedObject": 3, ...}``), zero counts left out."""
        return self._world.object_counts()

    @property
    @operation
    def host_memory(self) -> dict[str, int]:
        """Host bytes this kernel's world holds, from the C side's own accounting:
        ``kernel_objects`` (the simulated kernel's objects, cap slots and paging structures),
        ``paging_structures`` (every kind of paging structure, the vspace roots among them),
        ``frame_backing`` (frame contents, allocated on first write) and ``allocator_tables``
        (the bookkeeping the sel4utils vspaces took from the loader)."""
        kernel = self._world.enter()
        return {
            "kernel_objects": self._ll.sim.bookkeeping_bytes(kernel),
            "paging_structures": sum(self._ll.sim.object_host_bytes(kernel, t) for t in self._ll.objects.PAGING_TYPES),
            "frame_backing": self._ll.sim.frame_backing_bytes(kernel),
            "allocator_tables": self._ll.host.world_loader_bytes(self._world.handle),
        }

    @property
    @operation
    def used_slots(self) -> int:
        """Non-empty slots of the root CNode (a count of cslots)."""
        value: int = self._ll.sim.used_slots(self._world.enter())
        return value

    @operation
    def frame_caps(self) -> list[int]:
        """Every live frame cap handed out by this kernel (originals and copies), sorted.
        :class:`~sel4vspace.StaleObjectError` once the kernel was closed."""
        self._world.live()
        return self._world.frame_caps()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"{self._world.vspace_count} vspace(s)"
        return f"<Kernel {self.arch} untyped_bits={self._untyped_bits} {state}>"

