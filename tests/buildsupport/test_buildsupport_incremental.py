# SPDX-License-Identifier: BSD-2-Clause
"""buildsupport.incremental: what is rebuilt, for which arch, what is reused, how a failure is told."""

from __future__ import annotations

import json
import os
import runpy
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest
from buildsupport import cdef, config, incremental

ROOT = Path(__file__).resolve().parents[2]


def _compile(cc: str, source: Path, obj: Path) -> list[str]:
    """Compile as a build job does: the stamp's record taken before the compiler runs."""
    command = [cc, "-c", "-fPIC", "-MMD", "-MF", str(obj.with_suffix(".d")), str(source), "-o", str(obj)]
    stamp = incremental.stamp_text(command, source, obj.with_suffix(".d"))
    subprocess.run(command, check=True)
    obj.with_suffix(".cmd").write_text(stamp)
    return command


def _later(path: Path, than: Path) -> None:
    """Give path a modification time after than's (file systems with coarse timestamps too)."""
    t = than.stat().st_mtime_ns + 2_000_000_000
    os.utime(path, ns=(t, t))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A source and its header, last changed a minute ago (a checkout's files are older than a
    build: a file changed within a moment of a compile's start counts as changed during it)."""
    (tmp_path / "thing.h").write_text("int thing(void);\n")
    (tmp_path / "thing.c").write_text('#include "thing.h"\nint thing(void) { return 1; }\n')
    _age(tmp_path / "thing.h", tmp_path / "thing.c")
    return tmp_path


def _age(*paths: Path) -> None:
    """Date files a minute back, as a checkout's are by the time it is built."""
    a_minute_ago = time.time_ns() - 60_000_000_000
    for path in paths:
        os.utime(path, ns=(a_minute_ago, a_minute_ago))


def test_an_object_is_up_to_date_until_its_source_a_header_or_its_command_changes(cc, tree):
    obj = tree / "thing.o"
    command = _compile(cc, tree / "thing.c", obj)
    args = (obj, obj.with_suffix(".d"), command, obj.with_suffix(".cmd"))
    assert incremental.up_to_date(*args)
    assert not incremental.up_to_date(obj, obj.with_suffix(".d"), [*command, "-O1"], obj.with_suffix(".cmd"))

    _later(tree / "thing.h", obj)        # a header it included changed since
    assert not incremental.up_to_date(*args)
    command = _compile(cc, tree / "thing.c", obj)
    assert incremental.up_to_date(*args)
    _later(tree / "thing.c", obj)        # its source changed since
    assert not incremental.up_to_date(*args)

    command = _compile(cc, tree / "thing.c", obj)
    (tree / "thing.h").unlink()          # a header it included is gone: compile again, let gcc say why
    assert not incremental.up_to_date(*args)


def test_a_source_changed_as_the_object_was_written_is_compiled_again(cc, tree):
    """A file changed while the compiler ran, or in the file system clock's tick after the object
    was written (a git stash pop right after a build), is no newer than the object; the modification
    times recorded when the compile started tell it apart."""
    for changed in ("thing.c", "thing.h"):      # after a first compile, which knew no header yet
        obj = tree / "thing.o"
        command = _compile(cc, tree / "thing.c", obj)
        args = (obj, obj.with_suffix(".d"), command, obj.with_suffix(".cmd"))
        path = tree / changed
        path.write_text(path.read_text() + "\n")
        made = obj.stat().st_mtime_ns
        os.utime(path, ns=(made, made))
        assert not incremental.up_to_date(*args), changed
        obj.unlink()
    obj = tree / "thing.o"
    command = _compile(cc, tree / "thing.c", obj)
    args = (obj, obj.with_suffix(".d"), command, obj.with_suffix(".cmd"))
    _compile(cc, tree / "thing.c", obj)          # the second compile knows the header from the first
    assert incremental.up_to_date(*args)
    for changed in ("thing.c", "thing.h"):
        path = tree / changed
        path.write_text(path.read_text() + "\n")
        made = obj.stat().st_mtime_ns
        os.utime(path, ns=(made, made))          # the same time as the object: older would be the same
        assert not incremental.up_to_date(*args), changed
        command = _compile(cc, tree / "thing.c", obj)
        assert incremental.up_to_date(*args)


def test_a_stamp_of_the_earlier_format_means_compile_again(cc, tree):
    obj = tree / "thing.o"
    command = _compile(cc, tree / "thing.c", obj)
    obj.with_suffix(".cmd").write_text(json.dumps(command))
    assert not incremental.up_to_date(obj, obj.with_suffix(".d"), command, obj.with_suffix(".cmd"))
    obj.with_suffix(".cmd").write_text("not json")
    assert not incremental.up_to_date(obj, obj.with_suffix(".d"), command, obj.with_suffix(".cmd"))


def test_jobs_write_their_stamp_only_when_they_succeed(cc, tree):
    (tree / "broken.c").write_text("int broken(void) { return }\n")
    good, bad = tree / "good.stamp", tree / "bad.stamp"
    jobs = [incremental.Job([cc, "-c", str(tree / f"{name}.c"), "-o", str(tree / f"{name}.o")], f"cc {name}.c", stamp,
                            "made") for name, stamp in (("thing", good), ("broken", bad))]
    with pytest.raises(SystemExit, match=r"cc broken\.c failed"):
        incremental._run_jobs(jobs, verbose=False)
    assert good.read_text() == "made"
    assert not bad.exists()


def _warning_jobs(cc: str, sources: list[Path], out: Path) -> tuple[list[Path], list[incremental.Job]]:
    """Compile jobs of ``sources`` with the build's warning flags, as a build from a tree plans them."""
    objects, jobs = [], []
    for source in sources:
        obj = out / source.with_suffix(".o").name
        command = [cc, *config.WARNING_FLAGS, f"-I{source.parent}", "-c", str(source), "-o", str(obj)]
        objects.append(obj)
        jobs.append(incremental.Job(command, f"cc {source.name}", obj.with_suffix(".cmd"), "made",
                                    obj.with_suffix(".warnings")))
    return objects, jobs


def test_a_tree_s_warnings_go_to_a_file_and_one_line_counts_them(cc, tmp_path, capsys, monkeypatch):
    """The C of a user's tree draws -Wextra warnings (upstream's: 20 distinct, 36 printed for
    x86_64): they are kept, and counted on one line, not printed; ours are printed, and so is
    everything a failed compile says."""
    user, ours, out = tmp_path / "seL4_libs", tmp_path / "csrc", tmp_path / "obj"
    for folder in (user, ours, out):
        folder.mkdir()
    (user / "tree.h").write_text("static inline int helper(int spare) { return 1; }\n")
    (user / "lib.c").write_text('#include "tree.h"\nint lib(int size_bits) { return helper(0); }\n')
    (ours / "uses_tree.c").write_text(f'#include "{user}/tree.h"\nint uses(void) {{ return helper(1); }}\n')
    (ours / "own.c").write_text("int own(int ignored) { return 0; }\n")
    monkeypatch.setattr(incremental, "tree_roots", lambda: [user])
    arch = config.ARCHES["x86_64"]
    objects, jobs = _warning_jobs(cc, [user / "lib.c", ours / "uses_tree.c", ours / "own.c"], out)
    incremental._run_jobs(jobs, verbose=False)
    printed = capsys.readouterr().err
    assert "ignored" in printed                                        # ours: printed
    assert "spare" not in printed and "size_bits" not in printed     # the tree's, even through our source
    line = incremental.tree_warnings_line(arch, objects, out)
    gathered = out / incremental.TREE_WARNINGS
    # the header's warning, seen by two compiles, counts once
    assert line == (f"x86_64: 2 compiler warnings in the C of {user} (2 -Wunused-parameter), "
                    f"not shown: they are in {gathered}")
    assert gathered.read_text().count("helper") >= 2 and "size_bits" in gathered.read_text()
    assert not (out / "own.warnings").exists()
    # a failed compile of the tree's C says everything, its warnings with its error
    (user / "lib.c").write_text('#include "tree.h"\nint lib(int size_bits) { return helper(0) }\n')
    with pytest.raises(SystemExit, match=r"cc lib\.c failed"):
        incremental._run_jobs(_warning_jobs(cc, [user / "lib.c"], out)[1], verbose=False)
    printed = capsys.readouterr().err
    assert "error" in printed and "size_bits" in printed
    # fixed, and warning of nothing: nothing kept, no line, no file
    (user / "lib.c").write_text("int lib(void) { return 0; }\n")
    (ours / "uses_tree.c").write_text("int uses(void) { return 1; }\n")
    incremental._run_jobs(_warning_jobs(cc, [user / "lib.c", ours / "uses_tree.c"], out)[1], verbose=False)
    assert incremental.tree_warnings_line(arch, objects, out) is None and not gathered.exists()


def test_a_build_of_vendor_keeps_no_warning_aside(monkeypatch):
    """vendor/ and csrc/ are ours, built warning-free with the strict flags: any warning of theirs is
    printed, never kept in a file."""
    monkeypatch.delenv(config.SEL4_LIBS_ENV, raising=False)
    monkeypatch.delenv(config.UTIL_LIBS_ENV, raising=False)
    assert incremental.tree_roots() == []
    _, jobs = incremental.plan_objects(config.ARCHES["x86_64"])
    assert all(job.tree_warnings is None for job in jobs)
    assert {"-Wall", "-Wextra"} <= set(config.compile_flags(config.ARCHES["x86_64"]))
    assert not incremental.keep_tree_warnings("x.c:1:2: warning: unused [-Wunused-parameter]\n", 0,
                                              None, [])


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
    missing = r"the C under test \(aarch64\) refers to symbols nothing defines: nowhere_defined"
    with pytest.raises(SystemExit, match=missing):
        incremental.link_check_failure(config.ARCHES["aarch64"], result.returncode, result.stderr)
    incremental.link_check_failure(config.ARCHES["x86_64"], 0, "")   # a clean link passes


def test_importing_the_build_compiles_nothing_and_loads_no_cdef_generator(tmp_path):
    """In a copy of the build alone (no sources, no build folder; other tests may be building in
    this checkout's meanwhile): importing it and listing setup.py's builders makes nothing."""
    shutil.copy2(ROOT / "build_ffi.py", tmp_path / "build_ffi.py")
    shutil.copytree(ROOT / "buildsupport", tmp_path / "buildsupport", ignore=shutil.ignore_patterns("__pycache__"))
    code = ("import sys, build_ffi, buildsupport.incremental\n"
            "assert 'pycparser' not in sys.modules and 'cffi' not in sys.modules, sorted(sys.modules)\n"
            "print(*build_ffi.cffi_modules())\n")
    result = subprocess.run([sys.executable, "-B", "-c", code], cwd=tmp_path, capture_output=True, text=True,
                            env=_without_build_variables())
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.split()) == len(config.ARCHES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build_ffi.py", "buildsupport"]


def _without_build_variables() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if not name.startswith("SEL4VSPACE_")}


