# SPDX-License-Identifier: BSD-2-Clause
"""The incremental compile, the link check, and the in-place development build.

Every C source of vendor/ (or of an external seL4_libs checkout) and csrc/ is compiled to an
object under build/obj/<flavour>/, incrementally: an object is rebuilt only when its source, a
header it included (from gcc's -MMD dependency file) or its command line changed. Objects that
must be rebuilt compile in parallel, one job per core.

This module uses the standard library only: cffi and pycparser are imported (by
:func:`build_in_place`) only when the cdef must be generated again, so a rebuild after an edit of
a .c file starts in a few hundredths of a second.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

from .config import (
    BUILD,
    ROOT,
    built_from,
    c_sources,
    cdef_preprocess_command,
    compile_flags,
    compiler,
    flavour,
    include_dirs,
    link_flags,
    module_compile_args,
    module_include_dirs,
    module_link_args,
    sel4_libs_root,
    util_libs_root,
)


def up_to_date(target: Path, deps: Path, command: list[str], stamp: Path) -> bool:
    """True when ``target`` was made by ``command`` (recorded in ``stamp``) and is newer than every
    prerequisite gcc listed in the dependency file ``deps``."""
    if not (target.exists() and deps.exists() and stamp.exists()):
        return False
    if stamp.read_text() != json.dumps(command):
        return False
    target_mtime = target.stat().st_mtime
    text = deps.read_text().replace("\\\n", " ")
    _, _, prerequisites = text.partition(":")
    for name in prerequisites.split():
        try:
            if os.stat(name).st_mtime > target_mtime:
                return False
        except FileNotFoundError:
            return False
    return True


def object_path(source: Path, obj_dir: Path) -> Path:
    try:
        rel = source.relative_to(ROOT)
    except ValueError:
        rel = Path("external") / source.relative_to(sel4_libs_root())
    return obj_dir / rel.with_suffix(".o")


def _run_jobs(jobs: list[tuple[list[str], str, Path, str]], verbose: bool) -> None:
    """Run compile commands, one per core at a time. Each job: (command, label, stamp path,
    stamp text). A stamp is written only after its command succeeded; the first failure stops the
    build, once the running jobs have finished."""
    width = max(1, min(len(jobs), os.cpu_count() or 1))
    pending = list(jobs)
    running: list[tuple[subprocess.Popen[str], tuple[list[str], str, Path, str]]] = []
    failed: list[str] = []
    while pending or running:
        while pending and len(running) < width and not failed:
            job = pending.pop(0)
            if verbose:
                print(job[1], file=sys.stderr)
            running.append((subprocess.Popen(job[0], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True),
                            job))
        if not running:
            break
        process, job = running.pop(0)
        output, _ = process.communicate()
        sys.stderr.write(output)
        if process.returncode != 0:
            failed.append(job[1])
        else:
            job[2].write_text(job[3])
    if failed:
        raise SystemExit(f"{failed[0]} failed")


def compile_objects(verbose: bool = False, develop: bool = False) -> list[Path]:
    """Compile every source that changed; return all object paths. ``develop``: the in-place
    development build's flags and object directory (see :func:`buildsupport.config.compile_flags`)."""
    obj_dir = BUILD / "obj" / flavour(develop)
    flags = [compiler(), *compile_flags(develop), *[f"-I{d}" for d in include_dirs()]]
    objects, jobs = [], []
    for source in c_sources():
        obj = object_path(source, obj_dir)
        dep = obj.with_suffix(".d")
        stamp = obj.with_suffix(".cmd")
        command = [*flags, "-MMD", "-MF", str(dep), "-c", str(source), "-o", str(obj)]
        objects.append(obj)
        if up_to_date(obj, dep, command, stamp):
            continue
        obj.parent.mkdir(parents=True, exist_ok=True)
        label = "cc " + str(source.relative_to(ROOT) if source.is_relative_to(ROOT) else source)
        jobs.append((command, label, stamp, json.dumps(command)))
    _run_jobs(jobs, verbose)
    return objects


def defined_symbols(objects: list[Path]) -> set[str]:
    """Global symbols the objects define: only these non-inline functions go into the cdef. Each
    object's list is kept beside it (``.syms``) and read again while the object is unchanged."""
    stale = [o for o in objects if not _fresh(o.with_suffix(".syms"), o)]
    if stale:
        out = subprocess.run(["nm", "-g", "--defined-only", *map(str, stale)],
                             check=True, capture_output=True, text=True).stdout
        per_object: dict[str, list[str]] = {str(o): [] for o in stale}
        current = str(stale[0])
        for line in out.splitlines():
            if line.endswith(":") and line[:-1] in per_object:   # "path:" heads each object's list
                current = line[:-1]
                continue
            fields = line.split()
            if len(fields) == 3:
                per_object[current].append(fields[2])
        for name, symbols in per_object.items():
            Path(name).with_suffix(".syms").write_text("\n".join(sorted(symbols)) + "\n")
    found: set[str] = set()
    for obj in objects:
        found.update(obj.with_suffix(".syms").read_text().split())
    return found


