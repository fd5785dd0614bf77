# SPDX-License-Identifier: BSD-2-Clause
"""The scenario runner on the simulated kernel: every operation keyword does what its API method
does, every expectation holds or fails with the step, what was expected and what happened."""

from __future__ import annotations

import io
import textwrap

import pytest

from sel4vspace import ARCHES, _arches
from sel4vspace.rights import CapRights
from sel4vspace.tooling.addrmap import render_table
from sel4vspace.tooling.runner import Runner, RunResult
from sel4vspace.tooling.scenario import parse_scenario

HEADER = """\
[scenario]
untyped_bits = 24
vspaces = ["a", "b"]

[[frame]]
name = "buf"
count = 4

[[cap]]
name = "buf_ro"
of = "buf"
rights = "r"
"""

RESERVE_AND_MAP = """
[[step]]
op = "reserve_range_at"
vspace = "a"
vaddr = "0x10000000"
size = "16K"
rights = "rw"
name = "res"

[[step]]
op = "map_pages_at_vaddr"
vspace = "a"
caps = "buf"
vaddr = "res"
reservation = "res"

[[step]]
op = "reserve_deferred_rights_range_at"
vspace = "b"
vaddr = "0x20000000"
size = "16K"
name = "window"

[[step]]
op = "deferred_rights_map_pages_at_vaddr"
vspace = "b"
caps = "buf_ro[0:2]"
vaddr = "window"
rights = "rw"
reservation = "window"
"""


_RUNNERS: list[Runner] = []


@pytest.fixture(autouse=True)
def close_runners():
    """Each test's kernels are released when it ends, not by the garbage collector mid-way through
    a later test (see Runner.close)."""
    yield
    while _RUNNERS:
        _RUNNERS.pop().close()


def play(steps: str, header: str = HEADER) -> tuple[Runner, RunResult, str]:
    scenario = parse_scenario(header + textwrap.dedent(steps), "t.toml")
    out = io.StringIO()
    runner = Runner(scenario, out)
    _RUNNERS.append(runner)
    result = runner.run()
    return runner, result, out.getvalue()


def passes(steps: str, header: str = HEADER) -> tuple[Runner, str]:
    runner, result, output = play(steps, header)
    assert result.ok, f"{result.failure}\n{output}"
    return runner, output


def fails(steps: str, step: int, expected: str, actual: str, header: str = HEADER) -> Runner:
    runner, result, output = play(steps, header)
    assert result.failure is not None, output
    failure = result.failure
    assert failure.step.number == step, str(failure)
    assert expected in failure.expected, str(failure)
    assert actual in failure.actual, str(failure)
    assert result.steps_run == step, "the run stops at the failing step"
    assert f"{step:>3} " in output and "FAILED" in output.splitlines()[-1]
    return runner


def mapping(runner: Runner, vspace: str, vaddr: int):
    return runner.vspaces[vspace].lookup(vaddr)


# ---------------------------------------------------------------- every operation keyword

def test_declarations_allocate_frames_and_copies():
    runner, output = passes(RESERVE_AND_MAP)
    assert len(runner.caps["buf"]) == 4 and len(runner.caps["buf_ro"]) == 4
    assert len(set(runner.caps["buf"]) | set(runner.caps["buf_ro"])) == 8, "every copy is a cap of its own"
    assert runner.cap_names[runner.caps["buf_ro"][3]] == "buf_ro[3]"
    assert "frames: buf[0..3], 4 x 4 KiB" in output
    assert "caps: buf_ro = copies of buf with rights r" in output


def test_reserve_and_map_operations():
    runner, output = passes(RESERVE_AND_MAP)
    res = runner.reservations["res"][1]
    assert (res.start, res.end, res.rights, res.rights_deferred) == (0x10000000, 0x10004000, CapRights.RW, False)
    window = runner.reservations["window"][1]
    assert window.rights_deferred and (window.start, window.end) == (0x20000000, 0x20004000)
    for i in range(4):
        page = mapping(runner, "a", 0x10000000 + i * 4096)
        assert page.cap == runner.caps["buf"][i] and page.rights == CapRights.RW
    shared = mapping(runner, "b", 0x20001000)
    assert shared.cap == runner.caps["buf_ro"][1]
    assert shared.rights == CapRights.READ, "the read-only cap masks the rw mapping"
    assert shared.paddr == mapping(runner, "a", 0x10001000).paddr
    assert mapping(runner, "b", 0x20002000) is None
    assert "  4 deferred_rights_map_pages_at_vaddr: b buf_ro[0..1] at [0x20000000, 0x20002000) 8 KiB rights rw in window" \
        in output


