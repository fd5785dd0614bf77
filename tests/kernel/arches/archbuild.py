# SPDX-License-Identifier: BSD-2-Clause
"""Compiling the C of one architecture below the host world, with the build's own settings.

The build's configuration (buildsupport/config.py) takes the architecture as an argument:
:func:`build_arch` is its description of one, so the include folders, defines and flags used here
are those the build of that architecture's extension uses, whatever architecture this process
runs.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
ARCHES = ("aarch64", "riscv64")

if str(ROOT) not in sys.path:   # buildsupport lies at the repository root
    sys.path.insert(0, str(ROOT))
from buildsupport import config  # noqa: E402


def build_arch(arch: str) -> config.Arch:
    """The build's description of arch."""
    return config.ARCHES[arch]


def arch_compile_flags(arch: str) -> list[str]:
    """The compile flags of arch: the build's flags and defines, then its include folders."""
    build = build_arch(arch)
    return [*config.compile_flags(build), *(f"-I{d}" for d in config.include_dirs(build))]


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
    flags = [*arch_compile_flags(arch), *config.link_flags()]
    sources = [HERE / "kernel_arch_test.c", *kernel_sources()]
    digest = hashlib.sha1(" ".join(flags).encode())
    for path in sorted({*sources, *(ROOT / "csrc").rglob("*.h"), *(ROOT / "vendor" / "libutils").rglob("*.h")}):
        digest.update(str(path).encode() + path.read_bytes())
    exe = out_dir / f"kernel_arch_test-{arch}-{digest.hexdigest()[:12]}"
    if exe.exists():
        return exe
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = exe.with_name(f"{exe.name}.{os.getpid()}")
    command = [config.compiler(), *flags, "-o", str(partial), *map(str, sources)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, f"compiling for {arch} failed:\n{' '.join(command)}\n{result.stderr}"
    assert "warning" not in result.stderr, result.stderr
    os.replace(partial, exe)
    return exe


def vendor_sources(arch: str) -> list[Path]:
    """The vendor/ sources a build for arch compiles (the libraries under test)."""
    vendor = ROOT / "vendor"
    return [p for p in config.c_sources(build_arch(arch)) if p.is_relative_to(vendor)]
