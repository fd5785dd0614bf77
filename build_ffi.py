# SPDX-License-Identifier: BSD-2-Clause
"""Build sel4vspace's extensions: the library under test plus its host world, one cffi API-mode
module per seL4 architecture (``sel4vspace._native_x86_64``, ``_native_aarch64``,
``_native_riscv64``), each made from the same sources with that architecture's configuration.

``pip install .`` goes through setuptools, which calls one builder per architecture
(:func:`cffi_modules` lists them for setup.py; :func:`make_ffibuilder` is the builder of one);
``python build_ffi.py`` builds the modules in place (src/sel4vspace/) for development. Importing
this file compiles nothing. The work is done by the ``buildsupport`` package beside it:

1. every C source of vendor/ (or of an external seL4_libs checkout, see below) and csrc/ is
   compiled, once per architecture, to an object under build/obj/<flavour>/ (the flavour names the
   architecture), incrementally, the compile jobs of every architecture sharing one pool of one
   job per core (buildsupport.incremental);
2. each architecture's cffi cdef is generated from csrc/binding/include/binding.h with the C
   preprocessor and pycparser, never written by hand (buildsupport.cdef), and kept beside its
   objects (build/obj/<flavour>/cdef.h) until what it is made from changes;
3. cffi generates each module's source and links it with that architecture's objects
   (buildsupport.module).

Which architecture a program gets is chosen when it runs (``SEL4VSPACE_ARCH``, read by
sel4vspace), not here.

Environment:

``SEL4VSPACE_ARCHES``
    The architectures to build, separated by commas or spaces: ``x86_64``, ``aarch64``,
    ``riscv64``; default all three. Both ``pip install`` and ``python build_ffi.py`` read it.
``SEL4VSPACE_SEL4_LIBS``
    Path of a seL4_libs checkout. libsel4vka, libsel4vspace and the sel4utils vspace are then
    built from there, unmodified, instead of vendor/ (libsel4, the kernel and the host world stay
    ours); ``vendor`` names vendor/. Unset, ``pip install`` builds vendor/, and ``python
    build_ffi.py`` builds the tree the modules in src/sel4vspace were built from (saying so), or
    vendor/ when they are vendor/'s, of several trees, or of one that is gone. The compiler's
    warnings about that tree's C (and its util_libs') are not printed: they are kept in
    build/obj/<flavour>/tree-warnings.txt, and one line per arch counts them.
``SEL4VSPACE_UTIL_LIBS``
    Path of a util_libs checkout whose libutils headers replace vendor/libutils (``vendor``: keep
    vendor/libutils). Defaults to a ``util_libs`` folder beside the seL4_libs checkout, when there
    is one (and, for ``python build_ffi.py`` keeping a tree, to the util_libs of that build). Only
    its headers are used: the host's log bridge implements zf_log's entry points.
``SEL4VSPACE_SANITIZE``
    ``1`` builds with AddressSanitizer and UndefinedBehaviorSanitizer.
``SEL4VSPACE_COVERAGE``
    ``1`` builds with gcov instrumentation (``--coverage``).
``SEL4VSPACE_ZF_LOG_LEVEL``
    The compiled-in ZF_LOG level (1 verbose ... 6 fatal); default 4 (warnings and worse).
``SEL4VSPACE_CFLAGS``
    Extra compiler flags for our objects (for example ``-O0 -g``).

Optimisation: ``pip install`` (the wheel, CI) compiles our objects at ``-O2 -g``. ``python
build_ffi.py`` compiles them at ``-Og -g``, GCC's level for the edit-compile-debug cycle, in
objects of their own (flavour ``dev-<arch>``): the one-file rebuild after an edit is then about a
second for the three architectures and well under one for one of them
(``SEL4VSPACE_ARCHES=x86_64``). ``python build_ffi.py --release`` builds in place at ``-O2``, as
the distributions are. Either way the in-place build recompiles the changed C files (once per
architecture) and relinks; cffi's generated module source is regenerated and recompiled only when
the cdef or the build kind changed. It removes an extension of the single-module layout
(``_native<EXT_SUFFIX>``) from src/sel4vspace and leaves the modules of architectures it did not
build as they are. It warns, on stderr, when a module it replaces was built from another seL4_libs
tree than this build (naming both), and when the arches' modules in src/sel4vspace come from
different trees. When the package Python imports from the repository root is another copy than
src/sel4vspace (a non-editable install shadows it), it says so and exits with status 1: a test run
chained after it would test that copy's build.
``pip install`` (setup.py) installs exactly the architectures it builds.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:   # setuptools runs this file by path: buildsupport/ lies beside it
    sys.path.insert(0, _HERE)

from buildsupport.config import ARCHES, ROOT, SEL4_LIBS_ENV, UTIL_LIBS_ENV, Arch, flavour, selected_arches  # noqa: E402
from buildsupport.incremental import (  # noqa: E402
    JobPool,
    LinkCheck,
    build_in_place,
    cached_cdef,
    compile_arches,
    mixed_trees_warning,
    package_imported_here,
    shadowed_build_warning,
    trees_to_build_again,
)

if TYPE_CHECKING:
    import cffi


def _arch(name: str) -> Arch:
    if name not in ARCHES:
        raise SystemExit(f"no seL4 architecture {name!r} (valid names: {', '.join(ARCHES)})")
    return ARCHES[name]


def make_ffibuilder(arch: str, verbose: bool = False, also_compile: list[Arch] | None = None) -> cffi.FFI:
    """The cffi builder of arch's module, as setuptools uses it (``pip install``): arch's objects
    compiled at -O2, their link checked, its cdef generated (or reused while unchanged).
    ``also_compile``: more arches whose objects compile through the same pool."""
    from buildsupport.module import configured_builder

    wanted = _arch(arch)
    with JobPool(verbose) as pool:
        objects = compile_arches([wanted, *(a for a in also_compile or [] if a != wanted)], pool=pool)[wanted.name]
        check = LinkCheck(wanted, objects, False, pool)
        cdef, _ = cached_cdef(wanted, objects, False, before=check.finish)
        check.finish()
    return configured_builder(wanted, cdef, objects, flavour(wanted))


# One builder per arch for setuptools (setup.py: cffi_modules). Each compiles the objects of every
# arch of SEL4VSPACE_ARCHES through one pool: the first does the work, the others find theirs
# up to date.

def make_ffibuilder_x86_64() -> cffi.FFI:
    return make_ffibuilder("x86_64", also_compile=selected_arches())


def make_ffibuilder_aarch64() -> cffi.FFI:
    return make_ffibuilder("aarch64", also_compile=selected_arches())


def make_ffibuilder_riscv64() -> cffi.FFI:
    return make_ffibuilder("riscv64", also_compile=selected_arches())


def cffi_modules() -> list[str]:
    """setup.py's ``cffi_modules``: the builder of each arch of SEL4VSPACE_ARCHES."""
    return [f"build_ffi.py:make_ffibuilder_{arch.name}" for arch in selected_arches()]


