# SPDX-License-Identifier: BSD-2-Clause
"""A process forked while other threads use a kernel gets that kernel whole: ``os.fork`` waits for
the calls in progress to end (it takes every kernel's lock), so the child finds no lock held by a
thread it does not have, and no call half done."""

from __future__ import annotations

import os
import signal
import threading
import time

from sel4vspace import Kernel

PAGE = 4096


def _wait(pid: int, seconds: float) -> int | None:
    """The child's exit code, or None when it had not ended within ``seconds`` (it is killed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def _child(kernel: Kernel, vspace) -> int:  # type: ignore[no-untyped-def]
    try:
        start = vspace.new_pages(2, "rw")
        vspace.write(start + PAGE - 2, b"fork")
        ok = vspace.read(start + PAGE - 2, 4) == b"fork"
        vspace.unmap_pages(start, 2, free=True)
        kernel.close()
        return 0 if ok else 1
    except BaseException:  # noqa: BLE001 - the child reports by its exit code only
        return 2


def test_a_child_forked_while_a_thread_uses_the_kernel_can_use_it() -> None:
    with Kernel(untyped_bits=24) as kernel:
        vspace = kernel.new_vspace()
        stop, running = threading.Event(), threading.Event()

        def work() -> None:
            while not stop.is_set():
                start = vspace.new_pages(8, "rw")
                vspace.unmap_pages(start, 8, free=True)
                running.set()

        thread = threading.Thread(target=work)
        thread.start()
        try:
            assert running.wait(10)
            codes = []
            for _ in range(5):
                pid = os.fork()
                if pid == 0:
                    os._exit(_child(kernel, vspace))
                codes.append(_wait(pid, 10))
        finally:
            stop.set()
            thread.join()
        assert codes == [0] * 5   # None: the child hung on a lock the thread held when it forked
        # the parent's kernel goes on, and its locks were given back
        start = vspace.new_pages(1, "rw")
        vspace.unmap_pages(start, 1, free=True)


def test_a_child_forked_as_a_thread_s_hot_reserve_returns_lists_what_it_reserved() -> None:
    # A hot reserve files its reservation after its C call has given the kernel's lock back: a fork
    # in between gave the child the range reserved in C and listed nowhere (no object to free it by).
    from c_calls import between_c_calls

    with Kernel(untyped_bits=22) as kernel:
        vspace = kernel.new_vspace()
        returned, go_on = threading.Event(), threading.Event()

        def hold_after_the_hot_reserve(name: str) -> None:
            if name == "sel4vspace_hot_reserve" and threading.current_thread().name == "reserver":
                returned.set()
                go_on.wait(10)

        def child() -> int:
            try:
                listed = [r.start for r in vspace.reservations()]
                vspace.free_reservation(vspace.reservations()[0])
                again = vspace.reserve_range_at(0x1000_0000, PAGE, "rw")
                return 0 if listed == [0x1000_0000] and vspace.reservations() == [again] else 1
            except BaseException:  # noqa: BLE001 - the child reports by its exit code only
                return 2

        with between_c_calls(hold_after_the_hot_reserve):
            thread = threading.Thread(target=lambda: vspace.reserve_range_at(0x1000_0000, PAGE, "rw"), name="reserver")
            thread.start()
            try:
                assert returned.wait(10)
                pid = os.fork()
                if pid == 0:
                    os._exit(child())
                code = _wait(pid, 10)
            finally:
                go_on.set()
                thread.join()
        assert code == 0
        assert [r.start for r in vspace.reservations()] == [0x1000_0000]