def test_reserve_range_aligned_and_name_as_address():
    runner, output = passes("""
        [[step]]
        op = "reserve_range_aligned"
        vspace = "a"
        size = "8K"
        size_bits = 21
        rights = "r"
        cacheable = false
        name = "aligned"

        [[step]]
        op = "map_pages_at_vaddr"
        vspace = "a"
        caps = "buf[2:]"
        vaddr = "aligned"
        reservation = "aligned"

        [[step]]
        op = "expect_reservation"
        reservation = "aligned"
        size = "8K"
        rights = "r"
        deferred = false
        cacheable = false
    """)
    res = runner.reservations["aligned"][1]
    assert res.start % (1 << 21) == 0 and res.size == 8192 and res.cacheable is False
    assert mapping(runner, "a", res.start + 4096).cap == runner.caps["buf"][3]


def test_new_pages_map_pages_and_their_names():
    runner, output = passes("""
        [[step]]
        op = "new_pages"
        vspace = "a"
        num_pages = 2
        rights = "rw"
        name = "heap"

        [[step]]
        op = "write"
        vspace = "a"
        vaddr = "heap + 4K"
        data = "on the heap"

        [[step]]
        op = "map_pages"
        vspace = "b"
        caps = ["buf[0]", "buf[1]"]
        rights = "r"
        name = "view"

        [[step]]
        op = "expect_mapping"
        vspace = "b"
        vaddr = "view + 4K"
        rights = "r"
        cap = "buf[1]"
        size_bits = 12
    """)
    heap = runner.addresses["heap"]
    heap_caps = [runner.vspaces["a"].get_cap(heap + i * 4096) for i in range(2)]
    assert [runner.cap_names[cap] for cap in heap_caps] == ["heap[0]", "heap[1]"], "named after the step"
    assert runner.vspaces["a"].read(heap + 4096, 11) == b"on the heap"
    assert mapping(runner, "a", heap).rights == CapRights.RW
    view = runner.addresses["view"]
    assert mapping(runner, "b", view).cap == runner.caps["buf"][0]
    assert f"-> heap" in output and f"-> view" in output


def test_new_pages_at_vaddr():
    runner, _ = passes("""
        [[step]]
        op = "reserve_range_at"
        vspace = "a"
        vaddr = "0x30000000"
        size = "8K"
        rights = "rw"
        name = "r"

        [[step]]
        op = "new_pages_at_vaddr"
        vspace = "a"
        vaddr = "r + 4K"
        num_pages = 1
        reservation = "r"

        [[step]]
        op = "write"
        vspace = "a"
        vaddr = "0x30001ff0"
        hex = "ca fe"
    """)
    assert mapping(runner, "a", 0x30001000).rights == CapRights.RW
    assert mapping(runner, "a", 0x30000000) is None
    assert runner.vspaces["a"].read(0x30001ff0, 2) == b"\xca\xfe"


def test_unmap_pages_free_reservation_and_by_vaddr():
    runner, output = passes(RESERVE_AND_MAP + """
        [[step]]
        op = "unmap_pages"
        vspace = "a"
        vaddr = "res"
        num_pages = 4

        [[step]]
        op = "free_reservation"
        reservation = "res"

        [[step]]
        op = "unmap_pages"
        vspace = "b"
        vaddr = "window"
        num_pages = 2

        [[step]]
        op = "free_reservation_by_vaddr"
        vspace = "b"
        vaddr = "window + 4K"

        [[step]]
        op = "reserve_range_at"
        vspace = "a"
        vaddr = "0x10000000"
        size = "16K"
        rights = "r"
        name = "again"
    """)
    assert mapping(runner, "a", 0x10000000) is None and mapping(runner, "b", 0x20000000) is None
    assert runner.vspaces["b"].reservations() == []
    assert [(r.start, r.rights) for r in runner.vspaces["a"].reservations()] == [(0x10000000, CapRights.READ)]


