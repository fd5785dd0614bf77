# SPDX-License-Identifier: BSD-2-Clause
"""``sel4vspace run`` and ``sel4vspace map``: output, exit status, --at, --svg, --quiet."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tracemalloc
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from upstream_defects import VENDOR_BUILD

from sel4vspace import ARCHES, _arches
from sel4vspace.__main__ import main

EXAMPLES = Path(__file__).parents[2] / "examples"
DEMO = EXAMPLES / "deferred_rights.toml"
RISCV = EXAMPLES / "riscv64_sv39.toml"

FAILING = """\
[scenario]
vspaces = ["v"]

[[step]]
op = "new_pages"
vspace = "v"
num_pages = 1
rights = "r"
name = "page"
label = "mapped"

[[step]]
op = "expect_fault"
vspace = "v"
vaddr = "page"
access = "read"
"""


def test_run_prints_every_step_and_the_verdict(capsys):
    assert main(["run", str(DEMO)]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith(f"scenario {DEMO} on {_arches.default()}: ")
    assert sum(1 for line in lines if line[:3].strip().isdigit()) == 16
    assert lines[-1] == "ok: 16 steps, 8 expectations held"
    assert err == ""


def test_run_quiet(capsys):
    assert main(["run", "-q", str(DEMO)]) == 0
    out, _ = capsys.readouterr()
    assert out == "ok: 16 steps, 8 expectations held\n"


def test_run_failure_exits_1_and_says_which_step(tmp_path, capsys):
    path = tmp_path / "fail.toml"
    path.write_text(FAILING)
    assert main(["run", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "  2 expect_fault: FAILED" in out
    assert err.startswith("FAILED step 2 (expect_fault): expected a read fault at 0x")
    assert "the read returned 00" in err


def test_run_bad_file_exits_2_before_running(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(FAILING.replace('access = "read"', 'acess = "read"'))
    assert main(["run", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"{path}: 2 mistakes, nothing ran:",
        f"  {path}:12: step 2 (expect_fault): key 'access': missing",
        f"  {path}:16: step 2 (expect_fault): key 'acess': unknown key; did you mean 'access'?",
    ]


def test_run_missing_file_exits_2(tmp_path, capsys):
    assert main(["run", str(tmp_path / "none.toml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_map_at_the_scenarios_map_at_step_with_svg(tmp_path, capsys):
    svg = tmp_path / "demo.svg"
    assert main(["map", str(DEMO), "--svg", str(svg)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == f"{DEMO}: after step 6 (deferred_rights_map_pages_at_vaddr) [both-mapped]"
    assert "vspace server" in out and "vspace client" in out and "deferred" in out
    assert err == f"wrote {svg}\n"
    root = ET.parse(svg).getroot()
    assert len([e for e in root.iter() if e.get("class") == "mapping"]) == 2


def test_map_at_a_step_number_and_at_the_end(capsys):
    assert main(["map", str(DEMO), "--at", "1"]) == 0
    out = capsys.readouterr().out
    assert "after step 1 (reserve_deferred_rights_range_at)" in out
    assert "vspace server\n  reservations: none\n  mappings: none" in out
    assert main(["map", str(DEMO), "--at", "16"]) == 0
    out = capsys.readouterr().out
    assert "vspace server (torn down)" in out and "vspace client (torn down)" in out


def test_map_unknown_step_exits_2(capsys):
    assert main(["map", str(DEMO), "--at", "both_mapped"]) == 2
    assert capsys.readouterr().err == (f"{DEMO}: --at: no step is labelled 'both_mapped'; "
                                       "did you mean 'both-mapped'?\n")
    assert main(["map", str(DEMO), "--at", "9999"]) == 2
    assert capsys.readouterr().err == f"{DEMO}: --at: the scenario has steps 1 to 16, not 9999\n"


def test_a_map_at_naming_no_step_is_a_mistake_of_the_file(tmp_path, capsys):
    path = tmp_path / "stale.toml"
    path.write_text(DEMO.read_text().replace('map_at = "both-mapped"', 'map_at = "gone"'))
    assert main(["map", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (f"{path}: 1 mistake, nothing ran:\n"
                   f"  {path}:15: [scenario]: key 'map_at': no step is labelled 'gone'\n"), err


def test_map_of_a_failing_scenario_exits_1(tmp_path, capsys):
    path = tmp_path / "fail.toml"
    path.write_text(FAILING)
    assert main(["map", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "FAILED step 2" in err
    assert main(["map", str(path), "--at", "mapped"]) == 0, "the failure comes after the map point"
    assert "1 x 4 KiB  r" in capsys.readouterr().out


@pytest.mark.parametrize("where", ["a missing directory", "a directory"])
def test_an_svg_path_that_cannot_be_written_fails_before_anything_runs(where, tmp_path, capsys, monkeypatch):
    """Found after the whole scenario had run, it cost that run and said so only at the end: the
    path is tried first, and the command ends there, naming it (exit 2, nothing ran)."""
    from sel4vspace.tooling import runner

    def no_run(*args, **kwargs):
        raise AssertionError("the scenario ran")

    monkeypatch.setattr(runner, "Runner", no_run)
    svg, reason = {"a missing directory": (tmp_path / "no" / "map.svg", f"there is no directory {tmp_path / 'no'}"),
                   "a directory": (tmp_path, "Is a directory")}[where]
    assert main(["map", str(DEMO), "--svg", str(svg)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{svg}: cannot write: {reason}; nothing ran\n"
    assert sorted(tmp_path.iterdir()) == [], "the try leaves nothing behind"


def test_an_svg_that_cannot_be_written_after_the_run_exits_1(tmp_path, capsys, monkeypatch):
    """The path may stop being writable while the scenario runs: then the map was made and only its
    picture failed."""
    from sel4vspace.tooling import cli

    monkeypatch.setattr(cli, "cannot_write", lambda path: None)
    svg = tmp_path / "gone" / "map.svg"
    assert main(["map", str(DEMO), "--svg", str(svg)]) == 1
    out, err = capsys.readouterr()
    assert "vspace server" in out
    assert err == f"{svg}: cannot write: there is no directory {svg.parent}\n"


def test_the_svg_path_s_try_empties_no_file_and_leaves_none_it_made(tmp_path, capsys):
    """The path is tried by opening it as the write will: a file there keeps its bytes until the map
    replaces them, and a file made for the try does not outlive a run that fails."""
    old = tmp_path / "old.svg"
    old.write_text("the last map")
    failing = tmp_path / "fail.toml"
    failing.write_text(FAILING)
    assert main(["map", str(failing), "--svg", str(old)]) == 1
    assert main(["map", str(failing), "--svg", str(tmp_path / "new.svg")]) == 1
    capsys.readouterr()
    assert old.read_text() == "the last map"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["fail.toml", "old.svg"]


@pytest.mark.parametrize("argv,argument", [(["run", "a\0b.toml"], "scenario"),
                                           (["map", "a\0b.toml"], "scenario"),
                                           (["map", str(DEMO), "--svg", "a\0b.svg"], "--svg")])
def test_a_path_with_a_nul_is_a_usage_error_naming_the_argument(argv, argument, capsys):
    """No file's name holds a NUL: the rule of every text argument refuses it as argparse refuses
    any bad argument (exit 2, nothing ran), not with open()'s traceback."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[-1] == (f"sel4vspace {argv[0]}: error: argument {argument}: the path must not contain a "
                                    "NUL character (no C string, file name or SVG holds one), found one at index 1 "
                                    f"of {next(a for a in argv if chr(0) in a)!r}")


