# SPDX-License-Identifier: BSD-2-Clause
"""The incremental compile, the link check, the cdef's cache, and the in-place development build.

Every C source of vendor/ (or of an external seL4_libs checkout) and csrc/ is compiled once per
arch, to an object under build/obj/<flavour>/ (the flavour names the arch), incrementally: an
object is rebuilt only when its source, a header it included (from gcc's -MMD dependency file) or
its command line changed. The commands of every arch being built go through one
:class:`JobPool`, one job per core, so the arches' builds overlap.

This module uses the standard library only: cffi and pycparser are imported only when the cdef
must be generated again, so a rebuild after an edit of a .c file starts in a few hundredths of a
second.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.machinery
import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import sysconfig
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from .config import (
    ARCHES,
    ARCHES_ENV,
    BUILD,
    ROOT,
    SEL4_LIBS_ENV,
    VENDOR,
    Arch,
    built_from,
    c_sources,
    cdef_preprocess_command,
    compile_flags,
    compiler,
    flavour,
    include_dirs,
    is_util_libs_checkout,
    link_flags,
    missing_sel4_libs,
    module_compile_args,
    module_include_dirs,
    module_link_args,
    sel4_libs_root,
    util_libs_root,
)


class Job(NamedTuple):
    """A compile job: its command, its label, and the stamp to write once it succeeded."""
    command: list[str]
    label: str
    stamp: Path
    stamp_text: str
    #: where the compiler's warnings go instead of stderr when they all lie in the user's tree (see
    #: :func:`tree_roots`); None: printed
    tree_warnings: Path | None = None


class Stopped(SystemExit):
    """A command was not started because another had failed (that one's failure is the news)."""


class JobPool:
    """Runs commands, one per core at a time, for any number of callers: the arches' builds run
    in threads of their own and share one pool. Once a command failed, no new one starts."""

    def __init__(self, verbose: bool = False, width: int | None = None) -> None:
        self.verbose = verbose
        self.width = width or max(1, os.cpu_count() or 1)
        self.failed: list[str] = []
        self._executor = ThreadPoolExecutor(self.width)

    def __enter__(self) -> JobPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._executor.shutdown(wait=True)

    def submit(self, command: list[str], label: str, echo: bool = True,
               tree_warnings: Path | None = None) -> Future[subprocess.CompletedProcess[str]]:
        """Start command when a slot is free. ``echo``: its output goes to stderr (compiler warnings)
        and its failure stops the pool; False leaves both to the caller (the link check reads the
        linker's errors). ``tree_warnings``: the output of a compile that succeeded with warnings
        that all lie in the user's tree goes to that file instead (see :func:`keep_tree_warnings`).
        The future raises :class:`Stopped` when the command never started."""
        return self._executor.submit(self._run, command, label, echo, tree_warnings)

    def _run(self, command: list[str], label: str, echo: bool,
             tree_warnings: Path | None = None) -> subprocess.CompletedProcess[str]:
        if self.failed:
            raise Stopped(f"{label}: not started, {self.failed[0]} failed")
        if self.verbose:
            print(label, file=sys.stderr, flush=True)
        result = subprocess.run(command, capture_output=True, text=True)
        if echo:
            output = result.stdout + result.stderr
            if not keep_tree_warnings(output, result.returncode, tree_warnings):
                sys.stderr.write(output)
            if result.returncode != 0:
                self.failed.append(label)
        return result

    def run(self, command: list[str], label: str) -> None:
        """Run one command and wait for it; SystemExit naming it (and the command) if it failed."""
        result = self.submit(command, label).result()
        if result.returncode != 0:
            raise SystemExit(f"{label} failed:\n" + shlex.join(command))

    def compile(self, jobs: list[Job]) -> None:
        """Run compile jobs. A stamp is written only after its command succeeded; the first failure
        stops the build, once the jobs already running have finished."""
        started = [(job, self.submit(job.command, job.label, tree_warnings=job.tree_warnings)) for job in jobs]
        failed = []
        for job, future in started:
            try:
                result = future.result()
            except Stopped:
                continue
            if result.returncode == 0:
                job.stamp.write_text(job.stamp_text)
            else:
                failed.append(job.label)
        if failed:
            raise SystemExit(f"{failed[0]} failed")
        if jobs and self.failed:
            raise Stopped(f"{self.failed[0]} failed")


def _run_jobs(jobs: list[Job], verbose: bool) -> None:
    """Run compile jobs in a pool of their own (see :meth:`JobPool.compile`)."""
    with JobPool(verbose) as pool:
        pool.compile(jobs)


def _prerequisites(deps: Path) -> list[str]:
    """The files gcc's dependency file ``deps`` lists as the object's prerequisites."""
    _, _, prerequisites = deps.read_text().replace("\\\n", " ").partition(":")
    return prerequisites.split()


# How far before a compile's start a prerequisite's modification time may lie and still count as
# changed after it began: Linux stamps files from a clock that lags by up to a kernel tick (10 ms
# at most). A file changed in that window before a compile costs one compile more.
_CLOCK_SLACK_NS = 100_000_000


def stamp_text(command: list[str], source: Path, deps: Path) -> str:
    """What the stamp of a compile of ``source`` by ``command`` records, taken just before it runs:
    the command, the time the compile starts (ns), and the modification time (ns) of the source and
    of every file the last dependency file ``deps`` listed (see :func:`up_to_date`)."""
    inputs = {}
    for name in [str(source), *(_prerequisites(deps) if deps.exists() else [])]:
        with contextlib.suppress(FileNotFoundError):   # a header gone since: gcc will say
            inputs[name] = os.stat(name).st_mtime_ns
    return json.dumps({"command": command, "started": time.time_ns(), "inputs": inputs})


def up_to_date(target: Path, deps: Path, command: list[str], stamp: Path) -> bool:
    """True when ``target`` was made by ``command`` and no prerequisite gcc listed in ``deps`` changed
    since the compile that made it started: one the stamp recorded (:func:`stamp_text`) still has
    the modification time it had then, and one it did not (a header the compile found first) was
    last modified before that start. Comparing with the recorded times rather than the target's
    catches a file changed while the compiler ran, or within the file system clock's tick after the
    object was written (a ``git stash pop`` right after a build), which would otherwise look no
    newer than the object."""
    if not (target.exists() and deps.exists() and stamp.exists()):
        return False
    try:
        recorded = json.loads(stamp.read_text())
    except ValueError:
        return False
    if not isinstance(recorded, dict) or recorded.get("command") != command or "started" not in recorded:
        return False
    inputs = recorded.get("inputs", {})
    changed_after = recorded["started"] - _CLOCK_SLACK_NS
    for name in _prerequisites(deps):
        try:
            mtime = os.stat(name).st_mtime_ns
        except FileNotFoundError:
            return False
        known = inputs.get(name)
        if mtime != known if known is not None else mtime >= changed_after:
            return False
    return True


# ---- the warnings of the user's tree ----
#
# A build from another seL4_libs tree compiles its C with our warning flags (-Wall -Wextra), and
# upstream's draws a few dozen warnings (unused parameters, signed/unsigned comparisons), a
# header's once for each source that includes it. They are news about the user's code, but
# printed they bury the build's own lines (an error among them). So a compile whose warnings all
# lie in the tree (its seL4_libs or util_libs checkout) keeps its output in a file beside its
# object, and once an arch's objects are compiled one line counts the distinct warnings and names
# the file that gathers them (:func:`tree_warnings_line`). Anything else a compile says, and every
# failed compile's output, is printed as always; vendor/ and csrc/ are ours and warn of nothing.

#: The file, in an arch's object directory, that gathers its tree's warnings.
TREE_WARNINGS = "tree-warnings.txt"
# a warning's line in gcc's output: where it is, and its option when gcc names one
_WARNING_LINE = re.compile(r"^(\S.*?):\d+(?::\d+)?: warning: .*?(?: \[(-W[^\]]+)\])?$", re.MULTILINE)


def tree_roots() -> list[Path]:
    """The user's checkouts the build reads C from: the seL4_libs tree and its util_libs
    (none for a build of vendor/ alone)."""
    roots = [] if built_from() == VENDOR else [sel4_libs_root()]
    util_libs = util_libs_root()
    return roots + ([util_libs] if util_libs is not None else [])


def keep_tree_warnings(output: str, returncode: int, kept: Path | None, roots: list[Path] | None = None) -> bool:
    """Keep a compile's ``output`` in the file ``kept`` when the compile succeeded and every warning
    in it lies under one of ``roots`` (default :func:`tree_roots`); True when it did, and the
    output is not to be printed. ``kept`` is removed otherwise: it always holds the warnings of the
    object as it is."""
    if kept is None:
        return False
    places = _WARNING_LINE.findall(output)
    roots = tree_roots() if roots is None else roots
    if returncode == 0 and places and all(any(Path(path).is_relative_to(root) for root in roots)
                                          for path, _ in places):
        kept.write_text(output)
        return True
    kept.unlink(missing_ok=True)
    return False


def tree_warnings_line(arch: Arch, objects: list[Path], obj_dir: Path) -> str | None:
    """One line for the warnings the objects' compiles kept (see :func:`keep_tree_warnings`): how
    many distinct ones, of which options, and the file in ``obj_dir`` that now gathers them all.
    None when there are none (the file is then removed)."""
    kept = [obj.with_suffix(".warnings") for obj in objects if obj.with_suffix(".warnings").exists()]
    gathered = obj_dir / TREE_WARNINGS
    if not kept:
        gathered.unlink(missing_ok=True)
        return None
    texts = [path.read_text() for path in kept]
    gathered.write_text("".join(texts))
    distinct = {match.group(0): match.group(2) or "no option" for text in texts
                for match in _WARNING_LINE.finditer(text)}
    options = ", ".join(f"{count} {option}" for option, count in Counter(distinct.values()).most_common())
    where = " and ".join(str(root) for root in tree_roots())
    return (f"{arch.name}: {len(distinct)} compiler warnings in the C of {where} ({options}), "
            f"not shown: they are in {gathered}")


def say_tree_warnings(arch: Arch, objects: list[Path], obj_dir: Path) -> None:
    """Print :func:`tree_warnings_line`, when there is one, to stderr."""
    line = tree_warnings_line(arch, objects, obj_dir)
    if line:
        print(line, file=sys.stderr)


def object_dir(arch: Arch, develop: bool = False) -> Path:
    return BUILD / "obj" / flavour(arch, develop)


def object_path(source: Path, obj_dir: Path) -> Path:
    try:
        rel = source.relative_to(ROOT)
    except ValueError:
        rel = Path("external") / source.relative_to(sel4_libs_root())
    return obj_dir / rel.with_suffix(".o")


def plan_objects(arch: Arch, develop: bool = False) -> tuple[list[Path], list[Job]]:
    """arch's objects, and the jobs that compile those whose source, headers or command changed.
    ``develop``: the in-place development build's flags and object directory (see
    :func:`buildsupport.config.compile_flags`)."""
    obj_dir = object_dir(arch, develop)
    flags = [compiler(), *compile_flags(arch, develop), *[f"-I{d}" for d in include_dirs(arch)]]
    objects, jobs = [], []
    external = bool(tree_roots())
    for source in c_sources(arch):
        obj = object_path(source, obj_dir)
        dep = obj.with_suffix(".d")
        stamp = obj.with_suffix(".cmd")
        command = [*flags, "-MMD", "-MF", str(dep), "-c", str(source), "-o", str(obj)]
        objects.append(obj)
        if up_to_date(obj, dep, command, stamp):
            continue
        obj.parent.mkdir(parents=True, exist_ok=True)
        shown = source.relative_to(ROOT) if source.is_relative_to(ROOT) else source
        jobs.append(Job(command, f"cc {shown} [{arch.name}]", stamp, stamp_text(command, source, dep),
                        obj.with_suffix(".warnings") if external else None))
    return objects, jobs


def compile_arches(arches: list[Arch], verbose: bool = False, develop: bool = False,
                   pool: JobPool | None = None) -> dict[str, list[Path]]:
    """Compile every source that changed, for each arch, through one pool; every arch's objects."""
    plans = {arch.name: plan_objects(arch, develop) for arch in arches}
    jobs = [job for _, arch_jobs in plans.values() for job in arch_jobs]
    if pool is None:
        _run_jobs(jobs, verbose)
    else:
        pool.compile(jobs)
    for arch in arches:
        objects, arch_jobs = plans[arch.name]
        if arch_jobs:   # nothing compiled, nothing new to say
            say_tree_warnings(arch, objects, object_dir(arch, develop))
    return {name: objects for name, (objects, _) in plans.items()}


def compile_objects(arch: Arch, verbose: bool = False, develop: bool = False) -> list[Path]:
    """Compile arch's sources that changed; return all its object paths."""
    return compile_arches([arch], verbose, develop)[arch.name]


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


def link_up_to_date(target: Path, stamp: Path, command: list[str], inputs: list[Path]) -> bool:
    """True when ``target`` was linked by ``command`` (recorded in ``stamp`` by :func:`record_link`)
    and no input is newer than it. A link reads only objects and sources the build just wrote or
    checked, so their modification times are compared with the target's."""
    return (target.exists() and stamp.exists() and stamp.read_text() == json.dumps(command)
            and all(_fresh(target, i) for i in inputs))


def record_link(stamp: Path, command: list[str]) -> None:
    """Record in ``stamp`` that ``command`` linked its target (see :func:`link_up_to_date`)."""
    stamp.write_text(json.dumps(command))


# ---- the link check ----

_UNDEFINED_REFERENCE = re.compile(r"undefined reference to `([^']+)'")


def link_check_command(arch: Arch, objects: list[Path], develop: bool = False) -> list[str]:
    target = object_dir(arch, develop) / "link-check.so"
    return [compiler(), "-shared", "-o", str(target), *map(str, objects), *link_flags(), "-Wl,--no-undefined"]


def link_check_failure(arch: Arch, returncode: int, stderr: str) -> None:
    """Fail the build, naming each symbol, when the objects refer to something that neither they
    nor the C library define: otherwise the module builds and only its import fails."""
    if returncode == 0:
        return
    missing = sorted(set(_UNDEFINED_REFERENCE.findall(stderr)))
    if not missing:
        raise SystemExit(f"linking the {arch.name} objects failed:\n" + stderr)
    external = "" if built_from() == VENDOR else f"; {ARCHES_ENV} chooses which arches are built"
    raise SystemExit(
        f"the C under test ({arch.name}) refers to symbols nothing defines: " + ", ".join(missing)
        + f" (built from {built_from()}, libutils from {util_libs_root() or VENDOR}{external})")


class LinkCheck:
    """arch's objects linked alone with --no-undefined (see :func:`link_check_failure`), through
    the pool while the rest of the build goes on. It is redone only when an object is newer than
    its last successful run, or its command changed."""

    def __init__(self, arch: Arch, objects: list[Path], develop: bool, pool: JobPool) -> None:
        self.arch = arch
        command = link_check_command(arch, objects, develop)
        self._stamp = object_dir(arch, develop) / "link-check.cmd"
        fresh = link_up_to_date(Path(command[3]), self._stamp, command, objects)
        self._running = None if fresh else pool.submit(command, f"link check [{arch.name}]", echo=False)
        self._command = command

    def finish(self) -> None:
        """Wait for the check; SystemExit naming what is missing when it failed."""
        if self._running is None:
            return
        result, self._running = self._running.result(), None
        link_check_failure(self.arch, result.returncode, result.stderr)
        record_link(self._stamp, self._command)


# ---- the cdef, generated again only when what it is made from changed ----
#
# What the cdef (and cffi's module source, made from it) is made from: the headers
# csrc/binding/include/binding.h includes as the cdef generator preprocesses it, that
# preprocessor command, the set of functions the objects define, the cffi version and the
# module's include directories. They are hashed into a key kept beside the cdef
# (build/obj/<flavour>/cdef.h): the same key, the same cdef.

def _cffi_version() -> str:
    import cffi  # a few milliseconds, and only the in-place build needs it

    return str(cffi.__version__)


def cdef_key(arch: Arch, symbols: set[str], develop: bool, deps: Path) -> str | None:
    """What arch's cdef and cffi's module source are made from, hashed: the contents of every
    header the cdef's preprocessing read (``deps``, written when the cdef was last generated), its
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
    digest.update(json.dumps([_cffi_version(), flavour(arch, develop), sorted(symbols),
                              cdef_preprocess_command(arch, ["-dD"]), module_include_dirs(arch)]).encode())
    return digest.hexdigest()


def _write_cdef_deps(arch: Arch, deps: Path) -> None:
    """gcc's list of the headers the cdef's preprocessing of csrc/binding/include/binding.h reads."""
    command = cdef_preprocess_command(arch, ["-M", "-MT", "cdef", "-MF", str(deps)])
    result = subprocess.run(command, input='#include "binding.h"\n', capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit("preprocessing csrc/binding/include/binding.h for the cdef failed:\n" + result.stderr)


# pycparser and cffi's source generation are pure Python: one arch at a time.
_GENERATING = threading.Lock()


def cached_cdef(arch: Arch, objects: list[Path], develop: bool, before: Callable[[], None]) -> tuple[str, bool]:
    """arch's cdef for these objects, and whether it was generated now (it is reused while its key
    is unchanged). ``before`` runs before a new one is generated: the link check, as the cdef is
    made from objects that link."""
    obj_dir = object_dir(arch, develop)
    symbols = defined_symbols(objects)
    cdef_file, key_file, deps = obj_dir / "cdef.h", obj_dir / "cdef.key", obj_dir / "cdef.d"
    key = cdef_key(arch, symbols, develop, deps)
    if key is not None and cdef_file.exists() and key_file.exists() and key_file.read_text() == key:
        return cdef_file.read_text(), False
    before()
    with _GENERATING:
        from .cdef import generate_cdef  # pycparser only when the cdef is made again

        cdef = generate_cdef(arch, symbols)
    cdef_file.write_text(cdef)
    _write_cdef_deps(arch, deps)
    key = cdef_key(arch, symbols, develop, deps)
    assert key is not None, "gcc wrote no dependency list for the cdef"
    key_file.write_text(key)
    return cdef, True


# ---- the in-place development build ----
#
# setuptools compiles cffi's generated module source (about 10,000 lines) again whenever any
# object it links changed: ten seconds for a one-line edit of the C under test. The development
# build below keeps that source and its object under build/obj/<flavour>/ and regenerates and
# recompiles them only when the cdef's key changed (or the compile command); otherwise it only
# relinks.

def python_compile_command(arch: Arch, source: Path, obj: Path, deps: Path) -> list[str]:
    """How setuptools compiles an extension's C source for this interpreter, plus cffi's arguments
    for arch (and a dependency file: the headers it included)."""
    config = sysconfig.get_config_vars()
    command = [*shlex.split(os.environ.get("CC") or config.get("CC") or "cc")]
    command += [*shlex.split(config.get("CFLAGS") or ""), *shlex.split(config.get("CCSHARED") or "")]
    command += [*(f"-I{d}" for d in module_include_dirs(arch)), f"-I{sysconfig.get_paths()['include']}"]
    command += [*module_compile_args(arch), "-MMD", "-MF", str(deps), "-c", str(source), "-o", str(obj)]
    return command


def python_link_command(objects: list[Path], target: Path) -> list[str]:
    config = sysconfig.get_config_vars()
    linker = shlex.split(config.get("LDSHARED") or "cc -shared")
    if os.environ.get("CC"):
        linker = shlex.split(os.environ["CC"]) + linker[1:]
    return [*linker, *map(str, objects), "-o", str(target), *module_link_args()]


def module_file_name(arch: Arch) -> str:
    """The file name of arch's module as this interpreter imports it."""
    return arch.module_stem + str(sysconfig.get_config_var("EXT_SUFFIX"))


