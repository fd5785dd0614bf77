# SPDX-License-Identifier: BSD-2-Clause
"""The known defects of upstream seL4_libs that vendor/ fixes, and the run's verdict on them.

``DEFECTS`` is the one registry: each entry has an id, one line saying what goes wrong, the upstream
function at fault, and the tests that show it (``path::test`` covers every parametrization of the
test; ``path::test[id]`` one of them). Tests name no defect themselves. A defect whose symptom is or
can be a hang (an endless search, a walk of a list in freed memory) says so (``hangs=True``): on a
build from another tree its tests are stopped after ``HANG_TIMEOUT`` seconds, not isolation.py's
default, and reported as that defect.

On a vendor/ build every one of those tests must pass. On a build from an external seL4_libs tree
each of them is an expected failure naming its defect, and every test runs isolated (see
isolation.py) because upstream aborts or crashes on some inputs (not vendor/'s copy that the
source-compatibility test builds as an external tree: it must pass, and a crash fails its run). At the end of the run one line
says which defects the tree has, which it has fixed, and what else failed::

    upstream defects present: a, b; fixed in this tree: c; unexpected failures: 0

A defect counts as fixed only in a run where nothing fails unexpectedly: while something does, a
defect whose tests pass is listed as "passing now, not counted as fixed", since a regression can
make a defect's test pass for the wrong reason; the unexpected failures are listed first, lowest
layer first (a layer's failing calls before its failing teardowns), each with why it failed, as the
place to start. A test of a defect shows it by failing in its setup or call: one that passes its
call and fails its teardown (which pytest reports as the expected failure too) is an unexpected
failure of its own.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import textwrap
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import sel4vspace
from sel4vspace import _arches, lowlevel
from sel4vspace.lowlevel import BUILD_FLAVOUR, BUILT_FROM, SEL4_ARCH
from sel4vspace.pytest_plugin import arches as plugin_arches

#: True when the libraries under test are vendor/ (or a copy of it built as an external tree by the
#: source-compatibility test, which sets SEL4VSPACE_TEST_VENDOR_COPY).
VENDOR_BUILD = BUILT_FROM == "vendor" or os.environ.get("SEL4VSPACE_TEST_VENDOR_COPY") == "1"
#: True when the libraries under test came from a tree other than vendor/.
EXTERNAL_BUILD = BUILT_FROM != "vendor"


#: The time limit, in seconds, of a test of a defect whose symptom is a hang, on a build from
#: another tree. Those tests take milliseconds on vendor/ (under 5 ms each, and a fixed tree's
#: search has no reason to take a thousand times that); upstream would run them for hours, and
#: isolation.py's default limit of 120 s would make the edit loop's fast selection wait that long.
#: The tests of the defects that walk freed memory take under 5 ms each on vendor/ too (77 tests,
#: none over 20 ms in any phase).
HANG_TIMEOUT = 10.0


@dataclass(frozen=True)
class Defect:
    id: str
    summary: str
    function: str
    tests: tuple[str, ...]
    #: its symptom is a hang: on a build from another tree its tests get HANG_TIMEOUT
    hangs: bool = False


DEFECTS: tuple[Defect, ...] = (
    Defect("deferred-new-pages-at-vaddr",
           "new_pages_at_vaddr accepts a deferred-rights reservation and maps with no rights",
           "sel4utils_new_pages_at_vaddr",
           ("tests/deferred/test_deferred_gaps.py::test_new_pages_at_vaddr_refuses_a_deferred_reservation",
            "tests/allocator/test_refusal_lines_name_the_call.py::test_the_error_line_of_a_refusal_names_the_function_called[new_pages_at_vaddr: a deferred reservation]")),
    Defect("deferred-share-mem",
           "share_mem_at_vaddr accepts a deferred-rights reservation and maps with no rights",
           "sel4utils_share_mem_at_vaddr",
           ("tests/deferred/test_deferred_gaps.py::test_share_mem_at_vaddr_refuses_a_deferred_reservation",)),
    Defect("unmap-never-mapped",
           "unmap_pages over a page that was never mapped asserts, or deletes and frees a cslot it never had",
           "sel4utils_unmap_pages",
           ("tests/allocator/test_upstream_gaps.py::test_unmap_over_an_unmapped_page_logs_and_touches_nothing",
            "tests/allocator/test_table_batches.py::test_an_unmap_over_one_unmapped_page_unmaps_nothing",
            "tests/allocator/test_vka_faults.py::test_unmap_where_no_table_was_ever_made_changes_nothing",
            "tests/wrappers/test_host_calls.py::test_an_unmap_of_a_page_the_allocator_never_recorded_is_refused_and_reported",
            "tests/allocator/test_refusal_lines_name_the_call.py::test_the_error_line_of_a_refusal_names_the_function_called[unmap_pages: no address]")),
    Defect("free-reservation-with-mappings",
           "free_reservation with pages still mapped leaves the rest of the range reserved for good",
           "sel4utils_free_reservation",
           ("tests/allocator/test_upstream_gaps.py::test_free_reservation_with_a_mapped_page_releases_the_rest",)),
    Defect("null-reservation",
           "a reservation_t whose res is NULL segfaults the map and free paths",
           "sel4utils_map_pages_at_vaddr",
           ("tests/allocator/test_upstream_gaps.py::test_null_reservation_is_refused",
            "tests/allocator/test_refusal_lines_name_the_call.py::test_the_error_line_of_a_refusal_names_the_function_called[map_pages_at_vaddr: no reservation]",
            "tests/allocator/test_refusal_lines_name_the_call.py::test_the_catalogue_refusals_are_refusals")),
    Defect("map-failure-leaves-pages",
           "a map that fails part-way (kernel, vka or bookkeeping) leaves what it did before the failure",
           "sel4utils_map_pages_at_vaddr",
           ("tests/allocator/test_vspace_lifecycle.py::test_failed_map_pages_takes_back_what_it_mapped",
            "tests/allocator/test_bookkeeping_oom.py::test_mapping_when_bookkeeping_runs_out_part_way[new_pages]",
            "tests/allocator/test_bookkeeping_oom.py::test_mapping_when_bookkeeping_runs_out_part_way[map_pages]",
            "tests/allocator/test_vka_faults.py::test_one_page_when_a_resource_runs_out_after_the_last_step[bookkeeping-new_pages]",
            "tests/allocator/test_vka_faults.py::test_one_page_when_a_resource_runs_out_after_the_last_step[bookkeeping-new_pages_at_vaddr]",
            "tests/allocator/test_vka_faults.py::test_one_page_when_a_resource_runs_out_after_the_last_step[bookkeeping-map_pages]",
            "tests/allocator/test_vka_faults.py::test_one_page_when_a_resource_runs_out_after_the_last_step[bookkeeping-map_pages_at_vaddr]",
            "tests/allocator/test_vka_faults.py::test_one_page_when_a_resource_runs_out_after_the_last_step[bookkeeping-map_large_at_vaddr]",
            "tests/allocator/test_fail_at_each_page.py::test_mapping_caller_frames_failing_at_page_k[anywhere-1]",
            "tests/allocator/test_fail_at_each_page.py::test_mapping_caller_frames_failing_at_page_k[anywhere-5]")),
    Defect("reservation-list-scan",
           "every lookup by address walks a linked list of all reservations: cost grows with their number",
           "find_reserve",
           ("tests/allocator/test_reservations.py::test_map_unmap_cost_does_not_grow_with_the_number_of_reservations",)),
    Defect("whole-table-entry-stays-reserved",
           "a reservation covering a whole, empty 2 MiB table entry can never be freed",
           "clear_entries_mid",
           ("tests/allocator/test_upstream_defects.py::test_a_reservation_of_a_whole_empty_table_entry_can_be_freed",
            "tests/allocator/test_table_batches.py::test_map_and_unmap_across_table_edges[0-1]",
            "tests/allocator/test_table_batches.py::test_map_and_unmap_across_table_edges[0-512]",
            "tests/allocator/test_table_batches.py::test_map_and_unmap_across_table_edges[509-3]",
            "tests/allocator/test_table_batches.py::test_map_and_unmap_across_table_edges[510-4]",
            "tests/allocator/test_table_batches.py::test_map_and_unmap_across_table_edges[511-1]")),
    Defect("share-ignores-reservation-bounds",
           "share_mem_at_vaddr never checks the target range against the reservation",
           "sel4utils_share_mem_at_vaddr",
           ("tests/allocator/test_upstream_defects.py::test_share_stays_inside_the_reservation",
            "tests/allocator/test_sel4utils_edges.py::test_share_refuses_bad_counts_sizes_ranges_and_holes",
            "tests/allocator/test_refusal_lines_name_the_call.py::test_the_error_line_of_a_refusal_names_the_function_called[share_mem_at_vaddr: outside the target reservation]",
            "tests/allocator/test_reservation_boundaries.py::test_map_operations_take_exactly_the_pages_of_the_reservation[vspace_share_mem_at_vaddr-one past]",
            "tests/allocator/test_reservation_boundaries.py::test_map_operations_take_exactly_the_pages_of_the_reservation[vspace_share_mem_at_vaddr-one before]",
            "tests/allocator/test_reservation_boundaries.py::test_map_operations_refuse_a_range_straddling_either_end[vspace_share_mem_at_vaddr-across the end]",
            "tests/allocator/test_reservation_boundaries.py::test_map_operations_refuse_a_range_straddling_either_end[vspace_share_mem_at_vaddr-across the start]")),
    Defect("reserve-asserts-out-of-bookkeeping",
           "reserving asserts (aborts) instead of failing when bookkeeping memory runs out",
           "perform_reservation",
           ("tests/allocator/test_upstream_defects.py::test_reserving_when_bookkeeping_runs_out_is_refused",
            "tests/allocator/test_bookkeeping_oom.py::test_reservations_when_bookkeeping_runs_out")),
    Defect("move-resize-asserts-out-of-bookkeeping",
           "moving a reservation asserts (aborts) instead of failing when bookkeeping memory runs out",
           "sel4utils_move_resize_reservation",
           ("tests/allocator/test_upstream_defects.py::test_moving_a_reservation_when_bookkeeping_runs_out_is_refused",
            "tests/allocator/test_bookkeeping_oom.py::test_move_resize_reservation_when_bookkeeping_runs_out",
            "tests/allocator/test_vka_faults.py::test_growing_a_reservation_upwards_when_bookkeeping_runs_out")),
    Defect("move-resize-checks-the-gap",
           "moving a reservation checks the span between its old and new ends, so a move past another "
           "reservation is refused",
           "sel4utils_move_resize_reservation",
           ("tests/allocator/test_upstream_defects.py::test_a_reservation_can_move_past_another",
            "tests/allocator/test_reservations.py::test_move_resize_reservation")),
    Defect("map-zero-pages-asserts",
           "map_pages with num_pages 0 asserts (aborts); map_pages_at_vaddr with 0 pages succeeds",
           "sel4utils_map_pages",
           ("tests/allocator/test_upstream_defects.py::test_mapping_no_pages_is_refused",
            "tests/allocator/test_vka_faults.py::test_map_implementations_refuse_no_pages_and_no_caps",
            "tests/allocator/test_vka_faults.py::test_map_implementation_refuses_zero_pages")),
    Defect("map-pages-wrapper-checks-new-pages",
           "the vspace_map_pages wrapper checks the new_pages field, then calls map_pages",
           "vspace_map_pages",
           ("tests/wrappers/test_vspace_table.py::test_each_wrapper_survives_its_field_missing[map_pages]",
            "tests/wrappers/test_dispatch_arguments.py::test_the_wrapper_passes_every_argument_to_its_field"
            "[vspace_map_pages]")),
    Defect("allocated-object-null-vspace",
           "vspace_allocated_object goes on after its fatal log with a NULL vspace",
           "vspace_allocated_object",
           ("tests/wrappers/test_wrapper_refusals.py::test_each_wrapper_check_refuses_without_calling_through"
            "[allocated_object: NULL vspace]",)),
    Defect("free-by-vaddr-without-reservation",
           "free_reservation_by_vaddr dereferences NULL when no reservation holds the address",
           "sel4utils_free_reservation_by_vaddr",
           ("tests/allocator/test_upstream_defects.py::test_free_reservation_by_vaddr_where_none_is_refused",
            "tests/allocator/test_upstream_gaps.py::test_free_reservation_by_vaddr_without_a_reservation_is_an_error",
            "tests/allocator/test_refusal_lines_name_the_call.py::test_the_error_line_of_a_refusal_names_the_function_called[free_reservation_by_vaddr: no reservation there]",
            "tests/allocator/test_reservation_boundaries.py::test_free_reservation_by_vaddr_finds_exactly_the_reservation_holding_the_address[1073840128-False]",
            "tests/allocator/test_reservation_boundaries.py::test_free_reservation_by_vaddr_finds_exactly_the_reservation_holding_the_address[1073844224-False]",
            "tests/allocator/test_reservation_boundaries.py::test_free_reservation_by_vaddr_finds_exactly_the_reservation_holding_the_address[1073807359-False]",
            "tests/allocator/test_reservation_boundaries.py::test_free_reservation_by_vaddr_finds_exactly_the_reservation_holding_the_address[1073803264-False]")),
    Defect("share-null-start",
           "the vspace_share_mem_at_vaddr wrapper lets a NULL start through",
           "vspace_share_mem_at_vaddr",
           ("tests/wrappers/test_wrapper_refusals.py::test_each_wrapper_check_refuses_without_calling_through"
            "[share: from page 0]",)),
    Defect("find-range-walks-pages",
           "an anywhere reservation searches page by page: hours when it does not fit",
           "find_range",
           ("tests/allocator/test_upstream_defects.py::test_an_anywhere_reservation_too_large_to_fit_is_refused_quickly",
            "tests/allocator/test_vka_faults.py::test_anywhere_allocation_at_the_top_of_the_address_space",
            "tests/allocator/test_vspace_lifecycle.py::test_anywhere_allocation_runs_out_cleanly",
            "tests/allocator/test_refusal_lines_name_the_call.py::test_the_error_line_of_a_refusal_names_the_function_called[reserve_range_aligned: more than the address space]"),
           hangs=True),
    Defect("reserve-aligned-writes-freed-struct",
           "reserve_range_aligned marks its struct malloced after freeing it when no range fits",
           "sel4utils_reserve_range_aligned",
           ("tests/allocator/test_upstream_defects.py::test_a_failed_aligned_reservation_does_not_write_to_freed_memory",)),
    Defect("size-bits-unchecked",
           "the map and new_pages implementations accept a size_bits that is no frame size",
           "sel4utils_map_pages",
           ("tests/allocator/test_upstream_defects.py::test_a_size_that_is_no_frame_is_refused",
            "tests/allocator/test_sel4utils_edges.py::test_implementations_refuse_sizes_that_are_no_frame")),
    Defect("range-past-the-tables",
           "a range at or past 2^48 is reserved (indexing past the top-level table) or asserts",
           "sel4utils_reserve_range_at",
           ("tests/allocator/test_upstream_defects.py::test_a_range_past_the_top_of_the_tables_is_refused",
            "tests/allocator/test_vspace_lifecycle.py::test_the_kernel_window_and_beyond_are_refused",
            "tests/allocator/test_sel4utils_edges.py::test_ranges_past_the_tables_reach_are_refused")),
    Defect("vspace-without-data",
           "the implementations dereference a vspace that was never set up, torn down or NULL",
           "get_alloc_data",
           ("tests/allocator/test_upstream_defects.py::test_a_vspace_without_its_data_is_refused",
            "tests/allocator/test_sel4utils_edges.py::test_a_vspace_not_set_up_or_torn_down_refuses_everything",
            "tests/allocator/test_sel4utils_edges.py::test_share_refuses_a_dead_vspace_on_either_side",
            "tests/allocator/test_vka_faults.py::test_implementations_refuse_a_null_vspace",
            "tests/allocator/test_sel4utils_edges.py::test_get_vspace_needs_every_argument",
            "tests/allocator/test_sel4utils_edges.py::test_clone_into_vspace_needs_both_vspaces_and_an_image"),
           # a torn-down vspace's reservation list is freed memory: walking it can loop for ever
           hangs=True),
    Defect("foreign-reservation",
           "a reservation of another vspace is accepted: freeing it corrupts both vspaces",
           "sel4utils_free_reservation",
           ("tests/allocator/test_upstream_defects.py::test_freeing_another_vspaces_reservation_is_refused",
            "tests/allocator/test_sel4utils_edges.py::test_a_reservation_of_another_vspace_is_refused_everywhere",
            "tests/allocator/test_sel4utils_edges.py::test_move_resize_reservation_refuses_a_struct_it_never_listed",
            "tests/wrappers/test_host_calls.py::test_freeing_a_reservation_of_another_vspace_is_refused_and_reported",
            "tests/allocator/test_refusal_lines_name_the_call.py::test_the_error_line_of_a_refusal_names_the_function_called[free_reservation: another vspace's reservation]",
            "tests/allocator/test_refusal_lines_name_the_call.py::test_the_error_line_of_a_refusal_names_the_function_called[map_pages_at_vaddr: another vspace's reservation]"),
           # the freed struct stays in its own vspace's list: a later walk of it can loop for ever
           hangs=True),
    Defect("unmap-size-unchecked",
           "unmap_pages with a size other than the mapped frame's unmaps the whole frame or the wrong one",
           "sel4utils_unmap_pages",
           ("tests/allocator/test_upstream_defects.py::test_unmapping_part_of_a_large_frame_is_refused",
            "tests/allocator/test_sel4utils_edges.py::test_unmap_refuses_anything_but_whole_frames_of_the_size_given",
            "tests/allocator/test_vka_faults.py::test_a_4k_unmap_inside_a_large_frame_is_refused",
            "tests/allocator/test_vspace_lifecycle.py::test_unmap_with_the_wrong_size_is_refused")),
    Defect("share-failure-leaves-copies",
           "a share that fails part-way (no cslot, a failed copy, no bookkeeping) leaves cap copies, "
           "cslots or mappings behind",
           "sel4utils_share_mem_at_vaddr",
           ("tests/allocator/test_sel4utils_edges.py::test_share_running_out_of_cslots_part_way_undoes_itself",
            "tests/allocator/test_vka_faults.py::test_share_without_a_cslot_for_the_copy",
            "tests/allocator/test_vka_faults.py::test_share_when_the_copy_into_the_found_slot_fails",
            "tests/allocator/test_vka_faults.py::test_share_when_the_record_after_the_map_runs_out",
            "tests/allocator/test_fail_at_each_page.py::test_share_failing_at_page_k[0]",
            "tests/allocator/test_fail_at_each_page.py::test_share_failing_at_page_k[1]",
            "tests/allocator/test_fail_at_each_page.py::test_share_failing_at_page_k[5]")),
    Defect("tear-down-leaks-after-a-shortfall",
           "after a map fails for want of kernel objects, tearing the vspace down leaves untyped memory, "
           "cslots and paging structures behind",
           "sel4utils_tear_down",
           ("tests/allocator/test_vka_faults.py::test_one_page_when_a_resource_runs_out_after_the_last_step[kernel objects-new_pages]",
            "tests/allocator/test_vka_faults.py::test_one_page_when_a_resource_runs_out_after_the_last_step[kernel objects-new_pages_at_vaddr]",
            "tests/allocator/test_vka_faults.py::test_one_page_when_a_resource_runs_out_after_the_last_step[kernel objects-map_pages]",
            "tests/allocator/test_vka_faults.py::test_one_page_when_a_resource_runs_out_after_the_last_step[kernel objects-map_pages_at_vaddr]",
            "tests/allocator/test_vka_faults.py::test_one_page_when_a_resource_runs_out_after_the_last_step[kernel objects-map_large_at_vaddr]",
            # the plugin's documented example catches it (its nothing-lost check fails at teardown), on
            # the arch under test and on every installed one
            "tests/test_pytest_plugin.py::test_the_documented_regression_example_passes",
            "tests/test_pytest_plugin.py::test_the_documented_regression_example_passes_on_every_arch")),
    Defect("refusal-line-names-a-helper",
           "some refusals' error line names an internal helper (reserve_range_at_no_alloc, unmap_pages, "
           "map_page_pd) instead of the call that refused, which misleads whoever reads the log",
           "sel4utils_reserve_range_at_no_alloc",
           ("tests/allocator/test_refusal_lines_name_the_call.py::test_the_error_line_of_a_refusal_names_the_function_called[map_pages: not a frame cap]",
            "tests/allocator/test_refusal_lines_name_the_call.py::test_the_error_line_of_a_refusal_names_the_function_called[map_pages_at_vaddr: not a frame cap]",
            "tests/allocator/test_refusal_lines_name_the_call.py::test_the_error_line_of_a_refusal_names_the_function_called[deferred_rights_map_pages_at_vaddr: not a frame cap]",
            "tests/allocator/test_refusal_lines_name_the_call.py::test_the_error_line_of_a_refusal_names_the_function_called[reserve_range_at: over a reservation]",
            "tests/allocator/test_refusal_lines_name_the_call.py::test_the_error_line_of_a_refusal_names_the_function_called[reserve_deferred_rights_range_at: over a reservation]",
            "tests/allocator/test_refusal_lines_name_the_call.py::test_the_error_line_of_a_refusal_names_the_function_called[share_mem_at_vaddr: nothing mapped at the source]")),
    Defect("freed-reservations-keep-their-tables",
           "freeing reservations gives none of their bookkeeping back until the vspace is torn down",
           "sel4utils_free_reservation",
           ("tests/allocator/test_live_vspace_memory.py::test_freeing_reservations_gives_their_bookkeeping_back_at_once[free_reservation-newest first]",
            "tests/allocator/test_live_vspace_memory.py::test_freeing_reservations_gives_their_bookkeeping_back_at_once[free_reservation-oldest first]",
            "tests/allocator/test_live_vspace_memory.py::test_freeing_reservations_gives_their_bookkeeping_back_at_once[free_reservation-shuffled]",
            "tests/allocator/test_live_vspace_memory.py::test_freeing_reservations_gives_their_bookkeeping_back_at_once[free_reservation_by_vaddr-newest first]",
            "tests/allocator/test_live_vspace_memory.py::test_freeing_reservations_gives_their_bookkeeping_back_at_once[free_reservation_by_vaddr-oldest first]",
            "tests/allocator/test_live_vspace_memory.py::test_freeing_reservations_gives_their_bookkeeping_back_at_once[free_reservation_by_vaddr-shuffled]")),
    Defect("unmap-past-reservation-end",
           "unmapping pages that run past a reservation's end leaves the page past it reserved for good",
           "sel4utils_unmap_pages",
           ("tests/allocator/test_reservation_boundaries.py::test_unmapping_across_the_end_of_a_reservation_frees_the_page_past_it",
            "tests/allocator/test_reservation_boundaries.py::"
            "test_one_unmap_through_several_reservations_and_gaps_puts_each_page_back_where_it_was")),
    Defect("anywhere-allocation-at-null",
           "once a range reserved at address 0 is freed, the anywhere-allocator may pick address 0, which "
           "its callers read as NULL: new_pages, map_pages and reserve_range_aligned fail with no error line",
           "find_range",
           ("tests/allocator/test_reservation_boundaries.py::test_anywhere_calls_work_and_never_return_0_after_a_range_at_0_is_freed",)),
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


@dataclass(frozen=True)
class Failure:
    """Why a test failed unexpectedly: the phase that failed first and one line saying why."""
    when: str      # "setup", "call" or "teardown"
    reason: str


# This run's unexpected failures, by test id.
_failures: dict[str, Failure] = {}


def defects_of(nodeid: str) -> list[Defect]:
    """The registered defects a test shows: by its exact id, or by its id without parameters. The
    registry names a test without the arch a run on several arches gives it (the first of its
    parameters: ``test_x[aarch64-map_pages]`` is ``test_x[map_pages]`` on every arch)."""
    nodeid = without_arch(nodeid)
    return _BY_TEST.get(nodeid) or _BY_TEST.get(nodeid.split("[", 1)[0], [])


def without_arch(nodeid: str) -> str:
    """``nodeid`` without the arch among its parameters, when its first parameter names one."""
    name, bracket, parameters = nodeid.partition("[")
    first, dash, rest = parameters.removesuffix("]").partition("-")
    if not bracket or first not in _arches.KNOWN:
        return nodeid
    return f"{name}[{rest}]" if dash else name


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "vendor_only(why): the test reads vendor/'s own internals (fields, structures or host-only "
        "refusals upstream has no counterpart of); it is skipped, saying why, on other trees",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        vendor_only = item.get_closest_marker("vendor_only")
        if vendor_only is not None and not VENDOR_BUILD:
            why = vendor_only.args[0] if vendor_only.args else "it reads vendor/'s internals"
            item.add_marker(pytest.mark.skip(reason=f"vendor/ only: {why}"))
        defects = defects_of(item.nodeid)
        if defects:
            _item_defects[item.nodeid] = defects
            if not VENDOR_BUILD:
                names = ", ".join(f"{d.id} ({d.function}: {d.summary})" for d in defects)
                item.add_marker(pytest.mark.xfail(reason=f"upstream defect {names}", strict=False))
        if EXTERNAL_BUILD and not VENDOR_BUILD:
            if any(d.hangs for d in defects):
                # first, so that it is the closest isolated marker, ahead of the test's own
                item.add_marker(pytest.mark.isolated(timeout=HANG_TIMEOUT), append=False)
            elif item.get_closest_marker("isolated") is None:
                item.add_marker(pytest.mark.isolated)


def _outcome(report: pytest.TestReport, before: str | None = None) -> str | None:
    """The outcome of one phase's report, given the test's outcome so far (``before``)."""
    if hasattr(report, "wasxfail"):
        if not report.skipped:
            return "xpassed"
        # pytest (and isolation.py) turn a failure in any phase of a test expected to fail into its
        # expected failure. A teardown that fails after the call passed is not the defect, which
        # the call just showed absent: it is a failure of its own.
        return "failed" if report.when == "teardown" and before == "xpassed" else "xfailed"
    if report.failed:
        return "failed"
    if report.when == "call":
        return report.outcome
    if report.skipped:
        return "skipped"
    return None


#: The longest reason the verdict shows of an unexpected failure.
REASON_WIDTH = 160
#: The first words of isolation.py's report of a test whose child crashed or hung.
_CHILD_DIED = ("crashed:", "hung:")
#: What starts a line of the C's log in isolation.py's reports.
_C_LOG_PREFIX = "sel4vspace C log: "
#: The C library's line for a failed assert(): "<program>: <file>:<line>: <function>: Assertion `<expr>' failed."
_C_ASSERTION = re.compile(r"(\S+):(\d+): (\S+): Assertion (.*) failed\.$")


def failure_reason(report: pytest.TestReport) -> str:
    """One line saying why ``report``'s phase failed: the first line of the exception, as pytest's
    short summary has it, and the file and line that raised it; for a test whose child crashed or
    hung, that, and the C's failed assertion (its file, line and function) or else its last log
    line."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr or "")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return f"failed in {report.when}"
    reason, where = lines[0], ""
    if reason.startswith(_CHILD_DIED):
        asserted = [f"{Path(m[1]).name}:{m[2]}: {m[3]}: assertion {m[4]} failed"
                    for m in map(_C_ASSERTION.search, lines) if m]
        logged = [line.removeprefix(_C_LOG_PREFIX) for line in lines if line.startswith(_C_LOG_PREFIX)]
        reason = "; ".join([reason, *(asserted or logged)[-1:]])
    elif crash is not None and crash.lineno > 0:
        where = f" ({Path(crash.path).name}:{crash.lineno})"
    return textwrap.shorten(reason, REASON_WIDTH - len(where), placeholder=" ...") + where


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    previous = _outcomes.get(report.nodeid)
    outcome = _outcome(report, previous)
    if outcome is None:
        return
    if outcome == "failed" and report.nodeid not in _failures:
        _failures[report.nodeid] = Failure(report.when, failure_reason(report))
    # Under pytest-xdist the workers collect and this process (the controller) only sees reports:
    # the defects a test shows follow from its id alone.
    defects = defects_of(report.nodeid)
    if defects:
        _item_defects.setdefault(report.nodeid, defects)
    if previous is None or _RANK[outcome] > _RANK[previous]:
        _outcomes[report.nodeid] = outcome


