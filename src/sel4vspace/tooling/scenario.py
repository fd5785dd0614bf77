# SPDX-License-Identifier: BSD-2-Clause
"""Scenario files: a TOML description of vspaces, frames, cap copies and a sequence of steps.

A scenario is checked completely before anything runs; every mistake is reported with the file,
the line where it can be found, the step (its number and ``op``) and the key. The result is plain
data (:class:`Scenario`, :class:`Step`) that :mod:`sel4vspace.tooling.runner` plays.

The format, by example::

    arch = "aarch64"                  # the kernel's architecture (default: the default arch)

    [scenario]
    description = "a server lends a window of a client's vspace"
    untyped_bits = 28                 # the simulated kernel's untyped memory (default 28)
    vspaces = ["server", "client"]
    map_at = "both-mapped"            # default snapshot for `sel4vspace map` (a step label)

    [[frame]]                         # frame caps, allocated before the first step
    name = "buf"
    count = 4
    size_bits = 12                    # default 12

    [[cap]]                           # copies of caps with reduced rights, one per cap of `of`
    name = "buf_ro"
    of = "buf"
    rights = "r"

    [[step]]
    op = "reserve_deferred_rights_range_at"
    vspace = "client"
    vaddr = "0x10000000"
    size = "16K"
    name = "window"                   # later steps say reservation = "window" or vaddr = "window + 4K"

Values: addresses are integers, numeric strings (``"0x10000000"``) or expressions over names of
reservations (their start; ``NAME.end`` for their end) and of addresses returned by ``new_pages`` /
``map_pages`` (``"window + 0x1000"``); sizes also take ``K``/``M``/``G`` (or ``KiB``...) suffixes;
rights are strings as :meth:`CapRights.from_str <sel4vspace.CapRights.from_str>` reads them
(``"rw"``, ``"r"``, ``"none"``); caps are a cap name (the whole group), ``"buf[2]"``, a slice
``"buf[1:3]"`` or a list of those.

``arch`` names one of the architectures sel4vspace knows (:data:`sel4vspace._arches.KNOWN`); the
checker holds the scenario's ranges to that arch's user space, from a table of pure data, so it
loads no C. Whether the arch is installed is found out when the scenario runs.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from .._arches import KNOWN, MAX_UNTYPED_BITS, USER_TOP
from .._arches import default as _default_arch
from .._text import text as text_rule
from ..errors import SEL4_ERROR_NAMES
from ..rights import CapRights

if sys.version_info >= (3, 11):
    from tomllib import TOMLDecodeError
    from tomllib import loads as toml_loads
else:  # pragma: no cover - exercised only on Python 3.10
    from tomli import TOMLDecodeError
    from tomli import loads as toml_loads

__all__ = [
    "AddrExpr",
    "CapRef",
    "CapDecl",
    "FrameDecl",
    "Problem",
    "Scenario",
    "ScenarioError",
    "Step",
    "OPS",
    "Op",
    "Key",
    "ERROR_KINDS",
    "SEL4_ERROR_NAMES",
    "load_scenario",
    "parse_scenario",
    "target_arch",
]

ERROR_KINDS = ("Sel4VSpaceError", "VSpaceError", "KernelError", "VMFault", "StaleObjectError",
               "ValueError", "TypeError")
"""Exception class names an ``expect_error`` step may name in ``error`` (or an seL4_Error name)."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NUMBER = re.compile(r"(?P<num>0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|[0-9][0-9_]*)\s*"
                     r"(?P<unit>[kKmMgGtT](?:i?[bB])?)?\Z")
_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_TERM = re.compile(r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\.(?P<attr>start|end))?"
                   r"|(?P<number>(?:0[xXbBoO])?[0-9a-fA-F_]+\s*(?:[kKmMgGtT](?:i?[bB])?)?))\s*")
_CAP_REF = re.compile(r"\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*"
                      r"(?:\[\s*(?P<a>-?\d+)?\s*(?:(?P<colon>:)\s*(?P<b>-?\d+)?\s*)?\])?\s*\Z")
_MAX_ADDR = (1 << 64) - 1


# ---------------------------------------------------------------- the parsed form

@dataclass(frozen=True)
class AddrExpr:
    """An address: a constant plus names (reservation start/end or a named address), added or
    subtracted. ``text`` is what the file said, for messages."""

    text: str
    constant: int
    symbols: tuple[tuple[int, str, str], ...] = ()
    """(sign, name, "start" | "end" | "") for each name in the expression."""

    def evaluate(self, resolve: Callable[[str, str], int]) -> int:
        """The address, with ``resolve(name, attr)`` giving each name's value."""
        return self.constant + sum(sign * resolve(name, attr) for sign, name, attr in self.symbols)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class CapRef:
    """Caps of one named group: all of them (``index`` and ``stop`` None), one (``index``) or a
    slice ``[index:stop]``."""

    group: str
    index: int | None = None
    stop: int | None = None
    is_slice: bool = False

    def __str__(self) -> str:
        if self.is_slice:
            return f"{self.group}[{'' if self.index is None else self.index}:{'' if self.stop is None else self.stop}]"
        if self.index is not None:
            return f"{self.group}[{self.index}]"
        return self.group

    def indices(self, count: int) -> range:
        """The group indices this names, in a group of ``count`` caps."""
        if self.is_slice:
            return range(count)[self.index:self.stop]
        if self.index is not None:
            return range(count)[self.index:self.index + 1] if self.index >= 0 else range(count)[self.index:][:1]
        return range(count)


@dataclass(frozen=True)
class FrameDecl:
    """``[[frame]]``: ``count`` frame caps of ``2**size_bits`` bytes named ``name[0]`` ..."""

    name: str
    count: int
    size_bits: int
    line: int | None = None


@dataclass(frozen=True)
class CapDecl:
    """``[[cap]]``: one copy of each cap in ``of``, with ``rights`` (minted down when given)."""

    name: str
    of: tuple[CapRef, ...]
    rights: CapRights | None
    line: int | None = None


@dataclass(frozen=True)
class Step:
    """One ``[[step]]``: ``number`` counts from 1 in file order; ``args`` hold the parsed values of
    every key the operation takes (defaults filled in). For ``expect_error``, ``call`` is the
    operation that must fail and ``args`` its keys plus ``error`` and ``message``."""

    number: int
    op: str
    args: Mapping[str, Any]
    label: str | None = None
    call: str | None = None
    line: int | None = None

    @property
    def action(self) -> str:
        """The operation actually performed: ``call`` for expect_error, else ``op``."""
        return self.call or self.op

    def describe(self) -> str:
        return f"step {self.number} ({self.op}{' ' + self.call if self.call else ''})"


