/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * After a frame map fails with seL4_FailedLookup, message register SEL4_MAPPING_LOOKUP_LEVEL holds
 * the number of address bits left unresolved: the level at which a page table is missing (below a
 * 512 GiB, 1 GiB or 2 MiB entry of the level above).
 */
#pragma once

#include <sel4/functions.h>

#define SEL4_MAPPING_LOOKUP_LEVEL 2
#define SEL4_MAPPING_LOOKUP_NO_PT 21
#define SEL4_MAPPING_LOOKUP_NO_PD 30
#define SEL4_MAPPING_LOOKUP_NO_PUD 39

static inline seL4_Word seL4_MappingFailedLookupLevel(void)
{
    return seL4_GetMR(SEL4_MAPPING_LOOKUP_LEVEL);
}
