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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

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


_W1_PHASES = ("reserve", "map", "unmap", "free")


def _w1_cycle(vspace: Any, caps: array, base: int, n: int,
              clock: Callable[[], int] = time.perf_counter_ns) -> list[float]:
    """One W1 cycle, as the harness's bulk_cycle: ns per page of each phase, by ``clock``."""
    rw = CapRights.RW
    with _no_gc():
        t = [clock()]
        reservation = vspace.reserve_deferred_rights_range_at(base, n * PAGE)
        t.append(clock())
        vspace.deferred_rights_map_pages_at_vaddr(caps, base, rw, reservation)
        t.append(clock())
        vspace.unmap_pages(base, n)
        t.append(clock())
        vspace.free_reservation(reservation)
        t.append(clock())
    return [(b - a) / n for a, b in zip(t, t[1:])]


def _w1_result(kernel: Kernel, n: int, cycles: list[list[float]]) -> dict[str, Any]:
    """W1's JSON from per-cycle phases: the first cycle is cold, the median of the rest the value."""
    samples = [sum(phases) for phases in cycles]
    return {"workload": "W1", "arch": kernel.arch, "size": n, "unit": "ns/page",
            "value": statistics.median(samples[1:]), "cold": samples[0],
            "phases": {name: statistics.median(p[i] for p in cycles[1:]) for i, name in enumerate(_W1_PHASES)},
            "samples": samples}


def w1_bulk(n: int, reps: int, arch: str | None = None) -> dict[str, Any]:
    """Reserve n deferred pages, map n frames in one call, unmap them, free the reservation."""
    with _world(n, n, arch) as (kernel, vspace, cap_list):
        caps = array("Q", cap_list)  # a uint64 buffer: copied for C with one memmove
        cycles = [_w1_cycle(vspace, caps, bulk_vaddr(kernel), n) for _ in range(max(reps, 2))]
    return _w1_result(kernel, n, cycles)


def _w2_batch(vspace: Any, one: list[int], base: int, rounds: int,
              clock: Callable[[], int] = time.perf_counter_ns) -> float:
    """``rounds`` W2 rounds, as the harness's small_round: ns per round, by ``clock``."""
    rw = CapRights.RW
    reserve = vspace.reserve_deferred_rights_range_at
    map_deferred = vspace.deferred_rights_map_pages_at_vaddr
    unmap = vspace.unmap_pages
    free = vspace.free_reservation
    with _no_gc():
        t0 = clock()
        for _ in range(rounds):
            reservation = reserve(base, PAGE)
            map_deferred(one, base, rw, reservation)
            unmap(base, 1)
            free(reservation)
        return (clock() - t0) / rounds


def w2_small(rounds: int, batches: int, arch: str | None = None) -> dict[str, Any]:
    """Rounds of: reserve one deferred page, map one frame, unmap it, free the reservation."""
    with _world(1, 1, arch) as (kernel, vspace, caps):
        base, one, per_batch = bulk_vaddr(kernel), caps[:1], rounds // batches
        _w2_batch(vspace, one, base, per_batch)  # warm up, as the harness does
        samples = [_w2_batch(vspace, one, base, per_batch) for _ in range(batches)]
    return {"workload": "W2", "arch": kernel.arch, "size": rounds, "unit": "ns/round", "calls_per_round": 4,
            "value": statistics.median(samples), "samples": samples}


# ---- paired samples -------------------------------------------------------------------------------
# W1 and W2 are judged on Python/native ratios. This machine's speed changes by up to 1.7x from one
# stretch of tens of milliseconds to the next, so two processes run one after the other can each
# land in a different stretch. The paired runs take the native samples from the harness linked as
# a shared library (bench/build.py, libharness.so) in this very process, in turn with Python's:
# each pair's ratio is taken between two samples measured back to back. Both sides time their
# samples by this thread's CPU time (time.thread_time_ns, CLOCK_THREAD_CPUTIME_ID), so that the time
# other processes of a busy machine take does not count on either side.

CPU_CLOCK = time.thread_time_ns

_HARNESS_CDEF = """
typedef struct bench_world bench_world_t;
bench_world_t *harness_open(size_t pages, size_t frames);
void harness_close(bench_world_t *b);
void harness_time_by_thread_cpu(void);
double harness_w1_sample(bench_world_t *b, size_t n, double phases[4]);
double harness_kernel_floor(bench_world_t *b, size_t n);
double harness_w2_sample(bench_world_t *b, size_t rounds);
"""


@contextmanager
def _native(library: str, pages: int, frames: int) -> Iterator[tuple[Any, Any, Any]]:
    """The harness library's own world for ``pages``/``frames``: (ffi, lib, world)."""
    import cffi  # noqa: PLC0415 - only the paired runs need it

    ffi = cffi.FFI()
    ffi.cdef(_HARNESS_CDEF)
    lib = ffi.dlopen(library, ffi.RTLD_NOW | ffi.RTLD_LOCAL)
    lib.harness_time_by_thread_cpu()
    world = lib.harness_open(pages, frames)
    try:
        yield ffi, lib, world
    finally:
        lib.harness_close(world)


