# SPDX-License-Identifier: BSD-2-Clause
"""Which seL4 architectures this installation has, and the C of each.

The build makes one extension module per architecture, ``sel4vspace._native_<arch>``, each the
whole C stack (the libraries under test, the simulated kernel, the host world) built for that arch.
:data:`INSTALLED` lists those present. Python's layer over the C, :mod:`sel4vspace.lowlevel`, binds
one of them: the package imported as ``sel4vspace.lowlevel`` binds the default arch
(:func:`default`), and :func:`lowlevel` loads the same package's source once more for each other
arch asked for, as ``sel4vspace._lowlevel_<arch>``. The Pythonic classes hold the lowlevel package of
their kernel's arch, so kernels of different arches live side by side in one process.

``SEL4VSPACE_ARCH`` in the environment names the default arch (else x86_64 when installed, else the
first installed): what ``Kernel()`` and ``sel4vspace.lowlevel`` use, and so what the test suite
tests.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Any

from .errors import type_name

__all__ = ["KNOWN", "USER_TOP", "MAX_UNTYPED_BITS", "INSTALLED", "default", "ENV", "ARCHES_ENV", "check",
           "native", "lowlevel", "arch_of_package", "Binding", "binding", "loaded"]

KNOWN: tuple[str, ...] = ("x86_64", "aarch64", "riscv64")
"""The architectures the build knows, in seL4's names (``SEL4_ARCH``)."""

USER_TOP: Mapping[str, int] = MappingProxyType({
    "x86_64": 0x7FFF_FFFF_F000,    # seL4_UserTop: the last page below the canonical hole stays the kernel's
    "aarch64": 0x8000_0000_0000,   # seL4_UserTop + 1: AArch64's seL4_UserTop is the last user address
    "riscv64": 0x3F_FFFF_F000,     # seL4_UserTop of Sv39's 2^38 bytes of user space
})
"""The top of user space of each arch of :data:`KNOWN`, in bytes: the first address its kernel maps
nothing at, as the arch's C description has it (``Kernel.user_top``). Written out here so that what
loads no C (the scenario checker) knows it too; the test suite holds it equal to the C description
of every installed arch."""

MAX_UNTYPED_BITS: Mapping[str, int] = MappingProxyType({
    "x86_64": 47,    # seL4_MaxUntypedBits of each arch's libsel4
    "aarch64": 47,
    "riscv64": 38,
})
"""The largest untyped object of each arch of :data:`KNOWN`, in bits (``seL4_MaxUntypedBits``): the
most ``Kernel(untyped_bits=...)`` takes on it. Written out for what loads no C, as :data:`USER_TOP`;
the test suite holds it equal to every installed arch's libsel4."""

ENV = "SEL4VSPACE_ARCH"
ARCHES_ENV = "SEL4VSPACE_ARCHES"
"""The build's variable: the arches ``pip install .`` and ``python build_ffi.py`` build (read by the
build, never at run time; named here for the messages that tell one from the other)."""

_PACKAGE = __name__.rpartition(".")[0]
_DEFAULT_LOWLEVEL = f"{_PACKAGE}.lowlevel"


def _installed() -> tuple[str, ...]:
    return tuple(arch for arch in KNOWN if importlib.util.find_spec(f"{_PACKAGE}._native_{arch}") is not None)


INSTALLED: tuple[str, ...] = _installed()
"""The architectures whose extension module is installed, in :data:`KNOWN`'s order."""


@functools.cache
def default() -> str:
    """The arch ``Kernel()`` and ``sel4vspace.lowlevel`` use when none is named: ``SEL4VSPACE_ARCH``
    from the environment, else x86_64 when installed, else the first installed. ImportError when
    ``SEL4VSPACE_ARCH`` names an arch not installed, or none is. Read once: ``sel4vspace.lowlevel``
    is bound to the answer, so a later change of the environment must not make another arch the
    default."""
    named = os.environ.get(ENV, "").strip()
    if named:
        if named not in INSTALLED:
            known = "" if named in KNOWN else f" (the arches are {', '.join(KNOWN)})"
            build = (f"; {ARCHES_ENV}={named} with pip install . (or python build_ffi.py in a checkout) builds "
                     "it" if named in KNOWN else "")
            raise ImportError(f"{ENV}={named!r}: no sel4vspace extension of that arch is installed{known}; "
                              f"installed: {', '.join(INSTALLED) or 'none'}{build}")
        return named
    if not INSTALLED:
        raise ImportError(f"no {_PACKAGE}._native_<arch> extension is installed (the C was not built: "
                          "pip install . builds it, python build_ffi.py builds it in place)")
    return "x86_64" if "x86_64" in INSTALLED else INSTALLED[0]


