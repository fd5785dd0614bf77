# SPDX-License-Identifier: BSD-2-Clause
"""Garbage collection never disturbs an operation in progress: finalizers that the collector runs
between two C calls of an operation (here, at such a point, as c_calls arranges) do their work
once the operation has returned; after the one C call of a hot call, they find it done."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Callable

import pytest
from c_calls import between_c_calls
from ledger import assert_same, kernel_ledger
from sel4vspace import Kernel
from sel4vspace.lowlevel import _guard

BASE = 0x1000_0000


def _once(action: Callable[[], None]) -> Callable[[str], None]:
    """A between-C-calls action that runs ``action`` at the first point only."""
    pending = [action]

    def run(name: str) -> None:
        if pending:
            pending.pop()()

    return run


def test_a_kernel_finalized_amid_another_kernels_tear_down():
    other = Kernel(untyped_bits=20)
    other.new_vspace()
    kernel = Kernel(untyped_bits=20)
    vspace = kernel.new_vspace()
    caps = kernel.alloc_frames(2)
    res = vspace.reserve_range_at(BASE, 2 * 4096, "rw")
    vspace.map_pages_at_vaddr(caps, BASE, res)
    during: list[bool] = []

    def collect_the_other() -> None:
        other._finalizer()   # what the garbage collector runs for an unreachable Kernel
        during.append(other.closed)

    with between_c_calls(_once(collect_the_other)):
        vspace.tear_down()
    assert during == [False]      # deferred while the tear down ran...
    assert other.closed           # ...and done once it returned
    assert all(kernel.cap_info(c)["mapped"] is False for c in caps)
    kernel.close()


# With cookies, a map is the checked way's: C calls before the map itself, a point after each of
# them, and the finalizer waits for the end of the operation. Without, the map is a hot call: one C
# call that takes and gives back the kernel's guard itself: the point after it is outside any
# operation, and a finalizer there runs at once.
@pytest.mark.parametrize(("cookies", "seen"), [([7], (True, True)), (None, (False, False))],
                         ids=["checked-map-defers-it", "hot-map-done-by-then"])
def test_a_vspace_finalized_amid_another_kernels_call(cookies, seen):
    first = Kernel(untyped_bits=20)
    fresh = kernel_ledger(first)
    stray = first.new_vspace()
    stray.new_pages(2, "rw")
    second = Kernel(untyped_bits=20)
    vspace = second.new_vspace()
    res = vspace.reserve_range_at(BASE, 4096, "rw")
    cap = second.alloc_frame()
    during: list[tuple[bool, bool]] = []

    def collect_the_stray() -> None:
        stray._finalizer()
        during.append((stray.kernel._world.vspace_count != 0, _guard.in_operation()))

    with between_c_calls(_once(collect_the_stray)):
        vspace.map_pages_at_vaddr([cap], BASE, res, cookies=cookies)
    assert during == [seen]
    assert vspace.lookup(BASE).cap == cap
    assert_same(fresh, kernel_ledger(first), "the collected vspace's kernel")
    first.close()
    second.close()


def test_a_cycle_collected_amid_a_call_is_released_after_it():
    kernel = Kernel(untyped_bits=22)
    fresh = kernel_ledger(kernel)
    doomed = kernel.new_vspace("in a cycle")
    doomed.new_pages(3, "rw")
    doomed.me = doomed          # only the cycle collector can free it...
    # ...once this last outside reference goes, amid the call: were the cycle garbage before, an
    # automatic collection (any allocation may start one) could free it first, outside the call
    held = [doomed]
    del doomed
    other = Kernel(untyped_bits=20)
    vspace = other.new_vspace()
    collected: list[int] = []

    def collect() -> None:
        held.clear()            # allocates nothing: no automatic collection before the next line's
        collected.append(gc.collect())
        collected.append(kernel._world.vspace_count)

    with between_c_calls(_once(collect)):
        vspace.new_pages(2, "rw")
    assert collected[0] > 0 and collected[1] == 1   # collected, its tear down deferred
    assert_same(fresh, kernel_ledger(kernel), "after the call: the cycle's vspace is torn down")
    kernel.close()
    other.close()


def test_a_vspace_of_the_same_kernel_finalized_amid_a_delete_that_walks_every_vspace():
    kernel = Kernel(untyped_bits=22)
    fresh = kernel_ledger(kernel)
    original = kernel.alloc_frame()
    spaces = []
    for i in range(3):
        vs = kernel.new_vspace(f"v{i}")
        res = vs.reserve_range_at(BASE, 4096, "rw")
        vs.map_pages_at_vaddr([kernel.copy_cap(original)], BASE, res)
        spaces.append(vs)
    doomed = spaces.pop(1)

    def collect_one() -> None:
        doomed._finalizer()

    with between_c_calls(_once(collect_one)):
        kernel.delete_cap(original)     # revokes the copies: unmaps them through each vspace
    assert kernel.frame_caps() == []
    assert all(vs.lookup(BASE) is None for vs in spaces)
    for vs in spaces:
        vs.tear_down()
    assert_same(fresh, kernel_ledger(kernel), "after the delete and the deferred tear down")
    kernel.close()


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