def test_the_build_script_refuses_unknown_arguments():
    result = subprocess.run([sys.executable, "build_ffi.py", "--fast"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and "usage: python build_ffi.py [--release]" in result.stderr


@pytest.mark.parametrize(("given", "modules"), [
    ("", ["x86_64", "aarch64", "riscv64"]),
    ("riscv64, x86_64", ["x86_64", "riscv64"]),
])
def test_setup_gets_one_builder_per_arch_of_the_variable(given, modules):
    code = "import build_ffi; print(*build_ffi.cffi_modules())"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            env=dict(os.environ, SEL4VSPACE_ARCHES=given))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [f"build_ffi.py:make_ffibuilder_{arch}" for arch in modules]
    import build_ffi  # noqa: PLC0415 - beside buildsupport, on the path conftest set

    assert all(callable(getattr(build_ffi, f"make_ffibuilder_{arch}")) for arch in config.ARCHES)


def test_the_build_script_refuses_an_unknown_arch_before_compiling_anything():
    result = subprocess.run([sys.executable, "build_ffi.py"], cwd=ROOT, capture_output=True, text=True,
                            env=dict(os.environ, SEL4VSPACE_ARCHES="x86_64,sparc"))
    assert result.returncode == 1
    assert result.stderr.strip() == ("SEL4VSPACE_ARCHES='x86_64,sparc' names no such arch: sparc "
                                     "(valid names: x86_64, aarch64, riscv64)")


def test_the_pool_runs_at_most_its_width_at_once_for_every_caller(tmp_path):
    """Two callers (two arches' builds) share one pool of two: never more than two commands run."""
    running, seen = tmp_path / "running", tmp_path / "seen"
    running.mkdir()
    step = f'touch {running}/$0; sleep 0.1; ls {running} | wc -l >> {seen}; rm {running}/$0'
    with incremental.JobPool(width=2) as pool:
        futures = [pool.submit(["sh", "-c", step, f"{caller}-{n}"], f"job {caller}-{n}")
                   for n in range(4) for caller in ("a", "b")]
        assert all(f.result().returncode == 0 for f in futures)
    counts = [int(line) for line in seen.read_text().split()]
    assert len(counts) == 8 and max(counts) == 2


def test_after_a_failure_the_pool_starts_nothing_new(tmp_path):
    with incremental.JobPool(width=1) as pool:
        failing = pool.submit(["sh", "-c", "exit 3"], "cc broken.c [x86_64]")
        later = pool.submit(["touch", str(tmp_path / "ran")], "cc later.c [aarch64]")
        assert failing.result().returncode == 3
        told = r"cc later\.c \[aarch64\]: not started, cc broken\.c \[x86_64\] failed"
        with pytest.raises(incremental.Stopped, match=told):
            later.result()
    assert not (tmp_path / "ran").exists()


# ---- the in-place build of every arch, on a toy tree ----

THING_C = ('#include "thing.h"\n#ifdef SEL4VSPACE_SEL4_ARCH_AARCH64\nint thing(void) { return 64; }\n'
           '#else\nint thing(void) { return 86; }\n#endif\n')
LOAD = (
    "import importlib.util, sys\n"
    "for path in sys.argv[1:]:\n"
    "    name = 'sel4vspace.' + path.rsplit('/', 1)[1].split('.')[0]\n"
    "    spec = importlib.util.spec_from_file_location(name, path)\n"
    "    module = importlib.util.module_from_spec(spec)\n"
    "    spec.loader.exec_module(module)\n"
    "    print(name, module.lib.thing())\n"
)


@pytest.fixture
def toy(monkeypatch, tmp_path: Path, cc) -> Path:
    """One C file and its header stand in for the C under test, binding.h includes the header;
    the build's sources, include folders and build folder are the toy's. Returns its root."""
    for name in (config.ARCHES_ENV, config.SEL4_LIBS_ENV, config.UTIL_LIBS_ENV, config.SANITIZE_ENV,
                 config.COVERAGE_ENV, config.LOG_LEVEL_ENV, config.CFLAGS_ENV):
        monkeypatch.delenv(name, raising=False)
    src = tmp_path / "src"
    src.mkdir()
    (src / "thing.h").write_text("int thing(void);\n")
    (src / "thing.c").write_text(THING_C)
    (src / "binding.h").write_text('#include "thing.h"\n')
    _age(src / "thing.h", src / "thing.c", src / "binding.h")
    preprocess = lambda arch, extra: [cc, "-E", *arch.defines, f"-I{src}", *extra, "-"]  # noqa: E731
    monkeypatch.setattr(incremental, "ROOT", tmp_path)
    monkeypatch.setattr(incremental, "BUILD", tmp_path / "build")
    monkeypatch.setattr(incremental, "c_sources", lambda arch: [src / "thing.c"])
    monkeypatch.setattr(incremental, "include_dirs", lambda arch: [src])
    monkeypatch.setattr(incremental, "module_include_dirs", lambda arch: [str(src)])
    monkeypatch.setattr(incremental, "cdef_preprocess_command", preprocess)
    monkeypatch.setattr(cdef, "cdef_preprocess_command", preprocess)
    monkeypatch.setattr(cdef, "ROOT", tmp_path)   # the toy's headers are the cdef's own
    return tmp_path


def _steps(capsys) -> list[str]:
    return sorted(capsys.readouterr().err.splitlines())


def test_the_in_place_build_makes_one_module_per_arch_and_an_edit_rebuilds_it_once_per_arch(toy, capsys):
    arches = [config.ARCHES["x86_64"], config.ARCHES["aarch64"]]
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    package = toy / "pkg" / "sel4vspace"
    package.mkdir(parents=True)
    for leftover in ("_native" + suffix, "_native.abi3.so", "_native_x86_64.abi3.so", "_native_riscv64" + suffix):
        (package / leftover).write_bytes(b"an earlier build")

    built = incremental.build_in_place(arches, verbose=True, develop=True, package_dir=package)
    assert [p.name for p in built] == [f"_native_x86_64{suffix}", f"_native_aarch64{suffix}"]
    first = _steps(capsys)
    for arch in ("x86_64", "aarch64"):
        assert f"cc src/thing.c [{arch}]" in first and f"cffi module source [{arch}]" in first
        assert f"cc _native_{arch}.c (the cffi module) [{arch}]" in first and f"link _native_{arch}{suffix}" in first
    # the single-module layout's extension and another build of a built arch are gone; the
    # module of an arch not built stays
    assert sorted(p.name for p in package.iterdir()) == sorted(
        [f"_native_x86_64{suffix}", f"_native_aarch64{suffix}", f"_native_riscv64{suffix}"])
    assert (toy / "build" / "obj" / "dev-aarch64" / "cdef.h").read_text() == "int thing(void);\n"

    # both modules define thing(): loaded side by side, each keeps its own
    result = subprocess.run([sys.executable, "-c", LOAD, *map(str, built)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["sel4vspace._native_x86_64 86", "sel4vspace._native_aarch64 64"]

    # nothing changed: nothing is done
    assert incremental.build_in_place(arches, verbose=True, develop=True, package_dir=package) == built
    assert _steps(capsys) == []

    # an edit of the C file: that file once per arch, each module relinked (and its link
    # checked); the cdef and cffi's module source stay
    thing = toy / "src" / "thing.c"
    thing.write_text(THING_C + "/* an edit */\n")
    _later(thing, toy / "build" / "obj" / "dev-x86_64" / "src" / "thing.o")
    incremental.build_in_place(arches, verbose=True, develop=True, package_dir=package)
    assert _steps(capsys) == sorted([
        "cc src/thing.c [x86_64]", "cc src/thing.c [aarch64]", "link check [x86_64]", "link check [aarch64]",
        f"link _native_x86_64{suffix}", f"link _native_aarch64{suffix}"])


def test_a_failed_compile_names_its_arch_and_installs_nothing(toy, capsys):
    (toy / "src" / "thing.c").write_text(THING_C.replace("return 64;", "return 64"))
    package = toy / "pkg"
    with pytest.raises(SystemExit, match=r"^aarch64: cc src/thing\.c \[aarch64\] failed$"):
        incremental.build_in_place([config.ARCHES["x86_64"], config.ARCHES["aarch64"]], verbose=False,
                                   package_dir=package)
    assert "error: expected" in capsys.readouterr().err
    assert not package.exists()


def test_each_setuptools_builder_compiles_every_chosen_arch_through_one_pool(toy, capsys, monkeypatch, tmp_path):
    """pip's path: the first arch's builder compiles the objects of every arch of
    SEL4VSPACE_ARCHES, the next finds them up to date; each builder is its own arch's module."""
    import build_ffi  # noqa: PLC0415 - beside buildsupport, on the path conftest set

    monkeypatch.setenv(config.ARCHES_ENV, "riscv64 x86_64")
    builder = build_ffi.make_ffibuilder_x86_64()
    steps = _steps(capsys)
    assert "cc src/thing.c [x86_64]" not in steps   # not verbose: nothing said ...
    for arch in ("x86_64", "riscv64"):   # ... but both arches' objects were made
        assert (toy / "build" / "obj" / arch / "src" / "thing.o").exists()
    assert not (toy / "build" / "obj" / "aarch64").exists()
    objects = incremental.compile_arches([config.ARCHES["riscv64"]], verbose=True)
    assert _steps(capsys) == [] and objects == {"riscv64": [toy / "build" / "obj" / "riscv64" / "src" / "thing.o"]}

    built = Path(builder.compile(tmpdir=str(tmp_path / "cffi")))
    assert built.name.startswith("_native_x86_64.")
    riscv = Path(build_ffi.make_ffibuilder_riscv64().compile(tmpdir=str(tmp_path / "cffi")))
    assert riscv.name.startswith("_native_riscv64.")
    result = subprocess.run([sys.executable, "-c", LOAD, str(built), str(riscv)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["sel4vspace._native_x86_64 86", "sel4vspace._native_riscv64 86"]


def test_a_builder_of_an_unknown_arch_is_refused(toy):
    import build_ffi  # noqa: PLC0415 - beside buildsupport, on the path conftest set

    with pytest.raises(SystemExit, match=r"no seL4 architecture 'arm' \(valid names: x86_64, aarch64, riscv64\)"):
        build_ffi.make_ffibuilder("arm")


def test_a_link_failure_of_an_external_tree_says_the_arches_can_be_chosen(monkeypatch, tmp_path):
    for lib in config.SEL4_LIBS:
        (tmp_path / lib / "include").mkdir(parents=True)
    monkeypatch.setenv(config.SEL4_LIBS_ENV, str(tmp_path))
    monkeypatch.delenv(config.UTIL_LIBS_ENV, raising=False)
    stderr = "mapping.o: in function `f':\nmapping.c:(.text+0x1): undefined reference to `seL4_ARM_Page_Flush'\n"
    told = (r"the C under test \(aarch64\) refers to symbols nothing defines: seL4_ARM_Page_Flush "
            rf"\(built from {tmp_path.resolve()}, libutils from vendor; "
            r"SEL4VSPACE_ARCHES chooses which arches are built\)$")
    with pytest.raises(SystemExit, match=told):
        incremental.link_check_failure(config.ARCHES["aarch64"], 1, stderr)


def test_installing_one_build_of_a_module_removes_its_other_builds(tmp_path: Path):
    """Python imports the first suffix it tries: a leftover build of the same module under another
    suffix would be what runs (the in-place build after pip install -e ., or the other way round)."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    names = [f"_native_x86_64{suffix}", "_native_x86_64.abi3.so", "_native_x86_64.so", "_native_aarch64.abi3.so",
             "_native_x86_64_extra.abi3.so", "_native_x86_64.c", "_native_x86_64.abi3.so.tmp"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    incremental.remove_other_builds(tmp_path / "_native_x86_64.abi3.so")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["_native_x86_64.abi3.so", "_native_aarch64.abi3.so", "_native_x86_64_extra.abi3.so", "_native_x86_64.c",
         "_native_x86_64.abi3.so.tmp"])


def test_installing_the_same_bytes_again_marks_the_module_as_new_as_its_build(tmp_path: Path):
    """A rebuild after an edit was undone (or a comment changed) links the same bytes: the installed
    module is not rewritten, but it is as new as the sources just checked, which is what the test
    run's staleness warning compares."""
    linked, target_dir = tmp_path / "build" / "_native_x86_64.so", tmp_path / "pkg"
    linked.parent.mkdir()
    target_dir.mkdir()
    linked.write_bytes(b"module")
    (target_dir / linked.name).write_bytes(b"module")
    os.utime(target_dir / linked.name, (1_000_000, 1_000_000))
    installed = incremental._install(config.ARCHES["x86_64"], linked, target_dir)
    assert installed.read_bytes() == b"module" and installed.stat().st_mtime > 1_000_000


def test_a_link_is_up_to_date_until_its_command_or_an_input_changes(tmp_path: Path):
    """The rule of every link of the build (the extension, the link check, the benchmark harness):
    the same command recorded and no input newer than the target."""
    obj, target, stamp = tmp_path / "a.o", tmp_path / "a.so", tmp_path / "a.so.cmd"
    obj.write_bytes(b"object")
    command = ["cc", "-shared", str(obj), "-o", str(target)]
    assert not incremental.link_up_to_date(target, stamp, command, [obj])          # never linked
    target.write_bytes(b"linked")
    _later(target, obj)
    assert not incremental.link_up_to_date(target, stamp, command, [obj])          # no record of how
    incremental.record_link(stamp, command)
    assert incremental.link_up_to_date(target, stamp, command, [obj])
    assert not incremental.link_up_to_date(target, stamp, [*command, "-O2"], [obj])  # another command
    _later(obj, target)
    assert not incremental.link_up_to_date(target, stamp, command, [obj])          # an input changed
    _later(target, obj)
    obj.unlink()
    assert not incremental.link_up_to_date(target, stamp, command, [obj])          # an input is gone


# ---- what is left in the package folder a build installs from ----

def _setup_py_build_ext(monkeypatch) -> type:
    """setup.py's build_ext command class, read without running setup() (that would build every arch)."""
    import setuptools  # noqa: PLC0415 - only the tests of setup.py need it

    given: dict[str, object] = {}
    monkeypatch.setattr(setuptools, "setup", lambda **kwargs: given.update(kwargs))
    monkeypatch.setattr(sys, "path", list(sys.path))   # setup.py puts its folder first
    runpy.run_path(str(ROOT / "setup.py"))
    return given["cmdclass"]["build_ext"]  # type: ignore[index]


@pytest.mark.parametrize("inplace", [False, True], ids=["wheel", "editable"])
def test_a_setuptools_build_leaves_exactly_the_arches_it_built(monkeypatch, tmp_path, cc, inplace):
    """A first `pip install .` built every arch into build/lib.*/sel4vspace; a second, of x86_64
    alone (from the user's tree), must not leave the other arches' modules there for its wheel to
    ship: they would run the first build's C under those arches' names."""
    from setuptools import Distribution, Extension  # noqa: PLC0415 - only the tests of setup.py need it

    build_ext = _setup_py_build_ext(monkeypatch)
    monkeypatch.chdir(tmp_path)
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    package = tmp_path / ("src" if inplace else "lib") / "sel4vspace"
    package.mkdir(parents=True)
    earlier = [f"_native_{arch}{suffix}" for arch in config.ARCHES] + ["_native_aarch64.abi3.so"]
    for name in earlier:
        (package / name).write_bytes(b"an earlier build")
    for name in ("__init__.py", "_native_aarch64.c", "other.abi3.so"):   # not a build of an arch's module
        (package / name).write_text("")
    (tmp_path / "toy.c").write_text("int toy(void) { return 1; }\n")
    dist = Distribution({"name": "sel4vspace", "package_dir": {"": "src"},
                         "ext_modules": [Extension("sel4vspace._native_x86_64", ["toy.c"])]})
    command = build_ext(dist)
    command.build_lib, command.build_temp = str(tmp_path / "lib"), str(tmp_path / "temp")
    command.inplace, command.force = inplace, True
    command.ensure_finalized()
    command.run()
    assert sorted(p.name for p in package.iterdir()) == sorted(
        [f"_native_x86_64{suffix}", "__init__.py", "_native_aarch64.c", "other.abi3.so"])
    assert (package / f"_native_x86_64{suffix}").read_bytes() != b"an earlier build"


def _with_build_record(toy: Path, monkeypatch) -> Path:
    """The toy compiles the build's record (csrc/binding/src/build_info.c) too; returns its source folder."""
    src = toy / "src"
    shutil.copy2(ROOT / "csrc" / "binding" / "src" / "build_info.c", src / "build_info.c")
    (src / "sel4vspace_binding").mkdir()
    shutil.copy2(ROOT / "csrc" / "binding" / "include" / "sel4vspace_binding" / "build_info.h",
                 src / "sel4vspace_binding" / "build_info.h")
    monkeypatch.setattr(incremental, "c_sources", lambda arch: [src / "thing.c", src / "build_info.c"])
    return src


def test_replacing_a_module_built_from_another_tree_says_so_naming_both(toy, capsys, monkeypatch, tmp_path):
    """An in-place build of x86_64 from vendor/ replaces a module built from the user's tree (and
    then the other way round): said, with both trees, read from the module files themselves (what
    sel4vspace.lowlevel.BUILT_FROM reports, without loading them)."""
    src = _with_build_record(toy, monkeypatch)
    checkout = tmp_path / "seL4_libs"
    for lib in config.SEL4_LIBS:
        (checkout / lib).mkdir(parents=True)
    x86_64 = [config.ARCHES["x86_64"]]
    package = toy / "pkg" / "sel4vspace"
    package.mkdir(parents=True)
    # `pip install -e .` from the tree left its abi3 build, which Python imported
    left = package / "_native_x86_64.abi3.so"
    left.write_bytes(b"\x7fELF...sel4vspace build record\0ext-0123abcd-x86_64\0" + str(checkout).encode() + b"\0...")
    assert incremental.build_record(left.read_bytes()) == ("ext-0123abcd-x86_64", str(checkout), "...")
    note = ("warning: {module} was built from {old}; this build is from {new}\n"
            "  (SEL4VSPACE_SEL4_LIBS chose it; unset, python build_ffi.py builds the tree of the modules it "
            "replaces)\n")

    [built] = incremental.build_in_place(x86_64, verbose=False, package_dir=package)
    shown = Path("pkg", "sel4vspace")
    assert capsys.readouterr().err == note.format(module=shown / left.name, old=checkout, new="vendor")
    assert incremental.build_record(built.read_bytes()) == ("dev-x86_64", "vendor", "vendor")
    assert not left.exists()

    monkeypatch.setenv(config.SEL4_LIBS_ENV, str(checkout))   # now the other way round
    incremental.build_in_place(x86_64, verbose=False, package_dir=package)
    assert capsys.readouterr().err == note.format(module=shown / built.name, old="vendor", new=checkout.resolve())
    assert incremental.build_record(built.read_bytes()) == (config.flavour(x86_64[0], True), str(checkout.resolve()),
                                                            "vendor")

    (src / "thing.c").write_text(THING_C.replace("return 86;", "return 87;"))   # the same tree again: nothing to say
    _later(src / "thing.c", built)
    before = built.read_bytes()
    incremental.build_in_place(x86_64, verbose=False, package_dir=package)
    assert built.read_bytes() != before and capsys.readouterr().err == ""
    assert incremental.mixed_trees_warning(package) is None   # one arch, one tree


def test_arches_built_from_different_trees_are_named_each_with_its_tree(tmp_path):
    """After every arch was built from the user's tree, a rebuild of one with SEL4VSPACE_SEL4_LIBS
    forgotten leaves a mixed install, whichever rebuild comes next: said, arch by arch, from the
    modules Python imports."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX")

    def module(arch: str, tree: str, name_suffix: str = suffix) -> None:
        (tmp_path / f"_native_{arch}{name_suffix}").write_bytes(
            b"\x7fELF...sel4vspace build record\0dev-" + arch.encode() + b"\0" + tree.encode() + b"\0...")

    module("x86_64", "/home/you/seL4_libs")
    module("aarch64", "/home/you/seL4_libs")
    assert incremental.mixed_trees_warning(tmp_path) is None
    module("riscv64", "vendor")
    module("aarch64", "vendor", ".abi3.so")   # not what Python imports: the interpreter's own suffix comes first
    assert incremental.mixed_trees_warning(tmp_path) == (
        f"warning: the arches in {tmp_path} are built from different seL4_libs trees: x86_64 from "
        "/home/you/seL4_libs; aarch64 from /home/you/seL4_libs; riscv64 from vendor\n"
        "  (SEL4VSPACE_SEL4_LIBS chooses the tree of each build)")


def _record(package: Path, arch: str, sel4_libs: str, util_libs: str) -> None:
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    (package / f"_native_{arch}{suffix}").write_bytes(
        b"\x7fELF...sel4vspace build record\0dev-" + arch.encode() + b"\0" + sel4_libs.encode() + b"\0"
        + util_libs.encode() + b"\0...")


def test_an_in_place_build_without_the_variable_keeps_the_tree_of_the_modules_it_replaces(tmp_path, monkeypatch):
    """The edit loop's `python build_ffi.py` after `SEL4VSPACE_SEL4_LIBS=<tree> pip install -e .`:
    forgetting the variable used to rebuild from vendor/, whose passing suite says nothing of the
    user's change. It keeps the tree (and its util_libs) while every module names the same one."""
    monkeypatch.delenv(config.SEL4_LIBS_ENV, raising=False)
    checkout, util_libs = tmp_path / "seL4_libs", tmp_path / "util_libs"
    for lib in config.SEL4_LIBS:
        (checkout / lib).mkdir(parents=True)
    (util_libs / "libutils" / "include" / "utils").mkdir(parents=True)
    package = tmp_path / "pkg"
    package.mkdir()
    assert incremental.trees_to_build_again(package) is None                  # nothing built yet
    for arch in config.ARCHES:
        _record(package, arch, str(checkout), str(util_libs))
    assert incremental.trees_to_build_again(package) == (str(checkout), str(util_libs))
    _record(package, "x86_64", str(checkout), "vendor")                       # its own libutils, then
    _record(package, "aarch64", str(checkout), "vendor")
    _record(package, "riscv64", str(checkout), "vendor")
    assert incremental.trees_to_build_again(package) == (str(checkout), "vendor")
    monkeypatch.setenv(config.SEL4_LIBS_ENV, "vendor")                         # the variable decides
    assert incremental.trees_to_build_again(package) is None
    monkeypatch.delenv(config.SEL4_LIBS_ENV)
    _record(package, "riscv64", "vendor", "vendor")                            # several trees: no guess
    assert incremental.trees_to_build_again(package) is None
    for arch in config.ARCHES:
        _record(package, arch, "vendor", "vendor")
    assert incremental.trees_to_build_again(package) is None
    for arch in config.ARCHES:
        _record(package, arch, str(tmp_path / "gone"), "vendor")               # a tree no longer there
    assert incremental.trees_to_build_again(package) is None


def test_the_build_script_builds_the_kept_tree_and_says_so(monkeypatch, capsys):
    import build_ffi  # noqa: PLC0415 - beside buildsupport, on the path conftest set

    for variable in (config.SEL4_LIBS_ENV, config.UTIL_LIBS_ENV):   # main() sets them: undone after the test
        monkeypatch.setenv(variable, "")
        monkeypatch.delenv(variable)
    package = ROOT / "src" / "sel4vspace"
    seen = []
    monkeypatch.setattr(build_ffi, "trees_to_build_again", lambda where: ("/home/you/seL4_libs", "vendor"))
    monkeypatch.setattr(build_ffi, "build_in_place", lambda *a, **k: seen.append(
        (os.environ.get(config.SEL4_LIBS_ENV), os.environ.get(config.UTIL_LIBS_ENV))) or [])
    monkeypatch.setattr(build_ffi, "package_imported_here", lambda: package)
    monkeypatch.setattr(build_ffi, "mixed_trees_warning", lambda where: None)
    assert build_ffi.main([]) == 0
    assert seen == [("/home/you/seL4_libs", "vendor")]
    assert capsys.readouterr().err == (f"building from /home/you/seL4_libs again, the seL4_libs tree of the modules in "
                                       f"{package} (SEL4VSPACE_SEL4_LIBS=vendor builds vendor/)\n")


def test_vendor_names_the_project_s_own_copies(monkeypatch):
    monkeypatch.setenv(config.SEL4_LIBS_ENV, "vendor")
    monkeypatch.setenv(config.UTIL_LIBS_ENV, "vendor")
    assert config.sel4_libs_root() == ROOT / "vendor" and config.built_from() == "vendor"
    assert config.util_libs_root() is None


def test_a_module_without_a_build_record_has_none():
    assert incremental.build_record(b"\x7fELF no record here") is None
    assert incremental.build_record(b"sel4vspace build record\0dev-x86_64") is None   # cut short


@pytest.mark.parametrize("imported", ["installed", "this tree", "none"])
def test_the_build_script_says_when_python_imports_another_sel4vspace(tmp_path, imported):
    """After a non-editable install, Python imports the installed package, not src/sel4vspace
    where `python build_ffi.py` puts its modules: the tests would run the installed build. Found
    as `python -m pytest` at the repository root finds it, without importing the package."""
    site = tmp_path / "site-packages"
    (site / "sel4vspace").mkdir(parents=True)
    (site / "sel4vspace" / "__init__.py").write_text("raise ImportError('the package was imported')\n")
    path = {"installed": [str(site)], "this tree": [str(ROOT / "src")], "none": []}[imported]
    # main() as it is, but nothing built: the warning is said once the modules are in place
    code = "import sys, build_ffi\nbuild_ffi.build_in_place = lambda *a, **k: []\nsys.exit(build_ffi.main([]))\n"
    env = dict(_without_build_variables(), PYTHONPATH=os.pathsep.join(path))
    command = [sys.executable, *(["-S"] if imported == "none" else []), "-c", code]   # -S: no site-packages
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    # another copy imported: a test run chained with && must not go on to test it
    assert result.returncode == (1 if imported == "installed" else 0), result.stderr
    tree = ROOT / "src" / "sel4vspace"
    found = {"installed": f"imports sel4vspace from {(site / 'sel4vspace').resolve()}",
             "none": "finds no sel4vspace to import"}
    if imported == "this tree":
        assert result.stderr == ""
    else:
        assert result.stderr == (f"warning: Python {found[imported]}, not {tree}: the tests will not run this build.\n"
                                 "  The edit loop needs an editable install of this tree: pip install -e .\n")


def test_the_shadowed_build_warning_gives_the_install_of_the_tree_being_built(monkeypatch, tmp_path):
    """Following the advice must not rebuild from vendor/ a user who builds from their tree."""
    package = tmp_path / "src" / "sel4vspace"
    package.mkdir(parents=True)
    installed = tmp_path / "site-packages" / "sel4vspace"
    assert incremental.shadowed_build_warning(package, package) is None
    monkeypatch.setattr(incremental, "built_from", lambda: "/home/you/seL4_libs")
    assert incremental.shadowed_build_warning(package, installed) == (
        f"warning: Python imports sel4vspace from {installed}, not {package}: the tests will not run this "
        "build.\n  The edit loop needs an editable install of this tree: "
        "SEL4VSPACE_SEL4_LIBS=/home/you/seL4_libs pip install -e .")
