# SPDX-License-Identifier: BSD-2-Clause
"""The demo scenario, asserted step by step on every installed arch, and the command line that
prints it (``sel4vspace demo [--arch A]``)."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from sel4vspace import ARCHES, CapRights, _arches
from sel4vspace.__main__ import main
from sel4vspace._demo import MESSAGE, PAGES, SERVER_BUFFER, WINDOW, run_demo, run_scenario


@pytest.mark.parametrize("arch", [None, *ARCHES])
def test_scenario_step_by_step(arch):
    report = run_scenario(arch=arch)
    assert report.arch == (arch or _arches.default())
    assert report.steps[0].startswith(f"kernel: {report.arch} (user space below {_arches.USER_TOP[report.arch]:#x}), ")
    # every address of the demo is user space on every arch
    assert min(_arches.USER_TOP.values()) >= WINDOW + PAGES * 4096
    # the window is reserved in the client without rights
    assert (report.window_start, report.window_end) == (WINDOW, WINDOW + PAGES * 4096)
    assert report.window_deferred_before_map is True
    assert report.window_rights_before_map is None
    # the same frames: read-write for the server, read-only for the client
    assert [m.rights for m in report.server_mappings] == [CapRights.RW] * PAGES
    assert [m.rights for m in report.client_mappings] == [CapRights.READ] * PAGES
    assert [m.vaddr for m in report.client_mappings] == [WINDOW + i * 4096 for i in range(PAGES)]
    assert [m.vaddr for m in report.server_mappings] == [SERVER_BUFFER + i * 4096 for i in range(PAGES)]
    assert [m.paddr for m in report.client_mappings] == [m.paddr for m in report.server_mappings]
    # bytes written by the server are read by the client; the client cannot write
    assert report.client_read == MESSAGE
    fault = report.client_write_fault
    assert fault is not None and (fault.vaddr, fault.access, fault.reason) == (WINDOW, "write", "permission")
    assert report.server_reads_after_fault == bytes(15)  # the faulting write left no trace
    # everything came back
    assert report.after_teardown == report.baseline


def test_run_demo_prints_the_steps_and_succeeds():
    out = io.StringIO()
    assert run_demo(out) == 0
    text = out.getvalue()
    assert "rights deferred (True)" in text
    assert "write faulted" in text
    assert "everything came back" in text


def test_console_entry_point(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"kernel: {_arches.default()} ") and "everything came back" in out


@pytest.mark.parametrize("arch", ARCHES)
def test_demo_on_each_arch(arch, capsys):
    assert main(["demo", "--arch", arch]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"kernel: {arch} (user space below {_arches.USER_TOP[arch]:#x}), ")
    assert "write faulted" in out and "everything came back" in out


def test_demo_with_an_arch_not_installed_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--arch", "ia32"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "argument --arch: invalid choice: 'ia32'" in err
    assert all(repr(arch) in err for arch in ARCHES)


def test_python_dash_m():
    arch = ARCHES[-1]
    result = subprocess.run([sys.executable, "-m", "sel4vspace", "demo", "--arch", arch], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"kernel: {arch} ") and "everything came back" in result.stdout
    assert result.stderr == ""
