# SPDX-License-Identifier: BSD-2-Clause
"""The defect registry names real tests, and the run-in-a-child mechanism contains what it must:
a test that aborts, one that segfaults, one that hangs; the run goes on and the verdict is right."""

from __future__ import annotations

import ast
import importlib
import os
import re
import sys
from pathlib import Path

import pluggy
import pytest

import upstream_defects as registry

from sel4vspace import _arches

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def test_every_registered_test_exists():
    for defect in registry.DEFECTS:
        assert defect.tests, defect.id
        for test in defect.tests:
            path, _, name = test.partition("::")
            assert (ROOT / path).is_file(), test
            assert name.split("[", 1)[0] in _test_functions(ROOT / path), test


def test_every_test_running_the_documented_regression_example_is_registered():
    """The plugin's documented example leaks on upstream (its nothing-lost check fails at teardown):
    each test that runs it must be an expected failure there, not an unexpected one."""
    path = ROOT / "tests" / "test_pytest_plugin.py"
    runners = [node.name for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.FunctionDef)
               and any(isinstance(name, ast.Name) and name.id == "DOCS_EXAMPLE" for name in ast.walk(node))]
    assert runners
    for name in runners:
        assert [d.id for d in registry.defects_of(f"tests/test_pytest_plugin.py::{name}")] == [
            "tear-down-leaks-after-a-shortfall"], name


def test_ids_are_unique_and_entries_say_what_and_where():
    ids = [d.id for d in registry.DEFECTS]
    assert len(ids) == len(set(ids))
    for defect in registry.DEFECTS:
        assert defect.summary and "\n" not in defect.summary
        assert defect.function.replace("_", "").isalnum(), defect.function


def test_every_defect_has_a_small_test_of_its_own():
    """Each defect is shown by a test written for it (in the defect test files), besides any broader
    test that also trips on it."""
    small = ("tests/allocator/test_upstream_defects.py", "tests/allocator/test_upstream_gaps.py",
             "tests/deferred/test_deferred_gaps.py", "tests/wrappers/", "tests/allocator/test_reservations.py",
             "tests/allocator/test_vspace_lifecycle.py", "tests/allocator/test_sel4utils_edges.py::test_share_running",
             "tests/allocator/test_vka_faults.py::test_one_page_when_a_resource_runs_out",
             "tests/allocator/test_refusal_lines_name_the_call.py", "tests/allocator/test_live_vspace_memory.py",
             "tests/allocator/test_reservation_boundaries.py")
    for defect in registry.DEFECTS:
        assert any(t.startswith(small) for t in defect.tests), defect.id


def test_a_test_shows_the_defects_it_is_listed_under():
    defect = registry.DEFECTS[0]
    assert registry.defects_of(defect.tests[0]) == [defect]
    assert registry.defects_of(defect.tests[0] + "[param]") == [defect]
    assert registry.defects_of("tests/nowhere.py::test_nothing") == []


def test_a_test_run_on_several_arches_shows_its_defects_on_each():
    # the arch a run on several arches gives a test comes first among its parameters
    whole = registry.DEFECTS[0]
    assert "[" not in whole.tests[0]
    one = next(d for d in registry.DEFECTS if d.id == "map-pages-wrapper-checks-new-pages")
    parametrized = one.tests[0]
    name, _, parameter = parametrized.partition("[")
    for arch in ("x86_64", "aarch64", "riscv64"):
        assert registry.defects_of(f"{whole.tests[0]}[{arch}]") == [whole]
        assert registry.defects_of(f"{whole.tests[0]}[{arch}-3]") == [whole]
        assert registry.defects_of(f"{name}[{arch}-{parameter}") == [one]
        assert registry.defects_of(f"{name}[{arch}-new_pages]") == []   # another parameter: not that defect
    assert registry.defects_of(f"{name}[arm-{parameter}") == []           # no arch: the parameters as they are


def test_verdict_sorts_outcomes_into_present_fixed_passing_unchecked_and_unexpected():
    a, b, c = registry.DEFECTS[:3]
    item_defects = {"t::a": [a], "t::b1": [b], "t::b2": [b], "t::c": [c]}
    outcomes = {"t::a": "xfailed", "t::b1": "passed", "t::b2": "xpassed", "t::c": "skipped",
                "t::other": "failed", "t::fine": "passed"}
    found = registry.verdict(item_defects, outcomes)
    assert found.present == [a.id] and found.passing == [b.id] and found.unchecked == [c.id]
    assert found.fixed == [] and found.unexpected == ["t::other"]   # not fixed while t::other fails
    del outcomes["t::other"]
    found = registry.verdict(item_defects, outcomes)
    assert found.present == [a.id] and found.fixed == [b.id] and found.unchecked == [c.id]
    assert found.passing == [] and found.unexpected == []


def _by_id(defect_id: str) -> registry.Defect:
    return next(d for d in registry.DEFECTS if d.id == defect_id)


def test_a_defect_passing_in_a_run_with_unexpected_failures_is_not_reported_fixed():
    """A seeded regression (the free of a reservation no longer clearing its range) made the test of
    anywhere-allocation-at-null pass and 31 other tests fail: the verdict must not say "fixed"."""
    at_null, present = _by_id("anywhere-allocation-at-null"), _by_id("find-range-walks-pages")
    item_defects = {test: [at_null] for test in at_null.tests} | {present.tests[0]: [present]}
    outcomes = dict.fromkeys(at_null.tests, "xpassed") | {present.tests[0]: "xfailed"}
    outcomes |= {f"tests/deferred/test_x.py::test_{i}": "failed" for i in range(31)}
    found = registry.verdict(item_defects, outcomes)
    assert found.fixed == [] and found.passing == [at_null.id] and found.present == [present.id]
    lines = registry.verdict_lines(found)
    assert lines[0].startswith("unexpected failures: 31, lowest layer first: look at these first")
    shown = registry.UNEXPECTED_SHOWN
    assert lines[1:shown + 2] == [*(f"  unexpected failure: {n}" for n in found.unexpected[:shown]),
                                  f"  ... and {31 - shown} more"]
    assert f"  passing    {at_null.id}: its tests pass, not counted as fixed while 31 tests fail unexpectedly" in lines
    others = len(registry.DEFECTS) - 2
    assert lines[-1] == (f"upstream defects present: {present.id}; fixed in this tree: none; "
                         f"passing now, not counted as fixed while 31 tests fail unexpectedly: {at_null.id}; "
                         f"unexpected failures: 31; not run in this selection: {others} defects "
                         "(run the whole suite to check them)")


