# SPDX-License-Identifier: BSD-2-Clause
"""The ``run`` and ``map`` subcommands of ``sel4vspace``.

Exit status: 0 when the scenario ran and every expectation held, 1 when a step failed, 2 when the
scenario file could not be read or has mistakes, or no file can be written at the --svg path
(nothing ran).
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from .. import _arches
from .._text import text
from .addrmap import render_table
from .scenario import OPS, Scenario, ScenarioError, load_scenario
from .svg import render_svg

__all__ = ["EXIT_BAD_SCENARIO", "EXIT_FAILED", "EXIT_OK", "add_commands", "map_command", "run_command"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_SCENARIO = 0, 1, 2

RUN_EXAMPLES = """\
examples:
  sel4vspace run examples/deferred_rights.toml      each step and its result
  sel4vspace run -q examples/deferred_rights.toml   only the verdict
  sel4vspace run -v examples/remap_rights.toml      also the C library's log lines"""

MAP_EXAMPLES = """\
examples:
  sel4vspace map examples/deferred_rights.toml                  at the scenario's map_at step
  sel4vspace map examples/shared_buffer.toml --at 4             right after step 4 (a number or a label)
  sel4vspace map examples/deferred_rights.toml --svg map.svg    also draw it"""


def paragraph(text: str) -> str:
    """Text wrapped for a help screen whose formatter keeps line breaks as written."""
    return textwrap.fill(text, 78)


def path_argument(value: str) -> Path:
    """A path on the command line (argparse's ``type``), by the rule of text: a NUL, which no file's
    name holds, is argparse's usage error naming the argument, not a traceback from ``open``."""
    try:
        return Path(text("the path", value))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def operations_reference() -> str:
    """Every operation a step may name, its keys ([optional]) and what it does, from the checker's
    own table."""
    lines = ["operations (each [[step]] has op = NAME and these keys; [key] is optional; every step",
             "may also have a label):"]
    width = max(len(name) for name in OPS)
    for name, op in OPS.items():
        words = []
        for key, spec in op.keys.items():
            group = next((g for g in op.one_of if key in g), None)
            if group is None:
                words.append(key if spec.required else f"[{key}]")
            elif key == group[0]:
                words.append("(" + " | ".join(group) + ")")
        keys = " ".join(words)
        if name == "expect_error":
            keys += " + the keys of `call`"
        lines.append(f"  {name.ljust(width)}  {keys}")
        lines.append(f"  {''.ljust(width)}    {op.summary}")
    return "\n".join(lines)


