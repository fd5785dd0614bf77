# SPDX-License-Identifier: BSD-2-Clause
"""Argument checks shared by every layer: each raises TypeError/ValueError naming the argument,
before any C runs. cffi would otherwise truncate (``ffi.cast``), accept bools as ints, or raise
an OverflowError that does not say which argument was wrong.

Each rule is one function, and every caller, however hot its path, calls that function: there is
no check written at a call site. A rule's first test is the whole rule, so that valid arguments
cost one call (the rules of several arguments state the conditions of the rules they are made of
in that one test: a call per argument costs more than a map of one page does in C); the lines after
it only find the message, through the single-argument rules, in the order the arguments are named.
The range rules, :func:`pages` and :func:`byte_range`, decide in C (``sel4vspace_rule_pages``,
``sel4vspace_rule_byte_range``): the hot calls of ``VSpace``, which take their arguments unchecked,
apply the same functions.

The rule of a text argument (:func:`text`, a str without NUL) is the one the tooling applies to
scenario files and command lines without the compiled extension: it lives in a module of its own
and is named here with the others.
"""

from __future__ import annotations

from operator import countOf
from operator import index as _index
from typing import Any

from .._text import text as text
from ..errors import type_name
from . import lib
from .objects import FRAME_SIZE_BITS, USER_TOP

WORD_MAX = 2**64 - 1
ADDRESS_LIMIT = 2**64
"""The end of the 64-bit address space: no range reaches past it."""
MAX_PAGES: int = lib.SEL4VSPACE_MAX_PAGES
"""The most pages one call maps, unmaps or allocates (2**40)."""
_RULE_OK = int(lib.SEL4VSPACE_RULE_OK)
_rule_pages = lib.sel4vspace_rule_pages
_rule_byte_range = lib.sel4vspace_rule_byte_range
_FRAME_BITS = frozenset(FRAME_SIZE_BITS)
_LOW_BITS = [(1 << bits) - 1 for bits in range(64)]
"""The mask of an alignment to ``2**bits`` bytes, by ``bits``: an index costs less than the shift and
subtraction that make it, in the first test of every rule of an address."""


def index(name: str, value: Any) -> int:
    """An integer as Python defines one (PEP 357): an int, or any object with ``__index__`` (a
    NumPy integer scalar, an IntEnum), as an int; never a bool (nor a type named ``bool``/``bool_``:
    NumPy's, which older NumPy gave an ``__index__``) nor a float."""
    if type(value) is int:
        return value
    if not isinstance(value, bool) and type(value).__name__ not in _BOOL_NAMES:
        try:
            return _index(value)
        except TypeError:
            pass
    raise TypeError(f"{name} must be an int, not {type_name(value)}")


_BOOL_NAMES = frozenset(("bool", "bool_"))


def integer(name: str, value: Any, minimum: int = 0, maximum: int = WORD_MAX, *, is_address: bool = False) -> int:
    """An integer (:func:`index`) in [minimum, maximum]. A message shows the value and bounds in hex
    when ``is_address`` (an address), in decimal otherwise (counts, sizes, bit numbers, caps)."""
    if type(value) is int and minimum <= value <= maximum:
        return value
    number = index(name, value)
    if minimum <= number <= maximum:
        return number
    if is_address:
        raise ValueError(f"{name} must be in [{minimum:#x}, {maximum:#x}], got {number:#x}")
    raise ValueError(f"{name} must be in [{minimum}, {maximum}], got {number}")


def address(name: str, value: Any) -> int:
    """A 64-bit virtual address."""
    return integer(name, value, 0, WORD_MAX, is_address=True)


def boolean(name: str, value: Any) -> bool:
    """True or False (an int is refused: C would take any)."""
    if value is True or value is False:
        return value
    raise TypeError(f"{name} must be a bool, not {type_name(value)}")


def frame_size_bits(name: str, value: Any) -> int:
    """A frame size in bits (:data:`~sel4vspace.lowlevel.objects.FRAME_SIZE_BITS`: 12, 21 or 30)."""
    if type(value) is int and value in _FRAME_BITS:
        return value
    bits = integer(name, value, 0, 64)
    if bits in _FRAME_BITS:
        return bits
    raise ValueError(f"{name} must be a frame size in bits {FRAME_SIZE_BITS}, got {bits}")