#: The test folders in the order of the layers they test, lowest first; a test elsewhere (the
#: top-level tests, docs, CLI, tooling, build support) comes after all of them.
LAYERS = ("tests/wrappers/", "tests/kernel/", "tests/allocator/", "tests/deferred/", "tests/api/",
          "tests/model/")


def layer_order(nodeid: str, failures: dict[str, Failure] | None = None) -> tuple[int, int, str]:
    """Sort key of a failed test's id: its layer's place in ``LAYERS``; then, within a layer, a
    failing call (or setup) before a failing teardown (the nothing-lost checks of the fixtures: a
    leak seen there says less about the cause than an assertion of a call, which the same change
    often fails too); then the id."""
    rank = next((i for i, folder in enumerate(LAYERS) if nodeid.startswith(folder)), len(LAYERS))
    failure = (failures or {}).get(nodeid)
    return rank, int(failure is not None and failure.when == "teardown"), nodeid


def shows_its_defects(nodeid: str, outcomes: dict[str, str], failures: dict[str, Failure]) -> bool:
    """Whether a test of a defect showed it: it failed as expected, or failed in its setup or call.
    A test whose only failure is its teardown passed its call, which is where the defect would
    show: that failure is an unexpected one of its own."""
    outcome = outcomes.get(nodeid)
    failure = failures.get(nodeid)
    return outcome == "xfailed" or (outcome == "failed" and (failure is None or failure.when != "teardown"))


