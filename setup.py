# SPDX-License-Identifier: BSD-2-Clause
# Metadata lives in pyproject.toml. setuptools reads cffi's `cffi_modules` keyword only from
# setup(), so this file exists to hand it over.
from setuptools import setup

# make_ffibuilder compiles the C and returns the cffi builder; importing build_ffi compiles nothing.
setup(cffi_modules=["build_ffi.py:make_ffibuilder"])
