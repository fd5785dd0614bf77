# SPDX-License-Identifier: BSD-2-Clause
"""The x86_64 names of the simulated kernel that the Python layer uses, in one place.

Frame sizes, libsel4's object types, the cacheability attribute and ``seL4_UserTop``, read from
the extension as libsel4 (``csrc/libsel4``, x86_64 with ``CONFIG_HUGE_PAGE``) defines them.
Nothing else in the package names an architecture.
"""

from __future__ import annotations

from . import lib

__all__ = ["FRAME_SIZE_BITS", "OBJECT_TYPE_NAMES", "OBJECT_TYPE_COUNT", "PAGING_TYPES", "FRAME_TYPE_BY_BITS",
           "CACHE_DISABLED", "USER_TOP"]

FRAME_SIZE_BITS: tuple[int, ...] = (12, 21, 30)
"""Frame sizes the simulated x86_64 kernel maps: 4 KiB, 2 MiB (large) and 1 GiB (huge)."""

# seL4_ObjectType names the simulated x86_64 kernel knows, as libsel4 spells them.
_OBJECT_TYPE_CANDIDATES = (
    "seL4_UntypedObject", "seL4_TCBObject", "seL4_EndpointObject", "seL4_NotificationObject",
    "seL4_CapTableObject", "seL4_SchedContextObject", "seL4_ReplyObject",
    "seL4_X86_PDPTObject", "seL4_X64_PML4Object", "seL4_X64_HugePageObject",
    "seL4_X86_4K", "seL4_X86_LargePageObject", "seL4_X86_PageTableObject", "seL4_X86_PageDirectoryObject",
    "seL4_X86_IOPageTableObject", "seL4_X86_VCPUObject", "seL4_X86_EPTPML4Object", "seL4_X86_EPTPDPTObject",
    "seL4_X86_EPTPDObject", "seL4_X86_EPTPTObject",
)
OBJECT_TYPE_NAMES: dict[int, str] = {
    getattr(lib, name): name for name in _OBJECT_TYPE_CANDIDATES if hasattr(lib, name)
}
"""seL4_ObjectType value -> libsel4 name, for the object types this build's libsel4 defines."""

OBJECT_TYPE_COUNT: int = int(lib.seL4_ObjectTypeCount)
"""``seL4_ObjectTypeCount``: object types are the ints below it."""

PAGING_TYPES: tuple[int, ...] = (lib.seL4_X86_PageTableObject, lib.seL4_X86_PageDirectoryObject,
                                 lib.seL4_X86_PDPTObject, lib.seL4_X64_PML4Object)
"""The object types of paging structures (page table, page directory, PDPT, PML4)."""

FRAME_TYPE_BY_BITS: dict[int, int] = {12: lib.seL4_X86_4K, 21: lib.seL4_X86_LargePageObject,
                                      30: lib.seL4_X64_HugePageObject}
"""The frame object type of each frame size in bits."""

CACHE_DISABLED: int = int(lib.seL4_X86_CacheDisabled)
"""``seL4_X86_CacheDisabled``: the VM attribute bit of an uncached mapping."""

USER_TOP: int = int(lib.seL4_UserTop)
"""seL4_UserTop: nothing at or above it can be mapped; ranges to reserve, map or unmap end below it."""
