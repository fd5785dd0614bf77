# SPDX-License-Identifier: BSD-2-Clause
"""pytest fixtures for tests of seL4_libs code on the simulated kernel.

Installed with the package (entry point ``pytest11``, name ``sel4vspace``), it is inert until a
test asks for one of its fixtures: loading it loads no C and adds no autouse fixture.

``sel4_kernel``
    A fresh :class:`~sel4vspace.Kernel`, closed after the test. Its options (``untyped_bits``,
    ``cnode_bits``) come from the ``sel4_kernel_options`` fixture (override it in a
    ``conftest.py``) and then from a ``@pytest.mark.sel4vspace_kernel(untyped_bits=24)`` marker.
``sel4_vspace``
    A new address space of ``sel4_kernel`` (a sel4utils vspace), torn down after the test.
``sel4_frames``
    A factory: ``sel4_frames(n, size_bits=12)`` allocates ``n`` frames of ``2**size_bits`` bytes
    and returns their caps; the ones still alive after the test are deleted (with their copies).
``sel4_nothing_lost``
    The "nothing lost" check: after every other fixture of the test is torn down, the kernel's
    ledger (untyped bytes as the kernel and the vka see them, used and free cslots, live objects by
    type, the allocator's bookkeeping bytes, the kernel's host bytes) must equal the fresh
    kernel's, and once the kernel is closed the process's accounted host memory must be what it
    was before the kernel was made. A difference fails the test at teardown, naming each
    quantity and its two values. The fixture's value is the fresh kernel's
    :class:`~sel4vspace.ledger.KernelLedger`. ``pytest --sel4vspace-nothing-lost`` applies the
    check to every test that uses ``sel4_kernel``.

Disable the plugin with ``pytest -p no:sel4vspace``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # pragma: no cover
    from .kernel import Kernel
    from .ledger import KernelLedger
    from .vspace import VSpace

__all__ = ["sel4_kernel_options", "sel4_kernel", "sel4_vspace", "sel4_frames", "sel4_nothing_lost"]

_FRESH_LEDGER = pytest.StashKey["KernelLedger"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("sel4vspace").addoption(
        "--sel4vspace-nothing-lost", action="store_true", default=False,
        help="check that nothing is lost (untyped bytes, cslots, objects, host memory) at the end of every "
             "test that uses the sel4_kernel fixture, as if it asked for sel4_nothing_lost")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sel4vspace_kernel(**options): Kernel(...) options for this test's sel4_kernel fixture "
                   "(untyped_bits, cnode_bits)")


@pytest.fixture
def sel4_kernel_options() -> dict[str, Any]:
    """Keyword arguments of ``Kernel(...)`` for ``sel4_kernel``: none by default (2**32 bytes of
    untyped memory, a root CNode of 2**20 slots). Override this fixture in a ``conftest.py`` to set
    them for a directory."""
    return {}


@pytest.fixture
def sel4_kernel(request: pytest.FixtureRequest, sel4_kernel_options: dict[str, Any]) -> Iterator[Kernel]:
    """A fresh simulated seL4 kernel (of the built arch) with its root CNode, untyped memory and host vka;
    closed after the test, after the "nothing lost" check when that is on."""
    from .kernel import Kernel
    from .ledger import assert_same, host_ledger, kernel_ledger

    options = dict(sel4_kernel_options)
    marker = request.node.get_closest_marker("sel4vspace_kernel")
    if marker is not None:
        if marker.args:
            raise TypeError("@pytest.mark.sel4vspace_kernel takes keyword arguments only (untyped_bits=..., "
                            "cnode_bits=...)")
        options.update(marker.kwargs)
    check = "sel4_nothing_lost" in request.fixturenames or bool(
        request.config.getoption("--sel4vspace-nothing-lost"))
    host_before = host_ledger() if check else None
    kernel = Kernel(**options)
    fresh = kernel_ledger(kernel)
    request.node.stash[_FRESH_LEDGER] = fresh
    yield kernel
    # Every fixture that uses the kernel (sel4_vspace, sel4_frames, the user's own) is torn down
    # by now: pytest tears fixtures down in the reverse order of their set-up.
    try:
        if check and not kernel.closed:
            assert_same(fresh, kernel_ledger(kernel), f"{request.node.nodeid}: the kernel at the end of the test, "
                                                      "against the fresh kernel")
    finally:
        kernel.close()
    if check and host_before is not None:
        assert_same(host_before, host_ledger(), f"{request.node.nodeid}: the process's host memory after the "
                                                "kernel was closed, against before it was made")


@pytest.fixture
def sel4_vspace(sel4_kernel: Kernel) -> Iterator[VSpace]:
    """A new address space of ``sel4_kernel``: a vspace root with an ASID, managed by a sel4utils vspace
    (``sel4utils_get_vspace``). Torn down after the test unless the test did it."""
    vspace = sel4_kernel.new_vspace("test")
    yield vspace
    if not vspace.torn_down:
        vspace.tear_down()


@pytest.fixture
def sel4_frames(sel4_kernel: Kernel) -> Iterator[Callable[..., list[int]]]:
    """A factory of frames: ``sel4_frames(n=1, size_bits=12)`` allocates ``n`` frames of
    ``2**size_bits`` bytes (12, 21 or 30) from untyped memory and returns their caps (see
    :meth:`Kernel.alloc_frames <sel4vspace.Kernel.alloc_frames>`). After the test every one of them
    still alive is deleted, which revokes its copies and unmaps it wherever it is mapped."""
    made: list[int] = []

    def allocate(n: int = 1, size_bits: int = 12) -> list[int]:
        caps = sel4_kernel.alloc_frames(n, size_bits)
        made.extend(caps)
        return caps

    yield allocate
    if sel4_kernel.closed:
        return
    live = set(sel4_kernel.frame_caps())  # deleting one original leaves the others alive
    for cap in made:
        if cap in live:
            sel4_kernel.delete_cap(cap)


@pytest.fixture
def sel4_nothing_lost(request: pytest.FixtureRequest, sel4_kernel: Kernel) -> KernelLedger:
    """Ask for it to have ``sel4_kernel`` checked at the end of the test: every untyped byte, cslot,
    kernel object and host byte back to the fresh kernel's. Returns the fresh kernel's ledger."""
    fresh: KernelLedger = request.node.stash[_FRESH_LEDGER]
    return fresh
