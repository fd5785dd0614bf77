# SPDX-License-Identifier: BSD-2-Clause
"""The cffi cdef, generated from csrc/binding/include/binding.h, never written by hand.

csrc/binding/include/binding.h is run through the C preprocessor against stand-in libc headers
(csrc/build_support/fake_libc) and parsed with pycparser. Every typedef, struct, union, enum and
function declared in our own headers is kept; ``static inline`` functions become plain
declarations (cffi calls the real inline function); functions no object defines are dropped;
object-like macros from our headers that expand to integer constants become ``#define NAME ...``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from pycparser import c_ast, c_generator, c_parser

from .config import FAKE_LIBC, ROOT, Arch, cdef_preprocess_command, sel4_libs_root

_INTEGER_TOKEN = re.compile(r"\s*(?:(?:0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*|<<|>>|[()+\-*/%|&^~])")
_LINE_MARKER = re.compile(r'^# (\d+) "(.*)"')
_DEFINE = re.compile(r"^#define\s+([A-Za-z_][A-Za-z0-9_]*)(\s+(.*))?$")


def preprocess(arch: Arch, source_text: str, extra: list[str]) -> str:
    """source_text (an #include of csrc/binding/include/binding.h) as the cdef sees it: preprocessed against the
    stand-in libc, for arch."""
    result = subprocess.run(cdef_preprocess_command(arch, extra), input=source_text, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit("preprocessing csrc/binding/include/binding.h for the cdef failed:\n" + result.stderr)
    return result.stdout


def _is_our_file(name: str) -> bool:
    if not name or name.startswith("<"):
        return False
    path = Path(name).resolve()
    if path.is_relative_to(FAKE_LIBC):
        return False
    return path.is_relative_to(ROOT) or path.is_relative_to(sel4_libs_root())


def _integer_macros(arch: Arch, with_defines: str) -> list[str]:
    """Object-like macros from our headers whose full expansion is an integer constant expression."""
    candidates = []
    current_file = ""
    for line in with_defines.splitlines():
        marker = _LINE_MARKER.match(line)
        if marker:
            current_file = marker.group(2)
            continue
        match = _DEFINE.match(line)
        if match and _is_our_file(current_file):
            name, body = match.group(1), (match.group(3) or "").strip()
            if body and not name.startswith("_") and "(" not in line[len("#define ") + len(name):][:1]:
                candidates.append(name)
    if not candidates:
        return []
    probe = '#include "binding.h"\n' + "".join(f"__sel4vspace_probe_{n} = {n};\n" for n in candidates)
    expanded = preprocess(arch, probe, [])
    values = {}
    for line in expanded.splitlines():
        if line.startswith("__sel4vspace_probe_"):
            name, _, value = line[len("__sel4vspace_probe_"):].partition(" = ")
            values[name] = value.rstrip(";").strip()
    return [n for n in candidates if n in values and _is_integer_expression(values[n])]


def _is_integer_expression(text: str) -> bool:
    """True when text is made only of integer literals, arithmetic operators and parentheses."""
    position, saw_literal = 0, False
    while position < len(text):
        token = _INTEGER_TOKEN.match(text, position)
        if token is None:
            return text[position:].strip() == "" and saw_literal
        saw_literal |= token.group().strip()[:1].isdigit()
        position = token.end()
    return saw_literal


class _CalledNames(c_ast.NodeVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_FuncCall(self, node: c_ast.FuncCall) -> None:
        if isinstance(node.name, c_ast.ID):
            self.names.add(node.name.name)
        self.generic_visit(node)


class _CdefFilter:
    """Keeps the top-level declarations of our own headers, in a form cffi's cdef accepts."""

    def __init__(self, symbols: set[str], ast: c_ast.FileAST) -> None:
        self.symbols = symbols
        self.generator = c_generator.CGenerator()
        # Functions our headers declare but no object defines: an inline calling one cannot link.
        self.undefined = {
            node.name for node in ast.ext
            if isinstance(node, c_ast.Decl) and isinstance(node.type, c_ast.FuncDecl)
            and _is_our_file(node.coord.file if node.coord else "") and node.name not in symbols
        }
        # ... and so can an inline calling such an inline: grow the set to a fixed point.
        inlines = [n for n in ast.ext if isinstance(n, c_ast.FuncDef)]
        changed = True
        while changed:
            changed = False
            for node in inlines:
                if node.decl.name not in self.undefined and self._calls_undefined(node):
                    self.undefined.add(node.decl.name)
                    changed = True

    def _calls_undefined(self, node: c_ast.FuncDef) -> bool:
        called = _CalledNames()
        called.visit(node.body)
        return bool(called.names & self.undefined)

    def declaration(self, node: c_ast.Node) -> str | None:
        if isinstance(node, c_ast.StaticAssert) or not _is_our_file(node.coord.file if node.coord else ""):
            return None
        if isinstance(node, c_ast.FuncDef):
            decl = node.decl
            if decl.name.startswith("_") or decl.name in self.undefined:
                return None
            return self._function_declaration(decl, inline=True)
        if isinstance(node, c_ast.Typedef):
            return self.generator.visit(node) + ";"
        if isinstance(node, c_ast.Decl):
            if isinstance(node.type, c_ast.FuncDecl):
                if node.name.startswith("_") or node.name not in self.symbols:
                    return None
                return self._function_declaration(node, inline=False)
            if node.name is None:  # struct/union/enum definition
                return self.generator.visit(node) + ";"
            if "extern" in node.storage and node.name in self.symbols and not node.name.startswith("_"):
                return self.generator.visit(node) + ";"
            return None  # static or undefined variables are not part of the surface
        return None

    def _function_declaration(self, decl: c_ast.Decl, inline: bool) -> str:
        clean = c_ast.Decl(
            name=decl.name, quals=decl.quals, align=[], storage=[], funcspec=[],
            type=decl.type, init=None, bitsize=None, coord=decl.coord,
        )
        return self.generator.visit(clean) + ";"


_ASM_KEYWORD = re.compile(r"\b(?:asm|__asm__|__asm)\b(?:\s+(?:volatile|__volatile__|goto|inline))*\s*\(")
_STATEMENT_EXPRESSION = re.compile(r"\(\s*\{")
_SKIP_LITERAL = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')


def _matching_close(text: str, open_at: int) -> int:
    """Index just past the bracket that closes the one at open_at; string and character literals
    are skipped, so brackets inside them do not count."""
    closing = {"(": ")", "{": "}"}
    stack, position = [], open_at
    while position < len(text):
        char = text[position]
        if char in "\"'":
            literal = _SKIP_LITERAL.match(text, position)
            position = literal.end() if literal else position + 1
            continue
        if char in closing:
            stack.append(closing[char])
        elif char in ")}":
            if not stack or stack.pop() != char:
                raise SystemExit(f"unbalanced {char!r} in the preprocessed headers at offset {position}")
            if not stack:
                return position + 1
        position += 1
    raise SystemExit("unterminated bracket in the preprocessed headers")


def _without_gnu_bodies(text: str) -> str:
    """Replace the two GNU C constructs pycparser cannot read with equivalents it can: an
    ``asm`` statement becomes ``(void)0`` and a statement expression ``({ ... })`` becomes ``0``.
    Both occur only inside function bodies (util_libs' inline helpers and macros), whose code the
    cdef never keeps: only which functions they call matters, and neither construct calls any."""
    out, position = [], 0
    while True:
        asm = _ASM_KEYWORD.search(text, position)
        expr = _STATEMENT_EXPRESSION.search(text, position)
        found = min((m for m in (asm, expr) if m), key=lambda m: m.start(), default=None)
        if found is None:
            out.append(text[position:])
            return "".join(out)
        out.append(text[position:found.start()])
        if found is asm:
            position = _matching_close(text, found.end() - 1)
            out.append("(void)0")
        else:
            position = _matching_close(text, found.start())
            out.append("0")


def generate_cdef(arch: Arch, symbols: set[str]) -> str:
    """The cdef of csrc/binding/include/binding.h's headers as arch's build sees them (libsel4's names
    differ between arches), keeping only the functions in ``symbols`` (those the objects define) or
    static inline in a header."""
    text = _without_gnu_bodies(preprocess(arch, '#include "binding.h"\n', []))
    ast = c_parser.CParser().parse(text, filename="binding.h")
    keep = _CdefFilter(symbols, ast)
    lines = [d for d in (keep.declaration(node) for node in ast.ext) if d]
    with_defines = preprocess(arch, '#include "binding.h"\n', ["-dD"])
    lines += [f"#define {name} ..." for name in _integer_macros(arch, with_defines)]
    return "\n".join(lines) + "\n"
