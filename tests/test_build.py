# SPDX-License-Identifier: BSD-2-Clause
"""The extension says what it was built from, for which arch, and CI's sanitizer run really runs a
sanitizer build."""

from __future__ import annotations

import os

from sel4vspace import lowlevel
from sel4vspace.lowlevel import BUILD_FLAVOUR, BUILT_FROM
from sel4vspace.lowlevel.arch import ARCH


def test_build_source_is_reported():
    assert BUILT_FROM == "vendor" or os.path.isdir(BUILT_FROM)


def test_the_expected_flavour_was_built():
    expected = os.environ.get("SEL4VSPACE_EXPECT_FLAVOUR")
    if expected is not None:
        assert expected in BUILD_FLAVOUR.split("-")
    else:
        assert BUILD_FLAVOUR


def test_the_arch_asked_for_when_the_tests_run_is_the_one_loaded():
    """SEL4VSPACE_ARCH (CI runs the suite once per arch) chooses the extension; its C and its
    flavour say the same arch."""
    asked = os.environ.get("SEL4VSPACE_ARCH", "").strip()
    assert ARCH.name == lowlevel.SEL4_ARCH == (asked or ARCH.name)
    assert lowlevel._native.__name__ == f"sel4vspace._native_{ARCH.name}"
    assert BUILD_FLAVOUR.split("-")[-1] == ARCH.name
