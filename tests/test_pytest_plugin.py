# SPDX-License-Identifier: BSD-2-Clause
"""The pytest plugin, as a user's suite sees it: test files that use only its fixtures, run by an
inner pytest (pytester), with no conftest.py of ours."""

from __future__ import annotations

from pathlib import Path

import pytest
from archfacts import PAGE_NAME, VSPACE_ROOT_NAME

from sel4vspace import _arches

pytest_plugins = ["pytester"]

DOCS_EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "test_sel4utils_regression.py"

# The inner runs need neither a cache nor hypothesis (whose plugin would be imported again by
# every in-process run).
INNER_OPTIONS = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*INNER_OPTIONS, *args)


LEAKS_A_FRAME = """
def test_leaks_a_frame(sel4_kernel, sel4_nothing_lost):
    sel4_kernel.alloc_frame()  # never deleted
"""


def test_a_test_file_using_only_the_plugin_runs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        from sel4vspace import CapRights, Kernel, VSpace

        def test_fixtures(sel4_kernel, sel4_vspace, sel4_frames, sel4_nothing_lost):
            assert isinstance(sel4_kernel, Kernel) and isinstance(sel4_vspace, VSpace)
            assert sel4_vspace.kernel is sel4_kernel
            caps = sel4_frames(3)
            assert len(caps) == 3 and set(caps) <= set(sel4_kernel.frame_caps())
            res = sel4_vspace.reserve_range_at(0x1000_0000, 3 * 4096, CapRights.RW)
            sel4_vspace.map_pages_at_vaddr(caps, 0x1000_0000, res)
            sel4_vspace.write(0x1000_0000, b"ok")
            # left mapped and reserved: the fixtures tear the vspace down and delete the frames
            assert sel4_nothing_lost.used_slots < sel4_kernel.used_slots

        def test_each_test_gets_a_fresh_kernel(sel4_kernel):
            assert sel4_kernel.frame_caps() == []
    """)
    result = run(pytester)
    result.assert_outcomes(passed=2)


def test_the_leak_check_fails_a_test_that_leaks_a_frame(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(LEAKS_A_FRAME)
    result = run(pytester)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([
        "*ERROR at teardown of test_leaks_a_frame*",
        "*the kernel at the end of the test, against the fresh kernel: something was lost or gained*",
    ])
    output = result.stdout.str()
    # the frame's slot and its 4 KiB of untyped memory, as the kernel and the vka see them
    for field in ("untyped_free", "vka_untyped_free", "used_slots", "vka_free_slots", PAGE_NAME):
        assert field in output, field


def test_the_documented_leak_report_is_explained_by_its_own_numbers(pytester: pytest.Pytester) -> None:
    """docs/pytest-plugin.md shows the report of a test that leaks a frame, then explains its counts:
    the untyped objects and used cslots of the report, and the untyped memory they were split from
    (the fixture's default kernel), must be those of a real run."""
    import re

    from sel4vspace import Kernel

    page = (Path(__file__).resolve().parents[1] / "docs" / "pytest-plugin.md").read_text()
    pytester.makepyfile(LEAKS_A_FRAME)
    output = run(pytester).stdout.str()
    slots = re.search(r"'used_slots': \((\d+), (\d+)\)", output)
    untyped = re.findall(r"\('seL4_UntypedObject', (\d+)\)", output)
    assert slots and len(untyped) >= 2  # before, after (the report may be repeated in the summary)
    assert f"'used_slots': ({slots[1]}, {slots[2]})" in page
    assert f"('seL4_UntypedObject', {untyped[1]})" in page
    with Kernel() as kernel:
        bits = kernel.untyped_bits
    explained = re.search(r"halves down from 2\^(\d+) bytes, hence the (\d+) untyped objects", " ".join(page.split()))
    assert explained and (int(explained[1]), explained[2]) == (bits, untyped[1])


@pytest.mark.parametrize("leak", [
    "sel4_kernel.new_vspace('leaked')",
    "sel4_kernel.new_vspace('leaked').reserve_range_at(0x1000_0000, 4096, 'rw')",
], ids=["vspace", "vspace-with-reservation"])
def test_the_leak_check_fails_a_test_that_leaks_a_vspace(pytester: pytest.Pytester, leak: str) -> None:
    pytester.makepyfile(
        "leaked = []\n\n"
        "def test_leaks(sel4_kernel, sel4_nothing_lost):\n"
        f"    leaked.append({leak})\n"
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([f"*something was lost or gained*{VSPACE_ROOT_NAME}*"])


def test_the_check_is_opt_in(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        def test_leaks_a_frame(sel4_kernel):
            sel4_kernel.alloc_frame()
    """)
    run(pytester).assert_outcomes(passed=1)
    # ... and the command-line option turns it on for every test that uses sel4_kernel
    result = run(pytester, "--sel4vspace-nothing-lost")
    result.assert_outcomes(passed=1, errors=1)


def test_the_kernel_marker_and_the_options_fixture(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
        import pytest

        @pytest.fixture
        def sel4_kernel_options():
            return {"untyped_bits": 20, "cnode_bits": 10}
    """)
    pytester.makepyfile("""
        import pytest

        def test_directory_options(sel4_kernel):
            assert (sel4_kernel.untyped_bits, sel4_kernel.cnode_bits) == (20, 10)
            assert sel4_kernel.untyped_free_bytes == 2**20

        @pytest.mark.sel4vspace_kernel(untyped_bits=18)
        def test_the_marker_wins(sel4_kernel):
            assert (sel4_kernel.untyped_bits, sel4_kernel.cnode_bits) == (18, 10)

        @pytest.mark.sel4vspace_kernel(18)
        def test_the_marker_takes_keywords_only(sel4_kernel):
            pass
    """)
    result = run(pytester, "--strict-markers")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*TypeError: @pytest.mark.sel4vspace_kernel takes keyword arguments only*"])


def test_the_plugin_loads_no_c_into_a_suite_that_does_not_use_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import sys

        def test_unrelated():
            assert "sel4vspace.pytest_plugin" in sys.modules   # the plugin is loaded...
            assert not [m for m in sys.modules if m.startswith("sel4vspace._native")]  # ... and no C extension
    """)
    # a fresh interpreter: this one has the extension loaded already
    result = pytester.runpytest_subprocess(*INNER_OPTIONS)
    result.assert_outcomes(passed=1)


def test_the_documented_regression_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sel4utils_regression=DOCS_EXAMPLE.read_text())
    result = run(pytester)
    result.assert_outcomes(passed=5)


ARCH_TESTS = """
import pytest

def test_kernel(sel4_kernel, sel4_vspace, sel4_arch):
    assert sel4_kernel.arch == sel4_arch and sel4_vspace.kernel is sel4_kernel

@pytest.mark.sel4vspace_kernel(arch="{pinned}")
def test_pinned(sel4_kernel):
    assert sel4_kernel.arch == "{pinned}"

def test_without_a_kernel():
    pass

def test_own_kernel(sel4_arch):
    from sel4vspace import Kernel
    with Kernel(untyped_bits=20, arch=sel4_arch) as kernel:
        assert kernel.arch == sel4_arch
"""


def test_the_arch_option_runs_each_kernel_test_once_per_arch(pytester: pytest.Pytester) -> None:
    pinned = _arches.INSTALLED[-1]
    pytester.makepyfile(ARCH_TESTS.format(pinned=pinned))
    result = run(pytester, "-v", "--sel4vspace-arch", "all")
    result.assert_outcomes(passed=2 * len(_arches.INSTALLED) + 2)
    if len(_arches.INSTALLED) == 1:
        # an install of one arch (SEL4VSPACE_ARCHES=x86_64): all is that one, and ids stay unchanged
        result.stdout.fnmatch_lines(["*::test_kernel PASSED*", "*::test_own_kernel PASSED*"])
        return
    result.stdout.fnmatch_lines([f"*::test_kernel[[]{arch}[]] PASSED*" for arch in _arches.INSTALLED])
    # a test that makes its own kernel from sel4_arch is multiplied as well
    result.stdout.fnmatch_lines([f"*::test_own_kernel[[]{arch}[]] PASSED*" for arch in _arches.INSTALLED])
    result.stdout.fnmatch_lines(["*::test_pinned PASSED*", "*::test_without_a_kernel PASSED*"])
    # named twice (once in a comma list), and in another order: each arch once, in the order named
    order = list(reversed(_arches.INSTALLED))
    result = run(pytester, "-v", "--sel4vspace-arch", ",".join(order), "--sel4vspace-arch", order[0])
    result.assert_outcomes(passed=2 * len(order) + 2)
    lines = [line for line in result.outlines if "::test_kernel[" in line]
    assert [line.split("[")[1].split("]")[0] for line in lines] == order


def test_one_arch_named_runs_the_kernel_tests_on_it_with_their_ids(pytester: pytest.Pytester) -> None:
    arch = _arches.INSTALLED[-1]
    pytester.makepyfile(ARCH_TESTS.format(pinned=arch))
    result = run(pytester, "-v", "--sel4vspace-arch", arch)
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*::test_kernel PASSED*", "*::test_own_kernel PASSED*"])
    # without the option: the default arch, and sel4_arch is None
    pytester.makepyfile("""
        from sel4vspace import _arches

        def test_default(sel4_kernel, sel4_arch):
            assert sel4_arch is None and sel4_kernel.arch == _arches.default()
    """)
    run(pytester).assert_outcomes(passed=1)


def test_the_arch_option_wins_over_the_options_fixture(pytester: pytest.Pytester) -> None:
    first, last = _arches.INSTALLED[0], _arches.INSTALLED[-1]
    pytester.makeconftest(f"""
        import pytest

        @pytest.fixture
        def sel4_kernel_options():
            return {{"untyped_bits": 20, "arch": "{first}"}}
    """)
    pytester.makepyfile(f"""
        def test_arch(sel4_kernel):
            assert (sel4_kernel.arch, sel4_kernel.untyped_bits) == ("{last}", 20)
    """)
    run(pytester, "--sel4vspace-arch", last).assert_outcomes(passed=1)


@pytest.mark.parametrize("value", ["mips", "x86", "", " , "])
def test_an_arch_not_installed_is_a_usage_error_naming_the_option(pytester: pytest.Pytester, value: str) -> None:
    pytester.makepyfile(ARCH_TESTS.format(pinned=_arches.INSTALLED[0]))
    result = run(pytester, "--sel4vspace-arch", value)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    if value.strip(" ,"):
        result.stderr.fnmatch_lines([f"*--sel4vspace-arch must be one of the installed architectures "
                                     f"{', '.join(_arches.INSTALLED)}, not {value!r}*; or 'all'"])
    else:
        result.stderr.fnmatch_lines([f"*--sel4vspace-arch {value!r} names no arch*"])


def test_the_documented_regression_example_passes_on_every_arch(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sel4utils_regression=DOCS_EXAMPLE.read_text())
    result = run(pytester, "--sel4vspace-arch", "all")
    result.assert_outcomes(passed=5 * len(_arches.INSTALLED))


def test_a_marked_arch_is_the_test_s_sel4_arch_and_a_test_may_choose_its_own(pytester: pytest.Pytester) -> None:
    first, last = _arches.INSTALLED[0], _arches.INSTALLED[-1]
    pytester.makepyfile(f"""
        import pytest

        @pytest.mark.sel4vspace_kernel(arch="{last}")
        def test_marked(sel4_kernel, sel4_arch):
            assert sel4_arch == sel4_kernel.arch == "{last}"

        @pytest.mark.parametrize("sel4_arch", ["{first}"])
        def test_own_arches(sel4_kernel, sel4_arch):
            assert sel4_kernel.arch == "{first}"
    """)
    run(pytester, "--sel4vspace-arch", first).assert_outcomes(passed=2)
    run(pytester, "--sel4vspace-arch", "all").assert_outcomes(passed=2)
