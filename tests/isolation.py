# SPDX-License-Identifier: BSD-2-Clause
"""Run a test in a child process with a time limit, so that a C abort, segfault or hang fails that
test alone and the run goes on.

One mechanism for every such test: the ``isolated`` marker (``@pytest.mark.isolated`` or
``@pytest.mark.isolated(timeout=seconds)``). On a build from an external seL4_libs tree every test
is isolated, since the C under test may abort on any input. The child is a ``fork`` of the pytest
process: it runs the test's whole protocol (setup, call, teardown) and sends its reports back; the
parent turns a death by signal, or no answer within the limit, into a failed report that names the
signal or the limit and carries the child's last output (an assert's message, say), its Python
tracebacks trimmed to the test's frames (``child_stderr``).

pytest-forked does the forking part but has no time limit and reports a crash as a plain
failure; the defect registry needs both, hence this module.
"""

from __future__ import annotations

import faulthandler
import importlib.util
import json
import os
import re
import select
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import archbound
import pytest
from _pytest.runner import runtestprotocol
from _pytest.skipping import evaluate_xfail_marks

from sel4vspace import _arches

DEFAULT_TIMEOUT = 120.0
OUTPUT_TAIL = 12000   # of a dead child's stderr, its C log lines and tracebacks trimmed first


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "isolated(timeout=seconds): run in a child process with a time limit; a crash or hang fails "
        "this test only",
    )


def _timeout(item: pytest.Item) -> float:
    marker = item.get_closest_marker("isolated")
    if marker is None:
        return DEFAULT_TIMEOUT
    return float(marker.kwargs.get("timeout", marker.args[0] if marker.args else DEFAULT_TIMEOUT))


