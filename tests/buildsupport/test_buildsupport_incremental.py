# SPDX-License-Identifier: BSD-2-Clause
"""buildsupport.incremental: what is rebuilt, what is reused, how a failure is told."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from buildsupport import incremental

ROOT = Path(__file__).resolve().parents[2]


def _compile(cc: str, source: Path, obj: Path) -> list[str]:
    command = [cc, "-c", "-fPIC", "-MMD", "-MF", str(obj.with_suffix(".d")), str(source), "-o", str(obj)]
    subprocess.run(command, check=True)
    obj.with_suffix(".cmd").write_text(json.dumps(command))
    return command


def _older(path: Path, than: Path) -> None:
    """Give path a modification time before than's: than changed after path was made."""
    t = than.stat().st_mtime_ns - 2_000_000_000
    os.utime(path, ns=(t, t))


def _later(path: Path, than: Path) -> None:
    """Give path a modification time after than's (file systems with coarse timestamps too)."""
    t = than.stat().st_mtime_ns + 2_000_000_000
    os.utime(path, ns=(t, t))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "thing.h").write_text("int thing(void);\n")
    (tmp_path / "thing.c").write_text('#include "thing.h"\nint thing(void) { return 1; }\n')
    return tmp_path


def test_an_object_is_up_to_date_until_its_source_a_header_or_its_command_changes(cc, tree):
    obj = tree / "thing.o"
    command = _compile(cc, tree / "thing.c", obj)
    args = (obj, obj.with_suffix(".d"), command, obj.with_suffix(".cmd"))
    assert incremental.up_to_date(*args)
    assert not incremental.up_to_date(obj, obj.with_suffix(".d"), [*command, "-O1"], obj.with_suffix(".cmd"))

    _older(obj, tree / "thing.h")        # a header it included changed since
    assert not incremental.up_to_date(*args)
    command = _compile(cc, tree / "thing.c", obj)
    assert incremental.up_to_date(*args)
    _older(obj, tree / "thing.c")        # its source changed since
    assert not incremental.up_to_date(*args)

    command = _compile(cc, tree / "thing.c", obj)
    (tree / "thing.h").unlink()          # a header it included is gone: compile again, let gcc say why
    assert not incremental.up_to_date(*args)


def test_jobs_write_their_stamp_only_when_they_succeed(cc, tree):
    (tree / "broken.c").write_text("int broken(void) { return }\n")
    good, bad = tree / "good.stamp", tree / "bad.stamp"
    jobs = [([cc, "-c", str(tree / "thing.c"), "-o", str(tree / "thing.o")], "cc thing.c", good, "made"),
            ([cc, "-c", str(tree / "broken.c"), "-o", str(tree / "broken.o")], "cc broken.c", bad, "made")]
    with pytest.raises(SystemExit, match=r"cc broken\.c failed"):
        incremental._run_jobs(jobs, verbose=False)
    assert good.read_text() == "made"
    assert not bad.exists()


def test_defined_symbols_are_read_once_per_object_version(cc, tree):
    (tree / "other.c").write_text("int other(void) { return 2; }\nstatic int hidden(void) { return 3; }\n"
                                  "int (*use_hidden)(void) = hidden;\n")
    objects = [tree / "thing.o", tree / "other.o"]
    _compile(cc, tree / "thing.c", objects[0])
    _compile(cc, tree / "other.c", objects[1])
    assert incremental.defined_symbols(objects) == {"thing", "other", "use_hidden"}
    assert (tree / "other.syms").read_text().split() == ["other", "use_hidden"]

    (tree / "other.c").write_text("int other(void) { return 2; }\nint more(void) { return 4; }\n")
    _compile(cc, tree / "other.c", objects[1])
    _later(objects[1], tree / "other.syms")
    assert incremental.defined_symbols(objects) == {"thing", "other", "more"}


def test_the_link_check_names_each_missing_symbol(cc, tree):
    (tree / "caller.c").write_text("int nowhere_defined(int);\nint caller(void) { return nowhere_defined(1); }\n")
    subprocess.run([cc, "-c", "-fPIC", str(tree / "caller.c"), "-o", str(tree / "caller.o")], check=True)
    result = subprocess.run([cc, "-shared", "-o", str(tree / "check.so"), str(tree / "caller.o"), "-Wl,--no-undefined"],
                            capture_output=True, text=True)
    with pytest.raises(SystemExit, match="refers to symbols nothing defines: nowhere_defined"):
        incremental.link_check_failure(result.returncode, result.stderr)
    incremental.link_check_failure(0, "")   # a clean link passes


def test_importing_the_build_compiles_nothing_and_loads_no_cdef_generator():
    code = ("import sys, build_ffi, buildsupport.incremental\n"
            "assert 'pycparser' not in sys.modules and 'cffi' not in sys.modules, sorted(sys.modules)\n")
    before = {p: p.stat().st_mtime_ns for p in (ROOT / "build").rglob("*.o")} if (ROOT / "build").exists() else {}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    after = {p: p.stat().st_mtime_ns for p in (ROOT / "build").rglob("*.o")} if (ROOT / "build").exists() else {}
    assert before == after


def test_the_build_script_refuses_unknown_arguments():
    result = subprocess.run([sys.executable, "build_ffi.py", "--fast"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and "usage: python build_ffi.py [--release]" in result.stderr