@dataclass
class Verdict:
    present: list[str]          # a test of the defect failed
    fixed: list[str]            # every test of the defect that ran passed, in a run with no unexpected failure
    passing: list[str]          # every test of the defect that ran passed, but other tests failed unexpectedly
    unchecked: list[str]        # every test of the defect was skipped
    unexpected: list[str]       # failures no registered defect accounts for, lowest layer first
    not_run: list[str] = field(default_factory=list)   # no test of the defect ran (not selected)
    failures: dict[str, Failure] = field(default_factory=dict)   # why each unexpected failure failed


def verdict(item_defects: dict[str, list[Defect]], outcomes: dict[str, str],
            failures: dict[str, Failure] | None = None) -> Verdict:
    """The run's verdict from its tests' outcomes; defects none of whose tests ran (a selection by
    ``-m``, ``-k`` or paths left them out) are listed as not run, never as absent or fixed.

    A defect is reported fixed only in a run with no unexpected failure. A regression elsewhere in
    the tree can make a defect's test pass for the wrong reason (a freed range never given back, an
    unmap that stops a page short), so while anything fails unexpectedly a defect whose tests pass
    is listed as passing, not fixed, and the unexpected failures are the thing to look at: lowest
    layer first, a layer's failing calls before its failing teardowns, each with its reason when
    ``failures`` has it."""
    failures = failures or {}
    unexpected = sorted((n for n, o in outcomes.items() if o == "failed"), key=lambda n: layer_order(n, failures))
    result = Verdict([], [], [], [], unexpected, failures={n: failures[n] for n in unexpected if n in failures})
    for defect in DEFECTS:
        ran = [outcomes[n] for n, ds in item_defects.items() if defect in ds and n in outcomes]
        shown = [n for n, ds in item_defects.items() if defect in ds and shows_its_defects(n, outcomes, failures)]
        if shown:
            result.present.append(defect.id)
        elif ran and all(o == "skipped" for o in ran):
            result.unchecked.append(defect.id)
        elif ran:
            (result.passing if unexpected else result.fixed).append(defect.id)
        else:
            result.not_run.append(defect.id)
    return result


