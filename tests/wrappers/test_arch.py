# SPDX-License-Identifier: BSD-2-Clause
"""The arch description (csrc/host arch.h) agrees with the libsel4 and the kernel it was built with."""

from __future__ import annotations

import dataclasses

import pytest

from sel4vspace import FRAME_SIZE_BITS
from sel4vspace.kernel import OBJECT_TYPE_NAMES
from sel4vspace.lowlevel import ffi, lib
from sel4vspace.lowlevel.arch import ARCH, Arch


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


def test_user_top_and_attributes_are_the_kernels():
    assert ARCH.user_top == lib.seL4_UserTop
    assert ARCH.cache_disabled != ARCH.default_vm_attributes


def test_a_new_vspace_root_is_of_the_described_type(sel4_kernel):
    vspace = sel4_kernel.new_vspace()
    assert sel4_kernel.cap_info(vspace.root)["type"] == ARCH.object_type_names[ARCH.vspace_root_object_type]
