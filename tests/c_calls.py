# SPDX-License-Identifier: BSD-2-Clause
"""Run test code at every point between two C calls of the package's Python layer.

``between_c_calls(action)`` replaces the ``lib`` the Python layer calls (in the lowlevel modules that
hold every route into C: ``sel4vspace.lowlevel.host``, ``.sim`` and ``.vspace``, those of every
installed arch), and the C functions those modules keep in globals of their own, with stand-ins
that, each time a C function returns, call ``action(name)`` with the function's name before handing
the result back.
What ``action`` does happens exactly where a signal handler, a garbage collection or an exception
such as KeyboardInterrupt could strike: after one C call, before the next line of Python. If it
raises, the C call's result is lost, as it would be. No timing is involved: a test can visit every
such point of an operation in turn (``Countdown``).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import sel4vspace.lowlevel
from sel4vspace import _arches


def patched_modules() -> list[ModuleType]:
    """The lowlevel modules that hold every route into C, of every installed arch (a kernel of any
    of them may be made in the block)."""
    bindings = [_arches.binding(arch) for arch in _arches.INSTALLED]
    return [module for binding in bindings for module in (binding.host, binding.sim, binding.vspace)]


class _Lib:
    """``lib`` (one arch's) with an action after every function call."""

    def __init__(self, real_lib: Any, ffi: Any, action: Callable[[str], None]) -> None:
        self._real_lib = real_lib
        self._ffi = ffi
        self._action = action
        self._functions: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._real_lib, name)
        if isinstance(value, self._ffi.CData) or not callable(value):   # constants and C variables
            return value
        wrapped = self._functions.get(name)
        if wrapped is None:
            action = self._action

            def wrapped(*args: Any, _call: Any = value, _name: str = name) -> Any:
                result = _call(*args)
                action(_name)
                return result

            self._functions[name] = wrapped
        return wrapped


def _kept_functions(module: Any) -> dict[str, Any]:
    """The module's globals that hold a C function of its ``lib`` (looked up once, for speed)."""
    real_lib, ffi = module.lib, module.ffi
    return {name: value for name, value in vars(module).items()
            if callable(value) and not isinstance(value, ffi.CData)
            and getattr(real_lib, getattr(value, "__name__", ""), None) is value}


@contextlib.contextmanager
def between_c_calls(action: Callable[[str], None]) -> Iterator[None]:
    """Within the block, ``action(name)`` runs after each C call the Python layer makes."""
    modules = patched_modules()
    stand_ins = {id(module.lib): _Lib(module.lib, module.ffi, action) for module in modules}
    saved = [(module.lib, _kept_functions(module)) for module in modules]
    for module, (lib, kept) in zip(modules, saved, strict=True):
        stand_in = stand_ins[id(lib)]
        module.lib = stand_in
        for name, function in kept.items():
            setattr(module, name, getattr(stand_in, function.__name__))
    try:
        yield
    finally:
        for module, (lib, kept) in zip(modules, saved, strict=True):
            module.lib = lib
            for name, function in kept.items():
                setattr(module, name, function)


class Injected(Exception):
    """The exception a Countdown raises (a stand-in for KeyboardInterrupt, MemoryError, ...)."""


class Countdown:
    """An action that raises ``exc`` after the ``at``-th C call (1-based), once; ``calls`` counts
    every C call seen, ``fired`` says whether it raised."""

    def __init__(self, at: int, exc: type[BaseException] = Injected) -> None:
        self.at = at
        self.exc = exc
        self.calls = 0
        self.fired = False
        self.names: list[str] = []

    def __call__(self, name: str) -> None:
        self.calls += 1
        self.names.append(name)
        if self.calls == self.at:
            self.fired = True
            raise self.exc(f"injected after C call {self.at} ({name})")


_PACKAGE = str(Path(sel4vspace.lowlevel.__file__).resolve().parents[1])


@contextlib.contextmanager
def at_any_python_call(action: Callable[[str], None]) -> Iterator[None]:
    """Within the block, ``action(name)`` runs at each call into a function of the package's Python
    and after each return from a builtin function it called: where Python runs a signal handler
    (CPython checks for pending signals as a function starts and as a call returns). If ``action``
    raises, the exception is raised there, in the package's code, and no point after it is visited
    (the profile function is removed, as Python does with one that raises)."""

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event in ("call", "c_return") and frame.f_code.co_filename.startswith(_PACKAGE):
            action(f"{event} {frame.f_code.co_name}" + (f" -> {getattr(arg, '__name__', arg)}"
                                                          if event == "c_return" else ""))

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield
    finally:
        sys.setprofile(previous)