#: How many unexpected failures the verdict lists (pytest's own summary, above it, has its FAILED and
#: ERROR lines).
UNEXPECTED_SHOWN = 10


def unexpected_line(name: str, failure: Failure | None) -> str:
    """The verdict's line of one unexpected failure: the test, the phase when it is not the call,
    and the reason, as pytest's short summary writes them (``id - reason``)."""
    if failure is None:
        return f"  unexpected failure: {name}"
    phase = "" if failure.when == "call" else f" ({failure.when})"
    return f"  unexpected failure: {name}{phase} - {failure.reason}"


def verdict_lines(found: Verdict) -> list[str]:
    """The verdict as the run prints it: one line a defect present or not checked and one an
    unexpected failure (those first, when there are any: they come before anything else; the
    first ``UNEXPECTED_SHOWN`` of them), then the summary line."""
    by_id = {d.id: d for d in DEFECTS}
    count = len(found.unexpected)
    failing = "1 test fails unexpectedly" if count == 1 else f"{count} tests fail unexpectedly"
    lines = []
    if found.unexpected:
        lines.append(f"unexpected failures: {count}, lowest layer first: look at these first "
                     "(no defect is counted as fixed while any remain)")
        lines.extend(unexpected_line(name, found.failures.get(name)) for name in found.unexpected[:UNEXPECTED_SHOWN])
        if count > UNEXPECTED_SHOWN:
            lines.append(f"  ... and {count - UNEXPECTED_SHOWN} more")
    for defect_id in found.present:
        defect = by_id[defect_id]
        lines.append(f"  present    {defect.id}: {defect.function}: {defect.summary}")
    for defect_id in found.passing:
        lines.append(f"  passing    {defect_id}: its tests pass, not counted as fixed while {failing}")
    for defect_id in found.unchecked:
        lines.append(f"  unchecked  {defect_id}: its tests were skipped (see their reasons)")
    passing = ""
    if found.passing:
        passing = f"passing now, not counted as fixed while {failing}: {', '.join(found.passing)}; "
    if found.not_run:
        lines.extend(textwrap.wrap(f"not run    (none of their tests was in this selection) {', '.join(found.not_run)}",
                                   width=100, initial_indent="  ", subsequent_indent=" " * 13,
                                   break_on_hyphens=False))
    unchecked = f"; not checked: {', '.join(found.unchecked)}" if found.unchecked else ""
    not_run = ""
    if found.not_run:
        defects = "1 defect" if len(found.not_run) == 1 else f"{len(found.not_run)} defects"
        not_run = f"; not run in this selection: {defects} (run the whole suite to check them)"
    lines.append(
        f"upstream defects present: {', '.join(found.present) or 'none'}; "
        f"fixed in this tree: {', '.join(found.fixed) or 'none'}; {passing}"
        f"unexpected failures: {count}{unchecked}{not_run}")
    return lines