def main(argv: list[str]) -> int:
    unknown = [a for a in argv if a != "--release"]
    if unknown:
        print("usage: python build_ffi.py [--release]\n"
              "  builds sel4vspace._native_<arch> in place for each arch of SEL4VSPACE_ARCHES (default: all);\n"
              "  --release at -O2 as pip install does, else at -Og",
              file=sys.stderr)
        return 2
    package_dir = ROOT / "src" / "sel4vspace"
    again = trees_to_build_again(package_dir)
    if again is not None:
        # the edit loop's rebuild without the variable: the tree the modules here were built from,
        # not vendor/, whose passing suite would say nothing of the user's change
        sel4_libs, util_libs = again
        os.environ[SEL4_LIBS_ENV] = sel4_libs
        os.environ.setdefault(UTIL_LIBS_ENV, util_libs)
        print(f"building from {sel4_libs} again, the seL4_libs tree of the modules in {package_dir} "
              f"({SEL4_LIBS_ENV}=vendor builds vendor/)", file=sys.stderr)
    for built in build_in_place(selected_arches(), verbose=True, develop="--release" not in argv):
        print("built", built)
    mixed = mixed_trees_warning(package_dir)
    if mixed:
        print(mixed, file=sys.stderr)
    found = package_imported_here()
    shadowed = shadowed_build_warning(package_dir, found)
    if shadowed:
        print(shadowed, file=sys.stderr)
        # another copy of the package is what Python imports: a command chained after this one
        # (`&& python -m pytest`) would test that copy's build and could pass on a broken tree
        return 1 if found is not None else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