@dataclass(frozen=True)
class Scenario:
    """A checked scenario file."""

    path: str
    description: str
    untyped_bits: int
    vspaces: tuple[str, ...]
    frames: tuple[FrameDecl, ...]
    caps: tuple[CapDecl, ...]
    steps: tuple[Step, ...]
    map_at: str | None = None
    arch: str | None = None
    """The architecture the file names (``arch = "riscv64"``); None runs on the default arch."""

    def target_arch(self) -> str | None:
        """The arch the scenario runs on (:func:`target_arch`)."""
        return target_arch(self.arch)

    def find_step(self, at: str) -> Step:
        """The step a label or a step number (``"7"``) names; ValueError when none does."""
        for step in self.steps:
            if step.label == at:
                return step
        if at.strip().isdigit():
            number = int(at)
            if 1 <= number <= len(self.steps):
                return self.steps[number - 1]
            raise ValueError(f"the scenario has steps 1 to {len(self.steps)}, not {number}")
        labels = [s.label for s in self.steps if s.label]
        hint = get_close_matches(at, labels, n=1)
        raise ValueError(f"no step is labelled {at!r}"
                         + (f"; did you mean {hint[0]!r}?" if hint else
                            f"; labels: {', '.join(labels)}" if labels else "; it labels no step"))


# ---------------------------------------------------------------- problems

@dataclass(frozen=True)
class Problem:
    """One mistake in a scenario file."""

    where: str
    """``"step 7 (map_pages_at_vaddr)"``, ``"[[frame]] 2"``, ``"[scenario]"``, ``"TOML syntax"``."""
    message: str
    key: str | None = None
    line: int | None = None

    def format(self, path: str) -> str:
        location = f"{path}:{self.line}" if self.line else path
        key = f": key '{self.key}'" if self.key else ""
        return f"{location}: {self.where}{key}: {self.message}"


class ScenarioError(ValueError):
    """A scenario file that cannot run: every problem found, each naming where and which key."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(p.format(path) for p in problems))


class _Bad(Exception):
    """A value that does not fit its key; the message says what was expected."""


# ---------------------------------------------------------------- value parsers

def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _number(text: str) -> int | None:
    match = _NUMBER.match(text.strip())
    if not match:
        return None
    digits = match["num"].replace("_", "")
    try:
        value = int(digits, 0) if digits[:2].lower() in ("0x", "0b", "0o") else int(digits, 10)
    except ValueError:  # a prefix with only underscores after it
        return None
    unit = match["unit"]
    return value * _UNITS[unit[0].lower()] if unit else value


def parse_int(value: Any, what: str = "an integer", lo: int = 0, hi: int = _MAX_ADDR, *, in_hex: bool = True) -> int:
    """An integer from an int or a numeric string (hex, K/M/G suffixes), in [lo, hi]. A bound is
    shown in hex when ``in_hex`` (addresses, sizes) and it is large; counts pass ``in_hex=False``."""
    if isinstance(value, bool):
        raise _Bad(f"expected {what}, got a boolean")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        parsed = _number(value)
        if parsed is None:
            raise _Bad(f"expected {what} (like 4096, \"0x1000\" or \"4K\"), got {_describe(value)}")
        number = parsed
    else:
        raise _Bad(f"expected {what}, got {type(value).__name__} {_describe(value)}")
    if not lo <= number <= hi:
        raise _Bad(f"{what} must be between {lo:#x} and {hi:#x}, got {number:#x}" if in_hex and hi > 1 << 16
                   else f"{what} must be between {lo} and {hi}, got {number}")
    return number


def parse_addr(value: Any) -> AddrExpr:
    """An address: an int, a numeric string, or ``name [+|- term]...``."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise _Bad(f"expected an address (like \"0x10000000\" or \"window + 0x1000\"), got "
                   f"{type(value).__name__} {_describe(value)}")
    if isinstance(value, int):
        return AddrExpr(f"{value:#x}", parse_int(value, "an address"))
    text = value.strip()
    if not text:
        raise _Bad("expected an address, got an empty string")
    constant = 0
    symbols: list[tuple[int, str, str]] = []
    position, sign = 0, 1
    while True:
        match = _TERM.match(text, position)
        if not match or match.end() == position:
            rest = text[position:].strip()
            raise _Bad(f"cannot read {value!r} as an address: expected a number or a name "
                       + (f"at {rest!r}" if rest else "at the end"))
        if match["name"] is not None and _number(match.group(0)) is None:
            symbols.append((sign, match["name"], match["attr"] or ""))
        else:
            number = _number(match.group(0))
            if number is None:
                raise _Bad(f"cannot read {match.group(0).strip()!r} in {value!r} as a number")
            constant += sign * number
        position = match.end()
        if position == len(text):
            break
        if text[position] not in "+-":
            raise _Bad(f"cannot read {value!r} as an address: expected + or - at {text[position:]!r}")
        sign = 1 if text[position] == "+" else -1
        position += 1
    if not symbols and not 0 <= constant <= _MAX_ADDR:
        raise _Bad(f"address {value!r} is outside 0 .. 2**64-1")
    return AddrExpr(text, constant, tuple(symbols))


# What the API refuses, the checker refuses first, without loading the extension: no frame is of
# another size than these, the frame sizes of every arch sel4vspace builds for (x86_64, AArch64,
# RISC-V Sv39); a count or a size is at least 1; and no size is larger than the largest of their
# user spaces (x86_64's and AArch64's 128 TiB), whatever the arch. The user space of the scenario's
# own arch (RISC-V Sv39's is 256 GiB) bounds its ranges too: see _Checker.check_user_space.
_USER_SPACE = max(USER_TOP.values())
FRAME_SIZE_BITS = (12, 21, 30)


def target_arch(arch: str | None) -> str | None:
    """The arch a scenario naming ``arch`` (None: none) runs on: ``arch``, else the default arch
    (``SEL4VSPACE_ARCH``, else x86_64); None when there is no default arch to run on (nothing
    installed, or ``SEL4VSPACE_ARCH`` naming an arch not installed: the run then says so). Loads no C."""
    if arch is not None:
        return arch
    try:
        return _default_arch()
    except ImportError:
        return None


