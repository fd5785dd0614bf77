# SPDX-License-Identifier: BSD-2-Clause
"""The address-space table and picture, from snapshots made by hand (pure rendering units; the
examples test the same renderers on snapshots of real runs)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from sel4vspace.rights import CapRights
from sel4vspace.tooling.addrmap import (
    MappingView,
    ReservationView,
    Snapshot,
    VSpaceView,
    compact_frames,
    fold_mappings,
    render_table,
    rights_text,
    size_text,
)
from sel4vspace.tooling.svg import RIGHTS_COLOURS, render_svg

SVG = "{http://www.w3.org/2000/svg}"


def pages(vaddr: int, count: int, rights: CapRights, group: str = "buf", size_bits: int = 12, paddr: int = 0x100000,
          first: int = 0, cacheable: bool | None = True) -> tuple[MappingView, ...]:
    size = 1 << size_bits
    return tuple(MappingView(vaddr + i * size, size_bits, rights, 0x40 + first + i, paddr + i * size, cacheable,
                             f"{group}[{first + i}]") for i in range(count))


def demo_snapshot() -> Snapshot:
    server = VSpaceView("server",
                        (ReservationView(0x20000000, 0x20004000, CapRights.RW, name="server_buf"),
                         ReservationView(0x40000000, 0x80000000, CapRights.READ, name="huge")),
                        pages(0x20000000, 4, CapRights.RW) + (MappingView(0x40200000, 12, CapRights.READ, 0x99),))
    client = VSpaceView("client", (ReservationView(0x10000000, 0x10004000, None, True, name="window"),),
                        pages(0x10000000, 4, CapRights.READ, "buf_client"))
    return Snapshot((server, client, VSpaceView("gone", torn_down=True)), "after step 6 (both-mapped)")


def test_fold_adjacent_pages_of_one_size_and_rights():
    maps = (pages(0x1000, 3, CapRights.RW) + pages(0x4000, 2, CapRights.READ, first=3)  # rights change
            + pages(0x7000, 1, CapRights.READ, first=5)                               # a hole before it
            + pages(0x200000, 2, CapRights.READ, "big", 21)                            # another size
            + pages(0x600000, 1, CapRights.READ, "u", cacheable=False)                 # another cacheability
            + pages(0x601000, 1, CapRights.READ, "u", first=1))
    rows = fold_mappings(reversed(maps))
    assert [(r.start, r.end, r.count, r.size_bits, rights_text(r.rights)) for r in rows] == [
        (0x1000, 0x4000, 3, 12, "rw"), (0x4000, 0x6000, 2, 12, "r"), (0x7000, 0x8000, 1, 12, "r"),
        (0x200000, 0x600000, 2, 21, "r"), (0x600000, 0x601000, 1, 12, "r"), (0x601000, 0x602000, 1, 12, "r")]
    assert rows[0].frames_label == "buf[0..2]"
    assert rows[0].paddr_label == "0x100000"
    assert fold_mappings([]) == []


def test_scattered_frames_are_said_so():
    maps = (MappingView(0x1000, 12, CapRights.RW, 1, 0x9000, frame="a[0]"),
            MappingView(0x2000, 12, CapRights.RW, 2, 0x3000, frame="b[4]"))
    (row,) = fold_mappings(maps)
    assert row.paddr_label == "0x9000 (scattered)"
    assert row.frames_label == "a[0], b[4]"


@pytest.mark.parametrize("labels, text", [
    (["b[0]", "b[1]", "b[2]", "c[5]"], "b[0..2], c[5]"),
    (["b[1]", "b[0]"], "b[1], b[0]"),
    (["cap 0x40", "b[3]", "b[4]"], "cap 0x40, b[3..4]"),
    ([f"x{i}[0]" for i in range(6)], "x0[0], x1[0], x2[0], x3[0], ... (6 frames)"),
])
def test_compact_frames(labels, text):
    assert compact_frames(labels) == text


@pytest.mark.parametrize("size, text", [(4096, "4 KiB"), (16384, "16 KiB"), (2 << 20, "2 MiB"), (1 << 30, "1 GiB"),
                                        (3 << 40, "3 TiB"), (4097, "4097 B"), (0, "0 B")])
def test_size_text(size, text):
    assert size_text(size) == text


def test_rights_text():
    assert [rights_text(r) for r in (CapRights.RW, CapRights.READ, CapRights.WRITE, CapRights.NONE, CapRights.ALL)] \
        == ["rw", "r", "w", "none", "rwgp"]


def test_table_shows_reservations_and_folded_mappings():
    text = render_table(demo_snapshot())
    lines = text.splitlines()
    assert lines[0] == "after step 6 (both-mapped)"
    server = lines.index("vspace server")
    client = lines.index("vspace client")
    assert "vspace gone (torn down)" in lines
    server_part = "\n".join(lines[server:client])
    assert "0x20000000  0x20004000  16 KiB  rw" in server_part
    assert "huge" in server_part and "1 GiB" in server_part
    mapping_lines = [line for line in lines[server:client] if line.startswith("    0x") and "x 4 KiB" in line]
    assert len(mapping_lines) == 2
    assert mapping_lines[0].split() == ["0x20000000", "0x20004000", "4", "x", "4", "KiB", "rw", "yes", "buf[0..3]",
                                        "0x100000", "server_buf"]
    assert mapping_lines[1].split()[-3:] == ["0x99", "0x0", "huge"]  # unnamed cap, inside the huge reservation
    client_part = "\n".join(lines[client:])
    assert "deferred" in client_part and "buf_client[0..3]" in client_part and "window" in client_part


def test_table_of_empty_vspace():
    text = render_table(Snapshot((VSpaceView("empty"),)))
    assert text == "vspace empty\n  reservations: none\n  mappings: none\n"


def test_mapping_outside_any_reservation_is_marked():
    text = render_table(Snapshot((VSpaceView("v", (), pages(0x1000, 1, CapRights.RW)),)))
    assert text.splitlines()[-1].split()[-1] == "-"


def parse_svg(snapshot: Snapshot) -> ET.Element:
    document = render_svg(snapshot)
    assert document.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(document)


def classes(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def test_svg_one_rect_per_mapping_row_and_one_lane_per_vspace():
    snapshot = demo_snapshot()
    root = parse_svg(snapshot)
    assert root.tag == SVG + "svg"
    lanes = classes(root, "vspace")
    assert [lane.get("data-name") for lane in lanes] == ["server", "client", "gone"]
    mappings = classes(root, "mapping")
    rows = sum(len(fold_mappings(v.mappings)) for v in snapshot.vspaces if not v.torn_down)
    assert len(mappings) == rows == 3
    assert all(m.tag == SVG + "rect" for m in mappings)
    assert {m.get("data-rights") for m in mappings} == {"rw", "r"}
    assert {m.get("fill") for m in mappings} == {RIGHTS_COLOURS["rw"], RIGHTS_COLOURS["r"]}
    # every mapping has a tooltip naming its range
    assert all(m.find(SVG + "title") is not None and "0x" in m.find(SVG + "title").text for m in mappings)
    reservations = classes(root, "reservation")
    assert len(reservations) == 3
    deferred = classes(root, "deferred")
    assert len(deferred) == 1 and deferred[0].get("stroke-dasharray")
    legend = classes(root, "legend")
    assert len(legend) == 1
    legend_text = " ".join(t.text for t in legend[0].iter(SVG + "text"))
    for key in RIGHTS_COLOURS:
        assert f"mapped {key}" in legend_text
    assert "deferred-rights reservation" in legend_text


def test_svg_a_small_page_next_to_a_huge_region_stays_visible():
    snapshot = Snapshot((VSpaceView("v", (ReservationView(0x40000000, 0x80000000, CapRights.RW),),
                                    (MappingView(0x40000000, 12, CapRights.RW, 1),)),))
    root = parse_svg(snapshot)
    (page,) = classes(root, "mapping")
    (region,) = classes(root, "reservation")
    assert float(page.get("width")) >= 20
    assert float(region.get("width")) < 20 * float(page.get("width")), "log scale, not linear (262144x)"


def test_svg_gaps_are_log_scaled_and_stay_narrow():
    def gap_width(hole_pages: int) -> float:
        snap = Snapshot((VSpaceView("v", (), pages(0x1000, 1, CapRights.RW)
                                    + pages(0x2000 + hole_pages * 0x1000, 1, CapRights.RW)),))
        [gap] = classes(parse_svg(snap), "gap")
        return float(gap.get("width"))

    one_page, one_mib, huge = gap_width(1), gap_width(256), gap_width(2**31)
    assert one_page < one_mib < huge  # bigger holes are drawn wider...
    assert huge - one_mib == pytest.approx(1.5 * 23)  # ...by the same width per doubling of the hole
    page_width = float(classes(parse_svg(Snapshot((VSpaceView("v", (), pages(0x1000, 1, CapRights.RW)),))),
                           "mapping")[0].get("width"))
    assert huge < 4 * page_width  # an 8 TiB hole never dwarfs a 4 KiB page


def test_svg_of_empty_and_torn_down_vspaces():
    root = parse_svg(Snapshot((VSpaceView("empty"), VSpaceView("gone", torn_down=True))))
    assert classes(root, "mapping") == []
    texts = [t.text for t in root.iter(SVG + "text")]
    assert "(nothing reserved or mapped)" in texts and "(torn down)" in texts
    assert len(classes(root, "legend")) == 1


def test_svg_escapes_names():
    root = parse_svg(Snapshot((VSpaceView("a<b>&c", (ReservationView(0x1000, 0x2000, CapRights.RW, name="x&y"),)),),
                              title="<&>"))
    assert classes(root, "vspace")[0].get("data-name") == "a<b>&c"


def arch_snapshot(arch: str = "riscv64", user_top: int | None = 0x3F_FFFF_F000) -> Snapshot:
    return Snapshot((VSpaceView("v", (ReservationView(0x10000000, 0x10004000, CapRights.RW, name="res"),),
                                pages(0x10000000, 2, CapRights.RW)),), "after step 2", arch, user_top)


def test_table_names_the_arch_and_where_its_user_space_ends():
    lines = render_table(arch_snapshot()).splitlines()
    assert lines[:3] == ["after step 2", "arch riscv64, user space below 0x3ffffff000", ""]
    assert render_table(arch_snapshot("aarch64", None)).splitlines()[1] == "arch aarch64"
    untitled = Snapshot((VSpaceView("empty"),), arch="x86_64", user_top=0x7FFF_FFFF_F000)
    assert render_table(untitled).splitlines()[:2] == ["arch x86_64, user space below 0x7ffffffff000", ""]


def test_svg_names_the_arch_in_its_title_and_caption():
    root = parse_svg(arch_snapshot())
    assert root.find(SVG + "title").text == "after step 2 (riscv64)"
    (caption,) = classes(root, "caption")
    assert caption.text == "arch riscv64, user space below 0x3ffffff000"
    unnamed = parse_svg(Snapshot((VSpaceView("v"),), "t"))
    assert unnamed.find(SVG + "title").text == "t" and classes(unnamed, "caption") == []


def test_svg_axis_runs_on_to_the_arch_user_top_and_marks_it():
    """The axis ends at the arch's user top, drawn as the last gap: how far the mappings sit from
    the end of user space shows, at each arch's own scale."""
    def axis_end(snapshot: Snapshot) -> tuple[list[str], list[ET.Element], list[ET.Element]]:
        root = parse_svg(snapshot)
        labels = [t.text for t in classes(root, "axis")[0].iter(SVG + "text")]
        return labels, classes(root, "gap"), classes(root, "user-top")

    labels, gaps, (marker,) = axis_end(arch_snapshot())
    assert labels[-1] == "0x3ffffff000" and len(gaps) == 1
    assert "end of riscv64 user space: 0x3ffffff000" in marker.find(SVG + "title").text
    x86_labels, x86_gaps, _ = axis_end(arch_snapshot("x86_64", 0x7FFF_FFFF_F000))
    assert x86_labels[-1] == "0x7ffffffff000"
    assert float(x86_gaps[0].get("width")) > float(gaps[0].get("width")), "a larger user space, a longer last gap"
    labels, gaps, markers = axis_end(arch_snapshot("riscv64", None))
    assert labels[-1] == "0x10004000" and gaps == [] and markers == []
