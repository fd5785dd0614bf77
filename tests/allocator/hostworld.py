# SPDX-License-Identifier: BSD-2-Clause
"""Thin test helpers over the host world (csrc/host) and the simulated kernel, in C names.

Everything goes through ``sel4vspace.lowlevel``'s ``ffi``/``lib``; these classes only save the
tests from repeating casts and from forgetting to select the right kernel before a call.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import archbound
import pytest

from sel4vspace.lowlevel import ffi, lib

PAGE = 4096
VSPACE_FREE = lib.sel4vspace_vspace_free
VSPACE_PRESERVE = lib.sel4vspace_vspace_preserve


def rights(read: bool = False, write: bool = False, grant: bool = False, grant_reply: bool = False) -> Any:
    return lib.seL4_CapRights_new(int(grant_reply), int(grant), int(read), int(write))


RW = rights(read=True, write=True)
RO = rights(read=True)
NONE = rights()

ALL_RIGHTS = [
    rights(read=bool(bits & 1), write=bool(bits & 2), grant=bool(bits & 4), grant_reply=bool(bits & 8))
    for bits in range(16)
]


def rights_tuple(r: Any) -> tuple[int, int, int, int]:
    """(read, write, grant, grant_reply) of a seL4_CapRights_t."""
    return (
        int(lib.seL4_CapRights_get_capAllowRead(r)),
        int(lib.seL4_CapRights_get_capAllowWrite(r)),
        int(lib.seL4_CapRights_get_capAllowGrant(r)),
        int(lib.seL4_CapRights_get_capAllowGrantReply(r)),
    )


def _mapping(m: Any) -> SimpleNamespace:
    """A plain copy of a sel4sim_mapping_t (cdata fields would not keep their owner alive)."""
    return SimpleNamespace(vaddr=m.vaddr, size_bits=m.size_bits, frame_cap=m.frame_cap, paddr=m.paddr,
                           rights=rights_tuple(m.rights), attributes=m.attributes)


def vptr(vaddr: int) -> Any:
    return ffi.cast("void *", vaddr)


def as_int(pointer: Any) -> int:
    return int(ffi.cast("uintptr_t", pointer))


def res_of(reservation: Any) -> Any:
    """The sel4utils_res_t behind a reservation_t."""
    return ffi.cast("sel4utils_res_t *", reservation.res)


@dataclass(frozen=True)
class Snapshot:
    """Everything a vspace may take from the world, to compare before and after."""

    used_slots: int
    untyped_free: int
    vka_free_slots: int
    vka_free_untyped: int
    object_counts: tuple[int, ...]
    loader_bytes: int


class World:
    """One simulated kernel with its host vka and loader."""

    def __init__(self, untyped_bits: int = 26, cnode_bits: int = 14) -> None:
        self.w = lib.sel4vspace_host_world_new(untyped_bits, cnode_bits)
        assert self.w != ffi.NULL
        self.kernel = lib.sel4vspace_host_world_kernel(self.w)
        self.vka = lib.sel4vspace_host_world_vka(self.w)
        self.vspaces: list[VSpace] = []

    def select(self) -> None:
        lib.sel4vspace_host_world_select(self.w)

    def snapshot(self) -> Snapshot:
        counts = ffi.new("size_t[]", lib.seL4_ObjectTypeCount)
        lib.sel4sim_object_counts(self.kernel, counts)
        return Snapshot(
            used_slots=lib.sel4sim_used_slots(self.kernel),
            untyped_free=lib.sel4sim_untyped_free_bytes(self.kernel),
            vka_free_slots=lib.sel4vspace_host_world_free_slots(self.w),
            vka_free_untyped=lib.sel4vspace_host_world_free_untyped_bytes(self.w),
            object_counts=tuple(counts),
            loader_bytes=lib.sel4vspace_host_world_loader_bytes(self.w),
        )

    def frame(self, size_bits: int = 12) -> Any:
        """A frame owned by the test (a vka_object_t *)."""
        obj = ffi.new("vka_object_t *")
        assert lib.sel4vspace_host_alloc_frame(self.w, size_bits, obj) == 0
        return obj

    def free(self, obj: Any) -> None:
        lib.sel4vspace_host_free_object(self.w, obj)

    def copy_cap(self, cap: int, r: Any = RW) -> int:
        copy = lib.sel4vspace_host_copy_cap(self.w, cap, r)
        assert copy != 0
        return copy

    def delete_cap(self, cap: int) -> None:
        assert lib.sel4vspace_host_delete_cap(self.w, cap) == 0

    def cap_info(self, cap: int) -> SimpleNamespace | None:
        info = ffi.new("sel4sim_cap_info_t *")
        if lib.sel4sim_cap_info(self.kernel, cap, info) != 0:
            return None
        return SimpleNamespace(type=info.type, size_bits=info.size_bits, rights=rights_tuple(info.rights),
                               paddr=info.paddr, mapped=info.mapped, mapped_vaddr=info.mapped_vaddr)

    def new_vspace(self) -> VSpace:
        v = VSpace(self)
        self.vspaces.append(v)
        return v

    def destroy(self) -> None:
        for v in list(self.vspaces):
            v.destroy()
        lib.sel4vspace_host_world_destroy(self.w)
        self.w = ffi.NULL


class VSpace:
    """A host vspace: sel4utils over a fresh PML4."""

    def __init__(self, world: World) -> None:
        self.world = world
        world.select()
        self.hv = lib.sel4vspace_host_vspace_new(world.w)
        assert self.hv != ffi.NULL
        self.vs = lib.sel4vspace_host_vspace_vspace(self.hv)
        self.root = lib.sel4vspace_host_vspace_root(self.hv)

    # -- the vspace_t operations, through the vspace_* wrappers --

    def reserve_at(self, vaddr: int, size: int, r: Any = RW, cacheable: int = 1) -> Any:
        self.world.select()
        return lib.vspace_reserve_range_at(self.vs, vptr(vaddr), size, r, cacheable)

    def reserve_deferred(self, vaddr: int, size: int, cacheable: int = 1) -> Any:
        self.world.select()
        return lib.vspace_reserve_deferred_rights_range_at(self.vs, vptr(vaddr), size, cacheable)

    def reserve_aligned(self, size: int, size_bits: int = 12, r: Any = RW, cacheable: int = 1) -> tuple[Any, int]:
        self.world.select()
        out = ffi.new("void **")
        res = lib.vspace_reserve_range_aligned(self.vs, size, size_bits, r, cacheable, out)
        return res, as_int(out[0])

    def map_at(self, caps: list[int], vaddr: int, res: Any, size_bits: int = 12, cookies: list[int] | None = None) -> int:
        self.world.select()
        cookie_array = ffi.NULL if cookies is None else ffi.new("uintptr_t[]", cookies)
        return lib.vspace_map_pages_at_vaddr(self.vs, ffi.new("seL4_CPtr[]", caps), cookie_array, vptr(vaddr),
                                             len(caps), size_bits, res)

    def deferred_map_at(self, caps: list[int], vaddr: int, r: Any, res: Any, size_bits: int = 12) -> int:
        self.world.select()
        return lib.vspace_deferred_rights_map_pages_at_vaddr(self.vs, ffi.new("seL4_CPtr[]", caps), ffi.NULL,
                                                             vptr(vaddr), len(caps), size_bits, r, res)

    def new_pages_at(self, vaddr: int, num_pages: int, res: Any, size_bits: int = 12) -> int:
        self.world.select()
        return lib.vspace_new_pages_at_vaddr(self.vs, vptr(vaddr), num_pages, size_bits, res)

    def new_pages(self, num_pages: int, r: Any = RW, size_bits: int = 12) -> int:
        self.world.select()
        return as_int(lib.vspace_new_pages(self.vs, r, num_pages, size_bits))

    def map_pages(self, caps: list[int], r: Any = RW, size_bits: int = 12, cacheable: int = 1) -> int:
        self.world.select()
        return as_int(lib.vspace_map_pages(self.vs, ffi.new("seL4_CPtr[]", caps), ffi.NULL, r, len(caps),
                                           size_bits, cacheable))

    def unmap(self, vaddr: int, num_pages: int, size_bits: int = 12, vka: Any = VSPACE_PRESERVE) -> None:
        self.world.select()
        lib.vspace_unmap_pages(self.vs, vptr(vaddr), num_pages, size_bits, vka)

    def free_reservation(self, res: Any) -> None:
        self.world.select()
        lib.vspace_free_reservation(self.vs, res)

    def get_cap(self, vaddr: int) -> int:
        return lib.vspace_get_cap(self.vs, vptr(vaddr))

    def get_cookie(self, vaddr: int) -> int:
        return lib.vspace_get_cookie(self.vs, vptr(vaddr))

    # -- what the kernel says --

    def lookup(self, vaddr: int) -> SimpleNamespace | None:
        mapping = ffi.new("sel4sim_mapping_t *")
        if not lib.sel4sim_vspace_lookup(self.world.kernel, self.root, vaddr, mapping):
            return None
        return _mapping(mapping[0])

    def mappings(self) -> list[SimpleNamespace]:
        count = lib.sel4sim_vspace_mappings(self.world.kernel, self.root, ffi.NULL, 0)
        out = ffi.new("sel4sim_mapping_t[]", max(count, 1))
        lib.sel4sim_vspace_mappings(self.world.kernel, self.root, out, count)
        return [_mapping(out[i]) for i in range(count)]

    def read(self, vaddr: int, length: int) -> bytes | Any:
        """The bytes, or the sel4sim_fault_t * (owned, so its fields stay valid) if the MMU refuses."""
        buf = ffi.new("char[]", length)
        fault = ffi.new("sel4sim_fault_t *")
        if lib.sel4sim_mmu_read(self.world.kernel, self.root, vaddr, buf, length, fault) != 0:
            return fault
        return ffi.buffer(buf, length)[:]

    def write(self, vaddr: int, data: bytes) -> Any | None:
        """None, or the sel4sim_fault_t * if the MMU refuses."""
        fault = ffi.new("sel4sim_fault_t *")
        if lib.sel4sim_mmu_write(self.world.kernel, self.root, vaddr, data, len(data), fault) != 0:
            return fault
        return None

    @property
    def paging_objects(self) -> int:
        return lib.sel4vspace_host_vspace_paging_objects(self.hv)

    def destroy(self, free: Any = VSPACE_FREE) -> None:
        if self.hv != ffi.NULL:
            lib.sel4vspace_host_vspace_destroy(self.hv, free)
            self.hv = ffi.NULL
            self.world.vspaces.remove(self)


@pytest.fixture
def world(bound_arch: str) -> Any:
    """A host world of the test's arch (archbound.py)."""
    w = archbound.module("hostworld", bound_arch).World()
    yield w
    w.destroy()


@pytest.fixture
def vspace(world: World) -> VSpace:
    return world.new_vspace()