def build_in_place(arches: list[Arch], verbose: bool = True, develop: bool = True,
                   package_dir: Path | None = None) -> list[Path]:
    """Build <package_dir>/_native_<arch><EXT_SUFFIX> (default: src/sel4vspace/) for each arch,
    redoing only what changed; every arch's commands go through one pool. ``develop``: -Og
    objects of their own flavour (see :func:`buildsupport.config.compile_flags`); False builds
    them as the distributions do, at -O2. Returns the modules' paths.

    A module of the single-module layout (``_native<EXT_SUFFIX>``) found there is removed, and so
    is a module of a built arch made for another EXT_SUFFIX (an abi3 build left by ``pip install
    -e``). Modules of arches not built are left as they are."""
    target_dir = package_dir if package_dir is not None else ROOT / "src" / "sel4vspace"
    with JobPool(verbose) as pool, ThreadPoolExecutor(max(1, len(arches))) as builds:
        running = [builds.submit(_link_in_place, arch, pool, develop) for arch in arches]
        failures = []
        for arch, future in zip(arches, running, strict=True):
            try:
                future.result()
            except SystemExit as failure:
                failures.append((arch, failure))
    shown = [f"{arch.name}: {failure}" for arch, failure in failures if not isinstance(failure, Stopped)]
    if failures:
        raise SystemExit("\n".join(shown or [str(failures[0][1])]))
    targets = [_install(arch, object_dir(arch, develop) / module_file_name(arch), target_dir) for arch in arches]
    for old in target_dir.glob("_native*.so"):   # the single-module layout's extension
        if old.name.split(".")[0] == "_native":
            old.unlink()
    return targets


