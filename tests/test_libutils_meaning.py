# SPDX-License-Identifier: BSD-2-Clause
"""vendor/libutils means what util_libs' libutils means under every name both have.

A probe program evaluates each value-producing macro on inputs that tell the possible meanings apart
(a byte alignment from a bit count, a low mask from a high one, floor from ceiling), compiled
against vendor/libutils; the results must equal util_libs' meanings, written out here. With
SEL4VSPACE_UTIL_LIBS pointing at a util_libs checkout, the probe is also compiled against it and
the two outputs must be identical. Every macro vendor/libutils defines is either probed here or
listed as not producing a value (attributes, log statements), so a new one cannot slip by.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENDOR_UTILS = ROOT / "vendor" / "libutils" / "include"
CONFIG = ROOT / "csrc" / "config" / "include"
WORD = 64

pytestmark = pytest.mark.skipif(not VENDOR_UTILS.is_dir(), reason="needs the source tree (vendor/)")

# expression -> util_libs' value
PROBES: dict[str, int] = {
    "BIT(0)": 1, "BIT(12)": 4096, "BIT(63)": 1 << 63,
    "MASK(1)": 1, "MASK(12)": 0xFFF, "MASK(64)": (1 << 64) - 1,
    "IS_ALIGNED(0x3000ul, 12)": 1, "IS_ALIGNED(0x3001ul, 12)": 0, "IS_ALIGNED(0x200000ul, 21)": 1,
    "ROUND_UP(5000ul, 4096ul)": 8192, "ROUND_UP(8192ul, 4096ul)": 8192, "ROUND_UP(7ul, 3ul)": 9,
    "ROUND_UP(0ul, 4096ul)": 0,
    "ROUND_DOWN(5000ul, 4096ul)": 4096, "ROUND_DOWN(4096ul, 4096ul)": 4096, "ROUND_DOWN(7ul, 3ul)": 6,
    "DIV_ROUND_UP(5000ul, 4096ul)": 2, "DIV_ROUND_UP(4096ul, 4096ul)": 1, "DIV_ROUND_UP(0ul, 7ul)": 0,
    "DIV_ROUND_UP(~0ul, 2ul)": 1 << 63,
    "ALIGN_UP(5000ul, 4096ul)": 8192, "ALIGN_DOWN(5000ul, 4096ul)": 4096,
    "MIN(3, 9)": 3, "MIN(-2, 1)": -2, "MAX(3, 9)": 9, "MAX(-2, 1)": 1,
    "ARRAY_SIZE(probe_array)": 7,
    "IS_POWER_OF_2(0ul)": 0, "IS_POWER_OF_2(64ul)": 1, "IS_POWER_OF_2(96ul)": 0,
    "IS_POWER_OF_2_OR_ZERO(0ul)": 1, "IS_POWER_OF_2_OR_ZERO(96ul)": 0,
    "SIZE_BITS_TO_BYTES(21)": 1 << 21,
    "BYTES_TO_SIZE_BITS(4096ul)": 12, "BYTES_TO_SIZE_BITS(6000ul)": 12, "BYTES_TO_SIZE_BITS(1ul)": 0,
    "BYTES_TO_4K_PAGES(1ul)": 1, "BYTES_TO_4K_PAGES(4096ul)": 1, "BYTES_TO_4K_PAGES(4097ul)": 2,
    "BYTES_TO_SIZE_BITS_PAGES(5ul << 20, 21)": 3, "BYTES_TO_SIZE_BITS_PAGES(4ul << 20, 21)": 2,
    "PAGE_BITS_4K": 12, "PAGE_BITS_2M": 21, "PAGE_BITS_1G": 30,
    "PAGE_SIZE_4K": 4096, "PAGE_SIZE_2M": 1 << 21,
    "PAGE_MASK_4K": 0xFFF, "PAGE_MASK_2M": 0x1FFFFF,
    "PAGE_ALIGN_4K(0x12345ul)": 0x12000, "PAGE_ALIGN_2M(0x412345ul)": 0x400000,
    "IS_ALIGNED_4K(0x2000ul)": 1, "IS_ALIGNED_2M(0x201000ul)": 0,
    "CTZ(8u)": 3, "CTZL(1ul << 40)": 40, "CLZ(1u)": 31, "CLZL(1ul)": 63, "POPCOUNTL(0xF0F0ul)": 8,
    "likely(5)": 1, "unlikely(0)": 0,
    "ZF_LOG_VERBOSE": 1, "ZF_LOG_DEBUG": 2, "ZF_LOG_INFO": 3, "ZF_LOG_WARN": 4, "ZF_LOG_ERROR": 5,
    "ZF_LOG_FATAL": 0xFFFF, "ZF_LOG_NONE": 0xFFFF,
    "config_set(PROBE_ON)": 1, "config_set(PROBE_OFF)": 0,
    "sizeof(STRINGIFY(PROBE_ON))": 2, "sizeof(_STRINGIFY(PROBE_ON))": 9,
}
# vendor macros that produce no value to compare: attributes, statements, configuration, helpers
NOT_VALUES = {
    "ALIGN", "ALLOC_SIZE", "COLD", "CONST", "DEPRECATED", "FORMAT", "HOT", "MALLOC", "NONNULL",
    "NORETURN", "PACKED", "PURE", "SECTION", "UNUSED", "USED", "VISIBLE", "WARN_UNUSED_RESULT", "WEAK",
    "compile_time_assert", "LOG_ERROR", "ZF_LOG_LEVEL", "ZF_LOG_TAG", "ZF_LOG_WRITE",
    "ZF_LOGV", "ZF_LOGD", "ZF_LOGI", "ZF_LOGW", "ZF_LOGE", "ZF_LOGF",
    "ZF_LOGV_IF", "ZF_LOGD_IF", "ZF_LOGI_IF", "ZF_LOGW_IF", "ZF_LOGE_IF", "ZF_LOGF_IF",
    "ZF_LOG_ENABLED", "ZF_LOG_ENABLED_VERBOSE", "ZF_LOG_ENABLED_DEBUG", "ZF_LOG_ENABLED_INFO",
    "ZF_LOG_ENABLED_WARN", "ZF_LOG_ENABLED_ERROR", "ZF_LOG_ENABLED_FATAL",
    "PAGE_SIZE_1G", "PAGE_MASK_1G", "PAGE_ALIGN_1G",   # vendor's own, no util_libs counterpart
}


def _probe_source() -> str:
    lines = [
        "#include <stdio.h>",
        "#include <utils/util.h>",
        "#define PROBE_ON 1",
        "static int probe_array[7];",
        "int main(void) {",
        "    (void) probe_array;",
    ]
    for expression in PROBES:
        text = expression.replace('"', '\\"')
        lines.append(f'    printf("%s = %lld\\n", "{text}", (long long) ({expression}));')
    lines += ["    return 0;", "}"]
    return "\n".join(lines) + "\n"


def _run_probe(tmp_path: Path, includes: list[Path], name: str) -> dict[str, int]:
    source = tmp_path / f"{name}.c"
    source.write_text(_probe_source())
    binary = tmp_path / name
    command = [os.environ.get("CC", "cc"), "-std=gnu11", "-w", *[f"-I{d}" for d in includes],
               str(source), "-o", str(binary)]
    subprocess.run(command, check=True, capture_output=True, text=True)
    out = subprocess.run([str(binary)], check=True, capture_output=True, text=True).stdout
    results = {}
    for line in out.splitlines():
        expression, _, value = line.rpartition(" = ")
        results[expression] = int(value) % (1 << WORD)
    return results


def _defined_macros(include_dir: Path) -> set[str]:
    names = set()
    for header in include_dir.rglob("*.h"):
        names.update(re.findall(r"^\s*#\s*define\s+([A-Za-z_]\w*)", header.read_text(), re.M))
    return names


def test_vendor_libutils_means_what_util_libs_means(tmp_path):
    results = _run_probe(tmp_path, [CONFIG, VENDOR_UTILS], "vendor")
    wrong = {e: (results[e], v % (1 << WORD)) for e, v in PROBES.items() if results[e] != v % (1 << WORD)}
    assert not wrong, f"vendor/libutils differs from util_libs' meaning (got, want): {wrong}"


def test_every_vendor_macro_is_probed_or_named_as_no_value():
    probed = {m.group(1) for e in PROBES for m in [re.match(r"(?:sizeof\()?(\w+)", e)] if m}
    internal = re.compile(r"^(_|CONFIG_|[A-Z]+_(?:[A-Z0-9]+_)*$)|_$")   # include guards, helpers ending in _
    unclassified = {n for n in _defined_macros(VENDOR_UTILS) - probed - NOT_VALUES if not internal.search(n)}
    assert not unclassified, f"add these to PROBES or NOT_VALUES: {sorted(unclassified)}"


def _util_libs_checkout() -> Path | None:
    """The util_libs checkout to compare with: the one SEL4VSPACE_UTIL_LIBS names when the tests run,
    else the one the extension under test was built with (its build record)."""
    given = os.environ.get("SEL4VSPACE_UTIL_LIBS", "").strip()
    if given:
        return Path(given).expanduser()
    from sel4vspace.lowlevel import BUILT_UTIL_LIBS  # noqa: PLC0415 - only this test needs the extension

    return None if BUILT_UTIL_LIBS == "vendor" else Path(BUILT_UTIL_LIBS)


UTIL_LIBS = _util_libs_checkout()


@pytest.mark.skipif(UTIL_LIBS is None, reason="no util_libs checkout: the extension was built with vendor/libutils, and "
                    "SEL4VSPACE_UTIL_LIBS names none")
def test_vendor_and_util_libs_agree_on_every_probe(tmp_path):
    assert UTIL_LIBS is not None
    util_libs = UTIL_LIBS / "libutils"
    theirs = _run_probe(tmp_path, [CONFIG, util_libs / "include", util_libs / "arch_include" / "x86"], "util_libs")
    ours = _run_probe(tmp_path, [CONFIG, VENDOR_UTILS], "vendor")
    assert ours == theirs
    shared = _defined_macros(VENDOR_UTILS) & (_defined_macros(util_libs / "include"))
    probed = {m.group(1) for e in PROBES for m in [re.match(r"(?:sizeof\()?(\w+)", e)] if m}
    assert not {n for n in shared - probed - NOT_VALUES if not n.startswith("_")}
