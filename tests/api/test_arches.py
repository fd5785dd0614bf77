# SPDX-License-Identifier: BSD-2-Clause
"""Kernels of every installed architecture in one process: ``Kernel(arch=...)``, ``sel4vspace.ARCHES``.

The rest of the suite tests one arch per run (the default, ``SEL4VSPACE_ARCH``); these tests make
kernels of every installed arch side by side and check that each is its own build of the C, with
its own facts, and that nothing of one leaks into another: caps, log records, the one-call-at-a-time
rule, the host memory ledger.
"""

from __future__ import annotations

import importlib
import logging
import subprocess
import sys
import threading

import pytest

import sel4vspace
from sel4vspace import ARCHES, CapRights, Kernel, ReentrantCallError, StaleObjectError, VSpaceError, _arches
from sel4vspace.ledger import assert_same, host_ledger

PAGE = 4096
WINDOW = 0x10000000

# What libsel4 calls each arch's invocations: the facts a kernel of that arch must show.
PREFIX = {"x86_64": "seL4_X86", "aarch64": "seL4_ARM", "riscv64": "seL4_RISCV"}


def lowlevel_lib(arch: str):
    return _arches.lowlevel(arch).lib


@pytest.fixture(params=ARCHES)
def arch(request: pytest.FixtureRequest) -> str:
    return request.param


def test_arches_lists_the_installed_extensions_in_sel4s_names() -> None:
    assert ARCHES, "no arch installed"
    assert set(ARCHES) <= {"x86_64", "aarch64", "riscv64"}
    for arch in ARCHES:
        assert importlib.util.find_spec(f"sel4vspace._native_{arch}") is not None
    assert sel4vspace.ARCHES is ARCHES


def test_a_kernel_without_arch_is_the_default_arch() -> None:
    with Kernel(untyped_bits=20) as kernel:
        assert kernel.arch == _arches.default()
        assert kernel.arch == sel4vspace.lowlevel.SEL4_ARCH


def test_each_kernel_is_its_arch_and_says_so(arch: str) -> None:
    lib = lowlevel_lib(arch)
    with Kernel(untyped_bits=24, arch=arch) as kernel:
        vspace = kernel.new_vspace("client")
        window = vspace.reserve_deferred_rights_range_at(WINDOW, 4 * PAGE)
        assert kernel.arch == arch
        assert arch in repr(kernel) and arch in repr(vspace) and arch in repr(window)
        # the arch's own libsel4 is the one under this kernel
        assert hasattr(lib, f"{PREFIX[arch]}_Page_Map")
        assert kernel.user_top >= int(lib.seL4_UserTop)
        assert kernel.frame_size_bits == (12, 21, 30)
        frame_type = kernel.cap_info(kernel.alloc_frame())["type"]
        assert frame_type == {"x86_64": "seL4_X86_4K", "aarch64": "seL4_ARM_SmallPageObject",
                              "riscv64": "seL4_RISCV_4K_Page"}[arch]


def test_the_pure_table_of_user_tops_is_each_arch_s_c_description(arch: str) -> None:
    """What loads no C (the scenario checker) takes each arch's user top from _arches.USER_TOP: it
    must be what the arch's C says, and what its kernels report."""
    assert set(_arches.USER_TOP) == set(_arches.KNOWN)
    assert _arches.USER_TOP[arch] == _arches.binding(arch).description.user_top
    with Kernel(untyped_bits=20, arch=arch) as kernel:
        assert kernel.user_top == _arches.USER_TOP[arch]


def test_every_build_has_the_one_set_of_host_result_codes(arch: str) -> None:
    """The Pythonic layer reads the host world's result codes (OK, NOT_RUN) once, from the default
    arch's build, for kernels of every arch: each build's codes must be those."""
    default = _arches.binding(_arches.default()).host
    host = _arches.binding(arch).host
    assert (host.OK, host.NOT_RUN) == (default.OK, default.NOT_RUN)
    assert host.OK != host.NOT_RUN


