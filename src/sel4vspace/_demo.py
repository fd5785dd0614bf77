# SPDX-License-Identifier: BSD-2-Clause
"""The demo: the deferred-rights wrappers of vspace.h exercised natively, step by step.

Until the simulated kernel and the allocator land, the demo drives the patched wrappers against a
stand-in implementation and shows what each call did.
"""

from __future__ import annotations

import logging
from typing import TextIO

from .lowlevel import CallbackVSpace, ffi, lib


def run_demo(out: TextIO) -> int:
    seen: list[str] = []

    def reserve(vspace, vaddr, size, cacheable):
        seen.append(f"reserve_deferred_rights_range_at(vaddr={int(ffi.cast('uintptr_t', vaddr)):#x}, "
                    f"bytes={size}, cacheable={cacheable})")
        return ffi.new("reservation_t *", {"res": ffi.cast("void *", 0x1)})[0]

    def deferred_map(vspace, caps, cookies, vaddr, num_pages, size_bits, rights, res):
        r = "".join(flag if getattr(lib, f"seL4_CapRights_get_capAllow{name}")(rights) else "-"
                    for flag, name in (("R", "Read"), ("W", "Write"), ("G", "Grant")))
        seen.append(f"deferred_rights_map_pages_at_vaddr(vaddr={int(ffi.cast('uintptr_t', vaddr)):#x}, "
                    f"pages={num_pages}, size_bits={size_bits}, rights={r}, caps={[caps[i] for i in range(num_pages)]})")
        return 0

    refusals: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            refusals.append(f"{record.levelname}: {record.getMessage()} ({record.funcName})")

    handler = Collect()
    c_logger = logging.getLogger("sel4vspace.c")
    c_logger.addHandler(handler)
    try:
        vs = CallbackVSpace(reserve_deferred_rights_range_at=reserve,
                            deferred_rights_map_pages_at_vaddr=deferred_map)
        res = lib.vspace_reserve_deferred_rights_range_at(vs.ptr, ffi.cast("void *", 0x10000000), 4 * 4096, 1)
        caps = ffi.new("seL4_CPtr[]", [40, 41, 42, 43])
        rc = lib.vspace_deferred_rights_map_pages_at_vaddr(
            vs.ptr, caps, ffi.NULL, ffi.cast("void *", 0x10000000), 4, 12, lib.seL4_CapRights_new(0, 0, 1, 0), res)
        lib.vspace_deferred_rights_map_pages_at_vaddr(
            vs.ptr, caps, ffi.NULL, ffi.cast("void *", 0x10000000), 0, 12, lib.seL4_CapRights_new(0, 0, 1, 0), res)
        lib.vspace_reserve_deferred_rights_range_at(ffi.NULL, ffi.NULL, 4096, 1)
        vs.raise_pending()
    finally:
        c_logger.removeHandler(handler)

    print("Dispatched to the implementation:", file=out)
    for line in seen:
        print("  " + line, file=out)
    print(f"  map returned {rc}", file=out)
    print("Refused by the wrappers:", file=out)
    for line in refusals:
        print("  " + line, file=out)
    return 0
