# SPDX-License-Identifier: BSD-2-Clause
"""buildsupport.cdef: the cdef generated from csrc/binding.h's headers, for each arch."""

from __future__ import annotations

import pytest
from buildsupport import cdef, config


@pytest.mark.parametrize(("text", "integer"), [
    ("12", True), ("0x1000UL", True), ("(1ul << 12) - 1", True), ("~0u", True),
    ("", False), ("()", False), ("foo", False), ("1.5", False), ('"12"', False), ("sizeof(int)", False),
])
def test_integer_expressions(text, integer):
    assert cdef._is_integer_expression(text) is integer


def test_gnu_bodies_become_what_pycparser_reads():
    text = 'int f(void) { asm volatile("mov %0, 1" : "=r"(x)); return ({ int y = ")"; y; }); }'
    assert cdef._without_gnu_bodies(text) == "int f(void) { (void)0; return 0; }"
    with pytest.raises(SystemExit, match="unterminated bracket"):
        cdef._without_gnu_bodies("int g(void) { return ({ 1; ; }")


# Each arch's libsel4 names its own objects: the cdef of one has them, and no other arch's.
ARCH_NAMES = {"x86_64": "seL4_X86_4K", "aarch64": "seL4_ARM_SmallPageObject", "riscv64": "seL4_RISCV_4K_Page"}


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_the_cdef_keeps_inline_wrappers_defined_functions_and_integer_macros(arch):
    generated = cdef.generate_cdef(config.ARCHES[arch], {"sel4sim_cap_info"})
    lines = generated.splitlines()
    assert any("sel4sim_cap_info(" in line for line in lines)           # defined by an object: kept
    assert not any("sel4sim_untyped_free_bytes(" in line for line in lines)   # defined by none: dropped
    assert any("*vspace_new_pages(vspace_t" in line for line in lines)   # static inline in vspace.h: kept
    assert "#define seL4_PageBits ..." in lines                         # an integer macro of our headers
    assert not any(line.startswith("static ") for line in lines)
    assert all((name in generated) == (other == arch) for other, name in ARCH_NAMES.items())
