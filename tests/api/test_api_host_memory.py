# SPDX-License-Identifier: BSD-2-Clause
"""Kernel.host_memory: the C side's own accounting of host bytes, by purpose."""

from __future__ import annotations

import pytest

from sel4vspace import CapRights, Kernel, StaleObjectError


def test_host_memory_names_every_category(kernel):
    memory = kernel.host_memory
    assert set(memory) == {"kernel_objects", "paging_structures", "frame_backing", "allocator_tables"}
    assert all(type(v) is int and v >= 0 for v in memory.values())
    assert memory["frame_backing"] == 0  # nothing written yet


def test_mapping_costs_tables_and_paging_structures_not_frames(kernel, vspace):
    caps = kernel.alloc_frames(512)
    before = kernel.host_memory
    window = vspace.reserve_deferred_rights_range_at(0x40000000, 512 * 4096)
    vspace.deferred_rights_map_pages_at_vaddr(caps, 0x40000000, CapRights.RW, window)
    after = kernel.host_memory
    # one page table covers the 512 pages (plus the PD/PDPT above it, created on first use)
    grown = after["paging_structures"] - before["paging_structures"]
    assert 4096 < grown <= 3 * 8192
    # the allocator's tables: at least a cap and a cookie per page
    assert after["allocator_tables"] - before["allocator_tables"] >= 512 * 16
    # paging structures are kernel objects; frames existed before, so nothing else grew there
    assert after["kernel_objects"] - before["kernel_objects"] >= grown
    assert after["frame_backing"] == 0


def test_writes_back_frames_lazily(kernel, vspace):
    caps = kernel.alloc_frames(2)
    vspace.map_pages(caps, "rw")
    base = vspace.mappings()[0].vaddr
    vspace.write(base + 4096, b"x")
    assert kernel.host_memory["frame_backing"] == 4096


def test_host_memory_of_a_closed_kernel_is_refused():
    k = Kernel(untyped_bits=20)
    k.close()
    with pytest.raises(StaleObjectError):
        k.host_memory
