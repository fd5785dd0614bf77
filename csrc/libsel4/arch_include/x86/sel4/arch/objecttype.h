/* SPDX-License-Identifier: BSD-2-Clause */
/* x86 object types; they follow the x86_64 ones (sel4/sel4_arch/objecttype.h). */
#pragma once

/* Upstream's enum tag is _object, which collides with CPython's struct _object in the cffi module;
 * nothing refers to the tag, only to the typedef. */
typedef enum _arch_object {
    seL4_X86_4K = seL4_ModeObjectTypeCount,
    seL4_X86_LargePageObject,
    seL4_X86_PageTableObject,
    seL4_X86_PageDirectoryObject,
    seL4_ObjectTypeCount
} seL4_ArchObjectType;

typedef seL4_Word object_t;

/* Types this configuration (no IOMMU, no VT-x) does not have: values no retype accepts. */
#define seL4_X86_IOPageTableObject 0xffffff
#define seL4_X86_VCPUObject 0xfffffe
#define seL4_X86_EPTPML4Object 0xfffffd
#define seL4_X86_EPTPDPTObject 0xfffffc
#define seL4_X86_EPTPDObject 0xfffffb
#define seL4_X86_EPTPTObject 0xfffffa
