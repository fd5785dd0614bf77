# SPDX-License-Identifier: BSD-2-Clause
"""What is built and how: the architectures, sources, include directories, flags and flavours.

Everything here is read from the environment (see build_ffi.py for the variables) at call time,
so a test or a tool may change the environment between two builds. Every seL4 architecture is
built, each into a module of its own; what depends on the architecture takes it as an
:class:`Arch` (:data:`ARCHES` has them all, :func:`selected_arches` those a build makes). This
module uses nothing but the standard library and imports nothing of its own."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"

ARCHES_ENV = "SEL4VSPACE_ARCHES"
SEL4_LIBS_ENV = "SEL4VSPACE_SEL4_LIBS"
UTIL_LIBS_ENV = "SEL4VSPACE_UTIL_LIBS"
VENDOR = "vendor"
"""The folder of the project's own copy of the libraries (vendor/, vendor/libutils), the value of
either variable that names it, and how a build record names it."""
SANITIZE_ENV = "SEL4VSPACE_SANITIZE"
COVERAGE_ENV = "SEL4VSPACE_COVERAGE"
LOG_LEVEL_ENV = "SEL4VSPACE_ZF_LOG_LEVEL"
CFLAGS_ENV = "SEL4VSPACE_CFLAGS"


@dataclass(frozen=True)
class Arch:
    """One seL4 architecture as the build sees it: seL4's name for it (``name``, SEL4_ARCH:
    ``x86_64``) and its family (``family``, ARCH: ``x86``), which name the arch folders of
    seL4_libs and libsel4 (arch_include/<family>, sel4_arch_include/<name>, src/arch/<family>,
    src/sel4_arch/<name>), the defines that select csrc/config's configuration of it and its
    kernel and libsel4 sources, and the headers every object of the arch is compiled with
    (``forced_includes``, relative to the repository)."""

    name: str
    family: str
    defines: tuple[str, ...]
    forced_includes: tuple[str, ...] = ()

    @property
    def module_name(self) -> str:
        """The extension this arch is built into: ``sel4vspace._native_<name>``."""
        return f"sel4vspace.{self.module_stem}"

    @property
    def module_stem(self) -> str:
        return f"_native_{self.name}"


ARCHES: dict[str, Arch] = {arch.name: arch for arch in (
    Arch("x86_64", "x86", ()),
    Arch("aarch64", "arm", ("-DSEL4VSPACE_SEL4_ARCH_AARCH64=1",)),
    # C under test issues RISC-V's fence.i as inline assembly: it must assemble on the host
    Arch("riscv64", "riscv", ("-DSEL4VSPACE_SEL4_ARCH_RISCV64=1",),
         ("csrc/libsel4/src/arch/riscv/host_instructions.h",)),
)}


def selected_arches() -> list[Arch]:
    """The arches a build makes: those SEL4VSPACE_ARCHES names (separated by commas or spaces),
    every one when it is unset or empty; in :data:`ARCHES`' order, each once."""
    given = os.environ.get(ARCHES_ENV, "")
    names = [name for name in re.split(r"[,\s]+", given) if name]
    unknown = [name for name in names if name not in ARCHES]
    if unknown:
        raise SystemExit(f"{ARCHES_ENV}={given.strip()!r} names no such arch: {', '.join(unknown)} "
                         f"(valid names: {', '.join(ARCHES)})")
    return [arch for arch in ARCHES.values() if not names or arch.name in names]


# The seL4_libs libraries under test, and which of their sources the build needs.
SEL4_LIBS = ("libsel4vka", "libsel4vspace", "libsel4utils")


def sel4_libs_sources(arch: Arch) -> dict[str, tuple[str, ...]]:
    return {
        "libsel4vka": (),
        "libsel4vspace": ("src/vspace.c", f"src/arch/{arch.family}/*.c", f"src/sel4_arch/{arch.name}/*.c"),
        "libsel4utils": ("src/vspace/*.c", "src/mapping.c"),
    }


FAKE_LIBC = ROOT / "csrc" / "build_support" / "fake_libc"
WARNING_FLAGS = ["-Wall", "-Wextra", "-Wno-missing-field-initializers"]

# The optimisation levels. Distributions (pip install, the wheel, CI) are built at -O2. The
# in-place development build (python build_ffi.py) is built at -Og by default: GCC's level "of
# choice for the standard edit-compile-debug cycle", a third of -O2's compile time for the
# largest file of the C under test; `python build_ffi.py --release` builds in place at -O2.
RELEASE_OPT = "-O2"
DEVELOP_OPT = "-Og"


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip() not in ("", "0", "no", "false")


