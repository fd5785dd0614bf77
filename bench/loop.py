# SPDX-License-Identifier: BSD-2-Clause
"""W6: the edit loop itself, as a seL4 developer runs it (bench/run.py --only W6).

Each round makes a one-line edit of vendor/libsel4utils/src/vspace/vspace.c (a line added at
its end, so the file compiles again with the same code), then times, as wall clock:

- the rebuild: ``python build_ffi.py`` (the edited file compiled at -Og once per arch of
  SEL4VSPACE_ARCHES, default all three, each arch's module relinked; the 1 s target is one
  arch's: ``SEL4VSPACE_ARCHES=x86_64``);
- the fast selection: ``python -m pytest -m fast``;
- the whole suite as a developer runs it between commits: ``SEL4VSPACE_BUDGET=dev python -m
  pytest -n auto`` (every test, the property-based ones with their smaller budgets, on every core);

both with ``--sel4vspace-arch ARCH`` when SEL4VSPACE_ARCHES names one arch (the tests that take an
arch then run on it alone, as a developer of that arch runs them; the 30 s target is one arch's);

and puts the file back (rebuilding, untimed) whatever happens. The medians are compared with what
sel4test under QEMU takes for the same edit on this machine (ninja rebuild 0.5-0.9 s; edit,
rebuild, boot and the 8 VSPACE tests 7.6-11.3 s) and with the targets: rebuild <= 1 s, edit to
fast-selection verdict <= 5 s. W6 rewrites a source file while it runs, so it runs only when asked
for by name; it needs the source tree and an in-place build. The machine's load average (1 min)
is recorded before and after, and the CPU seconds of each step beside its wall clock: on a shared
machine they say what the figures are worth.
"""

from __future__ import annotations

import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EDITED = ROOT / "vendor" / "libsel4utils" / "src" / "vspace" / "vspace.c"
SEL4TEST = {"rebuild": "0.5-0.9 s", "loop": "7.6-11.3 s (edit, rebuild, boot, the 8 VSPACE tests)",
            "suite": "62-72 s (edit, rebuild, boot, all 123 tests)"}
TARGETS = {"rebuild": 1.0, "loop": 5.0, "suite": 30.0}
QUIET = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


CPU: dict[str, float] = {}   # the CPU seconds (user + system) of the last command timed, by label


def _timed(command: list[str], label: str = "",
           environment: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess]:
    env = dict(os.environ, **environment) if environment else None
    start, cpu = time.perf_counter(), _children_cpu()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    CPU[label] = _children_cpu() - cpu
    return time.perf_counter() - start, result


def _summary(result: subprocess.CompletedProcess) -> str:
    """pytest's last line ("1626 passed, 3 skipped in 27.1s"), or "" when it printed nothing."""
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def _rebuilt_arches() -> list[str]:
    """The arches ``python build_ffi.py`` builds here (SEL4VSPACE_ARCHES)."""
    from build import _buildsupport  # bench/build.py, beside this file

    config, _ = _buildsupport()
    return [arch.name for arch in config.selected_arches()]


def _build() -> tuple[float, subprocess.CompletedProcess]:
    return _timed([sys.executable, "build_ffi.py"], "rebuild")


