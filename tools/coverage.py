# SPDX-License-Identifier: BSD-2-Clause
"""Line and branch coverage of the C under test (vendor/ and csrc/) after the test suite.

    pip install -e '.[test,coverage]'
    python tools/coverage.py                 # the suite without the slow tests
    python tools/coverage.py -- -k model     # pytest arguments after --

What it does: builds the extension of one arch (the one ``SEL4VSPACE_ARCH`` names, x86_64 by
default) with gcov instrumentation (SEL4VSPACE_COVERAGE=1; objects in build/obj/cov-<arch>/, the
cffi module in build/coverage/) into a scratch copy of the package, so the development build in
src/ is left alone; zeroes the counters; runs the suite against that copy (with that arch);
then asks gcovr for line and branch coverage of vendor/ and csrc/. It prints the summary, the
per-file table, the branch coverage of the sel4utils vspace sources and of every vspace.h
wrapper, and writes build/coverage/coverage.json and build/coverage/index.html.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "coverage"
ARCH = os.environ.get("SEL4VSPACE_ARCH", "").strip() or "x86_64"
OBJECTS = ROOT / "build" / "obj" / f"cov-{ARCH}"
WRAPPER_HEADER = "vendor/libsel4vspace/include/vspace/vspace.h"
SEL4UTILS_VSPACE = "vendor/libsel4utils/src/vspace/"


def run(command: list[str], env: dict[str, str], what: str) -> None:
    print(f"== {what}", flush=True)
    result = subprocess.run(command, cwd=ROOT, env=env)
    if result.returncode != 0:
        raise SystemExit(f"{what} failed (exit status {result.returncode})")


def build(env: dict[str, str]) -> Path:
    cffi_dir = OUT / "cffi"
    build_one = "import build_ffi, sys; build_ffi.make_ffibuilder(sys.argv[2]).compile(tmpdir=sys.argv[1])"
    run([sys.executable, "-c", build_one,
         str(cffi_dir), ARCH], env, f"building the instrumented {ARCH} extension")
    package = OUT / "pkg"
    shutil.rmtree(package, ignore_errors=True)
    shutil.copytree(ROOT / "src" / "sel4vspace", package / "sel4vspace",
                    ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    for built in (cffi_dir / "sel4vspace").glob(f"_native_{ARCH}*.so"):
        shutil.copy2(built, package / "sel4vspace" / built.name)
    return package


def zero_counters() -> None:
    for directory in (OBJECTS, OUT / "cffi"):
        for counts in directory.rglob("*.gcda"):
            counts.unlink()


def gcovr(*args: str) -> list[str]:
    return [sys.executable, "-m", "gcovr", "--root", str(ROOT), "--filter", str(ROOT / "vendor"),
            "--filter", str(ROOT / "csrc"), "--exclude-unreachable-branches", "--gcov-ignore-parse-errors",
            "--merge-mode-functions=merge-use-line-min", *args, str(OBJECTS), str(OUT / "cffi")]


def report(env: dict[str, str]) -> None:
    run(gcovr("--txt", "--txt-metric", "branch", "--txt-summary", "--json", str(OUT / "coverage.json"),
              "--html-details", str(OUT / "index.html")), env, "gcovr: vendor/ and csrc/")
    files = json.loads((OUT / "coverage.json").read_text())["files"]
    print("\n== the sel4utils vspace sources (target: 95% of branches)")
    total = taken = 0
    for entry in sorted(files, key=lambda e: e["file"]):
        if entry["file"].startswith(SEL4UTILS_VSPACE):
            count, hit = _branches(entry["lines"])
            total, taken = total + count, taken + hit
            print(f"  {entry['file']}: {hit}/{count} branches")
    if total:
        print(f"  together: {taken}/{total} = {100 * taken / total:.1f}%")
    print(f"\n== the vspace.h wrappers (target: every branch)")
    for entry in files:
        if entry["file"] == WRAPPER_HEADER:
            count, hit = _branches(entry["lines"])
            print(f"  {WRAPPER_HEADER}: {hit}/{count} branches")
            for line in entry["lines"]:
                missed = [b for b in line.get("branches", []) if not b["count"]]
                if missed:
                    print(f"    line {line['line_number']}: {len(missed)} branch(es) never taken")


def _branches(lines: list[dict]) -> tuple[int, int]:
    branches = [b for line in lines for b in line.get("branches", [])]
    return len(branches), sum(1 for b in branches if b["count"])


def main(argv: list[str]) -> None:
    try:
        import gcovr  # noqa: F401
    except ImportError:
        raise SystemExit("gcovr is not installed: pip install -e '.[coverage]'") from None
    pytest_args = argv[argv.index("--") + 1:] if "--" in argv else []
    env = dict(os.environ, SEL4VSPACE_COVERAGE="1")
    env.pop("SEL4VSPACE_SANITIZE", None)
    package = build(env)
    zero_counters()
    env_tests = dict(env, PYTHONPATH=os.pathsep.join([str(package), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
                     SEL4VSPACE_EXPECT_FLAVOUR="cov", SEL4VSPACE_ARCH=ARCH)
    run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow", *pytest_args],
        env_tests, "the test suite on the instrumented build")
    report(env)


if __name__ == "__main__":
    main(sys.argv[1:])
