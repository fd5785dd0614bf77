# SPDX-License-Identifier: BSD-2-Clause
"""The build's own parts (buildsupport/ at the repository root), tested without building the
extension: small C files in a scratch directory stand in for the C under test."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

if not (ROOT / "buildsupport").is_dir():   # an installed wheel has no build
    collect_ignore_glob = ["test_*.py"]
elif str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def cc() -> str:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler")
    return compiler