def test_unmap_pages_with_free_gives_the_frames_back():
    runner, _ = passes("""
        [[step]]
        op = "new_pages"
        vspace = "a"
        num_pages = 2
        rights = "rw"
        name = "heap"

        [[step]]
        op = "unmap_pages"
        vspace = "a"
        vaddr = "heap"
        num_pages = 2
        free = true
    """)
    assert mapping(runner, "a", runner.addresses["heap"]) is None


def test_share_mem_at_vaddr():
    runner, _ = passes("""
        [[step]]
        op = "new_pages"
        vspace = "a"
        num_pages = 1
        rights = "rw"
        name = "src"

        [[step]]
        op = "write"
        vspace = "a"
        vaddr = "src"
        data = "shared"

        [[step]]
        op = "reserve_range_at"
        vspace = "b"
        vaddr = "0x50000000"
        size = "4K"
        rights = "r"
        name = "dst"

        [[step]]
        op = "share_mem_at_vaddr"
        vspace = "a"
        to = "b"
        start = "src"
        num_pages = 1
        vaddr = "dst"
        reservation = "dst"
    """)
    assert runner.vspaces["b"].read(0x50000000, 6) == b"shared"
    assert mapping(runner, "b", 0x50000000).rights == CapRights.READ
    assert mapping(runner, "b", 0x50000000).paddr == mapping(runner, "a", runner.addresses["src"]).paddr


def test_get_cap_get_cookie_lookup_read_report_what_they_see():
    runner, output = passes(RESERVE_AND_MAP + """
        [[step]]
        op = "get_cap"
        vspace = "a"
        vaddr = "res + 4K"

        [[step]]
        op = "get_cap"
        vspace = "a"
        vaddr = "0x70000000"

        [[step]]
        op = "get_cookie"
        vspace = "a"
        vaddr = "res"

        [[step]]
        op = "lookup"
        vspace = "b"
        vaddr = "window + 0x1234"

        [[step]]
        op = "lookup"
        vspace = "b"
        vaddr = "window + 8K"

        [[step]]
        op = "write"
        vspace = "a"
        vaddr = "res + 4K"
        data = "AB"

        [[step]]
        op = "read"
        vspace = "b"
        vaddr = "window + 4K"
        size = 3
    """)
    lines = output.splitlines()
    assert "  5 get_cap: a 0x10001000: buf[1]" in lines
    assert "  6 get_cap: a 0x70000000: no cap" in lines
    assert any(line.startswith("  7 get_cookie: a 0x10000000: cookie 0x") for line in lines)
    assert any(line.startswith("  8 lookup: b 0x20001234: page 0x20001000 (4 KiB) rights r frame buf_ro[1] paddr 0x")
               for line in lines)
    assert "  9 lookup: b 0x20002000: not mapped" in lines
    assert " 11 read: b 0x20001000 -> 41 42 00 |AB.|" in lines


def test_alloc_frames_copy_cap_delete_cap_steps():
    runner, output = passes("""
        [[step]]
        op = "alloc_frames"
        name = "more"
        count = 2

        [[step]]
        op = "copy_cap"
        name = "more_r"
        of = "more[1]"
        rights = "r"

        [[step]]
        op = "map_pages"
        vspace = "a"
        caps = "more_r"
        rights = "rw"
        name = "m"

        [[step]]
        op = "expect_rights"
        vspace = "a"
        vaddr = "m"
        rights = "r"

        [[step]]
        op = "delete_cap"
        cap = "more_r"

        [[step]]
        op = "expect_mapping"
        vspace = "a"
        vaddr = "m"
        mapped = false
    """)
    assert len(runner.caps["more"]) == 2 and len(runner.caps["more_r"]) == 1
    assert "  5 delete_cap: more_r[0]" in output