#: The libraries under test in a seL4_libs tree: the folders whose C the extension is built from.
LIBRARY_FOLDERS = ("libsel4vka", "libsel4vspace", "libsel4utils")


def other_arches(config: pytest.Config | None) -> list[str]:
    """The arches other than the default one that the run's lower layers' and Pythonic layer's tests
    ran on too (the plugin's ``--sel4vspace-arch``); none without a config."""
    return [arch for arch in plugin_arches(config) if arch != SEL4_ARCH] if config is not None else []


def _util_libs(package: Any) -> str:
    """Where a build's libutils came from, for the verdict: nothing for the project's own."""
    return "" if package.BUILT_UTIL_LIBS == "vendor" else f" with util_libs {package.BUILT_UTIL_LIBS}"


def built_from_line(also: list[str] | None = None) -> str:
    """The verdict's first line: the tree, arch and build under test, then the builds of the arches in
    ``also`` (their tree only when it is another one)."""
    line = f"built from: {BUILT_FROM}{_util_libs(lowlevel)} (arch {SEL4_ARCH}, build {BUILD_FLAVOUR})"
    if not also:
        return line
    builds = []
    for arch in also:
        package = _arches.binding(arch).package
        tree = "" if package.BUILT_FROM == BUILT_FROM else f"built from {package.BUILT_FROM}{_util_libs(package)}, "
        builds.append(f"{arch} ({tree}build {package.BUILD_FLAVOUR})")
    return f"{line}; the lower layers' and the Pythonic layer's tests also on {', '.join(builds)}"