def parse_size(value: Any) -> int:
    return parse_int(value, "a size in bytes", 1, _USER_SPACE)


def parse_count(value: Any) -> int:
    return parse_int(value, "a count", 1, 2**31 - 1, in_hex=False)


def parse_size_bits(value: Any) -> int:
    bits = parse_int(value, "size_bits", 0, 63)
    if bits not in FRAME_SIZE_BITS:
        raise _Bad(f"size_bits must be a frame size, 12 (4 KiB), 21 (2 MiB) or 30 (1 GiB), got {bits}")
    return bits


def parse_untyped_bits(value: Any) -> int:
    return parse_int(value, "untyped_bits", 12, 40)


def parse_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"expected true or false, got {_describe(value)}")
    return value


def parse_rights(value: Any) -> CapRights:
    if not isinstance(value, str):
        raise _Bad(f"expected rights as a string (\"rw\", \"r\", \"none\"), got {_describe(value)}")
    try:
        return CapRights.from_str(value)
    except ValueError as error:
        raise _Bad(str(error)) from None


def parse_reservation_rights(value: Any) -> CapRights | str:
    """Rights as a reservation has them: ``"deferred"`` or rights."""
    if isinstance(value, str) and value.strip().lower() == "deferred":
        return "deferred"
    return parse_rights(value)


def parse_text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad(f"expected a string, got {_describe(value)}")
    return value


def parse_data(value: Any) -> bytes:
    """Bytes given as text (written as UTF-8)."""
    if not isinstance(value, str):
        raise _Bad(f"expected text (a string; use `hex` for raw bytes), got {_describe(value)}")
    if not value:
        raise _Bad("expected at least one byte, got an empty string")
    return value.encode()


def parse_hex(value: Any) -> bytes:
    """Bytes given as hex digits, spaces and ``:`` allowed (``"de ad be ef"``)."""
    if not isinstance(value, str):
        raise _Bad(f"expected hex digits as a string, got {_describe(value)}")
    digits = re.sub(r"[\s:_]", "", value)
    if digits.lower().startswith("0x"):
        digits = digits[2:]
    try:
        data = bytes.fromhex(digits)
    except ValueError:
        raise _Bad(f"expected an even number of hex digits, got {_describe(value)}") from None
    if not data:
        raise _Bad("expected at least one byte, got none")
    return data


def parse_access(value: Any) -> str:
    if value not in ("read", "write"):
        raise _Bad(f"expected \"read\" or \"write\", got {_describe(value)}")
    return str(value)


def parse_reason(value: Any) -> str:
    if value not in ("unmapped", "permission"):
        raise _Bad(f"expected \"unmapped\" or \"permission\", got {_describe(value)}")
    return str(value)


def parse_error_kind(value: Any) -> str:
    if not isinstance(value, str) or (value not in ERROR_KINDS and value not in SEL4_ERROR_NAMES):
        hint = get_close_matches(str(value), ERROR_KINDS + SEL4_ERROR_NAMES, n=1)
        raise _Bad(f"expected one of {', '.join(ERROR_KINDS)} or an seL4_Error name (seL4_DeleteFirst ...), "
                   f"got {_describe(value)}" + (f"; did you mean {hint[0]!r}?" if hint else ""))
    return value


