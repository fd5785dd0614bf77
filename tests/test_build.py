# SPDX-License-Identifier: BSD-2-Clause
"""The extension says what it was built from, and CI's sanitizer run really runs a sanitizer build."""

from __future__ import annotations

import os

from sel4vspace.lowlevel import BUILD_FLAVOUR, BUILT_FROM


def test_build_source_is_reported():
    assert BUILT_FROM == "vendor" or os.path.isdir(BUILT_FROM)


def test_the_expected_flavour_was_built():
    expected = os.environ.get("SEL4VSPACE_EXPECT_FLAVOUR")
    if expected is not None:
        assert expected in BUILD_FLAVOUR.split("-")
    else:
        assert BUILD_FLAVOUR