def c_files(folders: list[Path], suffixes: tuple[str, ...] = (".c", ".h")) -> list[Path]:
    """The files with one of ``suffixes`` under ``folders`` (a folder that does not exist has none)."""
    return [Path(directory, name) for folder in folders for directory, _, names in os.walk(folder)
            for name in names if name.endswith(suffixes)]


def built_sources(tree: Path, arch: str) -> list[Path]:
    """The C sources of the libraries under test in ``tree`` that the build compiles for ``arch``:
    buildsupport's list, when the source tree this suite runs from has it; else every C source of
    those libraries (a source the build does not compile then counts too)."""
    config = _buildsupport()
    if config is None:
        return c_files([tree / name for name in LIBRARY_FOLDERS], (".c",))
    patterns = config.sel4_libs_sources(config.ARCHES[arch])
    return [path for name, globs in patterns.items() for pattern in globs
            for path in sorted((tree / name).glob(pattern))]


@functools.cache
def _buildsupport() -> Any:
    """buildsupport's config, when the source tree this suite runs from has it (not in an sdist)."""
    root = Path(__file__).resolve().parents[1]
    if not (root / "buildsupport").is_dir():
        return None
    if str(root) not in sys.path:
        sys.path.append(str(root))
    from buildsupport import config

    return config


