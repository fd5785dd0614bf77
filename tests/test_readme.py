# SPDX-License-Identifier: BSD-2-Clause
"""The README's Python examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
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
