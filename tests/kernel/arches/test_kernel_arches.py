# SPDX-License-Identifier: BSD-2-Clause
"""The simulated kernel and libsel4 of AArch64 and RISC-V 64, below the host world.

kernel_arch_test.c runs seL4's invocations against the kernel of one architecture and prints one
line per case; each case is a test here. The cases differ where the architectures do: the order of
a frame map's checks, mapping over a mapping, where a 1 GiB page goes, RISC-V's root page table.
The vendor/ sources a build for each architecture compiles are checked to compile too.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from archbuild import ROOT, arch_compile_flags, build_arch, build_kernel_test, config, vendor_sources

COMMON = [
    "retype_each_type", "object_counts",
    "asid_assign", "asid_assign_twice", "asid_assign_not_a_root", "asid_make_pool", "asid_make_pool_wrong_untyped",
    "map_unassigned_root", "map_4k_no_tables", "failed_lookup_levels", "map_4k", "page_get_address",
    "mmu_write_read", "map_2m", "map_1g", "mmu_fault_past_frame", "map_1g_fresh_vspace", "map_2m_over_page_table",
    "map_4k_inside_2m", "map_over_existing", "remap_same_address_new_rights", "remap_other_address",
    "remap_other_vspace", "map_misaligned", "map_2m_misaligned", "map_above_user_top", "map_2m_reaching_user_top",
    "map_last_user_page", "order_misaligned_above_top", "map_not_a_frame", "map_empty_slot", "map_asid_gone",
    "pt_map_above_user_top", "pt_map_all_levels_present", "pt_map_over_frame", "pt_map_unassigned_root",
    "pt_map_address", "pt_map_already_mapped", "copy_unmapped_pt", "pt_unmap_revoke_first", "pt_unmap",
    "pt_unmap_zeroes", "rights_read_only_cap", "rights_write_only_is_kernel_only", "kernel_only_execute_never",
    "attributes_kept", "copied_frame_cap_unmapped", "page_unmap", "delete_frame_cap_unmaps",
    "mmu_across_pages_and_run", "mappings_in_range", "delete_root_releases_asid", "destroy_frees_all",
]
CASES = {
    "aarch64": [
        *COMMON, "stale_unmap_keeps_replacement",
        # cache maintenance: decodeARMFrameInvocation's and decodeARMVSpaceRootInvocation's checks
        "flush_each_op", "page_flush_not_a_frame", "page_flush_empty_slot", "page_flush_unmapped",
        "page_flush_asid_gone", "page_flush_empty_range", "page_flush_inverted_range", "page_flush_start_past_page",
        "page_flush_end_past_page", "page_flush_2m_offsets", "page_flush_stale_cap",
        "page_flush_order_range_before_stale", "page_flush_replacing_cap", "page_invalidate_read_only",
        "page_clean_read_only", "vspace_invalidate_read_only", "vspace_flush_not_a_vspace",
        "vspace_flush_empty_range", "vspace_flush_above_user_top", "vspace_flush_unassigned",
        "vspace_flush_order_range_before_cap", "vspace_flush_asid_gone", "asid_reused",
        "vspace_flush_asid_other_root", "vspace_flush_nothing_mapped", "vspace_flush_cross_page",
        "vspace_flush_inside_2m", "vspace_flush_cross_2m",
    ],
    "riscv64": [*COMMON, "root_unmap_refused", "map_into_non_root_table"],
}
ARCHES = [arch for arch in CASES if (ROOT / "csrc" / "kernel" / "src" / "arch" / arch).is_dir()]

_results: dict[str, dict[str, str]] = {}


def _run(arch: str, out_dir: Path) -> dict[str, str]:
    if arch not in _results:
        exe = build_kernel_test(arch, out_dir)
        run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, f"{exe.name} exited {run.returncode}:\n{run.stdout}\n{run.stderr[-2000:]}"
        lines: dict[str, str] = {}
        for line in run.stdout.splitlines():
            name, _, verdict = line.partition(" ")
            assert name not in lines, f"case {name} reported twice"
            lines[name] = verdict
        _results[arch] = lines
    return _results[arch]


@pytest.fixture(scope="session")
def arch_out_dir() -> Path:
    return ROOT / "build" / "arch_tests"


@pytest.mark.parametrize("arch,case", [(arch, case) for arch in ARCHES for case in CASES[arch]])
def test_kernel_case(arch: str, case: str, arch_out_dir: Path) -> None:
    results = _run(arch, arch_out_dir)
    assert case in results, f"{case} not reported; reported: {sorted(results)}"
    assert results[case] == "ok", f"{arch} {case}: {results[case]}"


@pytest.mark.parametrize("arch", ARCHES)
def test_no_unlisted_case(arch: str, arch_out_dir: Path) -> None:
    """Every case the program reports is one of the listed ones (none runs unasserted)."""
    assert sorted(_run(arch, arch_out_dir)) == sorted(CASES[arch])


@pytest.mark.parametrize("arch", ARCHES)
def test_build_of_arch(arch: str) -> None:
    """The build of arch's extension takes the architecture's folders and its configuration define."""
    build = build_arch(arch)
    assert arch == build.name
    dirs = {str(d.relative_to(ROOT)) for d in config.include_dirs(build) if d.is_relative_to(ROOT)}
    assert f"csrc/libsel4/arch_include/{build.family}" in dirs
    assert f"csrc/libsel4/sel4_arch_include/{arch}" in dirs
    assert not any("x86" in d for d in dirs)
    assert f"-DSEL4VSPACE_SEL4_ARCH_{arch.upper()}=1" in config.compile_flags(build)
    assert arch in config.flavour(build)


def test_x86_64_is_built_without_an_arch_define() -> None:
    build = build_arch("x86_64")
    assert (build.family, build.name, build.defines) == ("x86", "x86_64", ())
    assert not any(flag.startswith("-DSEL4VSPACE_SEL4_ARCH_") for flag in config.compile_flags(build))


@pytest.mark.parametrize("arch", ARCHES)
def test_config_of_arch(arch: str, tmp_path: Path) -> None:
    """The configuration an architecture's compile sees: its CONFIG_ARCH_* and no other's."""
    probe = tmp_path / "probe.c"
    probe.write_text("#include <autoconf.h>\n")
    out = subprocess.run([config.compiler(), *arch_compile_flags(arch), "-E", "-dM", str(probe)],
                         capture_output=True, text=True, check=True).stdout
    defined = {line.split()[1] for line in out.splitlines() if line.startswith("#define ")}
    want = {
        "aarch64": {"CONFIG_ARCH_ARM", "CONFIG_ARCH_AARCH64"},
        "riscv64": {"CONFIG_ARCH_RISCV", "CONFIG_ARCH_RISCV64"},
    }
    assert want[arch] <= defined
    assert not defined & {"CONFIG_ARCH_X86", "CONFIG_ARCH_X86_64"}
    assert "CONFIG_WORD_SIZE" in defined
    if arch == "riscv64":
        assert "#define CONFIG_PT_LEVELS 3" in out


@pytest.mark.vendor_only("it compiles vendor/'s own sources for each arch; a tree built in its place is "
                         "compiled, for the arches asked for, by its own build")
@pytest.mark.parametrize("arch", ARCHES)
def test_vendor_compiles(arch: str, tmp_path: Path) -> None:
    """vendor/'s sources of a build for arch, and its arch headers, compile (syntax and types)."""
    build = build_arch(arch)
    flags = arch_compile_flags(arch)
    headers = tmp_path / "arch_headers.c"
    headers.write_text("".join(f"#include <{h}>\n" for h in (
        "vka/kobject_t.h", "vka/object.h", "vspace/page.h", "vspace/mapping.h", "sel4utils/vspace.h",
        "sel4utils/mapping.h", "sel4utils/arch/page.h")))
    sources = [*vendor_sources(arch), headers]
    arch_parts = [p for p in sources if f"/arch/{build.family}/" in str(p) or f"/sel4_arch/{arch}/" in str(p)]
    assert arch_parts, "the build compiles no vendor source of this architecture"
    for source in sources:
        result = subprocess.run([config.compiler(), *flags, "-fsyntax-only", str(source)], capture_output=True,
                                text=True)
        assert result.returncode == 0 and "warning" not in result.stderr, f"{source}:\n{result.stderr}"
