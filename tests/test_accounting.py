# SPDX-License-Identifier: BSD-2-Clause
"""Nothing lost: after tear_down every untyped byte, cslot, object and bookkeeping byte of the
kernel is back, and after a Kernel is dropped (closed, or collected) every host byte of every
accounted category is back. The model-based test checks the same at the end of each of its runs;
these are the scenarios named one by one, each ending on both checks.
"""

from __future__ import annotations

import gc
import random

import pytest

from ledger import HOST_CATEGORIES, assert_same, host_ledger, kernel_ledger
from sel4vspace import CapRights, Kernel, VSpace
from sel4vspace.lowlevel import lib

BASE = 0x1000_0000          # where anywhere-allocations start
LOW = 0x0800_0000
PAGE = 4096
LARGE = 1 << 21


def _busy(kernel: Kernel) -> list[int]:
    """Every kind of work the API offers, in three vspaces; returns the caller's caps."""
    a, b, c = kernel.new_vspace("a"), kernel.new_vspace("b"), kernel.new_vspace("c")
    caps = kernel.alloc_frames(4)
    large = kernel.alloc_frame(21)
    res = a.reserve_range_at(BASE, 4 * PAGE, "rw")
    a.map_pages_at_vaddr(caps, BASE, res, cookies=[1, 2, 3, 4])
    a.write(BASE + PAGE - 2, b"across pages")
    window = b.reserve_deferred_rights_range_at(BASE, 2 * PAGE)
    b.deferred_rights_map_pages_at_vaddr([kernel.copy_cap(caps[0], "r"), kernel.copy_cap(caps[1])], BASE, "r",
                                         window)
    aligned = c.reserve_range_aligned(LARGE, 21, "rw")
    c.map_pages_at_vaddr([large], aligned.start, aligned, 21)
    c.write(aligned.start + LARGE - 1, b"!")
    own = a.new_pages(3, "rw")
    a.write(own, b"own frames")
    shared = c.reserve_range_at(LOW, 3 * PAGE, "r")
    a.share_mem_at_vaddr(c, own, 3, LOW, shared)
    b.map_pages([kernel.copy_cap(caps[2], CapRights.WRITE)], "rw", cacheable=False)
    spare = b.reserve_range_at(0x2000_0000, 8 * PAGE, "rw")
    b.new_pages_at_vaddr(0x2000_0000, 8, spare)
    b.unmap_pages(0x2000_0000, 4, free=True)
    b.unmap_pages(0x2000_0000 + 4 * PAGE, 2)            # these two become the caller's
    c.reserve_deferred_rights_range_at(0x3000_0000, PAGE)
    return caps + [large]


def test_tear_down_gives_every_untyped_byte_cslot_and_bookkeeping_byte_back():
    with Kernel(untyped_bits=24, cnode_bits=12) as kernel:
        before = kernel_ledger(kernel)
        caps = _busy(kernel)
        assert kernel_ledger(kernel) != before
        # the package's VSpace objects only (the C-level tests have a VSpace helper class of their own)
        vspaces = [v for v in gc.get_objects() if isinstance(v, VSpace) and v.kernel is kernel]
        for vs in vspaces:
            vs.tear_down()
        assert lib.sel4vspace_host_world_loader_bytes(kernel._world.handle) == 0
        assert set(caps) <= set(kernel.frame_caps())
        while kernel.frame_caps():       # an original takes its copies with it
            kernel.delete_cap(kernel.frame_caps()[-1])
        assert_same(before, kernel_ledger(kernel), "after tear_down and deleting every cap")


