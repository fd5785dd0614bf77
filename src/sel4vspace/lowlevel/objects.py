# SPDX-License-Identifier: BSD-2-Clause
"""The names of the built arch's objects that the Python layer uses, in one place, from the arch
description (:data:`sel4vspace.lowlevel.arch.ARCH`) and libsel4's generic object types.

Nothing else in the package names an architecture.
"""

from __future__ import annotations

from . import lib
from .arch import ARCH

__all__ = ["FRAME_SIZE_BITS", "OBJECT_TYPE_NAMES", "OBJECT_TYPE_COUNT", "PAGING_TYPES", "FRAME_TYPE_BY_BITS",
           "CACHE_DISABLED", "CACHE_ATTRIBUTE_BITS", "CACHED_ATTRIBUTES", "USER_TOP", "PAGE_BITS"]

FRAME_SIZE_BITS: tuple[int, ...] = ARCH.frame_size_bits
"""Frame sizes in bits the simulated kernel's arch maps, ascending (:data:`~sel4vspace.lowlevel.arch.ARCH`)."""

PAGE_BITS: int = ARCH.page_bits
"""The smallest frame size in bits (``seL4_PageBits``)."""

# seL4_ObjectType names every arch has, as libsel4 spells them; the arch adds its own.
_GENERIC_OBJECT_TYPES = (
    "seL4_UntypedObject", "seL4_TCBObject", "seL4_EndpointObject", "seL4_NotificationObject",
    "seL4_CapTableObject", "seL4_SchedContextObject", "seL4_ReplyObject",
)
OBJECT_TYPE_NAMES: dict[int, str] = {
    **{getattr(lib, name): name for name in _GENERIC_OBJECT_TYPES if hasattr(lib, name)},
    **ARCH.object_type_names,
}
"""seL4_ObjectType value -> libsel4 name, for the object types this build's libsel4 defines."""

OBJECT_TYPE_COUNT: int = int(lib.seL4_ObjectTypeCount)
"""``seL4_ObjectTypeCount``: object types are the ints below it."""

PAGING_TYPES: tuple[int, ...] = ARCH.paging_object_types
"""The object types of paging structures, the leaf table first and the vspace root's last."""

FRAME_TYPE_BY_BITS = ARCH.frame_object_types
"""The frame object type of each frame size in bits."""

CACHE_DISABLED: int = ARCH.cache_disabled
"""The VM attributes of an uncached mapping."""

CACHE_ATTRIBUTE_BITS: int = ARCH.default_vm_attributes ^ ARCH.cache_disabled
"""The VM attribute bits in which the arch's cached and uncached mappings differ: x86's cache-disable
bit, ARM's cacheable and parity bits, none on RISC-V (its entries do not choose caching)."""

CACHED_ATTRIBUTES: int = ARCH.default_vm_attributes & CACHE_ATTRIBUTE_BITS
"""Those bits as a cached mapping has them: a mapping is cacheable when its attributes agree."""

USER_TOP: int = ARCH.user_top
"""seL4_UserTop: nothing at or above it can be mapped; ranges to reserve, map or unmap end below it."""
