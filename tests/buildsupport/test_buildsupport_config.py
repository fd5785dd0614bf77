# SPDX-License-Identifier: BSD-2-Clause
"""buildsupport.config: the flags and flavours each kind of build gets."""

from __future__ import annotations

from pathlib import Path

import pytest
from buildsupport import config


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch):
    for name in (config.SEL4_LIBS_ENV, config.UTIL_LIBS_ENV, config.SANITIZE_ENV, config.COVERAGE_ENV,
                 config.LOG_LEVEL_ENV, config.CFLAGS_ENV):
        monkeypatch.delenv(name, raising=False)


def test_distributions_build_at_O2_and_the_in_place_development_build_at_Og():
    release, develop = config.compile_flags(), config.compile_flags(develop=True)
    assert "-O2" in release and "-Og" not in release
    assert "-Og" in develop and "-O2" not in develop
    assert "-g" in release and "-g" in develop
    # the architecture, read once when config was imported, names its own objects' folder unless it
    # is the default (x86_64)
    arch = [] if config.SEL4_ARCH == "x86_64" else [config.SEL4_ARCH]
    assert config.flavour() == "-".join(arch or ["default"]) and config.flavour(develop=True) == "-".join(["dev", *arch])
    assert f'-DSEL4VSPACE_BUILD_FLAVOUR="{config.flavour(develop=True)}"' in develop


def test_sanitizer_and_coverage_levels_come_after_either_level(monkeypatch):
    monkeypatch.setenv(config.SANITIZE_ENV, "1")
    for develop in (False, True):
        flags = config.compile_flags(develop)
        assert flags.index("-O1") > flags.index("-Og" if develop else "-O2")
        assert "asan" in config.flavour(develop).split("-")
    assert "-UNDEBUG" in config.module_compile_args() and "-fsanitize=address,undefined" in config.module_compile_args()
    assert "-fsanitize=address,undefined" in config.link_flags()


def test_extra_flags_and_log_level_reach_the_compiler(monkeypatch):
    monkeypatch.setenv(config.CFLAGS_ENV, "-O0 -DEXTRA=1")
    monkeypatch.setenv(config.LOG_LEVEL_ENV, "2")
    flags = config.compile_flags(develop=True)
    assert flags[-2:] == ["-O0", "-DEXTRA=1"]
    assert "-DCONFIG_LIB_UTILS_DEFAULT_ZF_LOG_LEVEL=2" in flags
    assert config.flavour(develop=True).startswith("dev-cf-")
    monkeypatch.setenv(config.LOG_LEVEL_ENV, "9")
    with pytest.raises(SystemExit, match=r"must be 1\.\.6"):
        config.defines()


def test_an_external_checkout_is_checked_and_builds_apart(monkeypatch, tmp_path: Path):
    monkeypatch.setenv(config.SEL4_LIBS_ENV, str(tmp_path))
    with pytest.raises(SystemExit, match="not a seL4_libs checkout"):
        config.sel4_libs_root()
    for lib in config.SEL4_LIBS:
        (tmp_path / lib / "include").mkdir(parents=True)
    assert config.built_from() == str(tmp_path.resolve())
    assert config.flavour().startswith("ext-")
    assert tmp_path.resolve() / "libsel4vspace" / "include" in config.include_dirs()