def test_tear_down_and_all_memory_back():
    runner, output = passes(RESERVE_AND_MAP + """
        [[step]]
        op = "new_pages"
        vspace = "a"
        num_pages = 3
        rights = "rw"

        [[step]]
        op = "tear_down"
        vspace = "a"

        [[step]]
        op = "tear_down"
        vspace = "b"

        [[step]]
        op = "delete_cap"
        cap = ["buf_ro", "buf"]

        [[step]]
        op = "expect_untyped_free"
    """)
    assert runner.torn_down == {"a", "b"}
    assert runner.kernel.untyped_free_bytes == runner.initial_untyped_free
    snapshot = runner.snapshot()
    assert all(v.torn_down for v in snapshot.vspaces)


# ---------------------------------------------------------------- every expectation, both ways

def test_expect_fault_holds_and_fails():
    passes(RESERVE_AND_MAP + """
        [[step]]
        op = "expect_fault"
        vspace = "b"
        vaddr = "window"
        access = "write"
        reason = "permission"

        [[step]]
        op = "expect_fault"
        vspace = "b"
        vaddr = "window + 8K"
        access = "read"
        reason = "unmapped"

        [[step]]
        op = "expect_fault"
        vspace = "a"
        vaddr = "0x90000000"
        access = "write"
    """)
    fails(RESERVE_AND_MAP + '\n[[step]]\nop = "expect_fault"\nvspace = "b"\nvaddr = "window"\naccess = "read"\n',
          5, "a read fault at 0x20000000", "the read returned 00")
    fails(RESERVE_AND_MAP + '\n[[step]]\nop = "expect_fault"\nvspace = "a"\nvaddr = "res"\naccess = "write"\n',
          5, "a write fault at 0x10000000", "the write succeeded")
    fails(RESERVE_AND_MAP + '\n[[step]]\nop = "expect_fault"\nvspace = "b"\nvaddr = "window"\naccess = "write"\n'
          'reason = "unmapped"\n', 5, "a write fault at 0x20000000 (unmapped)", "got VMFault: write fault at "
          "0x20000000: permission")


def test_expect_error_holds_and_fails():
    into_deferred = """
        [[step]]
        op = "expect_error"
        call = "map_pages_at_vaddr"
        vspace = "b"
        caps = "buf_ro[3]"
        vaddr = "window + 12K"
        reservation = "window"
    """
    runner, output = passes(RESERVE_AND_MAP + into_deferred
                            + into_deferred.replace('call =', 'error = "VSpaceError"\ncall ='))
    assert "failed as expected: VSpaceError: vspace_map_pages_at_vaddr" in output
    assert mapping(runner, "b", 0x20003000) is None
    fails(RESERVE_AND_MAP + into_deferred.replace('call =', 'error = "KernelError"\ncall ='), 5,
          "a KernelError", "got VSpaceError")
    fails(RESERVE_AND_MAP + into_deferred.replace('call =', 'error = "seL4_DeleteFirst"\ncall ='), 5,
          "a KernelError seL4_DeleteFirst", "got VSpaceError")
    fails(RESERVE_AND_MAP + into_deferred.replace('call =', 'message = "no such words"\ncall ='), 5,
          "an error mentioning 'no such words'", "got VSpaceError")
    fails(RESERVE_AND_MAP + """
        [[step]]
        op = "expect_error"
        call = "write"
        error = "VMFault"
        vspace = "a"
        vaddr = "res"
        data = "fine"
    """, 5, "a VMFault", "it succeeded")


def test_expect_error_matches_kernel_errors_by_name():
    too_much = """
        [[step]]
        op = "expect_error"
        call = "alloc_frames"
        name = "huge"
        count = 9
        size_bits = 21
    """
    runner, output = passes(too_much.replace('call =', 'error = "KernelError"\ncall =')
                            + too_much.replace('call =', 'error = "seL4_NotEnoughMemory"\ncall ='))
    assert "huge" not in runner.caps, "a step that must fail defines nothing"
    fails(too_much.replace('call =', 'error = "seL4_InvalidArgument"\ncall ='), 1,
          "a KernelError seL4_InvalidArgument", "got KernelError: sel4vspace_host_alloc_frame: seL4_NotEnoughMemory")


