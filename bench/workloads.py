# SPDX-License-Identifier: BSD-2-Clause
"""The Python side of bench/run.py: the workloads of bench/harness.c through sel4vspace's public API.

Each function takes the same parameters as the harness and returns a dict shaped like the
harness's JSON line, so run.py can put the two side by side. Kernel sizes, addresses and the
order of operations follow the harness exactly; only the calls differ (``VSpace`` methods instead
of ``vspace_*``). The garbage collector is off while a sample is timed, as ``timeit`` does.
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
from sel4vspace.lowlevel.arch import ARCH

PAGE = 4096


def _bench_vaddr(bits: int) -> int:
    """As the harness's bench_vaddr: 2^bits where user space is large enough (2^47 bytes on x86_64
    and AArch64), else as many bits below the top of a smaller one (Sv39's 2^38) as 2^40 would be."""
    user_bits = (ARCH.user_top - 1).bit_length()
    return 1 << bits if bits + 4 <= user_bits else 1 << (user_bits - 1 - (40 - bits))


BULK_VADDR = _bench_vaddr(40)
MANY_VADDR = _bench_vaddr(39)
W5_REGION = 1 << 20


def _log2_ceil(n: int) -> int:
    return max(0, (n - 1).bit_length())


def untyped_bits_for(pages: int) -> int:
    """As the harness: untyped memory for twice the frames."""
    return max(22, _log2_ceil(pages) + 13)


def cnode_bits_for(pages: int) -> int:
    """As the harness: room for the frame caps and the untyped caps the buddy allocator splits off."""
    return max(16, _log2_ceil(pages) + 2)


@contextmanager
def _world(pages: int, frames: int) -> Iterator[tuple[Kernel, Any, list[int]]]:
    kernel = Kernel(untyped_bits=untyped_bits_for(pages), cnode_bits=cnode_bits_for(pages))
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


def w1_bulk(n: int, reps: int) -> dict[str, Any]:
    """Reserve n deferred pages, map n frames in one call, unmap them, free the reservation."""
    reps = max(reps, 2)
    rw = CapRights.RW
    phase_names = ("reserve", "map", "unmap", "free")
    with _world(n, n) as (_, vspace, cap_list):
        caps = array("Q", cap_list)  # a uint64 buffer: shared with C without a copy
        samples, phases = [], []
        for _ in range(reps):
            with _no_gc():
                t = [time.perf_counter_ns()]
                reservation = vspace.reserve_deferred_rights_range_at(BULK_VADDR, n * PAGE)
                t.append(time.perf_counter_ns())
                vspace.deferred_rights_map_pages_at_vaddr(caps, BULK_VADDR, rw, reservation)
                t.append(time.perf_counter_ns())
                vspace.unmap_pages(BULK_VADDR, n)
                t.append(time.perf_counter_ns())
                vspace.free_reservation(reservation)
                t.append(time.perf_counter_ns())
            samples.append((t[-1] - t[0]) / n)
            phases.append([(b - a) / n for a, b in zip(t, t[1:])])
    return {"workload": "W1", "size": n, "unit": "ns/page", "value": statistics.median(samples[1:]),
            "cold": samples[0],
            "phases": {name: statistics.median(p[i] for p in phases[1:]) for i, name in enumerate(phase_names)},
            "samples": samples}


def w2_small(rounds: int, batches: int) -> dict[str, Any]:
    """Rounds of: reserve one deferred page, map one frame, unmap it, free the reservation."""
    rw = CapRights.RW
    with _world(1, 1) as (_, vspace, caps):
        one = caps[:1]
        per_batch = rounds // batches

        def batch() -> float:
            reserve = vspace.reserve_deferred_rights_range_at
            map_deferred = vspace.deferred_rights_map_pages_at_vaddr
            unmap = vspace.unmap_pages
            free = vspace.free_reservation
            t0 = time.perf_counter_ns()
            for _ in range(per_batch):
                reservation = reserve(BULK_VADDR, PAGE)
                map_deferred(one, BULK_VADDR, rw, reservation)
                unmap(BULK_VADDR, 1)
                free(reservation)
            return (time.perf_counter_ns() - t0) / per_batch

        with _no_gc():
            batch()  # warm up, as the harness does
            samples = [batch() for _ in range(batches)]
    return {"workload": "W2", "size": rounds, "unit": "ns/round", "calls_per_round": 4,
            "value": statistics.median(samples), "samples": samples}


_PHASES = ("reserve", "map", "lookup", "unmap", "free")


def _many_vaddr(i: int) -> int:
    return MANY_VADDR + i * 2 * PAGE


def w3_many(r_count: int, reps: int) -> dict[str, Any]:
    """R one-page reservations; then map, look up and unmap each by vaddr; then free them by vaddr."""
    rw = CapRights.RW
    vaddrs = [_many_vaddr(i) for i in range(r_count)]
    samples: dict[str, list[float]] = {p: [] for p in _PHASES}
    with _world(r_count, r_count) as (_, vspace, caps):
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
    result: dict[str, Any] = {"workload": "W3", "size": r_count, "unit": "ns/op",
                              "phases": {name: statistics.median(samples[name]) for name in _PHASES}}
    result.update(samples)
    result["reps"] = reps
    return result


def w4_memory(n: int) -> dict[str, Any]:
    """Host bytes of the allocator's tables and the kernel's paging structures per mapped page."""
    with _world(n, n) as (kernel, vspace, caps):
        before = kernel.host_memory
        reservation = vspace.reserve_deferred_rights_range_at(BULK_VADDR, n * PAGE)
        vspace.deferred_rights_map_pages_at_vaddr(array("Q", caps), BULK_VADDR, CapRights.RW, reservation)
        after = kernel.host_memory
    tables = (after["allocator_tables"] - before["allocator_tables"]) / n
    paging = (after["paging_structures"] - before["paging_structures"]) / n
    return {"workload": "W4", "size": n, "unit": "bytes/page", "value": tables + paging,
            "allocator_tables": tables, "paging_structures": paging}


def w5_mmu(chunk: int, total: int) -> dict[str, Any]:
    """Reads (into new bytes, and into one buffer) and writes of chunk bytes through the MMU, and
    plain copies of the same bytes."""
    pages = W5_REGION // PAGE
    with _world(pages, pages) as (_, vspace, caps):
        reservation = vspace.reserve_range_at(BULK_VADDR, W5_REGION, CapRights.RW)
        vspace.map_pages_at_vaddr(array("Q", caps), BULK_VADDR, reservation)
        source = bytes((i * 7) & 0xFF for i in range(W5_REGION))
        vspace.write(BULK_VADDR, source)
        view = memoryview(source)
        chunks = total // chunk
        offsets = [(i * chunk) % W5_REGION for i in range(chunks)]
        read, read_into, write = vspace.read, vspace.read_into, vspace.write
        buffer = bytearray(chunk)

        def run(kind: str) -> float:
            t0 = time.perf_counter_ns()
            if kind == "read":
                for offset in offsets:
                    read(BULK_VADDR + offset, chunk)
            elif kind == "read_into":
                for offset in offsets:
                    read_into(BULK_VADDR + offset, buffer)
            elif kind == "write":
                for offset in offsets:
                    write(BULK_VADDR + offset, view[offset:offset + chunk])
            else:
                for offset in offsets:
                    bytes(view[offset:offset + chunk])
            return chunks * chunk / (time.perf_counter_ns() - t0)

        samples: dict[str, list[float]] = {"read": [], "read_into": [], "write": [], "memcpy": []}
        with _no_gc():
            for _ in range(5):
                for kind in samples:
                    samples[kind].append(run(kind))
    result: dict[str, Any] = {"workload": "W5", "size": chunk, "unit": "GB/s", "total_bytes": chunks * chunk}
    for kind, values in samples.items():
        result[kind] = statistics.median(values)
        result[f"{kind}_samples"] = values
    return result


WORKLOADS = {"W1": w1_bulk, "W2": w2_small, "W3": w3_many, "W4": lambda n, _count: w4_memory(n), "W5": w5_mmu}


def main(argv: list[str]) -> int:
    """``workloads.py WORKLOAD SIZE COUNT``: run one workload, print its JSON line (as the harness
    does; run.py starts a fresh process per workload on both sides, so neither inherits a heap
    fragmented by the workloads before it)."""
    if len(argv) != 3 or argv[0] not in WORKLOADS:
        print("usage: workloads.py W1|W2|W3|W4|W5 SIZE COUNT", file=sys.stderr)
        return 2
    print(json.dumps(WORKLOADS[argv[0]](int(argv[1], 0), int(argv[2], 0))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
