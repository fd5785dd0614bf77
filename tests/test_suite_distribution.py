# SPDX-License-Identifier: BSD-2-Clause
"""How the suite spreads over pytest-xdist's workers: by work stealing unless told otherwise."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest


@pytest.fixture
def pytest_cmdline_main(pytestconfig: pytest.Config) -> Callable[[Any], None]:
    """The hook of the suite's own conftest.py (several conftest modules share that name, so it is
    taken from pytest's plugin manager, which registers each by its path)."""
    conftest = pytestconfig.pluginmanager.get_plugin(str(Path(__file__).with_name("conftest.py")))
    assert conftest is not None
    return conftest.pytest_cmdline_main


def options(**given: object) -> SimpleNamespace:
    values = {"numprocesses": None, "dist": "no", "distload": False, **given}
    return SimpleNamespace(option=SimpleNamespace(**values))


def test_workers_without_a_dist_mode_steal_work(pytest_cmdline_main: Callable[[Any], None]) -> None:
    for workers in (2, "auto"):
        config = options(numprocesses=workers)
        pytest_cmdline_main(config)
        assert config.option.dist == "worksteal"


def test_a_dist_mode_given_is_kept_and_no_workers_means_no_distribution(
        pytest_cmdline_main: Callable[[Any], None]) -> None:
    for given in ({"numprocesses": 2, "dist": "loadfile"}, {"numprocesses": 2, "distload": True},
                  {"numprocesses": 0}, {"numprocesses": None}):
        config = options(**given)
        before = config.option.dist
        pytest_cmdline_main(config)
        assert config.option.dist == before, given


def test_a_plain_run_has_no_xdist_options_and_is_left_alone(pytest_cmdline_main: Callable[[Any], None]) -> None:
    config = SimpleNamespace(option=SimpleNamespace(dist="no", distload=False))
    pytest_cmdline_main(config)
    assert config.option.dist == "no"