def test_expect_error_of_stale_objects():
    passes(RESERVE_AND_MAP + """
        [[step]]
        op = "delete_cap"
        cap = "buf_ro[3]"

        [[step]]
        op = "expect_error"
        call = "delete_cap"
        error = "StaleObjectError"
        cap = "buf_ro[3]"

        [[step]]
        op = "reserve_range_at"
        vspace = "a"
        vaddr = "0x40000000"
        size = "4K"
        rights = "rw"
        name = "gone"

        [[step]]
        op = "free_reservation"
        reservation = "gone"

        [[step]]
        op = "expect_error"
        call = "map_pages_at_vaddr"
        error = "Sel4VSpaceError"
        message = "freed"
        vspace = "a"
        caps = "buf_ro[2]"
        vaddr = 0x40000000
        reservation = "gone"
    """)


def test_expect_error_catches_python_argument_errors():
    # Frames from alloc_frames stay the caller's: unmap_pages(free=true) refuses them in Python.
    runner, output = passes(RESERVE_AND_MAP + """
        [[step]]
        op = "expect_error"
        call = "unmap_pages"
        error = "ValueError"
        message = "stays the caller's"
        vspace = "a"
        vaddr = "res"
        num_pages = 1
        free = true
    """)
    assert mapping(runner, "a", 0x10000000) is not None


def test_expect_read_holds_and_fails():
    steps = RESERVE_AND_MAP + '\n[[step]]\nop = "write"\nvspace = "a"\nvaddr = "res + 0x20"\ndata = "bytes"\n'
    passes(steps + '\n[[step]]\nop = "expect_read"\nvspace = "b"\nvaddr = "window + 0x20"\ndata = "bytes"\n')
    passes(steps + '\n[[step]]\nop = "expect_read"\nvspace = "b"\nvaddr = "window + 0x20"\nhex = "62 79"\n')
    fails(steps + '\n[[step]]\nop = "expect_read"\nvspace = "b"\nvaddr = "window + 0x20"\ndata = "bytez"\n',
          6, "62 79 74 65 7a |bytez| at 0x20000020", "read 62 79 74 65 73 |bytes|")
    fails(steps + '\n[[step]]\nop = "expect_read"\nvspace = "b"\nvaddr = "window + 8K"\ndata = "x"\n',
          6, "at 0x20002000", "the read faulted: read fault at 0x20002000: unmapped")


def test_expect_mapping_holds_and_fails():
    steps = RESERVE_AND_MAP + '\n[[step]]\nop = "expect_mapping"\nvspace = "b"\nvaddr = "window + 4K"\n'
    passes(steps + 'rights = "r"\nsize_bits = 12\ncap = "buf_ro[1]"\n')
    passes(RESERVE_AND_MAP + '\n[[step]]\nop = "expect_mapping"\nvspace = "b"\nvaddr = "window + 8K"\nmapped = false\n')
    fails(steps + 'rights = "rw"\n', 5, "a mapping at 0x20001000 with rights rw", "found page 0x20001000 (4 KiB) rights r")
    fails(steps + 'cap = "buf[1]"\n', 5, "with frame buf[1]", "frame buf_ro[1]")
    fails(steps + 'size_bits = 21\n', 5, "with a 2 MiB page", "(4 KiB)")
    fails(RESERVE_AND_MAP + '\n[[step]]\nop = "expect_mapping"\nvspace = "b"\nvaddr = "window + 8K"\n',
          5, "a mapping at 0x20002000", "nothing is mapped there")
    fails(RESERVE_AND_MAP + '\n[[step]]\nop = "expect_mapping"\nvspace = "b"\nvaddr = "window"\nmapped = false\n',
          5, "no mapping at 0x20000000", "found page 0x20000000")


def test_expect_rights_holds_and_fails():
    steps = RESERVE_AND_MAP + '\n[[step]]\nop = "expect_rights"\nvspace = "a"\nvaddr = "res + 12K"\n'
    passes(steps + 'rights = "rw"\n')
    fails(steps + 'rights = "r"\n', 5, "rights r at 0x10003000", "the mapping has rights rw")
    fails(RESERVE_AND_MAP + '\n[[step]]\nop = "expect_rights"\nvspace = "b"\nvaddr = "window + 12K"\nrights = "r"\n',
          5, "rights r at 0x20003000", "nothing is mapped there")