@pytest.mark.parametrize("how", ["close", "with block", "garbage collection", "close with objects still held"])
def test_dropping_a_kernel_gives_every_host_byte_back(how):
    before = host_ledger()
    kernel = Kernel(untyped_bits=24, cnode_bits=12)
    _busy(kernel)
    assert host_ledger(collect=False) != before
    held = []
    if how == "close":
        kernel.close()
    elif how == "with block":
        with kernel:
            pass
    elif how == "close with objects still held":
        held = [kernel.new_vspace(), kernel]
        held.append(held[0].reserve_range_at(BASE, PAGE, "rw"))
        kernel.close()
    del kernel
    assert_same(before, host_ledger(), f"after the kernel was dropped ({how})")
    del held


def test_a_collected_kernel_with_reference_cycles_gives_everything_back():
    before = host_ledger()
    kernel = Kernel(untyped_bits=22, cnode_bits=12)
    vs = kernel.new_vspace()
    res = vs.reserve_range_at(BASE, PAGE, "rw")
    vs.map_pages_at_vaddr([kernel.alloc_frame()], BASE, res)
    cycle: dict = {"kernel": kernel, "vs": vs, "res": res}
    cycle["self"] = cycle
    del kernel, vs, res, cycle
    assert_same(before, host_ledger(), "after collecting a kernel held in a cycle")


def test_a_collected_vspace_gives_its_share_back_and_leaves_the_kernel_as_before():
    with Kernel(untyped_bits=22, cnode_bits=12) as kernel:
        before = kernel_ledger(kernel)
        vs = kernel.new_vspace()
        vs.new_pages(5, "rw")
        vs.write(vs.reservations()[0].start if vs.reservations() else vs.mappings()[0].vaddr, b"x")
        del vs
        gc.collect()
        assert_same(before, kernel_ledger(kernel), "after a vspace was collected")


def test_frame_contents_cost_host_bytes_only_while_the_frame_lives():
    with Kernel(untyped_bits=24, cnode_bits=12) as kernel:
        backing = lib.sel4sim_frame_backing_bytes(kernel._world.enter())
        vs = kernel.new_vspace()
        vaddr = vs.new_pages(1, "rw", 21)
        assert lib.sel4sim_frame_backing_bytes(kernel._world.enter()) == backing     # untouched: nothing yet
        vs.write(vaddr + 3 * PAGE, b"touch")
        touched = lib.sel4sim_frame_backing_bytes(kernel._world.enter())
        assert touched > backing
        vs.unmap_pages(vaddr, 1, 21, free=True)
        assert lib.sel4sim_frame_backing_bytes(kernel._world.enter()) == backing


def test_many_kernels_closed_in_any_order_give_everything_back():
    before = host_ledger()
    rng = random.Random(5)
    kernels = [Kernel(untyped_bits=rng.choice([20, 22, 24]), cnode_bits=rng.choice([10, 12])) for _ in range(12)]
    for kernel in kernels:
        vs = kernel.new_vspace()
        for _ in range(rng.randint(1, 4)):
            vs.write(vs.new_pages(rng.randint(1, 3), "rw"), b"k")
        cap = kernel.alloc_frame()
        res = vs.reserve_range_at(LOW, PAGE, "rw")
        vs.map_pages_at_vaddr([kernel.copy_cap(cap, "r")], LOW, res)
    rng.shuffle(kernels)
    for index, kernel in enumerate(kernels):
        if index % 2:
            kernel.close()
    del kernels, kernel, vs, res
    assert_same(before, host_ledger(), "after twelve kernels were closed or collected")


def test_every_host_category_is_accounted():
    # Each category the C side counts holds bytes while a kernel works and none once it is gone
    # (a category nobody allocates in would hide allocations that escaped the counters).
    before = host_ledger()
    with Kernel(untyped_bits=22, cnode_bits=12) as kernel:
        vs = kernel.new_vspace()
        vaddr = vs.new_pages(2, "rw")
        vs.write(vaddr, b"backed")
        during = host_ledger(collect=False)
        for name in HOST_CATEGORIES:
            assert during[name][0] > before[name][0], f"{name} holds nothing while a kernel works"
    assert_same(before, host_ledger(), "after the kernel")
