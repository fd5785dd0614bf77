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
from buildsupport.incremental import keep_only_builds


class BuildExtReplacingOtherBuilds(build_ext):
    """build_ext, leaving in the package folder it builds into (build/lib.*/sel4vspace, which the
    wheel is made from, or src/sel4vspace for ``pip install -e .``) exactly one build of each module
    it built and none of an arch it did not build (SEL4VSPACE_ARCHES): an earlier build's module
    of another arch would be installed with the wheel, and that arch would run the earlier C. In
    place, the development build's module (``python build_ffi.py``) has the interpreter's own
    suffix, which Python tries first, and would shadow the fresh one."""

    def run(self):
        super().run()
        keep_only_builds([Path(self.get_ext_fullpath(extension.name)) for extension in self.extensions])


# build_ext compiles cffi's generated source of each module (10,000 lines at -O2: the longest
# step of the build) one per core at a time, instead of one after another.
setup(cffi_modules=build_ffi.cffi_modules(), cmdclass={"build_ext": BuildExtReplacingOtherBuilds},
      options={"build_ext": {"parallel": os.cpu_count() or 1}})
