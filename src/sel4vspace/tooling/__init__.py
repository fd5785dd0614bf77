# SPDX-License-Identifier: BSD-2-Clause
"""Host-side tools: scenario files (``sel4vspace run``) and address-space maps (``sel4vspace map``).

* :mod:`.scenario` reads and checks a scenario file (TOML) into plain data, before anything runs.
* :mod:`.runner` plays a checked scenario on the simulated kernel through the Python API.
* :mod:`.addrmap` is the neutral picture of the address spaces (a snapshot) and its text table.
* :mod:`.svg` draws a snapshot as an SVG picture.

Only :mod:`.runner` (through ``_api``) needs the compiled extension; the rest is pure Python.
"""

from __future__ import annotations

from .addrmap import MappingView, ReservationView, Snapshot, VSpaceView, fold_mappings, render_table
from .scenario import Problem, Scenario, ScenarioError, Step, load_scenario, parse_scenario
from .svg import render_svg

__all__ = [
    "MappingView",
    "ReservationView",
    "Snapshot",
    "VSpaceView",
    "fold_mappings",
    "render_table",
    "Problem",
    "Scenario",
    "ScenarioError",
    "Step",
    "load_scenario",
    "parse_scenario",
    "render_svg",
]