def _child(item: pytest.Item, out_dir: Path, limit: float) -> None:
    """In the forked child: run the test protocol with output to files, write the reports, exit.
    What the parent shows of a child that dies or hangs is the end of its stderr: the C's log lines
    go there as they are made (queued, they would die with it), and so do the Python tracebacks
    of every thread, of a crash or, shortly before the parent's time limit, of a hang (which the
    parent trims to the test's frames: ``child_stderr``)."""
    code = 1
    try:
        capman = item.config.pluginmanager.getplugin("capturemanager")
        if capman is not None:
            # The parent's capture files are shared with the child after fork; the child writes to
            # files of its own instead, which outlive a crash, and pytest captures nothing there.
            capman.stop_global_capturing()
            capman._method = "no"
            capman.start_global_capturing()
        for fd, name in ((1, "stdout"), (2, "stderr")):
            target = os.open(out_dir / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115 - lives until _exit
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        # A crash's Python traceback, a hang's (just before the limit) and the C's log lines go to
        # the child's own stderr file, through a descriptor of their own: a test that captures or
        # closes fd 2 (capfd) neither sees them nor gets them written into a file it opens.
        diagnostics = open(os.dup(2), "w", buffering=1)  # noqa: SIM115 - lives until _exit
        faulthandler.enable(file=diagnostics)
        faulthandler.dump_traceback_later(max(limit - 1.0, limit * 0.9), file=diagnostics)
        for arch in _arches.INSTALLED:
            _arches.binding(arch).package.lib.sel4vspace_log_echo_to(diagnostics.fileno())
        reports = runtestprotocol(item, log=False, nextitem=None)
        hook = item.config.hook
        data = [hook.pytest_report_to_serializable(config=item.config, report=r) for r in reports]
        (out_dir / "reports.json").write_text(json.dumps(data))
        code = 0
    except BaseException:  # noqa: BLE001 - the child must always reach _exit
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _wait(pid: int, limit: float) -> tuple[int | None, bool]:
    """Wait for the child; return (its wait status, whether it ran out of time)."""
    pidfd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([pidfd], [], [], limit)
    finally:
        os.close(pidfd)
    if not ready:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return None, True
    _, status = os.waitpid(pid, 0)
    return status, False


def _tail(path: Path) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return text[-OUTPUT_TAIL:]


#: How many of the C's log lines a failure report shows: the last ones, in their place among the
#: child's other output; the earlier ones are counted.
C_LOG_LINES = 20
C_LOG_PREFIX = "sel4vspace C log: "
#: How much of the end of a dead child's stderr is read: a hang that logs in a loop can write
#: gigabytes, and what explains it is at the end.
STDERR_READ = 4 << 20


def _runner_roots() -> tuple[str, ...]:
    """Where the frames of what runs a test live: pytest and its plugins, and this module."""
    roots = [__file__]
    for package in ("_pytest", "pluggy", "pytest", "xdist", "execnet"):
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.origin is not None:
            roots.append(str(Path(spec.origin).parent) + os.sep)
    return tuple(roots)


_RUNNER_ROOTS = _runner_roots()
#: The start of the interpreter and of pytest-xdist's workers (execnet's bootstrap runs as a string).
_RUNNER_NAMES = ("<frozen runpy>", "<string>")
#: A frame's line, as faulthandler writes it (``line 12 in f``) and as a Python traceback does
#: (``line 12, in f``).
_FRAME = re.compile(r'  File "(.*)", line \d+,? in ')
#: pytest's frame of the phase of the test a thread was in (a fixture's teardown, say).
_PHASE = re.compile(r"/runner\.py\", line \d+,? in pytest_runtest_(setup|call|teardown)$")
_THREAD = re.compile(r"((Current thread|Thread) 0x[0-9a-f]+|Stack) \(most recent call first\):$")
#: The first line of a traceback Python prints (of an exception that ends the child outside the
#: protocol, which _child prints).
_PYTHON_TRACEBACK = "Traceback (most recent call last):"


def _runner_frame(line: str) -> str | None:
    """The part of the test runner a faulthandler frame line is of (``pluggy``, say), or None."""
    match = _FRAME.match(line)
    if match is None:
        return None
    filename = match[1]
    if filename in _RUNNER_NAMES:
        return filename
    for root in _RUNNER_ROOTS:
        if filename.startswith(root):
            return Path(root).name.lstrip("_")   # _pytest: pytest
    return None


def _left_out(frames: list[str]) -> str:
    """The line that stands for the test runner's ``frames`` (their lines, innermost first): how
    many, the phase of the test (setup, call, teardown) they show, and whose they are."""
    parts = dict.fromkeys(filter(None, map(_runner_frame, frames)))
    phases = [m[1] for m in map(_PHASE.search, frames) if m]
    phase = f", in the test's {phases[0]}," if phases else ""
    return f"  ({len(frames)} frames of the test runner{phase} left out: {', '.join(parts)})"


def _trim_thread(frames: list[str]) -> list[str]:
    """One thread's frames (innermost first) without the test runner's below the test: the frames
    from the outermost one of the test (or a fixture, or a thread the test started) inwards, and a
    line counting those left out (:func:`_left_out`). A thread wholly in the runner (a hang in
    pytest itself) stays whole: then those frames are where it hung."""
    outer = len(frames)
    while outer > 0 and _runner_frame(frames[outer - 1]) is not None:
        outer -= 1
    if outer == 0 or outer == len(frames):
        return frames
    return [*frames[:outer], _left_out(frames[outer:])]


def _trim_python_traceback(lines: list[str]) -> list[str]:
    """The frames of a traceback Python printed (outermost first, each a frame's line and the lines
    of source and markers under it) as :func:`_trim_thread` trims a thread's: the runner's frames
    above the test's outermost one give way to the line counting them, in their place."""
    frames: list[list[str]] = []
    for line in lines:
        if _FRAME.match(line) is not None or not frames:
            frames.append([line])
        else:
            frames[-1].append(line)
    inner = 0
    while inner < len(frames) and _runner_frame(frames[inner][0]) is not None:
        inner += 1
    if inner == 0 or inner == len(frames):
        return lines
    return [_left_out([frame[0] for frame in reversed(frames[:inner])]), *(line for frame in frames[inner:]
                                                                           for line in frame)]


def trim_tracebacks(lines: list[str]) -> list[str]:
    """``lines`` with each thread's traceback that faulthandler wrote (of a crash, or of a hang
    just before the kill) trimmed by ``_trim_thread``, and each traceback Python printed (of an
    exception that ended the child outside the protocol: a KeyboardInterrupt or ``pytest.exit``
    that pytest lets through, a report that cannot be sent) by ``_trim_python_traceback``."""
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        out.append(line)
        index += 1
        if _THREAD.match(line) is not None:
            trim = _trim_thread
        elif line == _PYTHON_TRACEBACK:
            trim = _trim_python_traceback
        else:
            continue
        start = index
        while index < len(lines) and lines[index].startswith("  "):
            index += 1
        out.extend(trim(lines[start:index]))
    return out


def _keep_last_c_lines(lines: list[str]) -> list[str]:
    """``lines`` with only the last ``C_LOG_LINES`` of the C's log lines; a line in place of the
    first one left out counts them."""
    logged = sum(line.startswith(C_LOG_PREFIX) for line in lines)
    dropped = max(0, logged - C_LOG_LINES)
    out: list[str] = []
    seen = 0
    for line in lines:
        if line.startswith(C_LOG_PREFIX):
            seen += 1
            if seen <= dropped:
                if seen == 1:
                    out.append(f"({dropped} earlier lines of the C's log left out)")
                continue
        out.append(line)
    return out


def _within(lines: list[str], budget: int) -> list[str]:
    """The last lines of ``lines`` that fit ``budget`` characters, the C's log lines kept whatever
    their place, and a first line counting those left out."""
    size = sum(len(line) + 1 for line in lines)
    out: list[str] = []
    dropped = 0
    for line in lines:
        if size > budget and not line.startswith(C_LOG_PREFIX):
            size -= len(line) + 1
            dropped += 1
            continue
        out.append(line)
    return [f"({dropped} earlier lines of the child's stderr left out)", *out] if dropped else out


def child_stderr(path: Path) -> str:
    """What a failure report shows of a dead child's stderr: its end, in order, with the last
    ``C_LOG_LINES`` of the C's log lines (the ``ZF_LOGE`` before an assert), the C library's line
    of a failed assert, and the Python traceback of each thread from the test's frames inwards;
    what is left out is counted in its place."""
    try:
        with path.open("rb") as file:
            file.seek(0, os.SEEK_END)
            size = file.tell()
            file.seek(max(0, size - STDERR_READ))
            text = file.read().decode(errors="replace")
    except OSError:
        return ""
    lines = text.splitlines()
    head: list[str] = []
    if size > STDERR_READ:
        lines = lines[1:]  # the first line read may be a part of one
        head = [f"(the child's stderr was {size:,} bytes: all but its last {STDERR_READ:,} left out)"]
    return "\n".join(head + _within(_keep_last_c_lines(trim_tracebacks(lines)), OUTPUT_TAIL))


def _failure_report(item: pytest.Item, what: str, out_dir: Path, duration: float) -> pytest.TestReport:
    stderr, stdout = child_stderr(out_dir / "stderr"), _tail(out_dir / "stdout")
    text = f"{what}\n" + (f"\nlast output of the child (stderr):\n{stderr}\n" if stderr.strip() else "")
    report = pytest.TestReport(
        nodeid=item.nodeid, location=item.location, keywords=dict.fromkeys(item.keywords, 1),
        outcome="failed", longrepr=text, when="call", duration=duration,
        sections=[("Captured stdout (child)", stdout)] if stdout.strip() else [],
    )
    return _as_expected(item, report, what)


def _as_expected(item: pytest.Item, report: pytest.TestReport, how: str = "") -> pytest.TestReport:
    """A test expected to fail may fail in any phase, or by crashing: each is its expected failure
    (pytest itself counts only a failing call as one)."""
    if isinstance(report.longrepr, list):  # a skip's (path, line, reason), after the trip through JSON
        report.longrepr = tuple(report.longrepr)
    if not report.failed:
        return report
    expected = evaluate_xfail_marks(item)
    if expected is None:
        return report
    report.outcome = "skipped"
    detail = how or f"failed in {report.when}"
    report.wasxfail = f"{expected.reason} [{detail}]"  # type: ignore[attr-defined]
    return report


def run_isolated(item: pytest.Item) -> list[pytest.TestReport]:
    limit = _timeout(item)
    with tempfile.TemporaryDirectory(prefix="sel4vspace-isolated-") as scratch:
        out_dir = Path(scratch)
        sys.stdout.flush()
        sys.stderr.flush()
        started = time.monotonic()
        # Every arch's package is loaded here, in the parent, once: each child turns on the C log
        # echo of every arch, and a package a child loaded itself (its extension and modules, about
        # 50 ms an arch) would be loaded again by the next child, and the next.
        for arch in _arches.INSTALLED:
            _arches.binding(arch)
        archbound.prepare(item)   # a lower layer's test module, once for each arch (archbound.py)
        pid = os.fork()
        if pid == 0:
            _child(item, out_dir, limit)
        status, timed_out = _wait(pid, limit)
        # a crash or hang's report carries the time the child ran, so that --durations shows it
        took = time.monotonic() - started
        if timed_out:
            return [_failure_report(item, f"hung: no result within {limit:g} s (child killed)", out_dir, took)]
        assert status is not None
        if os.WIFSIGNALED(status):
            name = signal.Signals(os.WTERMSIG(status)).name
            return [_failure_report(item, f"crashed: the interpreter died of {name}", out_dir, took)]
        reports_file = out_dir / "reports.json"
        if os.waitstatus_to_exitcode(status) != 0 or not reports_file.exists():
            code = os.waitstatus_to_exitcode(status)
            what = f"crashed: the child exited with status {code} and no result"
            return [_failure_report(item, what, out_dir, took)]
        hook = item.config.hook
        reports = [_as_expected(item, hook.pytest_report_from_serializable(config=item.config, data=d))
                   for d in json.loads(reports_file.read_text())]
        for name in ("stdout", "stderr"):
            text = _tail(out_dir / name)
            if text.strip():
                reports[-1].sections.append((f"Captured {name} (isolated)", text))
        return reports


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    if item.get_closest_marker("isolated") is None:
        return None
    ihook = item.ihook
    ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    for report in run_isolated(item):
        ihook.pytest_runtest_logreport(report=report)
    # Fixtures the parent set up for earlier, non-isolated tests end where pytest would end them.
    item.session._setupstate.teardown_exact(nextitem)
    ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True
