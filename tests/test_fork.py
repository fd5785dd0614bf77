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
