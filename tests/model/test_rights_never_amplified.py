# SPDX-License-Identifier: BSD-2-Clause
"""Rights are never amplified: whatever sequence of mints (Kernel.copy_cap with rights) and maps
(map_pages_at_vaddr, deferred_rights_map_pages_at_vaddr with any rights, map_pages,
share_mem_at_vaddr), no mapping allows an access the frame cap it came from does not.

Checked three ways after every step, for every mapping of both vspaces: the mapping's rights
against the kernel's rights of the cap it maps (Kernel.cap_info), every cap's rights against
seL4's maskVMRights applied along its chain of mints (refmodel), and the simulated MMU itself:
a read succeeds exactly when the mapping allows reading, a write exactly when it allows writing.
"""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

import budget
import refmodel as rm
from model_stats import STATS
from sel4vspace import CapRights, Kernel, VMFault

PAGE = 4096
EVERY_RIGHTS = [CapRights._from_bits(bits) for bits in range(16)]
EXAMPLES = budget.runs("SEL4VSPACE_RIGHTS_EXAMPLES", full=400, dev=100)   # budget.py

OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("mint"), st.integers(0, 63), st.sampled_from(EVERY_RIGHTS)),
    st.tuples(st.just("map"), st.integers(0, 63), st.sampled_from(EVERY_RIGHTS)),
    st.tuples(st.just("deferred"), st.integers(0, 63), st.sampled_from(EVERY_RIGHTS)),
    st.tuples(st.just("anywhere"), st.integers(0, 63), st.sampled_from(EVERY_RIGHTS)),
    st.tuples(st.just("share"), st.integers(0, 63), st.sampled_from(EVERY_RIGHTS)),
    st.tuples(st.just("unmap"), st.integers(0, 63), st.just(CapRights.NONE)),
), min_size=1, max_size=24)


# On each arch the run tests (sel4_arch: a string, the same for every example).
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_no_mapping_allows_more_than_its_cap(sel4_arch, operations):
    with Kernel(untyped_bits=22, cnode_bits=10, arch=sel4_arch) as kernel:
        first = kernel.alloc_frame()
        vm = {first: rm.READ_WRITE}            # what maskVMRights along each cap's mints leaves
        vspaces = [kernel.new_vspace("a"), kernel.new_vspace("b")]
        next_vaddr = [0x1000_0000]

        def fresh() -> int:
            next_vaddr[0] += 2 * PAGE
            return next_vaddr[0]

        for op, index, rights in operations:
            mine = sorted(c for c in vm if c in kernel.frame_caps())   # not the copies vspaces made
            cap = mine[index % len(mine)]
            vs = vspaces[index % 2]
            where = kernel.cap_info(cap)["mapped_vaddr"]
            holder = next((space for space in vspaces if where is not None and space.get_cap(where) == cap), None)
            if op == "mint":
                copy = kernel.copy_cap(cap, rights)
                vm[copy] = rm.mask_vm_rights(vm[cap], rights)
            elif op == "unmap" and holder is not None:
                holder.unmap_pages(where, 1)
            elif op in ("map", "deferred") and holder is None:
                vaddr = fresh()
                if op == "map":
                    vs.map_pages_at_vaddr([cap], vaddr, vs.reserve_range_at(vaddr, PAGE, rights))
                else:
                    vs.deferred_rights_map_pages_at_vaddr([cap], vaddr, rights,
                                                          vs.reserve_deferred_rights_range_at(vaddr, PAGE))
            elif op == "anywhere" and holder is None:
                vs.map_pages([cap], rights)
            elif op == "share" and holder is not None:
                target = vspaces[1] if holder is vspaces[0] else vspaces[0]
                vaddr = fresh()
                holder.share_mem_at_vaddr(target, where, 1, vaddr, target.reserve_range_at(vaddr, PAGE, rights))
                copy = target.get_cap(vaddr)
                vm[copy] = rm.mask_vm_rights(vm[cap], rights)
            _check(kernel, vspaces, vm)
        STATS["rights sequences"] += 1


def _check(kernel: Kernel, vspaces: list, vm: dict[int, str]) -> None:
    for cap in list(vm):
        try:
            info = kernel.cap_info(cap)
        except Exception:
            del vm[cap]        # a copy a vspace made, deleted when its page was unmapped
            continue
        assert info["rights"] == rm.user_rights(vm[cap]), (cap, info["rights"], vm[cap])
        assert info["rights"] <= CapRights.RW
    for vs in vspaces:
        for mapping in vs.mappings():
            cap_rights = kernel.cap_info(mapping.cap)["rights"]
            assert mapping.rights <= cap_rights, (mapping, cap_rights)
            assert mapping.rights <= rm.user_rights(vm[mapping.cap])
            STATS["rights mappings"] += 1
            _access(vs, mapping.vaddr, mapping.rights, cap_rights)


def _access(vs, vaddr: int, allowed: CapRights, cap_rights: CapRights) -> None:
    try:
        vs.read(vaddr + 8, 1)
        could_read = True
    except VMFault as fault:
        assert fault.reason == "permission"
        could_read = False
    try:
        vs.write(vaddr + 16, b"w")
        could_write = True
    except VMFault as fault:
        assert fault.reason == "permission"
        could_write = False
    assert (could_read, could_write) == (allowed.read, allowed.write)
    assert could_read <= cap_rights.read and could_write <= cap_rights.write
    STATS["rights accesses"] += 2
