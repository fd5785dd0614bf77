/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The arch seam of the host world for AArch64 without hypervisor support: a VSpace root over page
 * tables of one type, 4 KiB, 2 MiB and 1 GiB frames.
 */
#include <autoconf.h>

#ifdef CONFIG_ARCH_AARCH64

#include <sel4vspace_host/arch.h>

#define ARCH_NAME "aarch64"
#define ARCH_INVOCATION(name) seL4_ARM_##name
#define ARCH_PAGE_OBJECT SEL4VSPACE_ARCH_OBJECT(seL4_ARM_SmallPageObject)
#define ARCH_LARGE_PAGE_OBJECT SEL4VSPACE_ARCH_OBJECT(seL4_ARM_LargePageObject)
#define ARCH_HUGE_PAGE_OBJECT SEL4VSPACE_ARCH_OBJECT(seL4_ARM_HugePageObject)
/* one page-table type serves every level below the root */
#define ARCH_PAGING_TYPES seL4_ARM_PageTableObject, seL4_ARM_VSpaceObject
#define ARCH_VSPACE_ROOT_TYPE seL4_ARM_VSpaceObject
/* this configuration has no VCPU or IO page-table objects: libsel4 gives them no type value */
#define ARCH_OBJECT_TYPES                                                                                          \
    SEL4VSPACE_ARCH_OBJECT(seL4_ARM_HugePageObject), SEL4VSPACE_ARCH_OBJECT(seL4_ARM_VSpaceObject),                \
        SEL4VSPACE_ARCH_OBJECT(seL4_ARM_SmallPageObject), SEL4VSPACE_ARCH_OBJECT(seL4_ARM_LargePageObject),        \
        SEL4VSPACE_ARCH_OBJECT(seL4_ARM_PageTableObject)
#define ARCH_DEFAULT_VM_ATTRIBUTES seL4_ARM_Default_VMAttributes
/* what seL4_libs passes for an uncached mapping on ARM: no attribute bit, so not cacheable */
#define ARCH_CACHE_DISABLED_VM_ATTRIBUTES 0
/* AArch64's seL4_UserTop is the last address a mapping may cover, so nothing is mapped from the
 * address after it */
#define ARCH_USER_TOP ((seL4_Word)seL4_UserTop + 1)

#include "seam.h"

#endif