def test_with_no_unexpected_failure_a_passing_defect_is_fixed_and_the_line_is_the_plain_one():
    at_null, unchecked = _by_id("anywhere-allocation-at-null"), _by_id("reserve-aligned-writes-freed-struct")
    item_defects = {at_null.tests[0]: [at_null], unchecked.tests[0]: [unchecked]}
    outcomes = {at_null.tests[0]: "passed", unchecked.tests[0]: "skipped", "tests/api/test_a.py::test_b": "passed"}
    found = registry.verdict(item_defects, outcomes)
    found.not_run = []   # as in a whole run: every other defect's tests ran too
    lines = registry.verdict_lines(found)
    assert lines == [f"  unchecked  {unchecked.id}: its tests were skipped (see their reasons)",
                     f"upstream defects present: none; fixed in this tree: {at_null.id}; unexpected failures: 0; "
                     f"not checked: {unchecked.id}"]


def _whole_run(passes: bool) -> tuple[dict[str, list[registry.Defect]], dict[str, str]]:
    """Every registered test collected, with the outcome each has on upstream (or on a tree that
    fixed them all), and a test of no defect."""
    item_defects = {test: registry.defects_of(test) for d in registry.DEFECTS for test in d.tests}
    outcomes = dict.fromkeys(item_defects, "xpassed" if passes else "xfailed")
    return item_defects, outcomes | {"tests/api/test_a.py::test_b": "passed"}


def test_a_whole_run_says_nothing_of_a_selection():
    for passes in (False, True):
        found = registry.verdict(*_whole_run(passes))
        assert found.not_run == []
        lines = registry.verdict_lines(found)
        assert not any("not run" in line for line in lines)
        ids = ", ".join(d.id for d in registry.DEFECTS)
        assert lines[-1] == (f"upstream defects present: {'none' if passes else ids}; "
                             f"fixed in this tree: {ids if passes else 'none'}; unexpected failures: 0")


def test_a_partial_selection_names_the_defects_it_did_not_run():
    """`pytest -m fast` on upstream ran the tests of 16 defects: the other 14 must not read as
    absent; they are counted on the summary line and named above it."""
    item_defects, outcomes = _whole_run(passes=False)
    left_out = [d for d in registry.DEFECTS if d.id in ("reservation-list-scan", "anywhere-allocation-at-null")]
    for defect in left_out:
        for test in defect.tests:
            del item_defects[test], outcomes[test]
    found = registry.verdict(item_defects, outcomes)
    assert found.not_run == [d.id for d in left_out]
    assert left_out[0].id not in found.present + found.fixed + found.passing + found.unchecked
    lines = registry.verdict_lines(found)
    assert lines[-1].endswith("; unexpected failures: 0; not run in this selection: 2 defects "
                              "(run the whole suite to check them)")
    named = lines[lines.index(next(line for line in lines if line.startswith("  not run "))):-1]
    assert " ".join(line.strip() for line in named) == (
        "not run    (none of their tests was in this selection) reservation-list-scan, anywhere-allocation-at-null")
    one = registry.verdict_lines(registry.Verdict([], [], [], [], [], ["d"]))
    assert one[-1].endswith("not run in this selection: 1 defect (run the whole suite to check them)")


def test_a_long_list_of_defects_not_run_is_wrapped_readably():
    found = registry.verdict({}, {"tests/api/test_a.py::test_b": "passed"})
    assert found.not_run == [d.id for d in registry.DEFECTS]
    named = registry.verdict_lines(found)[:-1]
    assert len(named) > 1 and all(len(line) <= 100 for line in named)
    assert named[0].startswith("  not run    (none of their tests was in this selection) ")
    assert all(line.startswith(" " * 13) and not line[13].isspace() for line in named[1:])
    listed = " ".join(line.split(") ", 1)[-1].strip() for line in named).replace(", ", ",").split(",")
    assert [name.strip() for name in listed] == found.not_run


def test_one_unexpected_failure_is_one_test():
    found = registry.Verdict([], [], ["d"], [], ["tests/api/test_a.py::test_b"])
    assert "passing now, not counted as fixed while 1 test fails unexpectedly: d; " in registry.verdict_lines(found)[-1]


def test_unexpected_failures_come_lowest_layer_first_in_their_order_within_a_layer():
    names = ["tests/test_docs_examples.py::test_a", "tests/tooling/test_cli.py::test_b",
             "tests/api/test_api_vspace.py::test_c", "tests/deferred/test_deferred_rules.py::test_d",
             "tests/allocator/test_sharing.py::test_f", "tests/allocator/test_reservations.py::test_e",
             "tests/kernel/test_cnode.py::test_g", "tests/wrappers/test_host_calls.py::test_h",
             "tests/model/test_regressions.py::test_i", "tests/buildsupport/test_buildsupport_config.py::test_j"]
    found = registry.verdict({}, dict.fromkeys(names, "failed"))
    assert found.unexpected == [
        "tests/wrappers/test_host_calls.py::test_h", "tests/kernel/test_cnode.py::test_g",
        "tests/allocator/test_reservations.py::test_e", "tests/allocator/test_sharing.py::test_f",
        "tests/deferred/test_deferred_rules.py::test_d", "tests/api/test_api_vspace.py::test_c",
        "tests/model/test_regressions.py::test_i",
        # the rest (docs, CLI, tooling, build support) last, in name order
        "tests/buildsupport/test_buildsupport_config.py::test_j", "tests/test_docs_examples.py::test_a",
        "tests/tooling/test_cli.py::test_b"]


