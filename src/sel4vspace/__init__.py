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

:data:`ARCHES` names the seL4 architectures installed (``"x86_64"``, ``"aarch64"``, ``"riscv64"``:
one build of the C each); ``Kernel(arch="aarch64")`` makes a kernel of one of them, and kernels of
different arches live side by side. Without ``arch``, and in ``sel4vspace.lowlevel``, the arch is
x86_64, or the one ``SEL4VSPACE_ARCH`` names in the environment.

The compiled extension is loaded on first use of :class:`Kernel`, :class:`VSpace` and the other
names that need it, not by ``import sel4vspace``: the pytest plugin and the scenario checker
import this package without loading any C.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._arches import INSTALLED as ARCHES
from .errors import (
    CSpaceFullError,
    KernelError,
    ReentrantCallError,
    Sel4VSpaceError,
    StaleObjectError,
    VMFault,
    VSpaceError,
)
from .rights import CapRights

if TYPE_CHECKING:  # pragma: no cover
    from .kernel import FRAME_SIZE_BITS, Kernel
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
    "ReentrantCallError",
    "FRAME_SIZE_BITS",
    "ARCHES",
    "__version__",
]

# The names whose modules load the compiled extension, and where they live.
_NEEDS_EXTENSION = {
    "Kernel": ".kernel",
    "FRAME_SIZE_BITS": ".kernel",
    "VSpace": ".vspace",
    "Reservation": ".vspace",
    "Mapping": ".vspace",
}


def __getattr__(name: str) -> Any:
    module = _NEEDS_EXTENSION.get(name)
    if module is None:
        raise AttributeError(f"module 'sel4vspace' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
