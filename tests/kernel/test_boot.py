# SPDX-License-Identifier: BSD-2-Clause
"""Boot state, kernel lifetime and the IPC buffer."""

from __future__ import annotations

from archfacts import LARGE_PAGE_TYPE, PAGE_MAP, PAGE_TYPE
from simkernel import Sim

from sel4vspace.lowlevel import ffi, lib


def test_bootinfo_describes_initial_caps_and_untyped(sim: Sim) -> None:
    bi = lib.sel4sim_kernel_bootinfo(sim.k)
    assert bi.initThreadCNodeSizeBits == 16
    assert bi.untyped.end - bi.untyped.start == 1
    desc = bi.untypedList[0]
    assert desc.sizeBits == 30 and desc.isDevice == 0
    assert desc.paddr != 0 and desc.paddr % (1 << 30) == 0
    assert bi.untyped.start >= lib.seL4_NumInitialCaps
    assert bi.empty.start == bi.untyped.end and bi.empty.end == 1 << 16
    assert bi.ipcBuffer == lib.seL4_GetIPCBuffer()
    assert lib.seL4_GetBootInfo() == bi

    cnode = sim.cap(lib.seL4_CapInitThreadCNode)
    assert cnode.type == lib.seL4_CapTableObject and cnode.size_bits == 16 + lib.seL4_SlotBits
    assert sim.cap(lib.seL4_CapASIDControl).kind == lib.SEL4SIM_CAP_ASID_CONTROL
    pool = sim.cap(lib.seL4_CapInitThreadASIDPool)
    assert pool.kind == lib.SEL4SIM_CAP_ASID_POOL and pool.type == -1
    ut = sim.cap(bi.untyped.start)
    assert ut.type == lib.seL4_UntypedObject and ut.size_bits == 30 and ut.paddr == desc.paddr
    assert sim.cap(lib.seL4_CapNull) is None
    assert sim.cap(lib.seL4_CapInitThreadVSpace) is None
    assert lib.sel4sim_used_slots(sim.k) == 4
    assert lib.sel4sim_untyped_free_bytes(sim.k) == 1 << 30
    counts = sim.counts()
    assert counts[lib.seL4_UntypedObject] == 1 and counts[lib.seL4_CapTableObject] == 1
    assert sum(counts) == 2


def test_cptr_beyond_the_root_cnode_resolves_to_nothing(sim: Sim) -> None:
    assert sim.cap(1 << 16) is None
    assert sim.cap(2**64 - 1) is None


def test_bad_arguments_are_refused(c_log) -> None:
    for ut_bits, cn_bits in [(3, 16), (48, 16), (30, 4), (30, 25)]:
        assert lib.sel4sim_kernel_new(ut_bits, cn_bits) == ffi.NULL
    assert [lvl for lvl, _ in c_log.lines] == ["ERROR"] * 4


def test_destroy_returns_every_host_byte() -> None:
    cats = [lib.HOST_ALLOC_KERNEL_OBJECTS, lib.HOST_ALLOC_FRAME_BACKING]
    before = [lib.host_alloc_bytes_in_use(c) for c in cats]
    s = Sim()
    vs = s.new_vspace()
    s.map_tables(vs, 0x400000)
    for i in range(4):
        s.map_frame(vs, 0x400000 + i * 4096)
    assert s.write(vs, 0x400000, b"x" * 10000) is None
    (big,) = s.retype(LARGE_PAGE_TYPE)
    (cn,) = s.retype(lib.seL4_CapTableObject, 4)
    assert lib.sel4sim_frame_backing_bytes(s.k) >= 3 * 4096
    assert [lib.host_alloc_bytes_in_use(c) for c in cats] != before
    s.destroy()
    assert [lib.host_alloc_bytes_in_use(c) for c in cats] == before


def test_select_and_ipc_buffer() -> None:
    a, b = Sim(), Sim()
    try:
        assert lib.sel4sim_kernel_current() == b.k
        lib.seL4_SetMR(5, 1234)
        lib.sel4sim_kernel_select(a.k)
        assert lib.seL4_GetMR(5) == 0
        lib.seL4_SetMR(5, 77)
        assert lib.sel4sim_kernel_ipc_buffer(a.k).msg[5] == 77
        assert lib.sel4sim_kernel_ipc_buffer(b.k).msg[5] == 1234
        lib.seL4_SetUserData(9)
        assert lib.seL4_GetUserData() == 9
    finally:
        a.destroy()
        b.destroy()
    assert lib.sel4sim_kernel_current() == ffi.NULL


def test_message_register_bounds_are_checked(sim: Sim, c_log) -> None:
    assert lib.seL4_GetMR(-1) == 0
    assert lib.seL4_GetMR(lib.seL4_MsgMaxLength) == 0
    lib.seL4_SetMR(lib.seL4_MsgMaxLength, 1)
    assert [lvl for lvl, _ in c_log.lines] == ["ERROR"] * 3


def test_invocations_without_a_selected_kernel_fail_cleanly(c_log) -> None:
    lib.sel4sim_kernel_select(ffi.NULL)
    assert lib.seL4_Untyped_Retype(16, PAGE_TYPE, 0, 2, 0, 0, 20, 1) == lib.seL4_IllegalOperation
    assert PAGE_MAP(20, 3, 0, lib.seL4_CapRights_new(0, 0, 1, 1), 0) == lib.seL4_IllegalOperation
    assert lib.seL4_GetBootInfo() == ffi.NULL
    assert lib.seL4_GetIPCBuffer() != ffi.NULL
    assert "no simulated kernel is selected" in c_log.lines[0][1]
