#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The help screens of ``sel4vspace`` and its commands, written into docs/cli.md as plain text so
that the page reads the same in any Markdown viewer (GitHub, an editor) and in the Sphinx build.

``python tools/clihelp.py`` writes each screen into the ```text block after its marker, an HTML
comment no viewer shows (``<!-- sel4vspace map --help -->``); tests/tooling/test_cli_help.py fails
while a block differs from what it would write. A screen is what ``--help`` prints, 100 columns
wide, on an install of every arch (``demo --arch`` lists the installed arches).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

PAGE = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
COLUMNS = "100"
BLOCK = re.compile(r"<!-- (sel4vspace(?: [a-z]+)?) --help -->\n```text\n(.*?)```\n", re.S)
"""A marker and the block after it: the command (``sel4vspace``, ``sel4vspace run``) and the screen."""


@contextlib.contextmanager
def _every_arch_installed_and_100_columns() -> Iterator[None]:
    from sel4vspace import _arches

    installed, columns = _arches.INSTALLED, os.environ.get("COLUMNS")
    _arches.INSTALLED = _arches.KNOWN
    os.environ["COLUMNS"] = COLUMNS   # argparse wraps to the terminal; the page must not depend on it
    try:
        yield
    finally:
        _arches.INSTALLED = installed
        if columns is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = columns


def help_screen(command: str) -> str:
    """What ``COMMAND --help`` prints (``command`` as a marker names it: ``sel4vspace map``)."""
    from sel4vspace.__main__ import main

    out = io.StringIO()
    with _every_arch_installed_and_100_columns(), contextlib.redirect_stdout(out), \
            contextlib.suppress(SystemExit):
        main([*command.split()[1:], "--help"])
    return out.getvalue()


def blocks(page: str) -> list[tuple[str, str]]:
    """Each (command, screen shown) of ``page``, in order."""
    return BLOCK.findall(page)


def rewritten(page: str) -> str:
    """``page`` with every block holding its command's screen."""
    return BLOCK.sub(lambda m: f"<!-- {m[1]} --help -->\n```text\n{help_screen(m[1])}```\n", page)


def main() -> int:
    page = PAGE.read_text()
    new = rewritten(page)
    if new == page:
        print(f"{PAGE}: the help screens are those of the command line already")
        return 0
    PAGE.write_text(new)
    print(f"{PAGE}: help screens written ({', '.join(command for command, _ in blocks(page))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