INNER_RUN = '''
import pytest

@pytest.fixture
def checked():
    yield
    raise AssertionError("tearing down did not give everything back\\nSnapshot(used_slots=3) != Snapshot(used_slots=2)")

def test_a_leaks_at_teardown(checked):
    pass

def test_b_fails_in_its_call():
    assert 1 + 1 == 3, "unmap stopped a page short"

def test_c_of_a_defect_passes_then_leaks(checked):
    pass

def test_d_of_a_defect_fails(checked):
    raise AssertionError("the defect")
'''


def test_a_defect_s_test_passing_then_failing_its_teardown_is_an_unexpected_failure_not_the_defect(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    """A real run on a tree (every registered test marked as an expected failure): pytest turns the
    teardown failure of a test expected to fail into an expected failure, even after its call passed.
    That call showed the defect absent, so the teardown failure is the test's own, unexpected; the
    unexpected failures list a failing call before failing teardowns, each with its reason."""
    path = pytester.makepyfile(test_stream=INNER_RUN)
    name = path.name
    passes = registry.Defect("passes-then-leaks", "x", "f", (f"{name}::test_c_of_a_defect_passes_then_leaks",))
    fails = registry.Defect("fails-in-its-call", "y", "g", (f"{name}::test_d_of_a_defect_fails",))
    monkeypatch.setattr(registry, "DEFECTS", (passes, fails))
    monkeypatch.setattr(registry, "_BY_TEST", {passes.tests[0]: [passes], fails.tests[0]: [fails]})
    for state in ("_item_defects", "_outcomes", "_failures"):
        monkeypatch.setattr(registry, state, {})
    monkeypatch.setattr(registry, "VENDOR_BUILD", False)
    monkeypatch.setattr(registry, "EXTERNAL_BUILD", False)   # no child processes: the marks alone
    result = pytester.runpytest("-p", "upstream_defects", "-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    result.stdout.fnmatch_lines([
        "unexpected failures: 3, lowest layer first: look at these first (no defect is counted as fixed while any "
        "remain)",
        f"  unexpected failure: {name}::test_b_fails_in_its_call - AssertionError: unmap stopped a page short "
        f"({name}:12)",
        f"  unexpected failure: {name}::test_a_leaks_at_teardown (teardown) - AssertionError: tearing down did not "
        f"give everything back ({name}:6)",
        f"  unexpected failure: {name}::test_c_of_a_defect_passes_then_leaks (teardown) - AssertionError: tearing "
        f"down did not give everything back ({name}:6)",
        "  present    fails-in-its-call: g: y",
        "  passing    passes-then-leaks: its tests pass, not counted as fixed while 3 tests fail unexpectedly",
        "upstream defects present: fails-in-its-call; fixed in this tree: none; passing now, not counted as fixed "
        "while 3 tests fail unexpectedly: passes-then-leaks; unexpected failures: 3",
    ])


def _report(nodeid: str, when: str, outcome: str, longrepr: object = None,
            wasxfail: str | None = None) -> pytest.TestReport:
    report = pytest.TestReport(nodeid, (nodeid, 0, nodeid), {}, outcome, longrepr, when)  # type: ignore[arg-type]
    if wasxfail is not None:
        report.wasxfail = wasxfail
    return report


def test_the_phases_of_a_test_fold_into_one_outcome(monkeypatch: pytest.MonkeyPatch):
    """Reports as they reach the controller of an xdist run (or come back from isolation.py's child):
    a teardown failing after an unexpected pass is a failure of that test, in its teardown; one after
    an expected failure, or after a failed setup, is that expected failure; after a plain pass, a
    plain failure."""
    for state in ("_item_defects", "_outcomes", "_failures"):
        monkeypatch.setattr(registry, state, {})
    leak = "AssertionError: tearing down did not give everything back"
    streams = {
        "t::xpass_then_teardown": [("setup", "passed", None), ("call", "passed", "d"), ("teardown", "skipped", "d")],
        "t::xfail_then_teardown": [("setup", "passed", None), ("call", "skipped", "d"), ("teardown", "skipped", "d")],
        "t::setup_xfail": [("setup", "skipped", "d"), ("teardown", "passed", None)],
        "t::pass_then_teardown": [("setup", "passed", None), ("call", "passed", None), ("teardown", "failed", None)],
        "t::xpass": [("setup", "passed", None), ("call", "passed", "d"), ("teardown", "passed", None)],
    }
    for nodeid, stream in streams.items():
        for when, outcome, wasxfail in stream:
            failed = outcome == "failed" or (outcome == "skipped" and wasxfail)
            registry.pytest_runtest_logreport(_report(nodeid, when, outcome, leak if failed else None, wasxfail))
    assert registry._outcomes == {"t::xpass_then_teardown": "failed", "t::xfail_then_teardown": "xfailed",
                                  "t::setup_xfail": "xfailed", "t::pass_then_teardown": "failed",
                                  "t::xpass": "xpassed"}
    assert registry._failures == {"t::xpass_then_teardown": registry.Failure("teardown", leak),
                                  "t::pass_then_teardown": registry.Failure("teardown", leak)}


def test_the_reason_of_a_crash_or_hang_names_the_c_s_assertion_or_last_log_line():
    child = ("crashed: the interpreter died of SIGABRT\n\nlast output of the child (stderr):\n"
             "sel4vspace C log: ERROR vspace.c:120 map: out of tables\n"
             "python: /src/vspace.c:300: unmap_page: Assertion `cap != seL4_CapNull' failed.\n"
             "Fatal Python error: Aborted")
    assert registry.failure_reason(_report("t::a", "call", "failed", child)) == (
        "crashed: the interpreter died of SIGABRT; vspace.c:300: unmap_page: assertion `cap != seL4_CapNull' failed")
    hung = ("hung: no result within 10 s (child killed)\n\nlast output of the child (stderr):\n"
            "sel4vspace C log: ERROR a\nsel4vspace C log: ERROR b\nTimeout (0:00:09)!")
    assert registry.failure_reason(_report("t::a", "call", "failed", hung)) == (
        "hung: no result within 10 s (child killed); ERROR b")
    assert registry.failure_reason(_report("t::a", "setup", "failed", "")) == "failed in setup"
    long = registry.failure_reason(_report("t::a", "call", "failed", "AssertionError: " + "x " * 200))
    assert len(long) <= registry.REASON_WIDTH and long.endswith(" ...")


