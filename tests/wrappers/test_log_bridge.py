# SPDX-License-Identifier: BSD-2-Clause
"""ZF_LOG lines reach Python logging with their C location, and the last error is kept."""

from __future__ import annotations

import logging

from sel4vspace.lowlevel import CLogRecord, clear_c_error, ffi, last_c_error, lib


def test_error_line_keeps_its_c_location_and_level(c_log):
    lib.vspace_reserve_deferred_rights_range_at(ffi.NULL, ffi.NULL, 4096, 1)
    [record] = c_log.records
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "vspace is NULL"
    assert record.pathname.endswith("vspace/vspace.h")
    assert record.funcName == "vspace_reserve_deferred_rights_range_at"
    assert record.lineno > 0


def test_warning_maps_to_logging_warning(c_log):
    lib.vspace_deferred_rights_map_pages_at_vaddr(
        ffi.new("vspace_t *"), ffi.NULL, ffi.NULL, ffi.NULL, 0, 12, lib.seL4_CapRights_new(0, 0, 1, 1),
        ffi.new("reservation_t *")[0])
    [record] = c_log.records
    assert record.levelno == logging.WARNING
    assert record.funcName == "vspace_deferred_rights_map_pages_at_vaddr"


def test_last_error_is_the_last_error_line_of_the_call(c_log):
    clear_c_error()
    assert last_c_error() is None
    lib.vspace_reserve_range_at(ffi.new("vspace_t *"), ffi.NULL, 4096, lib.seL4_CapRights_new(0, 0, 1, 1), 1)
    error = last_c_error()
    assert isinstance(error, CLogRecord)
    assert error.message == "Not implemented"
    assert error.function == "vspace_reserve_range_at"
    assert error.level == lib.SEL4VSPACE_LOG_ERROR
    assert str(error) == "vspace_reserve_range_at: Not implemented"


def test_warnings_do_not_count_as_the_last_error(c_log):
    clear_c_error()
    lib.vspace_get_cap(ffi.new("vspace_t *"), ffi.NULL)  # warns "null address", then errors
    assert last_c_error().message == "Not implemented"
    clear_c_error()
    lib.vspace_deferred_rights_map_pages_at_vaddr(
        ffi.new("vspace_t *"), ffi.NULL, ffi.NULL, ffi.NULL, 0, 12, lib.seL4_CapRights_new(0, 0, 1, 1),
        ffi.new("reservation_t *")[0])
    assert last_c_error() is None


def test_trailing_newlines_of_upstream_messages_are_dropped(c_log):
    lib.vspace_unmap_pages(ffi.new("vspace_t *"), ffi.cast("void *", 0x1000), 1, 12, ffi.NULL)
    assert c_log.lines == [("ERROR", "Not implemented")]


def test_nothing_reaches_the_logger_when_it_is_disabled(caplog):
    caplog.set_level(logging.CRITICAL, logger="sel4vspace.c")
    lib.vspace_reserve_deferred_rights_range_at(ffi.NULL, ffi.NULL, 4096, 1)
    assert [r for r in caplog.records if r.name == "sel4vspace.c"] == []
    assert last_c_error().message == "vspace is NULL"
