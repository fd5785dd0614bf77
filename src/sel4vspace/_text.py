# SPDX-License-Identifier: BSD-2-Clause
"""The rule of a text argument: a str that reaches C, a file's name or a file (a vspace's name, a
scenario's path or label, the path of an SVG map).

It is one function for every layer: the Python API calls it through
:mod:`sel4vspace.lowlevel._check`, where the other argument rules are; the tooling checks scenario
files and command lines with it, without the compiled extension that ``_check`` needs.
"""

from __future__ import annotations

from typing import Any, overload

from .errors import type_name

_NUL = "\0"


@overload
def text(name: str, value: Any) -> str: ...


@overload
def text(name: str, value: Any, *, none: bool) -> str | None: ...


def text(name: str, value: Any, *, none: bool = False) -> str | None:
    """``value``, a str without a NUL character (C ends a string at the first, no file's name holds
    one, and an XML document such as the SVG map is not well-formed with one), or None when
    ``none``. TypeError naming ``name`` for another type, ValueError naming it for a NUL."""
    if type(value) is str and _NUL not in value:
        return value
    if value is None and none:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str{' or None' if none else ''}, not {type_name(value)}")
    if _NUL in value:
        raise ValueError(f"{name} must not contain a NUL character (no C string, file name or SVG holds one), "
                         f"found one at index {value.index(_NUL)} of {value!r}")
    return value