def _link_in_place(arch: Arch, pool: JobPool, develop: bool) -> None:
    """arch's part of :func:`build_in_place`, in a thread of its own: its objects, its cdef and
    cffi module source when they changed, the module's object and link, the link check."""
    objects, jobs = plan_objects(arch, develop)
    pool.compile(jobs)
    obj_dir = object_dir(arch, develop)
    if jobs:
        say_tree_warnings(arch, objects, obj_dir)
    check = LinkCheck(arch, objects, develop, pool)
    cdef, generated = cached_cdef(arch, objects, develop, before=check.finish)
    stem = arch.module_stem
    module_source, module_object = obj_dir / f"{stem}.c", obj_dir / f"{stem}.o"
    if generated or not module_source.exists():
        if pool.verbose:
            print(f"cffi module source [{arch.name}]", file=sys.stderr)
        with _GENERATING:
            from .module import configured_builder  # cffi only when the source is made again

            fresh = obj_dir / f"{stem}.c.new"
            configured_builder(arch, cdef, objects, flavour(arch, develop)).emit_c_code(str(fresh))
        if module_source.exists() and module_source.read_bytes() == fresh.read_bytes():
            fresh.unlink()  # same source: keep its timestamp, so its object stays valid
        else:
            fresh.replace(module_source)
    # The module's object depends on more than its source: it compiles the static inline
    # wrappers of the headers it includes (vspace.h's among them), so gcc's dependency file
    # decides, as for every other object.
    module_deps = obj_dir / f"{stem}.d"
    command = python_compile_command(arch, module_source, module_object, module_deps)
    stamp = obj_dir / f"{stem}.cmd"
    if not up_to_date(module_object, module_deps, command, stamp):
        text = stamp_text(command, module_source, module_deps)
        pool.run(command, f"cc {stem}.c (the cffi module) [{arch.name}]")
        stamp.write_text(text)
    linked = obj_dir / module_file_name(arch)
    inputs = [module_object, *objects]
    link = python_link_command(inputs, linked)
    link_stamp = obj_dir / f"{stem}.link"
    if not link_up_to_date(linked, link_stamp, link, inputs):
        pool.run(link, f"link {linked.name}")
        record_link(link_stamp, link)
    check.finish()   # before the module is put where Python imports it


