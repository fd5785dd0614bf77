# SPDX-License-Identifier: BSD-2-Clause
"""Build sel4vspace._native: the library under test plus its host world, as one cffi API-mode module.

What happens, in order:

1. Every C source of vendor/ (or of an external seL4_libs checkout, see below) and csrc/ is compiled
   to an object under build/obj/<flavour>/, incrementally: an object is rebuilt only when its source
   or a header it included (from gcc's -MMD dependency file) changed.
2. The cffi cdef is generated, never written by hand: csrc/binding/include/binding.h is run through the C
   preprocessor against stand-in libc headers (csrc/build_support/fake_libc) and parsed with
   pycparser. Every typedef, struct, union, enum and function declared in our own headers is kept;
   ``static inline`` functions become plain declarations (cffi calls the real inline function);
   functions no object defines are dropped; object-like macros from our headers that expand to
   integer constants become ``#define NAME ...``.
3. cffi generates the module source and links it with the objects.

Environment:

``SEL4VSPACE_SEL4_LIBS``
    Path of a seL4_libs checkout. libsel4vka, libsel4vspace and the sel4utils vspace are then
    built from there, unmodified, instead of vendor/ (libsel4, the kernel and the host world stay
    ours).
``SEL4VSPACE_UTIL_LIBS``
    Path of a util_libs checkout whose libutils headers replace vendor/libutils. Defaults to a
    ``util_libs`` folder beside the seL4_libs checkout, when there is one. Only its headers are
    used: the host's log bridge implements zf_log's entry points.
``SEL4VSPACE_SANITIZE``
    ``1`` builds with AddressSanitizer and UndefinedBehaviorSanitizer.
``SEL4VSPACE_COVERAGE``
    ``1`` builds with gcov instrumentation (``--coverage``).
``SEL4VSPACE_ZF_LOG_LEVEL``
    The compiled-in ZF_LOG level (1 verbose ... 6 fatal); default 4 (warnings and worse).
``SEL4VSPACE_CFLAGS``
    Extra compiler flags for our objects (for example ``-O0 -g``).

Run ``python build_ffi.py`` to build the module in place (src/sel4vspace/) for development: it
recompiles the changed C files and relinks, and regenerates and recompiles cffi's module source
only when the cdef or the build kind changed (see ``build_in_place``). ``pip install .`` goes
through setuptools and :func:`make_ffibuilder`.
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

import cffi
from pycparser import c_ast, c_generator, c_parser

ROOT = Path(__file__).resolve().parent
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
# Its define selects csrc/config's configuration of that architecture and its kernel and libsel4 sources.
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


def _env_flag(name: str) -> bool:
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
        dirs += [libs / lib / "include", libs / lib / "arch_include" / ARCH, libs / lib / "sel4_arch_include" / SEL4_ARCH]
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


def flavour() -> str:
    """Objects of different builds (sanitizers, coverage, external sources) never mix."""
    parts = []
    if _env_flag(SANITIZE_ENV):
        parts.append("asan")
    if _env_flag(COVERAGE_ENV):
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


def compile_flags() -> list[str]:
    flags = ["-std=gnu11", "-fPIC", "-O2", "-g", "-fno-strict-aliasing"] + WARNING_FLAGS + defines()
    # What csrc/binding/src/build_info.c reports to Python (sel4vspace.lowlevel.BUILT_FROM).
    flags += [f"-DSEL4VSPACE_BUILT_FROM={json.dumps(built_from())}", f"-DSEL4VSPACE_BUILD_FLAVOUR={json.dumps(flavour())}"]
    flags += instrumentation_flags()
    flags += shlex.split(os.environ.get(CFLAGS_ENV, ""))
    return flags


def instrumentation_flags() -> list[str]:
    """Sanitizer / coverage flags, for our objects and for the cffi module alike: the module
    compiles the vspace.h static inline wrappers Python calls, so it must be instrumented too."""
    flags = []
    if _env_flag(SANITIZE_ENV):
        flags += ["-O1", "-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined"]
    if _env_flag(COVERAGE_ENV):
        flags += ["-O0", "--coverage"]
    return flags


def link_flags() -> list[str]:
    flags = []
    if _env_flag(SANITIZE_ENV):
        flags += ["-fsanitize=address,undefined"]
    if _env_flag(COVERAGE_ENV):
        flags += ["--coverage"]
    return flags


def _compiler() -> str:
    return os.environ.get("CC", "cc")


def _object_path(source: Path, obj_dir: Path) -> Path:
    try:
        rel = source.relative_to(ROOT)
    except ValueError:
        rel = Path("external") / source.relative_to(sel4_libs_root())
    return obj_dir / rel.with_suffix(".o")


def _up_to_date(obj: Path, dep: Path, command: list[str], stamp: Path) -> bool:
    if not (obj.exists() and dep.exists() and stamp.exists()):
        return False
    if stamp.read_text() != json.dumps(command):
        return False
    obj_mtime = obj.stat().st_mtime
    text = dep.read_text().replace("\\\n", " ")
    _, _, prerequisites = text.partition(":")
    for name in prerequisites.split():
        path = Path(name)
        if not path.exists() or path.stat().st_mtime > obj_mtime:
            return False
    return True


def compile_objects(verbose: bool = False) -> list[Path]:
    """Compile every source that changed; return all object paths."""
    obj_dir = BUILD / "obj" / flavour()
    includes = [f"-I{d}" for d in include_dirs()]
    objects = []
    for source in c_sources():
        obj = _object_path(source, obj_dir)
        dep = obj.with_suffix(".d")
        stamp = obj.with_suffix(".cmd")
        command = [_compiler(), *compile_flags(), *includes, "-MMD", "-MF", str(dep), "-c", str(source), "-o", str(obj)]
        objects.append(obj)
        if _up_to_date(obj, dep, command, stamp):
            continue
        obj.parent.mkdir(parents=True, exist_ok=True)
        if verbose:
            print("cc", source.relative_to(ROOT) if source.is_relative_to(ROOT) else source, file=sys.stderr)
        result = subprocess.run(command, capture_output=True, text=True)
        sys.stderr.write(result.stderr)
        if result.returncode != 0:
            raise SystemExit(f"compiling {source} failed")
        stamp.write_text(json.dumps(command))
    return objects


def defined_symbols(objects: list[Path]) -> set[str]:
    """Global symbols the objects define: only these non-inline functions go into the cdef."""
    if not objects:
        return set()
    out = subprocess.run(["nm", "-g", "--defined-only", *map(str, objects)], check=True, capture_output=True, text=True).stdout
    symbols = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 3:
            symbols.add(fields[2])
    return symbols


# ---- cdef generation ----

_CPP_NEUTRALISE = [
    "-D__attribute__(x)=",
    "-D__extension__=",
    "-D__restrict=",
    "-D__inline=inline",
    "-D__asm__(x)=",
    "-D_Noreturn=",
]
_INTEGER_TOKEN = re.compile(r"\s*(?:(?:0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*|<<|>>|[()+\-*/%|&^~])")
_LINE_MARKER = re.compile(r'^# (\d+) "(.*)"')
_DEFINE = re.compile(r"^#define\s+([A-Za-z_][A-Za-z0-9_]*)(\s+(.*))?$")


def _preprocess(source_text: str, extra: list[str]) -> str:
    command = [_compiler(), "-E", "-nostdinc", "-std=c11", f"-I{FAKE_LIBC}", *_CPP_NEUTRALISE, *defines()]
    command += [f"-I{d}" for d in include_dirs()] + extra + ["-"]
    result = subprocess.run(command, input=source_text, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit("preprocessing csrc/binding/include/binding.h for the cdef failed:\n" + result.stderr)
    return result.stdout


def _is_our_file(name: str) -> bool:
    if not name or name.startswith("<"):
        return False
    path = Path(name).resolve()
    if path.is_relative_to(FAKE_LIBC):
        return False
    return path.is_relative_to(ROOT) or path.is_relative_to(sel4_libs_root())


def _integer_macros(with_defines: str) -> list[str]:
    """Object-like macros from our headers whose full expansion is an integer constant expression."""
    candidates = []
    current_file = ""
    for line in with_defines.splitlines():
        marker = _LINE_MARKER.match(line)
        if marker:
            current_file = marker.group(2)
            continue
        match = _DEFINE.match(line)
        if match and _is_our_file(current_file):
            name, body = match.group(1), (match.group(3) or "").strip()
            if body and not name.startswith("_") and "(" not in line[len("#define ") + len(name):][:1]:
                candidates.append(name)
    if not candidates:
        return []
    probe = '#include "binding.h"\n' + "".join(f"__sel4vspace_probe_{n} = {n};\n" for n in candidates)
    expanded = _preprocess(probe, [])
    values = {}
    for line in expanded.splitlines():
        if line.startswith("__sel4vspace_probe_"):
            name, _, value = line[len("__sel4vspace_probe_"):].partition(" = ")
            values[name] = value.rstrip(";").strip()
    return [n for n in candidates if n in values and _is_integer_expression(values[n])]


def _is_integer_expression(text: str) -> bool:
    """True when text is made only of integer literals, arithmetic operators and parentheses."""
    position, saw_literal = 0, False
    while position < len(text):
        token = _INTEGER_TOKEN.match(text, position)
        if token is None:
            return text[position:].strip() == "" and saw_literal
        saw_literal |= token.group().strip()[:1].isdigit()
        position = token.end()
    return saw_literal


class _CalledNames(c_ast.NodeVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_FuncCall(self, node: c_ast.FuncCall) -> None:
        if isinstance(node.name, c_ast.ID):
            self.names.add(node.name.name)
        self.generic_visit(node)


class _CdefFilter:
    """Keeps the top-level declarations of our own headers, in a form cffi's cdef accepts."""

    def __init__(self, symbols: set[str], ast: c_ast.FileAST) -> None:
        self.symbols = symbols
        self.generator = c_generator.CGenerator()
        # Functions our headers declare but no object defines: an inline calling one cannot link.
        self.undefined = {
            node.name for node in ast.ext
            if isinstance(node, c_ast.Decl) and isinstance(node.type, c_ast.FuncDecl)
            and _is_our_file(node.coord.file if node.coord else "") and node.name not in symbols
        }
        # ... and so can an inline calling such an inline: grow the set to a fixed point.
        inlines = [n for n in ast.ext if isinstance(n, c_ast.FuncDef)]
        changed = True
        while changed:
            changed = False
            for node in inlines:
                if node.decl.name not in self.undefined and self._calls_undefined(node):
                    self.undefined.add(node.decl.name)
                    changed = True

    def _calls_undefined(self, node: c_ast.FuncDef) -> bool:
        called = _CalledNames()
        called.visit(node.body)
        return bool(called.names & self.undefined)

    def declaration(self, node: c_ast.Node) -> str | None:
        if isinstance(node, c_ast.StaticAssert) or not _is_our_file(node.coord.file if node.coord else ""):
            return None
        if isinstance(node, c_ast.FuncDef):
            decl = node.decl
            if decl.name.startswith("_") or decl.name in self.undefined:
                return None
            return self._function_declaration(decl, inline=True)
        if isinstance(node, c_ast.Typedef):
            return self.generator.visit(node) + ";"
        if isinstance(node, c_ast.Decl):
            if isinstance(node.type, c_ast.FuncDecl):
                if node.name.startswith("_") or node.name not in self.symbols:
                    return None
                return self._function_declaration(node, inline=False)
            if node.name is None:  # struct/union/enum definition
                return self.generator.visit(node) + ";"
            if "extern" in node.storage and node.name in self.symbols and not node.name.startswith("_"):
                return self.generator.visit(node) + ";"
            return None  # static or undefined variables are not part of the surface
        return None

    def _function_declaration(self, decl: c_ast.Decl, inline: bool) -> str:
        clean = c_ast.Decl(
            name=decl.name, quals=decl.quals, align=[], storage=[], funcspec=[],
            type=decl.type, init=None, bitsize=None, coord=decl.coord,
        )
        return self.generator.visit(clean) + ";"


