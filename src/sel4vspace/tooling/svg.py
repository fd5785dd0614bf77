# SPDX-License-Identifier: BSD-2-Clause
"""A snapshot drawn as an SVG picture, with nothing but the standard library.

One horizontal lane per vspace, all lanes on one address axis so the same virtual address lines
up across vspaces. Reservations are outlines (dashed while their rights are deferred); each folded
mapping row is one filled rectangle, coloured by its effective rights, with a tooltip. The axis
is cut at every reservation and mapping boundary; a piece in use gets a width that grows with the
logarithm of its size, so a 4 KiB page beside a 1 GiB reservation stays visible, and an unused
gap is log-scaled as well, more gently, and marked with a break. When the snapshot knows where its
arch's user space ends, the axis runs on to that address (the last gap) and marks it, and the
caption under the title names the arch.
"""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from ..rights import CapRights
from .addrmap import MappingRow, Snapshot, fold_mappings, rights_text, size_text

__all__ = ["render_svg", "RIGHTS_COLOURS"]

RIGHTS_COLOURS = {"rw": "#2e7d32", "r": "#1565c0", "w": "#ef6c00", "none": "#9e9e9e"}
"""Fill colour of a mapping by its effective read/write rights."""

_RESERVATION_STROKE = "#37474f"
_USER_TOP_STROKE = "#c62828"
_DEFERRED_STROKE = "#8e24aa"
_FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace"

_LEFT = 130           # room for the vspace names
_RIGHT = 24
_TOP = 44
_LANE = 64            # height of one vspace lane
_USED_MIN = 48        # width of the smallest used piece of the axis (a 4 KiB page or less)
_USED_PER_DOUBLING = 12
_GAP_MIN = 14         # width of the smallest unused gap (a 4 KiB hole or less)
_GAP_PER_DOUBLING = 1.5  # gaps grow with the logarithm of their size too, but slower than used pieces
_AXIS_LABELS = 96     # room under the lanes for the vertical address labels
_CHAR = 5.6           # advance of one 9px monospace character, to decide whether a caption fits


def _rights_key(rights: CapRights) -> str:
    if rights.read and rights.write:
        return "rw"
    if rights.read:
        return "r"
    if rights.write:
        return "w"
    return "none"


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    x: float
    width: float
    used: bool


class _Axis:
    """Piecewise-linear map from addresses to x, cut at every boundary of anything drawn, and
    running on to ``top`` (the end of user space) when it is given and above them."""

    def __init__(self, ranges: Sequence[tuple[int, int]], top: int | None = None) -> None:
        bounds = sorted({a for r in ranges for a in r})
        if top is not None and bounds and top > bounds[-1]:
            bounds.append(top)
        self.pieces: list[_Piece] = []
        x = float(_LEFT)
        for start, end in itertools.pairwise(bounds):
            used = any(lo < end and start < hi for lo, hi in ranges)
            if used:
                width = _USED_MIN + _USED_PER_DOUBLING * max(0.0, math.log2((end - start) / 4096))
            else:
                width = _GAP_MIN + _GAP_PER_DOUBLING * max(0.0, math.log2((end - start) / 4096))
            self.pieces.append(_Piece(start, end, x, width, used))
            x += width
        self.starts = [p.start for p in self.pieces]
        self.right = x

    def x(self, address: int) -> float:
        if not self.pieces:
            return float(_LEFT)
        i = max(0, min(bisect_right(self.starts, address) - 1, len(self.pieces) - 1))
        piece = self.pieces[i]
        fraction = min(max((address - piece.start) / (piece.end - piece.start), 0.0), 1.0)
        return piece.x + fraction * piece.width

    def bounds(self) -> list[int]:
        if not self.pieces:
            return []
        return [p.start for p in self.pieces] + [self.pieces[-1].end]


def _text(parent: ET.Element, x: float, y: float, content: str, size: int = 11, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, "text", {"x": f"{x:.1f}", "y": f"{y:.1f}", "font-size": str(size),
                                             "font-family": _FONT, **attrs})
    element.text = content
    return element


def _title(parent: ET.Element, content: str) -> None:
    ET.SubElement(parent, "title").text = content


def _mapping_tooltip(vspace: str, row: MappingRow) -> str:
    return (f"{vspace}: {row.start:#x}-{row.end:#x}, {row.count} x {size_text(1 << row.size_bits)}, "
            f"rights {rights_text(row.rights)}, frames {row.frames_label}, paddr {row.paddr_label}")