def parse_cap_refs(value: Any) -> tuple[CapRef, ...]:
    """Caps: ``"buf"``, ``"buf[2]"``, ``"buf[1:3]"`` or a list of those."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise _Bad("expected at least one cap, got an empty list")
    refs = []
    for item in items:
        if not isinstance(item, str):
            raise _Bad(f"expected caps as \"name\", \"name[i]\", \"name[i:j]\" or a list of those, "
                       f"got {_describe(item)}")
        match = _CAP_REF.match(item)
        if not match:
            raise _Bad(f"cannot read {item!r} as caps: expected \"name\", \"name[i]\" or \"name[i:j]\"")
        a = int(match["a"]) if match["a"] is not None else None
        b = int(match["b"]) if match["b"] is not None else None
        if match["colon"]:
            refs.append(CapRef(match["name"], a, b, True))
        elif a is not None:
            refs.append(CapRef(match["name"], a))
        elif "[" in item:
            raise _Bad(f"cannot read {item!r} as caps: empty index")
        else:
            refs.append(CapRef(match["name"]))
    return tuple(refs)


def parse_expected_cap(value: Any) -> tuple[CapRef, ...] | None:
    """One cap, or ``"none"`` (no cap: the vspace has no frame there)."""
    if isinstance(value, str) and value.strip().lower() == "none":
        return None
    return parse_cap_refs(value)


def parse_untyped_expectation(value: Any) -> int | str:
    if value == "initial":
        return "initial"
    try:
        return parse_int(value, "a byte count or \"initial\"")
    except _Bad:
        raise _Bad(f"expected a byte count or \"initial\", got {_describe(value)}") from None


def parse_name(value: Any) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise _Bad(f"expected a name (letters, digits and _, not starting with a digit), got {_describe(value)}")
    return value


# ---------------------------------------------------------------- the operations

# Kinds of names, for the checks of what a key refers to.
VSPACE, CAPS, RESERVATION, ADDRESS = "vspace", "caps", "reservation", "address"


@dataclass(frozen=True)
class Key:
    """One key an operation takes: how its value is read, whether it is required, its default,
    which kind of name it must refer to and which kind it defines."""

    parse: Callable[[Any], Any]
    required: bool = True
    default: Any = None
    refers: str | None = None
    """The kind of name the value must refer to (VSPACE, CAPS, RESERVATION), checked in order."""
    defines: str | None = None
    """The kind of name this key defines for later steps."""


def _req(parse: Callable[[Any], Any], refers: str | None = None) -> Key:
    return Key(parse, True, None, refers)


def _opt(parse: Callable[[Any], Any], default: Any = None, refers: str | None = None) -> Key:
    return Key(parse, False, default, refers)


def _defines(kind: str) -> Key:
    return Key(parse_name, False, None, None, kind)


_VS = _req(parse_name, VSPACE)
_RES = _req(parse_name, RESERVATION)
_ADDR = _req(parse_addr)
_CAPS = _req(parse_cap_refs, CAPS)
_PAGE_BITS = _opt(parse_size_bits)  # None: the frames' own size_bits (12 when no caps are given)
_CACHEABLE = _opt(parse_bool, True)


@dataclass(frozen=True)
class Op:
    """One operation a step may name: its keys, a one-line summary (shown by ``sel4vspace run
    --help``) and the groups of keys of which exactly one must be given."""

    keys: Mapping[str, Key]
    summary: str
    one_of: tuple[tuple[str, ...], ...] = ()
    """Groups of keys of which exactly one must be given (data or hex)."""


OPS: dict[str, Op] = {
    "reserve_range_at": Op({"vspace": _VS, "vaddr": _ADDR, "size": _req(parse_size), "rights": _req(parse_rights),
                            "cacheable": _CACHEABLE, "name": _defines(RESERVATION)},
                           "reserve [vaddr, vaddr+size) with fixed rights"),
    "reserve_range_aligned": Op({"vspace": _VS, "size": _req(parse_size), "size_bits": _req(parse_size_bits),
                                 "rights": _req(parse_rights), "cacheable": _CACHEABLE,
                                 "name": _defines(RESERVATION)},
                                "reserve size bytes anywhere, aligned to 2**size_bits"),
    "reserve_deferred_rights_range_at": Op({"vspace": _VS, "vaddr": _ADDR, "size": _req(parse_size),
                                            "cacheable": _CACHEABLE, "name": _defines(RESERVATION)},
                                           "reserve a range whose rights are given at map time"),
    "map_pages_at_vaddr": Op({"vspace": _VS, "caps": _CAPS, "vaddr": _ADDR, "reservation": _RES,
                              "size_bits": _PAGE_BITS},
                             "map caps at vaddr inside a reservation with its rights"),
    "deferred_rights_map_pages_at_vaddr": Op({"vspace": _VS, "caps": _CAPS, "vaddr": _ADDR,
                                              "rights": _req(parse_rights), "reservation": _RES,
                                              "size_bits": _PAGE_BITS},
                                             "map caps at vaddr inside a deferred reservation with rights"),
    "new_pages": Op({"vspace": _VS, "num_pages": _req(parse_count), "rights": _req(parse_rights),
                     "size_bits": _opt(parse_size_bits, 12), "name": _defines(ADDRESS)},
                    "allocate and map fresh frames anywhere"),
    "new_pages_at_vaddr": Op({"vspace": _VS, "vaddr": _ADDR, "num_pages": _req(parse_count),
                              "reservation": _RES, "size_bits": _opt(parse_size_bits, 12)},
                             "allocate and map fresh frames at vaddr inside a reservation"),
    "map_pages": Op({"vspace": _VS, "caps": _CAPS, "rights": _req(parse_rights), "size_bits": _PAGE_BITS,
                     "cacheable": _CACHEABLE, "name": _defines(ADDRESS)},
                    "map caps anywhere"),
    "unmap_pages": Op({"vspace": _VS, "vaddr": _ADDR, "num_pages": _req(parse_count),
                       "size_bits": _opt(parse_size_bits, 12), "free": _opt(parse_bool, False)},
                      "unmap pages (free = true also deletes and frees their frames)"),
    "free_reservation": Op({"reservation": _RES}, "free a reservation"),
    "free_reservation_by_vaddr": Op({"vspace": _VS, "vaddr": _ADDR}, "free the reservation containing vaddr"),
    "share_mem_at_vaddr": Op({"vspace": _VS, "to": _req(parse_name, VSPACE), "start": _ADDR,
                              "num_pages": _req(parse_count), "vaddr": _ADDR, "reservation": _RES,
                              "size_bits": _opt(parse_size_bits, 12)},
                             "map the frames at start in vspace also at vaddr in `to`"),
    "get_cap": Op({"vspace": _VS, "vaddr": _ADDR}, "show the cap the vspace holds for vaddr"),
    "get_cookie": Op({"vspace": _VS, "vaddr": _ADDR}, "show the cookie the vspace holds for vaddr"),
    "lookup": Op({"vspace": _VS, "vaddr": _ADDR}, "show the kernel's mapping at vaddr"),
    "write": Op({"vspace": _VS, "vaddr": _ADDR, "data": _opt(parse_data), "hex": _opt(parse_hex)},
                "write bytes through the simulated MMU", (("data", "hex"),)),
    "read": Op({"vspace": _VS, "vaddr": _ADDR, "size": _req(parse_size)}, "read and show bytes"),
    "alloc_frames": Op({"name": Key(parse_name, True, None, None, CAPS), "count": _req(parse_count),
                        "size_bits": _opt(parse_size_bits, 12)}, "allocate frame caps"),
    "copy_cap": Op({"name": Key(parse_name, True, None, None, CAPS), "of": _CAPS, "rights": _opt(parse_rights)},
                   "copy caps, with reduced rights when given"),
    "delete_cap": Op({"cap": _CAPS}, "delete caps"),
    "tear_down": Op({"vspace": _VS}, "tear a vspace down, freeing what it allocated"),
    "expect_fault": Op({"vspace": _VS, "vaddr": _ADDR, "access": _req(parse_access),
                        "reason": _opt(parse_reason)},
                       "a one-byte read or write at vaddr must fault"),
    "expect_error": Op({"call": _req(parse_text), "error": _opt(parse_error_kind), "message": _opt(parse_text)},
                       "the operation `call` (with its own keys) must fail"),
    "expect_read": Op({"vspace": _VS, "vaddr": _ADDR, "data": _opt(parse_data), "hex": _opt(parse_hex)},
                      "the bytes at vaddr must be these", (("data", "hex"),)),
    "expect_mapping": Op({"vspace": _VS, "vaddr": _ADDR, "mapped": _opt(parse_bool, True),
                          "rights": _opt(parse_rights), "size_bits": _opt(parse_size_bits),
                          "cap": _opt(parse_expected_cap), "cacheable": _opt(parse_bool)},
                         "the kernel's mapping at vaddr must be as given (mapped = false: none)"),
    "expect_rights": Op({"vspace": _VS, "vaddr": _ADDR, "rights": _req(parse_rights)},
                        "the effective rights of the mapping at vaddr must be these"),
    "expect_reservation": Op({"reservation": _RES, "start": _opt(parse_addr), "end": _opt(parse_addr),
                              "size": _opt(parse_size), "rights": _opt(parse_reservation_rights),
                              "deferred": _opt(parse_bool), "cacheable": _opt(parse_bool)},
                             "the reservation, as the C library holds it, must be as given"),
    "expect_untyped_free": Op({"bytes": _opt(parse_untyped_expectation, "initial")},
                              "the kernel's free untyped memory must be this (\"initial\": all back)"),
}
"""Every operation a step may name, with its keys. Names follow the Python API's methods."""