def _pairs(native: Callable[[], Any], python: Callable[[], Any], count: int) -> tuple[list[Any], list[Any]]:
    """``count`` pairs of samples, the side that goes first alternating from pair to pair."""
    natives, pythons = [], []
    for i in range(count):
        if i % 2:
            pythons.append(python())
            natives.append(native())
        else:
            natives.append(native())
            pythons.append(python())
    return natives, pythons


def _paired(native: dict[str, Any], python: dict[str, Any], natives: list[float],
            pythons: list[float]) -> dict[str, Any]:
    """Both sides' results, Python's with "pair_ratios" (each pair's Python/native) and
    "paired_ratio" (their median)."""
    ratios = [p / n for n, p in zip(natives, pythons, strict=True)]
    return {"native": native, "python": {**python, "paired_ratio": statistics.median(ratios), "pair_ratios": ratios}}


def w1_paired(n: int, reps: int, arch: str, library: str) -> dict[str, Any]:
    """W1 on both sides in one process, a native and a Python cycle in turn (the first pair cold);
    {"native": ..., "python": ...}, each shaped as its own run's JSON."""
    with _world(n, n, arch) as (kernel, vspace, cap_list), _native(library, n, n) as (ffi, lib, world):
        caps, base = array("Q", cap_list), bulk_vaddr(kernel)
        phases = ffi.new("double[4]")

        def native_cycle() -> list[float]:
            lib.harness_w1_sample(world, n, phases)
            return list(phases)

        native_cycles, python_cycles = _pairs(native_cycle, lambda: _w1_cycle(vspace, caps, base, n, CPU_CLOCK),
                                              max(reps, 2))
        floor = statistics.median(lib.harness_kernel_floor(world, n) for _ in range(max(reps, 2)))
    native = {**_w1_result(kernel, n, native_cycles), "kernel_floor": floor}
    python = _w1_result(kernel, n, python_cycles)
    return _paired(native, python, native["samples"][1:], python["samples"][1:])


# Rounds per W2 sample: a Python sample of them takes about 2 ms here, under the stretches of tens of
# milliseconds the machine's speed holds for.
W2_PAIRED_ROUNDS = 200


def w2_paired(rounds: int, _batches: int, arch: str, library: str) -> dict[str, Any]:
    """W2 on both sides in one process: ``rounds`` rounds a side in samples of W2_PAIRED_ROUNDS, a
    native and a Python sample in turn, each side warmed up by one sample first; shaped as
    w1_paired's."""
    per_sample = min(rounds, W2_PAIRED_ROUNDS)
    with _world(1, 1, arch) as (kernel, vspace, caps), _native(library, 1, 1) as (_ffi, lib, world):
        base, one = bulk_vaddr(kernel), caps[:1]
        lib.harness_w2_sample(world, per_sample)
        _w2_batch(vspace, one, base, per_sample, CPU_CLOCK)
        natives, pythons = _pairs(lambda: lib.harness_w2_sample(world, per_sample),
                                  lambda: _w2_batch(vspace, one, base, per_sample, CPU_CLOCK),
                                  max(rounds // per_sample, 1))
    shared = {"workload": "W2", "arch": kernel.arch, "size": rounds, "unit": "ns/round", "calls_per_round": 4}
    return _paired({**shared, "value": statistics.median(natives), "samples": natives},
                   {**shared, "value": statistics.median(pythons), "samples": pythons}, natives, pythons)


PAIRED = {"W1": w1_paired, "W2": w2_paired}


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
    workload on both sides, so neither inherits a heap fragmented by the workloads before it).
    ``workloads.py --paired LIBRARY W1|W2 SIZE COUNT ARCH``: both sides of W1 or W2 in this
    process, the native one from the harness library LIBRARY (see the paired samples above)."""
    if len(argv) == 6 and argv[0] == "--paired" and argv[2] in PAIRED:
        library, workload, size, count, arch = argv[1:]
        print(json.dumps(PAIRED[workload](int(size, 0), int(count, 0), arch, library)))
        return 0
    if len(argv) not in (3, 4) or argv[0] not in WORKLOADS:
        print("usage: workloads.py W1|W2|W3|W4|W5 SIZE COUNT [ARCH]\n"
              "       workloads.py --paired LIBRARY W1|W2 SIZE COUNT ARCH", file=sys.stderr)
        return 2
    arch = argv[3] if len(argv) == 4 else None
    print(json.dumps(WORKLOADS[argv[0]](int(argv[1], 0), int(argv[2], 0), arch=arch)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