def _fresh(product: Path, source: Path) -> bool:
    try:
        return product.stat().st_mtime >= source.stat().st_mtime
    except FileNotFoundError:
        return False


_UNDEFINED_REFERENCE = re.compile(r"undefined reference to `([^']+)'")


def link_check_command(objects: list[Path], develop: bool = False) -> list[str]:
    target = BUILD / "obj" / flavour(develop) / "link-check.so"
    return [compiler(), "-shared", "-o", str(target), *map(str, objects), *link_flags(), "-Wl,--no-undefined"]


def link_check_failure(returncode: int, stderr: str) -> None:
    """Fail the build, naming each symbol, when the objects refer to something that neither they
    nor the C library define: otherwise the module builds and only its import fails."""
    if returncode == 0:
        return
    missing = sorted(set(_UNDEFINED_REFERENCE.findall(stderr)))
    if not missing:
        raise SystemExit("linking the objects failed:\n" + stderr)
    raise SystemExit(
        "the C under test refers to symbols nothing defines: " + ", ".join(missing)
        + f" (built from {built_from()}, libutils from {util_libs_root() or 'vendor'})")


def check_links(objects: list[Path], develop: bool = False) -> None:
    """Link the objects alone with --no-undefined (see :func:`link_check_failure`)."""
    result = subprocess.run(link_check_command(objects, develop), capture_output=True, text=True)
    link_check_failure(result.returncode, result.stderr)


# ---- the in-place development build ----
#
# setuptools compiles cffi's generated module source (about 10,000 lines) again whenever any
# object it links changed: ten seconds for a one-line edit of the C under test. The development
# build below keeps that source and its object under build/obj/<flavour>/ and regenerates and
# recompiles them only when what they are made from changed (the headers csrc/binding/include/binding.h includes
# as the cdef generator preprocesses it, that preprocessor command, the set of functions the
# objects define, the cffi version and the compile command); otherwise it only relinks.

def _run(command: list[str], what: str, verbose: bool) -> None:
    if verbose:
        print(what, file=sys.stderr)
    result = subprocess.run(command, capture_output=True, text=True)
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        raise SystemExit(f"{what} failed:\n" + shlex.join(command))


def python_compile_command(source: Path, obj: Path, deps: Path) -> list[str]:
    """How setuptools compiles an extension's C source for this interpreter, plus cffi's arguments
    (and a dependency file: the headers it included)."""
    config = sysconfig.get_config_vars()
    command = [*shlex.split(os.environ.get("CC") or config.get("CC") or "cc")]
    command += [*shlex.split(config.get("CFLAGS") or ""), *shlex.split(config.get("CCSHARED") or "")]
    command += [*(f"-I{d}" for d in module_include_dirs()), f"-I{sysconfig.get_paths()['include']}"]
    command += [*module_compile_args(), "-MMD", "-MF", str(deps), "-c", str(source), "-o", str(obj)]
    return command


def python_link_command(objects: list[Path], target: Path) -> list[str]:
    config = sysconfig.get_config_vars()
    linker = shlex.split(config.get("LDSHARED") or "cc -shared")
    if os.environ.get("CC"):
        linker = shlex.split(os.environ["CC"]) + linker[1:]
    return [*linker, *map(str, objects), "-o", str(target), *module_link_args()]


def _cffi_version() -> str:
    import cffi  # a few milliseconds, and only the in-place build needs it

    return str(cffi.__version__)


def cdef_key(symbols: set[str], develop: bool, deps: Path) -> str | None:
    """What the cdef and cffi's module source are made from, hashed: the contents of every header
    the cdef's preprocessing read (``deps``, written when the cdef was last generated), its
    command, the functions the objects define, the flavour and the cffi version. None when
    ``deps`` is missing or names a file that no longer exists: generate again."""
    if not deps.exists():
        return None
    digest = hashlib.sha256()
    text = deps.read_text().replace("\\\n", " ")
    for name in text.partition(":")[2].split():
        try:
            digest.update(name.encode() + b"\0" + Path(name).read_bytes() + b"\0")
        except FileNotFoundError:
            return None
    digest.update(json.dumps([_cffi_version(), flavour(develop), sorted(symbols),
                              cdef_preprocess_command(["-dD"]), module_include_dirs()]).encode())
    return digest.hexdigest()


