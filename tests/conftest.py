# SPDX-License-Identifier: BSD-2-Clause
"""Fixtures shared by every test layer."""

from __future__ import annotations

import gc
import logging
import sys
from collections import Counter
from pathlib import Path

import pytest
from model_stats import STATS, summary

from sel4vspace import _arches
from sel4vspace.lowlevel import flush_log

# A test that may crash the interpreter runs in a child process (isolation.py); the known upstream
# defects and the end-of-run verdict on them live in upstream_defects.py. Both are imported below
# (through hostworld) before pytest loads them as plugins, so their asserts are rewritten first.
pytest.register_assert_rewrite("isolation", "upstream_defects")
pytest_plugins = ["isolation", "upstream_defects", "pytester"]

sys.path.insert(0, str(Path(__file__).resolve().parent / "allocator"))

from upstream_defects import VENDOR_BUILD  # noqa: E402

# The edit-rebuild-test loop: `python -m pytest -m fast` runs these (a few seconds), one or more
# files of every layer, chosen for what they catch per second (docs/edit-loop.md). A file listed
# whole, or one test of it ("file::name"); "[{default}]" after either: on the default arch alone.
# The lower layers' files run on the default arch alone: on every arch they took the selection
# from 3.6 s to 5.1 s; the Pythonic layer's tests still drive each arch's C, and the full run has
# the lower layers on every arch.
FAST = (
    "tests/wrappers/test_dispatch_arguments.py[{default}]",
    "tests/wrappers/test_wrapper_refusals.py[{default}]",
    "tests/wrappers/test_vspace_table.py[{default}]",
    "tests/kernel/test_cnode.py[{default}]",
    "tests/kernel/test_cnode_lazy_slots.py[{default}]",
    "tests/kernel/test_rights_mmu.py[{default}]",
    "tests/kernel/test_untyped.py[{default}]",
    "tests/kernel/test_vspace.py[{default}]",
    "tests/allocator/test_reservation_boundaries.py[{default}]",
    "tests/allocator/test_live_vspace_memory.py[{default}]",
    "tests/allocator/test_refusal_lines_name_the_call.py[{default}]",
    "tests/allocator/test_device_memory_requests.py[{default}]",
    "tests/allocator/test_host_vka.py[{default}]",
    "tests/allocator/test_sharing.py[{default}]",
    "tests/allocator/test_reservations.py[{default}]",
    "tests/deferred/test_deferred_rules.py[{default}]",
    "tests/api/test_api_vspace.py",
    "tests/api/test_api_kernel.py",
    "tests/api/test_api_rights.py",
    # test_cspace_scale.py but its gigabyte of pages (a second of the selection; the full run has it)
    "tests/api/test_cspace_scale.py::test_running_out_of_cslots_says_so_and_how_to_ask_for_more",
    "tests/api/test_cspace_scale.py::test_a_full_cnode_refuses_a_copy_with_the_same_error",
    "tests/api/test_cspace_scale.py::test_memory_running_out_is_not_reported_as_cslots",
    "tests/api/test_cspace_scale.py::test_a_bulk_call_failing_part_way_gives_everything_back",
    "tests/api/test_cspace_scale.py::test_frames_of_a_bulk_call_come_back_whatever_else_lives",
    "tests/api/test_cspace_scale.py::test_a_slab_gives_its_memory_back_with_its_last_frame",
    "tests/api/test_cspace_scale.py::test_a_large_cspace_costs_host_memory_only_as_used",
    "tests/model/test_regressions.py",
    "tests/model/test_model.py::test_model_smoke[{default}]",   # half a second an arch: the default's
    "tests/test_accounting.py",
    "tests/tooling/test_scenario_format.py",
    "tests/test_build_in_place.py",
    "tests/buildsupport/test_buildsupport_config.py",
)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Under pytest-xdist (``-n``) with no ``--dist`` given, the suite is spread by work stealing:
    each worker starts with half the tests and takes from the other's queue when its own runs out.
    The suite has a few tests of seconds (trees built, threads, forked children) among 1,600 of
    milliseconds; xdist's default ("load") queues tests on a worker ahead of time, so a worker
    could sit idle while the other finished its queue behind a long test: on two cores, the whole
    suite took 26-36 s from run to run by "load", 25-28 s by work stealing. Runs before xdist's
    own hook, which would otherwise choose "load"."""
    option = config.option
    if getattr(option, "numprocesses", None) and option.dist == "no" and not option.distload:
        option.dist = "worksteal"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Unless ``--sel4vspace-arch`` says otherwise, the tests that take their arch from the plugin run
    on every installed arch, each arch a test of its own: the lower layers' (tests/wrappers,
    tests/kernel, tests/allocator, tests/deferred: archbound.py), the Pythonic layer's (through
    ``kernel``), the model-based, bad-input, lifetime, interrupt and thread tests; the rest of the
    suite tests the default arch (``SEL4VSPACE_ARCH``). Runs before the plugin reads the option."""
    if not config.getoption("--sel4vspace-arch"):
        config.option.sel4vspace_arch = ["all"]
    config.addinivalue_line("markers", "slow: builds the C again (deselect with -m 'not slow')")
    config.addinivalue_line("markers", "fast: the few seconds of tests, of every layer, for the edit loop (-m fast)")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With exactly ``-m fast``, test files with no fast test are not even imported: collecting
    (and assert-rewriting) the whole suite would cost more than running the selection."""
    if (config.option.markexpr or "").strip() != "fast" or not collection_path.is_file():
        return None
    if not collection_path.name.startswith("test_"):
        return None
    relative = collection_path.relative_to(config.rootpath).as_posix()
    return None if any(entry.split("::")[0].removesuffix("[{default}]") == relative for entry in FAST) else True


def _item_arch(item: pytest.Item) -> str:
    """The arch a collected test runs on as one of the run's copies of it, one per arch: the one its
    parameters name; a test with none (of one arch, or a run of one arch) counts as the default's."""
    callspec = getattr(item, "callspec", None)
    arch = callspec.params.get("sel4_arch") if callspec is not None else None
    return arch if arch is not None else _arches.default()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    entries = [(entry.removesuffix("[{default}]"), entry.endswith("[{default}]")) for entry in FAST]
    default = _arches.default()
    for item in items:
        nodeid = item.nodeid
        for base, default_only in entries:
            if nodeid == base or nodeid.startswith((base + "::", base + "[")):
                if not default_only or _item_arch(item) == default:
                    item.add_marker(pytest.mark.fast)
                break


