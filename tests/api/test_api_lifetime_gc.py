# SPDX-License-Identifier: BSD-2-Clause
"""Garbage collection of one kernel never disturbs another kernel's operation in progress."""

from __future__ import annotations

import gc
import subprocess
import sys

import sel4vspace.lowlevel.vspace as ll
from sel4vspace import Kernel

BASE = 0x1000_0000


def test_a_kernel_finalized_amid_another_kernels_tear_down(monkeypatch):
    other = Kernel(untyped_bits=20)
    other.new_vspace()
    kernel = Kernel(untyped_bits=20)
    vspace = kernel.new_vspace()
    caps = kernel.alloc_frames(2)
    res = vspace.reserve_range_at(BASE, 2 * 4096, "rw")
    vspace.map_pages_at_vaddr(caps, BASE, res)
    real_unmap = ll.unmap_pages
    doomed = [other]
    del other

    def unmap_while_the_other_kernel_is_collected(*args):
        if doomed:
            doomed.pop()._finalizer()  # what the garbage collector runs for an unreachable Kernel
        return real_unmap(*args)

    monkeypatch.setattr(ll, "unmap_pages", unmap_while_the_other_kernel_is_collected)
    vspace.tear_down()
    assert not doomed
    assert all(kernel.cap_info(c)["mapped"] is False for c in caps)
    kernel.close()


def test_a_vspace_finalized_amid_another_kernels_call(monkeypatch):
    first = Kernel(untyped_bits=20)
    stray = first.new_vspace()
    second = Kernel(untyped_bits=20)
    vspace = second.new_vspace()
    res = vspace.reserve_range_at(BASE, 4096, "rw")
    cap = second.alloc_frame()
    real_map = ll.map_pages_at_vaddr
    doomed = [stray]
    del stray

    def map_while_a_vspace_of_the_first_kernel_is_collected(*args):
        if doomed:
            doomed.pop()._finalizer()
        return real_map(*args)

    monkeypatch.setattr(ll, "map_pages_at_vaddr", map_while_a_vspace_of_the_first_kernel_is_collected)
    vspace.map_pages_at_vaddr([cap], BASE, res)
    assert vspace.lookup(BASE).cap == cap
    gc.collect()
    first.close()
    second.close()


def test_c_warnings_are_not_printed_when_logging_is_not_configured():
    script = (
        "from sel4vspace import Kernel, VSpaceError\n"
        "k = Kernel(untyped_bits=20)\n"
        "v = k.new_vspace()\n"
        "r = v.reserve_deferred_rights_range_at(0x10000000, 4096)\n"
        "try:\n"
        "    v.map_pages_at_vaddr([k.alloc_frame()], 0x10000000, r)\n"
        "except VSpaceError as e:\n"
        "    print('refused')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "refused"
    assert result.stderr == ""
