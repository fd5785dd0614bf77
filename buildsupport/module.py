# SPDX-License-Identifier: BSD-2-Clause
"""The cffi builder of an arch's module (sel4vspace._native_<arch>): the cdef, the module source's
one include, and how the module compiles and links against that arch's objects."""

from __future__ import annotations

from pathlib import Path

import cffi

from .config import Arch, module_compile_args, module_include_dirs, module_link_args


def configured_builder(arch: Arch, cdef: str, objects: list[Path], flavour: str) -> cffi.FFI:
    builder = cffi.FFI()
    builder.cdef(cdef)
    builder.set_source(
        arch.module_name,
        # The flavour line changes the generated source when the build kind changes, so setuptools
        # never reuses a module linked from another flavour's objects.
        f"/* sel4vspace build flavour: {flavour} */\n" '#include "binding.h"\n',
        include_dirs=module_include_dirs(arch),
        # Coverage counts the vspace.h wrappers Python calls too: cffi instantiates them here.
        # -UNDEBUG: the wrappers keep their asserts, as the C under test does.
        extra_compile_args=module_compile_args(arch),
        extra_objects=[str(o) for o in objects],
        depends=[str(o) for o in objects],  # relink when any object was rebuilt
        extra_link_args=module_link_args(),
    )
    return builder