def pytest_collection_finish(session: pytest.Session) -> None:
    """Once collected, the modules, the test items and pytest's own objects live until the end:
    gc.freeze() leaves them out of every later collection. The "nothing lost" checks collect
    garbage before each ledger snapshot (sel4vspace.ledger.host_ledger), and each collection
    otherwise walks all of hypothesis and every test module again (a third of the fast
    selection's time); a forked isolated test then also copies fewer pages. Garbage made before
    this point is collected first; what a test makes is collected as before."""
    gc.collect()
    gc.freeze()


_module_running: list[str] = []


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """As the first test of each module starts, what the tests before it left alive is frozen too
    (after a collection of their garbage). Most of it is pytest's: it keeps the three reports of
    every test it ran, in each xdist worker as well, and a full collection walks them all again: a
    thousand tests before it made test_interrupts.py, which collects garbage at each of its points,
    take twice as long, and the lower layers' 1,900 tests on every arch seven times as long."""
    module = item.nodeid.split("::", 1)[0]
    if _module_running[-1:] != [module]:
        _module_running[:] = [module]
        gc.collect()
        gc.freeze()


# ---- the reliability figures, also under pytest-xdist ----
# The tests count what they checked in model_stats.STATS, in whatever process runs them. Under
# xdist that is a worker: each report carries what its worker counted since its last report, and
# the controller, which prints the summary, adds it up. (Without xdist the counts are already in
# the process that prints them.)

_STATS_KEY = "sel4vspace-stats"
_sent: Counter[str] = Counter()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    outcome = yield
    if hasattr(item.config, "workerinput"):
        delta = STATS - _sent
        if delta:
            outcome.get_result().user_properties.append((_STATS_KEY, dict(delta)))
            _sent.update(delta)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if getattr(report, "node", None) is None:   # a report of this process, counted already
        return
    for name, value in report.user_properties:
        if name == _STATS_KEY:
            STATS.update(value)


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001 - pytest's hook signature
    lines = summary()
    if lines:
        terminalreporter.section("reliability figures")
        for line in lines:
            terminalreporter.write_line(line)


class CLog:
    """The C library's log lines captured during a test, as (logging level name, message). Lines of
    direct ``lib`` calls wait in the C queue until a call of the package ends: reading the lines
    hands them over first (``flush_log``)."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog

    @property
    def records(self) -> list[logging.LogRecord]:
        flush_log()
        return [r for r in self._caplog.records if r.name == "sel4vspace.c"]

    @property
    def lines(self) -> list[tuple[str, str]]:
        return [(r.levelname, r.getMessage()) for r in self.records]

    def clear(self) -> None:
        flush_log()
        self._caplog.clear()

    def expect(self, function: str, *lines: tuple[str, str]) -> None:
        """Assert the lines logged, each given as (level name, what it says is wrong).

        On every build: the levels, in order, and that each line names ``function``, as the C
        function that wrote it (upstream) or at the start of its text (vendor/'s wrappers log
        through one helper). On a build with vendor/'s fixes also the words, which read
        "<function>: <what is wrong>".
        """
        records = self.records
        assert [r.levelname for r in records] == [level for level, _ in lines], self.lines
        for record in records:
            assert function in (record.funcName, record.getMessage().split(": ", 1)[0]), self.lines
        if VENDOR_BUILD:
            assert self.lines == [(level, f"{function}: {problem}") for level, problem in lines]


@pytest.fixture
def c_log(caplog: pytest.LogCaptureFixture) -> CLog:
    caplog.set_level(logging.DEBUG, logger="sel4vspace.c")
    flush_log()  # lines of earlier direct lib calls are not this test's
    caplog.clear()
    for binding in _arches.loaded():   # the last error line of each arch's C the test may call
        binding.package.clear_c_error()
    return CLog(caplog)