def test_the_verdict_lists_the_first_unexpected_failures_and_counts_the_rest():
    names = [f"tests/api/test_a.py::test_{i:02}" for i in range(registry.UNEXPECTED_SHOWN + 3)]
    failures = {name: registry.Failure("call", "AssertionError: no") for name in names}
    lines = registry.verdict_lines(registry.verdict({}, dict.fromkeys(names, "failed"), failures))
    listed = [line for line in lines if line.startswith("  unexpected failure: ")]
    shown = names[:registry.UNEXPECTED_SHOWN]
    assert listed == [f"  unexpected failure: {name} - AssertionError: no" for name in shown]
    assert "  ... and 3 more" in lines


def test_the_fast_selections_test_of_a_search_that_hangs_on_upstream_is_registered_as_a_hang():
    """On upstream this test runs find_range's page-by-page search until it is killed: it must be
    stopped after seconds, and reported as that defect, not after 120 s as a plain hang."""
    test = ("tests/allocator/test_refusal_lines_name_the_call.py::test_the_error_line_of_a_refusal_names_the_function"
            "_called[reserve_range_aligned: more than the address space]")
    assert [d.id for d in registry.defects_of(test)] == ["find-range-walks-pages"]
    assert registry.defects_of(test)[0].hangs
    assert registry.HANG_TIMEOUT <= 15 < sys.modules["isolation"].DEFAULT_TIMEOUT


HANGING_TESTS = '''
import pytest

@pytest.mark.isolated(timeout=30)
def test_marked_with_its_own_limit():
    pass

def test_unmarked():
    pass

def test_of_a_defect_that_crashes():
    pass
'''


