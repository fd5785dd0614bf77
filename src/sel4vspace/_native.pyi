# SPDX-License-Identifier: BSD-2-Clause
# The cffi extension build_ffi.py compiles (API mode). cffi generates no type information for its
# modules, so the whole C surface is ``Any`` here: sel4vspace.lowlevel is where Python types begin
# (its wrappers take and return ints, bytes and the package's own classes).
from typing import Any

ffi: Any
lib: Any
