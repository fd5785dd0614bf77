/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * After a mapping invocation fails with seL4_FailedLookup, message register
 * SEL4_MAPPING_LOOKUP_LEVEL holds the number of address bits left unresolved: which paging
 * structure is missing (a page table, a page directory or a PDPT).
 */
#pragma once

#include <sel4/functions.h>

#define SEL4_MAPPING_LOOKUP_LEVEL 2
#define SEL4_MAPPING_LOOKUP_NO_PT 21
#define SEL4_MAPPING_LOOKUP_NO_PD 30
#define SEL4_MAPPING_LOOKUP_NO_PDPT 39

static inline seL4_Word seL4_MappingFailedLookupLevel(void)
{
    return seL4_GetMR(SEL4_MAPPING_LOOKUP_LEVEL);
}
