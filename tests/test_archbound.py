# SPDX-License-Identifier: BSD-2-Clause
"""archbound.py, which runs the lower layers' tests on every arch of the run: while a test runs on an
arch, its module's names, and those of the helpers it imports, are that arch's; afterwards its own
again; each test once per arch, the arch in its id; a test of one arch on that arch alone."""

from __future__ import annotations

import importlib
import sys

import archbound
import pytest

import sel4vspace.lowlevel
from sel4vspace import _arches

pytestmark = pytest.mark.skipif(len(_arches.INSTALLED) < 2, reason="one arch installed: nothing to bind another to")

DEFAULT = _arches.default()
OTHERS = [arch for arch in _arches.INSTALLED if arch != DEFAULT]

EXAMPLE = """
from archfacts import NAME, PAGE_TYPE
from hostworld import RW, World

from sel4vspace.lowlevel import SEL4_ARCH, ffi, lib
from sel4vspace.lowlevel.arch import ARCH

WORD = lib.seL4_WordBits
SEEN = []


def the_lib():
    return lib


def a_world():
    return World(untyped_bits=20, cnode_bits=10)
"""


@pytest.fixture
def example(pytester: pytest.Pytester):
    pytester.makepyfile(bound_example=EXAMPLE)
    pytester.syspathinsert()
    module = importlib.import_module("bound_example")
    yield module
    del sys.modules["bound_example"]


@pytest.mark.parametrize("arch", OTHERS)
def test_within_the_block_the_module_s_names_are_the_arch_s_and_its_own_after(example, arch):
    default = sel4vspace.lowlevel
    package = _arches.lowlevel(arch)
    own = dict(vars(example))
    with archbound.bound(example, arch):
        assert example.SEL4_ARCH == example.ARCH.name == example.NAME == arch
        assert example.lib is package.lib and example.ffi is package.ffi
        # its functions, and the helpers' classes, call that arch's C
        assert example.the_lib() is package.lib
        world = example.a_world()
        try:
            assert package.ffi.string(package.lib.sel4vspace_arch().name).decode() == arch
            assert type(world).__module__ == f"hostworld[{arch}]"
            assert world.frame().cptr > 0 and world.cap_info(world.copy_cap(world.frame().cptr, example.RW))
        finally:
            world.destroy()
        page_type = dict(package.arch.ARCH.frame_object_types)[12]
        assert page_type == example.PAGE_TYPE
    assert vars(example) == own
    assert example.lib is default.lib and example.the_lib() is default.lib
    assert example.SEL4_ARCH == default.SEL4_ARCH


def test_the_default_arch_changes_nothing_and_each_copy_is_made_once(example):
    own = dict(vars(example))
    with archbound.bound(example, DEFAULT):
        assert vars(example) == own
    assert archbound.module("bound_example", DEFAULT) is example
    copy = archbound.module("bound_example", OTHERS[0])
    assert copy is not example and copy.__name__ == f"bound_example[{OTHERS[0]}]"
    assert archbound.module("bound_example", OTHERS[0]) is copy


@pytest.mark.parametrize("statement", ["import sel4vspace.lowlevel.vspace", "from sel4vspace import lowlevel"])
def test_an_import_that_would_bind_the_default_arch_is_refused_in_a_copy(pytester: pytest.Pytester, statement):
    pytester.makepyfile(bound_refused=statement)
    pytester.syspathinsert()
    try:
        with pytest.raises(ImportError, match="a module run on each arch takes the lowlevel package with `from "):
            archbound.module("bound_refused", OTHERS[0])
        assert f"bound_refused[{OTHERS[0]}]" not in sys.modules
    finally:
        sys.modules.pop("bound_refused", None)


LOWER_LAYER = """
import pytest
from archfacts import NAME

from sel4vspace.lowlevel import SEL4_ARCH

ROWS = [(NAME, n) for n in range(len(NAME) % 3 + 1)]   # a table of each arch's own


def pytest_generate_tests(metafunc):
    import archbound

    archbound.parametrize_by_arch(metafunc, test_rows, "name, n", "ROWS")


def test_bound(bound_arch, sel4_arch):
    assert SEL4_ARCH == NAME == bound_arch


def test_rows(bound_arch, name, n):
    assert name == NAME == bound_arch and n <= len(NAME) % 3


@pytest.mark.sel4vspace_kernel(arch="{last}")
def test_of_one_arch(bound_arch):
    assert SEL4_ARCH == bound_arch == "{last}"
"""


def _lower_layer(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("from archbound import bound_arch  # noqa: F401")
    pytester.makepyfile(test_lower_layer=LOWER_LAYER.format(last=_arches.INSTALLED[-1]))


def _rows(arch: str) -> int:
    return len(arch) % 3 + 1


def test_a_lower_layer_test_runs_once_on_each_arch_of_the_run(pytester: pytest.Pytester) -> None:
    _lower_layer(pytester)
    result = pytester.runpytest("-p", "no:cacheprovider", "-v", "--sel4vspace-arch", "all")
    rows = sum(_rows(arch) for arch in _arches.INSTALLED)
    result.assert_outcomes(passed=len(_arches.INSTALLED) + rows + 1)
    result.stdout.fnmatch_lines_random([f"*::test_bound[[]{arch}[]] PASSED*" for arch in _arches.INSTALLED])
    result.stdout.fnmatch_lines_random([f"*::test_rows[[]{arch}-{arch}-{n}[]] PASSED*"
                                        for arch in _arches.INSTALLED for n in range(_rows(arch))])
    result.stdout.fnmatch_lines(["*::test_of_one_arch PASSED*"])


def test_one_arch_named_runs_them_on_it_with_their_ids(pytester: pytest.Pytester) -> None:
    _lower_layer(pytester)
    arch = OTHERS[0]
    result = pytester.runpytest("-p", "no:cacheprovider", "-v", "--sel4vspace-arch", arch)
    result.assert_outcomes(passed=1 + _rows(arch) + 1)
    result.stdout.fnmatch_lines_random(["*::test_bound PASSED*", "*::test_of_one_arch PASSED*",
                                        *(f"*::test_rows[[]{arch}-{n}[]] PASSED*" for n in range(_rows(arch)))])