def test_python_dash_m_entry_point_lists_the_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "demo" in out and "run" in out and "map" in out


def test_run_help_lists_every_operation_and_its_keys(capsys):
    from sel4vspace.tooling.scenario import OPS

    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    for name in OPS:
        assert f"  {name} " in out
    assert "deferred_rights_map_pages_at_vaddr  vspace caps vaddr rights reservation [size_bits]" in out
    assert "vspace vaddr (data | hex)" in out


def test_run_verbose_shows_the_c_log_lines_before_their_step(capsys):
    assert main(["run", "-v", str(DEMO)]) == 0
    lines = capsys.readouterr().out.splitlines()
    c_line = next(i for i, line in enumerate(lines) if line.startswith("      C error: "))
    if VENDOR_BUILD:
        assert "the reservation has no rights (deferred)" in lines[c_line]
    assert lines[c_line + 1].startswith("  3 expect_error map_pages_at_vaddr: failed as expected")


def test_expected_c_errors_do_not_leak_to_stderr():
    # Outside pytest nothing configures logging, so logging's last-resort handler would print the
    # C library's refusal of step 3 unless the command keeps it.
    for command in (["run", "-q"], ["map"]):
        done = subprocess.run([sys.executable, "-m", "sel4vspace", *command, str(DEMO)], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        assert done.stdout


def test_a_scenario_nested_too_deeply_exits_2_without_a_traceback(tmp_path, capsys):
    # The command reads the file before anything else, so in its own process no garbage waits for
    # a collection; in this one, earlier tests' runners may, and a collection inside the reader's
    # deep recursion would run their finalizers with no stack left. Collect them first.
    gc.collect()
    path = tmp_path / "deep.toml"
    path.write_text('[scenario]\nvspaces = ["v"]\n\n[[step]]\nop = "tear_down"\nvspace = "v"\nlabel = '
                    + "[" * 2000 + "]" * 2000 + "\n")
    assert main(["run", str(path)]) == 2
    out, err = capsys.readouterr()
    assert "nothing ran" in err and "nested too deeply" in err
    assert "Traceback" not in err and "RecursionError" not in err
    assert main(["map", str(path)]) == 2


def test_a_scenario_the_api_would_refuse_exits_2_before_running(tmp_path, capsys):
    path = tmp_path / "refused.toml"
    path.write_text('[scenario]\nvspaces = ["v"]\n\n[[step]]\nop = "new_pages"\nvspace = "v"\nnum_pages = 0\n'
                    'rights = "rw"\n\n[[step]]\nop = "new_pages"\nvspace = "v"\nnum_pages = 1\nrights = "rw"\n'
                    'size_bits = 16\n\n[[step]]\nop = "read"\nvspace = "v"\nvaddr = 0\nsize = 0\n')
    assert main(["run", str(path)]) == 2
    _, err = capsys.readouterr()
    assert err.startswith(f"{path}: 3 mistakes, nothing ran:")


HUGE_READ = """\
[scenario]
untyped_bits = 32
vspaces = ["v"]

[[frame]]
name = "huge"
count = 2
size_bits = 30

[[step]]
op = "reserve_range_at"
vspace = "v"
vaddr = "0x40000000"
size = "2G"
rights = "r"
name = "window"

[[step]]
op = "map_pages_at_vaddr"
vspace = "v"
caps = "huge"
vaddr = "window"
reservation = "window"

[[step]]
op = "read"
vspace = "v"
vaddr = "window"
size = "2G"
"""


def test_a_read_of_gigabytes_shows_its_first_bytes_without_holding_them(tmp_path, capsys):
    """2 GiB of lazily backed 1 GiB frames: the step reads them all through the MMU (a MiB at a
    time, so a fault anywhere would show) and keeps only what it shows. tracemalloc counts what
    Python allocated meanwhile (the bytes of a read are Python's)."""
    path = tmp_path / "huge.toml"
    path.write_text(HUGE_READ)
    tracemalloc.start()
    try:
        status = main(["run", str(path)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    out, _ = capsys.readouterr()
    assert status == 0
    assert "0x40000000 -> 00 00 00" in out and f"({2 << 30} bytes)" in out
    assert peak < 16 << 20, f"{peak} bytes allocated by Python for a 2 GiB read"


def test_a_reader_that_stops_reading_ends_the_command_quietly():
    """`sel4vspace demo | head -0`: no BrokenPipeError traceback, and a failure status."""
    child = subprocess.Popen([sys.executable, "-m", "sel4vspace", "demo"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()
    errors = child.stderr.read()
    assert child.wait(timeout=120) == 1
    assert b"Traceback" not in errors and b"BrokenPipeError" not in errors, errors


@pytest.mark.skipif("riscv64" not in ARCHES, reason="the RISC-V 64 extension is not installed (SEL4VSPACE_ARCHES)")
def test_run_and_map_name_the_arch_of_a_scenario_that_names_one(tmp_path, capsys):
    assert main(["run", str(RISCV)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"scenario {RISCV} on riscv64: ")
    assert lines[1] == "kernel: riscv64, 256 MiB of untyped memory, user space below 0x3ffffff000"
    svg = tmp_path / "riscv.svg"
    assert main(["map", str(RISCV), "--svg", str(svg)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [f"{RISCV}: after step 2 (map_pages_at_vaddr) [mapped]",
                       "arch riscv64, user space below 0x3ffffff000"]
    root = ET.parse(svg).getroot()
    assert root.find("{http://www.w3.org/2000/svg}title").text.endswith("(riscv64)")
    assert [e.text for e in root.iter() if e.get("class") == "caption"] == [out[1]]


@pytest.mark.parametrize("arch", ARCHES)
def test_run_and_map_of_a_scenario_on_each_arch(arch, tmp_path, capsys):
    path = tmp_path / f"{arch}.toml"
    path.write_text(f'arch = "{arch}"\n\n' + FAILING)
    assert main(["map", str(path), "--at", "mapped"]) == 0
    out = capsys.readouterr().out
    assert f"arch {arch}, user space below {_arches.USER_TOP[arch]:#x}" in out and "1 x 4 KiB  r" in out
    assert main(["run", str(path)]) == 1, "the run goes on to the failing step, on whatever arch"
    out, err = capsys.readouterr()
    assert out.startswith(f"scenario {path} on {arch}\nkernel: {arch}, ") and "FAILED step 2" in err


def test_a_scenario_with_a_bad_arch_exits_2_naming_the_key(tmp_path, capsys):
    path = tmp_path / "bad_arch.toml"
    path.write_text('arch = "riscv32"\n\n' + FAILING)
    assert main(["run", str(path)]) == 2
    _, err = capsys.readouterr()
    assert err.splitlines()[1] == (f"  {path}:1: top level: key 'arch': expected one of the architectures sel4vspace "
                                   "knows, x86_64, aarch64, riscv64; got 'riscv32'; did you mean 'riscv64'?")


@pytest.mark.parametrize("installed", ["all but the scenario's", "none"])
@pytest.mark.parametrize("command", [["run"], ["map", "--at", "mapped"]])
def test_a_scenario_on_an_arch_not_installed_here_exits_2_and_runs_nothing(command, installed, tmp_path, capsys,
                                                                           monkeypatch):
    missing = "riscv64"
    monkeypatch.setattr(_arches, "INSTALLED", () if installed == "none" else
                        tuple(arch for arch in ARCHES if arch != missing))
    path = tmp_path / "elsewhere.toml"
    path.write_text(f'arch = "{missing}"\n\n' + FAILING)
    assert main([command[0], str(path), *command[1:]]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"{path}: arch = 'riscv64' is not installed here, nothing ran (installed: "
                   f"{', '.join(_arches.INSTALLED) or 'none'}; SEL4VSPACE_ARCHES at build time chooses them)\n")


def test_sel4vspace_arch_naming_no_installed_arch_is_a_usage_error_in_one_line():
    env = dict(os.environ, SEL4VSPACE_ARCH="mips64")
    for command in (["--version"], ["demo"], ["run", "nothing.toml"]):
        result = subprocess.run([sys.executable, "-m", "sel4vspace", *command], env=env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 2, (command, result.stderr)
        assert result.stdout == ""
        assert result.stderr.startswith("sel4vspace: error: SEL4VSPACE_ARCH='mips64': no sel4vspace extension of "
                                        "that arch is installed"), result.stderr
        assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
