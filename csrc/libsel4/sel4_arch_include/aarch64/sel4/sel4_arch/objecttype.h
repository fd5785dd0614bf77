/* SPDX-License-Identifier: BSD-2-Clause */
/* AArch64 object types; they follow the architecture-independent ones. */
#pragma once

typedef enum _mode_object {
    seL4_ARM_HugePageObject = seL4_NonArchObjectTypeCount,
    seL4_ARM_VSpaceObject,
    seL4_ModeObjectTypeCount
} seL4_ModeObjectType;
