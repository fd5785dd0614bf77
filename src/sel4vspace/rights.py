# SPDX-License-Identifier: BSD-2-Clause
"""CapRights: seL4's capability rights (read, write, grant, grant-reply) as a small value type."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from .errors import type_name

__all__ = ["CapRights"]

_WORDS = {"read": "read", "write": "write", "grant": "grant", "grant_reply": "grant_reply",
          "grantreply": "grant_reply", "grant-reply": "grant_reply"}
_LETTERS = {"r": "read", "w": "write", "g": "grant", "p": "grant_reply"}


class CapRights:
    """An immutable set of seL4 capability rights.

    ``CapRights(read=True, write=True)``; the constants ``CapRights.NONE``, ``READ``, ``WRITE``,
    ``RW`` and ``ALL``; ``CapRights.from_str("rw")``. Combine with ``|`` and ``&``; ``a <= b`` says
    that ``a`` grants nothing ``b`` does not. Converts to and from libsel4's ``seL4_CapRights_t``
    with :meth:`to_c` and :meth:`from_c`.
    """

    __slots__ = ("_bits",)

    # Bit positions follow seL4_CapRights_t: write 0, read 1, grant 2, grant-reply 3.
    _WRITE, _READ, _GRANT, _GRANT_REPLY = 1, 2, 4, 8

    NONE: ClassVar[CapRights]
    READ: ClassVar[CapRights]
    WRITE: ClassVar[CapRights]
    RW: ClassVar[CapRights]
    ALL: ClassVar[CapRights]

    def __init__(self, read: bool = False, write: bool = False, grant: bool = False,
                 grant_reply: bool = False) -> None:
        for name, value in (("read", read), ("write", write), ("grant", grant), ("grant_reply", grant_reply)):
            if not isinstance(value, bool):
                raise TypeError(f"CapRights {name} must be a bool, not {type_name(value)}")
        self._bits = ((self._READ if read else 0) | (self._WRITE if write else 0)
                      | (self._GRANT if grant else 0) | (self._GRANT_REPLY if grant_reply else 0))

    @classmethod
    def _from_bits(cls, bits: int) -> CapRights:
        """The (shared, immutable) value of a seL4_CapRights_t word."""
        if cls is CapRights:
            return _BY_BITS[bits & 0xF]
        rights = object.__new__(cls)
        rights._bits = bits & 0xF
        return rights

    @classmethod
    def from_bits(cls, word: int) -> CapRights:
        """The value of a ``seL4_CapRights_t`` word, an int of 0 to 2**64 - 1 (write bit 0, read 1,
        grant 2, grant-reply 3; higher bits ignored). TypeError / ValueError name ``word``."""
        if type(word) is not int:
            from .lowlevel._check import index

            word = index("word", word)
        if not 0 <= word < 2**64:
            raise ValueError(f"word must be a 64-bit seL4_CapRights_t word (0 to 2**64 - 1), got {word}")
        return cls._from_bits(word)

    @classmethod
    def from_str(cls, text: str) -> CapRights:
        """Parse the compact form (``"rw"``, ``"r-"``, ``"rwgp"``, ``"----"`` as ``str()`` writes
        no rights: r read, w write, g grant, p grant-reply, ``-`` ignored), names separated by
        ``,``, ``|`` or spaces (``"read,grant_reply"``), or ``"none"`` alone for no rights. Letters
        and names are read in any case (``"RW"``, ``"Read"``). An empty string is refused
        (ValueError): write ``"none"`` for no rights, so that a string left empty by mistake
        does not map pages with no rights."""
        if not isinstance(text, str):
            raise TypeError(f"CapRights.from_str expects a str, not {type_name(text)}")
        stripped = text.strip()
        if not stripped:
            raise ValueError(f"no rights given in {text!r}; write \"none\" for no rights")
        if stripped.lower() == "none":
            return _BY_BITS[0]
        if re.fullmatch(r"[rwgp-]+", stripped, re.IGNORECASE):
            names = [_LETTERS[c] for c in stripped.lower() if c != "-"]
        else:
            names = []
            for word in re.split(r"[,|\s]+", stripped):
                if word.lower() not in _WORDS:
                    raise ValueError(f"unknown right {word!r} in {text!r}; use r/w/g/p letters, "
                                     f"read, write, grant, grant_reply, or none alone")
                names.append(_WORDS[word.lower()])
        return cls(**dict.fromkeys(names, True))

    @classmethod
    def coerce(cls, value: CapRights | str) -> CapRights:
        """A CapRights from a CapRights or a string as :meth:`from_str` reads it."""
        if isinstance(value, CapRights):
            return value
        if isinstance(value, str):
            try:
                return cls.from_str(value)
            except ValueError as error:
                raise ValueError(f"rights: {error}") from None
        raise TypeError(f"rights must be CapRights or str, not {type_name(value)}")

    @property
    def read(self) -> bool:
        return bool(self._bits & self._READ)

    @property
    def write(self) -> bool:
        return bool(self._bits & self._WRITE)

    @property
    def grant(self) -> bool:
        return bool(self._bits & self._GRANT)

    @property
    def grant_reply(self) -> bool:
        return bool(self._bits & self._GRANT_REPLY)

    @property
    def bits(self) -> int:
        """The seL4_CapRights_t word: write bit 0, read bit 1, grant bit 2, grant-reply bit 3."""
        return self._bits

    def to_c(self, arch: str | None = None) -> Any:
        """This value as a libsel4 ``seL4_CapRights_t`` of ``arch``'s build (None: the default arch,
        as ``sel4vspace.lowlevel``'s), a new one each time. ValueError / TypeError name a bad ``arch``."""
        from . import _arches

        return _arches.binding(_arches.check(arch)).sim.cap_rights(self._bits)

    @classmethod
    def from_c(cls, rights: Any) -> CapRights:
        """Read a libsel4 ``seL4_CapRights_t`` (of any arch's build: the struct is one word on all)."""
        # its one word uses this class's bit positions (write 0, read 1, grant 2, grant-reply 3)
        from .lowlevel import sim

        return cls._from_bits(sim.cap_rights_word(rights))

    def __or__(self, other: object) -> CapRights:
        if not isinstance(other, CapRights):
            return NotImplemented
        return self._from_bits(self._bits | other._bits)

    def __and__(self, other: object) -> CapRights:
        if not isinstance(other, CapRights):
            return NotImplemented
        return self._from_bits(self._bits & other._bits)

    def __le__(self, other: object) -> bool:
        if not isinstance(other, CapRights):
            return NotImplemented
        return self._bits & ~other._bits == 0

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, CapRights):
            return NotImplemented
        return other._bits & ~self._bits == 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CapRights):
            return NotImplemented
        return self._bits == other._bits

    def __hash__(self) -> int:
        return hash(("CapRights", self._bits))

    def __bool__(self) -> bool:
        return self._bits != 0

    def __str__(self) -> str:
        """Compact form: ``rw--`` (read, write, grant, grant-reply as r, w, g, p)."""
        return "".join(flag if self._bits & bit else "-" for flag, bit in (
            ("r", self._READ), ("w", self._WRITE), ("g", self._GRANT), ("p", self._GRANT_REPLY)))

    def __repr__(self) -> str:
        names = [name for name, bit in (("read", self._READ), ("write", self._WRITE), ("grant", self._GRANT),
                                        ("grant_reply", self._GRANT_REPLY)) if self._bits & bit]
        for constant in ("NONE", "READ", "WRITE", "RW", "ALL"):
            if getattr(CapRights, constant, None) is not None and getattr(CapRights, constant)._bits == self._bits:
                return f"CapRights.{constant}"
        return "CapRights(" + ", ".join(f"{n}=True" for n in names) + ")"


def _make(bits: int) -> CapRights:
    rights = object.__new__(CapRights)
    rights._bits = bits
    return rights


_BY_BITS: tuple[CapRights, ...] = tuple(_make(bits) for bits in range(16))

CapRights.NONE = CapRights()
CapRights.READ = CapRights(read=True)
CapRights.WRITE = CapRights(write=True)
CapRights.RW = CapRights(read=True, write=True)
CapRights.ALL = CapRights(read=True, write=True, grant=True, grant_reply=True)


def rights_word(value: CapRights | str) -> int:
    """The ``seL4_CapRights_t`` word of a :class:`CapRights` or of a string as
    :meth:`CapRights.from_str` reads it: the one check of every ``rights`` argument (TypeError /
    ValueError naming ``rights``)."""
    if type(value) is CapRights:
        return value._bits
    return CapRights.coerce(value)._bits
