# SPDX-License-Identifier: BSD-2-Clause
"""The demo: a deferred-rights scenario on the simulated kernel, step by step.

A server reserves a window in a client's address space before it knows what the client may do
with it (a deferred-rights reservation). Later it maps frames into the window read-only, while the
same frames are mapped read-write in its own address space. The server writes; the client reads
the bytes and faults when it tries to write. Both address spaces are torn down and every cslot,
object and byte of untyped memory is back.

The scenario runs on any arch sel4vspace builds (``arch``, default: the default arch); its addresses
lie below the smallest user space of them, RISC-V Sv39's 256 GiB.

:func:`run_scenario` does the work and returns what happened as data (the tests assert it step by
step); :func:`run_demo` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

from .errors import VMFault
from .kernel import Kernel
from .rights import CapRights
from .vspace import Mapping

WINDOW = 0x4000_0000        # where the client's window goes
SERVER_BUFFER = 0x1000_0000  # the server's own view of the same frames (both far below every arch's user top)
PAGES = 4
PAGE = 4096
MESSAGE = b"hello from the server, via a deferred-rights window"


@dataclass
class ScenarioReport:
    """What the demo scenario observed, in order."""

    arch: str = ""
    window_start: int = 0
    window_end: int = 0
    window_deferred_before_map: bool = False
    window_rights_before_map: CapRights | None = None
    client_mappings: list[Mapping] = field(default_factory=list)
    server_mappings: list[Mapping] = field(default_factory=list)
    client_read: bytes = b""
    client_write_fault: VMFault | None = None
    server_reads_after_fault: bytes = b""
    baseline: dict[str, object] = field(default_factory=dict)
    after_teardown: dict[str, object] = field(default_factory=dict)
    steps: list[str] = field(default_factory=list)


def _accounts(kernel: Kernel) -> dict[str, object]:
    return {
        "untyped_free_bytes": kernel.untyped_free_bytes,
        "used_slots": kernel.used_slots,
        "object_counts": kernel.object_counts,
    }


def run_scenario(untyped_bits: int = 24, arch: str | None = None) -> ScenarioReport:
    """Run the deferred-rights scenario on a fresh kernel of ``arch`` (None: the default arch);
    return what happened."""
    report = ScenarioReport()
    say = report.steps.append
    with Kernel(untyped_bits=untyped_bits, arch=arch) as kernel:
        report.arch = kernel.arch
        report.baseline = _accounts(kernel)
        say(f"kernel: {kernel.arch} (user space below {kernel.user_top:#x}), {kernel.untyped_free_bytes} bytes of "
            f"untyped memory, {kernel.used_slots} cslots in use")

        server = kernel.new_vspace("server")
        client = kernel.new_vspace("client")
        say(f"created vspaces server (root cap {server.root}) and client (root cap {client.root})")

        window = client.reserve_deferred_rights_range_at(WINDOW, PAGES * PAGE)
        report.window_start, report.window_end = window.start, window.end
        report.window_deferred_before_map = window.rights_deferred
        report.window_rights_before_map = window.rights
        say(f"server reserved {window.start:#x}-{window.end:#x} in client: rights deferred "
            f"({window.rights_deferred}), rights {window.rights}")

        frames = kernel.alloc_frames(PAGES)
        own = server.reserve_range_at(SERVER_BUFFER, PAGES * PAGE, CapRights.RW)
        server.map_pages_at_vaddr(frames, SERVER_BUFFER, own)
        say(f"server mapped frames {frames} read-write at {SERVER_BUFFER:#x} in its own vspace")

        client_caps = [kernel.copy_cap(cap) for cap in frames]
        client.deferred_rights_map_pages_at_vaddr(client_caps, WINDOW, CapRights.READ, window)
        say(f"server mapped copies {client_caps} of the same frames into the window, read-only")

        report.server_mappings = server.mappings()
        report.client_mappings = client.mappings()
        for name, mappings in (("server", report.server_mappings), ("client", report.client_mappings)):
            for m in mappings:
                say(f"  {name}: {m.vaddr:#x} frame cap {m.cap} paddr {m.paddr:#x} rights {m.rights}")

        server.write(SERVER_BUFFER + PAGE - 8, MESSAGE)  # straddles a page boundary on purpose
        say(f"server wrote {len(MESSAGE)} bytes at {SERVER_BUFFER + PAGE - 8:#x}")
        report.client_read = client.read(WINDOW + PAGE - 8, len(MESSAGE))
        say(f"client read at {WINDOW + PAGE - 8:#x}: {report.client_read.decode()!r}")

        try:
            client.write(WINDOW, b"client scribble")
        except VMFault as fault:
            report.client_write_fault = fault
            say(f"client write faulted: {fault}")
        report.server_reads_after_fault = server.read(SERVER_BUFFER, 15)

        client.unmap_pages(WINDOW, PAGES)
        window.free()
        server.unmap_pages(SERVER_BUFFER, PAGES)
        own.free()
        client.tear_down()
        server.tear_down()
        for cap in frames:
            kernel.delete_cap(cap)  # revokes the client's copies with them
        say("unmapped, freed the reservations, tore down both vspaces, deleted the frames")

        report.after_teardown = _accounts(kernel)
        back = report.after_teardown == report.baseline
        say(f"kernel: {kernel.untyped_free_bytes} bytes of untyped memory, {kernel.used_slots} cslots in use: "
            + ("everything came back" if back else "SOMETHING WAS LOST"))
    return report


def run_demo(out: TextIO, arch: str | None = None) -> int:
    """Run the scenario on ``arch`` (None: the default arch) and print what happened; returns the
    process exit status."""
    report = run_scenario(arch=arch)
    for line in report.steps:
        print(line, file=out)
    ok = (report.after_teardown == report.baseline and report.client_read == MESSAGE
          and report.client_write_fault is not None)
    return 0 if ok else 1
