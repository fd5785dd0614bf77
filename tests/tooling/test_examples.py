# SPDX-License-Identifier: BSD-2-Clause
"""Every example scenario runs on the simulated kernel with every expectation holding, and its map
(table and SVG) shows what the kernel holds at the scenario's map_at step."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sel4vspace import ARCHES
from sel4vspace.rights import CapRights
from sel4vspace.tooling.addrmap import fold_mappings, render_table
from sel4vspace.tooling.runner import Runner
from sel4vspace.tooling.scenario import load_scenario, parse_scenario
from sel4vspace.tooling.svg import render_svg

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.toml"))
SVG = "{http://www.w3.org/2000/svg}"


def _installed_scenario(path):
    """The scenario at path; its test is skipped when its arch's extension is not installed (a build
    of fewer arches: SEL4VSPACE_ARCHES)."""
    scenario = load_scenario(path)
    if scenario.target_arch() not in ARCHES:
        pytest.skip(f"{path.name} runs on {scenario.target_arch()}, whose extension is not installed "
                    f"(installed: {', '.join(ARCHES)})")
    return scenario


def test_there_are_examples():
    assert {p.name for p in EXAMPLES} >= {"deferred_rights.toml", "shared_buffer.toml", "remap_rights.toml",
                                          "aarch64_uncached.toml", "riscv64_sv39.toml"}
    # an example of its own for each arch whose seL4 differs from the default's where a scenario can see it
    assert {load_scenario(p).arch for p in EXAMPLES} >= {None, "aarch64", "riscv64"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs_and_every_expectation_holds(path):
    scenario = _installed_scenario(path)
    with Runner(scenario) as runner:
        result = runner.run()
        assert runner.kernel.arch == scenario.target_arch()
    assert result.ok, str(result.failure)
    assert result.steps_run == len(scenario.steps)
    assert any(step.op.startswith("expect_") for step in scenario.steps)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_map_table_and_svg(path):
    scenario = _installed_scenario(path)
    assert scenario.map_at is not None
    with Runner(scenario) as runner:
        assert runner.run(until=scenario.find_step(scenario.map_at).number).ok
        snapshot = runner.snapshot(f"{path.name} at {scenario.map_at}")

    table = render_table(snapshot)
    for vspace in snapshot.vspaces:
        assert f"vspace {vspace.name}" in table
    rows = [row for vspace in snapshot.vspaces for row in fold_mappings(vspace.mappings)]
    assert rows, "the map_at step shows something mapped"
    for row in rows:
        assert f"{row.start:#x}  {row.end:#x}" in table
    for vspace in snapshot.vspaces:
        for reservation in vspace.reservations:
            assert f"{reservation.start:#x}  {reservation.end:#x}" in table

    root = ET.fromstring(render_svg(snapshot))
    assert root.tag == SVG + "svg"
    mapping_rects = [e for e in root.iter(SVG + "rect") if e.get("class") == "mapping"]
    assert len(mapping_rects) == len(rows)
    lanes = [e.get("data-name") for e in root.iter(SVG + "g") if e.get("class") == "vspace"]
    assert lanes == list(scenario.vspaces)
    legends = [e for e in root.iter(SVG + "g") if e.get("class") == "legend"]
    assert len(legends) == 1 and any("mapped rw" == t.text for t in legends[0].iter(SVG + "text"))


def test_deferred_rights_example_step_by_step():
    scenario = load_scenario(Path(__file__).parents[2] / "examples" / "deferred_rights.toml")
    with Runner(scenario) as runner:
        check_deferred_rights_example(scenario, runner)


def check_deferred_rights_example(scenario, runner):
    assert runner.run(until=scenario.find_step("both-mapped").number).ok
    client, server = runner.vspaces["client"], runner.vspaces["server"]
    (window,) = client.reservations()
    assert window.rights_deferred and (window.start, window.size) == (0x10000000, 0x4000)
    for offset in range(0, 0x4000, 0x1000):
        seen_by_client = client.lookup(0x10000000 + offset)
        seen_by_server = server.lookup(0x20000000 + offset)
        assert seen_by_client.rights == CapRights.READ and seen_by_server.rights == CapRights.RW
        assert seen_by_client.paddr == seen_by_server.paddr, "the same frames in both vspaces"
    snapshot = runner.snapshot()
    client_view = next(v for v in snapshot.vspaces if v.name == "client")
    assert client_view.reservations[0].rights_label == "deferred"
    (row,) = fold_mappings(client_view.mappings)
    assert (row.count, row.frames_label) == (4, "buf_client[0..3]")
    assert runner.run().ok
    assert runner.kernel.untyped_free_bytes == runner.initial_untyped_free


def test_the_guides_example_parses_and_runs():
    guide = (Path(__file__).parents[2] / "examples" / "README.md").read_text()
    (block,) = [part.split("```", 1)[0] for part in guide.split("```toml\n")[1:]]
    scenario = parse_scenario(block, "examples/README.md")
    assert [step.label for step in scenario.steps] == [None, "mapped"] and scenario.map_at == "mapped"
    with Runner(scenario) as runner:
        assert runner.run().ok
        (page,) = [m for m in runner.vspaces["client"].mappings() if m.vaddr == 0x10001000]
        assert page.rights == CapRights.READ and runner.cap_names[page.cap] == "buf_ro[1]"