def add_commands(commands: Any) -> None:
    """Add ``run`` and ``map`` to an argparse subparsers object."""
    run = commands.add_parser(
        "run", help="run a scenario file on the simulated kernel",
        description=paragraph("Run a scenario (TOML) on the simulated kernel and print each step and its result. "
                    "Exit status 0 when every step ran and every expect_* held, 1 when a step fails (an "
                    "expect_* that does not hold, or an operation that fails unexpectedly), 2 when the file "
                    "has mistakes (all listed; nothing ran)."),
        epilog=RUN_EXAMPLES + "\n\n" + operations_reference(), formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("scenario", type=path_argument, help="the scenario file (.toml)")
    run.add_argument("-q", "--quiet", action="store_true", help="print only the verdict")
    run.add_argument("-v", "--verbose", action="store_true",
                     help="also print the C library's log lines, just before the line of the step that logged them")
    run.set_defaults(handler=run_command)

    map_ = commands.add_parser(
        "map", help="run a scenario and show every vspace's reservations and mappings",
        description=paragraph("Run a scenario up to a step (--at, else the scenario's map_at, else the end) and "
                    "show each vspace's reservations and mappings as a table; --svg also draws them. "
                    "Exit status 0 when the map was shown, 1 when a step before that point failed or the "
                    "SVG could not be written, 2 when the file has mistakes, --at names no step or no file "
                    "can be written at the --svg path (found before anything runs)."),
        epilog=MAP_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    map_.add_argument("scenario", type=path_argument, help="the scenario file (.toml)")
    map_.add_argument("--at", metavar="STEP", help="a step label or number: show the vspaces right after it")
    map_.add_argument("--svg", metavar="PATH", type=path_argument, help="also write the picture to PATH")
    map_.set_defaults(handler=map_command)


class _CLogLines(logging.Handler):
    """C log lines of the library under test, printed between the steps."""

    def __init__(self, out: TextIO) -> None:
        super().__init__(logging.DEBUG)
        self.out = out

    def emit(self, record: logging.LogRecord) -> None:
        print(f"      C {record.levelname.lower()}: {record.getMessage()}", file=self.out)


@contextmanager
def _c_log(out: TextIO | None) -> Iterator[None]:
    """The C library logs every refusal, including those a scenario expects; the step lines
    already carry the C error of a failed call, so the raw lines are shown only when asked
    (``out``), and otherwise kept from logging's last-resort printing to stderr."""
    logger = logging.getLogger("sel4vspace.c")
    handler: logging.Handler = _CLogLines(out) if out is not None else logging.NullHandler()
    level = logger.level
    logger.addHandler(handler)
    if out is not None:
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _load(path: Path, err: TextIO) -> Scenario | None:
    """The scenario at ``path``, checked and runnable here; None, with the reasons on ``err``,
    when nothing can run (mistakes in the file, or an arch this install has no extension of)."""
    try:
        scenario = load_scenario(path)
    except ScenarioError as error:
        count = len(error.problems)
        print(f"{path}: {count} mistake{'s' if count != 1 else ''}, nothing ran:", file=err)
        for problem in error.problems:
            print("  " + problem.format(str(path)), file=err)
        return None
    except OSError as error:
        print(f"{path}: cannot read: {error.strerror or error}", file=err)
        return None
    if scenario.arch is not None and scenario.arch not in _arches.INSTALLED:
        # a known arch (the file's check holds it to those) that this install was built without
        print(f"{path}: arch = {scenario.arch!r} is not installed here, nothing ran (installed: "
              f"{', '.join(_arches.INSTALLED) or 'none'}; SEL4VSPACE_ARCHES at build time chooses them)", file=err)
        return None
    return scenario


def cannot_write(path: Path) -> str | None:
    """Why no file can be written at ``path``, or None when one can: found by opening it for writing
    as the write will (without emptying a file that is there; one made for the try is removed)."""
    existed = os.path.lexists(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o666)
    except OSError as error:
        return write_failure(path, error)
    os.close(fd)
    if not existed:
        path.unlink()
    return None


def write_failure(path: Path, error: OSError) -> str:
    """How the map command says that ``path`` could not be written."""
    reason = error.strerror or str(error)
    if error.errno == errno.ENOENT and not path.parent.is_dir():
        reason = f"there is no directory {path.parent}"
    return f"{path}: cannot write: {reason}"


def run_command(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """``sel4vspace run``: play ``args.scenario``, printing to ``out`` / ``err`` (default stdout /
    stderr); returns the exit status (:data:`EXIT_OK`, :data:`EXIT_FAILED`, :data:`EXIT_BAD_SCENARIO`)."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    scenario = _load(args.scenario, err)
    if scenario is None:
        return EXIT_BAD_SCENARIO
    from .runner import Runner  # the compiled extension is needed only from here on

    if not args.quiet:
        arch = scenario.target_arch()
        print(f"scenario {scenario.path}" + (f" on {arch}" if arch else "")
              + (f": {scenario.description}" if scenario.description else ""), file=out)
    with Runner(scenario, None if args.quiet else out) as runner, \
            _c_log(out if args.verbose and not args.quiet else None):
        result = runner.run()
    if result.failure is not None:
        print(f"FAILED {result.failure}", file=err)
        return EXIT_FAILED
    expectations = sum(1 for step in scenario.steps if step.op.startswith("expect_"))
    print(f"ok: {result.steps_run} steps, {expectations} expectation{'s' if expectations != 1 else ''} held",
          file=out)
    return EXIT_OK


def map_command(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """``sel4vspace map``: run ``args.scenario`` up to ``args.at`` and print the table (and write
    ``args.svg``); returns the exit status, as :func:`run_command`. An SVG path that cannot be
    written is found before anything runs (:data:`EXIT_BAD_SCENARIO`)."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    if args.svg is not None:
        failure = cannot_write(args.svg)
        if failure is not None:
            print(f"{failure}; nothing ran", file=err)
            return EXIT_BAD_SCENARIO
    scenario = _load(args.scenario, err)
    if scenario is None:
        return EXIT_BAD_SCENARIO
    from .runner import Runner  # the compiled extension is needed only from here on
    at = args.at if args.at is not None else scenario.map_at
    until = None
    if at is not None:
        try:
            until = scenario.find_step(at).number
        except ValueError as error:
            # only --at can name no step: the checker has held map_at to the scenario's steps
            print(f"{scenario.path}: --at: {error}", file=err)
            return EXIT_BAD_SCENARIO
    with Runner(scenario) as runner:
        with _c_log(None):
            result = runner.run(until)
        if result.failure is not None:
            print(f"FAILED {result.failure}", file=err)
            print("no map: the scenario did not reach that point", file=err)
            return EXIT_FAILED
        if result.steps_run:
            step = scenario.steps[result.steps_run - 1]
            title = (f"{scenario.path}: after step {step.number} ({step.op})"
                     + (f" [{step.label}]" if step.label else ""))
        else:
            title = f"{scenario.path}: before the first step"
        snapshot = runner.snapshot(title)
    out.write(render_table(snapshot))
    if args.svg is not None:
        try:
            args.svg.write_text(render_svg(snapshot), encoding="utf-8")
        except OSError as error:
            print(write_failure(args.svg, error), file=err)
            return EXIT_FAILED
        print(f"wrote {args.svg}", file=err)
    return EXIT_OK
