# SPDX-License-Identifier: BSD-2-Clause
"""Model-based test: random sequences of public API calls, run on the real system (the C allocator
on the simulated kernel, through sel4vspace) and on the reference model (refmodel.py) side by side.

After every step the two must agree on the answer (the value, or the exact exception type), on
every vspace's mappings (cap, physical address, effective rights, cacheability, cookie) and
reservations, on every frame cap (type, size, rights, where mapped), on which caps the caller holds,
on the number of live frames, and on the bytes user code reads. At the end of every run everything
is released and every untyped byte, cslot and host byte must be back, first with the kernel open
and then once it is closed and collected.

Budget: fixed seeds and SEL4VSPACE_MODEL_EXAMPLES runs (default 100; 16 under
SEL4VSPACE_BUDGET=dev, see budget.py) of up to SEL4VSPACE_MODEL_STEPS steps, split into SEL4VSPACE_MODEL_SHARDS tests
of their own so that pytest -n spreads them over workers. SEL4VSPACE_MODEL_SEED picks other seeds
for long exploratory runs; SEL4VSPACE_MODEL_DEBUG=<operation> prints that operation's refusals.
"""

from __future__ import annotations

import os
from typing import Any, Optional

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

import budget
import refmodel as rm
from ledger import assert_same, host_ledger, kernel_ledger
from model_stats import STATS
from sel4vspace import CapRights, Kernel, KernelError, VMFault, VSpaceError

EXAMPLES = budget.runs("SEL4VSPACE_MODEL_EXAMPLES", full=100, dev=16)
STEPS = int(os.environ.get("SEL4VSPACE_MODEL_STEPS", "80"))
SEED = os.environ.get("SEL4VSPACE_MODEL_SEED")

UNTYPED_BITS = 25
CNODE_BITS = 14
BASE = 0x1000_0000          # where the anywhere-allocations start too, so the two meet
LARGE = 1 << 21
PAGE = rm.PAGE
SHORT_OF_MEMORY = 8 << 20   # below this much free untyped (plus what a call needs) it may run out

RIGHTS = [CapRights.NONE, CapRights.READ, CapRights.WRITE, CapRights.RW, CapRights.ALL,
          CapRights(read=True, grant=True)]
SIZE_BITS = st.sampled_from([12, 12, 12, 12, 21])
RESERVATION_SIZES = st.one_of(st.integers(1, 8).map(lambda n: n * PAGE), st.integers(1, 3 * PAGE),
                              st.sampled_from([LARGE, 2 * LARGE]))


def _is_oom(exc: BaseException) -> bool:
    if isinstance(exc, KernelError):
        return exc.error_name == "seL4_NotEnoughMemory"
    return isinstance(exc, VSpaceError)


