# SPDX-License-Identifier: BSD-2-Clause
"""The known defects of upstream seL4_libs that vendor/ fixes, and the run's verdict on them.

``DEFECTS`` is the one registry: each entry has an id, one line saying what goes wrong, the upstream
function at fault, and the tests that show it (``path::test`` covers every parametrization of the
test; ``path::test[id]`` one of them). Tests name no defect themselves.

On a vendor/ build every one of those tests must pass. On a build from an external seL4_libs tree
each of them is an expected failure naming its defect, and every test runs isolated (see
isolation.py) because upstream aborts or crashes on some inputs. At the end of the run one line
says which defects the tree has, which it has fixed, and what else failed::

    upstream defects present: a, b; fixed in this tree: c; unexpected failures: 0
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass

import pytest

from sel4vspace.lowlevel import BUILT_FROM

#: True when the libraries under test are vendor/ (or a copy of it built as an external tree by the
#: source-compatibility test, which sets SEL4VSPACE_TEST_VENDOR_COPY).
VENDOR_BUILD = BUILT_FROM == "vendor" or os.environ.get("SEL4VSPACE_TEST_VENDOR_COPY") == "1"
#: True when the libraries under test came from a tree other than vendor/.
EXTERNAL_BUILD = BUILT_FROM != "vendor"


@dataclass(frozen=True)
class Defect:
    id: str
    summary: str
    function: str
    tests: tuple[str, ...]


DEFECTS: tuple[Defect, ...] = (
    Defect("deferred-new-pages-at-vaddr",
           "new_pages_at_vaddr accepts a deferred-rights reservation and maps with no rights",
           "sel4utils_new_pages_at_vaddr",
           ("tests/deferred/test_deferred_gaps.py::test_new_pages_at_vaddr_refuses_a_deferred_reservation",)),
    Defect("deferred-share-mem",
           "share_mem_at_vaddr accepts a deferred-rights reservation and maps with no rights",
           "sel4utils_share_mem_at_vaddr",
           ("tests/deferred/test_deferred_gaps.py::test_share_mem_at_vaddr_refuses_a_deferred_reservation",)),
    Defect("unmap-never-mapped",
           "unmap_pages over a page that was never mapped asserts, or deletes and frees cslot 0",
           "sel4utils_unmap_pages",
           ("tests/allocator/test_upstream_gaps.py::test_unmap_over_an_unmapped_page_logs_and_touches_nothing",)),
    Defect("free-reservation-with-mappings",
           "free_reservation with pages still mapped leaves the rest of the range reserved for good",
           "sel4utils_free_reservation",
           ("tests/allocator/test_upstream_gaps.py::test_free_reservation_with_a_mapped_page_releases_the_rest",)),
    Defect("null-reservation",
           "a reservation_t whose res is NULL segfaults the map and free paths",
           "sel4utils_map_pages_at_vaddr",
           ("tests/allocator/test_upstream_gaps.py::test_null_reservation_is_refused",)),
    Defect("map-failure-leaves-pages",
           "a map that fails part-way leaves the pages it mapped before the failure mapped",
           "sel4utils_map_pages_at_vaddr",
           ("tests/allocator/test_vspace_lifecycle.py::test_failed_map_pages_takes_back_what_it_mapped",)),
    Defect("reservation-list-scan",
           "unmap and free_reservation walk a linked list of every reservation",
           "find_reserve",
           ("tests/allocator/test_reservations.py::test_map_unmap_cost_does_not_grow_with_the_number_of_reservations",)),
)


def _defects_by_test() -> dict[str, list[Defect]]:
    table: dict[str, list[Defect]] = defaultdict(list)
    for defect in DEFECTS:
        for test in defect.tests:
            table[test].append(defect)
    return table


_BY_TEST = _defects_by_test()
# This run's tests that show a registered defect, and every test's outcome (one pytest run per
# process, so module state is the run's state).
_item_defects: dict[str, list[Defect]] = {}
_outcomes: dict[str, str] = {}
# the worst phase decides: a teardown failure after a pass is a failure
_RANK = {"passed": 0, "xpassed": 1, "skipped": 2, "xfailed": 3, "failed": 4}


def defects_of(nodeid: str) -> list[Defect]:
    """The registered defects a test shows: by its exact id, or by its id without parameters."""
    return _BY_TEST.get(nodeid) or _BY_TEST.get(nodeid.split("[", 1)[0], [])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        defects = defects_of(item.nodeid)
        if defects:
            _item_defects[item.nodeid] = defects
            if not VENDOR_BUILD:
                names = ", ".join(f"{d.id} ({d.function}: {d.summary})" for d in defects)
                item.add_marker(pytest.mark.xfail(reason=f"upstream defect {names}", strict=False))
        if EXTERNAL_BUILD and item.get_closest_marker("isolated") is None:
            item.add_marker(pytest.mark.isolated)


def _outcome(report: pytest.TestReport) -> str | None:
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    if report.failed:
        return "failed"
    if report.when == "call":
        return report.outcome
    if report.skipped:
        return "skipped"
    return None


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    outcome = _outcome(report)
    if outcome is None:
        return
    previous = _outcomes.get(report.nodeid)
    if previous is None or _RANK[outcome] > _RANK[previous]:
        _outcomes[report.nodeid] = outcome


def verdict(item_defects: dict[str, list[Defect]], outcomes: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    """(defects present, defects fixed, unexpected failures) from the tests' outcomes. A defect is
    present when one of its tests failed, fixed when every one of its tests that ran passed."""
    present, fixed = [], []
    for defect in DEFECTS:
        ran = [outcomes[n] for n, ds in item_defects.items() if defect in ds and n in outcomes]
        if any(o in ("xfailed", "failed") for o in ran):
            present.append(defect.id)
        elif ran and all(o in ("passed", "xpassed") for o in ran):
            fixed.append(defect.id)
    unexpected = sorted(n for n, o in outcomes.items() if o == "failed")
    return present, fixed, unexpected


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # noqa: ANN001
    if not _outcomes:
        return
    present, fixed, unexpected = verdict(_item_defects, _outcomes)
    terminalreporter.section("seL4_libs under test")
    terminalreporter.write_line(f"built from: {BUILT_FROM}")
    for defect_id in present:
        defect = next(d for d in DEFECTS if d.id == defect_id)
        terminalreporter.write_line(f"  present  {defect.id}: {defect.function}: {defect.summary}")
    for name in unexpected:
        terminalreporter.write_line(f"  unexpected failure: {name}")
    terminalreporter.write_line(
        f"upstream defects present: {', '.join(present) or 'none'}; "
        f"fixed in this tree: {', '.join(fixed) or 'none'}; "
        f"unexpected failures: {len(unexpected)}")
