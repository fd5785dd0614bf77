# SPDX-License-Identifier: BSD-2-Clause
"""seL4's virtual-memory libraries, compiled for the host against a simulated seL4 kernel.

``sel4vspace.lowlevel`` is the C library as cffi sees it (``ffi``, ``lib``) plus test helpers.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
