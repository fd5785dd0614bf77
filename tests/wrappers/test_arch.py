# SPDX-License-Identifier: BSD-2-Clause
"""The arch description (csrc/host arch.h) agrees with the libsel4 and the kernel it was built with."""

from __future__ import annotations

import dataclasses

import pytest

from sel4vspace import FRAME_SIZE_BITS
from sel4vspace.lowlevel import ffi, lib
from sel4vspace.lowlevel.arch import ARCH, Arch
from sel4vspace.lowlevel.objects import OBJECT_TYPE_NAMES  # sel4vspace.kernel's, for the default arch


def test_the_description_is_read_once_and_frozen():
    assert isinstance(ARCH, Arch)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ARCH.name = "other"  # type: ignore[misc]
    assert ARCH.name == ffi.string(lib.sel4vspace_arch().name).decode()
    assert ARCH.word_bits == lib.seL4_WordBits == 8 * ffi.sizeof("seL4_Word")


def test_frame_sizes_ascend_from_the_page_and_name_frame_types():
    bits = ARCH.frame_size_bits
    assert list(bits) == sorted(set(bits)) and bits[0] == ARCH.page_bits == lib.seL4_PageBits
    assert FRAME_SIZE_BITS == bits and set(ARCH.frame_object_types) == set(bits)
    for size_bits, object_type in ARCH.frame_object_types.items():
        name = ARCH.object_type_names[object_type]
        assert getattr(lib, name) == object_type
        assert OBJECT_TYPE_NAMES[object_type] == name


def test_every_arch_object_type_is_libsel4s_under_its_name():
    assert ARCH.object_type_names
    for object_type, name in ARCH.object_type_names.items():
        assert getattr(lib, name) == object_type


def test_paging_types_end_with_the_vspace_root():
    assert ARCH.paging_object_types[-1] == ARCH.vspace_root_object_type
    assert set(ARCH.paging_object_types) <= set(ARCH.object_type_names)
    assert not set(ARCH.paging_object_types) & set(ARCH.frame_object_types.values())


# The first address above user space, from libsel4's seL4_UserTop: that address itself on x86_64 and
# RISC-V, the one after it on AArch64, whose seL4_UserTop is the last user address.
USER_TOP_PAST_SEL4_USER_TOP = {"x86_64": 0, "aarch64": 1, "riscv64": 0}

# seL4_libs' cached and uncached VM attributes (seL4_ARCH_Default_VMAttributes and
# seL4_ARCH_Uncached_VMAttributes), by libsel4's names; None: no attribute bit set (ARM, where
# caching is a bit of its own). RISC-V page-table entries carry no cacheability: both are the default.
VM_ATTRIBUTES = {
    "x86_64": ("seL4_X86_Default_VMAttributes", "seL4_X86_CacheDisabled"),
    "aarch64": ("seL4_ARM_Default_VMAttributes", None),
    "riscv64": ("seL4_RISCV_Default_VMAttributes", "seL4_RISCV_Default_VMAttributes"),
}


def test_user_top_and_attributes_are_the_kernels():
    assert ARCH.user_top == lib.seL4_UserTop + USER_TOP_PAST_SEL4_USER_TOP[ARCH.name]
    cached, uncached = VM_ATTRIBUTES[ARCH.name]
    assert ARCH.default_vm_attributes == getattr(lib, cached)
    assert ARCH.cache_disabled == (0 if uncached is None else getattr(lib, uncached))


def test_the_kernel_maps_up_to_user_top_and_not_at_it(sel4_kernel):
    """The kernel refuses a page at ARCH.user_top as above the top (seL4_InvalidArgument) and takes the
    last page below it as a user address."""
    vspace = sel4_kernel.new_vspace()
    frame = sel4_kernel.alloc_frame()
    last = ARCH.user_top - (1 << ARCH.page_bits)
    page_map = getattr(lib, {"x86_64": "seL4_X86", "aarch64": "seL4_ARM", "riscv64": "seL4_RISCV"}[ARCH.name] + "_Page_Map")
    rw = lib.seL4_CapRights_new(0, 0, 1, 1)
    sel4_kernel._world.enter()  # select its kernel for the libsel4 calls below
    assert page_map(frame, vspace.root, ARCH.user_top, rw, ARCH.default_vm_attributes) == lib.seL4_InvalidArgument
    # below the top the kernel goes on to walk the paging structures, and finds none there yet
    assert page_map(frame, vspace.root, last, rw, ARCH.default_vm_attributes) == lib.seL4_FailedLookup


def test_a_new_vspace_root_is_of_the_described_type(sel4_kernel):
    vspace = sel4_kernel.new_vspace()
    assert sel4_kernel.cap_info(vspace.root)["type"] == ARCH.object_type_names[ARCH.vspace_root_object_type]
