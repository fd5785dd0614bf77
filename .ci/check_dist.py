# SPDX-License-Identifier: BSD-2-Clause
"""CI: what `python -m build` made is what it should be.

    python .ci/check_dist.py DIST_DIR CHECKOUT

The sdist holds every file of the repository (``git ls-files``) but .gitignore, and nothing of the
build tree; the wheel holds the package, its compiled extension and its metadata, and nothing else.
Exits 1 naming what is wrong.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

NOT_SHIPPED = {".gitignore"}


def main(dist: Path, checkout: Path) -> int:
    problems: list[str] = []
    (sdist,) = dist.glob("*.tar.gz")
    (wheel,) = dist.glob("*.whl")

    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    top = names[0].split("/")[0]
    in_sdist = {name.split("/", 1)[1] for name in names if "/" in name}
    tracked = set(subprocess.run(["git", "-C", str(checkout), "ls-files"], check=True, capture_output=True,
                                 text=True).stdout.split())
    missing = sorted(tracked - NOT_SHIPPED - in_sdist)
    if missing:
        problems.append(f"{sdist.name} lacks {len(missing)} tracked file(s): {', '.join(missing[:20])}")
    built = sorted(n for n in in_sdist if n.startswith("build/") or n.endswith((".o", ".so", ".pyc")))
    if built:
        problems.append(f"{sdist.name} holds build products: {', '.join(built[:20])}")

    with zipfile.ZipFile(wheel) as archive:
        wheel_names = archive.namelist()
    metadata = f"{top}.dist-info/"
    strays = [n for n in wheel_names if not (n.startswith("sel4vspace/") or n.startswith(metadata))]
    if strays:
        problems.append(f"{wheel.name} holds files outside the package: {', '.join(strays[:20])}")
    extensions = [n for n in wheel_names if n.startswith("sel4vspace/_native") and n.endswith(".so")]
    if len(extensions) != 1:
        problems.append(f"{wheel.name} should hold one compiled extension, holds {extensions}")
    for needed in ("sel4vspace/py.typed", "sel4vspace/_native.pyi", "sel4vspace/pytest_plugin.py"):
        if needed not in wheel_names:
            problems.append(f"{wheel.name} lacks {needed}")

    for problem in problems:
        print("check_dist:", problem, file=sys.stderr)
    if not problems:
        print(f"check_dist: {sdist.name}: {len(in_sdist)} files, every tracked file; "
              f"{wheel.name}: {len(wheel_names)} files, the package and its extension")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
