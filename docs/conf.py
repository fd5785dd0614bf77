# SPDX-License-Identifier: BSD-2-Clause
"""Sphinx configuration of the sel4vspace documentation: sphinx-build -W docs docs/_build/html

The API reference is autodoc from the installed package's docstrings, so install it first
(pip install '.[docs]'). Nothing here reaches the network: intersphinx links to the Python
documentation only through a local copy of its inventory (Debian's python3-doc package, or the
file named by SEL4VSPACE_PYTHON_INVENTORY); without one, those links are plain text.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import sel4vspace

project = "sel4vspace"
author = "the sel4vspace authors"
copyright = "the sel4vspace authors; BSD-2-Clause"  # noqa: A001 - Sphinx's name for it
release = sel4vspace.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "examples", "README.md"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}

html_theme = "alabaster"
html_title = f"sel4vspace {release}"
html_static_path: list[str] = []


def _python_inventory() -> str | None:
    candidates = [os.environ.get("SEL4VSPACE_PYTHON_INVENTORY", ""),
                  f"/usr/share/doc/python{sys.version_info.major}.{sys.version_info.minor}/html/objects.inv",
                  "/usr/share/doc/python3/html/objects.inv"]
    return next((c for c in candidates if c and Path(c).is_file()), None)


_inventory = _python_inventory()
intersphinx_mapping = {"python": ("https://docs.python.org/3", _inventory)} if _inventory else {}
intersphinx_timeout = 1
