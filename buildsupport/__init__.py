# SPDX-License-Identifier: BSD-2-Clause
"""How sel4vspace._native is built, in three parts (used by build_ffi.py, bench/ and tools/):

- :mod:`buildsupport.config`: what is built and how: the sources, include directories, flags and
  build flavour, from the environment variables build_ffi.py documents. Standard library only.
- :mod:`buildsupport.incremental`: the incremental compile (an object is rebuilt only when its
  source, a header it included or its command changed), the link check, and the in-place
  development build behind ``python build_ffi.py``. Standard library only: it imports cffi and
  pycparser only when the cdef must be generated again.
- :mod:`buildsupport.cdef`: the cffi cdef, generated from csrc/binding/include/binding.h with the C preprocessor
  and pycparser.

Importing any of them compiles nothing.
"""
