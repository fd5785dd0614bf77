# SPDX-License-Identifier: BSD-2-Clause
"""Source compatibility: vendor/ must build and behave as a seL4_libs checkout would.

The libraries of vendor/ are copied into a directory laid out like a seL4_libs checkout and the
extension is built from there through SEL4VSPACE_SEL4_LIBS, exactly as a user's checkout would be;
then the allocator and deferred-rights suites run against that build. The copy lives under build/
so that its objects, and cffi's module object, are reused by the next run: the build is the
incremental one of ``python build_ffi.py`` (buildsupport.incremental), at the optimisation level
of the extension under test, so after an edit of vendor/ only the edited files compile again (the
first run compiles everything: slow). pip's path through setuptools builds the same objects with
the same cdef (build_ffi.make_ffibuilder); CI runs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sel4vspace.lowlevel import SEL4_ARCH as ARCH
from sel4vspace.lowlevel import BUILD_FLAVOUR, BUILT_FROM

ROOT = Path(__file__).resolve().parents[2]
LIBS = ("libsel4vka", "libsel4vspace", "libsel4utils")

pytestmark = [
    pytest.mark.slow,
    # it builds the arches itself (the one under test; ARM's and RISC-V's from upstream): once, on the
    # default arch, not once per arch of the run as the rest of tests/allocator
    pytest.mark.sel4vspace_kernel(arch=ARCH),
    pytest.mark.skipif(BUILT_FROM != "vendor", reason="runs from the vendor build only (it builds the other one)"),
    pytest.mark.skipif(not (ROOT / "buildsupport").is_dir(), reason="needs the source tree"),
]


def _copy_as_checkout(target: Path) -> None:
    for lib in LIBS:
        # copy2 keeps modification times, so unchanged files do not trigger recompilation
        shutil.copytree(ROOT / "vendor" / lib, target / lib, dirs_exist_ok=True, copy_function=shutil.copy2)
        for stale in (target / lib).rglob("*"):
            if stale.is_file() and not (ROOT / "vendor" / lib / stale.relative_to(target / lib)).exists():
                stale.unlink()


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{what} failed:\n{output[-6000:]}"
    return output


def _build_from(checkout: Path, tmp_path: Path, arch: str = ARCH) -> dict[str, str]:
    """Build the extension of arch (by default the arch under test; SEL4VSPACE_ARCH, passed on to
    the tests run against it) from checkout into a scratch package; the environment that imports it."""
    env = dict(os.environ, SEL4VSPACE_SEL4_LIBS=str(checkout), SEL4VSPACE_ARCH=arch)
    env.pop("PYTHONPATH", None)
    package = tmp_path / "pkg"
    shutil.copytree(ROOT / "src" / "sel4vspace", package / "sel4vspace",
                    ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    develop = "dev" in BUILD_FLAVOUR.split("-")
    _run([sys.executable, "-c",
          "import sys; from pathlib import Path; from buildsupport.config import ARCHES; "
          "from buildsupport.incremental import build_in_place; "
          "build_in_place([ARCHES[sys.argv[3]]], verbose=False, develop=sys.argv[2] == 'dev', "
          "package_dir=Path(sys.argv[1]))",
          str(package / "sel4vspace"), "dev" if develop else "release", arch], env, "the build")
    assert sorted((package / "sel4vspace").glob(f"_native_{arch}*.so")), "no extension was built"
    env["PYTHONPATH"] = str(package)
    return env


def test_vendor_builds_and_passes_as_an_external_checkout(tmp_path):
    checkout = ROOT / "build" / "compat-seL4_libs"
    _copy_as_checkout(checkout)

    # 1. build the extension from the checkout, into a scratch package
    env = _build_from(checkout, tmp_path)

    # 2. the package says where its libraries came from
    said = _run([sys.executable, "-c", "from sel4vspace.lowlevel import BUILT_FROM; print(BUILT_FROM)"], env,
                "importing the external build").strip().splitlines()[-1]
    assert said == str(checkout.resolve())

    # 3. the allocator and deferred-rights suites pass against it (the fixes are there: no xfail)
    env["SEL4VSPACE_TEST_VENDOR_COPY"] = "1"
    report = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   "tests/deferred", "tests/allocator", "-m", "not slow"], env, "the suites on the external build")
    summary = report.strip().splitlines()[-1]
    passed = int(summary.split(" passed")[0].split()[-1])
    # (strict xfails are fine: "4 xfailed" is not a failure)
    assert passed >= 70 and not re.search(r"\d+ (failed|errors?)\b", summary), summary


def test_a_tree_with_a_known_defect_is_told_so_by_name(tmp_path):
    """A copy of vendor/ with one upstream defect put back (the vspace_map_pages wrapper checking the
    new_pages field): built as a user's tree, the wrapper suites that hold the defect's tests (the
    dispatch table and every argument of every wrapper) run isolated, the defect's test is an
    expected failure (it segfaults in its child), and the verdict names exactly that defect."""
    checkout = ROOT / "build" / "compat-defective-seL4_libs"
    _copy_as_checkout(checkout)
    header = checkout / "libsel4vspace" / "include" / "vspace" / "vspace.h"
    text = header.read_text()
    good = 'vspace_log_if(vspace->map_pages == NULL, ZF_LOG_ERROR, __func__, "vspace->map_pages is NULL")'
    assert text.count(good) == 1
    header.write_text(text.replace(good, good.replace("vspace->map_pages ==", "vspace->new_pages ==")))
    # The defective header is a function of vendor's: it keeps vendor's modification time, so the
    # objects built from it last time stay valid until vendor's header changes.
    os.utime(header, ns=(header.stat().st_atime_ns, (ROOT / "vendor" / header.relative_to(checkout)).stat().st_mtime_ns))
    env = _build_from(checkout, tmp_path)
    suites = ["tests/wrappers/test_vspace_table.py", "tests/wrappers/test_dispatch_arguments.py"]
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *suites],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    verdict = [line for line in result.stdout.splitlines() if line.startswith("upstream defects present: ")]
    assert result.returncode == 0, result.stdout[-4000:]
    assert verdict and verdict[0].startswith("upstream defects present: map-pages-wrapper-checks-new-pages; "), verdict
    # two suites of the whole: the verdict says the other defects were not run, not that they are gone
    assert "; unexpected failures: 0; not run in this selection: " in verdict[0], verdict
    assert verdict[0].endswith(" defects (run the whole suite to check them)"), verdict
    assert "crashed: the interpreter died of SIGSEGV" in result.stdout or "xfailed" in result.stdout


#: A checkout of upstream seL4_libs (with util_libs beside it) to build as a user's tree.
UPSTREAM_SEL4_LIBS = Path(os.environ.get("SEL4VSPACE_TEST_UPSTREAM_SEL4_LIBS", "~/upstream/seL4_libs")).expanduser()


@pytest.mark.skipif(not (UPSTREAM_SEL4_LIBS / "libsel4utils").is_dir(),
                    reason=f"no upstream seL4_libs checkout at {UPSTREAM_SEL4_LIBS} "
                           "(SEL4VSPACE_TEST_UPSTREAM_SEL4_LIBS names one)")
@pytest.mark.parametrize("arch", ["aarch64", "riscv64"])
def test_upstream_builds_and_links_for_arm_and_risc_v(tmp_path, arch):
    """Upstream's sel4utils calls the ARM cache-maintenance invocations (seL4_ARM_Page_Unify_Instruction
    after writing a page it may execute; seL4_ARM_VSpace_* in its AArch64 cache.h), and issues RISC-V's
    fence.i as inline assembly in the same place: built unmodified for each, every symbol it refers to
    is defined (the build's link check) and the module imports."""
    env = _build_from(UPSTREAM_SEL4_LIBS, tmp_path, arch=arch)
    said = _run([sys.executable, "-c", "from sel4vspace.lowlevel import BUILT_FROM, SEL4_ARCH; "
                 "print(SEL4_ARCH, BUILT_FROM)"], env, "importing the upstream build").strip().splitlines()[-1]
    assert said == f"{arch} {UPSTREAM_SEL4_LIBS.resolve()}"
