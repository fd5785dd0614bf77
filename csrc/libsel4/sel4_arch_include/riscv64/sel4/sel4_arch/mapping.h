/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * After a frame map fails with seL4_FailedLookup, message register SEL4_MAPPING_LOOKUP_LEVEL holds
 * the number of address bits the entry where the walk stopped still spans: 30 (a 1 GiB entry of
 * the root) or 21 (a 2 MiB entry) under Sv39, or a frame's size when a frame is mapped there.
 * Any value of at least SEL4_MAPPING_LOOKUP_NO_PT means one more page table is needed.
 */
#pragma once

#include <sel4/functions.h>

#define SEL4_MAPPING_LOOKUP_LEVEL 2
#define SEL4_MAPPING_LOOKUP_NO_PT 21

static inline seL4_Word seL4_MappingFailedLookupLevel(void)
{
    return seL4_GetMR(SEL4_MAPPING_LOOKUP_LEVEL);
}
