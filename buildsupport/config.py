# SPDX-License-Identifier: BSD-2-Clause
"""What is built and how: sources, include directories, flags and the build flavour.

Everything here is read from the environment (see build_ffi.py for the variables) at call time,
so a test or a tool may change the environment between two builds; only the architecture
(SEL4VSPACE_ARCH) is read once, at import. This module uses nothing but the standard library and
imports nothing of its own, so a tool may load a private copy for another architecture."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
MODULE_NAME = "sel4vspace._native"

SEL4_LIBS_ENV = "SEL4VSPACE_SEL4_LIBS"
UTIL_LIBS_ENV = "SEL4VSPACE_UTIL_LIBS"
SANITIZE_ENV = "SEL4VSPACE_SANITIZE"
COVERAGE_ENV = "SEL4VSPACE_COVERAGE"
LOG_LEVEL_ENV = "SEL4VSPACE_ZF_LOG_LEVEL"
CFLAGS_ENV = "SEL4VSPACE_CFLAGS"

# The architecture seam: seL4_libs and libsel4 keep arch-specific headers and sources in
# arch_include/<ARCH>, sel4_arch_include/<SEL4_ARCH>, src/arch/<ARCH>, src/sel4_arch/<SEL4_ARCH>.
# SEL4VSPACE_ARCH picks the seL4 architecture (SEL4_ARCH): x86_64 (default), aarch64 or riscv64.
# Its define selects csrc/config's configuration of that architecture and its kernel and libsel4
# sources. Unlike the other variables it is read once, when this module is imported.
ARCH_ENV = "SEL4VSPACE_ARCH"
ARCHES = {"x86_64": ("x86", []), "aarch64": ("arm", ["-DSEL4VSPACE_SEL4_ARCH_AARCH64=1"]),
          "riscv64": ("riscv", ["-DSEL4VSPACE_SEL4_ARCH_RISCV64=1"])}
SEL4_ARCH = os.environ.get(ARCH_ENV, "").strip() or "x86_64"
if SEL4_ARCH not in ARCHES:
    raise SystemExit(f"{ARCH_ENV} must be one of {', '.join(ARCHES)}, got {SEL4_ARCH!r}")
ARCH, ARCH_DEFINES = ARCHES[SEL4_ARCH]

# The seL4_libs libraries under test, and which of their sources the build needs.
SEL4_LIBS = ("libsel4vka", "libsel4vspace", "libsel4utils")
SEL4_LIBS_SOURCES = {
    "libsel4vka": (),
    "libsel4vspace": ("src/vspace.c", f"src/arch/{ARCH}/*.c", f"src/sel4_arch/{SEL4_ARCH}/*.c"),
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
    """Where libsel4vka, libsel4vspace and libsel4utils come from: vendor/ or the user's checkout."""
    external = os.environ.get(SEL4_LIBS_ENV, "").strip()
    if not external:
        return ROOT / "vendor"
    path = Path(external).expanduser().resolve()
    missing = [lib for lib in SEL4_LIBS if not (path / lib).is_dir()]
    if missing:
        raise SystemExit(f"{SEL4_LIBS_ENV}={external}: not a seL4_libs checkout (missing {', '.join(missing)})")
    return path


def util_libs_root() -> Path | None:
    """The util_libs checkout whose libutils the build uses, or None for vendor/libutils."""
    given = os.environ.get(UTIL_LIBS_ENV, "").strip()
    if given:
        path = Path(given).expanduser().resolve()
        if not (path / "libutils" / "include" / "utils").is_dir():
            raise SystemExit(f"{UTIL_LIBS_ENV}={given}: not a util_libs checkout (no libutils/include/utils)")
        return path
    libs = sel4_libs_root()
    if libs == ROOT / "vendor":
        return None
    beside = libs.parent / "util_libs"
    return beside if (beside / "libutils" / "include" / "utils").is_dir() else None


def libutils_include_dirs() -> list[Path]:
    """Where <utils/...> comes from: util_libs' libutils (generic and per-arch), or vendor's."""
    util_libs = util_libs_root()
    if util_libs is None:
        return [ROOT / "vendor" / "libutils" / "include"]
    libutils = util_libs / "libutils"
    return [libutils / "include", libutils / "arch_include" / ARCH]


def built_from() -> str:
    """'vendor', or the resolved path of the external seL4_libs checkout."""
    root = sel4_libs_root()
    return "vendor" if root == ROOT / "vendor" else str(root)