_ASM_KEYWORD = re.compile(r"\b(?:asm|__asm__|__asm)\b(?:\s+(?:volatile|__volatile__|goto|inline))*\s*\(")
_STATEMENT_EXPRESSION = re.compile(r"\(\s*\{")
_SKIP_LITERAL = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')


def _matching_close(text: str, open_at: int) -> int:
    """Index just past the bracket that closes the one at open_at; string and character literals
    are skipped, so brackets inside them do not count."""
    closing = {"(": ")", "{": "}"}
    stack, position = [], open_at
    while position < len(text):
        char = text[position]
        if char in "\"'":
            literal = _SKIP_LITERAL.match(text, position)
            position = literal.end() if literal else position + 1
            continue
        if char in closing:
            stack.append(closing[char])
        elif char in ")}":
            if not stack or stack.pop() != char:
                raise SystemExit(f"unbalanced {char!r} in the preprocessed headers at offset {position}")
            if not stack:
                return position + 1
        position += 1
    raise SystemExit("unterminated bracket in the preprocessed headers")


def _without_gnu_bodies(text: str) -> str:
    """Replace the two GNU C constructs pycparser cannot read with equivalents it can: an
    ``asm`` statement becomes ``(void)0`` and a statement expression ``({ ... })`` becomes ``0``.
    Both occur only inside function bodies (util_libs' inline helpers and macros), whose code the
    cdef never keeps: only which functions they call matters, and neither construct calls any."""
    out, position = [], 0
    while True:
        asm = _ASM_KEYWORD.search(text, position)
        expr = _STATEMENT_EXPRESSION.search(text, position)
        found = min((m for m in (asm, expr) if m), key=lambda m: m.start(), default=None)
        if found is None:
            out.append(text[position:])
            return "".join(out)
        out.append(text[position:found.start()])
        if found is asm:
            position = _matching_close(text, found.end() - 1)
            out.append("(void)0")
        else:
            position = _matching_close(text, found.start())
            out.append("0")