_COMMON_STEP_KEYS = ("op", "label")
_NOT_UNDER_EXPECT_ERROR = {"expect_error"}
_EXPECT_ERROR_OWN_KEYS = ("call", "error", "message")

_TOP_KEYS = ("arch", "scenario", "frame", "cap", "step")
_SCENARIO_KEYS = ("description", "untyped_bits", "vspaces", "map_at")
_FRAME_KEYS = ("name", "count", "size_bits")
_CAP_KEYS = ("name", "of", "rights")


# ---------------------------------------------------------------- line finding

class _Lines:
    """Best-effort line numbers for tables and keys: tomllib reports lines only for syntax errors,
    so array-of-tables headers (``[[step]]``) and ``key =`` lines are found by a light scan."""

    _HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z_]+)\s*\]\]|^\s*\[\s*([A-Za-z_]+)\s*\]")
    _KEY = re.compile(r"^\s*\"?([A-Za-z_][A-Za-z0-9_]*)\"?\s*=")

    def __init__(self, text: str) -> None:
        self.tables: dict[str, list[tuple[int, int]]] = {}
        lines = text.splitlines()
        self.lines = lines
        starts: list[tuple[str, int]] = []
        for number, line in enumerate(lines, 1):
            match = self._HEADER.match(line)
            if match:
                starts.append(((match[1] or match[2]), number))
        for i, (name, start) in enumerate(starts):
            end = starts[i + 1][1] - 1 if i + 1 < len(starts) else len(lines)
            self.tables.setdefault(name, []).append((start, end))

    def top(self, key: str) -> int | None:
        """The first line that sets a top-level key or opens a table of that name."""
        pattern = re.compile(rf"^\s*\[*\s*{re.escape(key)}\b")
        return next((number for number, line in enumerate(self.lines, 1) if pattern.match(line)), None)

    def table(self, name: str, index: int = 0) -> int | None:
        spans = self.tables.get(name, [])
        return spans[index][0] if index < len(spans) else None

    def key(self, table: str, index: int, key: str | None) -> int | None:
        spans = self.tables.get(table, [])
        if index >= len(spans):
            return None
        start, end = spans[index]
        if key is not None:
            for number in range(start + 1, end + 1):
                match = self._KEY.match(self.lines[number - 1])
                if match and match[1] == key:
                    return number
        return start


# ---------------------------------------------------------------- the checker

