# SPDX-License-Identifier: BSD-2-Clause
"""Every argument of every vspace.h dispatch reaches the implementation unchanged.

Generated from the signatures, so a new field or argument is covered by construction: for each
function field of ``vspace_t``, every wrapper that dispatches to it (``vspace_<field>``,
``vspace_<field>_with_config``, ``vspace_maybe_call_<field>``) is called through a
``CallbackVSpace`` with a distinct value for each of its arguments (the fields of a struct passed
by pointer count as arguments), and the implementation must receive them: its k-th argument of a
type is the wrapper's k-th argument of that type. An implementation argument with no counterpart
in the wrapper must be listed in ``CONSTANTS`` with the value the wrapper must pass, and the
wrapper must return what the implementation returned."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sel4vspace.lowlevel import VSPACE_FUNCTION_FIELDS, CallbackVSpace, ffi, lib

# Implementation arguments a wrapper makes up rather than passes on: (field, wrapper) -> index -> value.
CONSTANTS: dict[tuple[str, str], dict[int, Callable[[Any], Any]]] = {
    # ordinary frames, never device memory, unless a config says otherwise
    ("new_pages_at_vaddr", "vspace_new_pages_at_vaddr"): {5: lambda vs: 0},
    # the callback's cookie is the vspace's own, not the vspace
    ("allocated_object", "vspace_maybe_call_allocated_object"): {0: lambda vs: address(vs.allocated_object_cookie)},
}
# Functions named like a dispatch that are library functions making several calls, not wrappers.
NOT_DISPATCHES = {"vspace_new_pages_with_config"}
SIZES = [12, 21, 30, 13, 14, 15]     # nonzero page counts and valid size_bits alike
POINTER_BASE = 0x4000_0000           # 1 GiB-aligned, so any size_bits finds them aligned


def address(pointer: Any) -> int:
    return int(ffi.cast("uintptr_t", pointer))


def normal(ctype: Any, value: Any) -> Any:
    """A plain Python value for a cffi value of ctype (struct and array contents included)."""
    if ctype.kind == "pointer":
        return address(value)
    if ctype.kind == "primitive":
        return int(value)
    if ctype.kind == "array":
        return tuple(normal(ctype.item, value[i]) for i in range(ctype.length))
    if ctype.kind == "struct":
        return tuple(normal(field.type, getattr(value, name)) for name, field in ctype.fields)
    raise TypeError(f"no rule for {ctype}")


class Values:
    """Distinct values, one after another, for each kind of argument."""

    def __init__(self) -> None:
        self.sizes = iter(SIZES)
        self.pointers = iter(range(POINTER_BASE, POINTER_BASE + (64 << 30), 1 << 30))
        self.small = iter(range(3, 64))

    def make(self, ctype: Any) -> Any:
        if ctype.kind == "pointer":
            return ffi.cast(ctype, next(self.pointers))
        if ctype.kind == "primitive":
            if ctype.cname == "_Bool":
                return True               # the default everywhere is false: true must travel
            return next(self.sizes)
        if ctype.kind == "array":
            return [self.make(ctype.item) for _ in range(ctype.length)]
        if ctype.kind == "struct":
            return {name: self.small_value(field.type) for name, field in ctype.fields}
        raise TypeError(f"no rule for {ctype}")

    def small_value(self, ctype: Any) -> Any:
        if ctype.kind == "array":
            return [self.small_value(ctype.item) for _ in range(ctype.length)]
        if ctype.kind == "pointer":
            return ffi.cast(ctype, next(self.pointers))
        return next(self.small)


def dispatch_wrappers() -> list[tuple[str, str]]:
    """(field, wrapper name) for every wrapper of vspace.h that dispatches to a field."""
    pairs = []
    for field in VSPACE_FUNCTION_FIELDS:
        for name in (f"vspace_{field}", f"vspace_{field}_with_config", f"vspace_maybe_call_{field}"):
            if hasattr(lib, name) and name not in NOT_DISPATCHES:
                pairs.append((field, name))
    return pairs


WRAPPERS = dispatch_wrappers()


def test_every_function_field_has_a_dispatch_wrapper():
    assert {field for field, _ in WRAPPERS} == set(VSPACE_FUNCTION_FIELDS)


def result_for(ctype: Any, values: Values) -> tuple[Any, Any]:
    """A distinct return value for an implementation and its normal form (None for void)."""
    if ctype.kind == "void":
        return None, None
    if ctype.kind == "struct":
        made = ffi.new(ffi.getctype(ctype, "*"), values.make(ctype))[0]
        return made, normal(ctype, made)
    value = values.make(ctype)
    return value, normal(ctype, value)


@pytest.mark.parametrize("field, wrapper", WRAPPERS, ids=[w for _, w in WRAPPERS])
def test_the_wrapper_passes_every_argument_to_its_field(field, wrapper):
    values = Values()
    wrapper_type = ffi.typeof(getattr(lib, wrapper))
    impl_type = dict(ffi.typeof("vspace_t").fields)[field].type
    received: list[tuple[Any, ...]] = []
    returned, returned_normal = result_for(impl_type.result, values)

    def implementation(*args: Any) -> Any:
        received.append(tuple(normal(t, a) for t, a in zip(impl_type.args, args)))
        return returned

    vs = CallbackVSpace(**{field: implementation})
    other = CallbackVSpace(**{field: implementation})
    vs.ptr.allocated_object_cookie = ffi.cast("void *", 0x7777_0000)

    # the wrapper's arguments, and the same flattened (a struct by pointer gives its fields)
    args, flat = [], []
    vspaces = iter([vs.ptr, other.ptr])
    keep = []
    for ctype in wrapper_type.args:
        if ctype.kind == "pointer" and ctype.item.cname == "struct vspace":
            value = next(vspaces)
            flat.append((ctype, address(value)))
        elif ctype.kind == "pointer" and ctype.item.kind == "struct" and ctype not in impl_type.args:
            value = ffi.new(ctype, {name: values.make(f.type) for name, f in ctype.item.fields})
            keep.append(value)
            flat += [(f.type, normal(f.type, getattr(value, name))) for name, f in ctype.item.fields]
        elif ctype.kind == "struct":
            value = ffi.new(ffi.getctype(ctype, "*"), values.make(ctype))[0]
            flat.append((ctype, normal(ctype, value)))
        else:
            value = values.make(ctype)
            flat.append((ctype, normal(ctype, value)))
        args.append(value)

    result = getattr(lib, wrapper)(*args)
    vs.raise_pending()
    other.raise_pending()
    assert len(received) == 1, f"{wrapper} called {field} {len(received)} times"
    (got,) = received

    constants = CONSTANTS.get((field, wrapper), {})
    seen: dict[Any, int] = {}
    for index, ctype in enumerate(impl_type.args):
        k = seen.get(ctype, 0)
        seen[ctype] = k + 1
        candidates = [value for t, value in flat if t == ctype]
        if index in constants:
            expected = constants[index](vs.ptr)
            assert got[index] == expected, f"{wrapper}: argument {index} of {field} is {got[index]}, not {expected}"
            seen[ctype] = k      # a made-up argument takes no wrapper argument's place
            continue
        assert k < len(candidates), (
            f"{wrapper}: argument {index} ({ctype.cname}) of {field} has no counterpart among the wrapper's "
            f"arguments; list the value it must have in CONSTANTS")
        assert got[index] == candidates[k], (
            f"{wrapper} passes {got[index]!r} as argument {index} ({ctype.cname}) of {field}, "
            f"not its own argument {candidates[k]!r}")
    if returned_normal is not None:
        assert normal(wrapper_type.result, result) == returned_normal, f"{wrapper} changed what {field} returned"


def test_what_is_not_a_dispatch_makes_several_calls():
    for name in NOT_DISPATCHES:
        calls: list[str] = []
        field_types = dict(ffi.typeof("vspace_t").fields)

        def recorder(field: str) -> Callable[..., Any]:
            result = field_types[field].type.result

            def implementation(*args: Any) -> Any:
                calls.append(field)
                if result.kind == "struct":
                    return ffi.new("reservation_t *", {"res": ffi.cast("void *", 0x1000)})[0]
                if result.kind == "pointer":
                    return ffi.cast("void *", 0x1000)
                return None if result.kind == "void" else 0
            return implementation

        vs = CallbackVSpace(**{f: recorder(f) for f in VSPACE_FUNCTION_FIELDS})
        config = ffi.new("vspace_new_pages_config_t *")
        assert lib.default_vspace_new_pages_config(2, 12, config) == 0
        getattr(lib, name)(vs.ptr, config, lib.seL4_CapRights_new(0, 0, 1, 1))
        vs.raise_pending()
        assert len(calls) > 1, f"{name} makes one call ({calls}): test it as a dispatch"


def test_the_constants_name_real_arguments():
    for (field, wrapper), constants in CONSTANTS.items():
        assert (field, wrapper) in WRAPPERS
        impl_type = dict(ffi.typeof("vspace_t").fields)[field].type
        assert all(0 <= index < len(impl_type.args) for index in constants)