def aligned(name: str, value: Any, size_bits: int) -> int:
    """A virtual address that is a multiple of ``2**size_bits`` bytes."""
    if type(value) is int and 0 <= value <= WORD_MAX and not value & _LOW_BITS[size_bits]:
        return value
    vaddr = address(name, value)
    if not vaddr & _LOW_BITS[size_bits]:
        return vaddr
    raise ValueError(f"{name} {vaddr:#x} is not aligned to {1 << size_bits:#x}")


def span(name: str, vaddr: int, size: int, limit: int = USER_TOP) -> None:
    """``size`` bytes from ``vaddr`` end at or below ``limit`` (seL4_UserTop unless told: upstream
    sel4utils indexes its tables with the address bits it has, so a range above the user half
    would alias one below it)."""
    if vaddr + size <= limit:
        return
    if vaddr + size > ADDRESS_LIMIT:
        raise ValueError(f"{name} {vaddr:#x} + {size:#x} bytes (the size asked for) wraps past the end of "
                         "the address space")
    raise ValueError(f"{name} {vaddr:#x} + {size:#x} bytes (the size asked for) reaches above seL4_UserTop "
                     f"({limit:#x}), into the kernel's part of the address space")


def frame_address(name: str, vaddr: Any, size_bits: Any) -> tuple[int, int]:
    """A frame size in bits and an address aligned to it: ``(vaddr, size_bits)``. Errors name
    ``size_bits``, then ``name``."""
    if (type(size_bits) is int and size_bits in _FRAME_BITS and type(vaddr) is int and 0 <= vaddr <= WORD_MAX
            and not vaddr & _LOW_BITS[size_bits]):
        return vaddr, size_bits
    size_bits = frame_size_bits("size_bits", size_bits)
    return aligned(name, vaddr, size_bits), size_bits


def byte_range(name: str, vaddr: Any, size: Any, size_bits: int = 12) -> tuple[int, int]:
    """``size`` bytes (at least 1) from ``vaddr`` (aligned to ``2**size_bits``), ending at or below
    seL4_UserTop: ``(vaddr, size)``. Errors name ``name``, then ``size``."""
    if type(vaddr) is not int or type(size) is not int:
        vaddr, size = index(name, vaddr), index("size", size)
    verdict = _verdict(_rule_byte_range, vaddr, size, size_bits)
    if verdict == _RULE_OK:
        return vaddr, size
    # the message: the single-argument rules, in the order the arguments are named
    vaddr = aligned(name, vaddr, size_bits)
    size = integer("size", size, 1)
    span(name, vaddr, size)
    raise _disagree("sel4vspace_rule_byte_range", verdict)


def pages(name: str, vaddr: Any, num_pages: Any, size_bits: Any, most: int = MAX_PAGES) -> tuple[int, int, int]:
    """``num_pages`` (1 to ``most``) pages of ``2**size_bits`` bytes (a frame size) from ``vaddr``
    (aligned to the page size), ending at or below seL4_UserTop: ``(vaddr, num_pages, size_bits)``.
    Errors name ``size_bits``, ``name`` (the address) or ``num_pages``, in that order."""
    if type(size_bits) is not int or type(vaddr) is not int or type(num_pages) is not int:
        size_bits, vaddr, num_pages = index("size_bits", size_bits), index(name, vaddr), index("num_pages", num_pages)
    verdict = _verdict(_rule_pages, vaddr, num_pages, size_bits, most)
    if verdict == _RULE_OK:
        return vaddr, num_pages, size_bits
    # the message: the single-argument rules, in the order the arguments are named
    size_bits = frame_size_bits("size_bits", size_bits)
    vaddr = aligned(name, vaddr, size_bits)
    num_pages = integer("num_pages", num_pages, 1, most)
    span(name, vaddr, num_pages << size_bits)
    raise _disagree("sel4vspace_rule_pages", verdict)


def _disagree(rule: str, verdict: int) -> AssertionError:
    """What a range rule raises when C refused what the single-argument rules let through: never,
    while the two say the same."""
    return AssertionError(f"{rule} refused ({verdict}) what the single-argument rules accept")


