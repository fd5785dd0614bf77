# SPDX-License-Identifier: BSD-2-Clause
"""The README's Python examples run as written, and its Quickstart stays two lines and a figure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_the_readme_has_python_examples():
    assert BLOCKS


@pytest.mark.parametrize("source", BLOCKS, ids=lambda s: s.splitlines()[0][:40])
def test_readme_example_runs(source, capsys):
    exec(compile(source, str(README), "exec"), {})
    # Each example shows its result in a trailing comment; what it prints must match.
    printed = capsys.readouterr().out
    for expected in re.findall(r"print\(.*\)\s+# (.+)", source):
        assert expected.strip() in printed


def _section(page: Path, heading: str) -> str:
    """The text under ``## heading`` of ``page``, up to the next heading of that level."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", page.read_text(), flags=re.S | re.M)
    assert match is not None, f"{page.name} has no section {heading!r}"
    return match[1]


# a time: "24 minutes", "1,432 s", "66-71 s"
_TIME = re.compile(r"\b\d[\d,.]*(?:-\d[\d,.]*)? ?(s|min|minutes?)\b")


def test_the_quickstart_is_two_command_lines_and_how_long_ci_takes():
    """What a newcomer runs first, and what CI costs in one figure: each stage's time is in
    docs/testing.md, where the Quickstart sends whoever wants it."""
    quickstart = _section(README, "Quickstart")
    commands = [line for block in re.findall(r"```\w*\n(.*?)```", quickstart, flags=re.S)
                for line in block.splitlines() if line.strip()]
    assert commands == ["pip install . && sel4vspace demo", "pip install '.[test]' && python -m pytest"]
    times = [m[0] for m in _TIME.finditer(quickstart)]
    assert len(times) == 1 and times[0].endswith("minutes") and "CI" in quickstart, times
    assert "docs/testing.md#how-long-ci-takes" in quickstart


def test_the_testing_page_gives_each_stage_of_ci_its_time():
    """Every stage .ci/run names (``$arch``: one arch or several) has a row of its own, with a time."""
    section = _section(ROOT / "docs" / "testing.md", "How long CI takes")
    rows = [[cell.strip() for cell in row.split("|")[1:-1]] for row in section.splitlines()
            if row.startswith("| ") and not row.startswith("|--")][1:]
    stages = re.findall(r'^\s*part "(.+)"$', (ROOT / ".ci" / "run").read_text(), flags=re.M)
    assert len(stages) >= 6
    for stage in stages:
        pattern = re.escape(stage).replace(re.escape("$arch"), r"[\w, ]+")
        times = [time for name, time in rows if re.match(pattern, name)]
        assert times and all(_TIME.search(time) for time in times), f"no time of CI's stage {stage!r}"
