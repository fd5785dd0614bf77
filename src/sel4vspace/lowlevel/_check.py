# SPDX-License-Identifier: BSD-2-Clause
"""Argument checks shared by every layer: each raises TypeError/ValueError naming the argument,
before any C runs. cffi would otherwise truncate (``ffi.cast``), accept bools as ints, or raise
an OverflowError that does not say which argument was wrong."""

from __future__ import annotations

from typing import Any

WORD_MAX = 2**64 - 1


def integer(name: str, value: Any, minimum: int = 0, maximum: int = WORD_MAX) -> int:
    """An int (not a bool) in [minimum, maximum]."""
    if type(value) is bool or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < minimum or value > maximum:
        raise ValueError(f"{name} must be in [{minimum:#x}, {maximum:#x}], got {value:#x}"
                         if maximum > 4096 else f"{name} must be in [{minimum}, {maximum}], got {value}")
    return int(value)


def address(name: str, value: Any) -> int:
    """A 64-bit virtual address."""
    return integer(name, value, 0, WORD_MAX)


def boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, not {type(value).__name__}")
    return value


def int_sequence(name: str, values: Any) -> list[int] | Any:
    """A sequence of ints for a C array, without a Python-level loop per element.

    A buffer of 64-bit unsigned integers (``array('Q')``, a NumPy uint64 array) is returned as is
    and passed to C without copying; a list or tuple is checked with one type scan (no bools) and
    converted by cffi.
    """
    if isinstance(values, (list, tuple)):
        kinds = set(map(type, values))
        if not kinds <= {int}:
            bad = next(v for v in values if type(v) is not int)
            if isinstance(bad, int) and not isinstance(bad, bool):  # an int subclass such as IntEnum
                return [int(v) for v in values]
            raise TypeError(f"{name} must contain ints, found {type(bad).__name__} ({bad!r})")
        return values
    try:
        view = memoryview(values)
    except TypeError:
        raise TypeError(f"{name} must be a list/tuple of ints or a uint64 buffer, "
                        f"not {type(values).__name__}") from None
    if view.ndim != 1 or view.itemsize != 8 or view.format not in ("Q", "L", "<Q", "=Q", "<L", "=L"):
        raise TypeError(f"{name} buffer must be one-dimensional unsigned 64-bit (format 'Q'), got a "
                        f"{view.ndim}-dimensional buffer of format {view.format!r} with itemsize {view.itemsize}")
    contiguous(name, view)
    return values


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
                        f"not {type(value).__name__}") from None
    if writable:
        if view.readonly:
            raise TypeError(f"{name} must be writable; this {type(value).__name__} is read-only")
        contiguous(name, view)
    elif not view.c_contiguous:
        return memoryview(view.tobytes())
    return view if view.ndim == 1 and view.format == "B" else view.cast("B")
