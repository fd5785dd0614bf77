# SPDX-License-Identifier: BSD-2-Clause
"""Build the native benchmark harness from the very objects the Python extension links.

buildsupport compiles every source of vendor/ (or the seL4_libs checkout it is pointed at) and
csrc/ with its flags; the harness is bench/harness.c compiled with those same flags and include
paths and linked with those objects, so native and Python figures measure the same machine code:
-O2 objects, or the -Og objects of the in-place development build when that is the extension
Python loads (see :func:`extension_is_develop_build`).

One harness per seL4 architecture: buildsupport builds for the arch ``SEL4VSPACE_ARCH`` names when it
is imported, with objects and harness of each arch apart (the build flavour names the arch:
build/bench/dev-riscv64/harness), so another arch is built in a process of its own.

    python bench/build.py [--arch ARCH] [--develop]     # prints the harness's path
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HARNESS_SOURCE = Path(__file__).resolve().parent / "harness.c"


def _buildsupport():
    sys.path.insert(0, str(ROOT))
    try:
        from buildsupport import config, incremental  # noqa: PLC0415 - it lives at the repository root
    finally:
        sys.path.pop(0)
    return config, incremental


def extension_is_develop_build(arch: str | None = None) -> bool:
    """True when the extension of ``arch`` (None: the default arch) Python loads is the in-place
    -Og build (flavour "dev", "dev-riscv64", ...)."""
    from sel4vspace import _arches  # here: bench/run.py imports this file before sel4vspace is needed

    return "dev" in _arches.lowlevel(_arches.check(arch)).BUILD_FLAVOUR.split("-")


def build_harness(verbose: bool = False, sel4_libs: str | None = None, develop: bool = False,
                  arch: str | None = None) -> Path:
    """Compile what changed and link build/bench/<flavour>/harness; returns its path.

    sel4_libs: the seL4_libs tree to build from ("vendor" for vendor/; util_libs beside it is used
    as the extension's build does); None keeps whatever SEL4VSPACE_SEL4_LIBS says. develop: from
    the -Og objects of the in-place development build instead of -O2 ones. arch: the seL4
    architecture to build for; None is the one SEL4VSPACE_ARCH names (x86_64 when unset)."""
    config, incremental = _buildsupport()
    if sel4_libs is not None:
        saved = os.environ.get(config.SEL4_LIBS_ENV)
        os.environ[config.SEL4_LIBS_ENV] = "" if sel4_libs == "vendor" else sel4_libs
        try:
            return build_harness(verbose=verbose, develop=develop, arch=arch)
        finally:
            if saved is None:
                os.environ.pop(config.SEL4_LIBS_ENV)
            else:
                os.environ[config.SEL4_LIBS_ENV] = saved
    if arch is not None and arch != config.SEL4_ARCH:
        return _build_in_child(arch, verbose, develop, config.ARCH_ENV)
    objects = incremental.compile_objects(verbose=verbose, develop=develop)
    out_dir = config.BUILD / "bench" / config.flavour(develop)
    out_dir.mkdir(parents=True, exist_ok=True)
    harness = out_dir / "harness"
    inputs = [HARNESS_SOURCE, *objects]
    if harness.exists() and all(p.stat().st_mtime <= harness.stat().st_mtime for p in inputs):
        return harness
    command = [config.compiler(), *config.compile_flags(develop), *[f"-I{d}" for d in config.include_dirs()],
               str(HARNESS_SOURCE), *map(str, objects), *config.link_flags(), "-o", str(harness)]
    if verbose:
        print("cc", HARNESS_SOURCE.relative_to(ROOT), "->", harness.relative_to(ROOT), file=sys.stderr)
    result = subprocess.run(command, capture_output=True, text=True)
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        raise SystemExit("linking the benchmark harness failed")
    return harness


def _build_in_child(arch: str, verbose: bool, develop: bool, arch_env: str) -> Path:
    """The harness of ``arch``, built by this file run with ``SEL4VSPACE_ARCH=arch`` (buildsupport
    reads the arch once, at import); the child inherits the rest of the environment (the seL4_libs
    tree among it)."""
    command = [sys.executable, __file__, *(["--develop"] if develop else []), *(["-q"] if not verbose else [])]
    result = subprocess.run(command, env={**os.environ, arch_env: arch}, stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise SystemExit(f"building the benchmark harness for {arch} failed")
    return Path(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the native benchmark harness and print its path.")
    parser.add_argument("--arch", help="the seL4 architecture (default: SEL4VSPACE_ARCH's, else x86_64)")
    parser.add_argument("--develop", action="store_true", help="from the -Og objects of the in-place build")
    parser.add_argument("-q", "--quiet", action="store_true", help="do not list what is compiled")
    args = parser.parse_args(argv)
    print(build_harness(verbose=not args.quiet, develop=args.develop, arch=args.arch))
    return 0


if __name__ == "__main__":
    sys.exit(main())