@dataclass
class _Checker:
    path: str
    lines: _Lines
    problems: list[Problem] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    """Every name defined so far and its kind."""
    cap_groups: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    """Cap group name -> (count or None when unknown, size_bits or None when mixed or unknown)."""
    labels: dict[str, int] = field(default_factory=dict)
    user_top: int = _USER_SPACE
    """Where the user space of the scenario's arch ends (:meth:`arch` sets it)."""
    user_space: str = f"the user address space ({_USER_SPACE:#x} bytes)"
    """That user space, for messages."""

    def problem(self, where: str, message: str, key: str | None = None, line: int | None = None) -> None:
        self.problems.append(Problem(where, message, key, line))

    def check_text(self, value: str, where: str, key: str, line: int | None) -> bool:
        """Whether ``value``, a str the runner passes on or the map shows, keeps the rule of text (no
        NUL: :func:`sel4vspace._text.text`); a problem naming ``key`` when it does not."""
        try:
            text_rule(key, value)
        except ValueError as error:
            self.problem(where, str(error), key, line)
            return False
        return True

    def unknown_keys(self, table: Mapping[str, Any], allowed: Iterable[str], where: str,
                     line_of: Callable[[str], int | None]) -> None:
        allowed = tuple(allowed)
        for key in table:
            if key not in allowed:
                hint = get_close_matches(key, allowed, n=1)
                self.problem(where, "unknown key" + (f"; did you mean '{hint[0]}'?" if hint else
                                                     f"; this takes {', '.join(allowed)}"), key, line_of(key))

    def define(self, name: str, kind: str, where: str, key: str, line: int | None) -> bool:
        if name in self.names:
            self.problem(where, f"{name!r} is already the name of a {self.names[name]}; names must be unique",
                         key, line)
            return False
        self.names[name] = kind
        return True

    def refer(self, name: str, kind: str, where: str, key: str, line: int | None) -> bool:
        have = self.names.get(name)
        if have == kind:
            return True
        if have is not None:
            self.problem(where, f"{name!r} is a {have}, not a {kind}", key, line)
        else:
            known = [n for n, k in self.names.items() if k == kind]
            hint = get_close_matches(name, known, n=1)
            self.problem(where, f"no {kind} named {name!r} is defined before this"
                         + (f"; did you mean {hint[0]!r}?" if hint else
                            f" (known: {', '.join(known)})" if known else ""), key, line)
        return False

    def check_caps(self, refs: tuple[CapRef, ...], where: str, key: str,
                   line: int | None) -> tuple[int | None, int | None]:
        """Checks every ref names a known group and an index inside it; returns the number of caps
        named and their common size_bits (None when unknown or mixed)."""
        total: int | None = 0
        sizes: set[int | None] = set()
        for ref in refs:
            if not self.refer(ref.group, CAPS, where, key, line):
                sizes.add(None)
                continue
            count, size_bits = self.cap_groups[ref.group]
            if count is None:  # a group whose own declaration was wrong: nothing more to check
                sizes.add(None)
                total = None
                continue
            if ref.index is not None and not ref.is_slice and not -count <= ref.index < count:
                self.problem(where, f"{ref} is out of range: {ref.group} has {count} cap(s), "
                                    f"{ref.group}[0] to {ref.group}[{count - 1}]", key, line)
                continue
            if ref.is_slice and any(bound is not None and not -count <= bound <= count
                                    for bound in (ref.index, ref.stop)):
                # Python would clamp it, and the step would name fewer caps than it says
                self.problem(where, f"{ref} reaches past the {count} cap(s) of {ref.group}, "
                                    f"{ref.group}[0] to {ref.group}[{count - 1}]", key, line)
                continue
            chosen = len(ref.indices(count))
            if chosen == 0:
                self.problem(where, f"{ref} names no caps ({ref.group} has {count})", key, line)
            total = None if total is None else total + chosen
            sizes.add(size_bits)
        return total, (sizes.pop() if len(sizes) == 1 else None)

    def check_addr(self, expr: AddrExpr, where: str, key: str, line: int | None) -> None:
        for _sign, name, attr in expr.symbols:
            kind = self.names.get(name)
            if kind == RESERVATION or (kind == ADDRESS and not attr):
                continue
            if kind == ADDRESS:
                self.problem(where, f"{name!r} is an address; .{attr} applies to reservations only", key, line)
            elif kind is not None:
                self.problem(where, f"{name!r} is a {kind}, not a reservation or an address", key, line)
            else:
                known = [n for n, k in self.names.items() if k in (RESERVATION, ADDRESS)]
                hint = get_close_matches(name, known, n=1)
                self.problem(where, f"no reservation or address named {name!r} is defined before this"
                             + (f"; did you mean {hint[0]!r}?" if hint else ""), key, line)

    # -- sections

    def arch(self, data: Mapping[str, Any]) -> str | None:
        """The top-level ``arch``: one of :data:`KNOWN`, None when absent (or wrong: a problem).
        The steps' ranges are then held to the user space of the arch the scenario runs on."""
        value = data.get("arch")
        if value is not None and not (isinstance(value, str) and value in KNOWN):
            hint = get_close_matches(value, KNOWN, n=1) if isinstance(value, str) else []
            self.problem("top level", f"expected one of the architectures sel4vspace knows, {', '.join(KNOWN)}; got "
                         f"{_describe(value)}" + (f"; did you mean {hint[0]!r}?" if hint else ""), "arch",
                         self.lines.top("arch"))
            return None
        arch = target_arch(value)
        if arch is not None:
            self.user_top = USER_TOP[arch]
            self.user_space = (f"the user address space of {arch}{'' if value else ', the default arch'} "
                               f"(it ends at {self.user_top:#x})")
        return value

    def scenario_table(self, data: Mapping[str, Any]) -> tuple[str, int, tuple[str, ...], str | None]:
        table = data.get("scenario", {})
        where = "[scenario]"
        line_of = functools.partial(self.lines.key, "scenario", 0)
        if not isinstance(table, dict):
            self.problem("top level", "expected a table [scenario]", "scenario")
            table = {}
        if "arch" in table:
            self.problem(where, "arch is a top-level key: write it above [scenario], before any table", "arch",
                         line_of("arch"))
        self.unknown_keys({key: value for key, value in table.items() if key != "arch"}, _SCENARIO_KEYS, where,
                          line_of)
        description = table.get("description", "")
        if not isinstance(description, str):
            self.problem(where, f"expected a string, got {_describe(description)}", "description",
                         line_of("description"))
            description = ""
        elif not self.check_text(description, where, "description", line_of("description")):
            description = ""
        untyped_bits = 28
        if "untyped_bits" in table:
            try:
                untyped_bits = parse_untyped_bits(table["untyped_bits"])
            except _Bad as bad:
                self.problem(where, str(bad), "untyped_bits", line_of("untyped_bits"))
        vspaces_value = table.get("vspaces")
        vspaces: list[str] = []
        if vspaces_value is None:
            self.problem(where, "missing: list the vspaces, e.g. vspaces = [\"server\", \"client\"]", "vspaces",
                         line_of(None) if "scenario" in data else None)
        elif not isinstance(vspaces_value, list) or not vspaces_value:
            self.problem(where, f"expected a non-empty list of names, got {_describe(vspaces_value)}", "vspaces",
                         line_of("vspaces"))
        else:
            for name in vspaces_value:
                try:
                    name = parse_name(name)
                except _Bad as bad:
                    self.problem(where, str(bad), "vspaces", line_of("vspaces"))
                    continue
                if self.define(name, VSPACE, where, "vspaces", line_of("vspaces")):
                    vspaces.append(name)
        map_at = table.get("map_at")
        if map_at is not None and not isinstance(map_at, str):
            self.problem(where, f"expected a step label, got {_describe(map_at)}", "map_at", line_of("map_at"))
            map_at = None
        elif map_at is not None and not self.check_text(map_at, where, "map_at", line_of("map_at")):
            map_at = None
        return description, untyped_bits, tuple(vspaces), map_at

    def array(self, data: Mapping[str, Any], key: str) -> list[Any]:
        value = data.get(key, [])
        if not isinstance(value, list):
            self.problem("top level", f"expected [[{key}]] tables, got {_describe(value)}", key,
                         self.lines.table(key))
            return []
        return value

    def frames(self, data: Mapping[str, Any]) -> tuple[FrameDecl, ...]:
        frames = []
        for i, table in enumerate(self.array(data, "frame")):
            where = f"[[frame]] {i + 1}"
            line_of = functools.partial(self.lines.key, "frame", i)
            if not isinstance(table, dict):
                self.problem(where, "expected a table", None, self.lines.table("frame", i))
                continue
            self.unknown_keys(table, _FRAME_KEYS, where, line_of)
            values, ok = self.partial_values(table, {"name": _req(parse_name), "count": _req(parse_count),
                                                     "size_bits": _opt(parse_size_bits, 12)}, where, line_of)
            if values["name"] is not None and self.define(values["name"], CAPS, where, "name", line_of("name")):
                self.cap_groups[values["name"]] = (values["count"] if ok else None, values["size_bits"])
                if ok:
                    frames.append(FrameDecl(values["name"], values["count"], values["size_bits"], line_of(None)))
        return tuple(frames)

    def cap_copies(self, data: Mapping[str, Any]) -> tuple[CapDecl, ...]:
        caps = []
        for i, table in enumerate(self.array(data, "cap")):
            where = f"[[cap]] {i + 1}"
            line_of = functools.partial(self.lines.key, "cap", i)
            if not isinstance(table, dict):
                self.problem(where, "expected a table", None, self.lines.table("cap", i))
                continue
            self.unknown_keys(table, _CAP_KEYS, where, line_of)
            values, ok = self.partial_values(table, {"name": _req(parse_name), "of": _req(parse_cap_refs),
                                                     "rights": _opt(parse_rights)}, where, line_of)
            count, size_bits = None, None
            if values["of"] is not None:
                before = len(self.problems)
                count, size_bits = self.check_caps(values["of"], where, "of", line_of("of"))
                ok = ok and len(self.problems) == before
            if values["name"] is not None and self.define(values["name"], CAPS, where, "name", line_of("name")):
                self.cap_groups[values["name"]] = (count if ok else None, size_bits)
                if ok:
                    caps.append(CapDecl(values["name"], values["of"], values["rights"], line_of(None)))
        return tuple(caps)

    def values(self, table: Mapping[str, Any], keys: Mapping[str, Key], where: str,
               line_of: Callable[[str | None], int | None]) -> dict[str, Any] | None:
        """Parses every key of ``keys`` present in ``table``; None if any is missing or bad."""
        values, ok = self.partial_values(table, keys, where, line_of)
        return values if ok else None

    def partial_values(self, table: Mapping[str, Any], keys: Mapping[str, Key], where: str,
                       line_of: Callable[[str | None], int | None]) -> tuple[dict[str, Any], bool]:
        """The keys that parsed (defaults for absent ones), and whether all did."""
        values: dict[str, Any] = {}
        ok = True
        for key, spec in keys.items():
            if key not in table:
                if spec.required:
                    self.problem(where, "missing", key, line_of(None))
                    ok = False
                values[key] = spec.default
                continue
            try:
                values[key] = spec.parse(table[key])
            except _Bad as bad:
                self.problem(where, str(bad), key, line_of(key))
                values[key] = None
                ok = False
        return values, ok

    def steps(self, data: Mapping[str, Any]) -> tuple[Step, ...]:
        steps = []
        for i, table in enumerate(self.array(data, "step")):
            step = self.step(i, table)
            if step is not None:
                steps.append(step)
        return tuple(steps)

    def step(self, i: int, table: Any) -> Step | None:
        number = i + 1
        line_of = functools.partial(self.lines.key, "step", i)
        if not isinstance(table, dict):
            self.problem(f"step {number}", "expected a table", None, self.lines.table("step", i))
            return None
        op = table.get("op")
        if op is None:
            self.problem(f"step {number}", "missing: every step names its operation, e.g. op = \"map_pages_at_vaddr\"",
                         "op", line_of(None))
            return None
        if op not in OPS:
            hint = get_close_matches(str(op), OPS, n=1)
            self.problem(f"step {number}", f"unknown operation {_describe(op)}"
                         + (f"; did you mean {hint[0]!r}?" if hint else f"; known: {', '.join(OPS)}"),
                         "op", line_of("op"))
            return None
        where = f"step {number} ({op})"
        label = table.get("label")
        if label is not None:
            if not isinstance(label, str) or not label:
                self.problem(where, f"expected a non-empty string, got {_describe(label)}", "label", line_of("label"))
                label = None
            elif not self.check_text(label, where, "label", line_of("label")):
                label = None
            elif label in self.labels:
                self.problem(where, f"step {self.labels[label]} already has the label {label!r}", "label",
                             line_of("label"))
            elif label.isdigit():
                self.problem(where, "a label must not be a plain number (numbers name steps)", "label",
                             line_of("label"))
            else:
                self.labels[label] = number
        call = None
        keys = dict(OPS[op].keys)
        one_of = OPS[op].one_of
        if op == "expect_error":
            call = table.get("call")
            if call is None:
                self.problem(where, "missing: the operation that must fail, e.g. call = \"map_pages_at_vaddr\"",
                             "call", line_of(None))
                return None
            if call not in OPS or call.startswith("expect_"):
                candidates = [o for o in OPS if not o.startswith("expect_")]
                hint = get_close_matches(str(call), candidates, n=1)
                self.problem(where, f"cannot expect an error from {_describe(call)}"
                             + (f"; did you mean {hint[0]!r}?" if hint else
                                f"; it must be an operation: {', '.join(candidates)}"), "call", line_of("call"))
                return None
            where = f"step {number} (expect_error {call})"
            inner = OPS[call]
            for key, spec in inner.keys.items():
                if spec.defines is not None and spec.required is False:
                    continue  # a step that must fail defines nothing
                keys[key] = spec if spec.defines is None else Key(parse_name, True, None, None, None)
            one_of = inner.one_of
        self.unknown_keys(table, tuple(keys) + _COMMON_STEP_KEYS, where, line_of)
        for group in one_of:
            given = [k for k in group if k in table]
            if len(given) != 1:
                self.problem(where, f"give exactly one of {' or '.join(group)}"
                             + (f" (got {' and '.join(given)})" if given else ""),
                             given[-1] if given else group[0], line_of(given[-1] if given else None))
        values, parsed = self.partial_values(table, {k: v for k, v in keys.items() if k not in ("op", "label")},
                                             where, line_of)
        values.pop("call", None)
        action = call or op
        # References are checked even when some other key was bad, so one pass reports them all.
        if not self.check_step_refs(action, values, keys, where, line_of, complete=parsed,
                                    must_fail=call is not None) or not parsed:
            return None
        return Step(number, op, values, label, call, line_of(None))

    def check_step_refs(self, action: str, values: dict[str, Any], keys: Mapping[str, Key], where: str,
                        line_of: Callable[[str | None], int | None], complete: bool = True,
                        must_fail: bool = False) -> bool:
        before = len(self.problems)
        cap_count, cap_bits = None, None
        for key, value in values.items():
            if value is None:
                continue
            spec = keys[key]
            line = line_of(key)
            if isinstance(value, AddrExpr):
                self.check_addr(value, where, key, line)
            elif key in ("caps", "of", "cap"):
                cap_count, cap_bits = self.check_caps(value, where, key, line)
            elif spec.refers is not None:
                self.refer(value, spec.refers, where, key, line)
        if action == "expect_mapping" and values.get("cap") is not None and cap_count not in (None, 1):
            self.problem(where, f"expected one cap, got {cap_count}", "cap", line_of("cap"))
        if action == "expect_mapping" and values.get("mapped") is False:
            extra = [k for k in ("rights", "size_bits", "cap", "cacheable") if values.get(k) is not None]
            if extra:
                self.problem(where, f"mapped = false says there is no mapping; drop {', '.join(extra)}",
                             extra[0], line_of(extra[0]))
        if complete and "size_bits" in keys and keys["size_bits"] is _PAGE_BITS and values.get("size_bits") is None:
            if cap_bits is None and cap_count:
                self.problem(where, "the caps have different (or unknown) frame sizes; say size_bits",
                             "caps", line_of("caps"))
            values["size_bits"] = cap_bits if cap_bits is not None else 12
        if not must_fail:   # that the API refuses such a range is what a step that must fail may check
            self.check_user_space(action, values, cap_count, where, line_of)
        # Names are defined even by a step with mistakes, so later steps are not blamed for them.
        for key, spec in keys.items():
            if (spec.defines is not None and values.get(key) is not None
                    and self.define(values[key], spec.defines, where, key, line_of(key)) and spec.defines == CAPS):
                    if action == "alloc_frames":
                        self.cap_groups[values[key]] = (values.get("count"), values.get("size_bits"))
                    else:
                        self.cap_groups[values[key]] = (cap_count if complete else None, cap_bits)
        return len(self.problems) == before and complete

    def check_user_space(self, action: str, values: Mapping[str, Any], cap_count: int | None, where: str,
                         line_of: Callable[[str | None], int | None]) -> None:
        """What the API refuses with a ValueError, refused first: pages more than the user space of
        the scenario's arch, and a reserved, mapped or unmapped range, at an address given as a
        number, off a 4 KiB boundary or reaching above it. Addresses named after reservations are
        known only at run time."""
        pages, bits, size = values.get("num_pages"), values.get("size_bits"), values.get("size")
        if pages is not None and bits is not None and pages << bits > self.user_top:
            self.problem(where, f"{pages} pages of 2**{bits} bytes are more than {self.user_space}", "num_pages",
                         line_of("num_pages"))
            return
        if action not in _WITHIN_USER_SPACE:
            return
        if size is not None and size > self.user_top:
            self.problem(where, f"{size:#x} bytes are more than {self.user_space}", "size", line_of("size"))
            return
        count = pages if pages is not None else cap_count
        length = size if size is not None else None if count is None or bits is None else count << bits
        for key in ("start", "vaddr"):
            start = values.get(key)
            if isinstance(start, AddrExpr) and not start.symbols and start.constant % _SMALLEST_FRAME:
                self.problem(where, f"{start.constant:#x} is not 4 KiB aligned, as every address of a range "
                                    "must be", key, line_of(key))
                continue
            if length is not None and isinstance(start, AddrExpr) and not start.symbols \
                    and start.constant + length > self.user_top:
                self.problem(where, f"[{start.constant:#x}, {start.constant + length:#x}) reaches above "
                                    f"{self.user_space}", key, line_of(key))


