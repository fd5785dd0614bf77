/* SPDX-License-Identifier: BSD-2-Clause */
/* The arch seam of the host world for x86_64 (4-level paging with huge pages). */
#include <autoconf.h>

#ifdef CONFIG_ARCH_X86_64

#include <sel4vspace_host/arch.h>

#define ARCH_NAME "x86_64"
#define ARCH_INVOCATION(name) seL4_X86_##name
#define ARCH_PAGE_OBJECT SEL4VSPACE_ARCH_OBJECT(seL4_X86_4K)
#define ARCH_LARGE_PAGE_OBJECT SEL4VSPACE_ARCH_OBJECT(seL4_X86_LargePageObject)
#define ARCH_HUGE_PAGE_OBJECT SEL4VSPACE_ARCH_OBJECT(seL4_X64_HugePageObject)
#define ARCH_PAGING_TYPES                                                                                          \
    seL4_X86_PageTableObject, seL4_X86_PageDirectoryObject, seL4_X86_PDPTObject, seL4_X64_PML4Object
#define ARCH_VSPACE_ROOT_TYPE seL4_X64_PML4Object
#define ARCH_OBJECT_TYPES                                                                                          \
    SEL4VSPACE_ARCH_OBJECT(seL4_X86_PDPTObject), SEL4VSPACE_ARCH_OBJECT(seL4_X64_PML4Object),                      \
        SEL4VSPACE_ARCH_OBJECT(seL4_X64_HugePageObject), SEL4VSPACE_ARCH_OBJECT(seL4_X86_4K),                      \
        SEL4VSPACE_ARCH_OBJECT(seL4_X86_LargePageObject), SEL4VSPACE_ARCH_OBJECT(seL4_X86_PageTableObject),        \
        SEL4VSPACE_ARCH_OBJECT(seL4_X86_PageDirectoryObject), SEL4VSPACE_ARCH_OBJECT(seL4_X86_IOPageTableObject),  \
        SEL4VSPACE_ARCH_OBJECT(seL4_X86_VCPUObject), SEL4VSPACE_ARCH_OBJECT(seL4_X86_EPTPML4Object),               \
        SEL4VSPACE_ARCH_OBJECT(seL4_X86_EPTPDPTObject), SEL4VSPACE_ARCH_OBJECT(seL4_X86_EPTPDObject),              \
        SEL4VSPACE_ARCH_OBJECT(seL4_X86_EPTPTObject)
#define ARCH_DEFAULT_VM_ATTRIBUTES seL4_X86_Default_VMAttributes
#define ARCH_CACHE_DISABLED_VM_ATTRIBUTES seL4_X86_CacheDisabled
#define ARCH_USER_TOP seL4_UserTop

#include "seam.h"

#endif