def _install(arch: Arch, linked: Path, target_dir: Path) -> Path:
    target = target_dir / linked.name
    module = linked.read_bytes()
    if not (target.exists() and target.read_bytes() == module):
        _say_when_built_from_another_tree(target)
        target_dir.mkdir(parents=True, exist_ok=True)
        # Replace, never rewrite in place: a process that has the old module loaded keeps its mapping.
        tmp = target.with_suffix(".so.tmp")
        tmp.write_bytes(module)
        tmp.replace(target)
    else:
        # The same bytes (an edit undone, a comment changed): the module is as new as the sources it
        # was just checked against, which is what the test run's staleness warning compares.
        os.utime(target)
    remove_other_builds(target)   # e.g. an abi3 build left by `pip install -e`
    return target


def builds_of(module: Path) -> list[Path]:
    """Every build of the extension module ``module`` names in its folder: the same module name,
    any suffix ending ``.so`` (``_native_x86_64.abi3.so``, ``_native_x86_64.cpython-311-….so``)."""
    stem = module.name.split(".")[0]
    return [other for other in sorted(module.parent.glob(f"{stem}.*"))
            if other.name.split(".")[0] == stem and other.suffix == ".so"]


def remove_other_builds(kept: Path) -> None:
    """Remove every other build of the extension module ``kept`` from its folder (the same module
    name, another suffix: ``_native_x86_64.abi3.so`` beside ``_native_x86_64.cpython-311-….so``).
    Python imports the first suffix it tries, whichever build is newer, so a leftover one would be
    what runs: the in-place build after ``pip install -e .``, or the other way round."""
    for other in builds_of(kept):
        if other != kept:
            other.unlink()


