# SPDX-License-Identifier: BSD-2-Clause
# Metadata lives in pyproject.toml. setuptools reads cffi's `cffi_modules` keyword only from
# setup(), so this file exists to hand it over: one builder per arch of SEL4VSPACE_ARCHES
# (default: every arch), each building the extension sel4vspace._native_<arch>.
import os
import sys
from pathlib import Path

from setuptools import setup

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_ffi  # it lies beside this file; importing it compiles nothing

# build_ext compiles cffi's generated source of each module (10,000 lines at -O2: the longest
# step of the build) one per core at a time, instead of one after another.
setup(cffi_modules=build_ffi.cffi_modules(), options={"build_ext": {"parallel": os.cpu_count() or 1}})
