# SPDX-License-Identifier: BSD-2-Clause
"""The Python side of bench/run.py: the workloads of bench/harness.c through sel4vspace's public API.

Each function takes the same parameters as the harness and returns a dict shaped like the
harness's JSON line, so run.py can put the two side by side. Kernel sizes, addresses and the
order of operations follow the harness exactly; only the calls differ (``VSpace`` methods instead
of ``vspace_*``). The garbage collector is off while a sample is timed, as ``timeit`` does. Each
runs on a kernel of the arch asked for (``Kernel(arch=...)``; default: the default arch), at the
addresses the harness built for that arch uses.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from array import array
from contextlib import contextmanager
from typing import Any, Iterator

from sel4vspace import CapRights, Kernel

PAGE = 4096
W5_REGION = 1 << 20


def bench_vaddr(bits: int, user_top: int) -> int:
    """As the harness's bench_vaddr: 2^bits where user space (ending at ``user_top``) is large
    enough (2^47 bytes on x86_64 and AArch64), else as many bits below the top of a smaller one
    (Sv39's 2^38) as 2^40 would be."""
    user_bits = (user_top - 1).bit_length()
    return 1 << bits if bits + 4 <= user_bits else 1 << (user_bits - 1 - (40 - bits))


def bulk_vaddr(kernel: Kernel) -> int:
    """Where the bulk workloads (W1, W2, W4, W5) reserve, on the kernel's arch."""
    return bench_vaddr(40, kernel.user_top)


def many_vaddr(kernel: Kernel) -> int:
    """Where W3's reservations start, on the kernel's arch."""
    return bench_vaddr(39, kernel.user_top)


def _log2_ceil(n: int) -> int:
    return max(0, (n - 1).bit_length())


def untyped_bits_for(pages: int) -> int:
    """As the harness: untyped memory for twice the frames."""
    return max(22, _log2_ceil(pages) + 13)


def cnode_bits_for(pages: int) -> int:
    """As the harness: room for the frame caps and the untyped caps the buddy allocator splits off."""
    return max(16, _log2_ceil(pages) + 2)


@contextmanager
def _world(pages: int, frames: int, arch: str | None) -> Iterator[tuple[Kernel, Any, list[int]]]:
    kernel = Kernel(untyped_bits=untyped_bits_for(pages), cnode_bits=cnode_bits_for(pages), arch=arch)
    try:
        vspace = kernel.new_vspace("bench")
        caps = kernel.alloc_frames(frames) if frames else []
        yield kernel, vspace, caps
    finally:
        kernel.close()


@contextmanager
def _no_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def w1_bulk(n: int, reps: int, arch: str | None = None) -> dict[str, Any]:
    """Reserve n deferred pages, map n frames in one call, unmap them, free the reservation."""
    reps = max(reps, 2)
    rw = CapRights.RW
    phase_names = ("reserve", "map", "unmap", "free")
    with _world(n, n, arch) as (kernel, vspace, cap_list):
        base = bulk_vaddr(kernel)
        caps = array("Q", cap_list)  # a uint64 buffer: shared with C without a copy
        samples, phases = [], []
        for _ in range(reps):
            with _no_gc():
                t = [time.perf_counter_ns()]
                reservation = vspace.reserve_deferred_rights_range_at(base, n * PAGE)
                t.append(time.perf_counter_ns())
                vspace.deferred_rights_map_pages_at_vaddr(caps, base, rw, reservation)
                t.append(time.perf_counter_ns())
                vspace.unmap_pages(base, n)
                t.append(time.perf_counter_ns())
                vspace.free_reservation(reservation)
                t.append(time.perf_counter_ns())
            samples.append((t[-1] - t[0]) / n)
            phases.append([(b - a) / n for a, b in zip(t, t[1:])])
    return {"workload": "W1", "arch": kernel.arch, "size": n, "unit": "ns/page",
            "value": statistics.median(samples[1:]), "cold": samples[0],
            "phases": {name: statistics.median(p[i] for p in phases[1:]) for i, name in enumerate(phase_names)},
            "samples": samples}


def w2_small(rounds: int, batches: int, arch: str | None = None) -> dict[str, Any]:
    """Rounds of: reserve one deferred page, map one frame, unmap it, free the reservation."""
    rw = CapRights.RW
    with _world(1, 1, arch) as (kernel, vspace, caps):
        base = bulk_vaddr(kernel)
        one = caps[:1]
        per_batch = rounds // batches

        def batch() -> float:
            reserve = vspace.reserve_deferred_rights_range_at
            map_deferred = vspace.deferred_rights_map_pages_at_vaddr
            unmap = vspace.unmap_pages
            free = vspace.free_reservation
            t0 = time.perf_counter_ns()
            for _ in range(per_batch):
                reservation = reserve(base, PAGE)
                map_deferred(one, base, rw, reservation)
                unmap(base, 1)
                free(reservation)
            return (time.perf_counter_ns() - t0) / per_batch

        with _no_gc():
            batch()  # warm up, as the harness does
            samples = [batch() for _ in range(batches)]
    return {"workload": "W2", "arch": kernel.arch, "size": rounds, "unit": "ns/round", "calls_per_round": 4,
            "value": statistics.median(samples), "samples": samples}


_PHASES = ("reserve", "map", "lookup", "unmap", "free")


def w3_many(r_count: int, reps: int, arch: str | None = None) -> dict[str, Any]:
    """R one-page reservations; then map, look up and unmap each by vaddr; then free them by vaddr."""
    rw = CapRights.RW
    samples: dict[str, list[float]] = {p: [] for p in _PHASES}
    with _world(r_count, r_count, arch) as (kernel, vspace, caps):
        vaddrs = [many_vaddr(kernel) + i * 2 * PAGE for i in range(r_count)]
        for _ in range(reps):
            with _no_gc():
                t = [time.perf_counter_ns()]
                reservations = [vspace.reserve_range_at(v, PAGE, rw) for v in vaddrs]
                t.append(time.perf_counter_ns())
                for cap, v, reservation in zip(caps, vaddrs, reservations):
                    vspace.map_pages_at_vaddr([cap], v, reservation)
                t.append(time.perf_counter_ns())
                for cap, v in zip(caps, vaddrs):
                    mapping = vspace.lookup(v)
                    if mapping is None or mapping.cap != cap:
                        raise AssertionError(f"lookup({v:#x}) gave {mapping}")
                t.append(time.perf_counter_ns())
                for v in vaddrs:
                    vspace.unmap_pages(v, 1)
                t.append(time.perf_counter_ns())
                for v in vaddrs:
                    vspace.free_reservation_by_vaddr(v)
                t.append(time.perf_counter_ns())
                del reservations
            for p, name in enumerate(_PHASES):
                samples[name].append((t[p + 1] - t[p]) / r_count)
    result: dict[str, Any] = {"workload": "W3", "arch": kernel.arch, "size": r_count, "unit": "ns/op",
                              "phases": {name: statistics.median(samples[name]) for name in _PHASES}}
    result.update(samples)
    result["reps"] = reps
    return result


def w4_memory(n: int, _count: int = 1, arch: str | None = None) -> dict[str, Any]:
    """Host bytes of the allocator's tables and the kernel's paging structures per mapped page."""
    with _world(n, n, arch) as (kernel, vspace, caps):
        base = bulk_vaddr(kernel)
        before = kernel.host_memory
        reservation = vspace.reserve_deferred_rights_range_at(base, n * PAGE)
        vspace.deferred_rights_map_pages_at_vaddr(array("Q", caps), base, CapRights.RW, reservation)
        after = kernel.host_memory
    tables = (after["allocator_tables"] - before["allocator_tables"]) / n
    paging = (after["paging_structures"] - before["paging_structures"]) / n
    return {"workload": "W4", "arch": kernel.arch, "size": n, "unit": "bytes/page", "value": tables + paging,
            "allocator_tables": tables, "paging_structures": paging}


def w5_mmu(chunk: int, total: int, arch: str | None = None) -> dict[str, Any]:
    """Reads (into new bytes, and into one buffer) and writes of chunk bytes through the MMU, and
    plain copies of the same bytes."""
    pages = W5_REGION // PAGE
    with _world(pages, pages, arch) as (kernel, vspace, caps):
        base = bulk_vaddr(kernel)
        reservation = vspace.reserve_range_at(base, W5_REGION, CapRights.RW)
        vspace.map_pages_at_vaddr(array("Q", caps), base, reservation)
        source = bytes((i * 7) & 0xFF for i in range(W5_REGION))
        vspace.write(base, source)
        view = memoryview(source)
        chunks = total // chunk
        offsets = [(i * chunk) % W5_REGION for i in range(chunks)]
        read, read_into, write = vspace.read, vspace.read_into, vspace.write
        buffer = bytearray(chunk)

        def run(kind: str) -> float:
            t0 = time.perf_counter_ns()
            if kind == "read":
                for offset in offsets:
                    read(base + offset, chunk)
            elif kind == "read_into":
                for offset in offsets:
                    read_into(base + offset, buffer)
            elif kind == "write":
                for offset in offsets:
                    write(base + offset, view[offset:offset + chunk])
            else:
                for offset in offsets:
                    bytes(view[offset:offset + chunk])
            return chunks * chunk / (time.perf_counter_ns() - t0)

        samples: dict[str, list[float]] = {"read": [], "read_into": [], "write": [], "memcpy": []}
        with _no_gc():
            for _ in range(5):
                for kind in samples:
                    samples[kind].append(run(kind))
    result: dict[str, Any] = {"workload": "W5", "arch": kernel.arch, "size": chunk, "unit": "GB/s",
                              "total_bytes": chunks * chunk}
    for kind, values in samples.items():
        result[kind] = statistics.median(values)
        result[f"{kind}_samples"] = values
    return result


WORKLOADS = {"W1": w1_bulk, "W2": w2_small, "W3": w3_many, "W4": w4_memory, "W5": w5_mmu}


def main(argv: list[str]) -> int:
    """``workloads.py WORKLOAD SIZE COUNT [ARCH]``: run one workload on a kernel of ARCH (default:
    the default arch), print its JSON line (as the harness does; run.py starts a fresh process per
    workload on both sides, so neither inherits a heap fragmented by the workloads before it)."""
    if len(argv) not in (3, 4) or argv[0] not in WORKLOADS:
        print("usage: workloads.py W1|W2|W3|W4|W5 SIZE COUNT [ARCH]", file=sys.stderr)
        return 2
    arch = argv[3] if len(argv) == 4 else None
    print(json.dumps(WORKLOADS[argv[0]](int(argv[1], 0), int(argv[2], 0), arch=arch)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