_SMALLEST_FRAME = 4096
"""4 KiB, the smallest frame of every arch: the alignment of every range's address in the API."""

_WITHIN_USER_SPACE = frozenset({"reserve_range_at", "reserve_range_aligned", "reserve_deferred_rights_range_at",
                                "map_pages_at_vaddr", "deferred_rights_map_pages_at_vaddr", "new_pages_at_vaddr",
                                "unmap_pages", "share_mem_at_vaddr"})
"""The operations whose ranges the API holds to the user space (``seL4_UserTop``)."""


def _syntax_problem(error: TOMLDecodeError) -> Problem:
    message = str(error)
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    line = int(match[1]) if match else None
    if match:
        message = message[:match.start()].rstrip() + f" (column {match[2]})"
    return Problem("TOML syntax", message, None, line)


def parse_scenario(text: str, path: str = "<scenario>") -> Scenario:
    """Read and check a scenario; :class:`ScenarioError` lists every mistake found. ``path`` names
    it in messages and in the map's title (ValueError naming ``path`` when it holds a NUL)."""
    text_rule("path", path)
    try:
        return _parse_scenario(text, path)
    except RecursionError:
        # tomllib (and repr) recurse once per level of nested arrays and inline tables
        raise ScenarioError(path, [Problem("file", "arrays or inline tables are nested too deeply to read "
                                                   f"(Python's recursion limit is {sys.getrecursionlimit()})",
                                           None, None)]) from None