def render_svg(snapshot: Snapshot) -> str:
    """The snapshot as an SVG document (a string)."""
    rows_by_vspace = [fold_mappings(v.mappings) if not v.torn_down else [] for v in snapshot.vspaces]
    ranges: list[tuple[int, int]] = []
    for vspace, rows in zip(snapshot.vspaces, rows_by_vspace, strict=True):
        if vspace.torn_down:
            continue
        ranges += [(r.start, r.end) for r in vspace.reservations if r.end > r.start]
        ranges += [(row.start, row.end) for row in rows]
    axis = _Axis(ranges, snapshot.user_top)

    lanes_bottom = _TOP + _LANE * max(1, len(snapshot.vspaces))
    legend_top = lanes_bottom + _AXIS_LABELS
    title = snapshot.title or "address spaces"
    caption = f"arch {snapshot.arch_label}" if snapshot.arch else ""
    width = max(axis.right + _RIGHT, 640.0, 24 + 9.0 * len(title), 24 + 6.0 * len(caption))
    height = legend_top + 70

    svg = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "width": f"{width:.0f}",
                             "height": f"{height:.0f}", "viewBox": f"0 0 {width:.0f} {height:.0f}"})
    _title(svg, f"{title} ({snapshot.arch})" if snapshot.arch else title)
    ET.SubElement(svg, "rect", {"x": "0", "y": "0", "width": f"{width:.0f}", "height": f"{height:.0f}",
                                "fill": "white"})
    _text(svg, 12, 22, title, 14, **{"font-weight": "bold"})
    if caption:
        _text(svg, 12, 37, caption, 10, fill="#616161", **{"class": "caption"})

    # Unused gaps: a light band with a break mark across every lane.
    gaps = ET.SubElement(svg, "g", {"class": "gaps"})
    for piece in axis.pieces:
        if piece.used:
            continue
        ET.SubElement(gaps, "rect", {"class": "gap", "x": f"{piece.x:.1f}", "y": str(_TOP),
                                     "width": f"{piece.width:.1f}", "height": str(lanes_bottom - _TOP),
                                     "fill": "#f4f4f4"})
        mid = piece.x + piece.width / 2
        zig = " ".join(f"{mid + (3 if i % 2 else -3):.1f},{_TOP + i * 6}"
                       for i in range((lanes_bottom - _TOP) // 6 + 1))
        ET.SubElement(gaps, "polyline", {"points": zig, "fill": "none", "stroke": "#bdbdbd", "stroke-width": "1"})
        _title(gaps[-1], f"gap of {size_text(piece.end - piece.start)} (log scale)")

    for lane_index, (vspace, rows) in enumerate(zip(snapshot.vspaces, rows_by_vspace, strict=True)):
        top = _TOP + lane_index * _LANE
        lane = ET.SubElement(svg, "g", {"class": "vspace", "data-name": vspace.name})
        ET.SubElement(lane, "line", {"x1": str(_LEFT), "x2": f"{max(axis.right, _LEFT + 40):.1f}",
                                     "y1": f"{top + _LANE - 4}", "y2": f"{top + _LANE - 4}",
                                     "stroke": "#e0e0e0", "stroke-width": "1"})
        _text(lane, 12, top + _LANE / 2 + 4, vspace.name, 12, **{"font-weight": "bold"})
        if vspace.torn_down:
            _text(lane, _LEFT + 6, top + _LANE / 2 + 4, "(torn down)", 11, fill="#757575")
            continue
        if not vspace.reservations and not rows:
            _text(lane, _LEFT + 6, top + _LANE / 2 + 4, "(nothing reserved or mapped)", 11, fill="#757575")
        for reservation in sorted(vspace.reservations, key=lambda r: r.start):
            x0, x1 = axis.x(reservation.start), axis.x(reservation.end)
            deferred = reservation.rights_label == "deferred"
            outline = ET.SubElement(lane, "rect", {
                "class": "reservation deferred" if deferred else "reservation",
                "x": f"{x0:.1f}", "y": f"{top + 8}", "width": f"{max(x1 - x0, 1.0):.1f}", "height": str(_LANE - 16),
                "fill": "none", "stroke": _DEFERRED_STROKE if deferred else _RESERVATION_STROKE,
                "stroke-width": "1.5", **({"stroke-dasharray": "5,3"} if deferred else {})})
            _title(outline, f"{vspace.name}: reservation {reservation.name or ''} {reservation.start:#x}-"
                            f"{reservation.end:#x} ({size_text(reservation.size)}), rights {reservation.rights_label}")
            rights = f"[{reservation.rights_label}]"
            captions = [f"{reservation.name} {rights}", reservation.name, rights] if reservation.name else [rights]
            fitting = [c for c in captions if x1 - x0 >= _CHAR * len(c) + 4]
            if fitting:
                _text(lane, x0 + 3, top + 6, fitting[0], 9, fill="#424242")
        for row in rows:
            x0, x1 = axis.x(row.start), axis.x(row.end)
            rect = ET.SubElement(lane, "rect", {
                "class": "mapping", "data-rights": rights_text(row.rights),
                "x": f"{x0 + 1:.1f}", "y": f"{top + 16}", "width": f"{max(x1 - x0 - 2, 2.0):.1f}",
                "height": str(_LANE - 32), "fill": RIGHTS_COLOURS[_rights_key(row.rights)],
                "fill-opacity": "0.85"})
            _title(rect, _mapping_tooltip(vspace.name, row))
            label = f"{row.count}x{size_text(1 << row.size_bits).replace(' ', '')}"
            if x1 - x0 >= _CHAR * len(label) + 8:
                _text(lane, x0 + 4, top + _LANE / 2 + 3, label, 9, fill="white")

    # The end of user space, when the axis runs on to it: nothing can be mapped at or above it.
    if snapshot.user_top is not None and axis.bounds() and axis.bounds()[-1] == snapshot.user_top:
        x = axis.x(snapshot.user_top)
        marker = ET.SubElement(svg, "line", {"class": "user-top", "x1": f"{x:.1f}", "x2": f"{x:.1f}",
                                             "y1": str(_TOP - 4), "y2": str(lanes_bottom + 4),
                                             "stroke": _USER_TOP_STROKE, "stroke-width": "1.5",
                                             "stroke-dasharray": "2,2"})
        _title(marker, f"end of {snapshot.arch or 'the'} user space: {snapshot.user_top:#x} (seL4_UserTop)")

    # Address labels under the lanes, vertical, skipping any that would overlap the previous one.
    labels = ET.SubElement(svg, "g", {"class": "axis"})
    last_x = -1e9
    for address in axis.bounds():
        x = axis.x(address)
        ET.SubElement(labels, "line", {"x1": f"{x:.1f}", "x2": f"{x:.1f}", "y1": str(_TOP),
                                       "y2": str(lanes_bottom + 4), "stroke": "#eeeeee", "stroke-width": "1"})
        if x - last_x < 11:
            continue
        last_x = x
        _text(labels, x + 3, lanes_bottom + 8, f"{address:#x}", 9, fill="#616161",
              transform=f"rotate(90 {x + 3:.1f} {lanes_bottom + 8})")

    legend = ET.SubElement(svg, "g", {"class": "legend"})
    _text(legend, 12, legend_top + 14, "legend", 11, **{"font-weight": "bold"})
    x = 80.0
    for key, colour in RIGHTS_COLOURS.items():
        ET.SubElement(legend, "rect", {"x": f"{x:.0f}", "y": str(legend_top + 4), "width": "14", "height": "14",
                                       "fill": colour})
        _text(legend, x + 19, legend_top + 15, f"mapped {key}", 10)
        x += 105
    row2 = legend_top + 30
    ET.SubElement(legend, "rect", {"x": "80", "y": str(row2), "width": "30", "height": "14", "fill": "none",
                                   "stroke": _RESERVATION_STROKE, "stroke-width": "1.5"})
    _text(legend, 115, row2 + 11, "reservation", 10)
    ET.SubElement(legend, "rect", {"x": "210", "y": str(row2), "width": "30", "height": "14", "fill": "none",
                                   "stroke": _DEFERRED_STROKE, "stroke-width": "1.5", "stroke-dasharray": "5,3"})
    _text(legend, 245, row2 + 11, "deferred-rights reservation", 10)
    ET.SubElement(legend, "rect", {"x": "440", "y": str(row2), "width": "22", "height": "14", "fill": "#f4f4f4"})
    _text(legend, 467, row2 + 11, "unused gap (log scale)", 10)

    ET.indent(svg)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(svg, encoding="unicode") + "\n"