#: The folders whose next component (a folder or a file's stem) names an arch or arch family.
ARCH_FOLDERS = frozenset(("arch", "arch_include", "sel4_arch", "sel4_arch_include"))


@functools.cache
def _other_arch_names(arch: str) -> frozenset[str]:
    """The names of every arch and arch family but ``arch``'s (none without buildsupport's list)."""
    config = _buildsupport()
    if config is None:
        return frozenset()
    names = {name for known in config.ARCHES.values() for name in (known.name, known.family)} | {"ia32", "aarch32"}
    return frozenset(names - {arch, config.ARCHES[arch].family})


def of_another_arch(path: Path, arch: str) -> bool:
    """Whether ``path`` lies in (or is) another arch's part of a source tree: under an arch folder
    (``arch_include/arm/...``, ``sel4_arch_include/aarch64/...``, ``src/arch/aarch64.c``), a name
    that is not ``arch``'s nor its family's. Without buildsupport's list of arches, nothing is."""
    others = _other_arch_names(arch)
    parts = path.parts
    return any(parts[i] in ARCH_FOLDERS and Path(parts[i + 1]).stem in others for i in range(len(parts) - 1))


def built_headers(tree: Path, arch: str) -> list[Path]:
    """The headers of the libraries under test in ``tree`` that ``arch``'s build may include: all but
    another arch's."""
    return [path for path in c_files([tree / name for name in LIBRARY_FOLDERS], (".h",))
            if not of_another_arch(path.relative_to(tree), arch)]


