# SPDX-License-Identifier: BSD-2-Clause
"""The documentation's Python examples run as written, and print what their comments say.

Each page's ```python blocks run in order in one namespace (a page is one session); a
``print(...)  # text`` line must print ``text``, and a ``print`` followed by comment lines
(``# line``) must print those lines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = [
    "getting-started.md",
    # the tutorial prints vendor/'s own C error lines, which another seL4_libs words differently
    pytest.param("tutorial-deferred-rights.md",
                 marks=pytest.mark.vendor_only("the page prints vendor/'s words for the C's refusals")),
]


def _expected_output(source: str) -> list[str]:
    expected = []
    lines = source.splitlines()
    for i, line in enumerate(lines):
        if not line.lstrip().startswith("print("):
            continue
        inline = re.search(r"print\(.*\)\s+# (.+)$", line)
        if inline:
            expected.append(inline.group(1).strip())
            continue
        for following in lines[i + 1:]:
            if not following.startswith("# "):
                break
            expected.append(following[2:].strip())
    return expected


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_python_runs_and_prints_what_it_says(page, capsys):
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), flags=re.S)
    assert blocks, f"{page} has no Python example"
    namespace: dict[str, object] = {}
    expected: list[str] = []
    for block in blocks:
        exec(compile(block, str(DOCS / page), "exec"), namespace)
        expected += _expected_output(block)
    printed = capsys.readouterr().out
    assert expected, f"{page}: no example says what it prints"
    for text in expected:
        assert text in printed, f"{page}: {text!r} not printed; got:\n{printed}"