def _parse_scenario(text: str, path: str) -> Scenario:
    try:
        data = toml_loads(text)
    except TOMLDecodeError as error:
        raise ScenarioError(path, [_syntax_problem(error)]) from None
    checker = _Checker(path, _Lines(text))
    checker.unknown_keys(data, _TOP_KEYS, "top level", checker.lines.top)
    arch = checker.arch(data)
    description, untyped_bits, vspaces, map_at = checker.scenario_table(data)
    target = target_arch(arch)
    if target is not None and target in MAX_UNTYPED_BITS and untyped_bits > MAX_UNTYPED_BITS[target]:
        checker.problem("[scenario]", f"untyped_bits must be at most {MAX_UNTYPED_BITS[target]} on {target} "
                        f"(its seL4_MaxUntypedBits), got {untyped_bits}", "untyped_bits",
                        checker.lines.key("scenario", 0, "untyped_bits"))
    frames = checker.frames(data)
    caps = checker.cap_copies(data)
    steps = checker.steps(data)
    if "step" in data and not data["step"] and not checker.problems:
        checker.problem("top level", "the scenario has no steps", "step")
    elif "step" not in data:
        checker.problem("top level", "the scenario has no [[step]] tables", "step")
    if map_at is not None and map_at not in checker.labels and not (
            map_at.isdigit() and 1 <= int(map_at) <= len(data.get("step", []))):
        hint = get_close_matches(map_at, checker.labels, n=1)
        checker.problem("[scenario]", f"no step is labelled {map_at!r}"
                        + (f"; did you mean {hint[0]!r}?" if hint else ""), "map_at",
                        checker.lines.key("scenario", 0, "map_at"))
    if checker.problems:
        # In file order; problems without a line (a missing section) first.
        ordered = sorted(checker.problems, key=lambda p: p.line or 0)
        raise ScenarioError(path, ordered)
    return Scenario(path, description, untyped_bits, vspaces, frames, caps, steps, map_at, arch)


def load_scenario(path: str | Path) -> Scenario:
    """Read and check the scenario file at ``path`` (ValueError naming ``path`` when it holds a NUL,
    which no file's name can)."""
    path = Path(path)
    text_rule("path", str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioError(str(path), [Problem("file", f"not UTF-8 text ({error.reason} at byte {error.start})")]) \
            from None
    return parse_scenario(text, str(path))
