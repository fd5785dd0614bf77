# SPDX-License-Identifier: BSD-2-Clause
"""The lower layers' tests on every arch of the run, from one source.

The tests of tests/wrappers, tests/kernel (not tests/kernel/arches/, which builds each arch's kernel
itself), tests/allocator and tests/deferred drive the C directly: their modules, and the helpers
they import (archfacts, simkernel, hostworld), take ``ffi``, ``lib`` and the arch's facts from
``sel4vspace.lowlevel`` when they are imported, and that package binds the default arch.

For another arch, :func:`module` loads such a module's source once more, as ``<name>[<arch>]``
(as :func:`sel4vspace._arches.lowlevel` loads the lowlevel package once more for each arch), with
its imports bound to that arch: ``from sel4vspace.lowlevel... import ...`` takes that arch's
lowlevel package, and an import of a helper or of another test module takes that module's copy for
the arch. While a test runs on an arch other than the default, the names of its module are those of
the module's copy for that arch (:func:`bound`): the test's body, and the helpers and fixtures of
its module, then call that arch's C, and its assertions are the same lines.

Each of those folders' ``conftest.py`` makes every test of the folder use :func:`bound_arch`,
which asks for the pytest plugin's ``sel4_arch``: the plugin runs each test once on every arch of
the run (``--sel4vspace-arch``; the suite's default is every installed arch), the arch in the test's
id (``test_copy_mint_move_mutate_delete[aarch64]``). A test of one arch says so with
``@pytest.mark.sel4vspace_kernel(arch=...)`` and runs on that arch alone.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import importlib.machinery
import importlib.util
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from sel4vspace import _arches, pytest_plugin

__all__ = ["HELPERS", "module", "bound", "bound_arch", "parametrize_by_arch", "prepare"]

LOWLEVEL = "sel4vspace.lowlevel"

HELPERS = frozenset(("archfacts", "simkernel", "hostworld"))
"""The suite's helper modules that bind an arch when imported: a module bound to an arch imports
their copies for that arch (and so it does any test module: one may import another's helpers)."""

_copies: dict[tuple[str, str], tuple[ModuleType, ModuleType]] = {}
"""(name, arch): the module the copy was made from, and the copy."""


def _per_arch(name: str) -> bool:
    return name in HELPERS or name.startswith("test_")


def module(name: str, arch: str) -> ModuleType:
    """The module imported as ``name`` (a helper or a test module) bound to installed ``arch``: the
    module itself for the default arch, else its copy for ``arch``, loaded on first use."""
    original = sys.modules.get(name) or importlib.import_module(name)
    if arch == _arches.default():
        return original
    made = _copies.get((name, arch))
    if made is None or made[0] is not original:   # not made yet, or of a module imported again since
        made = _copies[(name, arch)] = (original, _load(original, arch))
    return made[1]


def _load(original: ModuleType, arch: str) -> ModuleType:
    """``original``'s source run again as a module of its own, with its imports bound to ``arch``. It
    is loaded by the loader of ``original`` (pytest's, for a test module: its asserts are rewritten
    as the original's are)."""
    spec = original.__spec__
    assert spec is not None and spec.origin is not None and spec.loader is not None, original
    name = f"{original.__name__}[{arch}]"
    loader: Any = spec.loader
    if isinstance(loader, importlib.machinery.SourceFileLoader):
        loader = importlib.machinery.SourceFileLoader(name, spec.origin)   # one loader a module name
    copy = importlib.util.module_from_spec(importlib.util.spec_from_file_location(name, spec.origin, loader=loader))
    # the module's code and every function it defines look names up in these builtins: its imports
    # of the lowlevel package and of the per-arch modules, at its top or in a function, are arch's
    copy.__dict__["__builtins__"] = {**vars(builtins), "__import__": _importer(arch)}
    sys.modules[name] = copy    # dataclasses look their module up while the class is made
    try:
        loader.exec_module(copy)
    except BaseException:
        del sys.modules[name]
        raise
    return copy


def _importer(arch: str) -> Callable[..., ModuleType]:
    """``__import__`` for the modules bound to ``arch``."""
    package = _arches.lowlevel(arch).__name__
    real = builtins.__import__

    def bound_import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (),
                     level: int = 0) -> ModuleType:
        if level == 0 and (name == LOWLEVEL or name.startswith(LOWLEVEL + ".")):
            if not fromlist:   # `import sel4vspace.lowlevel.x` binds the name sel4vspace: the default's
                raise ImportError(f"import {name}: a module run on each arch takes the lowlevel package "
                                  f"with `from {name} import ...`")
            return real(package + name[len(LOWLEVEL):], globals, locals, fromlist, 0)
        if level == 0 and name == "sel4vspace" and "lowlevel" in (fromlist or ()):
            raise ImportError("from sel4vspace import lowlevel: a module run on each arch takes the lowlevel "
                              "package with `from sel4vspace.lowlevel import ...`")
        if level == 0 and _per_arch(name):
            return module(name, arch)
        return real(name, globals, locals, fromlist, level)

    return bound_import


