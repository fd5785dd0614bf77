# SPDX-License-Identifier: BSD-2-Clause
"""Build the native benchmark harness from the very objects the Python extension links.

buildsupport compiles every source of vendor/ (or the seL4_libs checkout it is pointed at) and
csrc/ with its flags, once per arch; the harness is bench/harness.c compiled with the flags and
include paths of one arch and linked with that arch's objects, so native and Python figures
measure the same machine code: -O2 objects, or the -Og objects of the in-place development build
when that is the extension Python loads (see :func:`extension_is_develop_build`). Objects and
harness of each arch are apart (build/bench/dev-riscv64/harness). The same file linked as a shared
library (libharness.so beside it) gives bench/workloads.py the native samples it takes in turn with
Python's, in one process.

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
    from sel4vspace import _arches  # noqa: PLC0415 - here: bench/run.py imports this file before it needs C

    return "dev" in _arches.lowlevel(_arches.check(arch)).BUILD_FLAVOUR.split("-")


def build_harness(verbose: bool = False, sel4_libs: str | None = None, develop: bool = False,
                  arch: str | None = None, library: bool = False) -> Path:
    """Compile what changed and link build/bench/<flavour>/harness for ``arch`` (None: the default
    arch); returns its path. ``library``: build/bench/<flavour>/libharness.so instead, linked
    -Bsymbolic so that its own calls never bind to the extension's copies of the same functions.

    sel4_libs: the seL4_libs tree to build from ("vendor" for vendor/; util_libs beside it is used
    as the extension's build does); None keeps whatever SEL4VSPACE_SEL4_LIBS says. develop: from
    the -Og objects of the in-place development build instead of -O2 ones."""
    config, incremental = _buildsupport()
    if sel4_libs is not None:
        saved = os.environ.get(config.SEL4_LIBS_ENV)
        os.environ[config.SEL4_LIBS_ENV] = "" if sel4_libs == "vendor" else sel4_libs
        try:
            return build_harness(verbose=verbose, develop=develop, arch=arch, library=library)
        finally:
            if saved is None:
                os.environ.pop(config.SEL4_LIBS_ENV)
            else:
                os.environ[config.SEL4_LIBS_ENV] = saved
    if arch is None:
        from sel4vspace import _arches  # noqa: PLC0415

        arch = _arches.default()
    built = config.ARCHES[arch]
    objects = incremental.compile_objects(built, verbose=verbose, develop=develop)
    out_dir = config.BUILD / "bench" / config.flavour(built, develop)
    out_dir.mkdir(parents=True, exist_ok=True)
    harness = out_dir / ("libharness.so" if library else "harness")
    command = [config.compiler(), *config.compile_flags(built, develop),
               *[f"-I{d}" for d in config.include_dirs(built)],
               str(HARNESS_SOURCE), *map(str, objects), *config.link_flags(),
               *(["-shared", "-Wl,-Bsymbolic"] if library else []), "-o", str(harness)]
    stamp = harness.with_name(harness.name + ".cmd")
    if incremental.link_up_to_date(harness, stamp, command, [HARNESS_SOURCE, *objects]):
        return harness
    if verbose:
        print("cc", HARNESS_SOURCE.relative_to(ROOT), "->", harness.relative_to(ROOT), file=sys.stderr)
    result = subprocess.run(command, capture_output=True, text=True)
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        raise SystemExit("linking the benchmark harness failed")
    incremental.record_link(stamp, command)
    return harness


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