def sel4_libs_root() -> Path:
    """Where libsel4vka, libsel4vspace and libsel4utils come from: vendor/ (the variable unset, or
    ``vendor``) or the user's checkout."""
    external = os.environ.get(SEL4_LIBS_ENV, "").strip()
    if not external or external == VENDOR:
        return ROOT / VENDOR
    path = Path(external).expanduser().resolve()
    missing = missing_sel4_libs(path)
    if missing:
        raise SystemExit(f"{SEL4_LIBS_ENV}={external}: not a seL4_libs checkout (missing {', '.join(missing)})")
    return path


def missing_sel4_libs(path: Path) -> list[str]:
    """The libraries of SEL4_LIBS that ``path`` lacks: none for a seL4_libs checkout."""
    return [lib for lib in SEL4_LIBS if not (path / lib).is_dir()]


def is_util_libs_checkout(path: Path) -> bool:
    """Whether ``path`` holds libutils' headers as a util_libs checkout does."""
    return (path / "libutils" / "include" / "utils").is_dir()


def util_libs_root() -> Path | None:
    """The util_libs checkout whose libutils the build uses (``SEL4VSPACE_UTIL_LIBS``, else one
    beside an external seL4_libs checkout), or None for vendor/libutils (also when the variable
    is ``vendor``)."""
    given = os.environ.get(UTIL_LIBS_ENV, "").strip()
    if given == VENDOR:
        return None
    if given:
        path = Path(given).expanduser().resolve()
        if not is_util_libs_checkout(path):
            raise SystemExit(f"{UTIL_LIBS_ENV}={given}: not a util_libs checkout (no libutils/include/utils)")
        return path
    libs = sel4_libs_root()
    if libs == ROOT / VENDOR:
        return None
    beside = libs.parent / "util_libs"
    return beside if is_util_libs_checkout(beside) else None


def libutils_include_dirs(arch: Arch) -> list[Path]:
    """Where <utils/...> comes from: util_libs' libutils (generic and per-arch), or vendor's."""
    util_libs = util_libs_root()
    if util_libs is None:
        return [ROOT / VENDOR / "libutils" / "include"]
    libutils = util_libs / "libutils"
    return [libutils / "include", libutils / "arch_include" / arch.family]


def built_from() -> str:
    """'vendor', or the resolved path of the external seL4_libs checkout."""
    root = sel4_libs_root()
    return VENDOR if root == ROOT / VENDOR else str(root)


def include_dirs(arch: Arch) -> list[Path]:
    libs = sel4_libs_root()
    dirs = [
        ROOT / "csrc" / "config" / "include",
        ROOT / "csrc" / "common" / "include",
        ROOT / "csrc" / "libsel4" / "include",
        ROOT / "csrc" / "libsel4" / "arch_include" / arch.family,
        ROOT / "csrc" / "libsel4" / "sel4_arch_include" / arch.name,
        ROOT / "csrc" / "kernel" / "include",
        ROOT / "csrc" / "host" / "include",
        ROOT / "csrc" / "binding" / "include",
        *libutils_include_dirs(arch),
    ]
    for lib in SEL4_LIBS:
        dirs += [libs / lib / folder for folder in sel4_libs_header_dirs(arch)]
    return [d for d in dirs if d.is_dir()]


def sel4_libs_header_dirs(arch: Arch) -> tuple[str, ...]:
    """The folders of each seL4_libs library whose headers ``arch``'s build includes (relative to
    the library): its own, and its arch's and sel4_arch's."""
    return ("include", f"arch_include/{arch.family}", f"sel4_arch_include/{arch.name}")


def c_sources(arch: Arch) -> list[Path]:
    sources: list[Path] = []
    for layer in sorted((ROOT / "csrc").iterdir()):
        if (layer / "src").is_dir():
            sources += sorted((layer / "src").rglob("*.c"))
    if util_libs_root() is None and (ROOT / VENDOR / "libutils" / "src").is_dir():
        sources += sorted((ROOT / VENDOR / "libutils" / "src").rglob("*.c"))
    libs = sel4_libs_root()
    patterns = sel4_libs_sources(arch)
    for lib in SEL4_LIBS:
        for pattern in patterns[lib]:
            sources += sorted((libs / lib).glob(pattern))
    return sources


def flavour(arch: Arch, develop: bool = False) -> str:
    """Objects of different builds (arches, sanitizers, coverage, external sources, the -Og
    development build) never mix: each flavour has its own object directory. The arch comes
    last: ``x86_64``, ``dev-aarch64``, ``asan-riscv64``."""
    parts = []
    if develop:
        parts.append("dev")
    if env_flag(SANITIZE_ENV):
        parts.append("asan")
    if env_flag(COVERAGE_ENV):
        parts.append("cov")
    if built_from() != VENDOR or util_libs_root() is not None:
        origin = f"{built_from()}|{util_libs_root()}"
        parts.append("ext-" + hashlib.sha1(origin.encode()).hexdigest()[:8])
    extra = os.environ.get(CFLAGS_ENV, "")
    if extra:
        parts.append("cf-" + hashlib.sha1(extra.encode()).hexdigest()[:8])
    parts.append(arch.name)
    return "-".join(parts)


