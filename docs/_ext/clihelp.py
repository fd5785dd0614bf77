# SPDX-License-Identifier: BSD-2-Clause
"""``clihelp`` directive: the help screen of ``sel4vspace`` or one of its subcommands, taken from
the command line's own argparse parser when the documentation is built, so the reference can never
disagree with ``--help``."""

from __future__ import annotations

import argparse
import os

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective


def help_text(command: str | None) -> str:
    from sel4vspace.__main__ import build_parser

    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal; the page must not depend on it
    parser = build_parser()
    if command is None:
        return parser.format_help()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return subparsers.choices[command].format_help()


class CliHelp(SphinxDirective):
    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        text = help_text(self.arguments[0] if self.arguments else None)
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


def setup(app: Sphinx) -> dict[str, object]:
    app.add_directive("clihelp", CliHelp)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