class VSpaceMachine(RuleBasedStateMachine):
    arch: Optional[str] = None
    """The arch of every run's kernel and model (None: the default arch); the tests below make one
    machine class per arch."""

    def __init__(self) -> None:
        super().__init__()
        self.host_before = host_ledger()
        self.kernel = Kernel(untyped_bits=UNTYPED_BITS, cnode_bits=CNODE_BITS, arch=self.arch)
        self.ledger_before = kernel_ledger(self.kernel)
        self.model = rm.Model(rm.rules_of(self.kernel.arch))
        STATS[f"runs on {self.kernel.arch}"] += 1
        self.real: dict[int, Any] = {}        # id(model vspace) -> VSpace
        self.res: dict[int, Any] = {}         # id(model reservation) -> Reservation
        self.all_res: list[rm.Reservation] = []
        self.deleted: list[int] = []          # cptrs of caps deleted (stale unless reused)
        self.hog: list[int] = []
        self.diverged = False
        STATS["runs"] += 1

    # ---- plumbing ----------------------------------------------------------------------------

    def _step(self, name: str) -> None:
        self._current = name
        STATS["steps"] += 1
        STATS["op:" + name] += 1

    def _run(self, call: Any) -> tuple[Any, Optional[BaseException]]:
        try:
            return call(), None
        except (ValueError, TypeError, rm.StaleObjectError, VSpaceError, KernelError, VMFault) as exc:
            return None, exc

    def _agree(self, what: str, expected: Optional[type], exc: Optional[BaseException],
               memory_needed: int = 0, free_before: int = 0) -> bool:
        """True when the call succeeded as the model said it must; raises on any disagreement."""
        if isinstance(expected, rm.Either):
            if exc is None:
                STATS["ok:" + self._current] += 1
                return True
            if type(exc) is expected.exc:
                STATS["large page over a page table"] += 1
                return False
            expected = None
        if expected is None and exc is None:
            STATS["ok:" + self._current] += 1
            return True
        if expected is not None and exc is not None and type(exc) is expected:
            STATS["refusals"] += 1
            STATS[f"refused:{self._current}:{expected.__name__}"] += 1
            if os.environ.get("SEL4VSPACE_MODEL_DEBUG") == self._current:
                print(self._current, repr(exc)[:200])
            return False
        if (expected is None and exc is not None and memory_needed and _is_oom(exc)
                and free_before < memory_needed + SHORT_OF_MEMORY):
            STATS["out of memory"] += 1
            return False   # ran out of memory: the per-step check proves nothing changed
        self._diverge(f"{what}: the model expected {expected.__name__ if expected else 'success'}, "
                      f"the real call {'raised ' + repr(exc) if exc else 'succeeded'}")
        return False

    def _diverge(self, message: str) -> None:
        self.diverged = True
        raise rm.Divergence(message)

    def _pick(self, data: Any, items: list, label: str) -> Any:
        return data.draw(st.sampled_from(items), label=label)

    def _vspace(self, data: Any, live_only: bool = False) -> Optional[rm.VSpace]:
        candidates = self.model.live_vspaces() if live_only else self.model.vspaces
        if not candidates:
            return None
        if not live_only and data.draw(st.integers(0, 9), label="stale vspace?") == 0:
            stale = [v for v in self.model.vspaces if not v.live]
            if stale:
                return self._pick(data, stale, "vspace")
        live = self.model.live_vspaces()
        return self._pick(data, live or candidates, "vspace")

    def _has_live_reservation(self) -> bool:
        return any(v.reservations for v in self.model.live_vspaces())

    def _has_pages(self) -> bool:
        return any(v.pages for v in self.model.live_vspaces())

    def _vspace_with_pages(self, data: Any, live_only: bool = False) -> Optional[rm.VSpace]:
        busy = [v for v in self.model.live_vspaces() if v.pages]
        if busy and data.draw(st.integers(0, 4), label="one with pages?"):
            return self._pick(data, busy, "vspace with pages")
        return self._vspace(data, live_only)

    def _reservation(self, data: Any, vspace: rm.VSpace) -> Optional[rm.Reservation]:
        roll = data.draw(st.integers(0, 19), label="which reservation")
        if roll == 0 and self.all_res:
            return self._pick(data, self.all_res, "any reservation")   # freed or another vspace's
        if vspace.reservations:
            return self._pick(data, vspace.reservations, "reservation")
        return self._pick(data, self.all_res, "any reservation") if self.all_res else None

    def _target(self, data: Any, deferred: Optional[bool] = None) -> tuple[Optional[rm.VSpace],
                                                                            Optional[rm.Reservation]]:
        """A vspace and a reservation to map into: mostly a live reservation (of the kind asked
        for) and its own vspace, sometimes another vspace's, a freed one, or a torn-down vspace."""
        live = [r for v in self.model.live_vspaces() for r in v.reservations]
        roll = data.draw(st.integers(0, 19), label="target")
        if deferred is not None and roll > 3:
            live = [r for r in live if (r.rights is None) == deferred] or live
        if not live and roll > 1:
            return None, None   # nothing to map into: another step will make a reservation first
        if roll == 0 or not live:
            vspace = self._vspace(data)
            return vspace, (self._pick(data, self.all_res, "any reservation") if self.all_res else None)
        res = self._pick(data, live, "live reservation")
        if roll == 1:
            return self._pick(data, self.model.vspaces, "another vspace"), res
        return res.vspace, res

    def _cptrs(self, data: Any, size_bits: int, most: int = 3) -> list[int]:
        count = data.draw(st.integers(1, max(1, most)), label="count")
        fitting = sorted(c.cptr for c in self.model.caller_caps()
                         if c.frame.size_bits == size_bits and c.mapped is None and c.cptr not in self.hog)
        if len(fitting) >= count and data.draw(st.integers(0, 9), label="all usable?") >= 2:
            return data.draw(st.lists(st.sampled_from(fitting), min_size=count, max_size=count, unique=True),
                             label="caps")
        others = [c.cptr for c in self.model.caps.values()]
        out = []
        for _ in range(count):
            roll = data.draw(st.integers(0, 19), label="cap kind")
            if roll < 15 and fitting:
                out.append(self._pick(data, fitting, "cap"))
            elif roll < 18 and others:
                out.append(self._pick(data, others, "any cap"))
            elif self._empty_slots():
                out.append(self._pick(data, self._empty_slots(), "stale cap"))
            elif fitting:
                out.append(fitting[0])
        return out

    def _empty_slots(self) -> list[int]:
        """Caps deleted earlier whose slots are still empty (the vka may reuse a slot for anything,
        and the model does not track what the vka keeps in its slots)."""
        empty = []
        for cptr in dict.fromkeys(self.deleted):
            if cptr not in self.model.caps:
                try:
                    self.kernel.cap_info(cptr)
                except KernelError:
                    empty.append(cptr)
        return empty

    def _address(self, data: Any) -> int:
        return data.draw(st.one_of(st.integers(0, 80).map(lambda p: BASE + p * PAGE),
                                   st.integers(0, 6).map(lambda k: BASE + k * LARGE)), label="vaddr")

    def _inside(self, data: Any, res: rm.Reservation, size_bits: int, count: int = 1) -> int:
        """Mostly the start of `count` unmapped pages inside res; sometimes anywhere in it or past it."""
        step = 1 << size_bits
        first = -(-res.start // step) * step
        slots = max(1, (res.end - first) // step)
        if data.draw(st.integers(0, 9), label="fits?"):
            runs = [first + i * step for i in range(slots - count + 1)
                    if not res.vspace.mapped_in(first + i * step, first + (i + count) * step)]
            if runs:
                return self._pick(data, runs, "free run in reservation")
            index = data.draw(st.integers(0, max(0, slots - count)), label="page in reservation")
        else:
            index = data.draw(st.integers(0, slots), label="page, maybe past the end")
        return first + index * step

    @staticmethod
    def _room(res: rm.Reservation, size_bits: int) -> int:
        """How many pages of 2^size_bits fit in res (so a count can mostly be chosen to fit)."""
        step = 1 << size_bits
        first = -(-res.start // step) * step
        return max(0, (res.end - first) // step)

    def _mapped_page(self, data: Any, vspace: rm.VSpace) -> tuple[int, int]:
        if vspace.pages and data.draw(st.integers(0, 5), label="mapped page?"):
            page = self._pick(data, sorted(vspace.pages.values(), key=lambda p: p.vaddr), "page")
            return page.vaddr, page.size_bits
        return self._address(data), 12

    # ---- kernel rules ------------------------------------------------------------------------

    @precondition(lambda self: len(self.model.live_vspaces()) < 3)
    @rule()
    def new_vspace(self) -> None:
        self._step("new_vspace")
        name = f"vs{len(self.model.vspaces)}"
        free = self.kernel.untyped_free_bytes
        real, exc = self._run(lambda: self.kernel.new_vspace(name))
        if self._agree("new_vspace", None, exc, PAGE, free):
            self.real[id(self.model.new_vspace(name))] = real

    @precondition(lambda self: bool(self.model.vspaces))
    @rule(data=st.data(), go=st.integers(0, 3))
    def tear_down(self, data: Any, go: int) -> None:
        vspace = self._vspace(data)
        if vspace is None or go:
            return   # rarely: a vspace should live long enough to fill up
        self._step("tear_down")
        _, exc = self._run(self.real[id(vspace)].tear_down)
        if self._agree("tear_down", self.model.tear_down_check(vspace), exc):
            self.model.tear_down(vspace)

    @precondition(lambda self: sum(c.mapped is None for c in self.model.caller_caps()) - len(self.hog) < 8)
    @rule(n=st.integers(1, 3), size_bits=SIZE_BITS)
    def alloc_frames(self, n: int, size_bits: int) -> None:
        self._step("alloc_frames")
        free = self.kernel.untyped_free_bytes
        caps, exc = self._run(lambda: self.kernel.alloc_frames(n, size_bits))
        if self._agree("alloc_frames", None, exc, n << size_bits, free):
            infos = [self.kernel.cap_info(c) for c in caps]
            if any(i["type"] != self.model.arch.frame_types[size_bits] or i["mapped"] for i in infos):
                raise rm.Divergence(f"alloc_frames gave {infos}")
            self.model.alloc_frames(caps, size_bits, [i["paddr"] for i in infos])

    @precondition(lambda self: 0 < len(self.model.caps) < 40)
    @rule(data=st.data(), rights=st.sampled_from([None] + RIGHTS))
    def copy_cap(self, data: Any, rights: Optional[CapRights]) -> None:
        cptr = self._any_cptr(data)
        if cptr is None:
            return
        self._step("copy_cap")
        new, exc = self._run(lambda: self.kernel.copy_cap(cptr, rights))
        if self._agree("copy_cap", self.model.copy_cap_check(cptr), exc, PAGE, self.kernel.untyped_free_bytes):
            self.model.copy_cap(cptr, rights, new)

    @precondition(lambda self: bool(self.model.caps))
    @rule(data=st.data(), go=st.integers(0, 1))
    def delete_cap(self, data: Any, go: int) -> None:
        cptr = self._any_cptr(data)
        if cptr is None or go:
            return
        self._step("delete_cap")
        _, exc = self._run(lambda: self.kernel.delete_cap(cptr))
        if self._agree("delete_cap", self.model.delete_cap_check(cptr), exc):
            gone = set(self.model.caps)
            self.model.delete_cap(cptr)
            self.deleted.extend(gone - set(self.model.caps))

    def _any_cptr(self, data: Any) -> Optional[int]:
        roll = data.draw(st.integers(0, 9), label="which cap")
        stale = [c for c in self.deleted if c not in self.model.caps]
        if roll == 0 and stale:
            return self._pick(data, stale, "stale cap")
        mine = [c.cptr for c in self.model.caps.values() if c.callers and c.cptr not in self.hog]
        if roll == 1 or not mine:
            every = [c for c in self.model.caps if c not in self.hog]
            return self._pick(data, every, "any cap") if every else None
        return self._pick(data, mine, "caller cap")

    @precondition(lambda self: not self.hog)
    @rule(keep=st.sampled_from([0, 4 * PAGE, 16 * PAGE, LARGE]), go=st.integers(0, 3))
    def hog_memory(self, keep: int, go: int) -> None:
        """Take untyped memory until about `keep` bytes are left, so later calls run out part-way."""
        if go:
            return   # rarely: most steps should have memory to succeed with
        self._step("hog_memory")
        for size_bits in (21, 12):
            while self.kernel.untyped_free_bytes >= keep + (1 << size_bits):
                try:
                    caps = self.kernel.alloc_frames(1, size_bits)
                except KernelError:
                    break
                self.model.alloc_frames(caps, size_bits, [self.kernel.cap_info(caps[0])["paddr"]])
                self.hog += caps

    @precondition(lambda self: bool(self.hog))
    @rule()
    def release_memory(self) -> None:
        self._step("release_memory")
        for cptr in self.hog:
            self.kernel.delete_cap(cptr)
            self.model.delete_cap(cptr)
        self.hog.clear()

    # ---- reservations ------------------------------------------------------------------------

    @precondition(lambda self: bool(self.model.vspaces))
    @rule(data=st.data(), rights=st.sampled_from(RIGHTS), cacheable=st.booleans(), size=RESERVATION_SIZES)
    def reserve_range_at(self, data: Any, rights: CapRights, cacheable: bool, size: int) -> None:
        self._reserve_at(data, False, rights, cacheable, size)

    @precondition(lambda self: bool(self.model.vspaces))
    @rule(data=st.data(), cacheable=st.booleans(), size=RESERVATION_SIZES)
    def reserve_deferred_rights_range_at(self, data: Any, cacheable: bool, size: int) -> None:
        self._reserve_at(data, True, CapRights.NONE, cacheable, size)

    def _reserve_at(self, data: Any, deferred: bool, rights: CapRights, cacheable: bool, size: int) -> None:
        vspace = self._vspace(data)
        if vspace is None:
            return
        vaddr = self._address(data)
        if data.draw(st.integers(0, 29), label="odd address") == 0:
            arch = self.model.arch
            vaddr = data.draw(st.sampled_from([vaddr + 1, arch.user_top - PAGE, arch.window_start]), label="odd")
        self._step("reserve_deferred_rights_range_at" if deferred else "reserve_range_at")
        real = self.real[id(vspace)]
        if deferred:
            got, exc = self._run(lambda: real.reserve_deferred_rights_range_at(vaddr, size, cacheable))
        else:
            got, exc = self._run(lambda: real.reserve_range_at(vaddr, size, rights, cacheable))
        if self._agree("reserve", self.model.reserve_at_check(vspace, vaddr, size), exc):
            self._track(got, self.model.reserve_at(vspace, vaddr, size, None if deferred else rights, cacheable))

    @precondition(lambda self: bool(self.model.vspaces))
    @rule(data=st.data(), rights=st.sampled_from(RIGHTS), size=st.integers(1, 6 * PAGE),
          size_bits=st.sampled_from([12, 12, 21, 13]))
    def reserve_range_aligned(self, data: Any, rights: CapRights, size: int, size_bits: int) -> None:
        vspace = self._vspace(data)
        if vspace is None:
            return
        self._step("reserve_range_aligned")
        got, exc = self._run(lambda: self.real[id(vspace)].reserve_range_aligned(size, size_bits, rights))
        if self._agree("reserve_range_aligned", self.model.reserve_aligned_check(vspace, size_bits), exc):
            self._track(got, self.model.reserve_aligned(vspace, size, size_bits, rights, True, got.start))

    def _track(self, real: Any, res: rm.Reservation) -> None:
        self.res[id(res)] = real
        self.all_res.append(res)

    @precondition(lambda self: bool(self.all_res))
    @rule(data=st.data())
    def free_reservation(self, data: Any) -> None:
        vspace, res = self._target(data)
        if vspace is None or res is None:
            return
        self._step("free_reservation")
        _, exc = self._run(lambda: self.real[id(vspace)].free_reservation(self.res[id(res)]))
        if self._agree("free_reservation", self.model.free_reservation_check(vspace, res), exc):
            self.model.free_reservation(res)

    @precondition(lambda self: bool(self.model.vspaces))
    @rule(data=st.data(), go=st.integers(0, 2))
    def free_reservation_by_vaddr(self, data: Any, go: int) -> None:
        vspace = self._vspace(data)
        if vspace is None or go:
            return
        if vspace.reservations and data.draw(st.integers(0, 3), label="inside one?"):
            res = self._pick(data, vspace.reservations, "reservation")
            vaddr = data.draw(st.integers(res.start, res.end - 1), label="vaddr")
        else:
            vaddr = self._address(data)
        self._step("free_reservation_by_vaddr")
        _, exc = self._run(lambda: self.real[id(vspace)].free_reservation_by_vaddr(vaddr))
        if self._agree("free_reservation_by_vaddr", self.model.free_by_vaddr_check(vspace, vaddr), exc):
            self.model.free_reservation(vspace.reservation_at(vaddr))

    # ---- mapping -----------------------------------------------------------------------------

    @precondition(lambda self: self._has_live_reservation() and bool(self.model.caller_caps()))
    @rule(data=st.data(), size_bits=SIZE_BITS, with_cookies=st.booleans())
    def map_pages_at_vaddr(self, data: Any, size_bits: int, with_cookies: bool) -> None:
        self._map_at(data, size_bits, None, with_cookies)

    @precondition(lambda self: self._has_live_reservation() and bool(self.model.caller_caps()))
    @rule(data=st.data(), size_bits=SIZE_BITS, rights=st.sampled_from(RIGHTS), with_cookies=st.booleans())
    def deferred_rights_map_pages_at_vaddr(self, data: Any, size_bits: int, rights: CapRights,
                                           with_cookies: bool) -> None:
        self._map_at(data, size_bits, rights, with_cookies)

    def _map_at(self, data: Any, size_bits: int, rights: Optional[CapRights], with_cookies: bool) -> None:
        """map_pages_at_vaddr (rights None) or deferred_rights_map_pages_at_vaddr, mostly into a
        reservation of the kind the call wants."""
        deferred_call = rights is not None
        vspace, res = self._target(data, deferred_call)
        if vspace is None or res is None:
            return
        if self._room(res, size_bits) == 0:
            size_bits = 12
        cptrs = self._cptrs(data, size_bits, self._room(res, size_bits))
        if not cptrs:
            return
        vaddr = self._inside(data, res, size_bits, len(cptrs))
        cookies = [data.draw(st.integers(0, 50), label="cookie") for _ in cptrs] if with_cookies else None
        name = "deferred_rights_map_pages_at_vaddr" if deferred_call else "map_pages_at_vaddr"
        self._step(name)
        real, real_res = self.real[id(vspace)], self.res[id(res)]
        free = self.kernel.untyped_free_bytes
        if deferred_call:
            _, exc = self._run(lambda: real.deferred_rights_map_pages_at_vaddr(cptrs, vaddr, rights, real_res,
                                                                               size_bits, cookies))
        else:
            _, exc = self._run(lambda: real.map_pages_at_vaddr(cptrs, vaddr, real_res, size_bits, cookies))
        expected = self.model.map_at_check(vspace, res, cptrs, vaddr, size_bits, deferred_call)
        if self._agree(name, expected, exc, 4 * PAGE * len(cptrs), free):
            self.model.map_at(vspace, res, cptrs, vaddr, size_bits, rights, cookies)
        elif size_bits == 12 and expected is not rm.StaleObjectError and expected is not ValueError:
            vspace.failed_small_map(vaddr, len(cptrs))

    @precondition(lambda self: bool(self.model.live_vspaces()) and bool(self.model.caller_caps()))
    @rule(data=st.data(), size_bits=SIZE_BITS, rights=st.sampled_from(RIGHTS), cacheable=st.booleans())
    def map_pages(self, data: Any, size_bits: int, rights: CapRights, cacheable: bool) -> None:
        vspace = self._vspace(data)
        if vspace is None:
            return
        cptrs = self._cptrs(data, size_bits)
        if not cptrs:
            return
        self._step("map_pages")
        free = self.kernel.untyped_free_bytes
        start, exc = self._run(lambda: self.real[id(vspace)].map_pages(cptrs, rights, size_bits, cacheable))
        if self._agree("map_pages", self.model.map_pages_check(vspace, cptrs, size_bits), exc,
                       4 * PAGE * len(cptrs), free):
            self.model.map_pages(vspace, cptrs, rights, size_bits, cacheable, None, start)
        elif size_bits == 12 and isinstance(exc, VSpaceError):
            vspace.failed_small_map(None, len(cptrs))

    @precondition(lambda self: bool(self.model.vspaces))
    @rule(data=st.data(), count=st.integers(1, 3), size_bits=SIZE_BITS, rights=st.sampled_from(RIGHTS))
    def new_pages(self, data: Any, count: int, size_bits: int, rights: CapRights) -> None:
        vspace = self._vspace(data)
        if vspace is None:
            return
        self._step("new_pages")
        real = self.real[id(vspace)]
        free = self.kernel.untyped_free_bytes
        start, exc = self._run(lambda: real.new_pages(count, rights, size_bits))
        if self._agree("new_pages", self.model.new_pages_check(vspace, size_bits), exc,
                       (count << size_bits) + 4 * PAGE * count, free):
            self.model.new_pages(vspace, count, rights, size_bits, start,
                                 self._new_frames(real, start, count, size_bits))
        elif size_bits == 12 and isinstance(exc, VSpaceError):
            vspace.failed_small_map(None, count)

    def _new_frames(self, real: Any, start: int, count: int, size_bits: int) -> list[tuple[int, int]]:
        frames = []
        for i in range(count):
            mapping = real.lookup(start + (i << size_bits))
            if mapping is None:
                raise rm.Divergence(f"page {i} of new pages at {start:#x} is not mapped")
            frames.append((mapping.cap, mapping.paddr))
        return frames

    @precondition(lambda self: self._has_live_reservation())
    @rule(data=st.data(), count=st.integers(1, 3), size_bits=SIZE_BITS)
    def new_pages_at_vaddr(self, data: Any, count: int, size_bits: int) -> None:
        vspace, res = self._target(data)
        if vspace is None or res is None:
            return
        if self._room(res, size_bits) == 0:
            size_bits = 12
        if data.draw(st.integers(0, 4), label="fit the count?"):
            count = max(1, min(count, self._room(res, size_bits)))
        vaddr = self._inside(data, res, size_bits, count)
        self._step("new_pages_at_vaddr")
        real = self.real[id(vspace)]
        free = self.kernel.untyped_free_bytes
        _, exc = self._run(lambda: real.new_pages_at_vaddr(vaddr, count, self.res[id(res)], size_bits))
        expected = self.model.new_pages_at_check(vspace, res, vaddr, count, size_bits)
        if self._agree("new_pages_at_vaddr", expected, exc, (count << size_bits) + 4 * PAGE * count, free):
            self.model.new_pages_at(vspace, res, vaddr, size_bits, self._new_frames(real, vaddr, count, size_bits))
        elif size_bits == 12 and expected is None:
            vspace.failed_small_map(vaddr, count)

    @precondition(lambda self: self._has_live_reservation() and self._has_pages())
    @rule(data=st.data(), count=st.sampled_from([1, 1, 1, 2]))
    def share_mem_at_vaddr(self, data: Any, count: int) -> None:
        src = self._vspace_with_pages(data)
        dst, res = self._target(data)
        if src is None or dst is None or res is None:
            return
        start, size_bits = self._mapped_page(data, src)
        vaddr = self._inside(data, res, size_bits, count)
        self._step("share_mem_at_vaddr")
        real_src, real_dst = self.real[id(src)], self.real[id(dst)]
        free = self.kernel.untyped_free_bytes
        _, exc = self._run(lambda: real_src.share_mem_at_vaddr(real_dst, start, count, vaddr, self.res[id(res)],
                                                               size_bits))
        expected = self.model.share_check(src, dst, start, count, vaddr, res, size_bits)
        if self._agree("share_mem_at_vaddr", expected, exc, 4 * PAGE * count, free):
            copies = [real_dst.get_cap(vaddr + (i << size_bits)) for i in range(count)]
            self.model.share(src, dst, start, count, vaddr, res, size_bits, copies)
        elif size_bits == 12 and expected is None:
            dst.failed_small_map(vaddr, count)

    @precondition(lambda self: bool(self.model.vspaces))
    @rule(data=st.data(), count=st.sampled_from([1, 1, 1, 2]), free=st.booleans())
    def unmap_pages(self, data: Any, count: int, free: bool) -> None:
        vspace = self._vspace_with_pages(data)
        if vspace is None:
            return
        vaddr, size_bits = self._mapped_page(data, vspace)
        self._step("unmap_pages")
        _, exc = self._run(lambda: self.real[id(vspace)].unmap_pages(vaddr, count, size_bits, free))
        if self._agree("unmap_pages", self.model.unmap_check(vspace, vaddr, count, size_bits, free), exc):
            self.model.unmap(vspace, vaddr, count, size_bits, free)

    # ---- the MMU -----------------------------------------------------------------------------

    @precondition(lambda self: self._has_pages())
    @rule(data=st.data(), length=st.one_of(st.integers(0, 16), st.sampled_from([PAGE, PAGE + 8])))
    def read(self, data: Any, length: int) -> None:
        vspace = self._vspace_with_pages(data, live_only=True)
        if vspace is None:
            return
        vaddr = self._access_address(data, vspace)
        self._step("read")
        got, exc = self._run(lambda: self.real[id(vspace)].read(vaddr, length))
        fault, expected = self.model.read(vspace, vaddr, length)
        self._same_fault("read", fault, exc)
        if fault is None:
            STATS["ok:read"] += 1
        if fault is None and got != expected:
            raise rm.Divergence(f"read {length} bytes at {vaddr:#x}: {got!r} != {expected!r}")

    @precondition(lambda self: self._has_pages())
    @rule(data=st.data(), payload=st.binary(min_size=1, max_size=24))
    def write(self, data: Any, payload: bytes) -> None:
        vspace = self._vspace_with_pages(data, live_only=True)
        if vspace is None:
            return
        vaddr = self._access_address(data, vspace)
        self._step("write")
        _, exc = self._run(lambda: self.real[id(vspace)].write(vaddr, payload))
        fault = self.model.write(vspace, vaddr, payload)
        self._same_fault("write", fault, exc)
        if fault is None:
            STATS["ok:write"] += 1

    def _access_address(self, data: Any, vspace: rm.VSpace) -> int:
        vaddr, size_bits = self._mapped_page(data, vspace)
        offset = data.draw(st.sampled_from([0, 5, PAGE - 4, (1 << size_bits) - 3]), label="offset")
        return vaddr + offset

    def _same_fault(self, what: str, fault: Optional[VMFault], exc: Optional[BaseException]) -> None:
        if fault is None and exc is None:
            return
        if (fault is not None and isinstance(exc, VMFault)
                and (exc.vaddr, exc.access, exc.reason) == (fault.vaddr, fault.access, fault.reason)):
            STATS["faults"] += 1
            return
        raise rm.Divergence(f"{what}: the model expected {fault!r}, the real call gave {exc!r}")

    # ---- after every step --------------------------------------------------------------------

    @invariant()
    def agree(self) -> None:
        try:
            self._check_agreement()
        except AssertionError:
            self.diverged = True
            raise

    def _check_agreement(self) -> None:
        model, kernel = self.model, self.kernel
        for vspace in model.vspaces:
            real = self.real[id(vspace)]
            if not vspace.live:
                assert real.torn_down, f"{vspace.name} should be torn down"
                continue
            expected = sorted((p.vaddr, p.size_bits, p.cap.cptr, p.cap.frame.paddr, rm.user_rights(p.vm),
                               p.cacheable) for p in vspace.pages.values())
            got = [(m.vaddr, m.size_bits, m.cap, m.paddr, m.rights, m.cacheable) for m in real.mappings()]
            if got != expected:
                raise rm.Divergence(f"{vspace.name} mappings:\n real  {got}\n model {expected}")
            for page in vspace.pages.values():
                cap, cookie = real.get_cap(page.vaddr), real.get_cookie(page.vaddr)
                if cap != page.cap.cptr or (cookie == 0 if page.cookie == rm.NONZERO else cookie != page.cookie):
                    raise rm.Divergence(f"{vspace.name} at {page.vaddr:#x}: allocator records cap {cap} cookie "
                                        f"{cookie}, model cap {page.cap.cptr} cookie {page.cookie}")
            expected_res = sorted((r.start, r.end, r.rights, r.rights is None) for r in vspace.reservations)
            got_res = [(r.start, r.end, r.rights, r.rights_deferred) for r in real.reservations()]
            if got_res != expected_res:
                raise rm.Divergence(f"{vspace.name} reservations:\n real  {got_res}\n model {expected_res}")
            self._check_bytes(vspace, real)
        for cap in model.caps.values():
            info = kernel.cap_info(cap.cptr)
            mapped = cap.mapped[1] if cap.mapped else None
            want = (self.model.arch.frame_types[cap.frame.size_bits], cap.frame.paddr, rm.user_rights(cap.vm), mapped)
            if (info["type"], info["paddr"], info["rights"], info["mapped_vaddr"]) != want:
                raise rm.Divergence(f"cap {cap.cptr}: kernel says {info}, model {want}")
        callers = sorted(c.cptr for c in model.caller_caps())
        if kernel.frame_caps() != callers:
            raise rm.Divergence(f"Kernel.frame_caps() {kernel.frame_caps()} != model {callers}")
        counts = kernel.object_counts
        for size_bits, type_name in self.model.arch.frame_types.items():
            live = sum(1 for f in model.frames_by_paddr.values() if f.size_bits == size_bits)
            if counts.get(type_name, 0) != live:
                raise rm.Divergence(f"{counts.get(type_name, 0)} {type_name} objects live, model has {live}")

    def _check_bytes(self, vspace: rm.VSpace, real: Any) -> None:
        for page in vspace.pages.values():
            if not rm.user_rights(page.vm).read:
                continue
            for chunk in sorted(set(page.cap.frame.chunks) | {0}):
                if chunk << rm.PAGE_BITS >= 1 << page.size_bits:
                    continue
                vaddr = page.vaddr + (chunk << rm.PAGE_BITS)
                if real.read(vaddr, PAGE) != page.cap.frame.read(chunk << rm.PAGE_BITS, PAGE):
                    raise rm.Divergence(f"{vspace.name}: bytes at {vaddr:#x} differ from the frame's")
                STATS["pages compared"] += 1

    # ---- at the end of every run: nothing lost -----------------------------------------------

    def teardown(self) -> None:
        kernel = self.kernel
        try:
            if kernel.closed or self.diverged:
                return   # the divergence is the report; leak checks would only repeat it
            for vspace in self.model.live_vspaces():
                self.real[id(vspace)].tear_down()
            for cptr in [c.cptr for c in self.model.caps.values() if c.kind == "original"]:
                kernel.delete_cap(cptr)
            assert kernel.frame_caps() == [], kernel.frame_caps()
            assert_same(self.ledger_before, kernel_ledger(kernel), "after tear_down and deleting every cap")
            kernel.close()
        finally:
            if not kernel.closed:
                kernel.close()
            self.real.clear()
            self.res.clear()
            del self.kernel
        assert_same(self.host_before, host_ledger(), "after closing the kernel")
        STATS["runs checked for leaks"] += 1


# The budget is split into shards, each its own test with its own seed, so that pytest-xdist
# spreads the runs over its workers (SEL4VSPACE_MODEL_SHARDS; the total stays EXAMPLES).
SHARDS = max(1, int(os.environ.get("SEL4VSPACE_MODEL_SHARDS", "8")))
SHARD_SEED = int(SEED) if SEED is not None else 20240611


def _run(index: int, arch: Optional[str], examples: int, steps: int) -> None:
    """Shard ``index``'s runs (its own seed) of the machine on ``arch``'s kernel and model."""
    from hypothesis import seed

    machine = seed(SHARD_SEED + index)(type(f"VSpaceMachineShard{index}", (VSpaceMachine,), {"arch": arch}))
    run_state_machine_as_test(machine, settings=settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    ))


# The reference model holds vendor/'s fixes: on another tree a run stops at the first registered
# upstream defect it meets (each of which has a test of its own) or in find_range's page walk.
_VENDOR_ONLY = pytest.mark.vendor_only("the reference model encodes vendor/'s fixes of the registered upstream defects")


# Each shard runs on every arch the run tests (``--sel4vspace-arch``, through the sel4vspace pytest
# plugin's ``sel4_arch``: the suite's default is every installed arch), the arch in the test's id.
@_VENDOR_ONLY
@pytest.mark.parametrize("shard", range(SHARDS))
def test_model(shard: int, sel4_arch: Optional[str]) -> None:
    _run(shard, sel4_arch, max(1, -(-EXAMPLES // SHARDS)), STEPS)


# A second's worth of the same, with a seed of its own, for the edit loop (pytest -m fast).
@_VENDOR_ONLY
def test_model_smoke(sel4_arch: Optional[str]) -> None:
    _run(SHARDS, sel4_arch, 4, 30)
