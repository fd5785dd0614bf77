# SPDX-License-Identifier: BSD-2-Clause
"""The command line describes itself: --version, and for every subcommand a --help with an example
and its exit status."""

from __future__ import annotations

import argparse
import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import sel4vspace
from sel4vspace import _arches
from sel4vspace.__main__ import build_parser, main
from sel4vspace.lowlevel import BUILT_FROM


CLIHELP = Path(__file__).resolve().parents[2] / "tools" / "clihelp.py"


def _clihelp() -> SimpleNamespace:
    """The functions of tools/clihelp.py (a script, not a package)."""
    return SimpleNamespace(**runpy.run_path(str(CLIHELP)))


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_version_names_the_package_version_and_the_sources(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"sel4vspace {sel4vspace.__version__} ")
    assert f"seL4_libs from {BUILT_FROM}" in out


def test_version_says_what_every_installed_arch_is_built_from(capsys):
    """A user's tree may be built for some arches and another tree (or vendor/) for the rest: each
    installed arch's extension says its own, the default arch's first."""
    with pytest.raises(SystemExit):
        main(["--version"])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(sel4vspace.ARCHES)
    others = [arch for arch in sel4vspace.ARCHES if arch != _arches.default()]
    for line, arch in zip(lines[1:], others, strict=True):
        package = _arches.lowlevel(arch)
        util_libs = "" if package.BUILT_UTIL_LIBS == "vendor" else f", util_libs from {package.BUILT_UTIL_LIBS}"
        assert line == f"  {arch}: seL4_libs from {package.BUILT_FROM}{util_libs}, build {package.BUILD_FLAVOUR}"


def test_version_names_the_util_libs_a_build_used(capsys, monkeypatch):
    """A tree's build takes libutils from a util_libs checkout, or from vendor/ when it finds none:
    --version says which (the build's record), for every arch."""
    arch = _arches.INSTALLED[-1]
    package = _arches.lowlevel(arch)
    monkeypatch.setattr(package, "BUILT_FROM", "/home/you/seL4_libs")
    monkeypatch.setattr(package, "BUILT_UTIL_LIBS", "/home/you/util_libs")
    with pytest.raises(SystemExit):
        main(["--version"])
    out = capsys.readouterr().out
    assert "seL4_libs from /home/you/seL4_libs, util_libs from /home/you/util_libs, build" in out


def test_version_from_a_shell():
    done = subprocess.run([sys.executable, "-m", "sel4vspace", "--version"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0
    assert done.stdout.split()[:2] == ["sel4vspace", sel4vspace.__version__]


def test_the_commands_are_the_documented_ones():
    assert set(_subcommands()) == {"demo", "run", "map"}


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_every_subcommand_help_has_an_example_and_its_exit_status(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "example" in out
    assert f"  sel4vspace {command}" in out, "the example runs this very command"
    assert "exit status" in out.lower()
    assert "0 when" in out
    assert "1 when" in out or "1 otherwise" in out


def test_top_level_help_lists_the_exit_statuses(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    statuses = out.split("exit status:")[1].split()
    assert statuses[0] == "0" and "1" in statuses and "2" in statuses


def test_a_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["no-such-command"])
    assert exit_.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_the_cli_page_shows_every_help_screen_as_help_prints_it():
    """docs/cli.md holds the screens as text, which any Markdown viewer shows (a directive that made
    them in the Sphinx build left the page empty elsewhere): each block is what --help prints
    (python tools/clihelp.py writes them anew)."""
    clihelp = _clihelp()
    shown = clihelp.blocks(clihelp.PAGE.read_text())
    assert [command for command, _ in shown] == ["sel4vspace", *(f"sel4vspace {c}" for c in _subcommands())]
    for command, screen in shown:
        assert screen == clihelp.help_screen(command), f"{command} --help differs: python tools/clihelp.py"


def test_the_screens_are_those_of_an_install_of_every_arch_whatever_is_installed_here():
    """The page does not change with the arches a developer built: demo --arch lists them all."""
    clihelp = _clihelp()
    assert "--arch {" + ",".join(_arches.KNOWN) + "}" in clihelp.help_screen("sel4vspace demo")
    assert clihelp.help_screen("sel4vspace map").startswith("usage: sel4vspace map [-h] [--at STEP] [--svg PATH]")
    assert _subcommands()["demo"]._actions[-1].choices == _arches.INSTALLED, "and nothing of that stays"
