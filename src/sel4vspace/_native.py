# SPDX-License-Identifier: BSD-2-Clause
"""The compiled extension of one seL4 architecture, as ``ffi`` and ``lib``.

The build makes one cffi module per architecture (``sel4vspace._native_x86_64``,
``_native_aarch64``, ``_native_riscv64``; ``SEL4VSPACE_ARCHES`` at build time says which). This
module re-exports the ``ffi`` and ``lib`` of one of them: the one the environment variable
``SEL4VSPACE_ARCH`` names when it is set, else x86_64 when it is installed, else the first
installed. cffi generates no type information for its modules, so the whole C surface is ``Any``
here: sel4vspace.lowlevel is where Python types begin.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from types import ModuleType
from typing import Any

__all__ = ["ARCHES", "ARCH_ENV", "installed_arches", "ARCH", "extension", "ffi", "lib"]

ARCHES = ("x86_64", "aarch64", "riscv64")
"""Every architecture the build knows, the default first."""

ARCH_ENV = "SEL4VSPACE_ARCH"


def installed_arches() -> list[str]:
    """The architectures whose module is installed, in :data:`ARCHES`' order."""
    return [name for name in ARCHES if importlib.util.find_spec(f"{__package__}._native_{name}") is not None]


def _chosen() -> str:
    installed = installed_arches()
    wanted = os.environ.get(ARCH_ENV, "").strip()
    if wanted:
        if wanted not in installed:
            known = "" if wanted in ARCHES else f" (the arches are {', '.join(ARCHES)})"
            raise ImportError(f"{ARCH_ENV}={wanted!r}: no sel4vspace extension of that arch is installed{known}; "
                              f"installed: {', '.join(installed) or 'none'}")
        return wanted
    if not installed:
        raise ImportError(f"no sel4vspace extension is installed (one of {', '.join(f'_native_{a}' for a in ARCHES)}): "
                          "build them with `python build_ffi.py` or `pip install .`")
    return "x86_64" if "x86_64" in installed else installed[0]


ARCH: str = _chosen()
"""The architecture of the extension loaded."""

extension: ModuleType = importlib.import_module(f"{__package__}._native_{ARCH}")
"""The extension module itself (its ``__file__`` is the shared object)."""

ffi: Any = extension.ffi
lib: Any = extension.lib
