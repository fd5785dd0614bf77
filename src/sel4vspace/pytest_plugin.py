# SPDX-License-Identifier: BSD-2-Clause
"""pytest fixtures for tests of seL4_libs code on the simulated kernel.

Installed with the package (entry point ``pytest11``, name ``sel4vspace``), it is inert until a
test asks for one of its fixtures: loading it loads no C and adds no autouse fixture.

``sel4_kernel``
    A fresh :class:`~sel4vspace.Kernel`, closed after the test. Its options (``untyped_bits``,
    ``cnode_bits``, ``arch``) come from the ``sel4_kernel_options`` fixture (override it in a
    ``conftest.py``) and then from a ``@pytest.mark.sel4vspace_kernel(untyped_bits=24)`` marker.
``sel4_arch``
    The arch ``--sel4vspace-arch`` gave the test (``"x86_64"``, ``"aarch64"``, ``"riscv64"``), or None.
    ``pytest --sel4vspace-arch all`` (or the option once per arch, or commas) runs every test that
    uses ``sel4_kernel`` or ``sel4_arch`` once on each arch named, in one run: the test's id gains
    the arch (``test_map[aarch64]``); one arch named runs them on it alone, ids unchanged. A test
    that makes its own kernels (a hypothesis state machine, several kernels at once) asks for
    ``sel4_arch`` and passes it on as ``Kernel(arch=sel4_arch)``. ``sel4_kernel.arch`` is the
    kernel's arch in any case.
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

__all__ = ["arches", "sel4_kernel_options", "sel4_arch", "sel4_kernel", "sel4_vspace", "sel4_frames",
           "sel4_nothing_lost"]

_FRESH_LEDGER = pytest.StashKey["KernelLedger"]()
_ARCHES = pytest.StashKey["tuple[str, ...]"]()
"""The arches ``--sel4vspace-arch`` named, installed and without repeats, in the order given."""
_ALL = "all"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("sel4vspace").addoption(
        "--sel4vspace-nothing-lost", action="store_true", default=False,
        help="check that nothing is lost (untyped bytes, cslots, objects, host memory) at the end of every "
             "test that uses the sel4_kernel fixture, as if it asked for sel4_nothing_lost")
    parser.getgroup("sel4vspace").addoption(
        "--sel4vspace-arch", action="append", default=[], metavar="ARCH",
        help="run every test that uses the sel4_kernel fixture on this seL4 arch (x86_64, aarch64, riscv64; "
             "'all': every installed one); repeat it for several, each a test of its own with the arch in its id. "
             "Default: only the default arch (SEL4VSPACE_ARCH, else x86_64)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sel4vspace_kernel(**options): Kernel(...) options for this test's sel4_kernel fixture "
                   "(untyped_bits, cnode_bits, arch: an arch given here is not multiplied by --sel4vspace-arch)")
    config.stash[_ARCHES] = _arches_asked(config.getoption("--sel4vspace-arch"))


def _arches_asked(values: list[str]) -> tuple[str, ...]:
    """The installed arches ``--sel4vspace-arch`` names (``all``: every installed one), each once, in the
    order named; pytest.UsageError naming the option for an arch that is not installed (the rule of
    ``Kernel(arch=...)``)."""
    from ._arches import INSTALLED, KNOWN, check

    asked: list[str] = []
    for value in values:
        names = value.replace(",", " ").split()
        if not names:
            raise pytest.UsageError(f"--sel4vspace-arch {value!r} names no arch: give one of {', '.join(KNOWN)} "
                                    "or 'all'")
        for name in names:
            try:
                asked.extend(INSTALLED if name == _ALL else [check(name, "--sel4vspace-arch")])
            except ValueError as refused:
                raise pytest.UsageError(f"{refused}; or 'all'") from None
    return tuple(dict.fromkeys(asked))


def _marked_options(node: Any) -> dict[str, Any]:
    """The keyword arguments of the test's ``sel4vspace_kernel`` marker (TypeError for positional ones)."""
    marker = node.get_closest_marker("sel4vspace_kernel")
    if marker is None:
        return {}
    if marker.args:
        raise TypeError("@pytest.mark.sel4vspace_kernel takes keyword arguments only (untyped_bits=..., "
                        "cnode_bits=..., arch=...)")
    return dict(marker.kwargs)


def arches(config: pytest.Config) -> tuple[str, ...]:
    """The arches ``--sel4vspace-arch`` named in this run (``all`` made into every installed one), each
    once, in the order named; empty when the option was not given."""
    return config.stash.get(_ARCHES, ())


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """With ``--sel4vspace-arch`` naming several arches, a test that uses ``sel4_kernel`` or
    ``sel4_arch`` becomes one test per arch, unless its marker names the arch."""
    asked = arches(metafunc.config)
    if len(asked) < 2 or not {"sel4_kernel", "sel4_arch"} & set(metafunc.fixturenames):
        return
    marker = metafunc.definition.get_closest_marker("sel4vspace_kernel")
    if marker is not None and "arch" in marker.kwargs:
        return
    if any("sel4_arch" in _argnames(mark) for mark in metafunc.definition.iter_markers("parametrize")):
        return   # the test chooses its arches itself
    metafunc.parametrize("sel4_arch", asked, ids=asked)


def _argnames(mark: pytest.Mark) -> list[str]:
    """The argument names of a ``parametrize`` marker (a comma-separated string, or a sequence)."""
    names = mark.args[0] if mark.args else mark.kwargs.get("argnames", ())
    return [name.strip() for name in names.split(",")] if isinstance(names, str) else list(names)


@pytest.fixture
def sel4_kernel_options() -> dict[str, Any]:
    """Keyword arguments of ``Kernel(...)`` for ``sel4_kernel``: none by default (2**32 bytes of
    untyped memory, a root CNode of 2**20 slots). Override this fixture in a ``conftest.py`` to set
    them for a directory."""
    return {}


@pytest.fixture
def sel4_arch(request: pytest.FixtureRequest) -> str | None:
    """The arch ``--sel4vspace-arch`` gave this test (the one it named, or this test's share of
    several), else None: ``sel4_kernel`` is then of ``sel4_kernel_options``' arch, else the default.
    A test whose marker names the arch gets that one."""
    marked = _marked_options(request.node).get("arch")
    if marked is not None:
        return str(marked)
    asked = arches(request.config)
    return asked[0] if len(asked) == 1 else None


@pytest.fixture
def sel4_kernel(request: pytest.FixtureRequest, sel4_kernel_options: dict[str, Any],
                sel4_arch: str | None) -> Iterator[Kernel]:
    """A fresh simulated seL4 kernel with its root CNode, untyped memory and host vka; closed after the
    test, after the "nothing lost" check when that is on. Its arch: the marker's ``arch``, else the
    one ``--sel4vspace-arch`` gave this test, else ``sel4_kernel_options``' ``arch``, else the default
    arch (``SEL4VSPACE_ARCH``, else x86_64)."""
    from .kernel import Kernel
    from .ledger import assert_same, host_ledger, kernel_ledger

    options = dict(sel4_kernel_options)
    marked = _marked_options(request.node)
    if sel4_arch is not None and "arch" not in marked:
        options["arch"] = sel4_arch
    options.update(marked)
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
