# SPDX-License-Identifier: BSD-2-Clause
"""Mutation testing of the C under test: does the suite catch the slips a developer could make?

    python tools/mutate.py [--only ID ...] [--list] [--check] [--json PATH] [--timeout S]

A catalogue (MUTANTS below) of one-line slips in vendor/ (the vspace.h wrappers, the sel4utils
vspace: reservations, deferred rights, mapping, unmapping, sharing, bookkeeping) and in csrc/
(the simulated kernel and the host vka): each one replaces one exact piece of one line. For each
mutant the tool applies it, rebuilds in place (``python build_ffi.py``: the changed file and a
relink), runs the tests of its area (pytest ``-x``, without the slow source-compatibility build)
and puts the source back. A mutant is *killed* when a test fails (or the run crashes, or takes
longer than ``--timeout``), *survives* when every test passes, and *does not build* when the
compiler refuses it. Mutants marked equivalent (the behaviour cannot change, with the reason
given) are listed and not run unless ``--all``.

The report ends with the score, killed / (run - equivalent), and each survivor: a survivor is a
slip the suite would let through, so either a test is missing or the mutant is equivalent (then
mark it, saying why). The tree is always put back and rebuilt, also after Ctrl-C.

Not run in CI: a full run takes several minutes of builds and test runs. ``--check`` only
verifies that every mutant still finds its line (run it after editing the C under test).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WRAPPERS_H = "vendor/libsel4vspace/include/vspace/vspace.h"
VSPACE_C = "vendor/libsel4utils/src/vspace/vspace.c"
VSPACE_INTERNAL_H = "vendor/libsel4utils/include/sel4utils/vspace_internal.h"
CSPACE_C = "csrc/kernel/src/cspace.c"
UNTYPED_C = "csrc/kernel/src/untyped.c"
ARCH_C = "csrc/kernel/src/arch/uniform_pt.h"
MMU_C = "csrc/kernel/src/mmu.c"
HOST_VKA_C = "csrc/host/src/host_vka.c"

# The tests of each area: a mutant runs those of the area its file belongs to.
AREAS = {
    "wrappers": ["tests/wrappers", "tests/allocator/test_device_memory_requests.py",
                 "tests/allocator/test_refusal_lines_name_the_call.py", "tests/allocator/test_sel4utils_edges.py"],
    "allocator": ["tests/allocator", "tests/deferred", "tests/api", "tests/test_bad_input.py",
                  "tests/test_lifetime.py", "tests/test_accounting.py", "tests/model"],
    "kernel": ["tests/kernel", "tests/api", "tests/test_accounting.py", "tests/model"],
    "host": ["tests/allocator/test_host_vka.py", "tests/api", "tests/test_accounting.py", "tests/test_bad_input.py",
             "tests/allocator/test_vspace_lifecycle.py"],
}
AREA_OF = {WRAPPERS_H: "wrappers", VSPACE_C: "allocator", VSPACE_INTERNAL_H: "allocator", CSPACE_C: "kernel", UNTYPED_C: "kernel", ARCH_C: "kernel",
           MMU_C: "kernel", HOST_VKA_C: "host"}


@dataclass(frozen=True)
class Mutant:
    id: str
    file: str
    find: str          # exact text, found exactly once in file
    replace: str
    what: str          # the slip, in words
    equivalent: str = ""   # why the behaviour cannot change, for a mutant no test can kill

    @property
    def area(self) -> str:
        return AREA_OF[self.file]


MUTANTS = [
    # ---- vspace.h: the checked wrappers ----
    Mutant("h-default-device", WRAPPERS_H, "        .size_bits = size_bits,\n    };",
           "        .size_bits = size_bits,\n        .can_use_dev = true,\n    };",
           "the default new-pages config allows device memory"),
    Mutant("h-config-device", WRAPPERS_H, "                                      config->can_use_dev);",
           "                                      false);", "new_pages_at_vaddr_with_config drops can_use_dev"),
    Mutant("h-map-at-swap", WRAPPERS_H,
           "return vspace->map_pages_at_vaddr(vspace, caps, cookies, vaddr, num_pages, size_bits, reservation);",
           "return vspace->map_pages_at_vaddr(vspace, caps, cookies, vaddr, size_bits, num_pages, reservation);",
           "map_pages_at_vaddr passes num_pages and size_bits swapped"),
    Mutant("h-new-pages-bits", WRAPPERS_H, "return vspace->new_pages(vspace, rights, num_pages, size_bits);",
           "return vspace->new_pages(vspace, rights, num_pages, seL4_PageBits);", "new_pages maps 4 KiB pages whatever size_bits"),
    Mutant("h-unmap-vka", WRAPPERS_H, "vspace->unmap_pages(vspace, vaddr, num_pages, size_bits, vka);",
           "vspace->unmap_pages(vspace, vaddr, num_pages, size_bits, NULL);", "unmap_pages drops the vka (frames never freed)"),
    Mutant("h-aligned-cacheable", WRAPPERS_H,
           "return vspace->reserve_range_aligned(vspace, bytes, size_bits, rights, cacheable, vaddr);",
           "return vspace->reserve_range_aligned(vspace, bytes, size_bits, rights, 1, vaddr);",
           "reserve_range_aligned ignores cacheable"),
    Mutant("h-at-cacheable", WRAPPERS_H, "return vspace->reserve_range_at(vspace, vaddr, bytes, rights, cacheable);",
           "return vspace->reserve_range_at(vspace, vaddr, bytes, rights, 1);", "reserve_range_at ignores cacheable"),
    Mutant("h-share-swap", WRAPPERS_H,
           "return from->share_mem_at_vaddr(from, to, start, num_pages, size_bits, vaddr, res);",
           "return from->share_mem_at_vaddr(from, to, vaddr, num_pages, size_bits, start, res);",
           "share_mem_at_vaddr swaps the source and target addresses"),
    Mutant("h-deferred-cookies", WRAPPERS_H,
           "return vspace->deferred_rights_map_pages_at_vaddr(vspace, caps, cookies, vaddr, num_pages,",
           "return vspace->deferred_rights_map_pages_at_vaddr(vspace, caps, NULL, vaddr, num_pages,",
           "deferred_rights_map_pages_at_vaddr drops the cookies"),
    Mutant("h-cookie-is-cap", WRAPPERS_H, "return vspace->get_cookie(vspace, vaddr);",
           "return vspace->get_cap(vspace, vaddr);", "get_cookie dispatches to get_cap"),
    Mutant("h-free-by-vaddr", WRAPPERS_H, "vspace->free_reservation_by_vaddr(vspace, vaddr);",
           "vspace->free_reservation_by_vaddr(vspace, NULL);", "free_reservation_by_vaddr loses the address"),
    Mutant("h-allocated-cookie", WRAPPERS_H, "vspace->allocated_object(vspace->allocated_object_cookie, object);",
           "vspace->allocated_object(vspace, object);", "allocated_object gets the vspace instead of its cookie"),
    Mutant("h-share-negative", WRAPPERS_H, "vspace_log_if(num_pages < 0, ZF_LOG_ERROR",
           "vspace_log_if(num_pages <= 0, ZF_LOG_ERROR",
           "share refuses zero pages in the negative branch",
           equivalent="num_pages == 0 returned just before, so the branch sees only nonzero counts"),
    # ---- sel4utils vspace: reservations ----
    Mutant("v-find-reserve-end", VSPACE_C, "return candidate != NULL && vaddr < candidate->end ? candidate : NULL;",
           "return candidate != NULL && vaddr <= candidate->end ? candidate : NULL;",
           "find_reserve treats a reservation's end as inside it"),
    Mutant("v-range-end", VSPACE_C,
           "if (start < res->start || end > res->end || !is_reserved_range(data->top_level, start, end)) {",
           "if (start < res->start || end >= res->end || !is_reserved_range(data->top_level, start, end)) {",
           "the map operations refuse the last page of a reservation"),
    Mutant("v-range-start", VSPACE_C,
           "if (start < res->start || end > res->end || !is_reserved_range(data->top_level, start, end)) {",
           "if (start <= res->start || end > res->end || !is_reserved_range(data->top_level, start, end)) {",
           "the map operations refuse the first page of a reservation"),
    Mutant("v-own-reservation", VSPACE_C, "return res != NULL && res->owner == data && res->start < res->end;",
           "return res != NULL && res->start < res->end;", "another vspace's reservation is taken as one's own"),
    Mutant("v-release-slot", VSPACE_C, "    page->free_slots = res;\n    page->used--;",
           "    page->used--;", "freeing a reservation does not return its bookkeeping slot"),
    Mutant("v-release-page", VSPACE_C, "    if (page->used == 0 && (data->res_pages != page || page->next != NULL)) {",
           "    if (false && page->used == 0 && (data->res_pages != page || page->next != NULL)) {",
           "empty pages of reservation structs are kept until tear down"),
    Mutant("v-alloc-res-clear", VSPACE_C, "    memset(res, 0, sizeof(*res));\n    return res;",
           "    return res;", "a reused reservation struct keeps the fields of the last one",
           equivalent="every field is set again before use: bounds, rights and cacheability by "
                      "perform_reservation, malloced and rights_deferred by each caller, the links and owner "
                      "by insert_reservation"),
    Mutant("v-resize-overlap", VSPACE_C, "bool overlap = new_start < old_end && old_start < new_end;",
           "bool overlap = new_start <= old_end && old_start < new_end;",
           "move_resize takes a range right after the old one as overlapping",
           equivalent="for new_start == old_end both forms add [old_end, new_end) and drop the whole old range"),
    Mutant("v-bounds-limit", VSPACE_C,
           "if (vaddr >= SEL4UTILS_VSPACE_LIMIT || bytes > SEL4UTILS_VSPACE_LIMIT - vaddr) {\n        return false;\n    }\n    *end",
           "if (vaddr >= SEL4UTILS_VSPACE_LIMIT || bytes >= SEL4UTILS_VSPACE_LIMIT - vaddr) {\n        return false;\n    }\n    *end",
           "a page range ending exactly at the top of the address space is refused",
           equivalent="a range ending at 2^48 lies above seL4_UserTop (2^47): the kernel refuses to map it "
                      "either way, only the refusal's line differs"),
    # ---- sel4utils vspace: deferred rights and mapping ----
    Mutant("v-map-checked-name", VSPACE_C,
           'const char *operation = deferred_call ? "deferred_rights_map_pages_at_vaddr" : "map_pages_at_vaddr";',
           'const char *operation = deferred_call ? "map_pages_at_vaddr" : "deferred_rights_map_pages_at_vaddr";',
           "map_checked names the wrong function in its refusals"),
    Mutant("v-deferred-rights", VSPACE_C, "deferred_call ? rights : res->rights, res->cacheable, operation);",
           "res->rights, res->cacheable, operation);", "a deferred map uses the reservation's (empty) rights"),
    Mutant("v-map-pages-line", VSPACE_C, 'ZF_LOGE("map_pages: stopped at page',
           'ZF_LOGD("map_pages: stopped at page', "map_pages' refusal leaves the failing step's line last"),
    Mutant("v-deferred-check", VSPACE_C, "    if (deferred_call && !res->rights_deferred) {",
           "    if (deferred_call && res->rights_deferred) {", "the deferred map refuses deferred reservations"),
    Mutant("v-plain-into-deferred", VSPACE_C, "    if (!deferred_call && res->rights_deferred) {",
           "    if (false && !deferred_call && res->rights_deferred) {", "a plain map goes into a deferred reservation"),
    Mutant("v-new-pages-device", VSPACE_C, "if (new_pages_at_vaddr(vspace, vaddr, num_pages, size_bits, rights, 1, false) != 0) {",
           "if (new_pages_at_vaddr(vspace, vaddr, num_pages, size_bits, rights, 1, true) != 0) {",
           "new_pages takes frames that may be device memory"),
    Mutant("v-new-pages-undo", VSPACE_C, "    if (done < num_pages && done > 0) {", "    if (done < num_pages && done > 1) {",
           "a failed new_pages leaves its first page mapped"),
    Mutant("v-new-pages-cookie", VSPACE_C, "error = update_entries(vspace, v, frame.cptr, size_bits, frame.ut);",
           "error = update_entries(vspace, v, frame.cptr, size_bits, 0);",
           "new pages are recorded without their cookie (never freed)"),
    Mutant("v-map-pages-undo", VSPACE_C, "            if (i > 0) {\n                sel4utils_unmap_pages(vspace, vaddr, i, size_bits, VSPACE_PRESERVE);",
           "            if (i > 1) {\n                sel4utils_unmap_pages(vspace, vaddr, i, size_bits, VSPACE_PRESERVE);",
           "a failed map_pages leaves its first page mapped"),
    Mutant("v-get-cap-reserved", VSPACE_C, "return cap == RESERVED ? seL4_CapNull : cap;", "return cap;",
           "get_cap returns the reserved marker as a cap"),
    # ---- sel4utils vspace: unmap and share ----
    Mutant("v-unmap-res-end", VSPACE_C, "if (find_reserve(data, v) != NULL) {",
           "if (find_reserve(data, start) != NULL) {",
           "unmap keeps a page past the reservation reserved when it follows one inside"),
    Mutant("v-unmap-reserved", VSPACE_C, "    } else {\n            clear_entries(vspace, v, size_bits);",
           "    } else {\n            reserve_entries(vspace, v, size_bits);",
           "an unmapped page outside any reservation stays reserved"),
    Mutant("v-unmap-cookie", VSPACE_C, "    if (cookie != 0) {", "    if (cookie == 0) {",
           "unmap frees the caller's frames and keeps the vspace's"),
    Mutant("v-unmap-cursor", VSPACE_INTERNAL_H, "if (error == 0 && start < data->last_allocated) {",
           "if (error == 0 && start > data->last_allocated) {",
           "pages unmapped or unreserved below the cursor are never reused"),
    Mutant("v-last-bottom-span", VSPACE_INTERNAL_H,
           "(vaddr & ALIGN_FOR_LEVEL(1)) == data->last_bottom_base;",
           "(vaddr & ALIGN_FOR_LEVEL(2)) == data->last_bottom_base;",
           "a lookup anywhere in the 1 GiB above the last bottom table walked lands in that table"),
    Mutant("v-last-bottom-range", VSPACE_INTERNAL_H,
           "if (bottom != NULL && sel4utils_last_bottom(data, end - 1) == bottom) {",
           "if (bottom != NULL) {",
           "a range that starts in the last bottom table walked is done there even where it runs past it"),
    Mutant("v-last-bottom-teardown", VSPACE_C, "    data->last_bottom = NULL;\n", "",
           "tear down keeps the last bottom table walked after freeing it",
           equivalent="every operation refuses a torn-down vspace (live_data), and sel4utils_get_vspace "
                      "zeroes data before it is used again: the stale pointer is never read"),
    Mutant("v-share-rights", VSPACE_C, "error = vka_cnode_copy(&to_path, &from_path, res->rights);",
           "error = vka_cnode_copy(&to_path, &from_path, seL4_AllRights);",
           "share copies caps with all rights, not the reservation's"),
    Mutant("v-share-undo", VSPACE_C, "    if (error && page > 0) {", "    if (error && page > 1) {",
           "a failed share leaves its first page shared"),
    Mutant("v-share-copy-leak", VSPACE_C, "            vka_cnode_delete(&to_path);\n",
           "", "a share whose map fails leaves the copy in its slot"),
    # ---- the simulated kernel ----
    Mutant("k-chunk-empty", CSPACE_C, "    if (--chunk->used == 0) {", "    if (--chunk->used == 1) {",
           "a CNode chunk with one cap left is taken as empty"),
    Mutant("k-revoke-one", CSPACE_C, "    while (slot->mdb_next != NULL && is_mdb_parent_of(slot, slot->mdb_next)) {",
           "    if (slot->mdb_next != NULL && is_mdb_parent_of(slot, slot->mdb_next)) {",
           "revoke deletes only the first child"),
    Mutant("k-untyped-region", CSPACE_C, "return a_base <= b_base && b_last <= a_last && b_base <= b_last;",
           "return a_base <= b_base && b_last < a_last && b_base <= b_last;",
           "an untyped's last object is not its child"),
    Mutant("k-badge-rights", CSPACE_C, "cap->rights &= (uint8_t)mask.words[0];", "cap->rights |= (uint8_t)mask.words[0];",
           "minting an endpoint adds rights"),
    Mutant("k-untyped-reset", UNTYPED_C, "seL4_Word watermark = sim_cap_has_children(slot) ? slot->cap.data : 0;",
           "seL4_Word watermark = slot->cap.data;", "an untyped with no children is not reset"),
    Mutant("k-untyped-room", UNTYPED_C, "if ((free_bytes >> obj_bits) < num_objects) {",
           "if ((free_bytes >> obj_bits) <= num_objects) {", "the last object an untyped has room for is refused"),
    Mutant("k-mask-write", ARCH_C, "return seL4_CapRights_get_capAllowWrite(mask) ? SIM_VM_READ_WRITE : SIM_VM_READ_ONLY;",
           "return SIM_VM_READ_WRITE;", "maskVMRights keeps write without the write right"),
    Mutant("k-mmu-write", MMU_C, "if (access == SEL4SIM_ACCESS_WRITE ? !t.user_write : !t.user_read) {",
           "if (access == SEL4SIM_ACCESS_WRITE ? !t.user_read : !t.user_read) {",
           "the MMU lets a read-only page be written"),
    # ---- the host vka ----
    Mutant("x-slab-live", HOST_VKA_C, "    if (b->slab_live != 0) {", "    if (b->slab_live == 0) {",
           "a slab goes back while frames of it live"),
    Mutant("x-buddy-merge", HOST_VKA_C, "        if (buddy->state != HOST_BLOCK_FREE) {",
           "        if (buddy->state == HOST_BLOCK_FREE) {", "buddies merge when one is in use"),
]


@dataclass
class Outcome:
    mutant: Mutant
    verdict: str            # killed, survived, no build, equivalent, timeout
    seconds: float = 0.0
    detail: str = ""
    tests: list[str] = field(default_factory=list)


def source(mutant: Mutant) -> Path:
    return ROOT / mutant.file


def check(mutant: Mutant) -> str | None:
    text = source(mutant).read_text()
    count = text.count(mutant.find)
    if count != 1:
        return f"{mutant.id}: its text occurs {count} times in {mutant.file}"
    return None


def build(only_tested_arch: bool = True) -> subprocess.CompletedProcess:
    """Rebuild in place. ``only_tested_arch``: the arch the tests run on (SEL4VSPACE_ARCH, default
    x86_64) unless SEL4VSPACE_ARCHES says otherwise; a mutant needs no other."""
    env = dict(os.environ)
    if only_tested_arch and not env.get("SEL4VSPACE_ARCHES", "").strip():
        env["SEL4VSPACE_ARCHES"] = env.get("SEL4VSPACE_ARCH", "").strip() or "x86_64"
    return subprocess.run([sys.executable, "build_ffi.py"], cwd=ROOT, env=env, capture_output=True, text=True)


def run_tests(mutant: Mutant, timeout: float) -> tuple[str, str]:
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-m", "not slow",
               "-o", "addopts=", "--tb=line", *AREAS[mutant.area]]
    try:
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", f"the tests ran longer than {timeout:.0f} s"
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    if result.returncode == 0:
        return "survived", lines[-1] if lines else ""
    failed = [line for line in lines if line.startswith(("FAILED", "ERROR")) or "Error" in line[:80]]
    return "killed", (failed[0] if failed else (lines[-1] if lines else f"exit {result.returncode}"))[:200]


def apply(mutant: Mutant) -> str:
    path = source(mutant)
    original = path.read_text()
    path.write_text(original.replace(mutant.find, mutant.replace, 1))
    return original


def run(mutants: list[Mutant], timeout: float, run_equivalent: bool) -> list[Outcome]:
    outcomes = []
    originals: dict[Path, str] = {}
    try:
        for n, mutant in enumerate(mutants, 1):
            problem = check(mutant)
            if problem:
                outcomes.append(Outcome(mutant, "no build", detail=problem))
                continue
            if mutant.equivalent and not run_equivalent:
                outcomes.append(Outcome(mutant, "equivalent", detail=mutant.equivalent))
                continue
            start = time.monotonic()
            originals[source(mutant)] = apply(mutant)
            try:
                built = build()
                if built.returncode != 0:
                    verdict, detail = "no build", built.stderr.strip().splitlines()[-1] if built.stderr.strip() else ""
                else:
                    verdict, detail = run_tests(mutant, timeout)
            finally:
                source(mutant).write_text(originals.pop(source(mutant)))
            outcome = Outcome(mutant, verdict, time.monotonic() - start, detail)
            outcomes.append(outcome)
            print(f"[{n}/{len(mutants)}] {mutant.id:22} {verdict:9} {outcome.seconds:5.1f} s  {detail[:90]}", flush=True)
    finally:
        for path, text in originals.items():
            path.write_text(text)
        restored = build(only_tested_arch=False)
        if restored.returncode != 0:
            print("rebuilding the unmutated tree failed:\n" + restored.stderr, file=sys.stderr)
    return outcomes


def report(outcomes: list[Outcome]) -> dict:
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.verdict] = counts.get(o.verdict, 0) + 1
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    scored = killed + counts.get("survived", 0)
    print()
    print(f"{len(outcomes)} mutants: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    if scored:
        print(f"score: {killed}/{scored} killed ({100 * killed / scored:.0f}%) of the mutants that change behaviour")
    for o in outcomes:
        if o.verdict == "survived":
            print(f"  SURVIVED {o.mutant.id} ({o.mutant.file}): {o.mutant.what}")
        elif o.verdict == "no build":
            print(f"  NO BUILD {o.mutant.id}: {o.detail}")
    return {
        "counts": counts, "killed": killed, "scored": scored,
        "mutants": [{"id": o.mutant.id, "file": o.mutant.file, "what": o.mutant.what, "verdict": o.verdict,
                     "seconds": round(o.seconds, 1), "detail": o.detail} for o in outcomes],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", metavar="ID", help="run these mutants only")
    parser.add_argument("--list", action="store_true", help="list the catalogue and exit")
    parser.add_argument("--check", action="store_true", help="only check that every mutant finds its line")
    parser.add_argument("--all", action="store_true", help="run the mutants marked equivalent too")
    parser.add_argument("--timeout", type=float, default=600, help="seconds before a test run counts as killed")
    parser.add_argument("--json", help="write the outcomes here")
    args = parser.parse_args(argv)
    ids = [m.id for m in MUTANTS]
    if len(set(ids)) != len(ids):
        raise SystemExit("duplicate mutant ids")
    mutants = MUTANTS
    if args.only:
        unknown = set(args.only) - set(ids)
        if unknown:
            raise SystemExit(f"no mutant {', '.join(sorted(unknown))}; --list shows them")
        mutants = [m for m in MUTANTS if m.id in args.only]
    if args.list:
        for m in mutants:
            print(f"{m.id:22} {m.file:45} {m.what}" + (f"  [equivalent: {m.equivalent}]" if m.equivalent else ""))
        return 0
    problems = [p for p in (check(m) for m in mutants) if p]
    if args.check:
        for problem in problems:
            print(problem)
        print(f"{len(mutants) - len(problems)} of {len(mutants)} mutants find their text")
        return 1 if problems else 0
    if os.environ.get("CI"):
        raise SystemExit("tools/mutate.py rewrites the C sources while it runs: not for CI")
    summary = report(run(mutants, args.timeout, args.all))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