def run_loop(rounds: int) -> dict[str, Any]:
    if not (ROOT / "build_ffi.py").exists():
        raise SystemExit("W6 needs the source tree (build_ffi.py)")
    if importlib.util.find_spec("xdist") is None:
        raise SystemExit("W6 runs the whole suite on every core: it needs pytest-xdist (pip install -e '.[test]')")
    _, built = _build()
    if built.returncode != 0:
        raise SystemExit("the in-place build failed:\n" + built.stderr)
    arches = _rebuilt_arches()
    # one arch rebuilt: the tests that take an arch run on it alone, as its developer runs them
    tested = ["--sel4vspace-arch", arches[0]] if len(arches) == 1 else []
    original = EDITED.read_text()
    load_before = os.getloadavg()[0]
    samples: list[dict[str, Any]] = []
    try:
        for n in range(rounds):
            print(f"running W6 round {n + 1} of {rounds} ...", file=sys.stderr, flush=True)
            EDITED.write_text(original + f"/* an edit, round {n} */\n")
            rebuild, built = _build()
            if built.returncode != 0:
                raise SystemExit("the rebuild after the edit failed:\n" + built.stderr)
            rebuild_cpu = CPU["rebuild"]
            fast, tests = _timed([*QUIET, *tested, "-m", "fast"], "fast")
            suite, whole = _timed([*QUIET, *tested, "-n", "auto"], "suite", {"SEL4VSPACE_BUDGET": "dev"})
            samples.append({"rebuild_s": rebuild, "fast_s": fast, "loop_s": rebuild + fast,
                            "suite_s": suite, "suite_loop_s": rebuild + suite,
                            "rebuild_cpu_s": rebuild_cpu, "fast_cpu_s": CPU["fast"], "suite_cpu_s": CPU["suite"],
                            "fast_exit": tests.returncode, "fast_summary": _summary(tests),
                            "suite_exit": whole.returncode, "suite_summary": _summary(whole)})
    finally:
        EDITED.write_text(original)
        _build()
    medians = {key: statistics.median(s[key] for s in samples)
               for key in ("rebuild_s", "fast_s", "loop_s", "suite_s", "suite_loop_s",
                            "rebuild_cpu_s", "fast_cpu_s", "suite_cpu_s")}
    return {"rounds": rounds, "samples": samples, "medians": medians, "arches": arches,
            "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]},
            # set, it stops pytest caching its rewritten test modules: every run rewrites them again
            "pythondontwritebytecode": bool(os.environ.get("PYTHONDONTWRITEBYTECODE")),
            "targets": {"rebuild_s": TARGETS["rebuild"], "loop_s": TARGETS["loop"], "suite_loop_s": TARGETS["suite"]},
            "cores": os.cpu_count(), "sel4test": SEL4TEST}


def report(result: dict[str, Any]) -> str:
    m = result["medians"]
    last = result["samples"][-1]["fast_summary"]
    one_arch = len(result["arches"]) == 1
    arch_option = f" --sel4vspace-arch {result['arches'][0]}" if one_arch else ""

    def verdict(met: bool) -> str:
        return ("met" if met else "MISSED") if one_arch else "measure it with SEL4VSPACE_ARCHES=x86_64"

    lines = [
        f"W6 the edit loop ({result['rounds']} rounds, medians, wall clock; load average"
        f" {result['load_average_1min']['before']:.1f} before, {result['load_average_1min']['after']:.1f} after):",
        f"  rebuild after a one-line edit of vspace.c, for {', '.join(result['arches'])}:"
        f" {m['rebuild_s']:.2f} s ({m['rebuild_cpu_s']:.2f} s CPU)"
        f" (sel4test: {SEL4TEST['rebuild']}; target <= {TARGETS['rebuild']:g} s for one arch: "
        f"{verdict(m['rebuild_s'] <= TARGETS['rebuild'])})",
        f"  python -m pytest -m fast{arch_option}: {m['fast_s']:.2f} s ({m['fast_cpu_s']:.2f} s CPU; {last})",
        f"  edit -> rebuild -> fast selection: {m['loop_s']:.2f} s (sel4test: {SEL4TEST['loop']};"
        f" target <= {TARGETS['loop']:g} s: {'met' if m['loop_s'] <= TARGETS['loop'] else 'MISSED'})",
        f"  SEL4VSPACE_BUDGET=dev python -m pytest -n auto{arch_option} ({result.get('cores')} cores): {m['suite_s']:.2f} s"
        f" ({m['suite_cpu_s']:.2f} s CPU; {result['samples'][-1]['suite_summary']})",
        f"  edit -> rebuild -> whole suite: {m['suite_loop_s']:.2f} s (sel4test: {SEL4TEST['suite']};"
        f" target <= {TARGETS['suite']:g} s for one arch: {verdict(m['suite_loop_s'] <= TARGETS['suite'])})",
    ]
    if result.get("pythondontwritebytecode"):
        lines.append("  (PYTHONDONTWRITEBYTECODE is set: pytest rewrites every test module and plugin on each run;"
                     " unset, as on most machines, the selection starts faster)")
    for step, name in (("fast", "the fast selection"), ("suite", "the whole suite")):
        if any(s[f"{step}_exit"] != 0 for s in result["samples"]):
            lines.append(f"  ({name} FAILED in some round: see the JSON)")
    return "\n".join(lines)
