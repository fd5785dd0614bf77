# SPDX-License-Identifier: BSD-2-Clause
"""The scenario format and its checker: every operation keyword reads, every kind of mistake is
reported with the step, the key and the line, before anything runs. Pure Python: nothing here
touches the simulated kernel."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sel4vspace._arches import KNOWN, MAX_UNTYPED_BITS, USER_TOP
from sel4vspace.rights import CapRights
from sel4vspace.tooling import scenario as scenario_module
from sel4vspace.tooling.scenario import (
    OPS,
    AddrExpr,
    CapRef,
    Problem,
    ScenarioError,
    load_scenario,
    parse_scenario,
)

HEADER = """\
[scenario]
description = "test"
vspaces = ["a", "b"]

[[frame]]
name = "buf"
count = 4

[[frame]]
name = "big"
count = 1
size_bits = 21

[[cap]]
name = "buf_ro"
of = "buf"
rights = "r"
"""
HEADER_LINES = HEADER.count("\n")

RESERVE = """
[[step]]
op = "reserve_range_at"
vspace = "a"
vaddr = "0x10000000"
size = "16K"
rights = "rw"
name = "res"
"""


def scenario(steps: str, header: str = HEADER):
    return parse_scenario(header + textwrap.dedent(steps), "t.toml")


def problems(steps: str, header: str = HEADER) -> list[Problem]:
    with pytest.raises(ScenarioError) as caught:
        scenario(steps, header)
    return caught.value.problems


def one_problem(steps: str, header: str = HEADER) -> Problem:
    found = problems(steps, header)
    assert len(found) == 1, [p.format("t.toml") for p in found]
    return found[0]


def line_of(text: str, needle: str, header: str = HEADER) -> int:
    """The line (1-based, in header + text) of the first line of the dedented text containing needle."""
    for number, line in enumerate(textwrap.dedent(text).splitlines(), header.count("\n") + 1):
        if needle in line:
            return number
    raise AssertionError(needle)


# ---------------------------------------------------------------- what reads

EVERY_OP = RESERVE + """
[[step]]
op = "reserve_range_aligned"
vspace = "a"
size = "2M"
size_bits = 21
rights = "r"
cacheable = false
name = "aligned"

[[step]]
op = "reserve_deferred_rights_range_at"
vspace = "b"
vaddr = 0x20000000
size = 16384
name = "window"

[[step]]
op = "map_pages_at_vaddr"
vspace = "a"
caps = "buf[0:2]"
vaddr = "res"
reservation = "res"

[[step]]
op = "deferred_rights_map_pages_at_vaddr"
vspace = "b"
caps = ["buf_ro[0]", "buf_ro[1]"]
vaddr = "window + 0x1000"
rights = "r"
reservation = "window"
size_bits = 12

[[step]]
op = "new_pages"
vspace = "a"
num_pages = 2
rights = "rw"
name = "heap"

[[step]]
op = "new_pages_at_vaddr"
vspace = "a"
vaddr = "res + 8K"
num_pages = 1
reservation = "res"

[[step]]
op = "map_pages"
vspace = "a"
caps = "buf[2:]"
rights = "rw"
name = "anywhere"

[[step]]
op = "share_mem_at_vaddr"
vspace = "a"
to = "b"
start = "heap"
num_pages = 1
vaddr = "window.end - 4K"
reservation = "window"

[[step]]
op = "write"
vspace = "a"
vaddr = "heap"
data = "hi"

[[step]]
op = "read"
vspace = "a"
vaddr = "heap"
size = 2

[[step]]
op = "get_cap"
vspace = "a"
vaddr = "res"

[[step]]
op = "get_cookie"
vspace = "a"
vaddr = "res"

[[step]]
op = "lookup"
vspace = "b"
vaddr = "window"

[[step]]
op = "expect_read"
vspace = "b"
vaddr = "window.end - 4K"
hex = "68 69"

[[step]]
op = "expect_fault"
vspace = "b"
vaddr = "window + 4K"
access = "write"
reason = "permission"

[[step]]
op = "expect_mapping"
vspace = "b"
vaddr = "window + 4K"
rights = "r"
size_bits = 12
cap = "buf_ro[0]"
cacheable = true

[[step]]
op = "expect_rights"
vspace = "a"
vaddr = "res"
rights = "rw"

[[step]]
op = "expect_reservation"
reservation = "window"
start = "0x20000000"
end = "window.end"
size = "16K"
rights = "deferred"
deferred = true
cacheable = true

[[step]]
op = "expect_error"
call = "map_pages_at_vaddr"
error = "VSpaceError"
message = "deferred"
vspace = "b"
caps = "big"
vaddr = "window"
reservation = "window"

[[step]]
op = "unmap_pages"
vspace = "a"
vaddr = "res"
num_pages = 2
free = false

[[step]]
op = "free_reservation_by_vaddr"
vspace = "a"
vaddr = "aligned"

[[step]]
op = "free_reservation"
reservation = "res"

[[step]]
op = "alloc_frames"
name = "more"
count = 2
size_bits = 12

[[step]]
op = "copy_cap"
name = "more_r"
of = "more"
rights = "r"

[[step]]
op = "delete_cap"
cap = ["more_r", "more[1]"]

