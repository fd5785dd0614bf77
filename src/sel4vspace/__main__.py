# SPDX-License-Identifier: BSD-2-Clause
"""Command line: ``sel4vspace demo``, ``sel4vspace run SCENARIO``, ``sel4vspace map SCENARIO``
(also as ``python -m sel4vspace ...``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .tooling.cli import add_commands


def _demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo

    return run_demo(out=sys.stdout)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sel4vspace",
        description="seL4's vspace libraries on a simulated seL4 kernel, on the host.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="run the deferred-rights scenario and show what happened")
    demo.set_defaults(handler=_demo)
    add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
