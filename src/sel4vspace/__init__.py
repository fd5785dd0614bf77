# SPDX-License-Identifier: BSD-2-Clause
"""seL4's virtual-memory libraries, compiled for the host against a simulated seL4 kernel.

The Pythonic layer::

    from sel4vspace import Kernel, CapRights

    with Kernel() as kernel:
        client = kernel.new_vspace("client")
        window = client.reserve_deferred_rights_range_at(0x10000000, 4 * 4096)
        frames = kernel.alloc_frames(4)
        client.deferred_rights_map_pages_at_vaddr(frames, 0x10000000, CapRights.READ, window)
        client.read(0x10000000, 16)

Method names are the C names without the ``vspace_`` prefix. ``sel4vspace.lowlevel`` is the C
library as cffi sees it (``ffi``, ``lib``), for tests that drive the C directly.
"""

from __future__ import annotations

from .errors import CSpaceFullError, KernelError, Sel4VSpaceError, StaleObjectError, VMFault, VSpaceError
from .kernel import FRAME_SIZE_BITS, Kernel
from .rights import CapRights
from .vspace import Mapping, Reservation, VSpace

__version__ = "0.1.0"

__all__ = [
    "Kernel",
    "VSpace",
    "Reservation",
    "Mapping",
    "CapRights",
    "Sel4VSpaceError",
    "VSpaceError",
    "KernelError",
    "CSpaceFullError",
    "VMFault",
    "StaleObjectError",
    "FRAME_SIZE_BITS",
    "__version__",
]
