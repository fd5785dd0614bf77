/* SPDX-License-Identifier: BSD-2-Clause */
/* x86_64 object types; they follow the architecture-independent ones. CONFIG_HUGE_PAGE is set. */
#pragma once

typedef enum _mode_object {
    seL4_X86_PDPTObject = seL4_NonArchObjectTypeCount,
    seL4_X64_PML4Object,
    seL4_X64_HugePageObject,
    seL4_ModeObjectTypeCount
} seL4_seL4ArchObjectType;

#define seL4_IA32_PDPTObject seL4_X86_PDPTObject