[[step]]
op = "tear_down"
vspace = "b"

[[step]]
op = "expect_untyped_free"
bytes = 12345
"""


def test_every_operation_keyword_reads():
    parsed = scenario(EVERY_OP)
    assert {step.op for step in parsed.steps} == set(OPS), "EVERY_OP must use every operation"
    by_op = {step.op: step for step in parsed.steps}
    assert parsed.vspaces == ("a", "b")
    assert [(f.name, f.count, f.size_bits) for f in parsed.frames] == [("buf", 4, 12), ("big", 1, 21)]
    assert parsed.caps[0].name == "buf_ro" and parsed.caps[0].rights == CapRights.READ
    assert parsed.untyped_bits == 28

    reserve = by_op["reserve_range_at"].args
    assert reserve["vaddr"] == AddrExpr("0x10000000", 0x10000000)
    assert reserve["size"] == 16384 and reserve["rights"] == CapRights.RW and reserve["cacheable"] is True
    assert by_op["reserve_range_aligned"].args["cacheable"] is False
    assert by_op["reserve_deferred_rights_range_at"].args["vaddr"].constant == 0x20000000

    mapping = by_op["map_pages_at_vaddr"].args
    assert mapping["caps"] == (CapRef("buf", 0, 2, True),)
    assert mapping["size_bits"] == 12, "size_bits defaults to the frames' own size"
    deferred = by_op["deferred_rights_map_pages_at_vaddr"].args
    assert deferred["caps"] == (CapRef("buf_ro", 0), CapRef("buf_ro", 1))
    assert deferred["vaddr"].symbols == ((1, "window", ""),) and deferred["vaddr"].constant == 0x1000
    assert by_op["share_mem_at_vaddr"].args["vaddr"].symbols == ((1, "window", "end"),)
    assert by_op["share_mem_at_vaddr"].args["vaddr"].constant == -4096
    assert by_op["expect_read"].args["hex"] == b"hi"
    assert by_op["write"].args["data"] == b"hi"
    assert by_op["expect_reservation"].args["rights"] == "deferred"

    error = by_op["expect_error"]
    assert error.call == "map_pages_at_vaddr" and error.action == "map_pages_at_vaddr"
    assert error.args["error"] == "VSpaceError" and error.args["message"] == "deferred"
    assert error.args["size_bits"] == 21, "the big frame is 2 MiB"
    assert by_op["delete_cap"].args["cap"] == (CapRef("more_r"), CapRef("more", 1))
    assert by_op["expect_untyped_free"].args["bytes"] == 12345
    assert [s.number for s in parsed.steps] == list(range(1, len(parsed.steps) + 1))


def test_step_lines_point_at_their_tables():
    parsed = scenario(RESERVE)
    assert parsed.steps[0].line == line_of(RESERVE, "[[step]]")


@pytest.mark.parametrize("text, value", [
    ("0x1000", 0x1000), ("4096", 4096), ("4K", 4096), ("4KiB", 4096), ("2M", 2 << 20), ("1G", 1 << 30),
    ("0x1000_0000", 0x10000000), ("0b1_0000_0000_0000", 4096), ("0o20000", 8192), ("08192", 8192),
    (" 0x1000 + 0x1000 ", 0x2000),
    ("1M - 4K", (1 << 20) - 4096), (8192, 8192),
])
def test_numeric_addresses(text, value):
    parsed = scenario(f"""
        [[step]]
        op = "reserve_range_at"
        vspace = "a"
        vaddr = {text!r}
        size = 4096
        rights = "rw"
    """.replace("'", '"') if isinstance(text, str) else f"""
        [[step]]
        op = "reserve_range_at"
        vspace = "a"
        vaddr = {text}
        size = 4096
        rights = "rw"
    """)
    assert parsed.steps[0].args["vaddr"].evaluate(lambda n, a: 0) == value


@pytest.mark.parametrize("op", ["reserve_range_at", "reserve_deferred_rights_range_at"])
def test_a_range_at_an_address_off_a_4k_boundary_is_a_mistake_of_the_file(op):
    rights = 'rights = "rw"' if op == "reserve_range_at" else ""
    with pytest.raises(ScenarioError) as error:
        scenario(f"""
            [[step]]
            op = "{op}"
            vspace = "a"
            vaddr = "0x10000800"
            size = 4096
            {rights}
        """)
    assert [p.message for p in error.value.problems] == [
        "0x10000800 is not 4 KiB aligned, as every address of a range must be"]


def test_address_expression_evaluates_names():
    expr = scenario(RESERVE + """
        [[step]]
        op = "write"
        vspace = "a"
        vaddr = "res.end - 0x10 + 4"
        data = "x"
    """).steps[1].args["vaddr"]
    values = {("res", "end"): 0x10004000}
    assert expr.evaluate(lambda name, attr: values[(name, attr)]) == 0x10004000 - 0x10 + 4
    assert str(expr) == "res.end - 0x10 + 4"


@pytest.mark.parametrize("text, rights", [("rw", CapRights.RW), ("r", CapRights.READ), ("none", CapRights.NONE),
                                          ("----", CapRights.NONE), ("read, write", CapRights.RW),
                                          ("RW", CapRights.RW), ("rwgp", CapRights.ALL)])
def test_rights_forms(text, rights):
    parsed = scenario(RESERVE.replace('rights = "rw"', f'rights = "{text}"'))
    assert parsed.steps[0].args["rights"] == rights


def test_empty_rights_are_refused_pointing_at_none():
    with pytest.raises(ScenarioError, match='key \'rights\': no rights given in \'\'; write "none" for no rights'):
        scenario(RESERVE.replace('rights = "rw"', 'rights = ""'))


def test_caps_forms_and_negative_index():
    parsed = scenario(RESERVE + """
        [[step]]
        op = "map_pages_at_vaddr"
        vspace = "a"
        caps = ["buf[-1]", "buf[:1]"]
        vaddr = "res"
        reservation = "res"
    """)
    refs = parsed.steps[1].args["caps"]
    assert [list(ref.indices(4)) for ref in refs] == [[3], [0]]
    assert [str(ref) for ref in refs] == ["buf[-1]", "buf[:1]"]


def test_find_step_by_label_and_number():
    parsed = scenario(RESERVE.replace('name = "res"', 'name = "res"\nlabel = "reserved"') + RESERVE.replace(
        'name = "res"', 'name = "res2"\nvaddr = "0x20000000"').replace('vaddr = "0x10000000"\n', ""))
    assert parsed.find_step("reserved").number == 1
    assert parsed.find_step("2").number == 2
    with pytest.raises(ValueError, match="did you mean 'reserved'"):
        parsed.find_step("reservd")
    with pytest.raises(ValueError, match="steps 1 to 2"):
        parsed.find_step("3")


def test_examples_are_valid():
    examples = sorted((Path(__file__).parents[2] / "examples").glob("*.toml"))
    assert len(examples) >= 3
    for path in examples:
        parsed = load_scenario(path)
        assert parsed.steps and parsed.description


# ---------------------------------------------------------------- mistakes, one kind at a time

def test_toml_syntax_error_names_the_line():
    text = HEADER + '\n[[step]]\nop = "tear_down"\nvspace = "a\n'
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "t.toml")
    (problem,) = caught.value.problems
    assert problem.where == "TOML syntax"
    assert problem.line == HEADER_LINES + 4
    assert problem.format("t.toml").startswith(f"t.toml:{HEADER_LINES + 4}: TOML syntax: ")


def test_unknown_top_level_key():
    problem = one_problem(RESERVE, "colour = 1\n" + HEADER)
    assert (problem.where, problem.key, problem.line) == ("top level", "colour", 1)


def test_missing_vspaces_reports_the_scenario_table():
    found = problems(RESERVE, HEADER.replace('vspaces = ["a", "b"]\n', ""))
    assert ("[scenario]", "vspaces") in [(p.where, p.key) for p in found]
    assert ("step 1 (reserve_range_at)", "vspace") in [(p.where, p.key) for p in found]


@pytest.mark.parametrize("value, message", [("[]", "non-empty list"), ('"a"', "non-empty list"),
                                            ('["a", "1st"]', "expected a name")])
def test_bad_vspaces_list(value, message):
    problem = problems(RESERVE, HEADER.replace('["a", "b"]', value))[0]
    assert (problem.where, problem.key, problem.line) == ("[scenario]", "vspaces", 3)
    assert message in problem.message


def test_unknown_scenario_key_suggests():
    problem = one_problem(RESERVE, HEADER.replace('description = "test"', 'descripton = "test"'))
    assert (problem.where, problem.key, problem.line) == ("[scenario]", "descripton", 2)
    assert "did you mean 'description'" in problem.message


def test_untyped_bits_out_of_range():
    problem = one_problem(RESERVE, HEADER.replace('[scenario]\n', '[scenario]\nuntyped_bits = 64\n'))
    assert (problem.key, problem.line) == ("untyped_bits", 2)


def test_frame_mistakes():
    found = problems(RESERVE, HEADER.replace("count = 4", "count = 0").replace(
        'name = "big"\n', 'name = "big"\ncolor = 1\n'))
    assert [(p.where, p.key) for p in found] == [("[[frame]] 1", "count"), ("[[frame]] 2", "color")]
    assert found[0].line == HEADER.splitlines().index("count = 4") + 1


def test_frame_without_name():
    found = problems(RESERVE, HEADER.replace('name = "big"\n', ""))
    assert [(p.where, p.key, p.message) for p in found] == [("[[frame]] 2", "name", "missing")]


def test_cap_copy_of_unknown_group():
    problem = one_problem(RESERVE, HEADER.replace('of = "buf"', 'of = "bfu"'))
    assert (problem.where, problem.key) == ("[[cap]] 1", "of")
    assert "did you mean 'buf'" in problem.message
    assert problem.line == HEADER.splitlines().index('of = "buf"') + 1


def test_cap_copy_bad_rights():
    problem = one_problem(RESERVE, HEADER.replace('rights = "r"', 'rights = "rx"'))
    assert (problem.where, problem.key) == ("[[cap]] 1", "rights")


def test_no_steps():
    problem = one_problem("", HEADER)
    assert (problem.where, problem.key) == ("top level", "step")


def test_step_without_op():
    text = '\n[[step]]\nvspace = "a"\n'
    problem = one_problem(text)
    assert (problem.where, problem.key, problem.line) == ("step 1", "op", HEADER_LINES + 2)


def test_unknown_op_suggests():
    text = RESERVE.replace('op = "reserve_range_at"', 'op = "reserve_range"')
    problem = one_problem(text)
    assert (problem.where, problem.key, problem.line) == ("step 1", "op", line_of(text, "op ="))
    assert "did you mean 'reserve_range_at'" in problem.message


def test_missing_required_key():
    text = RESERVE.replace('size = "16K"\n', "")
    problem = one_problem(text)
    assert (problem.where, problem.key, problem.message) == ("step 1 (reserve_range_at)", "size", "missing")
    assert problem.line == line_of(text, "[[step]]")


def test_unknown_step_key_suggests():
    text = RESERVE.replace('rights = "rw"', 'rihgts = "rw"\nrights = "rw"')
    problem = one_problem(text)
    assert (problem.key, problem.line) == ("rihgts", line_of(text, "rihgts"))
    assert "did you mean 'rights'" in problem.message


@pytest.mark.parametrize("key, old, new, message", [
    ("vaddr", '"0x10000000"', '"0x1000 +"', "expected a number or a name at the end"),
    ("vaddr", '"0x10000000"', '[1]', "expected an address"),
    ("vaddr", '"0x10000000"', '"0x1 ** 2"', "expected + or -"),
    ("vaddr", '"0x10000000"', '"0x1_0000_0000_0000_0000"', "outside 0 .. 2**64-1"),
    ("size", '"16K"', '"16Q"', "expected a size in bytes"),
    ("size", '"16K"', "-1", "between"),
    ("size", '"16K"', "true", "got a boolean"),
    ("rights", '"rw"', '"rwx"', "unknown right"),
    ("rights", '"rw"', "3", "expected rights as a string"),
    ("name", '"res"', '"my res"', "expected a name"),
])
def test_bad_values(key, old, new, message):
    text = RESERVE.replace(f"{key} = {old}", f"{key} = {new}")
    problem = one_problem(text)
    assert (problem.where, problem.key, problem.line) == ("step 1 (reserve_range_at)", key, line_of(text, f"{key} ="))
    assert message in problem.message


@pytest.mark.parametrize("step, key, message", [
    ('op = "unmap_pages"\nvspace = "a"\nvaddr = 0\nnum_pages = 1\nfree = "yes"', "free", "true or false"),
    ('op = "unmap_pages"\nvspace = "a"\nvaddr = 0\nnum_pages = -1', "num_pages", "between"),
    ('op = "unmap_pages"\nvspace = "a"\nvaddr = 0\nnum_pages = 1\nsize_bits = 64', "size_bits", "between"),
    ('op = "write"\nvspace = "a"\nvaddr = 0\nhex = "abc"', "hex", "even number of hex digits"),
    ('op = "write"\nvspace = "a"\nvaddr = 0\nhex = ""', "hex", "at least one byte"),
    ('op = "write"\nvspace = "a"\nvaddr = 0\ndata = ""', "data", "at least one byte"),
    ('op = "write"\nvspace = "a"\nvaddr = 0\ndata = 5', "data", "expected text"),
    ('op = "expect_fault"\nvspace = "a"\nvaddr = 0\naccess = "execute"', "access", '"read" or "write"'),
    ('op = "expect_fault"\nvspace = "a"\nvaddr = 0\naccess = "read"\nreason = "denied"', "reason",
     '"unmapped" or "permission"'),
    ('op = "expect_error"\ncall = "tear_down"\nvspace = "a"\nerror = "VSpaceErorr"', "error",
     "did you mean 'VSpaceError'"),
    ('op = "expect_untyped_free"\nbytes = "all"', "bytes", 'byte count or "initial"'),
    ('op = "tear_down"\nvspace = "a"\nlabel = ""', "label", "non-empty string"),
    # what the API refuses, the checker refuses before anything runs (exit 2, not 1)
    ('op = "unmap_pages"\nvspace = "a"\nvaddr = 0\nnum_pages = 1\nsize_bits = 13', "size_bits", "a frame size"),
    ('op = "new_pages"\nvspace = "a"\nnum_pages = 1\nrights = "rw"\nsize_bits = 0', "size_bits", "a frame size"),
    ('op = "reserve_range_aligned"\nvspace = "a"\nsize = 4096\nsize_bits = 63\nrights = "rw"', "size_bits",
     "a frame size"),
    ('op = "unmap_pages"\nvspace = "a"\nvaddr = 0\nnum_pages = 0', "num_pages",
     "a count must be between 1 and 2147483647, got 0"),
    ('op = "new_pages"\nvspace = "a"\nnum_pages = 0\nrights = "rw"', "num_pages",
     "a count must be between 1 and 2147483647, got 0"),
    ('op = "alloc_frames"\nname = "more"\ncount = 0', "count",
     "a count must be between 1 and 2147483647, got 0"),
    ('op = "reserve_deferred_rights_range_at"\nvspace = "a"\nvaddr = 0\nsize = 0', "size", "between 0x1 and"),
    ('op = "read"\nvspace = "a"\nvaddr = 0\nsize = 0', "size", "between 0x1 and"),
    ('op = "reserve_range_at"\nvspace = "a"\nvaddr = 0\nsize = "256T"\nrights = "rw"', "size", "between 0x1 and"),
    ('op = "new_pages"\nvspace = "a"\nnum_pages = 131073\nrights = "rw"\nsize_bits = 30', "num_pages",
     "more than the user address space"),
])
def test_bad_values_of_other_kinds(step, key, message):
    text = "\n[[step]]\n" + step + "\n"
    problem = one_problem(text)
    assert problem.key == key and message in problem.message, problem.format("t.toml")
    assert problem.line == line_of(text, f"{key} =")


@pytest.mark.parametrize("step, key, message", [
    ('op = "tear_down"\nvspace = "c"', "vspace", "no vspace named 'c'"),
    ('op = "tear_down"\nvspace = "buf"', "vspace", "'buf' is a caps, not a vspace"),
    ('op = "free_reservation"\nreservation = "a"', "reservation", "'a' is a vspace, not a reservation"),
    ('op = "free_reservation"\nreservation = "nope"', "reservation", "no reservation named 'nope'"),
    ('op = "delete_cap"\ncap = "bufs"', "cap", "did you mean 'buf'"),
    ('op = "delete_cap"\ncap = "buf[4]"', "cap", "out of range"),
    ('op = "delete_cap"\ncap = "buf[3:1]"', "cap", "names no caps"),
    # a slice is not clamped to the group, as Python's would be: caps past its end are a mistake
    ('op = "delete_cap"\ncap = "buf[0:5]"', "cap", "buf[0:5] reaches past the 4 cap(s) of buf, buf[0] to buf[3]"),
    ('op = "delete_cap"\ncap = "buf[-5:]"', "cap", "buf[-5:] reaches past the 4 cap(s) of buf"),
    ('op = "delete_cap"\ncap = "buf[6:9]"', "cap", "buf[6:9] reaches past the 4 cap(s) of buf"),
    ('op = "delete_cap"\ncap = "buf[]"', "cap", "empty index"),
    ('op = "delete_cap"\ncap = []', "cap", "at least one cap"),
    ('op = "write"\nvspace = "a"\nvaddr = "nowhere + 1"\ndata = "x"', "vaddr", "no reservation or address named"),
    ('op = "write"\nvspace = "a"\nvaddr = "b"\ndata = "x"', "vaddr", "'b' is a vspace"),
    ('op = "share_mem_at_vaddr"\nvspace = "a"\nto = "buf"\nstart = 0\nnum_pages = 1\nvaddr = 0\n'
     'reservation = "x"', "to", "'buf' is a caps, not a vspace"),
])
def test_references_that_do_not_resolve(step, key, message):
    text = "\n[[step]]\n" + step + "\n"
    found = problems(text)
    assert any(p.key == key and message in p.message and p.line == line_of(text, f"{key} =") for p in found), \
        [p.format("t.toml") for p in found]


@pytest.mark.parametrize("caps", ["buf[0:4]", "buf[:4]", "buf[-4:]", "buf[1:-1]", "buf[-4:-3]"])
def test_a_slice_within_its_group_is_no_mistake(caps):
    scenario(f'\n[[step]]\nop = "delete_cap"\ncap = "{caps}"\n')


def test_attribute_on_an_address_is_refused():
    text = """
        [[step]]
        op = "new_pages"
        vspace = "a"
        num_pages = 1
        rights = "rw"
        name = "heap"

        [[step]]
        op = "write"
        vspace = "a"
        vaddr = "heap.end"
        data = "x"
    """
    problem = one_problem(text)
    assert (problem.where, problem.key) == ("step 2 (write)", "vaddr")
    assert "applies to reservations only" in problem.message


def test_use_before_definition():
    text = """
        [[step]]
        op = "free_reservation"
        reservation = "res"
    """ + RESERVE
    problem = one_problem(text)
    assert (problem.where, problem.key) == ("step 1 (free_reservation)", "reservation")
    assert "defined before this" in problem.message


def test_duplicate_names():
    text = RESERVE + RESERVE.replace("0x10000000", "0x20000000")
    problem = one_problem(text)
    assert (problem.where, problem.key) == ("step 2 (reserve_range_at)", "name")
    assert "already the name of a reservation" in problem.message
    problem = one_problem(RESERVE.replace('name = "res"', 'name = "buf"'))
    assert "already the name of a caps" in problem.message


def test_a_bad_step_still_defines_its_names():
    text = RESERVE.replace('size = "16K"', 'size = "lots"') + """
        [[step]]
        op = "free_reservation"
        reservation = "res"
    """
    problem = one_problem(text)
    assert problem.key == "size", "the later step is not blamed for the earlier mistake"


@pytest.mark.parametrize("keys, message", [('data = "x"\nhex = "00"', "got data and hex"), ("", "data or hex")])
def test_data_or_hex_exactly_one(keys, message):
    text = f'\n[[step]]\nop = "write"\nvspace = "a"\nvaddr = 0\n{keys}\n'
    problem = one_problem(text)
    assert problem.where == "step 1 (write)" and message in problem.message


def test_expect_error_mistakes():
    problem = one_problem('\n[[step]]\nop = "expect_error"\nvspace = "a"\n')
    assert (problem.where, problem.key) == ("step 1 (expect_error)", "call")
    problem = one_problem('\n[[step]]\nop = "expect_error"\ncall = "expect_read"\n')
    assert problem.key == "call" and "cannot expect an error from 'expect_read'" in problem.message
    problem = one_problem('\n[[step]]\nop = "expect_error"\ncall = "tear_dwn"\nvspace = "a"\n')
    assert "did you mean 'tear_down'" in problem.message
    # the operation's own keys are checked, and a failing step defines no name
    text = RESERVE.replace('op = "reserve_range_at"', 'op = "expect_error"\ncall = "reserve_range_at"')
    problem = one_problem(text)
    assert (problem.where, problem.key) == ("step 1 (expect_error reserve_range_at)", "name")
    text = '\n[[step]]\nop = "expect_error"\ncall = "tear_down"\n'
    problem = one_problem(text)
    assert (problem.key, problem.message) == ("vspace", "missing")


def test_mixed_frame_sizes_need_size_bits():
    text = RESERVE + """
        [[step]]
        op = "map_pages"
        vspace = "a"
        caps = ["buf[0]", "big"]
        rights = "rw"
    """
    problem = one_problem(text)
    assert (problem.where, problem.key) == ("step 2 (map_pages)", "caps")
    assert "say size_bits" in problem.message
    scenario(text.replace('caps = ["buf[0]", "big"]', 'caps = ["buf[0]", "big"]\nsize_bits = 12'))


def test_labels():
    text = RESERVE.replace('name = "res"', 'name = "res"\nlabel = "x"') + RESERVE.replace(
        'name = "res"', 'name = "res2"\nlabel = "x"')
    problem = one_problem(text)
    assert (problem.where, problem.key) == ("step 2 (reserve_range_at)", "label")
    assert "step 1 already has the label 'x'" in problem.message
    problem = one_problem(RESERVE.replace('name = "res"', 'name = "res"\nlabel = "12"'))
    assert "plain number" in problem.message


def test_map_at_must_name_a_step():
    problem = one_problem(RESERVE.replace('name = "res"', 'name = "res"\nlabel = "reserved"'),
                          HEADER.replace('description = "test"', 'description = "test"\nmap_at = "reserve"'))
    assert (problem.where, problem.key, problem.line) == ("[scenario]", "map_at", 3)
    assert "did you mean 'reserved'" in problem.message
    scenario(RESERVE, HEADER.replace('description = "test"', 'description = "test"\nmap_at = "1"'))


def test_a_nul_in_a_label_description_or_map_at_is_a_mistake_naming_the_key():
    """They reach the terminal and the SVG map's title, which a NUL makes an XML document no
    reader takes: the rule of every text argument (sel4vspace._text) refuses it, here as a mistake
    of the file, each at its line."""
    header = HEADER.replace('description = "test"', 'description = "te\\u0000st"\nmap_at = "x\\u0000"')
    steps = RESERVE.replace('name = "res"', 'name = "res"\nlabel = "x\\u0000"')
    found = problems(steps, header)
    assert [(p.where, p.key, p.line) for p in found] == [
        ("[scenario]", "description", 2), ("[scenario]", "map_at", 3),
        ("step 1 (reserve_range_at)", "label", line_of(steps, "label =", header))]
    assert found[0].message == ("description must not contain a NUL character (no C string, file name or SVG "
                                "holds one), found one at index 2 of 'te\\x00st'")
    assert [p.message.split(" must not contain a NUL character")[0] for p in found[1:]] == ["map_at", "label"]


def test_a_scenario_s_path_with_a_nul_is_refused_naming_path():
    with pytest.raises(ValueError, match=r"^path must not contain a NUL character .* of 'a\\x00b.toml'$"):
        load_scenario("a\0b.toml")
    with pytest.raises(ValueError, match=r"^path must not contain a NUL character"):
        parse_scenario(HEADER, "t\0.toml")


def test_expect_mapping_consistency():
    text = '\n[[step]]\nop = "expect_mapping"\nvspace = "a"\nvaddr = 0\nmapped = false\nrights = "r"\n'
    problem = one_problem(text)
    assert problem.key == "rights" and "mapped = false" in problem.message
    text = '\n[[step]]\nop = "expect_mapping"\nvspace = "a"\nvaddr = 0\ncap = "buf"\n'
    problem = one_problem(text)
    assert problem.key == "cap" and "expected one cap, got 4" in problem.message


def test_step_that_is_not_a_table():
    with pytest.raises(ScenarioError) as caught:
        parse_scenario('step = [1]\n' + HEADER, "t.toml")
    assert any(p.where == "step 1" and "expected a table" in p.message for p in caught.value.problems)


def test_every_mistake_is_reported_at_once_in_file_order():
    text = RESERVE.replace('size = "16K"', 'size = "x"') + RESERVE.replace('rights = "rw"', 'rights = "q"').replace(
        'name = "res"', 'name = "res2"')
    found = problems(text, HEADER.replace('description = "test"', 'description = 5'))
    assert [p.key for p in found] == ["description", "size", "rights"]
    assert [p.line for p in found] == sorted(p.line for p in found)
    message = str(ScenarioError("t.toml", found))
    assert message.count("\n") == 2 and "t.toml:2: [scenario]: key 'description'" in message


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "s.toml"
    path.write_bytes(b"[scenario]\ndescription = \"\xff\"\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert "not UTF-8" in caught.value.problems[0].message


def test_rights_none_reads_as_the_api_reads_it():
    step = '\n[[step]]\nop = "new_pages"\nvspace = "a"\nnum_pages = 1\nrights = "none"\n'
    assert scenario(step).steps[0].args["rights"] == CapRights.from_str("none") == CapRights.NONE


def test_nesting_too_deep_for_the_reader_is_a_mistake_of_the_file():
    deep = "[" * 2000 + "]" * 2000
    found = problems(f'\n[[step]]\nop = "tear_down"\nvspace = "a"\nlabel = {deep}\n')
    assert [(p.where, p.message.split(" (")[0]) for p in found] == [
        ("file", "arrays or inline tables are nested too deeply to read")]


def test_the_checker_knows_the_built_arch_frame_sizes_and_refuses_nothing_it_maps():
    """The checker's arch-independent limits, against the arch the extension was built for: exactly
    its frame sizes, and a bound on sizes no smaller than its user space."""
    from sel4vspace.lowlevel.arch import ARCH
    from sel4vspace.tooling import scenario

    assert scenario.FRAME_SIZE_BITS == ARCH.frame_size_bits
    assert scenario.parse_size(ARCH.user_top) == ARCH.user_top


# ---------------------------------------------------------------- the arch

ARCH_HEADER = 'arch = "{arch}"\n\n' + HEADER

HIGH_RESERVE = """
[[step]]
op = "reserve_range_at"
vspace = "a"
vaddr = "0x4000000000"
size = "16K"
rights = "rw"
"""
"""A range at 256 GiB: user space on x86_64 and AArch64, above RISC-V Sv39's user top."""