def generate_cdef(symbols: set[str]) -> str:
    text = _without_gnu_bodies(_preprocess('#include "binding.h"\n', []))
    ast = c_parser.CParser().parse(text, filename="binding.h")
    keep = _CdefFilter(symbols, ast)
    lines = [d for d in (keep.declaration(node) for node in ast.ext) if d]
    with_defines = _preprocess('#include "binding.h"\n', ["-dD"])
    lines += [f"#define {name} ..." for name in _integer_macros(with_defines)]
    return "\n".join(lines) + "\n"


_UNDEFINED_REFERENCE = re.compile(r"undefined reference to `([^']+)'")


def check_links(objects: list[Path]) -> None:
    """Fail the build, naming each symbol, when the objects refer to something that neither they
    nor the C library define: otherwise the module builds and only its import fails."""
    target = BUILD / "obj" / flavour() / "link-check.so"
    command = [_compiler(), "-shared", "-o", str(target), *map(str, objects), *link_flags(), "-Wl,--no-undefined"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        missing = sorted(set(_UNDEFINED_REFERENCE.findall(result.stderr)))
        if not missing:
            raise SystemExit("linking the objects failed:\n" + result.stderr)
        raise SystemExit(
            "the C under test refers to symbols nothing defines: " + ", ".join(missing)
            + f" (built from {built_from()}, libutils from {util_libs_root() or 'vendor'})")


def _configured_builder(cdef: str, objects: list[Path]) -> cffi.FFI:
    builder = cffi.FFI()
    builder.cdef(cdef)
    builder.set_source(
        MODULE_NAME,
        # The flavour line changes the generated source when the build kind changes, so setuptools
        # never reuses a module linked from another flavour's objects.
        f"/* sel4vspace build flavour: {flavour()} */\n" '#include "binding.h"\n',
        include_dirs=module_include_dirs(),
        # Coverage counts the vspace.h wrappers Python calls too: cffi instantiates them here.
        # Python's own flags define NDEBUG; the C under test is compiled with its asserts and zf_log's
        # call-site records everywhere, so the wrappers compiled here must be too.
        extra_compile_args=module_compile_args(),
        extra_objects=[str(o) for o in objects],
        depends=[str(o) for o in objects],  # relink when any object was rebuilt
        # Calls between our objects inside the module bind at link time, as they do in the native
        # benchmark harness, instead of going through the PLT on every call (about a third of a
        # map+unmap cycle's time).
        extra_link_args=module_link_args(),
    )
    return builder


def module_include_dirs() -> list[str]:
    return [str(d) for d in include_dirs()]


def module_compile_args() -> list[str]:
    return ["-std=gnu11", "-UNDEBUG", *defines(), *instrumentation_flags()]


def module_link_args() -> list[str]:
    return link_flags() + ["-Wl,-Bsymbolic-functions"]


def make_ffibuilder(verbose: bool = False) -> cffi.FFI:
    """The cffi builder setuptools uses (``pip install``): objects compiled, cdef generated."""
    objects = compile_objects(verbose=verbose)
    check_links(objects)
    cdef = generate_cdef(defined_symbols(objects))
    BUILD.mkdir(exist_ok=True)
    (BUILD / "cdef.h").write_text(cdef)
    return _configured_builder(cdef, objects)


# ---- the in-place development build ----
#
# setuptools compiles cffi's generated module source (about 10,000 lines) again whenever any
# object it links changed: ten seconds for a one-line edit of the C under test. The development
# build below keeps that source and its object under build/obj/<flavour>/ and regenerates and
# recompiles them only when what they are made from changed (the preprocessed headers of
# csrc/binding/include/binding.h with their macros, the set of functions the objects define, the cffi version and
# the compile command); otherwise it only relinks.

def _run(command: list[str], what: str, verbose: bool) -> None:
    if verbose:
        print(what, file=sys.stderr)
    result = subprocess.run(command, capture_output=True, text=True)
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        raise SystemExit(f"{what} failed:\n" + shlex.join(command))


def _python_compile_command(source: Path, obj: Path, deps: Path) -> list[str]:
    """How setuptools compiles an extension's C source for this interpreter, plus cffi's arguments
    (and a dependency file: the headers it included)."""
    config = sysconfig.get_config_vars()
    command = [*shlex.split(os.environ.get("CC") or config.get("CC") or "cc")]
    command += shlex.split(config.get("CFLAGS") or "") + shlex.split(config.get("CCSHARED") or "")
    command += [f"-I{d}" for d in module_include_dirs()] + [f"-I{sysconfig.get_paths()['include']}"]
    command += module_compile_args() + ["-MMD", "-MF", str(deps), "-c", str(source), "-o", str(obj)]
    return command


def _python_link_command(objects: list[Path], target: Path) -> list[str]:
    config = sysconfig.get_config_vars()
    linker = shlex.split(config.get("LDSHARED") or "cc -shared")
    if os.environ.get("CC"):
        linker = shlex.split(os.environ["CC"]) + linker[1:]
    return [*linker, *map(str, objects), "-o", str(target), *module_link_args()]


def build_in_place(verbose: bool = True) -> Path:
    """Build src/sel4vspace/_native<EXT_SUFFIX>, redoing only what changed. Returns its path."""
    objects = compile_objects(verbose=verbose)
    check_links(objects)
    symbols = defined_symbols(objects)
    obj_dir = BUILD / "obj" / flavour()
    module_source = obj_dir / "_native.c"
    module_object = obj_dir / "_native.o"
    key_file = obj_dir / "_native.key"
    headers = _preprocess('#include "binding.h"\n', ["-dD"])
    key = hashlib.sha256(json.dumps(
        [cffi.__version__, flavour(), sorted(symbols), headers, module_include_dirs()]).encode()).hexdigest()
    if not (module_source.exists() and key_file.exists() and key_file.read_text() == key):
        if verbose:
            print("cdef and cffi module source", file=sys.stderr)
        cdef = generate_cdef(symbols)
        BUILD.mkdir(exist_ok=True)
        (BUILD / "cdef.h").write_text(cdef)
        fresh = obj_dir / "_native.c.new"
        _configured_builder(cdef, objects).emit_c_code(str(fresh))
        if module_source.exists() and module_source.read_bytes() == fresh.read_bytes():
            fresh.unlink()  # same source: keep its timestamp, so its object stays valid
        else:
            fresh.replace(module_source)
        key_file.write_text(key)
    # The module's object depends on more than its source: it compiles the static inline
    # wrappers of the headers it includes (vspace.h's among them), so gcc's dependency file
    # decides, as for every other object.
    module_deps = obj_dir / "_native.d"
    command = _python_compile_command(module_source, module_object, module_deps)
    stamp = obj_dir / "_native.cmd"
    if not _up_to_date(module_object, module_deps, command, stamp):
        _run(command, "cc _native.c (the cffi module)", verbose)
        stamp.write_text(json.dumps(command))
    target_dir = ROOT / "src" / "sel4vspace"
    target = target_dir / ("_native" + sysconfig.get_config_var("EXT_SUFFIX"))
    linked = obj_dir / target.name
    inputs = [module_object, *objects]
    link = _python_link_command(inputs, linked)
    link_stamp = obj_dir / "_native.link"
    if not (linked.exists() and link_stamp.exists() and link_stamp.read_text() == json.dumps(link)
            and all(o.stat().st_mtime <= linked.stat().st_mtime for o in inputs)):
        _run(link, "link " + target.name, verbose)
        link_stamp.write_text(json.dumps(link))
    if target.exists() and target.read_bytes() == linked.read_bytes():
        return target
    for stale in target_dir.glob("_native*.so"):  # e.g. an abi3 build left by `pip install -e`
        if stale.name != target.name:
            stale.unlink()
    # Replace, never rewrite in place: a process that has the old module loaded keeps its mapping.
    tmp = target.with_suffix(".so.tmp")
    tmp.write_bytes(linked.read_bytes())
    tmp.replace(target)
    return target


if __name__ == "__main__":
    print("built", build_in_place(verbose=True))