def include_dirs() -> list[Path]:
    libs = sel4_libs_root()
    dirs = [
        ROOT / "csrc" / "config" / "include",
        ROOT / "csrc" / "common" / "include",
        ROOT / "csrc" / "libsel4" / "include",
        ROOT / "csrc" / "libsel4" / "arch_include" / ARCH,
        ROOT / "csrc" / "libsel4" / "sel4_arch_include" / SEL4_ARCH,
        ROOT / "csrc" / "kernel" / "include",
        ROOT / "csrc" / "host" / "include",
        ROOT / "csrc" / "binding" / "include",
        *libutils_include_dirs(),
    ]
    for lib in SEL4_LIBS:
        dirs += [libs / lib / "include", libs / lib / "arch_include" / ARCH,
                 libs / lib / "sel4_arch_include" / SEL4_ARCH]
    return [d for d in dirs if d.is_dir()]


def c_sources() -> list[Path]:
    sources: list[Path] = []
    for layer in sorted((ROOT / "csrc").iterdir()):
        if (layer / "src").is_dir():
            sources += sorted((layer / "src").rglob("*.c"))
    if util_libs_root() is None and (ROOT / "vendor" / "libutils" / "src").is_dir():
        sources += sorted((ROOT / "vendor" / "libutils" / "src").rglob("*.c"))
    libs = sel4_libs_root()
    for lib in SEL4_LIBS:
        for pattern in SEL4_LIBS_SOURCES[lib]:
            sources += sorted((libs / lib).glob(pattern))
    return sources


def flavour(develop: bool = False) -> str:
    """Objects of different builds (sanitizers, coverage, external sources, the -Og development
    build) never mix: each flavour has its own object directory."""
    parts = []
    if develop:
        parts.append("dev")
    if env_flag(SANITIZE_ENV):
        parts.append("asan")
    if env_flag(COVERAGE_ENV):
        parts.append("cov")
    if built_from() != "vendor" or util_libs_root() is not None:
        origin = f"{built_from()}|{util_libs_root()}"
        parts.append("ext-" + hashlib.sha1(origin.encode()).hexdigest()[:8])
    extra = os.environ.get(CFLAGS_ENV, "")
    if extra:
        parts.append("cf-" + hashlib.sha1(extra.encode()).hexdigest()[:8])
    if SEL4_ARCH != "x86_64":
        parts.append(SEL4_ARCH)
    return "-".join(parts) or "default"


def defines() -> list[str]:
    return ARCH_DEFINES + _log_level_defines()


def _log_level_defines() -> list[str]:
    level = os.environ.get(LOG_LEVEL_ENV, "").strip()
    if level:
        if level not in {"1", "2", "3", "4", "5", "6"}:
            raise SystemExit(f"{LOG_LEVEL_ENV} must be 1..6, got {level!r}")
        return [f"-DCONFIG_LIB_UTILS_DEFAULT_ZF_LOG_LEVEL={level}"]
    return []


def compile_flags(develop: bool = False) -> list[str]:
    """The flags of our objects. ``develop``: the in-place development build's -Og instead of -O2
    (sanitizer, coverage and SEL4VSPACE_CFLAGS levels come later on the line and win either way)."""
    opt = DEVELOP_OPT if develop else RELEASE_OPT
    flags = ["-std=gnu11", "-fPIC", opt, "-g", "-fno-strict-aliasing", *WARNING_FLAGS, *defines()]
    # What csrc/binding/src/build_info.c reports to Python (sel4vspace.lowlevel.BUILT_FROM).
    flags += [f"-DSEL4VSPACE_BUILT_FROM={json.dumps(built_from())}",
              f"-DSEL4VSPACE_BUILD_FLAVOUR={json.dumps(flavour(develop))}"]
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


# ---- the cffi module (its C source is generated by cffi and includes binding.h) ----

def module_include_dirs() -> list[str]:
    return [str(d) for d in include_dirs()]


def module_compile_args() -> list[str]:
    """Python's own flags define NDEBUG; the C under test is compiled with its asserts and zf_log's
    call-site records everywhere, so the wrappers the module compiles must be too."""
    return ["-std=gnu11", "-UNDEBUG", *defines(), *instrumentation_flags()]


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


def cdef_preprocess_command(extra: list[str]) -> list[str]:
    """The C preprocessor as the cdef generator runs it on csrc/binding/include/binding.h (an
    #include of it read from stdin): against the stand-in libc headers, with our include
    directories."""
    command = [compiler(), "-E", "-nostdinc", "-std=c11", f"-I{FAKE_LIBC}", *_CPP_NEUTRALISE, *defines()]
    return [*command, *(f"-I{d}" for d in include_dirs()), *extra, "-"]
