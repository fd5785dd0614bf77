# SPDX-License-Identifier: BSD-2-Clause
"""buildsupport.config: the arches, and the flags and flavours each kind of build gets for each."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest
from buildsupport import config

X86_64, AARCH64, RISCV64 = config.ARCHES["x86_64"], config.ARCHES["aarch64"], config.ARCHES["riscv64"]
TWO = [X86_64, AARCH64]


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch):
    for name in (config.ARCHES_ENV, config.SEL4_LIBS_ENV, config.UTIL_LIBS_ENV, config.SANITIZE_ENV,
                 config.COVERAGE_ENV, config.LOG_LEVEL_ENV, config.CFLAGS_ENV):
        monkeypatch.delenv(name, raising=False)


def test_the_arches_and_their_modules():
    assert [(a.name, a.family, a.module_name) for a in config.ARCHES.values()] == [
        ("x86_64", "x86", "sel4vspace._native_x86_64"),
        ("aarch64", "arm", "sel4vspace._native_aarch64"),
        ("riscv64", "riscv", "sel4vspace._native_riscv64"),
    ]
    assert X86_64.defines == () and AARCH64.defines == ("-DSEL4VSPACE_SEL4_ARCH_AARCH64=1",)
    assert RISCV64.defines == ("-DSEL4VSPACE_SEL4_ARCH_RISCV64=1",)


@pytest.mark.parametrize(("given", "built"), [
    (None, ["x86_64", "aarch64", "riscv64"]),
    ("", ["x86_64", "aarch64", "riscv64"]),
    ("  ", ["x86_64", "aarch64", "riscv64"]),
    ("aarch64", ["aarch64"]),
    ("riscv64,x86_64", ["x86_64", "riscv64"]),      # always in the arches' order
    ("riscv64 , aarch64\tx86_64", ["x86_64", "aarch64", "riscv64"]),
    ("x86_64 x86_64,", ["x86_64"]),                  # each once
])
def test_the_arches_variable_chooses_what_is_built(monkeypatch, given, built):
    if given is not None:
        monkeypatch.setenv(config.ARCHES_ENV, given)
    assert [arch.name for arch in config.selected_arches()] == built


@pytest.mark.parametrize("given", ["x86", "aarch64,arm", "x86_64;aarch64", "AARCH64"])
def test_an_unknown_arch_is_refused_naming_the_variable_and_the_arches(monkeypatch, given):
    monkeypatch.setenv(config.ARCHES_ENV, given)
    with pytest.raises(SystemExit, match=r"^SEL4VSPACE_ARCHES=.* names no such arch: .*"
                                         r"\(valid names: x86_64, aarch64, riscv64\)$"):
        config.selected_arches()


@pytest.mark.parametrize("arch", TWO, ids=lambda a: a.name)
def test_distributions_build_at_O2_and_the_in_place_development_build_at_Og(arch):
    release, develop = config.compile_flags(arch), config.compile_flags(arch, develop=True)
    assert "-O2" in release and "-Og" not in release
    assert "-Og" in develop and "-O2" not in develop
    assert "-g" in release and "-g" in develop
    # every flavour names its arch, last
    assert config.flavour(arch) == arch.name and config.flavour(arch, develop=True) == f"dev-{arch.name}"
    assert f'-DSEL4VSPACE_BUILD_FLAVOUR="dev-{arch.name}"' in develop


def test_each_arch_gets_its_own_defines_and_flavour():
    flavours = {config.flavour(arch, develop) for arch in config.ARCHES.values() for develop in (False, True)}
    assert len(flavours) == 6
    assert "-DSEL4VSPACE_SEL4_ARCH_AARCH64=1" in config.compile_flags(AARCH64)
    assert not any(f.startswith("-DSEL4VSPACE_SEL4_ARCH_") for f in config.compile_flags(X86_64))
    assert config.defines(RISCV64) == ["-DSEL4VSPACE_SEL4_ARCH_RISCV64=1"] and config.defines(X86_64) == []
    for arch in TWO:
        assert [*arch.defines] == [f for f in config.module_compile_args(arch) if f.startswith("-DSEL4VSPACE_SEL4")]
        preprocess = config.cdef_preprocess_command(arch, ["-dD"])
        assert [*arch.defines] == [f for f in preprocess if f.startswith("-DSEL4VSPACE_SEL4")]
        assert preprocess[-2:] == ["-dD", "-"]
        assert [f"-I{d}" for d in config.include_dirs(arch)] == [f for f in preprocess if f.startswith("-I")][1:]


@pytest.mark.parametrize("arch", [*TWO, RISCV64], ids=lambda a: a.name)
def test_each_arch_takes_its_own_folders(arch):
    dirs = {str(d.relative_to(config.ROOT)) for d in config.include_dirs(arch)}
    assert f"csrc/libsel4/arch_include/{arch.family}" in dirs
    assert f"csrc/libsel4/sel4_arch_include/{arch.name}" in dirs
    others = [a for a in config.ARCHES.values() if a != arch]
    assert not any(f"arch_include/{other.family}" in d for other in others for d in dirs)
    assert config.module_include_dirs(arch) == [str(d) for d in config.include_dirs(arch)]
    sources = {str(s.relative_to(config.ROOT)) for s in config.c_sources(arch)}
    assert any(s.startswith(f"vendor/libsel4vspace/src/arch/{arch.family}/") for s in sources)
    assert not any(f"vendor/libsel4vspace/src/arch/{other.family}/" in s for other in others for s in sources)
    assert "vendor/libsel4vspace/src/vspace.c" in sources and "vendor/libsel4utils/src/mapping.c" in sources
    assert config.sel4_libs_sources(arch)["libsel4vspace"][1:] == (f"src/arch/{arch.family}/*.c",
                                                                   f"src/sel4_arch/{arch.name}/*.c")


def test_sanitizer_and_coverage_levels_come_after_either_level(monkeypatch):
    monkeypatch.setenv(config.SANITIZE_ENV, "1")
    for arch in TWO:
        for develop in (False, True):
            flags = config.compile_flags(arch, develop)
            assert flags.index("-O1") > flags.index("-Og" if develop else "-O2")
            assert "asan" in config.flavour(arch, develop).split("-")
            assert config.flavour(arch, develop).endswith(f"asan-{arch.name}")
        assert "-UNDEBUG" in config.module_compile_args(arch)
        assert "-fsanitize=address,undefined" in config.module_compile_args(arch)
    assert "-fsanitize=address,undefined" in config.link_flags()


def test_extra_flags_and_log_level_reach_the_compiler(monkeypatch):
    monkeypatch.setenv(config.CFLAGS_ENV, "-O0 -DEXTRA=1")
    monkeypatch.setenv(config.LOG_LEVEL_ENV, "2")
    for arch in TWO:
        flags = config.compile_flags(arch, develop=True)
        assert flags[-2:] == ["-O0", "-DEXTRA=1"]
        assert "-DCONFIG_LIB_UTILS_DEFAULT_ZF_LOG_LEVEL=2" in flags
        assert config.flavour(arch, develop=True).startswith("dev-cf-")
    monkeypatch.setenv(config.LOG_LEVEL_ENV, "9")
    with pytest.raises(SystemExit, match=r"must be 1\.\.6"):
        config.defines(AARCH64)


def test_an_external_checkout_is_checked_and_builds_apart(monkeypatch, tmp_path: Path):
    monkeypatch.setenv(config.SEL4_LIBS_ENV, str(tmp_path))
    with pytest.raises(SystemExit, match="not a seL4_libs checkout"):
        config.sel4_libs_root()
    for lib in config.SEL4_LIBS:
        (tmp_path / lib / "include").mkdir(parents=True)
    (tmp_path / "libsel4vspace" / "arch_include" / "arm").mkdir(parents=True)
    (tmp_path / "libsel4vspace" / "src" / "arch" / "arm").mkdir(parents=True)
    (tmp_path / "libsel4vspace" / "src" / "arch" / "arm" / "mapping.c").write_text("")
    assert config.built_from() == str(tmp_path.resolve())
    for arch in TWO:
        assert config.flavour(arch).startswith("ext-") and config.flavour(arch).endswith(arch.name)
        assert tmp_path.resolve() / "libsel4vspace" / "include" in config.include_dirs(arch)
    assert tmp_path.resolve() / "libsel4vspace" / "arch_include" / "arm" in config.include_dirs(AARCH64)
    assert tmp_path.resolve() / "libsel4vspace" / "arch_include" / "arm" not in config.include_dirs(X86_64)
    arm_source = tmp_path.resolve() / "libsel4vspace" / "src" / "arch" / "arm" / "mapping.c"
    assert arm_source in config.c_sources(AARCH64) and arm_source not in config.c_sources(X86_64)


def test_util_libs_gives_each_arch_its_libutils_folder(monkeypatch, tmp_path: Path):
    assert config.libutils_include_dirs(AARCH64) == [config.ROOT / "vendor" / "libutils" / "include"]
    (tmp_path / "libutils" / "include" / "utils").mkdir(parents=True)
    monkeypatch.setenv(config.UTIL_LIBS_ENV, str(tmp_path))
    for arch in TWO:
        assert config.libutils_include_dirs(arch) == [tmp_path / "libutils" / "include",
                                                      tmp_path / "libutils" / "arch_include" / arch.family]


FENCE_I = """
int store_then_fence(int *word)
{
    *word = 1;
    asm volatile("fence.i" ::: "memory");
    return *word;
}
"""


def test_riscv_inline_fence_i_assembles_on_the_host_as_nothing(tmp_path: Path):
    """C under test issues RISC-V's fence.i as inline assembly (upstream sel4utils does after copying
    a page into another vspace): with the RISC-V 64 flags it compiles on the host, and the fence
    adds no instruction; the other arches are compiled without that header."""
    source = tmp_path / "fence.c"
    source.write_text(FENCE_I)
    header = str(config.ROOT / "csrc/libsel4/src/arch/riscv/host_instructions.h")
    assert f"-include{header}" in config.compile_flags(RISCV64)
    assert not any(flag.startswith("-include") for arch in TWO for flag in config.compile_flags(arch))

    def disassembly(flags: list[str], name: str) -> list[str]:
        obj = tmp_path / f"{name}.o"
        subprocess.run([config.compiler(), *flags, "-c", str(source), "-o", str(obj)], check=True,
                       capture_output=True, text=True)
        listing = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(obj)], check=True,
                                 capture_output=True, text=True).stdout
        return [line.split("\t", 1)[-1].split()[0] for line in listing.splitlines() if line.startswith("  ")]

    with_fence = disassembly(config.compile_flags(RISCV64), "riscv64")
    without_fence = subprocess.run([config.compiler(), *config.compile_flags(X86_64), "-c", str(source), "-o",
                                    str(tmp_path / "x86_64.o")], capture_output=True, text=True)
    assert without_fence.returncode != 0 and "fence.i" in without_fence.stderr, "the host's assembler knows fence.i"
    source.write_text(FENCE_I.replace('asm volatile("fence.i" ::: "memory");', 'asm volatile("" ::: "memory");'))
    assert with_fence == disassembly(config.compile_flags(RISCV64), "barrier"), "fence.i became an instruction"


def test_the_fence_i_header_survives_a_link_time_optimised_build(tmp_path: Path):
    """-flto puts the top-level assembly of every object into one file at link time: the macro the
    header defines in each object must be defined once there."""
    objects = []
    for name in ("one", "two"):
        source = tmp_path / f"{name}.c"
        source.write_text(FENCE_I.replace("store_then_fence", f"store_then_fence_{name}"))
        objects.append(str(tmp_path / f"{name}.o"))
        subprocess.run([config.compiler(), *config.compile_flags(RISCV64), "-flto", "-c", str(source), "-o", objects[-1]],
                       check=True, capture_output=True, text=True)
    linked = subprocess.run([config.compiler(), "-O2", "-flto", "-shared", *objects, "-o", str(tmp_path / "both.so")],
                            capture_output=True, text=True)
    assert linked.returncode == 0, linked.stderr


def test_vendor_is_named_by_its_one_constant_in_the_build():
    """A literal "vendor" beside VENDOR (the folder, the variables' value, the build record's name)
    is one more place to change and one the others can disagree with: the shadowed build's advice
    compared the tree with a literal of its own. VENDOR's definition is the only one."""
    root = Path(config.__file__).resolve().parents[1]
    found = []
    for path in [*sorted((root / "buildsupport").glob("*.py")), root / "build_ffi.py", root / "setup.py"]:
        tree = ast.parse(path.read_text(), str(path))
        defined = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Assign)
                   and [getattr(target, "id", None) for target in node.targets] == ["VENDOR"]}
        found += [f"{path.relative_to(root)}:{node.lineno}" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and node.value == config.VENDOR and id(node) not in defined]
    assert not found, f"{config.VENDOR!r} written out instead of VENDOR at {', '.join(found)}"
