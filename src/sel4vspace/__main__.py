# SPDX-License-Identifier: BSD-2-Clause
"""Command line: ``sel4vspace demo``, ``sel4vspace run SCENARIO``, ``sel4vspace map SCENARIO``
(also as ``python -m sel4vspace ...``).

Exit status, for every command: 0 success; 1 the command ran and something failed (a scenario
step, an ``expect_*`` that did not hold, the demo losing memory, an SVG that could not be
written); 2 nothing ran (a scenario file with mistakes or unreadable, an unknown ``--at`` step,
an ``--svg`` path where no file can be written, a usage error reported by argparse, or
``SEL4VSPACE_ARCH`` naming an arch that is not installed).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from . import __version__, _arches
from .tooling.cli import EXIT_BAD_SCENARIO, EXIT_FAILED, EXIT_OK, add_commands, paragraph

EXIT_STATUS_HELP = f"""\
exit status:
  {EXIT_OK}  success
  {EXIT_FAILED}  the command ran and something failed (a scenario step, an expect_* that did not hold,
     the demo losing memory, an SVG that could not be written)
  {EXIT_BAD_SCENARIO}  nothing ran: a scenario file with mistakes or unreadable, or on an arch not installed,
     an unknown --at step, an --svg path where no file can be written, or a usage error"""


def _demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo

    return run_demo(out=sys.stdout, arch=args.arch)


def version_text() -> str:
    """``sel4vspace VERSION``, which seL4_libs sources and build flavour the default arch's extension
    has, then one line for each other installed arch's (they may come from other trees or builds)."""
    lines: list[str] = []
    for arch in (_arches.default(), *(a for a in _arches.INSTALLED if a != _arches.default())):
        package = _arches.lowlevel(arch)
        util_libs = "" if package.BUILT_UTIL_LIBS == "vendor" else f", util_libs from {package.BUILT_UTIL_LIBS}"
        built = f"seL4_libs from {package.BUILT_FROM}{util_libs}, build {package.BUILD_FLAVOUR}"
        lines.append(f"sel4vspace {__version__} ({built})" if not lines else f"  {arch}: {built}")
    return "\n".join(lines)


class _VersionAction(argparse.Action):
    """--version, its text made only when asked for: it loads every installed arch's extension."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(version_text())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sel4vspace",
        description="seL4's vspace libraries on a simulated seL4 kernel, on the host.",
        epilog="examples:\n"
               "  sel4vspace demo\n"
               "  sel4vspace run examples/deferred_rights.toml\n"
               "  sel4vspace map examples/shared_buffer.toml --at 4 --svg map.svg\n"
               "  sel4vspace COMMAND --help\n\n" + EXIT_STATUS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction,
                        help="the version, and which seL4_libs tree and build each arch's extension is from")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo", help="run the deferred-rights scenario and show what happened",
        description=paragraph("A server reserves a window in a client's address space with no rights, maps frames "
                    "there read-only (read-write in its own), writes; the client reads the bytes and faults "
                    "on a write; everything is torn down and every byte of untyped memory and every cslot "
                    "comes back. Each step is printed."),
        epilog=f"examples:\n  sel4vspace demo\n  sel4vspace demo --arch {(_arches.INSTALLED or _arches.KNOWN)[-1]}\n\n"
               "exit status: 0 when the client read the bytes, its write faulted and everything came\n"
               "back; 1 otherwise",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    demo.add_argument("--arch", choices=_arches.INSTALLED,
                      help=f"the seL4 architecture to run on, one of those installed (default: the default arch, "
                           f"x86_64 or {_arches.ENV} from the environment)")
    demo.set_defaults(handler=_demo)
    add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    try:
        _arches.default()
    except ImportError as error:
        # SEL4VSPACE_ARCH names an arch not installed, or nothing is built: a usage error, said in
        # one line as argparse says its own
        print(f"sel4vspace: error: {error}", file=sys.stderr)
        return EXIT_BAD_SCENARIO
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except BrokenPipeError:
        # whoever read the output stopped reading (`| head`): end quietly, as other command-line
        # tools do; stdout goes to the null device so that Python's final flush cannot fail again
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