def _write_cdef_deps(deps: Path) -> None:
    """gcc's list of the headers the cdef's preprocessing of csrc/binding/include/binding.h reads."""
    command = cdef_preprocess_command(["-M", "-MT", "cdef", "-MF", str(deps)])
    result = subprocess.run(command, input='#include "binding.h"\n', capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit("preprocessing csrc/binding/include/binding.h for the cdef failed:\n" + result.stderr)


def build_in_place(verbose: bool = True, develop: bool = True, package_dir: Path | None = None) -> Path:
    """Build <package_dir>/_native<EXT_SUFFIX> (default: src/sel4vspace/), redoing only what
    changed. ``develop``: -Og objects of their own flavour (see
    :func:`buildsupport.config.compile_flags`); False builds them as the distributions do, at -O2.
    Returns the module's path."""
    objects = compile_objects(verbose=verbose, develop=develop)
    obj_dir = BUILD / "obj" / flavour(develop)
    # The link check runs while the rest of the build goes on; it is redone whenever an object
    # is newer than its last successful run (or its command changed).
    check_command = link_check_command(objects, develop)
    check_target, check_stamp = Path(check_command[3]), obj_dir / "link-check.cmd"
    checking = None
    if not (check_stamp.exists() and check_stamp.read_text() == json.dumps(check_command)
            and all(_fresh(check_target, o) for o in objects)):
        checking = subprocess.Popen(check_command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        target = _build_module(objects, obj_dir, verbose, develop, package_dir, checking)
    finally:
        if checking is not None and checking.returncode is None:
            checking.kill()
            checking.wait()
    return target


def _build_module(objects: list[Path], obj_dir: Path, verbose: bool, develop: bool, package_dir: Path | None,
                  checking: subprocess.Popen[str] | None) -> Path:
    def finish_link_check() -> None:
        if checking is not None and checking.returncode is None:
            _, stderr = checking.communicate()
            link_check_failure(checking.wait(), stderr)
            (obj_dir / "link-check.cmd").write_text(json.dumps(checking.args))

    symbols = defined_symbols(objects)
    module_source = obj_dir / "_native.c"
    module_object = obj_dir / "_native.o"
    key_file = obj_dir / "_native.key"
    cdef_deps = obj_dir / "cdef.d"
    key = cdef_key(symbols, develop, cdef_deps)
    if key is None or not (module_source.exists() and key_file.exists() and key_file.read_text() == key):
        finish_link_check()   # the cdef is made from objects that link
        if verbose:
            print("cdef and cffi module source", file=sys.stderr)
        from .cdef import generate_cdef  # pycparser only when the cdef is made again
        from .module import configured_builder  # cffi likewise

        cdef = generate_cdef(symbols)
        BUILD.mkdir(exist_ok=True)
        (BUILD / "cdef.h").write_text(cdef)
        fresh = obj_dir / "_native.c.new"
        configured_builder(cdef, objects, flavour(develop)).emit_c_code(str(fresh))
        if module_source.exists() and module_source.read_bytes() == fresh.read_bytes():
            fresh.unlink()  # same source: keep its timestamp, so its object stays valid
        else:
            fresh.replace(module_source)
        _write_cdef_deps(cdef_deps)
        key = cdef_key(symbols, develop, cdef_deps)
        assert key is not None, "gcc wrote no dependency list for the cdef"
        key_file.write_text(key)
    # The module's object depends on more than its source: it compiles the static inline
    # wrappers of the headers it includes (vspace.h's among them), so gcc's dependency file
    # decides, as for every other object.
    module_deps = obj_dir / "_native.d"
    command = python_compile_command(module_source, module_object, module_deps)
    stamp = obj_dir / "_native.cmd"
    if not up_to_date(module_object, module_deps, command, stamp):
        _run(command, "cc _native.c (the cffi module)", verbose)
        stamp.write_text(json.dumps(command))
    target_dir = package_dir if package_dir is not None else ROOT / "src" / "sel4vspace"
    target = target_dir / ("_native" + str(sysconfig.get_config_var("EXT_SUFFIX")))
    linked = obj_dir / target.name
    inputs = [module_object, *objects]
    link = python_link_command(inputs, linked)
    link_stamp = obj_dir / "_native.link"
    if not (linked.exists() and link_stamp.exists() and link_stamp.read_text() == json.dumps(link)
            and all(_fresh(linked, o) for o in inputs)):
        _run(link, "link " + target.name, verbose)
        link_stamp.write_text(json.dumps(link))
    finish_link_check()   # before the module is put where Python imports it
    if target.exists() and target.read_bytes() == linked.read_bytes():
        return target
    target_dir.mkdir(parents=True, exist_ok=True)
    for stale in target_dir.glob("_native*.so"):  # e.g. an abi3 build left by `pip install -e`
        if stale.name != target.name:
            stale.unlink()
    # Replace, never rewrite in place: a process that has the old module loaded keeps its mapping.
    tmp = target.with_suffix(".so.tmp")
    tmp.write_bytes(linked.read_bytes())
    tmp.replace(target)
    return target