def keep_only_builds(kept: list[Path]) -> None:
    """Leave in the folder of the modules ``kept`` (those setuptools just built) one build of each
    and no build of an arch's module not among them: what is installed is exactly what was built,
    never a module an earlier build left there (its arch would silently run that build's C)."""
    for module in kept:
        remove_other_builds(module)
    stems = {module.name.split(".")[0] for module in kept}
    for folder in {module.parent for module in kept}:
        for arch in ARCHES.values():
            if arch.module_stem not in stems:
                for stale in builds_of(folder / arch.module_stem):
                    stale.unlink()


# ---- what a module file says it was built from ----

# csrc/binding/src/build_info.c keeps the flavour and BUILT_FROM of its compile in one array after
# this marker, each ended by a NUL.
_BUILD_RECORD_MARKER = b"sel4vspace build record\0"


def build_record(module: bytes) -> tuple[str, str, str] | None:
    """The (flavour, seL4_libs tree, util_libs) a module file's bytes record, read without loading
    it (each tree ``vendor`` or a path); None when it has no record (a build from before the record
    was kept, or not a module of this build)."""
    start = module.find(_BUILD_RECORD_MARKER)
    if start < 0:
        return None
    fields = module[start + len(_BUILD_RECORD_MARKER):].split(b"\0", 3)
    if len(fields) < 3:
        return None
    flavour_name, sel4_libs, util_libs = (field.decode(errors="replace") for field in fields[:3])
    return flavour_name, sel4_libs, util_libs


