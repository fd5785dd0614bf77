# SPDX-License-Identifier: BSD-2-Clause
"""Run the test suite against a build of the extension for another architecture.

    pip install -e '.[test]'
    python tools/arch_suite.py aarch64               # the whole suite, two workers
    python tools/arch_suite.py riscv64 -- -k model   # pytest arguments after --

What it does: builds the extension with ``SEL4VSPACE_ARCH=<arch>`` (objects in
build/obj/<arch>/, reused between runs) into a scratch directory outside the checkout, copies
src/sel4vspace there without its own built module, puts the new module in, and runs the suite from
the checkout with that copy first on ``PYTHONPATH``. The development build in src/ is left alone.
Tests read the architecture's facts from ``sel4vspace.lowlevel.arch.ARCH``, so the same suite
checks each architecture; a test that builds the C again builds it for ``<arch>`` too
(``SEL4VSPACE_ARCH`` is set for the run). Nothing is fetched. The exit status is pytest's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARCHES = ("x86_64", "aarch64", "riscv64")


def build(arch: str, scratch: Path) -> Path:
    """Build the extension for arch; return the scratch package directory to put on PYTHONPATH."""
    env = dict(os.environ, SEL4VSPACE_ARCH=arch)
    env.pop("PYTHONPATH", None)
    out = scratch / "cffi"
    command = [sys.executable, "-c", "import build_ffi, sys; build_ffi.make_ffibuilder().compile(tmpdir=sys.argv[1])",
               str(out)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"building the {arch} extension failed (exit status {result.returncode})")
    built = sorted((out / "sel4vspace").glob("_native*.so"))
    if len(built) != 1:
        raise SystemExit(f"expected one built module in {out / 'sel4vspace'}, found {built}")
    package = scratch / "pkg"
    shutil.copytree(ROOT / "src" / "sel4vspace", package / "sel4vspace",
                    ignore=shutil.ignore_patterns("_native*", "__pycache__"))
    shutil.copy2(built[0], package / "sel4vspace" / built[0].name)
    return package


def check_arch(arch: str, env: dict[str, str]) -> None:
    """The package on PYTHONPATH is the one just built, for arch (not the development build)."""
    probe = "import sel4vspace; from sel4vspace.lowlevel.arch import ARCH; print(ARCH.name, sel4vspace.__file__)"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True)
    name, _, where = result.stdout.strip().partition(" ")
    if result.returncode != 0 or name != arch or not where.startswith(env["PYTHONPATH"]):
        raise SystemExit(f"the scratch package does not import as the {arch} build: {result.stdout}{result.stderr}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("arch", choices=ARCHES)
    parser.add_argument("--workers", default="2", help="pytest-xdist workers (default 2)")
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to pytest")
    # everything after "--" goes to pytest, wherever the options before it stand
    argv = list(sys.argv[1:] if argv is None else argv)
    rest = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    args.pytest_args = [*args.pytest_args, *rest]
    with tempfile.TemporaryDirectory(prefix=f"sel4vspace-{args.arch}-") as scratch:
        started = time.monotonic()
        package = build(args.arch, Path(scratch))
        print(f"== {args.arch}: built in {time.monotonic() - started:.0f} s", flush=True)
        env = dict(os.environ, PYTHONPATH=str(package), SEL4VSPACE_ARCH=args.arch)
        check_arch(args.arch, env)
        started = time.monotonic()
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", args.workers,
                   *args.pytest_args]
        status = subprocess.run(command, cwd=ROOT, env=env).returncode
        print(f"== {args.arch}: suite ran in {time.monotonic() - started:.0f} s, exit status {status}", flush=True)
        return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
