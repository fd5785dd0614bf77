# SPDX-License-Identifier: BSD-2-Clause
"""The simulated kernel and libsel4 of AArch64 and RISC-V 64, below the host world.

kernel_arch_test.c runs seL4's invocations against the kernel of one architecture and prints one
line per case; each case is a test here. The cases differ where the architectures do: the order of
a frame map's checks, mapping over a mapping, where a 1 GiB page goes, RISC-V's root page table.
The vendor/ sources a build for each architecture compiles are checked to compile too.
"""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest
from archbuild import ROOT, arch_compile_flags, build_kernel_test, build_module, vendor_sources

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
    "aarch64": [*COMMON, "stale_unmap_keeps_replacement"],
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
def test_build_knob(arch: str) -> None:
    """SEL4VSPACE_ARCH selects the architecture's folders and its configuration define."""
    build = build_module(arch)
    assert arch == build.SEL4_ARCH
    dirs = {str(d.relative_to(ROOT)) for d in build.include_dirs() if d.is_relative_to(ROOT)}
    assert f"csrc/libsel4/arch_include/{build.ARCH}" in dirs
    assert f"csrc/libsel4/sel4_arch_include/{arch}" in dirs
    assert not any("x86" in d for d in dirs)
    assert f"-DSEL4VSPACE_SEL4_ARCH_{arch.upper()}=1" in build.compile_flags()
    assert arch in build.flavour()


def test_build_knob_default_is_x86_64(monkeypatch: pytest.MonkeyPatch) -> None:
    # buildsupport.config reads the knob once, when it is imported: a private copy, imported
    # without it set (whatever this run's own build was made with)
    monkeypatch.delenv("SEL4VSPACE_ARCH", raising=False)
    spec = importlib.util.spec_from_file_location("_buildsupport_config_default", ROOT / "buildsupport" / "config.py")
    assert spec is not None and spec.loader is not None
    config = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(config)
    assert (config.ARCH, config.SEL4_ARCH, config.ARCH_DEFINES) == ("x86", "x86_64", [])


@pytest.mark.parametrize("arch", ARCHES)
def test_config_of_arch(arch: str, tmp_path: Path) -> None:
    """The configuration an architecture's compile sees: its CONFIG_ARCH_* and no other's."""
    probe = tmp_path / "probe.c"
    probe.write_text("#include <autoconf.h>\n")
    build = build_module(arch)
    out = subprocess.run([build.compiler(), *arch_compile_flags(arch), "-E", "-dM", str(probe)],
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


@pytest.mark.parametrize("arch", ARCHES)
def test_vendor_compiles(arch: str, tmp_path: Path) -> None:
    """vendor/'s sources of a build for arch, and its arch headers, compile (syntax and types)."""
    build = build_module(arch)
    flags = arch_compile_flags(arch)
    headers = tmp_path / "arch_headers.c"
    headers.write_text("".join(f"#include <{h}>\n" for h in (
        "vka/kobject_t.h", "vka/object.h", "vspace/page.h", "vspace/mapping.h", "sel4utils/vspace.h",
        "sel4utils/mapping.h", "sel4utils/arch/page.h")))
    sources = [*vendor_sources(arch), headers]
    arch_parts = [p for p in sources if f"/arch/{build.ARCH}/" in str(p) or f"/sel4_arch/{arch}/" in str(p)]
    assert arch_parts, "the build compiles no vendor source of this architecture"
    for source in sources:
        result = subprocess.run([build.compiler(), *flags, "-fsyntax-only", str(source)], capture_output=True,
                                text=True)
        assert result.returncode == 0 and "warning" not in result.stderr, f"{source}:\n{result.stderr}"