def test_expect_reservation_holds_and_fails():
    steps = RESERVE_AND_MAP + '\n[[step]]\nop = "expect_reservation"\nreservation = "window"\n'
    passes(steps + 'start = "0x20000000"\nend = "0x20004000"\nsize = "16K"\nrights = "deferred"\ndeferred = true\n'
           'cacheable = true\n')
    fails(steps + 'size = "8K"\n', 5, "window with size 8 KiB", "window is [0x20000000, 0x20004000) 16 KiB, rights deferred")
    fails(steps + 'deferred = false\n', 5, "window with fixed rights", "rights deferred")
    fails(steps + 'rights = "rw"\n', 5, "window with rights rw", "rights deferred")
    fails(RESERVE_AND_MAP + '\n[[step]]\nop = "expect_reservation"\nreservation = "res"\nrights = "deferred"\n',
          5, "res with rights deferred", "rights rw")
    fails(RESERVE_AND_MAP + '\n[[step]]\nop = "expect_reservation"\nreservation = "res"\nstart = "0x10001000"\n',
          5, "res with start 0x10001000", "res is [0x10000000, 0x10004000)")


def test_expect_untyped_free_holds_and_fails():
    # "initial" is the kernel's free memory before the scenario allocated anything, so it fails
    # while the declared frames are held...
    runner = fails('\n[[step]]\nop = "expect_untyped_free"\nbytes = "initial"\n', 1,
                   "all untyped memory free again", "missing")
    # ...and an exact count holds when it is right
    free = runner.kernel.untyped_free_bytes
    assert free < runner.initial_untyped_free
    passes(f'\n[[step]]\nop = "expect_untyped_free"\nbytes = {free}\n')
    fails(f'\n[[step]]\nop = "expect_untyped_free"\nbytes = {free + 4096}\n', 1,
          f"{free + 4096} bytes of untyped free", "(4096 missing)")
    fails(f'\n[[step]]\nop = "expect_untyped_free"\nbytes = {free - 4096}\n', 1,
          f"{free - 4096} bytes of untyped free", "(4096 extra)")


def test_an_operation_that_fails_unexpectedly_stops_the_run():
    runner = fails(RESERVE_AND_MAP + """
        [[step]]
        op = "map_pages_at_vaddr"
        vspace = "b"
        caps = "buf_ro[3]"
        vaddr = "window + 12K"
        reservation = "window"

        [[step]]
        op = "tear_down"
        vspace = "b"
    """, 5, "it to succeed", "it failed: VSpaceError: vspace_map_pages_at_vaddr")
    assert "b" not in runner.torn_down


def test_run_until_a_step_then_continue():
    scenario = parse_scenario(HEADER + RESERVE_AND_MAP, "t.toml")
    runner = Runner(scenario)
    _RUNNERS.append(runner)
    assert runner.run(until=2).steps_run == 2
    assert runner.vspaces["b"].reservations() == []
    snapshot = runner.snapshot("after 2")
    assert [len(v.mappings) for v in snapshot.vspaces] == [4, 0]
    assert snapshot.vspaces[0].reservations[0].name == "res"
    assert {m.frame for m in snapshot.vspaces[0].mappings} == {f"buf[{i}]" for i in range(4)}
    assert runner.run().steps_run == 4
    snapshot = runner.snapshot()
    (window,) = snapshot.vspaces[1].reservations
    assert window.name == "window" and window.rights_label == "deferred"
    assert {m.frame for m in snapshot.vspaces[1].mappings} == {"buf_ro[0]", "buf_ro[1]"}
    assert all(m.rights == CapRights.READ for m in snapshot.vspaces[1].mappings)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_long_run_shows_progress_on_a_terminal_only():
    steps = "".join(f'\n[[step]]\nop = "write"\nvspace = "a"\nvaddr = "res + {i % 4096}"\nhex = "{i % 256:02x}"\n'
                    for i in range(2100))
    scenario = parse_scenario(HEADER + RESERVE_AND_MAP + steps, "t.toml")
    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        with Runner(scenario, None, stream) as runner:
            assert runner.run().ok
    assert "\rstep 2104/2104 (100%)" in terminal.getvalue() and terminal.getvalue().endswith("\r\x1b[K")
    assert pipe.getvalue() == ""