def imported_module(target: Path) -> Path | None:
    """The build of ``target``'s module in its folder that Python imports: the first suffix of
    ``importlib.machinery.EXTENSION_SUFFIXES`` that exists, whichever build is newer."""
    stem = target.name.split(".")[0]
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        if (target.parent / (stem + suffix)).is_file():
            return target.parent / (stem + suffix)
    return None


def _say_when_built_from_another_tree(target: Path) -> None:
    """Say, before ``target`` replaces it, when the build of its module that Python imported until
    now was built from another seL4_libs tree than this build (SEL4VSPACE_SEL4_LIBS forgotten, or
    given where it was not before)."""
    replaced = imported_module(target)
    if replaced is None:
        return
    record = build_record(replaced.read_bytes())
    if record is None or record[1] == built_from():
        return
    shown = replaced.relative_to(ROOT) if replaced.is_relative_to(ROOT) else replaced
    print(f"warning: {shown} was built from {record[1]}; this build is from {built_from()}\n"
          f"  ({SEL4_LIBS_ENV} chose it; unset, python build_ffi.py builds the tree of the modules it replaces)",
          file=sys.stderr)


def mixed_trees_warning(package_dir: Path) -> str | None:
    """What to say when the arches' modules Python imports from ``package_dir`` were built from
    different seL4_libs trees (a rebuild of one arch without SEL4VSPACE_SEL4_LIBS, after all were
    built from a tree): each arch's tree, or None when they agree."""
    trees = {name: record[1] for name, record in package_records(package_dir).items()}
    if len(set(trees.values())) < 2:
        return None
    listed = "; ".join(f"{name} from {tree}" for name, tree in trees.items())
    return (f"warning: the arches in {package_dir} are built from different seL4_libs trees: {listed}\n"
            f"  ({SEL4_LIBS_ENV} chooses the tree of each build)")


