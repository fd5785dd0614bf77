# SPDX-License-Identifier: BSD-2-Clause
"""One extension per seL4 architecture, side by side in one process, and the choice among them.

The build makes ``sel4vspace._native_<arch>`` for each arch (SEL4VSPACE_ARCHES at build time);
``sel4vspace.lowlevel`` binds the one SEL4VSPACE_ARCH names when the program runs (else x86_64,
else the first installed). Python loads each extension with
RTLD_LOCAL, so every arch's copy of the C keeps its own symbols and its own state.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sel4vspace
from sel4vspace import _arches

PACKAGE = Path(sel4vspace.__file__).resolve().parent
INSTALLED = list(_arches.INSTALLED)

# In a fresh interpreter: a world and a vspace in every installed arch's extension at once, each
# module saying it is its own arch; then each world's own life (one closed, the others still work).
SIDE_BY_SIDE = r"""
import importlib, sys
names = sys.argv[1:]
modules = {name: importlib.import_module(f"sel4vspace._native_{name}") for name in names}
assert len({id(m.lib) for m in modules.values()}) == len(names)
worlds = {}
for name, m in modules.items():
    assert m.ffi.string(m.lib.sel4vspace_arch().name).decode() == name
    out = m.ffi.new("sel4vspace_call_result_t *")
    m.lib.sel4vspace_host_call_world_new(22, 12, out)
    assert out.status == m.lib.SEL4VSPACE_CALL_OK, (name, out.status)
    worlds[name] = (m, out.world)
for name, (m, world) in worlds.items():
    out = m.ffi.new("sel4vspace_call_result_t *")
    m.lib.sel4vspace_host_call_vspace_new(world, m.ffi.new("sel4vspace_vspace_cell_t *"), out)
    assert out.status == m.lib.SEL4VSPACE_CALL_OK, (name, out.status)
    objects = m.ffi.new("vka_object_t[]", 3)
    m.lib.sel4vspace_host_call_alloc_frames(world, m.lib.seL4_PageBits, 3, objects, out)
    assert out.status == m.lib.SEL4VSPACE_CALL_OK, (name, out.status)
    print(name, m.lib.sel4vspace_host_world_free_slots(world))
first, (m, world) = next(iter(worlds.items()))
out = m.ffi.new("sel4vspace_call_result_t *")
m.lib.sel4vspace_host_call_world_close(world, m.ffi.NULL, out)
assert out.status == m.lib.SEL4VSPACE_CALL_OK
for name, (m, world) in list(worlds.items())[1:]:
    print(name, m.lib.sel4vspace_host_world_free_slots(world))
    out = m.ffi.new("sel4vspace_call_result_t *")
    m.lib.sel4vspace_host_call_vspace_new(world, m.ffi.new("sel4vspace_vspace_cell_t *"), out)
    assert out.status == m.lib.SEL4VSPACE_CALL_OK, (name, out.status)
"""


def _python(code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120,
                          env=env)


def test_every_arch_is_installed_under_its_own_name():
    modules = sorted(p.name.split(".")[0] for p in PACKAGE.glob("_native*.so"))
    assert modules == sorted(f"_native_{arch}" for arch in INSTALLED)
    assert modules, "no extension installed"


@pytest.mark.skipif(len(INSTALLED) < 2, reason=f"one arch installed ({INSTALLED}): built with SEL4VSPACE_ARCHES")
def test_the_arches_extensions_live_side_by_side_in_one_process():
    result = _python(SIDE_BY_SIDE, *INSTALLED)
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    assert [name for name, _ in lines] == [*INSTALLED, *INSTALLED[1:]]
    # each world's free slots are its own: the same after another arch's world closed
    free = dict(lines[:len(INSTALLED)])
    assert all(free[name] == slots for name, slots in lines[len(INSTALLED):]), lines


def _without(name: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop(name, None)
    return env


@pytest.mark.parametrize("arch", INSTALLED)
def test_the_runtime_variable_chooses_the_arch(arch):
    probe = ("import sel4vspace.lowlevel as ll\nfrom sel4vspace.lowlevel.arch import ARCH\n"
             "print(ll.SEL4_ARCH, ARCH.name, ll._native.__name__)")
    result = _python(probe, env=dict(os.environ, SEL4VSPACE_ARCH=arch))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [arch, arch, f"sel4vspace._native_{arch}"]


def test_without_the_variable_x86_64_is_chosen_when_installed():
    result = _python("from sel4vspace import lowlevel; print(lowlevel.SEL4_ARCH)", env=_without("SEL4VSPACE_ARCH"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("x86_64" if "x86_64" in INSTALLED else INSTALLED[0])


def test_an_unknown_arch_is_refused_by_name():
    result = _python("import sel4vspace.lowlevel", env=dict(os.environ, SEL4VSPACE_ARCH="arm"))
    assert result.returncode != 0
    assert ("ImportError: SEL4VSPACE_ARCH='arm': no sel4vspace extension of that arch is installed "
            "(the arches are x86_64, aarch64, riscv64); installed: " + ", ".join(INSTALLED)) in result.stderr


def test_an_arch_not_installed_is_refused_naming_what_is(tmp_path):
    """A copy of the package with only the first installed arch's extension: another arch asked
    for at run time is an ImportError naming the variable and the one installed."""
    kept = INSTALLED[0]
    package = tmp_path / "sel4vspace"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("_native_*", "__pycache__"))
    for built in PACKAGE.glob(f"_native_{kept}*.so"):
        (package / built.name).symlink_to(built)
    other = next(arch for arch in ("x86_64", "aarch64", "riscv64") if arch != kept)
    env = dict(os.environ, PYTHONPATH=str(tmp_path), SEL4VSPACE_ARCH=other)
    result = _python("import sel4vspace.lowlevel", env=env)
    assert result.returncode != 0
    assert f"ImportError: SEL4VSPACE_ARCH='{other}': no sel4vspace extension of that arch is installed; " \
           f"installed: {kept}; SEL4VSPACE_ARCHES={other} with pip install . (or python build_ffi.py in a " \
           "checkout) builds it" in result.stderr
    env.pop("SEL4VSPACE_ARCH")
    result = _python("import sel4vspace, sel4vspace.lowlevel as ll; print(ll.SEL4_ARCH, *sel4vspace.ARCHES)", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [kept, kept]
