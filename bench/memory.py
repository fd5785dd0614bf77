# SPDX-License-Identifier: BSD-2-Clause
"""Host memory of mapping 1 GiB of 4 KiB pages through the public API at default settings.

    python bench/memory.py [--pages N] [--json PATH] [-- Kernel keyword=value ...]

In a fresh interpreter: the resident set size before and after
``Kernel().new_vspace().new_pages(N, "rw")`` (N = 2^18 pages of 4 KiB, 1 GiB, untouched), the
growth per page, and the C side's own accounting of what it holds (``Kernel.host_memory`` and
the host allocator's categories), so that the growth can be told apart by owner. A benchmark,
never a test: the figure depends on the host's allocator. The target is growth <= 64 MiB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

TARGET_BYTES = 64 << 20

CHILD = r"""
import gc, json, sys
def rss():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise SystemExit("no VmRSS in /proc/self/status")
from sel4vspace import Kernel
from sel4vspace.lowlevel import lib
pages, kwargs = int(sys.argv[1]), json.loads(sys.argv[2])
gc.collect()
before = rss()
kernel = Kernel(**kwargs)
vspace = kernel.new_vspace()
start = vspace.new_pages(pages, "rw")
gc.collect()
after = rss()
categories = ["kernel_objects", "frame_backing", "bookkeeping", "host_layer"]
print(json.dumps({
    "pages": pages, "kernel": kwargs or "defaults", "cnode_bits": kernel.cnode_bits,
    "untyped_bits": kernel.untyped_bits, "used_slots": kernel.used_slots,
    "rss_before": before, "rss_after": after, "growth": after - before,
    "host_memory": kernel.host_memory,
    "host_alloc": {name: int(lib.host_alloc_bytes_in_use(i)) for i, name in enumerate(categories)},
}))
"""


def measure(pages: int, kwargs: dict[str, int]) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(pages), json.dumps(kwargs)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1 << 18, help="4 KiB pages to map (default 2^18: 1 GiB)")
    parser.add_argument("--json", help="write the figures as JSON here")
    parser.add_argument("kernel", nargs="*", help="Kernel keyword arguments, e.g. cnode_bits=20")
    args = parser.parse_args(argv)
    kwargs = {k: int(v) for k, v in (item.split("=", 1) for item in args.kernel)}
    result = measure(args.pages, kwargs)
    mib = 1 << 20
    print(f"new_pages({result['pages']:,}, 'rw') on Kernel({', '.join(f'{k}={v}' for k, v in kwargs.items())})"
          f" (cnode_bits={result['cnode_bits']}, untyped_bits={result['untyped_bits']}):"
          f" {result['used_slots']:,} cslots in use")
    print(f"  process growth: {result['growth'] / mib:.1f} MiB, {result['growth'] / result['pages']:.0f} bytes per page")
    for name, value in {**result["host_memory"], **{f"host_alloc {k}": v for k, v in result["host_alloc"].items()}}.items():
        print(f"  {name:28} {value / mib:8.1f} MiB {value / result['pages']:8.1f} bytes/page")
    if args.pages == 1 << 18 and not kwargs:
        verdict = "met" if result["growth"] <= TARGET_BYTES else "NOT met"
        print(f"  target: growth <= {TARGET_BYTES // mib} MiB for 1 GiB of 4 KiB pages at default settings: {verdict}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
