# SPDX-License-Identifier: BSD-2-Clause
"""CapRights: construction, parsing, algebra, and the round trip through seL4_CapRights_t."""

from __future__ import annotations

import itertools

import pytest

from sel4vspace import CapRights
from sel4vspace.lowlevel import lib

ALL_COMBINATIONS = [CapRights(read=r, write=w, grant=g, grant_reply=p)
                    for r, w, g, p in itertools.product((False, True), repeat=4)]


def test_constants():
    assert CapRights.NONE == CapRights()
    assert CapRights.READ == CapRights(read=True)
    assert CapRights.WRITE == CapRights(write=True)
    assert CapRights.RW == CapRights(read=True, write=True)
    assert CapRights.ALL == CapRights(read=True, write=True, grant=True, grant_reply=True)


@pytest.mark.parametrize("text,expected", [
    ("rw", CapRights.RW), ("r", CapRights.READ), ("w", CapRights.WRITE), ("none", CapRights.NONE),
    ("NONE", CapRights.NONE), ("----", CapRights.NONE), ("RW", CapRights.RW), ("Rw-P", CapRights(read=True,
    write=True, grant_reply=True)), ("READ", CapRights.READ), ("Write,GRANT", CapRights(write=True, grant=True)),
    ("-", CapRights.NONE), ("r-", CapRights.READ), ("rwgp", CapRights.ALL), ("g", CapRights(grant=True)),
    ("read,write", CapRights.RW), ("read|grant_reply", CapRights(read=True, grant_reply=True)),
    ("grant write", CapRights(write=True, grant=True)),
])
def test_from_str(text, expected):
    assert CapRights.from_str(text) == expected


@pytest.mark.parametrize("bad", ["rx", "read,execute", "RW!"])
def test_from_str_rejects_unknown_rights(bad):
    with pytest.raises(ValueError, match="unknown right"):
        CapRights.from_str(bad)


@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_string_is_refused_pointing_at_none(empty, kernel):
    with pytest.raises(ValueError, match='write "none" for no rights'):
        CapRights.from_str(empty)
    vs = kernel.new_vspace()
    with pytest.raises(ValueError, match='^rights: no rights given .*write "none" for no rights$'):
        vs.reserve_range_at(0x1000_0000, 4096, empty)
    assert vs.reservations() == []


def test_every_str_form_reads_back():
    for rights in ALL_COMBINATIONS:
        assert CapRights.from_str(str(rights)) == rights
        assert CapRights.from_str(str(rights).upper()) == rights


def test_constructor_rejects_non_bools():
    with pytest.raises(TypeError, match="read must be a bool"):
        CapRights(read=1)
    with pytest.raises(TypeError):
        CapRights.from_str(3)


@pytest.mark.parametrize("rights", ALL_COMBINATIONS, ids=str)
def test_round_trip_through_c_preserves_every_bit(rights):
    c = rights.to_c()
    assert lib.seL4_CapRights_get_capAllowRead(c) == rights.read
    assert lib.seL4_CapRights_get_capAllowWrite(c) == rights.write
    assert lib.seL4_CapRights_get_capAllowGrant(c) == rights.grant
    assert lib.seL4_CapRights_get_capAllowGrantReply(c) == rights.grant_reply
    assert CapRights.from_c(c) == rights
    assert CapRights.from_str(str(rights)) == rights


def test_algebra():
    assert CapRights.READ | CapRights.WRITE == CapRights.RW
    assert CapRights.RW & CapRights.READ == CapRights.READ
    assert CapRights.READ <= CapRights.RW
    assert not CapRights.RW <= CapRights.READ
    assert CapRights.ALL >= CapRights.RW
    assert bool(CapRights.NONE) is False and bool(CapRights.READ) is True
    assert len({CapRights.RW, CapRights.from_str("rw")}) == 1
    assert CapRights.READ != "r"


def test_repr_and_str_are_readable():
    assert repr(CapRights.RW) == "CapRights.RW"
    assert repr(CapRights(read=True, grant=True)) == "CapRights(read=True, grant=True)"
    assert str(CapRights.RW) == "rw--"
    assert str(CapRights.NONE) == "----"


def test_coerce():
    assert CapRights.coerce("rw") == CapRights.RW
    assert CapRights.coerce(CapRights.READ) is CapRights.READ
    with pytest.raises(TypeError, match="rights must be CapRights or str"):
        CapRights.coerce(3)
