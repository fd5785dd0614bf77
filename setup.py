# SPDX-License-Identifier: BSD-2-Clause
# Metadata lives in pyproject.toml. setuptools reads cffi's `cffi_modules` keyword only from
# setup(), so this file exists to hand it over: one builder per arch of SEL4VSPACE_ARCHES
# (default: every arch), each building the extension sel4vspace._native_<arch>.
import os
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_ffi  # it lies beside this file; importing it compiles nothing
from buildsupport.incremental import remove_other_builds


class BuildExtReplacingOtherBuilds(build_ext):
    """build_ext, and after an in-place build (``pip install -e .``) no other build of each module
    left beside it: the in-place development build's (``python build_ffi.py``) has the
    interpreter's own suffix, which Python tries first, and would shadow the fresh one."""

    def run(self):
        super().run()
        if self.inplace:
            for extension in self.extensions:
                remove_other_builds(Path(self.get_ext_fullpath(extension.name)))


# build_ext compiles cffi's generated source of each module (10,000 lines at -O2: the longest
# step of the build) one per core at a time, instead of one after another.
setup(cffi_modules=build_ffi.cffi_modules(), cmdclass={"build_ext": BuildExtReplacingOtherBuilds},
      options={"build_ext": {"parallel": os.cpu_count() or 1}})
