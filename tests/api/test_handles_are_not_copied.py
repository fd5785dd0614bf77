# SPDX-License-Identifier: BSD-2-Clause
"""Kernel, VSpace and Reservation stand for objects of the C world: a copy would keep its own idea
of whether the object is still alive, so copying is refused; and the small argument rules of the
calls around them name the argument."""

from __future__ import annotations

import copy
import pickle

import pytest

from sel4vspace import CapRights, Kernel

BASE = 0x1000_0000
PAGE = 4096


@pytest.fixture
def handles():
    with Kernel(untyped_bits=24) as kernel:
        vspace = kernel.new_vspace()
        reservation = vspace.reserve_range_at(BASE, 2 * PAGE, "rw")
        yield kernel, vspace, reservation


@pytest.mark.parametrize("make_copy", [copy.copy, copy.deepcopy, pickle.dumps], ids=["copy", "deepcopy", "pickle"])
@pytest.mark.parametrize("which", [0, 1, 2], ids=["Kernel", "VSpace", "Reservation"])
def test_a_handle_cannot_be_copied(handles, make_copy, which):
    handle = handles[which]
    with pytest.raises(TypeError, match=f"a {type(handle).__name__} stands for an object of the C world"):
        make_copy(handle)


def test_a_freed_reservation_is_not_seen_through_a_copy_of_it(handles):
    """What a copy used to allow: a second handle that freed another reservation's C struct."""
    _, vspace, reservation = handles
    with pytest.raises(TypeError):
        copy.copy(reservation)
    reservation.free()
    again = vspace.reserve_range_at(BASE + 0x100_0000, 2 * PAGE, "r")
    assert [r.start for r in vspace.reservations()] == [again.start]


@pytest.mark.parametrize("args, error, words", [
    ((BASE + 3 * PAGE, -2 * PAGE), ValueError, "size must be in"),
    ((BASE + 0.5,), TypeError, "vaddr must be an int, not float"),
    ((None,), TypeError, "vaddr must be an int, not NoneType"),
    ((BASE, 0), ValueError, "size must be in"),
    ((-1,), ValueError, "vaddr must be in"),
    ((BASE, True), TypeError, "size must be an int, not bool"),
])
def test_contains_names_a_bad_argument(handles, args, error, words):
    reservation = handles[2]
    with pytest.raises(error, match=words):
        reservation.contains(*args)


def test_contains_answers_for_every_edge(handles):
    reservation = handles[2]
    assert reservation.contains(BASE) and reservation.contains(BASE, 2 * PAGE)
    assert not reservation.contains(BASE, 2 * PAGE + 1) and not reservation.contains(BASE - 1)
    assert not reservation.contains(BASE + 2 * PAGE) and reservation.contains(BASE + 2 * PAGE - 1)
    assert not reservation.contains(2**64 - 1, 1)


def test_a_range_past_the_end_names_the_size_as_well_as_the_address(handles):
    vspace = handles[1]
    for reserve in (vspace.reserve_range_at, vspace.reserve_deferred_rights_range_at):
        args = (BASE, 2**64 - 1, "rw") if reserve == vspace.reserve_range_at else (BASE, 2**64 - 1)
        with pytest.raises(ValueError, match=r"vaddr 0x10000000 \+ 0xffffffffffffffff bytes \(the size asked for\)"):
            reserve(*args)


def test_an_unknown_right_names_the_rights_argument(handles):
    vspace = handles[1]
    with pytest.raises(ValueError, match=r"^rights: unknown right 'x'"):
        vspace.reserve_range_at(BASE + 0x100_0000, PAGE, "x")
    with pytest.raises(ValueError, match=r"^unknown right 'x'"):
        CapRights.from_str("x")    # called directly, there is no argument to name


@pytest.mark.parametrize("word, error", [(-1, ValueError), (2**64, ValueError), (True, TypeError),
                                         (1.5, TypeError), ("3", TypeError)])
def test_from_bits_takes_a_64_bit_word_only(word, error):
    with pytest.raises(error, match="word must be"):
        CapRights.from_bits(word)


def test_from_bits_ignores_the_bits_above_the_four_rights():
    assert CapRights.from_bits(0x13) == CapRights.from_bits(0x3) == CapRights.RW
    assert CapRights.from_bits(2**64 - 1) == CapRights.from_bits(0xF)


@pytest.mark.parametrize(("which", "attribute", "value"), [
    (0, "untyped_bits", 3), (0, "cnode_bits", 30), (0, "arch", "riscv64"),
    (1, "kernel", None), (1, "name", 5), (1, "root", 0),
    (2, "start", 0), (2, "size", 1), (2, "rights", CapRights.NONE), (2, "vspace", None),
])
def test_what_a_handle_was_made_with_cannot_be_reassigned(handles, which, attribute, value):
    """Setting one would make the object describe a kernel, vspace or reservation the C does not
    have (a repr saying untyped_bits=3 over a 16 MiB kernel): refused, the attribute unchanged."""
    handle = handles[which]
    before = getattr(handle, attribute)
    with pytest.raises(AttributeError, match=attribute):
        setattr(handle, attribute, value)
    assert getattr(handle, attribute) == before


@pytest.mark.parametrize("which", [0, 1, 2], ids=["Kernel", "VSpace", "Reservation"])
def test_a_with_block_does_not_begin_on_a_handle_that_is_gone(handles, which):
    """As a with block on a closed file: entering a closed kernel, a torn-down vspace or a freed
    reservation raises StaleObjectError at once, not at the first call inside the block."""
    from sel4vspace import StaleObjectError  # noqa: PLC0415

    kernel, vspace, reservation = handles
    (kernel.close, vspace.tear_down, reservation.free)[which]()
    gone = {0: "this Kernel was closed", 1: "this VSpace was torn down", 2: "this Reservation was freed"}[which]
    with pytest.raises(StaleObjectError, match=gone):
        with handles[which]:
            pytest.fail("the block ran")
    # what went with the handle's kernel or vspace is gone too
    for later in handles[which + 1:]:
        with pytest.raises(StaleObjectError), later:
            pytest.fail("the block ran")