@contextlib.contextmanager
def bound(test_module: ModuleType, arch: str) -> Iterator[None]:
    """Within the block, the names ``test_module`` defines are those of its copy for installed
    ``arch``; then its own again. Nothing changes for the default arch."""
    if arch == _arches.default():
        yield
        return
    names = vars(test_module)
    theirs = {name: value for name, value in vars(module(test_module.__name__, arch)).items()
              if not name.startswith("__")}
    saved = {name: names[name] for name in theirs if name in names}
    names.update(theirs)
    try:
        yield
    finally:
        for name in theirs:
            if name in saved:
                names[name] = saved[name]
            else:
                del names[name]


@pytest.fixture(autouse=True)
def bound_arch(request: pytest.FixtureRequest, sel4_arch: str | None) -> Iterator[str]:
    """The arch the test runs on (the plugin's ``sel4_arch``, else the default), its module's names
    bound to it for the test (:func:`bound`). Autouse in the lower layers' folders."""
    arch = _arches.default() if sel4_arch is None else sel4_arch
    if arch not in _arches.INSTALLED:
        pytest.skip(f"a test of {arch} alone, whose extension is not installed")
    with bound(request.module, arch):
        yield arch


def prepare(item: pytest.Item) -> None:
    """Make the copies of a lower-layer test's module for the arches of the run now, those not made
    yet: isolation.py runs the test in a child forked from this process, and a copy the child made
    would go with it (the next child would make it again, its helpers' too)."""
    if not {"bound_arch", "sel4_arch"} <= set(getattr(item, "fixturenames", ())):
        return   # not a lower layer's (tests/kernel/arches/ has a bound_arch of its own)
    for arch in pytest_plugin.arches(item.config) or (_arches.default(),):
        module(item.module.__name__, arch)


def parametrize_by_arch(metafunc: pytest.Metafunc, function: Callable[..., Any], argnames: str, table: str) -> None:
    """For a test module's ``pytest_generate_tests``: parametrize ``function`` by the rows of the
    module's ``table`` (a list of tuples, one a test) as each arch's copy of the module has it (a
    table of the arch's own object types, say), on each arch of the run, each id the arch and then
    the row's (``test_retype_each_type[aarch64-5-0-12]``). The test then chooses its arches itself
    (its ``parametrize`` names ``sel4_arch``), and the plugin leaves them to it. With one arch in
    the run, that arch's rows, the ids without it (as the plugin's are)."""
    if metafunc.function is not function:
        return
    arches = pytest_plugin.arches(metafunc.config) or (_arches.default(),)
    rows = {arch: list(getattr(module(metafunc.module.__name__, arch), table)) for arch in arches}
    if len(arches) == 1:
        metafunc.definition.add_marker(pytest.mark.parametrize(argnames, rows[arches[0]]))
        return
    # a marker, not metafunc.parametrize: a module's hook runs before the plugin's, which leaves a
    # test whose parametrize marker names sel4_arch to it, and before pytest's, which applies markers
    by_arch = [(arch, *row) for arch in arches for row in rows[arch]]
    metafunc.definition.add_marker(pytest.mark.parametrize(f"sel4_arch,{argnames}", by_arch))