def _verdict(rule: Any, *words: int) -> int:
    """The C range rule's verdict on ``words``; -1 when one is no 64-bit word (cffi refuses it)."""
    try:
        verdict: int = rule(*words)
    except OverflowError:
        return -1
    return verdict


def access(name: str, vaddr: Any, size: int) -> int:
    """The rule of every MMU access (read, read_into, write): an address of 0 to 2**64 - 1 whose
    ``size`` bytes end at or below 2**64."""
    address_ = address(name, vaddr)
    span(name, address_, size, ADDRESS_LIMIT)
    return address_


def int_sequence(name: str, values: Any) -> list[int] | Any:
    """A sequence of ints for a C array, without a Python-level loop per element.

    A buffer of 64-bit unsigned integers (``array('Q')``, a NumPy uint64 array) is returned as is
    (its caller copies it for C); a list or tuple is checked with one type scan (no bools) and
    converted by cffi (which refuses a value beyond 64 bits: :func:`word_overflow` names it).
    """
    # the usual call, in one test: a tuple or list of exact ints (one of them: a third of the cost of a scan)
    kind = type(values)
    if (kind is tuple or kind is list) and (type(values[0]) is int if len(values) == 1
                                            else countOf(map(type, values), int) == len(values)):
        return values
    if isinstance(values, (list, tuple)):
        # a subclass as it iterates, in a tuple: cffi would read a list's or tuple's storage, which
        # its __iter__ or __len__ need not show, so what is checked here is what C is given
        values = tuple(values)
        if countOf(map(type, values), int) == len(values):
            return values
        # integers of other types (an IntEnum, a NumPy scalar): as ints, each by the rule of one
        converted = []
        for value in values:
            try:
                converted.append(index(name, value))
            except TypeError:
                raise TypeError(f"{name} must contain ints, found {type_name(value)} ({value!r})") from None
        return converted
    try:
        view = memoryview(values)
    except TypeError:
        raise TypeError(f"{name} must be a list/tuple of ints or a uint64 buffer, "
                        f"not {type_name(values)}") from None
    if view.ndim != 1 or view.itemsize != 8 or view.format not in ("Q", "L", "<Q", "=Q", "<L", "=L"):
        raise TypeError(f"{name} buffer must be one-dimensional unsigned 64-bit (format 'Q'), got a "
                        f"{view.ndim}-dimensional buffer of format {view.format!r} with itemsize {view.itemsize}")
    contiguous(name, view)
    return values


def word_overflow(name: str, values: Any) -> ValueError:
    """The ValueError naming the first of the ints ``values`` that is not a 64-bit unsigned word: for
    the OverflowError, which names nothing, that cffi raised when it converted them for C."""
    bad = next((value for value in values if not 0 <= value <= WORD_MAX), None)
    return ValueError(f"{name} must contain 64-bit unsigned values, got {bad}")


def contiguous(name: str, view: memoryview) -> None:
    """ValueError naming the argument when a buffer C reads or fills in place is strided (a slice
    with a step, a NumPy array that is not C-contiguous)."""
    if not view.c_contiguous:
        raise ValueError(f"{name} must be a contiguous buffer (C order); this one is strided")


def byte_view(name: str, value: Any, writable: bool = False) -> memoryview:
    """Every byte of a bytes-like object (any object with the buffer protocol, of any item size
    and shape), as a flat view of unsigned bytes in C order: the object's own memory, or, for a
    strided buffer only to be read, a copy of its bytes. TypeError naming the argument for anything
    else or for a read-only buffer to be written; ValueError for a strided buffer to be written."""
    try:
        view = memoryview(value)
    except TypeError:
        raise TypeError(f"{name} must be a {'writable ' if writable else ''}bytes-like object, "
                        f"not {type_name(value)}") from None
    if writable:
        if view.readonly:
            raise TypeError(f"{name} must be writable; this {type_name(value)} is read-only")
        contiguous(name, view)
    elif not view.c_contiguous:
        return memoryview(view.tobytes())
    return view if view.ndim == 1 and view.format == "B" else view.cast("B")
