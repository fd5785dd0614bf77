# SPDX-License-Identifier: BSD-2-Clause
"""The cffi builder of sel4vspace._native: the cdef, the module source's one include, and how the
module compiles and links against our objects."""

from __future__ import annotations

from pathlib import Path

import cffi

from .config import MODULE_NAME, module_compile_args, module_include_dirs, module_link_args


def configured_builder(cdef: str, objects: list[Path], flavour: str) -> cffi.FFI:
    builder = cffi.FFI()
    builder.cdef(cdef)
    builder.set_source(
        MODULE_NAME,
        # The flavour line changes the generated source when the build kind changes, so setuptools
        # never reuses a module linked from another flavour's objects.
        f"/* sel4vspace build flavour: {flavour} */\n" '#include "binding.h"\n',
        include_dirs=module_include_dirs(),
        # Coverage counts the vspace.h wrappers Python calls too: cffi instantiates them here.
        # -UNDEBUG: the wrappers keep their asserts, as the C under test does.
        extra_compile_args=module_compile_args(),
        extra_objects=[str(o) for o in objects],
        depends=[str(o) for o in objects],  # relink when any object was rebuilt
        extra_link_args=module_link_args(),
    )
    return builder
