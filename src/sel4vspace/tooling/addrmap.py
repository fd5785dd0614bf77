# SPDX-License-Identifier: BSD-2-Clause
"""The address spaces at one moment, as plain data, and the table ``sel4vspace map`` prints.

A :class:`Snapshot` is neutral: a list of vspaces, each with its reservations and its mappings,
made of plain dataclasses. The runner fills one from the Python API; tests and other tools can
build one by hand. :func:`fold_mappings` folds runs of adjacent pages of the same size, rights and
cacheability into one :class:`MappingRow`; the table (:func:`render_table`) and the picture
(:func:`sel4vspace.tooling.svg.render_svg`) both show rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..rights import CapRights

__all__ = [
    "ReservationView",
    "MappingView",
    "VSpaceView",
    "Snapshot",
    "MappingRow",
    "fold_mappings",
    "render_table",
    "rights_text",
    "size_text",
]


@dataclass(frozen=True)
class ReservationView:
    """A reserved range ``[start, end)``. ``rights`` is None while the rights are deferred."""

    start: int
    end: int
    rights: CapRights | None
    rights_deferred: bool = False
    cacheable: bool = True
    name: str | None = None

    @property
    def size(self) -> int:
        return self.end - self.start

    @property
    def rights_label(self) -> str:
        return "deferred" if self.rights_deferred or self.rights is None else rights_text(self.rights)


@dataclass(frozen=True)
class MappingView:
    """One page as the kernel maps it: effective ``rights`` (the cap's rights masked by the
    mapping's), the frame's ``cap`` and, when the frame has a name in the scenario, ``frame``
    (``"buf[2]"``)."""

    vaddr: int
    size_bits: int
    rights: CapRights
    cap: int = 0
    paddr: int = 0
    cacheable: bool | None = None
    frame: str | None = None

    @property
    def size(self) -> int:
        return 1 << self.size_bits

    @property
    def end(self) -> int:
        return self.vaddr + self.size

    @property
    def frame_label(self) -> str:
        return self.frame if self.frame else f"cap {self.cap:#x}"


@dataclass(frozen=True)
class VSpaceView:
    """One vspace: its reservations and its mapped pages (any order)."""

    name: str
    reservations: tuple[ReservationView, ...] = ()
    mappings: tuple[MappingView, ...] = ()
    torn_down: bool = False


@dataclass(frozen=True)
class Snapshot:
    """Every vspace of a scenario at one moment; ``title`` says which (``"after step 9"``).
    ``arch`` names the kernel's architecture and ``user_top`` where its user space ends
    (``Kernel.user_top``); empty and None when not known."""

    vspaces: tuple[VSpaceView, ...]
    title: str = ""
    arch: str = ""
    user_top: int | None = None

    @property
    def arch_label(self) -> str:
        """``riscv64, user space below 0x3ffffff000``: what the table and the picture say of the
        arch ("" when the snapshot names none)."""
        if not self.arch:
            return ""
        return self.arch + ("" if self.user_top is None else f", user space below {self.user_top:#x}")


@dataclass(frozen=True)
class MappingRow:
    """Adjacent pages of one size, rights and cacheability: ``[start, end)``."""

    start: int
    end: int
    size_bits: int
    rights: CapRights
    cacheable: bool | None
    pages: tuple[MappingView, ...] = field(repr=False)

    @property
    def count(self) -> int:
        return len(self.pages)

    @property
    def frames_label(self) -> str:
        return compact_frames([page.frame_label for page in self.pages])

    @property
    def paddr_label(self) -> str:
        """The first physical address, and whether the frames are physically contiguous."""
        first = self.pages[0].paddr
        contiguous = all(page.paddr == first + i * page.size for i, page in enumerate(self.pages))
        if len(self.pages) == 1 or contiguous:
            return f"{first:#x}"
        return f"{first:#x} (scattered)"


def fold_mappings(mappings: Iterable[MappingView]) -> list[MappingRow]:
    """Mappings sorted by address, adjacent pages of the same size, rights and cacheability
    folded into one row."""
    rows: list[MappingRow] = []
    run: list[MappingView] = []
    for page in sorted(mappings, key=lambda m: m.vaddr):
        if run and (page.vaddr != run[-1].end or page.size_bits != run[0].size_bits
                    or page.rights != run[0].rights or page.cacheable != run[0].cacheable):
            rows.append(_row(run))
            run = []
        run.append(page)
    if run:
        rows.append(_row(run))
    return rows


def _row(run: Sequence[MappingView]) -> MappingRow:
    return MappingRow(run[0].vaddr, run[-1].end, run[0].size_bits, run[0].rights, run[0].cacheable, tuple(run))


_INDEXED = re.compile(r"(?P<group>.+)\[(?P<index>\d+)\]\Z")


def compact_frames(labels: Sequence[str], limit: int = 4) -> str:
    """``buf[0], buf[1], buf[2], x[5]`` as ``buf[0..2], x[5]``; long lists end with a count."""
    pieces: list[str] = []
    group, first, last = None, 0, 0

    def close() -> None:
        if group is not None:
            pieces.append(f"{group}[{first}]" if first == last else f"{group}[{first}..{last}]")

    for label in labels:
        match = _INDEXED.match(label)
        if match and match["group"] == group and int(match["index"]) == last + 1:
            last += 1
            continue
        close()
        if match:
            group, first, last = match["group"], int(match["index"]), int(match["index"])
        else:
            group = None
            pieces.append(label)
    close()
    if len(pieces) > limit:
        return ", ".join(pieces[:limit]) + f", ... ({len(labels)} frames)"
    return ", ".join(pieces)


def rights_text(rights: CapRights) -> str:
    """Rights as the scenario format writes them: ``rw``, ``r``, ``w``, ``none`` (plus ``g``/``p``
    for grant and grant-reply, which a mapping ignores)."""
    text = "".join(letter for letter, held in (("r", rights.read), ("w", rights.write), ("g", rights.grant),
                                               ("p", rights.grant_reply)) if held)
    return text or "none"


def size_text(size: int) -> str:
    """A byte count in the largest binary unit that divides it (``16 KiB``, ``2 MiB``)."""
    for unit, shift in (("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if size >= 1 << shift and size % (1 << shift) == 0:
            return f"{size >> shift} {unit}"
    return f"{size} B"


def _containing(reservations: Sequence[ReservationView], start: int, end: int) -> str:
    for reservation in reservations:
        if reservation.start <= start and end <= reservation.end:
            return reservation.name or f"{reservation.start:#x}"
    return "-"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str) -> list[str]:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = []
    for cells in (header, *rows):
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        lines.append((indent + "  ".join(padded)).rstrip())
    return lines


def _cache_text(cacheable: bool | None) -> str:
    return "?" if cacheable is None else ("yes" if cacheable else "no")


def render_table(snapshot: Snapshot) -> str:
    """The snapshot as text: per vspace, its reservations and its folded mapping rows."""
    lines = [line for line in (snapshot.title, snapshot.arch_label and f"arch {snapshot.arch_label}") if line]
    if lines:
        lines.append("")
    for vspace in snapshot.vspaces:
        lines.append(f"vspace {vspace.name}" + (" (torn down)" if vspace.torn_down else ""))
        if vspace.torn_down:
            lines.append("")
            continue
        reservations = sorted(vspace.reservations, key=lambda r: r.start)
        if reservations:
            lines.append("  reservations")
            lines += _table(("start", "end", "size", "rights", "cached", "name"),
                            [(f"{r.start:#x}", f"{r.end:#x}", size_text(r.size), r.rights_label,
                              _cache_text(r.cacheable), r.name or "-") for r in reservations], "    ")
        else:
            lines.append("  reservations: none")
        rows = fold_mappings(vspace.mappings)
        if rows:
            lines.append("  mappings")
            lines += _table(("start", "end", "pages", "rights", "cached", "frames", "paddr", "in"),
                            [(f"{row.start:#x}", f"{row.end:#x}", f"{row.count} x {size_text(1 << row.size_bits)}",
                              rights_text(row.rights), _cache_text(row.cacheable), row.frames_label,
                              row.paddr_label, _containing(reservations, row.start, row.end)) for row in rows],
                            "    ")
        else:
            lines.append("  mappings: none")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