def test_kernels_of_every_arch_work_side_by_side() -> None:
    kernels = [Kernel(untyped_bits=24, arch=arch) for arch in ARCHES]
    try:
        spaces = []
        for i, kernel in enumerate(kernels):
            vspace = kernel.new_vspace(kernel.arch)
            window = vspace.reserve_deferred_rights_range_at(WINDOW, 2 * PAGE)
            frames = kernel.alloc_frames(2)
            vspace.deferred_rights_map_pages_at_vaddr(frames, WINDOW, CapRights.RW, window)
            vspace.write(WINDOW, bytes([i + 1]) * 16)
            spaces.append(vspace)
        # each kernel kept its own memory: the writes of the others did not reach it
        for i, vspace in enumerate(spaces):
            assert vspace.read(WINDOW, 16) == bytes([i + 1]) * 16
            assert vspace.lookup(WINDOW).rights == CapRights.RW
    finally:
        for kernel in kernels:
            kernel.close()


def test_a_cap_of_one_arch_is_not_a_cap_of_another() -> None:
    if len(ARCHES) < 2:
        pytest.skip("one arch installed")   # pragma: no cover - CI installs all three
    first, second = ARCHES[0], ARCHES[1]
    with Kernel(untyped_bits=20, arch=first) as a, Kernel(untyped_bits=20, arch=second) as b:
        cap = a.alloc_frames(40)[-1]   # a cap number past every slot b uses
        target = b.new_vspace()
        target.reserve_range_at(WINDOW, PAGE, "rw")
        # the same cap number in the other kernel is nobody's frame
        window = target.reserve_range_at(WINDOW + PAGE, PAGE, "rw")
        with pytest.raises(StaleObjectError):
            target.map_pages_at_vaddr([cap], WINDOW + PAGE, window)
        with pytest.raises(StaleObjectError):
            b.delete_cap(cap)
        with pytest.raises(StaleObjectError):
            b.copy_cap(cap)
        assert target.lookup(WINDOW + PAGE) is None


def test_a_reservation_of_one_arch_is_another_vspace_s_to_another_arch() -> None:
    # the hot calls take the reservation's C cell, which another arch's cffi refuses with a TypeError
    # of its own: the call must name the reservation as the checked way does
    if len(ARCHES) < 2:
        pytest.skip("one arch installed")   # pragma: no cover - CI installs all three
    first, second = ARCHES[0], ARCHES[1]
    with Kernel(untyped_bits=20, arch=first) as a, Kernel(untyped_bits=20, arch=second) as b:
        mine, theirs = a.new_vspace(), b.new_vspace()
        window = theirs.reserve_range_at(WINDOW, PAGE, "rw")
        deferred = theirs.reserve_deferred_rights_range_at(WINDOW + PAGE, PAGE)
        cap = a.alloc_frame()
        with pytest.raises(ValueError, match="another vspace"):
            mine.map_pages_at_vaddr([cap], WINDOW, window)
        with pytest.raises(ValueError, match="another vspace"):
            mine.deferred_rights_map_pages_at_vaddr([cap], WINDOW + PAGE, "rw", deferred)
        with pytest.raises(ValueError, match="another vspace"):
            mine.free_reservation(window)
        assert theirs.reservations() == [window, deferred] and mine.mappings() == []


def test_arch_must_name_an_installed_arch() -> None:
    with pytest.raises(ValueError, match=r"arch must be one of the installed.*'ia32'.*knows"):
        Kernel(arch="ia32")
    with pytest.raises(TypeError, match="arch must be a str"):
        Kernel(arch=64)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Kernel(20, 12, "aarch64")  # type: ignore[misc]  # keyword only: no positional arch


def test_refusals_of_every_arch_reach_logging_with_their_error(arch: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="sel4vspace.c")
    with Kernel(untyped_bits=20, arch=arch) as kernel:
        vspace = kernel.new_vspace()
        vspace.reserve_range_at(WINDOW, PAGE, "rw")
        caplog.clear()
        with pytest.raises(VSpaceError) as refused:
            vspace.reserve_range_at(WINDOW, PAGE, "rw")   # already reserved
        assert refused.value.c_error is not None
        lines = [r for r in caplog.records if r.name == "sel4vspace.c"]
        assert any(r.getMessage() == refused.value.c_error.message for r in lines)


