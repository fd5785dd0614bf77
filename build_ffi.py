# SPDX-License-Identifier: BSD-2-Clause
"""Build sel4vspace._native: the library under test plus its host world, as one cffi API-mode module.

``pip install .`` goes through setuptools, which calls :func:`make_ffibuilder` (setup.py);
``python build_ffi.py`` builds the module in place (src/sel4vspace/) for development. Importing
this file compiles nothing. The work is done by the ``buildsupport`` package beside it:

1. every C source of vendor/ (or of an external seL4_libs checkout, see below) and csrc/ is
   compiled to an object under build/obj/<flavour>/, incrementally (buildsupport.incremental);
2. the cffi cdef is generated from csrc/binding/include/binding.h with the C preprocessor and pycparser, never
   written by hand (buildsupport.cdef);
3. cffi generates the module source and links it with the objects (buildsupport.module).

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
``SEL4VSPACE_ARCH``
    The seL4 architecture: ``x86_64`` (default), ``aarch64`` or ``riscv64``.

Optimisation: ``pip install`` (the wheel, CI) compiles our objects at ``-O2 -g``. ``python
build_ffi.py`` compiles them at ``-Og -g``, GCC's level for the edit-compile-debug cycle, in
objects of their own (flavour ``dev``): the one-file rebuild after an edit is then well under a
second. ``python build_ffi.py --release`` builds in place at ``-O2``, as the distributions are.
Either way the in-place build recompiles the changed C files and relinks; cffi's generated module
source is regenerated and recompiled only when the cdef or the build kind changed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:   # setuptools runs this file by path: buildsupport/ lies beside it
    sys.path.insert(0, _HERE)

from buildsupport.config import BUILD, flavour  # noqa: E402
from buildsupport.incremental import build_in_place, check_links, compile_objects, defined_symbols  # noqa: E402

if TYPE_CHECKING:
    import cffi


def make_ffibuilder(verbose: bool = False) -> cffi.FFI:
    """The cffi builder setuptools uses (``pip install``): objects compiled at -O2, the link
    checked, the cdef generated."""
    from buildsupport.cdef import generate_cdef
    from buildsupport.module import configured_builder

    objects = compile_objects(verbose=verbose)
    check_links(objects)
    cdef = generate_cdef(defined_symbols(objects))
    BUILD.mkdir(exist_ok=True)
    (BUILD / "cdef.h").write_text(cdef)
    return configured_builder(cdef, objects, flavour())


def main(argv: list[str]) -> int:
    unknown = [a for a in argv if a != "--release"]
    if unknown:
        print("usage: python build_ffi.py [--release]\n"
              "  builds sel4vspace._native in place; --release at -O2 as pip install does, else at -Og",
              file=sys.stderr)
        return 2
    print("built", build_in_place(verbose=True, develop="--release" not in argv))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
