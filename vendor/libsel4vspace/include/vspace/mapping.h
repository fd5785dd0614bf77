/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * How to build the paging structure a frame mapping is missing: after a page map fails with
 * seL4_FailedLookup, seL4_MappingFailedLookupLevel() says how many address bits were left to
 * resolve, and vspace_get_map_obj() names the object to retype and the invocation that maps it.
 */
#pragma once

#include <errno.h>
#include <sel4/sel4.h>
#include <sel4/sel4_arch/mapping.h>
#include <utils/util.h>
#include <vspace/arch/page.h>

typedef seL4_Error (*vspace_map_fn_t)(seL4_CPtr cap, seL4_CPtr vspace_root, seL4_Word vaddr,
                                      seL4_Word attr);
typedef seL4_Error (*vspace_map_page_fn_t)(seL4_CPtr cap, seL4_CPtr vspace_root, seL4_Word vaddr,
                                           seL4_CapRights_t rights, seL4_Word attr);

/* IOMMU page mapping; the simulated platform has no IOMMU, so it always fails. */
static inline seL4_Error vspace_iospace_map_page(UNUSED seL4_CPtr cap, UNUSED seL4_CPtr root,
                                                 UNUSED seL4_Word vaddr, UNUSED seL4_CapRights_t rights,
                                                 UNUSED seL4_Word attr)
{
    return (seL4_Error) -1;
}

/* A paging structure: the object type to retype, its size, and the invocation that maps it. */
typedef struct {
    seL4_Word type;
    seL4_Word size_bits;
    vspace_map_fn_t map_fn;
} vspace_map_obj_t;

typedef int (*vspace_get_map_obj_fn)(seL4_Word failed_bits, vspace_map_obj_t *obj);

/*
 * Fill obj with the paging structure that resolves failed_bits (as returned by
 * seL4_MappingFailedLookupLevel()). Returns 0, or EINVAL when no structure resolves those bits.
 */
int vspace_get_map_obj(seL4_Word failed_bits, vspace_map_obj_t *obj);

/* As vspace_get_map_obj, for an IOMMU address space. */
int vspace_get_iospace_map_obj(seL4_Word failed_bits, vspace_map_obj_t *obj);

/* As vspace_get_map_obj, for extended (virtualisation) page tables. */
int vspace_get_ept_map_obj(seL4_Word failed_bits, vspace_map_obj_t *obj);

/* Map the paging structure cap described by obj into vspace at vaddr. */
static inline seL4_Error vspace_map_obj(vspace_map_obj_t *obj, seL4_CPtr cap, seL4_CPtr vspace,
                                        seL4_Word vaddr, seL4_Word attr)
{
    /* nothing sensible can be returned for these: they are programming errors, and stop the program */
    ZF_LOGF_IF(obj == NULL, "vspace_map_obj: obj is NULL");
    ZF_LOGF_IF(obj->map_fn == NULL, "vspace_map_obj: obj->map_fn is NULL (obj was never filled in)");
    return obj->map_fn(cap, vspace, vaddr, attr);
}
