# SPDX-License-Identifier: BSD-2-Clause
"""seL4_Untyped_Retype: every object type, seL4's errors in order, watermark, alignment and reset."""

from __future__ import annotations

import archbound
import pytest
from archfacts import (
    LARGE_PAGE_TYPE,
    NAME,
    PAGE_GET_ADDRESS,
    PAGE_TYPE,
)
from simkernel import ROOT, Sim, mrs

from sel4vspace.lowlevel import lib

# Every object type of the arch, with the size its objects take: the generic ones, then the arch's
# own (by libsel4's names for the type and for its size in bits).
ARCH_OBJECTS = {
    "x86_64": [("seL4_X86_PDPTObject", "seL4_PDPTBits"), ("seL4_X64_PML4Object", "seL4_PML4Bits"),
               ("seL4_X64_HugePageObject", "seL4_HugePageBits"), ("seL4_X86_4K", "seL4_PageBits"),
               ("seL4_X86_LargePageObject", "seL4_LargePageBits"), ("seL4_X86_PageTableObject", "seL4_PageTableBits"),
               ("seL4_X86_PageDirectoryObject", "seL4_PageDirBits")],
    "aarch64": [("seL4_ARM_HugePageObject", "seL4_HugePageBits"), ("seL4_ARM_VSpaceObject", "seL4_VSpaceBits"),
                ("seL4_ARM_SmallPageObject", "seL4_PageBits"), ("seL4_ARM_LargePageObject", "seL4_LargePageBits"),
                ("seL4_ARM_PageTableObject", "seL4_PageTableBits")],
    "riscv64": [("seL4_RISCV_Giga_Page", "seL4_HugePageBits"), ("seL4_RISCV_4K_Page", "seL4_PageBits"),
                ("seL4_RISCV_Mega_Page", "seL4_LargePageBits"), ("seL4_RISCV_PageTableObject", "seL4_PageTableBits")],
}
OBJECTS = [
    (lib.seL4_UntypedObject, 12, 12),
    (lib.seL4_TCBObject, 0, lib.seL4_TCBBits),
    (lib.seL4_EndpointObject, 0, lib.seL4_EndpointBits),
    (lib.seL4_NotificationObject, 0, lib.seL4_NotificationBits),
    (lib.seL4_CapTableObject, 3, 3 + lib.seL4_SlotBits),
    *((getattr(lib, obj), 0, getattr(lib, bits)) for obj, bits in ARCH_OBJECTS[NAME]),
]


def retype(sim: Sim, obj_type, size_bits=0, depth=0, index=0, offset=None, n=1, service=None):
    return lib.seL4_Untyped_Retype(sim.untyped if service is None else service, obj_type, size_bits, ROOT, index,
                                   depth, sim.next_slot if offset is None else offset, n)


def test_object_type_list_is_complete() -> None:
    assert sorted(t for t, _, _ in OBJECTS) == list(range(lib.seL4_ObjectTypeCount))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # each arch's own object types: its copy of OBJECTS (archbound.py)
    archbound.parametrize_by_arch(metafunc, test_retype_each_type, "obj_type,user_bits,size_bits", "OBJECTS")


def test_retype_each_type(sim: Sim, obj_type: int, user_bits: int, size_bits: int) -> None:
    base = sim.cap(sim.untyped).paddr
    n = 1 if size_bits >= 30 else 2  # the untyped is 1 GiB
    caps = sim.retype(obj_type, user_bits, n=n)
    for i, c in enumerate(caps):
        info = sim.cap(c)
        assert info.type == obj_type and info.size_bits == size_bits
        assert info.paddr == base + i * (1 << size_bits)
        assert not info.mapped
    assert sim.counts()[obj_type] == n + (obj_type in (lib.seL4_UntypedObject, lib.seL4_CapTableObject))
    # New untypeds count as free memory themselves.
    assert lib.sel4sim_untyped_free_bytes(sim.k) == (1 << 30) - n * (1 << size_bits) + (
        n << size_bits if obj_type == lib.seL4_UntypedObject else 0)


def test_retype_into_a_cnode_by_depth(sim: Sim) -> None:
    (cn,) = sim.retype(lib.seL4_CapTableObject, 4)
    assert retype(sim, PAGE_TYPE, depth=64, index=cn, offset=3, n=2) == lib.seL4_NoError
    # A CNode reached at depth 64 from the root: its slot 3 is cptr (cn << 4 | 3) only with a guard,
    # so inspect through cap_info on the root-relative frame count instead.
    assert sim.counts()[PAGE_TYPE] == 2


def test_watermark_alignment(sim: Sim) -> None:
    base = sim.cap(sim.untyped).paddr
    (small,) = sim.retype(PAGE_TYPE)
    (large,) = sim.retype(LARGE_PAGE_TYPE)
    assert sim.cap(large).paddr == base + (1 << 21)  # aligned up past the 4K frame
    (after,) = sim.retype(PAGE_TYPE)
    assert sim.cap(after).paddr == base + (2 << 21)
    assert sim.cap(sim.untyped).untyped_free_bytes == (1 << 30) - (2 << 21) - 4096
    assert PAGE_GET_ADDRESS(large).paddr == base + (1 << 21)


