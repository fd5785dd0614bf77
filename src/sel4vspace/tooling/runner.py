# SPDX-License-Identifier: BSD-2-Clause
"""Plays a checked :class:`~sel4vspace.tooling.scenario.Scenario` on the simulated kernel.

Each step calls the Python API method of the same name and reports what it did, one line a step.
An ``expect_*`` step that does not hold, or an operation that fails without an ``expect_error``
around it, stops the run with a :class:`Failure` that says which step, what was expected and what
happened. A :class:`~sel4vspace.tooling.addrmap.Snapshot` of every vspace can be taken after any step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from ..rights import CapRights
from . import _api
from .addrmap import Snapshot, VSpaceView, compact_frames, rights_text, size_text
from .progress import Progress
from .scenario import AddrExpr, CapRef, Scenario, Step

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["Runner", "RunResult", "Failure"]

@dataclass(frozen=True)
class Failure:
    """Why a run stopped: at ``step`` (None: while setting up the declarations, ``where``),
    ``expected`` did not happen; ``actual`` did."""

    step: Step | None
    expected: str
    actual: str
    where: str = ""

    def __str__(self) -> str:
        where = self.step.describe() if self.step is not None else self.where
        return f"{where}: expected {self.expected}; {self.actual}"


@dataclass(frozen=True)
class RunResult:
    steps_run: int
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


class _Expectation(Exception):
    """An expectation that did not hold (internal: becomes a Failure)."""

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(expected, actual)
        self.expected = expected
        self.actual = actual


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


_SHOWN = 32  # bytes a step shows


def _bytes_text(data: bytes, limit: int = _SHOWN, total: int | None = None) -> str:
    """The first ``limit`` bytes of data, in hex and as text; ``total`` (default len(data)) is how
    many there are."""
    total = len(data) if total is None else total
    shown = data[:limit]
    text = shown.hex(" ")
    printable = "".join(chr(b) if 32 <= b < 127 else "." for b in shown)
    more = f" ... ({total} bytes)" if total > limit else ""
    return f"{text} |{printable}|{more}"


class Runner:
    """Runs one scenario. ``out`` receives a line per step (None: silent); ``progress_stream`` is
    where progress goes when it is a terminal (default stderr)."""

    def __init__(self, scenario: Scenario, out: TextIO | None = None,
                 progress_stream: TextIO | None = None) -> None:
        self.scenario = scenario
        self.out = out
        self.progress = Progress(len(scenario.steps), progress_stream)
        self.kernel: Any = None
        self.vspaces: dict[str, Any] = {}
        self.torn_down: set[str] = set()
        self.caps: dict[str, list[int]] = {}
        self.cap_names: dict[int, str] = {}
        self.reservations: dict[str, tuple[str, Any]] = {}
        """Reservation name -> (vspace name, Reservation)."""
        self.addresses: dict[str, int] = {}
        self.initial_untyped_free = 0
        self.next_step = 0
        self._ops: dict[str, Callable[[Step, dict[str, Any]], str]] = {
            name[4:]: getattr(self, name) for name in dir(self) if name.startswith("_op_")}

    # ---------------------------------------------------------------- driving

    def close(self) -> None:
        """Release the simulated kernel now rather than whenever the garbage collector gets to it:
        a kernel released by the collector in the middle of another kernel's work would switch
        the C side's current kernel under it."""
        if self.kernel is not None:
            self.kernel.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def emit(self, line: str) -> None:
        if self.out is not None:
            self.progress.clear()
            print(line, file=self.out)

    def start(self) -> Failure | None:
        """Create the kernel, the vspaces, the frames and the cap copies the scenario declares;
        a Failure (naming the declaration) if the kernel refuses one."""
        scenario = self.scenario
        where = "[scenario]"
        try:
            try:
                self.kernel = _api.Kernel(untyped_bits=scenario.untyped_bits, arch=scenario.arch)
            except (ValueError, ImportError):
                where = "arch"   # not an installed arch: the error names the arch and those installed
                raise
            self.initial_untyped_free = self.kernel.untyped_free_bytes
            self.emit(f"kernel: {self.kernel.arch}, {size_text(1 << scenario.untyped_bits)} of untyped memory, "
                      f"user space below {self.kernel.user_top:#x}")
            for name in scenario.vspaces:
                where = f"[scenario] vspace {name}"
                self.vspaces[name] = self.kernel.new_vspace(name)
            self.emit(f"vspaces: {', '.join(scenario.vspaces)}")
            for frame in scenario.frames:
                where = f"[[frame]] {frame.name}"
                self._name_caps(frame.name, self.kernel.alloc_frames(frame.count, size_bits=frame.size_bits))
                self.emit(f"frames: {frame.name}[0..{frame.count - 1}], {frame.count} x "
                          f"{size_text(1 << frame.size_bits)}")
            for copy in scenario.caps:
                where = f"[[cap]] {copy.name}"
                sources = self.resolve_caps(copy.of)
                self._name_caps(copy.name, [self.kernel.copy_cap(cap, rights=copy.rights) for cap in sources])
                self.emit(f"caps: {copy.name} = copies of {', '.join(map(str, copy.of))}"
                          + (f" with rights {rights_text(copy.rights)}" if copy.rights is not None else ""))
        except Exception as error:  # noqa: BLE001 - the kernel refused a declaration: a failed step, whatever it raised
            return Failure(None, "the declarations to be set up", f"it failed: {_error_text(error)}", where)
        return None

    def run(self, until: int | None = None) -> RunResult:
        """Run (the rest of) the scenario, or up to and including step number ``until``."""
        if self.kernel is None:
            failure = self.start()
            if failure is not None:
                return RunResult(0, failure)
        last = len(self.scenario.steps) if until is None else until
        while self.next_step < last:
            step = self.scenario.steps[self.next_step]
            failure = self.run_step(step)
            self.next_step += 1
            self.progress.update(self.next_step)
            if failure is not None:
                self.progress.clear()
                return RunResult(self.next_step, failure)
        self.progress.clear()
        return RunResult(self.next_step)

    def run_step(self, step: Step) -> Failure | None:
        args = dict(step.args)
        head = f"{step.number:>3} {step.op}" + (f" {step.call}" if step.call else "")
        try:
            detail = self._expect_error(step, args) if step.op == "expect_error" else self._ops[step.op](step, args)
        except _Expectation as unmet:
            self.emit(f"{head}: FAILED")
            return Failure(step, unmet.expected, unmet.actual)
        except Exception as error:  # noqa: BLE001 - failed where nothing expected it to: a failed step, whatever it raised
            self.emit(f"{head}: FAILED")
            return Failure(step, "it to succeed", f"it failed: {_error_text(error)}")
        label = f"  [{step.label}]" if step.label else ""
        self.emit(f"{head}: {detail}{label}")
        return None

    # ---------------------------------------------------------------- names

    def _name_caps(self, group: str, caps: list[int]) -> None:
        self.caps[group] = caps
        for index, cap in enumerate(caps):
            self.cap_names[cap] = f"{group}[{index}]"

    def resolve_caps(self, refs: tuple[CapRef, ...]) -> list[int]:
        caps: list[int] = []
        for ref in refs:
            group = self.caps[ref.group]
            caps += [group[i] for i in ref.indices(len(group))]
        return caps

    def _resolve_name(self, name: str, attr: str) -> int:
        if name in self.reservations:
            reservation = self.reservations[name][1]
            return int(reservation.end if attr == "end" else reservation.start)
        return self.addresses[name]

    def addr(self, expr: AddrExpr) -> int:
        value = expr.evaluate(self._resolve_name)
        if not 0 <= value < 1 << 64:
            raise ValueError(f"address {expr} is {value:#x}, outside 0 .. 2**64-1")
        return value

    def vspace(self, name: str) -> Any:
        return self.vspaces[name]

    def reservation(self, name: str) -> Any:
        return self.reservations[name][1]

    def _caps_text(self, caps: list[int]) -> str:
        return compact_frames([self.cap_names.get(cap, f"cap {cap:#x}") for cap in caps])

    def _range_text(self, start: int, size: int) -> str:
        return f"[{start:#x}, {start + size:#x}) {size_text(size)}"

    # ---------------------------------------------------------------- operations

    def _define_reservation(self, args: dict[str, Any], vspace: str, reservation: Any) -> str:
        name = args.get("name")
        if name:
            self.reservations[name] = (vspace, reservation)
            return f" -> {name}"
        return ""

    def _op_reserve_range_at(self, step: Step, args: dict[str, Any]) -> str:
        vaddr = self.addr(args["vaddr"])
        res = self.vspace(args["vspace"]).reserve_range_at(vaddr, args["size"], args["rights"],
                                                           cacheable=args["cacheable"])
        return (f"{args['vspace']} {self._range_text(vaddr, args['size'])} rights {rights_text(args['rights'])}"
                + self._define_reservation(args, args["vspace"], res))

    def _op_reserve_range_aligned(self, step: Step, args: dict[str, Any]) -> str:
        res = self.vspace(args["vspace"]).reserve_range_aligned(args["size"], args["size_bits"], args["rights"],
                                                                cacheable=args["cacheable"])
        return (f"{args['vspace']} {self._range_text(int(res.start), args['size'])} rights "
                f"{rights_text(args['rights'])}" + self._define_reservation(args, args["vspace"], res))

    def _op_reserve_deferred_rights_range_at(self, step: Step, args: dict[str, Any]) -> str:
        vaddr = self.addr(args["vaddr"])
        res = self.vspace(args["vspace"]).reserve_deferred_rights_range_at(vaddr, args["size"],
                                                                           cacheable=args["cacheable"])
        return (f"{args['vspace']} {self._range_text(vaddr, args['size'])} rights deferred"
                + self._define_reservation(args, args["vspace"], res))

    def _op_map_pages_at_vaddr(self, step: Step, args: dict[str, Any]) -> str:
        caps, vaddr = self.resolve_caps(args["caps"]), self.addr(args["vaddr"])
        self.vspace(args["vspace"]).map_pages_at_vaddr(caps, vaddr, self.reservation(args["reservation"]),
                                                       size_bits=args["size_bits"])
        return (f"{args['vspace']} {self._caps_text(caps)} at {self._range_text(vaddr, len(caps) << args['size_bits'])}"
                f" in {args['reservation']}")

    def _op_deferred_rights_map_pages_at_vaddr(self, step: Step, args: dict[str, Any]) -> str:
        caps, vaddr = self.resolve_caps(args["caps"]), self.addr(args["vaddr"])
        self.vspace(args["vspace"]).deferred_rights_map_pages_at_vaddr(
            caps, vaddr, args["rights"], self.reservation(args["reservation"]), size_bits=args["size_bits"])
        return (f"{args['vspace']} {self._caps_text(caps)} at {self._range_text(vaddr, len(caps) << args['size_bits'])}"
                f" rights {rights_text(args['rights'])} in {args['reservation']}")

    def _op_new_pages(self, step: Step, args: dict[str, Any]) -> str:
        vspace = self.vspace(args["vspace"])
        vaddr = vspace.new_pages(args["num_pages"], args["rights"], size_bits=args["size_bits"])
        if args.get("name"):
            self.addresses[args["name"]] = vaddr
            # The vspace allocated these frames; name them after the step so maps can say whose they are.
            for i in range(args["num_pages"]):
                cap = vspace.get_cap(vaddr + (i << args["size_bits"]))
                if cap:
                    self.cap_names[cap] = f"{args['name']}[{i}]"
        return (f"{args['vspace']} {self._range_text(vaddr, args['num_pages'] << args['size_bits'])} rights "
                f"{rights_text(args['rights'])}" + (f" -> {args['name']}" if args.get("name") else ""))

    def _op_new_pages_at_vaddr(self, step: Step, args: dict[str, Any]) -> str:
        vaddr = self.addr(args["vaddr"])
        self.vspace(args["vspace"]).new_pages_at_vaddr(vaddr, args["num_pages"], self.reservation(args["reservation"]),
                                                       size_bits=args["size_bits"])
        size = args["num_pages"] << args["size_bits"]
        return f"{args['vspace']} {self._range_text(vaddr, size)} in {args['reservation']}"

    def _op_map_pages(self, step: Step, args: dict[str, Any]) -> str:
        caps = self.resolve_caps(args["caps"])
        vaddr = self.vspace(args["vspace"]).map_pages(caps, args["rights"], size_bits=args["size_bits"],
                                                      cacheable=args["cacheable"])
        if args.get("name"):
            self.addresses[args["name"]] = vaddr
        return (f"{args['vspace']} {self._caps_text(caps)} at {self._range_text(vaddr, len(caps) << args['size_bits'])}"
                f" rights {rights_text(args['rights'])}" + (f" -> {args['name']}" if args.get("name") else ""))

    def _op_unmap_pages(self, step: Step, args: dict[str, Any]) -> str:
        vaddr = self.addr(args["vaddr"])
        vspace = self.vspace(args["vspace"])
        vspace.unmap_pages(vaddr, args["num_pages"], size_bits=args["size_bits"], free=args["free"])
        return (f"{args['vspace']} {self._range_text(vaddr, args['num_pages'] << args['size_bits'])}"
                + (" (frames freed)" if args["free"] else ""))

    def _op_free_reservation(self, step: Step, args: dict[str, Any]) -> str:
        vspace_name, reservation = self.reservations[args["reservation"]]
        self.vspace(vspace_name).free_reservation(reservation)
        return f"{vspace_name} {args['reservation']}"

    def _op_free_reservation_by_vaddr(self, step: Step, args: dict[str, Any]) -> str:
        vaddr = self.addr(args["vaddr"])
        self.vspace(args["vspace"]).free_reservation_by_vaddr(vaddr)
        return f"{args['vspace']} the reservation at {vaddr:#x}"

    def _op_share_mem_at_vaddr(self, step: Step, args: dict[str, Any]) -> str:
        start, vaddr = self.addr(args["start"]), self.addr(args["vaddr"])
        reservation = self.reservation(args["reservation"])
        self.vspace(args["vspace"]).share_mem_at_vaddr(self.vspace(args["to"]), start, args["num_pages"], vaddr,
                                                       reservation, size_bits=args["size_bits"])
        size = args["num_pages"] << args["size_bits"]
        return (f"{args['vspace']} {self._range_text(start, size)} also at {args['to']} {vaddr:#x}"
                f" in {args['reservation']}")

    def _op_get_cap(self, step: Step, args: dict[str, Any]) -> str:
        vaddr = self.addr(args["vaddr"])
        cap = self.vspace(args["vspace"]).get_cap(vaddr)
        return f"{args['vspace']} {vaddr:#x}: " + (self._caps_text([cap]) if cap else "no cap")

    def _op_get_cookie(self, step: Step, args: dict[str, Any]) -> str:
        vaddr = self.addr(args["vaddr"])
        return f"{args['vspace']} {vaddr:#x}: cookie {self.vspace(args['vspace']).get_cookie(vaddr):#x}"

    def _op_lookup(self, step: Step, args: dict[str, Any]) -> str:
        vaddr = self.addr(args["vaddr"])
        mapping = _api.lookup(self.vspace(args["vspace"]), vaddr)
        if mapping is None:
            return f"{args['vspace']} {vaddr:#x}: not mapped"
        return f"{args['vspace']} {vaddr:#x}: {self._mapping_text(mapping)}"

    def _mapping_text(self, mapping: Any) -> str:
        return (f"page {mapping.vaddr:#x} ({size_text(1 << mapping.size_bits)}) rights {rights_text(mapping.rights)}"
                f" frame {self._caps_text([mapping.cap])} paddr {mapping.paddr:#x}")

    def _op_write(self, step: Step, args: dict[str, Any]) -> str:
        vaddr, data = self.addr(args["vaddr"]), args["data"] or args["hex"]
        self.vspace(args["vspace"]).write(vaddr, data)
        return f"{args['vspace']} {vaddr:#x} <- {_bytes_text(data)}"

    def _op_read(self, step: Step, args: dict[str, Any]) -> str:
        vaddr = self.addr(args["vaddr"])
        data = _api.read_head(self.vspace(args["vspace"]), vaddr, args["size"], _SHOWN)
        return f"{args['vspace']} {vaddr:#x} -> {_bytes_text(data, total=args['size'])}"

    def _op_alloc_frames(self, step: Step, args: dict[str, Any]) -> str:
        self._name_caps(args["name"], self.kernel.alloc_frames(args["count"], size_bits=args["size_bits"]))
        return f"{args['name']}[0..{args['count'] - 1}], {args['count']} x {size_text(1 << args['size_bits'])}"

    def _op_copy_cap(self, step: Step, args: dict[str, Any]) -> str:
        sources = self.resolve_caps(args["of"])
        self._name_caps(args["name"], [self.kernel.copy_cap(cap, rights=args["rights"]) for cap in sources])
        return (f"{args['name']} = copies of {self._caps_text(sources)}"
                + (f" with rights {rights_text(args['rights'])}" if args["rights"] is not None else ""))

    def _op_delete_cap(self, step: Step, args: dict[str, Any]) -> str:
        caps = self.resolve_caps(args["cap"])
        text = self._caps_text(caps)
        for cap in caps:
            self.kernel.delete_cap(cap)
        return text

    def _op_tear_down(self, step: Step, args: dict[str, Any]) -> str:
        name: str = args["vspace"]
        self.vspace(name).tear_down()
        self.torn_down.add(name)
        return name

    # ---------------------------------------------------------------- expectations

    def _expect_error(self, step: Step, args: dict[str, Any]) -> str:
        wanted, message = args.pop("error"), args.pop("message")
        operation = self._ops[step.call or ""]
        try:
            operation(step, args)
        except Exception as error:  # noqa: BLE001 - the point of the step: it must fail, in the way checked below
            got = _error_text(error)
            if wanted is not None:
                if wanted.startswith("seL4_"):
                    if not isinstance(error, _api.KernelError) or error.error_name != wanted:
                        raise _Expectation(f"a KernelError {wanted}", f"got {got}") from None
                elif not isinstance(error, _api.ERROR_CLASSES[wanted]):
                    raise _Expectation(f"a {wanted}", f"got {got}") from None
            if message is not None and message.lower() not in str(error).lower():
                raise _Expectation(f"an error mentioning {message!r}", f"got {got}") from None
            return f"failed as expected: {got}"
        expected = f"a {wanted}" if wanted else "an error"
        raise _Expectation(expected, "it succeeded")

    def _op_expect_fault(self, step: Step, args: dict[str, Any]) -> str:
        vaddr, access, reason = self.addr(args["vaddr"]), args["access"], args["reason"]
        vspace = self.vspace(args["vspace"])
        expected = f"a {access} fault at {vaddr:#x}" + (f" ({reason})" if reason else "")
        try:
            if access == "read":
                data = vspace.read(vaddr, 1)
                outcome = f"the read returned {_bytes_text(data)}"
            else:
                vspace.write(vaddr, b"\0")
                outcome = "the write succeeded"
        except _api.VMFault as fault:
            if fault.access != access or (reason is not None and fault.reason != reason) or fault.vaddr != vaddr:
                raise _Expectation(expected, f"got {_error_text(fault)}") from None
            return f"{args['vspace']} {fault}"
        raise _Expectation(expected, outcome)

    def _op_expect_read(self, step: Step, args: dict[str, Any]) -> str:
        vaddr, data = self.addr(args["vaddr"]), args["data"] or args["hex"]
        try:
            got = self.vspace(args["vspace"]).read(vaddr, len(data))
        except _api.VMFault as fault:
            raise _Expectation(f"{_bytes_text(data)} at {vaddr:#x}", f"the read faulted: {fault}") from None
        if got != data:
            raise _Expectation(f"{_bytes_text(data)} at {vaddr:#x}", f"read {_bytes_text(got)}")
        return f"{args['vspace']} {vaddr:#x} holds {_bytes_text(data)}"

    def _op_expect_mapping(self, step: Step, args: dict[str, Any]) -> str:
        vaddr = self.addr(args["vaddr"])
        mapping = _api.lookup(self.vspace(args["vspace"]), vaddr)
        if not args["mapped"]:
            if mapping is not None:
                raise _Expectation(f"no mapping at {vaddr:#x}", f"found {self._mapping_text(mapping)}")
            return f"{args['vspace']} {vaddr:#x} is not mapped"
        wanted = []
        if args["rights"] is not None:
            wanted.append(f"rights {rights_text(args['rights'])}")
        if args["size_bits"] is not None:
            wanted.append(f"a {size_text(1 << args['size_bits'])} page")
        cap = None
        if args["cap"] is not None:
            cap = self.resolve_caps(args["cap"])[0]
            wanted.append(f"frame {self._caps_text([cap])}")
        if args["cacheable"] is not None:
            wanted.append("cacheable" if args["cacheable"] else "uncached")
        expected = f"a mapping at {vaddr:#x}" + (f" with {', '.join(wanted)}" if wanted else "")
        if mapping is None:
            raise _Expectation(expected, "nothing is mapped there")
        if ((args["rights"] is not None and not _same_vm_rights(mapping.rights, args["rights"]))
                or (args["size_bits"] is not None and mapping.size_bits != args["size_bits"])
                or (cap is not None and mapping.cap != cap)
                or (args["cacheable"] is not None and mapping.cacheable != args["cacheable"])):
            raise _Expectation(expected, f"found {self._mapping_text(mapping)}{_cache_text(mapping.cacheable)}")
        return (f"{args['vspace']} {vaddr:#x}: {self._mapping_text(mapping)}"
                + (_cache_text(mapping.cacheable) if args["cacheable"] is not None else ""))

    def _op_expect_rights(self, step: Step, args: dict[str, Any]) -> str:
        vaddr = self.addr(args["vaddr"])
        mapping = _api.lookup(self.vspace(args["vspace"]), vaddr)
        expected = f"rights {rights_text(args['rights'])} at {vaddr:#x}"
        if mapping is None:
            raise _Expectation(expected, "nothing is mapped there")
        if not _same_vm_rights(mapping.rights, args["rights"]):
            raise _Expectation(expected, f"the mapping has rights {rights_text(mapping.rights)}")
        return f"{args['vspace']} {vaddr:#x} rights {rights_text(mapping.rights)}"

    def _op_expect_reservation(self, step: Step, args: dict[str, Any]) -> str:
        vspace_name, reservation = self.reservations[args["reservation"]]
        view = _api.reservation_view(reservation, args["reservation"])
        wanted, wrong = [], False
        for key, have in (("start", view.start), ("end", view.end)):
            if args[key] is not None:
                value = self.addr(args[key])
                wanted.append(f"{key} {value:#x}")
                wrong |= have != value
        if args["size"] is not None:
            wanted.append(f"size {size_text(args['size'])}")
            wrong |= view.size != args["size"]
        if args["rights"] == "deferred":
            wanted.append("rights deferred")
            wrong |= not view.rights_deferred
        elif args["rights"] is not None:
            wanted.append(f"rights {rights_text(args['rights'])}")
            wrong |= view.rights_deferred or view.rights is None or not _same_vm_rights(view.rights, args["rights"])
        if args["deferred"] is not None:
            wanted.append("deferred rights" if args["deferred"] else "fixed rights")
            wrong |= view.rights_deferred != args["deferred"]
        if args["cacheable"] is not None:
            wanted.append("cacheable" if args["cacheable"] else "uncached")
            wrong |= view.cacheable != args["cacheable"]
        have_text = (f"{args['reservation']} is [{view.start:#x}, {view.end:#x}) {size_text(view.size)}, rights "
                     f"{view.rights_label}, {'cacheable' if view.cacheable else 'uncached'}")
        if wrong:
            raise _Expectation(f"{args['reservation']} with {', '.join(wanted)}", have_text)
        return f"{vspace_name} {have_text}"

    def _op_expect_untyped_free(self, step: Step, args: dict[str, Any]) -> str:
        want = self.initial_untyped_free if args["bytes"] == "initial" else args["bytes"]
        have = self.kernel.untyped_free_bytes
        what = "all untyped memory free again" if args["bytes"] == "initial" else f"{want} bytes of untyped free"
        if have != want:
            missing = want - have
            raise _Expectation(f"{what} ({want} bytes)",
                               f"{have} bytes are free ({abs(missing)} {'missing' if missing > 0 else 'extra'})")
        return f"{have} bytes free ({size_text(have)})"

    # ---------------------------------------------------------------- the picture

    def snapshot(self, title: str = "") -> Snapshot:
        """Every vspace as it is now, with the scenario's names on reservations and frames."""
        names = {(vspace, int(res.start)): name for name, (vspace, res) in self.reservations.items()
                 if not res.freed}
        views = []
        for name in self.scenario.vspaces:
            if name in self.torn_down:
                views.append(VSpaceView(name, torn_down=True))
                continue
            vspace = self.vspaces[name]
            reservations = tuple(_api.reservation_view(res, names.get((name, int(res.start))))
                                 for res in vspace.reservations())
            mappings = tuple(_api.mapping_view(m, self.cap_names.get(int(m.cap))) for m in vspace.mappings())
            views.append(VSpaceView(name, reservations, mappings))
        return Snapshot(tuple(views), title, self.kernel.arch, self.kernel.user_top)


def _cache_text(cacheable: bool | None) -> str:
    return "" if cacheable is None else ", cacheable" if cacheable else ", uncached"


def _same_vm_rights(have: CapRights, want: CapRights) -> bool:
    """Read and write decide what a mapping allows; grant bits mean nothing to the MMU."""
    return have.read == want.read and have.write == want.write