def package_records(package_dir: Path) -> dict[str, tuple[str, str, str]]:
    """The build record (:func:`build_record`) of each arch's module Python imports from
    ``package_dir``, by arch, for the modules that have one."""
    records = {}
    for name, arch in ARCHES.items():
        module = imported_module(package_dir / f"{arch.module_stem}.so")
        record = None if module is None else build_record(module.read_bytes())
        if record is not None:
            records[name] = record
    return records


def trees_to_build_again(package_dir: Path) -> tuple[str, str] | None:
    """The (seL4_libs, util_libs) trees an in-place build with ``SEL4VSPACE_SEL4_LIBS`` unset takes:
    those every module in ``package_dir`` was built from, when that is a seL4_libs checkout other
    than vendor/ and it is still there (the edit loop's rebuild stays on the user's tree); None to
    build vendor/ (nothing built yet, built from vendor/, from several trees, or from one that is
    gone). The util_libs is ``vendor`` when the modules used vendor/libutils."""
    if os.environ.get(SEL4_LIBS_ENV, "").strip():
        return None
    trees = {(record[1], record[2]) for record in package_records(package_dir).values()}
    if len(trees) != 1:
        return None
    [(sel4_libs, util_libs)] = trees
    if sel4_libs == VENDOR or missing_sel4_libs(Path(sel4_libs)):
        return None
    if util_libs != VENDOR and not is_util_libs_checkout(Path(util_libs)):
        return None
    return sel4_libs, util_libs


def package_imported_here() -> Path | None:
    """The folder of the ``sel4vspace`` package this interpreter imports with its sys.path (from
    the repository root: the path of ``python build_ffi.py`` and of ``python -m pytest`` there),
    found without importing it; None when there is none to import."""
    spec = importlib.util.find_spec("sel4vspace")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def shadowed_build_warning(package_dir: Path, found: Path | None) -> str | None:
    """What to say when ``found``, the package Python imports (:func:`package_imported_here`), is
    not ``package_dir``, where the in-place build puts its modules: the tests would then run
    another build (a non-editable install's). None when it is."""
    if found == package_dir.resolve():
        return None
    imports = "finds no sel4vspace to import" if found is None else f"imports sel4vspace from {found}"
    tree = built_from()
    install = "pip install -e ." if tree == VENDOR else f"{SEL4_LIBS_ENV}={tree} pip install -e ."
    return (f"warning: Python {imports}, not {package_dir}: the tests will not run this build.\n"
            f"  The edit loop needs an editable install of this tree: {install}")