def defines(arch: Arch) -> list[str]:
    return [*arch.defines, *_log_level_defines()]


def _log_level_defines() -> list[str]:
    level = os.environ.get(LOG_LEVEL_ENV, "").strip()
    if level:
        if level not in {"1", "2", "3", "4", "5", "6"}:
            raise SystemExit(f"{LOG_LEVEL_ENV} must be 1..6, got {level!r}")
        return [f"-DCONFIG_LIB_UTILS_DEFAULT_ZF_LOG_LEVEL={level}"]
    return []


def compile_flags(arch: Arch, develop: bool = False) -> list[str]:
    """The flags of our objects. ``develop``: the in-place development build's -Og instead of -O2
    (sanitizer, coverage and SEL4VSPACE_CFLAGS levels come later on the line and win either way)."""
    opt = DEVELOP_OPT if develop else RELEASE_OPT
    flags = ["-std=gnu11", "-fPIC", opt, "-g", "-fno-strict-aliasing", *WARNING_FLAGS, *defines(arch)]
    flags += [f"-include{ROOT / header}" for header in arch.forced_includes]
    # What csrc/binding/src/build_info.c reports to Python (sel4vspace.lowlevel.BUILT_FROM).
    util_libs = util_libs_root()
    flags += [f"-DSEL4VSPACE_BUILT_FROM={json.dumps(built_from())}",
              f"-DSEL4VSPACE_BUILD_FLAVOUR={json.dumps(flavour(arch, develop))}",
              f"-DSEL4VSPACE_BUILT_UTIL_LIBS={json.dumps(VENDOR if util_libs is None else str(util_libs))}"]
    flags += instrumentation_flags()
    flags += shlex.split(os.environ.get(CFLAGS_ENV, ""))
    return flags


def instrumentation_flags() -> list[str]:
    """Sanitizer / coverage flags, for our objects and for the cffi module alike: the module
    compiles the vspace.h static inline wrappers Python calls, so it must be instrumented too."""
    flags = []
    if env_flag(SANITIZE_ENV):
        flags += ["-O1", "-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined"]
    if env_flag(COVERAGE_ENV):
        flags += ["-O0", "--coverage"]
    return flags


def link_flags() -> list[str]:
    flags = []
    if env_flag(SANITIZE_ENV):
        flags += ["-fsanitize=address,undefined"]
    if env_flag(COVERAGE_ENV):
        flags += ["--coverage"]
    return flags


def compiler() -> str:
    return os.environ.get("CC", "cc")


# ---- the cffi module of an arch (its C source is generated by cffi and includes binding.h) ----

def module_include_dirs(arch: Arch) -> list[str]:
    return [str(d) for d in include_dirs(arch)]


def module_compile_args(arch: Arch) -> list[str]:
    """Python's own flags define NDEBUG; the C under test is compiled with its asserts and zf_log's
    call-site records everywhere, so the wrappers the module compiles must be too. The module
    calls every function the cdef declares, deprecated ones too (a tree's vka_alloc_async_endpoint):
    it has to, so it is not warned of that."""
    return ["-std=gnu11", "-UNDEBUG", "-Wno-deprecated-declarations", *defines(arch), *instrumentation_flags()]


def module_link_args() -> list[str]:
    # Calls between our objects inside the module bind at link time, as they do in the native
    # benchmark harness, instead of going through the PLT on every call (about a third of a
    # map+unmap cycle's time).
    return [*link_flags(), "-Wl,-Bsymbolic-functions"]


# ---- the cdef's view of the headers (buildsupport.cdef parses it) ----

# GNU extensions pycparser cannot read, neutralised in the preprocessor.
_CPP_NEUTRALISE = [
    "-D__attribute__(x)=",
    "-D__extension__=",
    "-D__restrict=",
    "-D__inline=inline",
    "-D__asm__(x)=",
    "-D_Noreturn=",
]


def cdef_preprocess_command(arch: Arch, extra: list[str]) -> list[str]:
    """The C preprocessor as the cdef generator runs it on csrc/binding/include/binding.h (an
    #include of it read from stdin): against the stand-in libc headers, with our include
    directories."""
    command = [compiler(), "-E", "-nostdinc", "-std=c11", f"-I{FAKE_LIBC}", *_CPP_NEUTRALISE, *defines(arch)]
    return [*command, *(f"-I{d}" for d in include_dirs(arch)), *extra, "-"]