def test_on_another_tree_the_tests_of_a_hanging_defect_get_the_short_limit(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    pytester.makeconftest('pytest_plugins = ["isolation"]')
    items = pytester.getitems(HANGING_TESTS)
    own, unmarked, crashes = (item.nodeid for item in items)
    hang = registry.Defect("a-hang", "searches for ever", "find_range", (own, unmarked), hangs=True)
    crash = registry.Defect("a-crash", "segfaults", "find_range", (crashes,))
    monkeypatch.setattr(registry, "_BY_TEST", {own: [hang], unmarked: [hang], crashes: [crash]})
    monkeypatch.setattr(registry, "_item_defects", {})
    monkeypatch.setattr(registry, "EXTERNAL_BUILD", True)
    monkeypatch.setattr(registry, "VENDOR_BUILD", False)
    registry.pytest_collection_modifyitems(items[0].config, items)
    limits = [sys.modules["isolation"]._timeout(item) for item in items]
    assert limits == [registry.HANG_TIMEOUT, registry.HANG_TIMEOUT, sys.modules["isolation"].DEFAULT_TIMEOUT]
    assert all(item.get_closest_marker("xfail") is not None for item in items)


CHILD_TESTS = '''
import os, signal, time
import pytest

@pytest.mark.isolated
def test_aborts():
    os.abort()

@pytest.mark.isolated
def test_segfaults():
    os.kill(os.getpid(), signal.SIGSEGV)

@pytest.mark.isolated
def test_aborts_in_a_thread_it_started():
    import threading
    thread = threading.Thread(target=os.abort)
    thread.start()
    thread.join()

@pytest.mark.isolated(timeout=1)
def test_hangs():
    while True:
        time.sleep(0.1)

@pytest.mark.isolated
def test_captures_its_own_stderr_without_the_c_log(capfd):
    from sel4vspace import Kernel, VSpaceError
    vspace = Kernel(untyped_bits=20).new_vspace()
    vspace.reserve_range_at(0x10000000, 4096, "rw")
    with pytest.raises(VSpaceError):
        vspace.reserve_range_at(0x10000000, 4096, "rw")
    assert capfd.readouterr().err == ""

@pytest.mark.isolated(timeout=2)
def test_hangs_after_a_c_error():
    from sel4vspace import Kernel, VSpaceError
    vspace = Kernel(untyped_bits=20).new_vspace()
    vspace.reserve_range_at(0x10000000, 4096, "rw")
    with pytest.raises(VSpaceError):
        vspace.reserve_range_at(0x10000000, 4096, "rw")
    while True:
        time.sleep(0.1)

@pytest.mark.isolated
@pytest.mark.xfail(reason="known")
def test_expected_to_crash():
    os.abort()

@pytest.mark.isolated
def test_passes_with_output(capsys):
    print("from the child")
    assert True

@pytest.mark.isolated
def test_fails_plainly():
    assert 1 == 2

@pytest.mark.isolated
def test_ends_its_child_outside_the_protocol():
    raise KeyboardInterrupt   # pytest lets it through: the child prints it and ends with no reports

def test_runs_in_the_parent_after_all_that():
    assert True
'''


# AddressSanitizer (preloaded in CI's sanitizer run) catches a segfault, reports it and aborts
SEGFAULT_SEEN_AS = "SIGABRT" if "libasan" in os.environ.get("LD_PRELOAD", "") else "SIGSEGV"


def test_isolated_tests_crash_hang_and_fail_alone(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    pytester.makepyfile(test_children=CHILD_TESTS)
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    result = pytester.runpytest_subprocess("-p", "isolation", "-p", "no:cacheprovider", "-rA", "--durations=1")
    result.assert_outcomes(passed=3, failed=7, xfailed=1)
    # the hang's report carries the time its child ran: it is the slowest
    result.stdout.fnmatch_lines(["*slowest 1 durations*", "2.*s call *test_children.py::test_hangs_after_a_c_error"])
    result.stdout.fnmatch_lines([
        "*_ test_aborts _*", "crashed: the interpreter died of SIGABRT",
        "*_ test_segfaults _*", f"crashed: the interpreter died of {SEGFAULT_SEEN_AS}",
        "*_ test_hangs _*", "hung: no result within 1 s (child killed)",
        # a hang shows where the child was: its threads' tracebacks, dumped before the kill
        "*File *test_children.py*, line * in test_hangs*",
    ])
    # the C's log lines of a child that hangs (or dies) are in its report: queued, they died with it
    result.stdout.fnmatch_lines([
        "*_ test_hangs_after_a_c_error _*", "hung: no result within 2 s (child killed)",
        # the refusal's line, in the words of the tree under test (vendor/ and upstream word it apart)
        "last output of the child (stderr):", "sel4vspace C log: ERROR * 0x10000000*",
        "*File *test_children.py*, line * in test_hangs_after_a_c_error*",
    ])
    assert "assert 1 == 2" in result.stdout.str()
    result.stdout.fnmatch_lines(["*_ test_ends_its_child_outside_the_protocol _*",
                                 "crashed: the child exited with status 1 and no result", "",
                                 "last output of the child (stderr):", "Traceback (most recent call last):"])
    # each report of a dead child shows the test's frames and counts pytest's, which it leaves out,
    # whether faulthandler wrote them (a signal, a hang) or Python (an exception outside the protocol)
    for name in ("test_aborts", "test_segfaults", "test_hangs", "test_hangs_after_a_c_error",
                 "test_ends_its_child_outside_the_protocol"):
        report = _failure_section(result.stdout.str(), name)
        assert "test_children.py\", line " in report and f" in {name}\n" in report, report
        assert not [line for line in report.splitlines() if "/_pytest/" in line or "/pluggy/" in line
                    or "isolation.py\"" in line], report
        left_out = re.search(r"\((\d+) frames of the test runner, in the test's call, left out: "
                             r"pytest, pluggy, isolation.py[,)]", report)
        assert left_out is not None and int(left_out[1]) >= 10, report
        # short, but for a sanitizer's own report of the signal (CI's AddressSanitizer run), kept whole
        assert len(report.split("AddressSanitizer:")[0].splitlines()) <= 12, report
    # the C's log lines are there once
    assert _failure_section(result.stdout.str(), "test_hangs_after_a_c_error").count("sel4vspace C log: ") == 1
    # a thread the test started that aborts: its frames, and the test's where it waited for it
    report = _failure_section(result.stdout.str(), "test_aborts_in_a_thread_it_started")
    assert re.search(r"Current thread .*\n(  File .*threading.py.*\n)+\n", report), report
    assert re.search(r"\nThread .*\n(  File .*threading.py.*\n)+  File .* in test_aborts_in_a_thread_it_started\n"
                     r"  \(\d+ frames of the test runner, in the test's call, left out", report), report


def _failure_section(output: str, name: str) -> str:
    """The report pytest printed of the failed test ``name``: from under its header to the next."""
    match = re.search(rf"_ {name} _+\n(.*?)\n(?=_{{3,}} |=+ )", output, re.S)
    assert match is not None, output
    return match[1]


def test_the_arches_packages_are_loaded_once_in_the_parent_not_in_every_child(pytester: pytest.Pytester,
                                                                             monkeypatch: pytest.MonkeyPatch):
    """Each child turns on every arch's C log echo: an arch package the parent had not loaded was
    loaded again by every child (about 50 ms an arch), which made a tree's fast selection take 8
    times as long. After the first isolated test the parent holds them all."""
    pytester.makepyfile(test_order="""
import pytest
from sel4vspace import _arches

def test_first_in_the_parent():
    assert {binding.arch for binding in _arches.loaded()} == {_arches.default()}

@pytest.mark.isolated
def test_in_a_child():
    pass

def test_then_in_the_parent():
    assert {binding.arch for binding in _arches.loaded()} == set(_arches.INSTALLED)
""")
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    result = pytester.runpytest_subprocess("-p", "isolation", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_isolation_is_not_used_by_unmarked_tests_of_a_vendor_build():
    from sel4vspace.lowlevel import BUILT_FROM

    assert BUILT_FROM != "vendor" or not registry.EXTERNAL_BUILD
    assert sys.modules["isolation"].DEFAULT_TIMEOUT > 0


def test_the_defects_whose_tests_walk_freed_memory_get_the_hang_limit():
    """On upstream x86_64 the torn-down vspace's move_resize_reservation (a walk of the freed
    reservation list) hung until its 120 s kill in 3 runs of 4 and crashed in the fourth; a
    reservation freed through another vspace stays in its own vspace's list the same way."""
    torn_down = ("tests/allocator/test_sel4utils_edges.py::test_a_vspace_not_set_up_or_torn_down_refuses_everything"
                 "[torn down-move_resize_reservation]")
    assert [(d.id, d.hangs) for d in registry.defects_of(torn_down)] == [("vspace-without-data", True)]
    assert _by_id("foreign-reservation").hangs
    # a write to freed memory no list reaches, and NULL dereferences, crash or pass at once: no hang
    for defect_id in ("reserve-aligned-writes-freed-struct", "free-by-vaddr-without-reservation", "null-reservation"):
        assert not _by_id(defect_id).hangs, defect_id


@pytest.mark.parametrize("util_libs", ["vendor", "/elsewhere/util_libs"])
def test_built_from_names_the_tree_the_arch_and_the_build(monkeypatch: pytest.MonkeyPatch, util_libs: str):
    # either way the build went, whatever this one's: a tree's build takes util_libs beside it by default
    lowlevel = sys.modules["sel4vspace.lowlevel"]
    monkeypatch.setattr(lowlevel, "BUILT_UTIL_LIBS", util_libs)
    named = "" if util_libs == "vendor" else f" with util_libs {util_libs}"
    assert registry.built_from_line() == (f"built from: {lowlevel.BUILT_FROM}{named} (arch {lowlevel.SEL4_ARCH}, "
                                          f"build {lowlevel.BUILD_FLAVOUR})")


def test_built_from_names_the_other_arches_the_pythonic_layer_ran_on(monkeypatch: pytest.MonkeyPatch):
    # the last installed arch: another one than the default where several are installed
    arch = _arches.INSTALLED[-1]
    other = _arches.binding(arch).package
    line = registry.built_from_line([arch])
    assert line == (f"{registry.built_from_line()}; the lower layers' and the Pythonic layer's tests also on {arch} "
                    f"(build {other.BUILD_FLAVOUR})")
    # a build from another tree says which (with the project's own libutils here: its util_libs next)
    monkeypatch.setattr(other, "BUILT_FROM", "/elsewhere/seL4_libs")
    monkeypatch.setattr(other, "BUILT_UTIL_LIBS", "vendor")
    assert registry.built_from_line([arch]).endswith(
        f"also on {arch} (built from /elsewhere/seL4_libs, build {other.BUILD_FLAVOUR})")
    # the run's other arches come from the plugin's option, without the default arch
    assert registry.other_arches(None) == []
    # a util_libs checkout a build used is named with its tree
    monkeypatch.setattr(other, "BUILT_UTIL_LIBS", "/elsewhere/util_libs")
    assert registry.built_from_line([arch]).endswith(
        f"also on {arch} (built from /elsewhere/seL4_libs with util_libs /elsewhere/util_libs, "
        f"build {other.BUILD_FLAVOUR})")


def test_the_extension_records_the_util_libs_it_was_built_with():
    """The build passes where its libutils came from (vendor/ here: no util_libs checkout is used
    by this project's own builds), and the first line of the verdict names a checkout."""
    lowlevel = sys.modules["sel4vspace.lowlevel"]
    assert lowlevel.BUILT_UTIL_LIBS == "vendor" or Path(lowlevel.BUILT_UTIL_LIBS, "libutils").is_dir()
    assert (" with util_libs " in registry.built_from_line()) == (lowlevel.BUILT_UTIL_LIBS != "vendor")


def _files(root: Path, names: list[str], mtime: int) -> list[Path]:
    paths = []
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("/* x */\n")
        os.utime(path, (mtime, mtime))
        paths.append(path)
    return paths


def test_a_tree_changed_after_the_build_is_warned_of_with_the_newest_files_and_the_rebuild(tmp_path: Path):
    checkout, tree = tmp_path / "checkout", tmp_path / "seL4_libs"
    (module,) = _files(checkout, ["src/sel4vspace/_native_x86_64.so"], 2_000_000)
    _files(checkout, ["build_ffi.py"], 1_000_000)
    package = checkout / "src" / "sel4vspace"
    _files(tree, ["libsel4vka/include/vka/vka.h", "libsel4vspace/src/vspace.c", "libsel4utils/src/vspace/vspace.c"],
           1_000_000)
    assert registry.stale_build_warning(str(tree), module, package) is None
    # newer, but not the libraries under test, not C, or a source the build does not compile (the
    # build's list is buildsupport's: a rebuild would not relink for it, and the warning would stay)
    _files(tree, ["libsel4utils/README.md", "libsel4muslcsys/src/sys.c", "libsel4vka/CMakeLists.txt",
                  "libsel4utils/src/process.c"], 3_000_000)
    assert registry.stale_build_warning(str(tree), module, package) is None
    old, newest, newer = _files(tree, ["libsel4utils/src/mapping.c", "libsel4utils/src/vspace/vspace.c",
                                       "libsel4vka/include/vka/object.h"], 1_000_000)
    os.utime(newest, (4_000_000, 4_000_000))
    os.utime(newer, (3_000_000, 3_000_000))
    warning = registry.stale_build_warning(str(tree), module, package)
    assert warning == (f"WARNING: the extension under test (_native_x86_64.so) is older than the C it is built "
                       f"from: {newest}, {newer} changed since; these results are of the old build: rebuild with "
                       f"SEL4VSPACE_SEL4_LIBS={tree} python build_ffi.py (in {checkout})")
    assert str(old) not in warning
    # only the newest few are named
    _files(tree, [f"libsel4utils/src/vspace/n{i}.c" for i in range(5)], 3_500_000)
    assert "and 4 more changed since" in registry.stale_build_warning(str(tree), module, package, shown=3)
    # an installed package: reinstall
    installed = tmp_path / "site-packages" / "sel4vspace"
    warning = registry.stale_build_warning(str(tree), module, installed)
    assert warning is not None and warning.endswith(f"SEL4VSPACE_SEL4_LIBS={tree} pip install . again")


def test_only_the_headers_the_arch_s_build_reads_count(tmp_path: Path):
    """Another arch's headers do not make a build stale (its rebuild would not relink, and the warning
    would stay); its own, and those beside the sources it compiles, do."""
    checkout, tree = tmp_path / "checkout", tmp_path / "seL4_libs"
    (module,) = _files(checkout, ["src/sel4vspace/_native_x86_64.so"], 2_000_000)
    _files(checkout, ["build_ffi.py"], 1_000_000)
    package = checkout / "src" / "sel4vspace"
    _files(tree, ["libsel4utils/src/vspace/vspace.c"], 1_000_000)
    arm = _files(tree, ["libsel4vka/sel4_arch_include/aarch64/vka/sel4_arch/kobject_t.h",
                        "libsel4vka/arch_include/arm/vka/arch/kobject_t.h"], 3_000_000)
    assert registry.stale_build_warning(str(tree), module, package, arch="x86_64") is None
    warning = registry.stale_build_warning(str(tree), module, package, arch="aarch64")
    assert warning is not None and all(str(path) in warning for path in arm)
    (beside,) = _files(tree, ["libsel4utils/src/vspace/helpers.h"], 3_000_000)
    warning = registry.stale_build_warning(str(tree), module, package, arch="x86_64")
    assert warning is not None and f"from: {beside} changed since" in warning


def test_a_vendor_build_is_not_stale_for_another_arch_s_files(tmp_path: Path):
    checkout = tmp_path / "checkout"
    (module,) = _files(checkout, ["src/sel4vspace/_native_riscv64.so"], 2_000_000)
    _files(checkout, ["build_ffi.py"], 1_000_000)
    package = checkout / "src" / "sel4vspace"
    _files(checkout, ["vendor/libsel4vka/sel4_arch_include/aarch64/vka/sel4_arch/kobject_t.h",
                      "csrc/host/src/arch/x86_64.c", "csrc/kernel/src/arch/aarch64/vspace.c",
                      "csrc/libsel4/arch_include/x86/sel4/arch/types.h"], 3_000_000)
    assert registry.stale_build_warning("vendor", module, package, arch="riscv64") is None
    shared, own = _files(checkout, ["csrc/kernel/src/arch/uniform_pt.h", "csrc/host/src/arch/riscv64.c"], 3_000_000)
    warning = registry.stale_build_warning("vendor", module, package, arch="riscv64")
    assert warning is not None and str(shared) in warning and str(own) in warning


def test_the_build_s_arch_variable_at_test_time_gets_a_note_naming_the_run_s():
    arch = sys.modules["sel4vspace.lowlevel"].SEL4_ARCH
    other = next(name for name in _arches.KNOWN if name != arch)
    note = registry.arches_variable_note({"SEL4VSPACE_ARCHES": f"{other}, {other}"})
    assert note == (f"note: SEL4VSPACE_ARCHES chooses the arches a build makes, and this run tested {arch}; "
                    f"SEL4VSPACE_ARCH chooses the run's: SEL4VSPACE_ARCH={other} python -m pytest")
    # nothing to say: the run's arch among them, the run's variable given too, or neither
    assert registry.arches_variable_note({"SEL4VSPACE_ARCHES": f"{other},{arch}"}) is None
    assert registry.arches_variable_note({"SEL4VSPACE_ARCHES": other, "SEL4VSPACE_ARCH": arch}) is None
    assert registry.arches_variable_note({}) is None


def test_a_vendor_build_in_place_is_checked_against_vendor_and_csrc_only(tmp_path: Path):
    checkout = tmp_path / "checkout"
    (module,) = _files(checkout, ["src/sel4vspace/_native_x86_64.so"], 2_000_000)
    _files(checkout, ["build_ffi.py", "vendor/libsel4utils/src/vspace/vspace.c", "csrc/kernel/src/cnode.c"], 1_000_000)
    package = checkout / "src" / "sel4vspace"
    assert registry.stale_build_warning("vendor", module, package) is None
    _files(checkout, ["docs/x.md", "tests/y.c", "src/sel4vspace/z.h"], 3_000_000)
    assert registry.stale_build_warning("vendor", module, package) is None
    (changed,) = _files(checkout, ["csrc/kernel/include/kernel.h"], 3_000_000)
    warning = registry.stale_build_warning("vendor", module, package)
    assert warning is not None and f"from: {changed} changed since" in warning
    assert warning.endswith(f"rebuild with python build_ffi.py (in {checkout})")
    # installed from a wheel: there is no vendor/ of its own to compare with
    assert registry.stale_build_warning("vendor", module, tmp_path / "site-packages" / "sel4vspace") is None


def test_the_staleness_check_never_fails_the_run(tmp_path: Path):
    assert registry.stale_build_warning(str(tmp_path / "gone"), tmp_path / "no-module.so", tmp_path) is None
    (module,) = _files(tmp_path, ["m.so"], 2_000_000)
    assert registry.stale_build_warning(str(tmp_path / "gone"), module, tmp_path) is None


def test_the_run_checks_the_extension_module_the_arch_under_test_loaded(monkeypatch: pytest.MonkeyPatch):
    seen = []
    monkeypatch.setattr(registry, "stale_build_warning", lambda *args, **kwargs: seen.append((args, kwargs)))
    registry._stale_build_warning.__wrapped__()
    lowlevel = sys.modules["sel4vspace.lowlevel"]
    native = importlib.import_module(f"sel4vspace._native_{lowlevel.SEL4_ARCH}")
    package = Path(sys.modules["sel4vspace"].__file__).resolve().parent
    assert seen == [((lowlevel.BUILT_FROM, Path(native.__file__), package), {"arch": lowlevel.SEL4_ARCH})]
    assert Path(native.__file__).is_file()
    # another arch's: its own module, the sources its build compiles
    arch = _arches.INSTALLED[-1]
    seen.clear()
    registry._stale_build_warning.__wrapped__(arch)
    other = _arches.binding(arch).package
    module = Path(importlib.import_module(f"sel4vspace._native_{arch}").__file__)
    assert seen == [((other.BUILT_FROM, module, package), {"arch": arch})]


class _Terminal:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def section(self, title: str) -> None:
        self.lines.append(f"== {title} ==")

    def write_line(self, line: str) -> None:
        self.lines.append(line)


def test_the_verdict_starts_with_the_build_and_its_staleness_warning(monkeypatch: pytest.MonkeyPatch):
    test = registry.DEFECTS[0].tests[0]
    monkeypatch.setattr(registry, "_outcomes", {test: "xfailed"})
    monkeypatch.setattr(registry, "_item_defects", {test: [registry.DEFECTS[0]]})
    monkeypatch.setattr(registry, "_stale_build_warning", lambda arch: "WARNING: rebuild")
    terminal = _Terminal()
    registry.pytest_terminal_summary(terminal, 0, None)
    assert terminal.lines[:3] == ["== seL4_libs under test ==", registry.built_from_line(), "WARNING: rebuild"]
    assert registry.pytest_report_header(None) == ["WARNING: rebuild"]
    monkeypatch.setattr(registry, "_stale_build_warning", lambda arch: None)
    terminal = _Terminal()
    registry.pytest_terminal_summary(terminal, 0, None)
    assert terminal.lines[1] == registry.built_from_line() and terminal.lines[2].startswith("  present ")
    assert registry.pytest_report_header(None) == []


def test_a_python_traceback_of_a_child_ended_outside_the_protocol_keeps_the_test_s_frames(tmp_path: Path):
    """What _child prints of an exception pytest lets through (KeyboardInterrupt, pytest.exit) is
    trimmed as faulthandler's tracebacks are, though Python writes its frames outermost first with
    their source under them; a traceback wholly in the runner (a report that cannot be sent) and
    one of nothing of the runner stay whole."""
    isolation = sys.modules["isolation"]
    pytest_dir, pluggy_dir = Path(pytest.__file__).parent.parent / "_pytest", Path(pluggy.__file__).parent
    runner = [f'  File "{isolation.__file__}", line 86, in _child',
              "    reports = runtestprotocol(item, log=False, nextitem=None)",
              "              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
              f'  File "{pytest_dir}/runner.py", line 184, in pytest_runtest_call',
              "    item.runtest()",
              f'  File "{pluggy_dir}/_callers.py", line 103, in _multicall',
              "    res = hook_impl.function(*args)",
              f'  File "{pytest_dir}/python.py", line 187, in pytest_pyfunc_call',
              "    result = testfunction(**testargs)"]
    own = ['  File "/t/test_a.py", line 36, in test_unmap',
           "    vspace.unmap_pages(BASE, 1)",
           '  File "/src/sel4vspace/vspace.py", line 781, in unmap_pages',
           "    raise KeyboardInterrupt"]
    left_out = "  (4 frames of the test runner, in the test's call, left out: pytest, pluggy, isolation.py)"
    header, error = "Traceback (most recent call last):", "KeyboardInterrupt"
    stderr = tmp_path / "stderr"
    stderr.write_text("\n".join([header, *runner, *own, error, "", header, *runner[:3], *own, error, "",
                                 header, *runner[:5], "TypeError: Object of type set is not JSON serializable"]) + "\n")
    assert isolation.child_stderr(stderr).splitlines() == [
        header, left_out, *own, error, "",
        header, "  (1 frames of the test runner left out: isolation.py)", *own, error, "",
        header, *runner[:5], "TypeError: Object of type set is not JSON serializable"]


def test_a_dead_child_s_stderr_keeps_the_test_s_frames_the_c_s_last_lines_and_counts_the_rest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    isolation = sys.modules["isolation"]
    pytest_dir, pluggy_dir = Path(pytest.__file__).parent.parent / "_pytest", Path(pluggy.__file__).parent
    # a fixture's teardown: pytest's frame of the phase is among those left out
    runner = [f'  File "{pytest_dir}/fixtures.py", line 1030 in finish',
              f'  File "{pytest_dir}/runner.py", line 193 in pytest_runtest_teardown',
              f'  File "{pluggy_dir}/_callers.py", line 103 in _multicall',
              f'  File "{isolation.__file__}", line 82 in _child',
              '  File "<frozen runpy>", line 198 in _run_module_as_main']
    own = ['  File "/src/sel4vspace/vspace.py", line 781 in unmap_pages',
           '  File "/t/test_a.py", line 36 in test_unmap']
    left_out = ("  (5 frames of the test runner, in the test's teardown, left out: "
                "pytest, pluggy, isolation.py, <frozen runpy>)")
    stuck_in_pytest = [f'  File "{pytest_dir}/fixtures.py", line 900 in finish', *runner]
    lines = ([f"sel4vspace C log: ERROR line {i}" for i in range(isolation.C_LOG_LINES + 5)]
             + ["python: vspace.c:450: unmap: Assertion `x' failed.", "Fatal Python error: Aborted", "",
                "Current thread 0x00007f53 (most recent call first):", *own, *runner, "",
                "Thread 0x00007f54 (most recent call first):", *stuck_in_pytest, "",
                "Extension modules: _cffi_backend (total: 1)"])
    stderr = tmp_path / "stderr"
    stderr.write_text("\n".join(lines) + "\n")
    assert isolation.child_stderr(stderr).splitlines() == [
        "(5 earlier lines of the C's log left out)",
        *[f"sel4vspace C log: ERROR line {i}" for i in range(5, isolation.C_LOG_LINES + 5)],
        "python: vspace.c:450: unmap: Assertion `x' failed.", "Fatal Python error: Aborted", "",
        "Current thread 0x00007f53 (most recent call first):", *own,
        left_out, "",
        # a thread all in pytest's frames stays whole: they are where it is
        "Thread 0x00007f54 (most recent call first):", *stuck_in_pytest, "",
        "Extension modules: _cffi_backend (total: 1)"]
    # of a long stderr, the end: the C's last lines stay, and what is left out is counted
    died = ["python: vspace.c:450: unmap: Assertion `x' failed.", "Current thread 0x00007f53 (most recent call first):",
            *own, *runner]
    shown_died = [*died[:-len(runner)], left_out]
    noise = "noise " * 20
    monkeypatch.setattr(isolation, "STDERR_READ", 2000)
    monkeypatch.setattr(isolation, "OUTPUT_TAIL", sum(len(line) + 1 for line in lines[:3] + shown_died) + len(noise))
    stderr.write_text("\n".join([noise] * 100 + lines[:3] + [noise] * 5 + died) + "\n")
    shown = isolation.child_stderr(stderr).splitlines()
    read = stderr.read_bytes()[-2000:].decode().splitlines()[1:]
    assert shown == [f"(the child's stderr was {stderr.stat().st_size:,} bytes: all but its last 2,000 left out)",
                     f"({read.count(noise)} earlier lines of the child's stderr left out)",
                     *lines[:3], *shown_died]