def newer_sources(module: Path, files: list[Path]) -> list[Path]:
    """Those of ``files`` modified after ``module`` was written, newest first."""
    built = module.stat().st_mtime_ns
    found = []
    for path in files:
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:   # gone meanwhile
            continue
        if mtime > built:
            found.append((mtime, path))
    return [path for _, path in sorted(found, reverse=True)]


def stale_build_warning(built_from: str, module: Path, package: Path, shown: int = 3,
                        arch: str = SEL4_ARCH) -> str | None:
    """A warning when C the extension ``module`` was built from changed after it was: a source or
    header ``arch``'s build reads, of the libraries under test in the seL4_libs tree ``built_from``,
    or, for ``"vendor"``, under vendor/ or csrc/ of the checkout whose src/ holds ``package`` (an
    installed package has no such checkout to compare with). None when nothing is newer, or when it cannot be told: the
    check must never fail a run."""
    checkout = package.parent.parent
    in_place = (checkout / "build_ffi.py").is_file() and package.parent.name == "src"
    try:
        if built_from == "vendor":
            if not in_place:
                return None
            newer = newer_sources(module, [path for path in c_files([checkout / "vendor", checkout / "csrc"])
                                           if not of_another_arch(path.relative_to(checkout), arch)])
            rebuild = f"python build_ffi.py (in {checkout})"
        else:
            tree = Path(built_from)
            # the headers the arch's build may include, and the sources it compiles
            newer = newer_sources(module, [*built_headers(tree, arch), *built_sources(tree, arch)])
            rebuild = (f"SEL4VSPACE_SEL4_LIBS={tree} python build_ffi.py (in {checkout})" if in_place
                       else f"SEL4VSPACE_SEL4_LIBS={tree} pip install . again")
    except OSError:
        return None
    if not newer:
        return None
    names = ", ".join(str(path) for path in newer[:shown])
    more = f" and {len(newer) - shown} more" if len(newer) > shown else ""
    return (f"WARNING: the extension under test ({module.name}) is older than the C it is built from: "
            f"{names}{more} changed since; these results are of the old build: rebuild with {rebuild}")


@functools.cache
def _stale_build_warning(arch: str = SEL4_ARCH) -> str | None:
    """stale_build_warning of ``arch``'s extension, found through its lowlevel package; once a run."""
    package = _arches.binding(arch).package
    return stale_build_warning(package.BUILT_FROM, Path(package._native.__file__),
                               Path(sel4vspace.__file__).resolve().parent, arch=arch)


def _stale_build_warnings(config: pytest.Config | None) -> list[str]:
    """The stale-build warnings of the extensions the run tests: the default arch's, then the others'."""
    found = (_stale_build_warning(arch) for arch in [SEL4_ARCH, *other_arches(config)])
    return [warning for warning in found if warning]


def arches_variable_note(environ: dict[str, str] | os._Environ[str]) -> str | None:
    """A note when the build's variable names arches and the run's arch is not among them: the user
    most likely meant the run's variable (``SEL4VSPACE_ARCHES=aarch64 pytest`` tests x86_64)."""
    named = [name for name in environ.get(_arches.ARCHES_ENV, "").replace(",", " ").split() if name]
    if not named or SEL4_ARCH in named or environ.get(_arches.ENV, "").strip():
        return None
    return (f"note: {_arches.ARCHES_ENV} chooses the arches a build makes, and this run tested {SEL4_ARCH}; "
            f"{_arches.ENV} chooses the run's: {_arches.ENV}={named[0]} python -m pytest")


def pytest_report_header(config: pytest.Config) -> list[str]:
    note = arches_variable_note(os.environ)
    return [*_stale_build_warnings(config), *([note] if note else [])]


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # noqa: ANN001
    if not _outcomes:
        return
    terminalreporter.section("seL4_libs under test")
    terminalreporter.write_line(built_from_line(other_arches(config)))
    note = arches_variable_note(os.environ)
    for line in [*_stale_build_warnings(config), *([note] if note else [])]:
        terminalreporter.write_line(line)
    for line in verdict_lines(verdict(_item_defects, _outcomes, _failures)):
        terminalreporter.write_line(line)