def check(arch: object, name: str = "arch") -> str:
    """``arch`` when it names an installed architecture (None: :func:`default`); TypeError naming
    ``name`` for a non-string, ValueError naming it and the installed arches otherwise."""
    if arch is None:
        return default()
    if not isinstance(arch, str):
        raise TypeError(f"{name} must be a str naming an architecture, not {type_name(arch)}")
    if arch not in INSTALLED:
        known = "" if arch in KNOWN else f" (the architectures sel4vspace knows: {', '.join(KNOWN)})"
        raise ValueError(f"{name} must be one of the installed architectures {', '.join(INSTALLED)}, "
                         f"not {arch!r}{known}")
    return arch


def native(arch: str) -> ModuleType:
    """The extension module of ``arch`` (its ``ffi`` and ``lib``)."""
    return importlib.import_module(f"{_PACKAGE}._native_{arch}")


def arch_of_package(package: str) -> str:
    """The arch a lowlevel package named ``package`` binds (its ``__name__``)."""
    if package == _DEFAULT_LOWLEVEL:
        return default()
    return package.rpartition("._lowlevel_")[2]


def lowlevel(arch: str) -> ModuleType:
    """The :mod:`sel4vspace.lowlevel` package bound to ``arch``'s extension (``arch`` must be
    installed: see :func:`check`)."""
    if arch == default():
        return importlib.import_module(_DEFAULT_LOWLEVEL)
    name = f"{_PACKAGE}._lowlevel_{arch}"
    loaded = _packages.get(name)
    if loaded is not None and sys.modules.get(name) is loaded:
        return loaded
    with _loading:
        loaded = _packages.get(name)
        if loaded is None or sys.modules.get(name) is not loaded:
            # not loaded yet, or taken out of sys.modules since (pytester's in-process runs put
            # sys.modules back as they found it): loaded as on first use, its submodules with it
            loaded = _packages[name] = _load(name)
        return loaded


_loading = threading.Lock()
_packages: dict[str, ModuleType] = {}
"""The lowlevel packages of the other arches, once loaded to the end. Not ``sys.modules`` alone: a
package is there from the start of its loading, and a second thread would take it half made."""


def _load(name: str) -> ModuleType:
    default = importlib.import_module(_DEFAULT_LOWLEVEL)   # the modules every arch shares come first
    source = Path(default.__file__ or "").parent
    spec = importlib.util.spec_from_file_location(name, source / "__init__.py",
                                                  submodule_search_locations=[str(source)])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


@dataclass(frozen=True)
class Binding:
    """One arch's :mod:`sel4vspace.lowlevel` modules, as the Pythonic classes use them: a kernel
    holds its arch's, and so do its vspaces and reservations."""

    arch: str
    """seL4's name of the arch (``x86_64``, ``aarch64``, ``riscv64``)."""
    package: ModuleType
    """The lowlevel package (``ffi``, ``lib``, :func:`~sel4vspace.lowlevel.failure`, ...)."""
    host: ModuleType
    sim: ModuleType
    vspace: ModuleType
    check: ModuleType
    objects: ModuleType
    accounting: ModuleType
    description: Any
    """The arch's :class:`~sel4vspace.lowlevel.arch.Arch`."""


_bindings: dict[str, Binding] = {}


def binding(arch: str) -> Binding:
    """The :class:`Binding` of installed ``arch`` (see :func:`check`), loaded on first use."""
    found = _bindings.get(arch)
    if found is not None:
        return found
    package = lowlevel(arch)

    def module(name: str) -> ModuleType:
        return importlib.import_module(f"{package.__name__}.{name}")

    made = Binding(arch, package, module("host"), module("sim"), module("vspace"), module("_check"),
                   module("objects"), module("accounting"), module("arch").ARCH)
    return _bindings.setdefault(arch, made)


def loaded() -> list[Binding]:
    """The bindings of every arch loaded so far, the default arch's always among them."""
    binding(default())
    return list(_bindings.values())
