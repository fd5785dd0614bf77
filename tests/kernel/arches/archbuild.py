# SPDX-License-Identifier: BSD-2-Clause
"""Compiling the C of one architecture below the host world, with the build's own settings.

The build's configuration (buildsupport/config.py) reads SEL4VSPACE_ARCH when it is imported;
:func:`build_module` imports a private copy of it with that variable set, so its include folders,
defines and flags are those a build for that architecture would use, whatever architecture this
process runs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
ARCHES = ("aarch64", "riscv64")


def build_module(arch: str) -> ModuleType:
    """The build's configuration as a build for arch sees it."""
    spec = importlib.util.spec_from_file_location(f"_buildsupport_config_{arch}", ROOT / "buildsupport" / "config.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    saved = os.environ.get("SEL4VSPACE_ARCH")
    os.environ["SEL4VSPACE_ARCH"] = arch
    try:
        spec.loader.exec_module(module)
    finally:
        if saved is None:
            del os.environ["SEL4VSPACE_ARCH"]
        else:
            os.environ["SEL4VSPACE_ARCH"] = saved
    assert arch == module.SEL4_ARCH
    return module


def arch_compile_flags(arch: str) -> list[str]:
    """The compile flags of arch: the build's flags and defines, then its include folders."""
    build = build_module(arch)
    return [*build.compile_flags(), *(f"-I{d}" for d in build.include_dirs())]


def kernel_sources() -> list[Path]:
    """The simulated kernel, libsel4, and the accounted allocator the kernel allocates through
    (found by what it defines, wherever the host layer keeps it)."""
    sources = sorted((ROOT / "csrc" / "kernel" / "src").rglob("*.c"))
    sources += sorted((ROOT / "csrc" / "libsel4" / "src").rglob("*.c"))
    allocators = [p for p in sorted((ROOT / "csrc").rglob("*.c")) if "\nvoid *host_alloc(" in p.read_text()]
    assert len(allocators) == 1, allocators
    return sources + allocators


def build_kernel_test(arch: str, out_dir: Path) -> Path:
    """kernel_arch_test.c linked with the kernel and libsel4 of arch; rebuilt only when a source,
    a header of csrc/ or the flags changed (several test processes may ask at once)."""
    build = build_module(arch)
    flags = [*arch_compile_flags(arch), *build.link_flags()]
    sources = [HERE / "kernel_arch_test.c", *kernel_sources()]
    digest = hashlib.sha1(" ".join(flags).encode())
    for path in sorted({*sources, *(ROOT / "csrc").rglob("*.h"), *(ROOT / "vendor" / "libutils").rglob("*.h")}):
        digest.update(str(path).encode() + path.read_bytes())
    exe = out_dir / f"kernel_arch_test-{arch}-{digest.hexdigest()[:12]}"
    if exe.exists():
        return exe
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = exe.with_name(f"{exe.name}.{os.getpid()}")
    command = [build.compiler(), *flags, "-o", str(partial), *map(str, sources)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, f"compiling for {arch} failed:\n{' '.join(command)}\n{result.stderr}"
    assert "warning" not in result.stderr, result.stderr
    os.replace(partial, exe)
    return exe


def vendor_sources(arch: str) -> list[Path]:
    """The vendor/ sources a build for arch compiles (the libraries under test)."""
    build = build_module(arch)
    vendor = ROOT / "vendor"
    return [p for p in build.c_sources() if p.is_relative_to(vendor)]
