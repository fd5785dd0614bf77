# SPDX-License-Identifier: BSD-2-Clause
"""sel4sim_vspace_translate: the mapping lookup finds, without the cap (and without its scan)."""

from __future__ import annotations

from simkernel import RW, Sim

from sel4vspace.lowlevel import ffi, lib

VA = 0x10000000


def test_translate_agrees_with_lookup_but_leaves_the_cap_out(sim: Sim) -> None:
    vspace = sim.new_vspace()
    sim.map_tables(vspace, VA)
    frame = sim.map_frame(vspace, VA, RW)
    looked_up = ffi.new("sel4sim_mapping_t *")
    translated = ffi.new("sel4sim_mapping_t *")
    assert lib.sel4sim_vspace_lookup(sim.k, vspace, VA + 123, looked_up) == 1
    assert lib.sel4sim_vspace_translate(sim.k, vspace, VA + 123, translated) == 1
    assert looked_up.frame_cap == frame
    assert translated.frame_cap == lib.seL4_CapNull
    for field in ("vaddr", "size_bits", "paddr", "attributes"):
        assert getattr(translated, field) == getattr(looked_up, field)
    assert translated.rights.words[0] == looked_up.rights.words[0]


def test_translate_of_an_unmapped_address_finds_nothing(sim: Sim) -> None:
    vspace = sim.new_vspace()
    out = ffi.new("sel4sim_mapping_t *")
    assert lib.sel4sim_vspace_translate(sim.k, vspace, VA, out) == 0
    assert lib.sel4sim_vspace_translate(sim.k, lib.seL4_CapNull, VA, out) == 0
