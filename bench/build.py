# SPDX-License-Identifier: BSD-2-Clause
"""Build the native benchmark harness from the very objects the Python extension links.

build_ffi.py compiles every source of vendor/ (or the seL4_libs checkout it is pointed at) and
csrc/ with its flags; the harness is bench/harness.c compiled with those same flags and include
paths and linked with those objects, so native and Python figures measure the same machine code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HARNESS_SOURCE = Path(__file__).resolve().parent / "harness.c"


def _build_ffi():
    sys.path.insert(0, str(ROOT))
    try:
        import build_ffi  # noqa: PLC0415 - the build script lives at the repository root
    finally:
        sys.path.pop(0)
    return build_ffi


def build_harness(verbose: bool = False, sel4_libs: str | None = None) -> Path:
    """Compile what changed and link build/bench/<flavour>/harness; returns its path.

    sel4_libs: the seL4_libs tree to build from ("vendor" for vendor/; util_libs beside it is used
    as the extension's build does); None keeps whatever SEL4VSPACE_SEL4_LIBS says."""
    build_ffi = _build_ffi()
    if sel4_libs is not None:
        saved = os.environ.get(build_ffi.SEL4_LIBS_ENV)
        os.environ[build_ffi.SEL4_LIBS_ENV] = "" if sel4_libs == "vendor" else sel4_libs
        try:
            return build_harness(verbose=verbose)
        finally:
            if saved is None:
                os.environ.pop(build_ffi.SEL4_LIBS_ENV)
            else:
                os.environ[build_ffi.SEL4_LIBS_ENV] = saved
    objects = build_ffi.compile_objects(verbose=verbose)
    out_dir = build_ffi.BUILD / "bench" / build_ffi.flavour()
    out_dir.mkdir(parents=True, exist_ok=True)
    harness = out_dir / "harness"
    inputs = [HARNESS_SOURCE, *objects]
    if harness.exists() and all(p.stat().st_mtime <= harness.stat().st_mtime for p in inputs):
        return harness
    command = [build_ffi._compiler(), *build_ffi.compile_flags(), *[f"-I{d}" for d in build_ffi.include_dirs()],
               str(HARNESS_SOURCE), *map(str, objects), *build_ffi.link_flags(), "-o", str(harness)]
    if verbose:
        print("cc", HARNESS_SOURCE.relative_to(ROOT), "->", harness.relative_to(ROOT), file=sys.stderr)
    result = subprocess.run(command, capture_output=True, text=True)
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        raise SystemExit("linking the benchmark harness failed")
    return harness


if __name__ == "__main__":
    print(build_harness(verbose=True))
