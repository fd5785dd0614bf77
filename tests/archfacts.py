# SPDX-License-Identifier: BSD-2-Clause
"""The facts of the architecture the extension under test was built for, in the shape tests use.

Everything comes from :data:`sel4vspace.lowlevel.arch.ARCH` (the host world's C description) or from
the arch's libsel4 names: the same test then checks each architecture against that architecture's
rules. The few rules of seL4's kernels that the description does not carry, because nothing outside
the tests needs them, are here, each with the arches it holds for.
"""

from __future__ import annotations

from sel4vspace import _arches
from sel4vspace.lowlevel import lib
from sel4vspace.lowlevel.arch import ARCH

__all__ = [
    "ARCH", "NAME", "PREFIX", "invocation", "FRAME_TYPES", "PAGE_TYPE", "LARGE_PAGE_TYPE", "HUGE_PAGE_TYPE",
    "PAGE_TABLE_TYPE", "VSPACE_ROOT_TYPE", "DEFAULT_ATTRIBUTES", "PAGE_MAP", "PAGE_UNMAP", "PAGE_GET_ADDRESS",
    "ASID_POOL_ASSIGN", "ASID_CONTROL_MAKE_POOL", "PAGE_TABLE_MAP", "FRAME_OVER_FRAME_REPLACES",
    "TOP_LEVEL_SLOT_BITS", "type_name", "PAGE_NAME", "LARGE_PAGE_NAME", "PAGE_TABLE_NAME", "VSPACE_ROOT_NAME",
    "ROOT_ADDRESS_BITS", "USER_ADDRESS_BITS", "TABLES_BELOW_ROOT", "KERNEL_SLOT", "description", "page_name",
    "top_level_slot_bits", "kernel_slot", "page_table_name",
]

NAME = ARCH.name

# The prefix libsel4 gives the arch's invocations and attributes.
PREFIX = {"x86_64": "seL4_X86", "aarch64": "seL4_ARM", "riscv64": "seL4_RISCV"}[NAME]


def invocation(name: str):
    """The arch's libsel4 invocation called ``<prefix>_<name>`` (``Page_Map``, ``ASIDPool_Assign``)."""
    return getattr(lib, f"{PREFIX}_{name}")


FRAME_TYPES = dict(ARCH.frame_object_types)
PAGE_TYPE = FRAME_TYPES[ARCH.page_bits]
LARGE_PAGE_TYPE = FRAME_TYPES[21]
HUGE_PAGE_TYPE = FRAME_TYPES[30]
PAGE_TABLE_TYPE = ARCH.paging_object_types[0]   # the leaf table: what a 4 KiB frame maps into
VSPACE_ROOT_TYPE = ARCH.vspace_root_object_type
DEFAULT_ATTRIBUTES = ARCH.default_vm_attributes

PAGE_MAP = invocation("Page_Map")
PAGE_UNMAP = invocation("Page_Unmap")
PAGE_GET_ADDRESS = invocation("Page_GetAddress")
ASID_POOL_ASSIGN = invocation("ASIDPool_Assign")
ASID_CONTROL_MAKE_POOL = invocation("ASIDControl_MakePool")
PAGE_TABLE_MAP = invocation("PageTable_Map")

# Mapping a new frame cap where a frame of the same size is already mapped: x86_64's and AArch64's
# seL4 overwrite the entry, RISC-V's refuses a valid entry with seL4_DeleteFirst.
FRAME_OVER_FRAME_REPLACES = NAME in ("x86_64", "aarch64")

def top_level_slot_bits(arch: str) -> int:
    """The span of one entry of ``arch``'s vspace root, in bits: 512 GiB under x86_64's PML4 and
    AArch64's 4-level VSpace, 1 GiB under an Sv39 root page table."""
    return {"x86_64": 39, "aarch64": 39, "riscv64": 30}[arch]


def kernel_slot(arch: str) -> int:
    """The first address of ``arch``'s vspace root slot that holds the last user address and the
    kernel's boundary: sel4utils reserves it (and what is above) when it makes a vspace."""
    bits = top_level_slot_bits(arch)
    return ((description(arch).user_top - 1) >> bits) << bits


TOP_LEVEL_SLOT_BITS = top_level_slot_bits(NAME)


def type_name(object_type: int) -> str:
    """libsel4's name of one of the arch's object types."""
    return ARCH.object_type_names[object_type]

def description(arch: str | None):
    """The C description (``lowlevel.arch.Arch``) of any installed arch (None: the default one): for a
    test of a kernel whose arch is not necessarily the default one (the Pythonic layer's tests and
    the model-based test run on every arch)."""
    return _arches.binding(_arches.check(arch)).description


def page_table_name(arch: str) -> str:
    """libsel4's name of ``arch``'s leaf page table object (what a 4 KiB frame maps into)."""
    facts = description(arch)
    return facts.object_type_names[facts.paging_object_types[0]]


def page_name(arch: str) -> str:
    """libsel4's name of ``arch``'s 4 KiB frame object (``seL4_X86_4K``, ``seL4_ARM_SmallPageObject``, ...)."""
    facts = description(arch)
    return facts.object_type_names[dict(facts.frame_object_types)[facts.page_bits]]


PAGE_NAME = type_name(PAGE_TYPE)
LARGE_PAGE_NAME = type_name(LARGE_PAGE_TYPE)
PAGE_TABLE_NAME = page_table_name(NAME)
VSPACE_ROOT_NAME = type_name(VSPACE_ROOT_TYPE)

# What the vspace root maps: 2^48 bytes on x86_64 and AArch64, 2^39 under Sv39; user space is its
# lower half, and below the root are this many levels of tables (PDPT, page directory, page table
# on x86_64; page tables on the others).
ROOT_ADDRESS_BITS = TOP_LEVEL_SLOT_BITS + 9
USER_ADDRESS_BITS = ROOT_ADDRESS_BITS - 1
TABLES_BELOW_ROOT = (TOP_LEVEL_SLOT_BITS - ARCH.page_bits) // 9

KERNEL_SLOT = kernel_slot(NAME)