@pytest.mark.parametrize("arch", KNOWN)
def test_the_arch_key_names_an_arch_sel4vspace_knows(arch):
    assert scenario(RESERVE, ARCH_HEADER.format(arch=arch)).arch == arch


def test_without_the_arch_key_the_scenario_runs_on_the_default_arch(monkeypatch):
    parsed = scenario(RESERVE)
    assert parsed.arch is None
    monkeypatch.setattr(scenario_module, "_default_arch", lambda: "aarch64")
    assert parsed.target_arch() == "aarch64"
    assert scenario(RESERVE, ARCH_HEADER.format(arch="riscv64")).target_arch() == "riscv64"


@pytest.mark.parametrize("value, message", [
    ('"ia32"', "expected one of the architectures sel4vspace knows, x86_64, aarch64, riscv64; got 'ia32'"),
    ('"riscv"', "did you mean 'riscv64'?"),
    ('"X86_64"', "did you mean 'x86_64'?"),
    ("64", "got 64"),
    ('["x86_64"]', "got ['x86_64']"),
])
def test_a_bad_arch_is_a_problem_naming_the_key_and_its_line(value, message):
    header = f"# a comment\narch = {value}\n\n" + HEADER
    problem = one_problem(RESERVE, header)
    assert (problem.where, problem.key, problem.line) == ("top level", "arch", 2)
    assert message in problem.message
    assert "key 'arch'" in problem.format("t.toml")