def test_reset_when_the_untyped_has_no_children(sim: Sim) -> None:
    base = sim.cap(sim.untyped).paddr
    caps = sim.retype(PAGE_TYPE, n=3)
    for c in caps[:2]:
        assert lib.seL4_CNode_Delete(ROOT, c, 64) == lib.seL4_NoError
    # Still a child: the watermark stays.
    (next_frame,) = sim.retype(PAGE_TYPE)
    assert sim.cap(next_frame).paddr == base + 3 * 4096
    for c in (caps[2], next_frame):
        assert lib.seL4_CNode_Delete(ROOT, c, 64) == lib.seL4_NoError
    assert sim.cap(sim.untyped).untyped_free_bytes == 1 << 30
    (fresh,) = sim.retype(PAGE_TYPE)
    assert sim.cap(fresh).paddr == base



def test_errors_in_seL4_order(sim: Sim, c_log) -> None:
    s = sim.next_slot
    # The invoked cap.
    assert retype(sim, PAGE_TYPE, service=s) == lib.seL4_InvalidCapability
    assert mrs(1) == [0]
    assert retype(sim, PAGE_TYPE, service=ROOT) == lib.seL4_IllegalOperation
    # Arguments.
    assert retype(sim, lib.seL4_ObjectTypeCount) == lib.seL4_InvalidArgument and mrs(1) == [0]
    assert retype(sim, lib.seL4_UntypedObject, 48) == lib.seL4_RangeError
    assert mrs(2) == [0, lib.seL4_MaxUntypedBits]
    assert retype(sim, lib.seL4_UntypedObject, 64) == lib.seL4_RangeError
    assert retype(sim, lib.seL4_CapTableObject, 43) == lib.seL4_RangeError
    assert retype(sim, lib.seL4_CapTableObject, 0) == lib.seL4_InvalidArgument and mrs(1) == [1]
    assert retype(sim, lib.seL4_UntypedObject, 3) == lib.seL4_InvalidArgument and mrs(1) == [1]
    # Destination CNode.
    assert retype(sim, PAGE_TYPE, depth=64, index=sim.untyped) == lib.seL4_FailedLookup
    assert mrs(3) == [0, lib.seL4_MissingCapability, 64]
    assert retype(sim, PAGE_TYPE, depth=65, index=ROOT) == lib.seL4_RangeError
    assert mrs(2) == [1, 64]
    assert retype(sim, PAGE_TYPE, depth=64, index=1 << 20) == lib.seL4_FailedLookup
    assert mrs(2) == [0, lib.seL4_GuardMismatch]
    assert retype(sim, PAGE_TYPE, offset=1 << 16) == lib.seL4_RangeError
    assert mrs(2) == [0, (1 << 16) - 1]
    assert retype(sim, PAGE_TYPE, n=0) == lib.seL4_RangeError and mrs(2) == [1, 256]
    assert retype(sim, PAGE_TYPE, n=257) == lib.seL4_RangeError and mrs(2) == [1, 256]
    assert retype(sim, PAGE_TYPE, offset=(1 << 16) - 2, n=3) == lib.seL4_RangeError
    assert mrs(2) == [1, 2]
    assert retype(sim, PAGE_TYPE, offset=ROOT) == lib.seL4_DeleteFirst
    # Memory.
    assert retype(sim, lib.seL4_UntypedObject, 31) == lib.seL4_NotEnoughMemory
    assert mrs(1) == [1 << 30]
    # Nothing was created by any of the failures.
    assert sum(sim.counts()) == 2
    # Invocation failures are the caller's to handle: reported in the reply, not logged as errors.
    assert [line for line in c_log.lines if line[0] in ('ERROR', 'WARNING')] == []


def test_not_enough_memory_reports_what_is_left(sim: Sim) -> None:
    sim.retype(lib.seL4_UntypedObject, 29)
    sim.retype(PAGE_TYPE)
    assert retype(sim, lib.seL4_UntypedObject, 29) == lib.seL4_NotEnoughMemory
    assert mrs(1) == [(1 << 29) - 4096]
    assert retype(sim, PAGE_TYPE, n=256) == lib.seL4_NoError


def test_child_untyped_is_retyped_from(sim: Sim) -> None:
    (child,) = sim.retype(lib.seL4_UntypedObject, 16)
    frames = sim.retype(PAGE_TYPE, n=16, untyped=child)
    assert retype(sim, PAGE_TYPE, service=child) == lib.seL4_NotEnoughMemory
    assert sim.cap(frames[0]).paddr == sim.cap(child).paddr
    # Revoking the parent takes the child and its frames.
    assert lib.seL4_CNode_Revoke(ROOT, sim.untyped, 64) == lib.seL4_NoError
    assert sim.cap(child) is None and sim.cap(frames[-1]) is None
    assert sum(sim.counts()) == 2