def test_a_declaration_the_kernel_refuses_fails_the_run_before_any_step():
    runner, result, output = play(RESERVE_AND_MAP, HEADER.replace("count = 4", "count = 4\nsize_bits = 21")
                                  .replace("untyped_bits = 24", "untyped_bits = 22"))
    assert result.steps_run == 0 and result.failure is not None and result.failure.step is None
    assert str(result.failure).startswith("[[frame]] buf: expected the declarations to be set up; it failed: "
                                          "KernelError: sel4vspace_host_alloc_frame: seL4_NotEnoughMemory")


def test_close_releases_the_kernel():
    runner, _ = passes(RESERVE_AND_MAP)
    runner.close()
    assert runner.kernel.closed
    runner.close()  # idempotent


# ---------------------------------------------------------------- the arch

UNCACHED = """
[[step]]
op = "reserve_range_at"
vspace = "a"
vaddr = "0x30000000"
size = "4K"
rights = "rw"
cacheable = false
name = "device"

[[step]]
op = "map_pages_at_vaddr"
vspace = "a"
caps = "buf_ro[3]"
vaddr = "device"
reservation = "device"

[[step]]
op = "expect_mapping"
vspace = "a"
vaddr = "device"
"""


@pytest.mark.parametrize("arch", ARCHES)
def test_a_scenario_runs_on_the_arch_it_names(arch):
    """Each arch's kernel, whatever the default arch; and its own behaviour shows: RISC-V's entries
    carry no cache attribute, so an uncached reservation maps cacheable there alone."""
    description = _arches.binding(arch).description
    uncached_mappings = description.cache_disabled != description.default_vm_attributes
    header = f'arch = "{arch}"\n\n' + HEADER
    steps = RESERVE_AND_MAP + UNCACHED
    runner, output = passes(steps + f"cacheable = {str(not uncached_mappings).lower()}\n", header)
    assert runner.kernel.arch == arch and runner.kernel.user_top == _arches.USER_TOP[arch]
    assert output.splitlines()[0] == f"kernel: {arch}, 16 MiB of untyped memory, user space below " \
                                     f"{_arches.USER_TOP[arch]:#x}"
    assert output.splitlines()[-1].endswith(", uncached" if uncached_mappings else ", cacheable")
    snapshot = runner.snapshot("end")
    assert (snapshot.arch, snapshot.user_top) == (arch, _arches.USER_TOP[arch])
    assert f"arch {arch}, user space below {_arches.USER_TOP[arch]:#x}" in render_table(snapshot)
    fails(steps + f"cacheable = {str(uncached_mappings).lower()}\n", 7, "a mapping at 0x30000000 with",
          "uncached" if uncached_mappings else "cacheable", header)


def test_a_scenario_naming_no_arch_runs_on_the_default_arch():
    runner, output = passes(RESERVE_AND_MAP)
    assert runner.kernel.arch == _arches.default() == runner.scenario.target_arch()
    assert output.startswith(f"kernel: {runner.kernel.arch}, ")


def test_a_scenario_naming_an_arch_not_installed_fails_naming_arch_and_the_installed_ones(monkeypatch):
    missing = next(arch for arch in reversed(_arches.KNOWN) if arch != _arches.default())
    installed = tuple(arch for arch in _arches.INSTALLED if arch != missing)
    monkeypatch.setattr(_arches, "INSTALLED", installed)
    runner, result, output = play(RESERVE_AND_MAP, f'arch = "{missing}"\n\n' + HEADER)
    assert result.steps_run == 0 and result.failure is not None and result.failure.step is None
    assert str(result.failure) == (f"arch: expected the declarations to be set up; it failed: ValueError: arch must "
                                   f"be one of the installed architectures {', '.join(installed)}, not {missing!r}")
    assert runner.kernel is None and output == ""