def test_a_call_from_inside_another_arch_call_is_refused() -> None:
    if len(ARCHES) < 2:
        pytest.skip("one arch installed")   # pragma: no cover - CI installs all three
    lowlevel = _arches.lowlevel(ARCHES[1])
    refused: list[BaseException] = []
    with Kernel(untyped_bits=20, arch=ARCHES[0]) as other:

        def get_cap(*_args: object) -> int:
            try:
                other.new_vspace()
            except ReentrantCallError as exc:
                refused.append(exc)
            return 0

        fake = lowlevel.CallbackVSpace(get_cap=get_cap)
        vspace_module = importlib.import_module(f"{lowlevel.__name__}.vspace")
        assert vspace_module.get_cap(fake.ptr, WINDOW) == 0
        fake.raise_pending()
        assert other.frame_caps() == []   # and nothing of the refused call ran
    assert len(refused) == 1


def test_kernels_of_different_arches_run_in_parallel_threads() -> None:
    errors: list[BaseException] = []

    def work(arch: str) -> None:
        try:
            with Kernel(untyped_bits=24, arch=arch) as kernel:
                vspace = kernel.new_vspace()
                for _ in range(50):
                    pages = vspace.new_pages(4, "rw")
                    vspace.write(pages, arch.encode())
                    assert vspace.read(pages, len(arch)) == arch.encode()
                    vspace.unmap_pages(pages, 4, free=True)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(arch,)) for arch in ARCHES for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


_FIRST_KERNELS = """
import sys, threading
from sel4vspace import Kernel, _arches
errors = []
for arch in sys.argv[1:]:
    start = threading.Barrier(4)

    def make(arch=arch):
        start.wait()
        try:
            with Kernel(untyped_bits=20, arch=arch) as kernel:
                kernel.new_vspace().new_pages(1, "rw")
        except BaseException as exc:
            errors.append(f"{arch}: {exc!r}")

    threads = [threading.Thread(target=make) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
print(errors)
"""


@pytest.mark.skipif(len(ARCHES) < 2, reason="one arch installed: only the default arch's package, loaded at import")
def test_threads_making_the_first_kernels_of_an_arch_at_once_all_get_one() -> None:
    # A non-default arch's lowlevel package is loaded on its first kernel. A second thread used to
    # take the package half made (it is in sys.modules from the start of its loading) and fail
    # with an ImportError in about two runs of three. Each child interpreter loads them afresh.
    others = [arch for arch in ARCHES if arch != _arches.default()]
    for _ in range(3):
        child = subprocess.run([sys.executable, "-c", _FIRST_KERNELS, *others], capture_output=True, text=True,
                               timeout=120)
        assert child.returncode == 0, child.stderr[-4000:]
        assert child.stdout.strip() == "[]", child.stdout


def test_the_host_ledger_counts_every_arch_and_all_comes_back() -> None:
    before = host_ledger()
    kernels = [Kernel(untyped_bits=24, arch=arch) for arch in ARCHES]
    for kernel in kernels:
        vspace = kernel.new_vspace()
        vspace.write(vspace.new_pages(2, "rw"), b"x" * 100)
    during = host_ledger()
    assert all(during[name][0] > before[name][0] for name in ("kernel_objects", "frame_backing"))
    for kernel in kernels:
        kernel.close()
    assert_same(before, host_ledger(), "kernels of every arch made and closed")


def test_the_pure_table_of_largest_untypeds_is_each_arch_s_libsel4(arch: str) -> None:
    """Kernel(untyped_bits=...) and the scenario checker take each arch's bound from
    _arches.MAX_UNTYPED_BITS: it must be the arch's seL4_MaxUntypedBits, and one bit more is a
    ValueError naming the argument, not the kernel's refusal."""
    assert set(_arches.MAX_UNTYPED_BITS) == set(_arches.KNOWN)
    most = _arches.MAX_UNTYPED_BITS[arch]
    assert most == int(_arches.binding(arch).package.lib.seL4_MaxUntypedBits)
    with pytest.raises(ValueError, match=rf"untyped_bits must be in \[12, {most}\], got {most + 1}"):
        Kernel(untyped_bits=most + 1, arch=arch)
