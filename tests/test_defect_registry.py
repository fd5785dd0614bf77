# SPDX-License-Identifier: BSD-2-Clause
"""The defect registry names real tests, and the run-in-a-child mechanism contains what it must:
a test that aborts, one that segfaults, one that hangs; the run goes on and the verdict is right."""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import pytest

import upstream_defects as registry

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
    assert lines[1:32] == [f"  unexpected failure: {n}" for n in found.unexpected]
    assert f"  passing    {at_null.id}: its tests pass, not counted as fixed while 31 tests fail unexpectedly" in lines
    assert lines[-1] == (f"upstream defects present: {present.id}; fixed in this tree: none; "
                         f"passing now, not counted as fixed while 31 tests fail unexpectedly: {at_null.id}; "
                         "unexpected failures: 31")


def test_with_no_unexpected_failure_a_passing_defect_is_fixed_and_the_line_is_the_plain_one():
    at_null, unchecked = _by_id("anywhere-allocation-at-null"), _by_id("reserve-aligned-writes-freed-struct")
    item_defects = {at_null.tests[0]: [at_null], unchecked.tests[0]: [unchecked]}
    outcomes = {at_null.tests[0]: "passed", unchecked.tests[0]: "skipped", "tests/api/test_a.py::test_b": "passed"}
    lines = registry.verdict_lines(registry.verdict(item_defects, outcomes))
    assert lines == [f"  unchecked  {unchecked.id}: its tests were skipped (see their reasons)",
                     f"upstream defects present: none; fixed in this tree: {at_null.id}; unexpected failures: 0; "
                     f"not checked: {unchecked.id}"]


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

@pytest.mark.isolated(timeout=1)
def test_hangs():
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

def test_runs_in_the_parent_after_all_that():
    assert True
'''


# AddressSanitizer (preloaded in CI's sanitizer run) catches a segfault, reports it and aborts
SEGFAULT_SEEN_AS = "SIGABRT" if "libasan" in os.environ.get("LD_PRELOAD", "") else "SIGSEGV"


def test_isolated_tests_crash_hang_and_fail_alone(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    pytester.makepyfile(test_children=CHILD_TESTS)
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    result = pytester.runpytest_subprocess("-p", "isolation", "-p", "no:cacheprovider", "-rA", "--durations=1")
    result.assert_outcomes(passed=2, failed=4, xfailed=1)
    # the hang's report carries the time its child ran: it is the slowest
    result.stdout.fnmatch_lines(["*slowest 1 durations*", "1.*s call *test_children.py::test_hangs"])
    result.stdout.fnmatch_lines([
        "*_ test_aborts _*", "crashed: the interpreter died of SIGABRT",
        "*_ test_segfaults _*", f"crashed: the interpreter died of {SEGFAULT_SEEN_AS}",
        "*_ test_hangs _*", "hung: no result within 1 s (child killed)",
    ])
    assert "assert 1 == 2" in result.stdout.str()


def test_isolation_is_not_used_by_unmarked_tests_of_a_vendor_build():
    from sel4vspace.lowlevel import BUILT_FROM

    assert BUILT_FROM != "vendor" or not registry.EXTERNAL_BUILD
    assert sys.modules["isolation"].DEFAULT_TIMEOUT > 0
