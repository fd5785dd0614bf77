# SPDX-License-Identifier: BSD-2-Clause
"""The in-place build (python build_ffi.py) redoes exactly what an edit needs.

It keeps cffi's generated module source and object between builds; the object compiles the
static inline wrappers of the headers it includes, so an edit of vspace.h must recompile it while
an edit of a .c file must not."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not (ROOT / "buildsupport").is_dir(), reason="needs the source tree")


@pytest.fixture(scope="module")
def build():
    sys.path.insert(0, str(ROOT))
    try:
        from buildsupport import config, incremental  # noqa: PLC0415 - it lives at the repository root
    finally:
        sys.path.remove(str(ROOT))
    return config, incremental


def test_the_module_object_depends_on_the_headers_whose_inline_wrappers_it_compiles(build):
    from sel4vspace.lowlevel import SEL4_ARCH as ARCH  # noqa: PLC0415 - the arch of the module Python loads
    from sel4vspace.lowlevel import BUILD_FLAVOUR, BUILT_FROM  # noqa: PLC0415 - its flavour and its sources

    config, _ = build
    assert BUILD_FLAVOUR.endswith(ARCH)
    deps = config.BUILD / "obj" / BUILD_FLAVOUR / f"_native_{ARCH}.d"
    if not deps.exists():
        pytest.skip("the extension under test was built by pip install (also -e), not by python build_ffi.py, "
                    "whose dependency files this test reads")
    text = deps.read_text().replace("\\\n", " ")
    prerequisites = {Path(name).resolve() for name in text.partition(":")[2].split()}
    # the tree the module was built from (the environment of this run need not name it)
    libs = config.ROOT / "vendor" if BUILT_FROM == "vendor" else Path(BUILT_FROM)
    wrappers = (libs / "libsel4vspace" / "include" / "vspace" / "vspace.h").resolve()
    assert wrappers in prerequisites
    assert (ROOT / "csrc" / "binding" / "include" / "binding.h").resolve() in prerequisites


def test_the_compile_command_asks_gcc_for_the_dependencies(build, tmp_path):
    config, incremental = build
    for arch in (config.ARCHES["x86_64"], config.ARCHES["riscv64"]):
        command = incremental.python_compile_command(arch, tmp_path / "m.c", tmp_path / "m.o", tmp_path / "m.d")
        assert command[command.index("-MF") + 1] == str(tmp_path / "m.d") and "-MMD" in command
        assert "-UNDEBUG" in command    # the wrappers keep their asserts, as the C under test does
        assert " ".join(f"-I{d}" for d in config.include_dirs(arch)) in " ".join(command)
        assert [*arch.defines] == [f for f in command if f.startswith("-DSEL4VSPACE_SEL4_ARCH")]
