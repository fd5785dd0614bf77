# SPDX-License-Identifier: BSD-2-Clause
"""Helpers for kernel tests: a selected simulated kernel and shorthands to build vspaces in it."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import archbound
import pytest
from archfacts import (
    ASID_POOL_ASSIGN,
    DEFAULT_ATTRIBUTES,
    NAME,
    PAGE_MAP,
    PAGE_TABLE_MAP,
    PAGE_TABLE_TYPE,
    PAGE_TYPE,
    TOP_LEVEL_SLOT_BITS,
    VSPACE_ROOT_TYPE,
)

from sel4vspace.lowlevel import ffi, lib

ROOT = lib.seL4_CapInitThreadCNode
DEPTH = lib.seL4_WordBits


def rights(read: int = 0, write: int = 0, grant: int = 0, grant_reply: int = 0):
    return lib.seL4_CapRights_new(grant_reply, grant, read, write)


RW = rights(read=1, write=1)
ALL = rights(1, 1, 1, 1)
NONE = rights()

# The paging structures below a vspace root, named by what one of them spans as x86_64 names them:
# a PDPT spans 512 GiB, a page directory 1 GiB, a page table 2 MiB. AArch64 and RISC-V use one
# page-table type at every level; an Sv39 root itself spans 512 GiB, so RISC-V has no "pdpt" below it.
TABLE_SPAN_BITS = {"pdpt": 39, "pd": 30, "pt": 21}


def table_levels(levels: str = "pdpt,pd,pt") -> list[str]:
    """The levels named in levels that are tables below the root on this arch."""
    return [name for name in levels.split(",") if TABLE_SPAN_BITS[name] < TOP_LEVEL_SLOT_BITS + 9]


def _table_kind(level: str):
    if NAME == "x86_64":
        return {"pdpt": (lib.seL4_X86_PDPTObject, lib.seL4_X86_PDPT_Map),
                "pd": (lib.seL4_X86_PageDirectoryObject, lib.seL4_X86_PageDirectory_Map),
                "pt": (lib.seL4_X86_PageTableObject, lib.seL4_X86_PageTable_Map)}[level]
    return PAGE_TABLE_TYPE, PAGE_TABLE_MAP


def mrs(n: int = 4) -> list[int]:
    return [lib.seL4_GetMR(i) for i in range(n)]


class Sim:
    """One kernel: slot allocation from bootinfo's empty region and shorthands for common steps."""

    def __init__(self, untyped_bits: int = 30, cnode_bits: int = 16) -> None:
        self.k = lib.sel4sim_kernel_new(untyped_bits, cnode_bits)
        assert self.k != ffi.NULL
        lib.sel4sim_kernel_select(self.k)
        bi = lib.sel4sim_kernel_bootinfo(self.k)
        self.untyped = bi.untyped.start
        self.next_slot = bi.empty.start
        self.slots_end = bi.empty.end

    def slot(self) -> int:
        s = self.next_slot
        self.next_slot += 1
        return s

    def retype(self, obj_type: int, size_bits: int = 0, n: int = 1, untyped: int | None = None) -> list[int]:
        first = self.next_slot
        self.next_slot += n
        err = lib.seL4_Untyped_Retype(self.untyped if untyped is None else untyped, obj_type, size_bits, ROOT,
                                      0, 0, first, n)
        assert err == lib.seL4_NoError, err
        return list(range(first, first + n))

    def new_vspace(self) -> int:
        (root,) = self.retype(VSPACE_ROOT_TYPE)
        assert ASID_POOL_ASSIGN(lib.seL4_CapInitThreadASIDPool, root) == lib.seL4_NoError
        return root

    def map_tables(self, vspace: int, vaddr: int, levels: str = "pdpt,pd,pt") -> dict[str, int]:
        """Create and map the paging structures above vaddr (as named in levels, those of them the
        arch has below its root), top down."""
        made = {}
        for name in table_levels(levels):
            obj, fn = _table_kind(name)
            (cap,) = self.retype(obj)
            assert fn(cap, vspace, vaddr, DEFAULT_ATTRIBUTES) == lib.seL4_NoError
            made[name] = cap
        return made

    def map_frame(self, vspace: int, vaddr: int, r=RW, obj_type: int | None = None) -> int:
        (frame,) = self.retype(PAGE_TYPE if obj_type is None else obj_type)
        err = PAGE_MAP(frame, vspace, vaddr, r, DEFAULT_ATTRIBUTES)
        assert err == lib.seL4_NoError, err
        return frame

    def cap(self, cptr: int):
        """The cap's info as plain values (rights: an owned seL4_CapRights_t), or None. Nothing in it
        points into C memory that a dropped cdata owned, so chained reads are safe."""
        info = ffi.new("sel4sim_cap_info_t *")
        if lib.sel4sim_cap_info(self.k, cptr, info) != 0:
            return None
        fields = {name: getattr(info, name) for name, _ in ffi.typeof("sel4sim_cap_info_t").fields}
        fields["rights"] = ffi.new("seL4_CapRights_t *", info.rights)
        return SimpleNamespace(**fields)

    def mappings(self, vspace: int) -> list:
        n = lib.sel4sim_vspace_mappings(self.k, vspace, ffi.NULL, 0)
        out = ffi.new("sel4sim_mapping_t[]", max(n, 1))
        assert lib.sel4sim_vspace_mappings(self.k, vspace, out, n) == n
        # copies: an element of `out` does not keep the array alive, and `out` is freed on return
        copies = []
        for i in range(n):
            one = ffi.new("sel4sim_mapping_t *")
            one[0] = out[i]
            copies.append(one)          # owns its copy; fields read through the pointer
        return copies

    def read(self, vspace: int, vaddr: int, n: int):
        buf = ffi.new("char[]", max(n, 1))
        fault = ffi.new("sel4sim_fault_t *")
        if lib.sel4sim_mmu_read(self.k, vspace, vaddr, buf, n, fault) != 0:
            return fault
        return ffi.buffer(buf, n)[:]

    def write(self, vspace: int, vaddr: int, data: bytes):
        fault = ffi.new("sel4sim_fault_t *")
        if lib.sel4sim_mmu_write(self.k, vspace, vaddr, data, len(data), fault) != 0:
            return fault
        return None

    def counts(self) -> list[int]:
        c = ffi.new("size_t[]", lib.seL4_ObjectTypeCount)
        lib.sel4sim_object_counts(self.k, c)
        return list(c)

    def destroy(self) -> None:
        if self.k != ffi.NULL:
            lib.sel4sim_kernel_destroy(self.k)
            self.k = ffi.NULL


@pytest.fixture
def sim(bound_arch: str) -> Iterator[Sim]:
    """A simulated kernel of the test's arch (archbound.py), selected."""
    s = archbound.module("simkernel", bound_arch).Sim()
    yield s
    s.destroy()
