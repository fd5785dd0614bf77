# SPDX-License-Identifier: BSD-2-Clause
"""The deferred-rights tests share the allocator tests' host-world helpers."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "allocator"))

from hostworld import vspace, world  # noqa: E402,F401  (pytest fixtures)