def test_arch_inside_the_scenario_table_says_where_it_belongs():
    header = HEADER.replace('description = "test"', 'description = "test"\narch = "riscv64"')
    problem = one_problem(RESERVE, header)
    assert (problem.where, problem.key, problem.line) == ("[scenario]", "arch", 3)
    assert "top-level key" in problem.message and "above [scenario]" in problem.message


def test_the_checker_reads_the_arch_without_loading_c():
    """The checker imports no C, whatever arch the scenario names: its user spaces are pure data."""
    code = ("import sys\n"
            "from sel4vspace.tooling.scenario import parse_scenario\n"
            f"text = {(ARCH_HEADER.format(arch='riscv64') + RESERVE)!r}\n"
            "assert parse_scenario(text).arch == 'riscv64'\n"
            "loaded = [m for m in sys.modules if m.startswith('sel4vspace._native') or 'lowlevel' in m]\n"
            "assert not loaded, loaded\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_user_spaces_are_a_table_of_every_known_arch():
    assert set(USER_TOP) == set(KNOWN)
    assert scenario_module.parse_size(max(USER_TOP.values())) == max(USER_TOP.values())


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_an_address_of_a_large_user_space_is_fine_on_its_arch(arch):
    assert scenario(HIGH_RESERVE, ARCH_HEADER.format(arch=arch)).steps[0].args["vaddr"].constant == 0x40_0000_0000


def test_an_address_above_riscv64s_user_top_is_refused_for_riscv64():
    header = ARCH_HEADER.format(arch="riscv64")
    problem = one_problem(HIGH_RESERVE, header)
    assert (problem.where, problem.key) == ("step 1 (reserve_range_at)", "vaddr")
    assert problem.line == line_of(HIGH_RESERVE, "vaddr =", header)
    assert problem.message == ("[0x4000000000, 0x4000004000) reaches above the user address space of riscv64 "
                               "(it ends at 0x3ffffff000)")
    # the last page below the top is user space; a range ending at the top is fine, one page more is not
    below = HIGH_RESERVE.replace("0x4000000000", "0x3ffffe000").replace("16K", "4K")
    assert scenario(below, header).steps
    assert scenario(below.replace("0x3ffffe000", "0x3fffffe000"), header).steps
    assert one_problem(below.replace("0x3ffffe000", "0x3fffffe000").replace("4K", "8K"), header).key == "vaddr"


def test_the_default_arch_sets_the_limits_when_the_scenario_names_none(monkeypatch):
    monkeypatch.setattr(scenario_module, "_default_arch", lambda: "riscv64")
    problem = one_problem(HIGH_RESERVE)
    assert "user address space of riscv64, the default arch (it ends at 0x3ffffff000)" in problem.message
    monkeypatch.setattr(scenario_module, "_default_arch", lambda: "x86_64")
    assert scenario(HIGH_RESERVE).steps


def test_with_no_default_arch_the_limits_are_those_every_arch_shares(monkeypatch):
    """Nothing installed (or SEL4VSPACE_ARCH naming an arch that is not): the checker holds ranges
    to the largest user space, and the run says what is missing."""
    def no_default() -> str:
        raise ImportError("no arch")

    monkeypatch.setattr(scenario_module, "_default_arch", no_default)
    assert scenario(HIGH_RESERVE).target_arch() is None
    too_high = HIGH_RESERVE.replace("0x4000000000", "0x7ffffffff000")
    assert one_problem(too_high).message.endswith(f"above the user address space ({max(USER_TOP.values()):#x} bytes)")


@pytest.mark.parametrize("step, key", [
    ('op = "reserve_deferred_rights_range_at"\nvspace = "a"\nvaddr = "0x3ffffff000"\nsize = "4K"', "vaddr"),
    ('op = "reserve_range_aligned"\nvspace = "a"\nsize = "512G"\nsize_bits = 30\nrights = "rw"', "size"),
    ('op = "unmap_pages"\nvspace = "a"\nvaddr = "0x3fc0000000"\nnum_pages = 2\nsize_bits = 30', "vaddr"),
    ('op = "new_pages"\nvspace = "a"\nnum_pages = 257\nrights = "rw"\nsize_bits = 30', "num_pages"),
    ('op = "map_pages_at_vaddr"\nvspace = "a"\ncaps = "buf"\nvaddr = "0x3ffffff000"\nreservation = "res"', "vaddr"),
    ('op = "share_mem_at_vaddr"\nvspace = "a"\nto = "b"\nstart = "0x4000000000"\nnum_pages = 1\nvaddr = "res"\n'
     'reservation = "res"', "start"),
])
def test_every_range_the_api_holds_to_the_user_top_is_checked_on_riscv64(step, key):
    header = ARCH_HEADER.format(arch="riscv64")
    text = RESERVE + "\n[[step]]\n" + step + "\n"
    problem = one_problem(text, header)
    assert problem.key == key and "riscv64" in problem.message, problem.format("t.toml")
    assert scenario(text, ARCH_HEADER.format(arch="x86_64")).steps


def test_ranges_named_after_reservations_and_reads_are_not_held_to_the_top():
    """Addresses named after reservations are known only when the scenario runs; a read or a
    write above the user top is no mistake of the file (the MMU faults: that may be the point)."""
    header = ARCH_HEADER.format(arch="riscv64")
    text = RESERVE + """
        [[step]]
        op = "map_pages_at_vaddr"
        vspace = "a"
        caps = "buf"
        vaddr = "res + 0x4000000000"
        reservation = "res"

        [[step]]
        op = "expect_fault"
        vspace = "a"
        vaddr = "0x4000000000"
        access = "read"

        [[step]]
        op = "read"
        vspace = "a"
        vaddr = "0x4000000000"
        size = "4K"
        """
    assert len(scenario(text, header).steps) == 4


def test_a_step_that_must_fail_may_reach_above_the_user_top():
    text = HIGH_RESERVE.replace('op = "reserve_range_at"', 'op = "expect_error"\ncall = "reserve_range_at"\n'
                                                            'error = "ValueError"')
    (step,) = scenario(text, ARCH_HEADER.format(arch="riscv64")).steps
    assert (step.op, step.call) == ("expect_error", "reserve_range_at")


@pytest.mark.parametrize("arch", KNOWN)
def test_untyped_bits_beyond_the_arch_s_largest_untyped_is_a_problem(arch):
    most = MAX_UNTYPED_BITS[arch]
    header = ARCH_HEADER.format(arch=arch)
    if most < 40:   # the checker's own bound, for every arch, is 40
        problem = one_problem(RESERVE, header.replace("[scenario]\n", f"[scenario]\nuntyped_bits = {most + 1}\n"))
        assert (problem.where, problem.key, problem.line) == ("[scenario]", "untyped_bits", 4)
        assert problem.message == f"untyped_bits must be at most {most} on {arch} (its seL4_MaxUntypedBits), got {most + 1}"
    bits = min(most, 40)
    assert scenario(RESERVE, header.replace("[scenario]\n", f"[scenario]\nuntyped_bits = {bits}\n")).untyped_bits == bits
