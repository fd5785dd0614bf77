# SPDX-License-Identifier: BSD-2-Clause
"""How sel4vspace's extensions (one per seL4 arch, sel4vspace._native_<arch>) are built, in parts
(used by build_ffi.py, bench/ and tools/):

- :mod:`buildsupport.config`: what is built and how: the arches (:data:`~buildsupport.config.ARCHES`,
  and SEL4VSPACE_ARCHES' choice among them), and for an arch its sources, include directories,
  flags and build flavour, from the environment variables build_ffi.py documents. Standard
  library only.
- :mod:`buildsupport.incremental`: the incremental compile (an object is rebuilt only when its
  source, a header it included or its command changed; every arch's commands through one job
  pool), the link check, the cdef's cache, and the in-place development build behind ``python
  build_ffi.py``. Standard library only: it imports cffi and pycparser only when a cdef must be
  generated again.
- :mod:`buildsupport.cdef`: an arch's cffi cdef, generated from csrc/binding/include/binding.h
  with the C preprocessor and pycparser.
- :mod:`buildsupport.module`: the cffi builder of an arch's module.

Importing any of them compiles nothing.
"""
