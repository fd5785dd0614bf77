# SPDX-License-Identifier: BSD-2-Clause
"""ZF_LOG lines reach Python logging with their C location, and the last error is kept."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys

import cffi
from upstream_defects import VENDOR_BUILD

from sel4vspace.lowlevel import SEL4_ARCH, CLogRecord, clear_c_error, ffi, last_c_error, lib
from sel4vspace.lowlevel import _native as native


def test_error_line_keeps_its_c_location_and_level(c_log):
    wrapper = "vspace_reserve_deferred_rights_range_at"
    lib.vspace_reserve_deferred_rights_range_at(ffi.NULL, ffi.NULL, 4096, 1)
    [record] = c_log.records
    assert record.levelno == logging.ERROR
    assert record.pathname.endswith("vspace/vspace.h")
    assert record.funcName == wrapper
    assert record.lineno > 0
    c_log.expect(wrapper, ("ERROR", "vspace is NULL"))


def test_warning_maps_to_logging_warning(c_log):
    wrapper = "vspace_deferred_rights_map_pages_at_vaddr"
    lib.vspace_deferred_rights_map_pages_at_vaddr(
        ffi.new("vspace_t *"), ffi.NULL, ffi.NULL, ffi.NULL, 0, 12, lib.seL4_CapRights_new(0, 0, 1, 1),
        ffi.new("reservation_t *")[0])
    [record] = c_log.records
    assert record.levelno == logging.WARNING
    assert record.funcName == wrapper
    c_log.expect(wrapper, ("WARNING", "num_pages is 0"))


def test_last_error_is_the_last_error_line_of_the_call(c_log):
    clear_c_error()
    assert last_c_error() is None
    lib.vspace_reserve_range_at(ffi.new("vspace_t *"), ffi.NULL, 4096, lib.seL4_CapRights_new(0, 0, 1, 1), 1)
    error = last_c_error()
    assert isinstance(error, CLogRecord)
    assert error.function == "vspace_reserve_range_at"
    assert error.level == lib.SEL4VSPACE_LOG_ERROR
    assert str(error) == f"{error.function}: {error.message}"
    assert "vspace_reserve_range_at" in str(error)
    if VENDOR_BUILD:
        assert error.message == "vspace_reserve_range_at: vspace->reserve_range_at is NULL"
    assert c_log.lines[-1] == ("ERROR", error.message)


def test_warnings_do_not_count_as_the_last_error(c_log):
    clear_c_error()
    lib.vspace_get_cap(ffi.new("vspace_t *"), ffi.NULL)  # warns of the NULL vaddr, then errors
    c_log.expect("vspace_get_cap", ("WARNING", "vaddr is NULL"), ("ERROR", "vspace->get_cap is NULL"))
    assert last_c_error().message == c_log.lines[-1][1]
    clear_c_error()
    lib.vspace_deferred_rights_map_pages_at_vaddr(
        ffi.new("vspace_t *"), ffi.NULL, ffi.NULL, ffi.NULL, 0, 12, lib.seL4_CapRights_new(0, 0, 1, 1),
        ffi.new("reservation_t *")[0])
    assert last_c_error() is None


def test_trailing_newlines_are_dropped(c_log):
    if VENDOR_BUILD:
        # vendor/ writes no line ending in a newline: hand the bridge one through zf_log's own writer
        writer_ffi = cffi.FFI()
        writer_ffi.cdef("void _zf_log_write_d(const char *, const char *, unsigned, int, const char *, "
                        "const char *, ...);")
        bridge = writer_ffi.dlopen(native.__file__)
        bridge._zf_log_write_d(b"vspace_unmap_pages", b"vspace.c", 1, lib.SEL4VSPACE_LOG_ERROR, writer_ffi.NULL,
                               b"%s", writer_ffi.new("char[]", b"a line meant for a console\n\n"))
        assert c_log.lines == [("ERROR", "a line meant for a console")]
    else:
        # upstream's "not implemented" line of vspace_unmap_pages ends in "\n"
        lib.vspace_unmap_pages(ffi.new("vspace_t *"), ffi.cast("void *", 0x1000), 1, 12, ffi.NULL)
        [(level, message)] = c_log.lines
        assert level == "ERROR" and message == message.rstrip("\n") and message


def test_nothing_reaches_the_logger_when_it_is_disabled(caplog):
    caplog.set_level(logging.CRITICAL, logger="sel4vspace.c")
    lib.vspace_reserve_deferred_rights_range_at(ffi.NULL, ffi.NULL, 4096, 1)
    assert [r for r in caplog.records if r.name == "sel4vspace.c"] == []
    error = last_c_error()
    assert error.level == lib.SEL4VSPACE_LOG_ERROR and "vspace_reserve_deferred_rights_range_at" in str(error)


def test_a_fatal_line_ends_the_process_and_says_why_on_stderr():
    """zf_log's fatal level never returns (util_libs' macro marks what follows unreachable), so the
    bridge ends the process after writing the line to stderr."""
    code = (
        "import cffi\n"
        "from sel4vspace.lowlevel import _native\n"
        "f = cffi.FFI()\n"
        "f.cdef('void _zf_log_write_d(const char *, const char *, unsigned, int, const char *, const char *, ...);')\n"
        "b = f.dlopen(_native.__file__)\n"
        "b._zf_log_write_d(b'vka_utspace_free', b'vka.h', 7, 0xFFFF, f.NULL, b'%s', f.new('char[]', b'no utspace_free'))\n"
        "print('returned')\n"
    )
    # the child loads the extension of the arch this test runs on
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, SEL4VSPACE_ARCH=SEL4_ARCH))
    assert result.returncode == -signal.SIGABRT
    assert "returned" not in result.stdout
    assert "sel4vspace: fatal: vka_utspace_free (vka.h:7): no utspace_free" in result.stderr
