/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <autoconf.h>
#include <sel4utils/gen_config.h>
#include <utils/util.h>
#include <sel4/sel4.h>
#include <sel4/sel4_arch/mapping.h>
#include <sel4utils/arch/mapping.h>
#include <sel4utils/arch/vspace.h>

#include <vka/vka.h>
#include <vka/object.h>

/**
 * Map a frame at vaddr in the address space rooted at vspace_root, creating
 * (through the vka) and mapping whatever paging structures are missing.
 *
 * @param vka         allocator for paging structures
 * @param vspace_root root paging structure of the address space
 * @param frame       cap of the frame to map
 * @param vaddr       where to map it
 * @param rights      rights to map with (masked by the cap's rights in the kernel)
 * @param cacheable   1 for a cacheable mapping, 0 for uncached (DMA)
 * @param objects     receives the paging structures that were created and mapped
 * @param num_objects in: capacity of objects; out: how many entries were filled in
 * @return 0 on success, else a seL4 error code or -1 if an allocation failed
 */
int sel4utils_map_page(vka_t *vka, seL4_CPtr vspace_root, seL4_CPtr frame, void *vaddr,
                       seL4_CapRights_t rights, int cacheable, vka_object_t *objects, int *num_objects);

/** As sel4utils_map_page, for callers that never free the paging structures created. */
static inline int sel4utils_map_page_leaky(vka_t *vka, seL4_CPtr pd, seL4_CPtr frame, void *vaddr,
                                           seL4_CapRights_t rights, int cacheable)
{
    vka_object_t objects[VSPACE_MAP_PAGING_OBJECTS];
    int num = VSPACE_MAP_PAGING_OBJECTS;
    return sel4utils_map_page(vka, pd, frame, vaddr, rights, cacheable, objects, &num);
}

#include <vspace/vspace.h>

/**
 * Copy a frame cap into a new slot and map the copy anywhere in vspace.
 *
 * @param vka       allocator for the new slot
 * @param vspace    where the copy is mapped
 * @param page      frame cap to duplicate
 * @param size_bits the frame is 2^size_bits bytes
 * @return where the copy was mapped, NULL on failure
 */
void *sel4utils_dup_and_map(vka_t *vka, vspace_t *vspace, seL4_CPtr page, size_t size_bits);

/**
 * Undo sel4utils_dup_and_map: unmap the copy, delete it and free its slot.
 *
 * @param vka       allocator the slot came from
 * @param vspace    vspace the copy is mapped in
 * @param mapping   address returned by sel4utils_dup_and_map
 * @param size_bits the frame is 2^size_bits bytes
 */
void sel4utils_unmap_dup(vka_t *vka, vspace_t *vspace, void *mapping, size_t size_bits);

#if defined(CONFIG_IOMMU) || defined(CONFIG_ARM_SMMU)
int sel4utils_map_iospace_page(vka_t *vka, seL4_CPtr iospace, seL4_CPtr frame, seL4_Word vaddr,
                               seL4_CapRights_t rights, int cacheable, seL4_Word size_bits,
                               vka_object_t *pts, int *num_pts);
#endif /* defined(CONFIG_IOMMU) || defined(CONFIG_ARM_SMMU) */

#ifdef CONFIG_VTX
int sel4utils_map_ept_page(vka_t *vka, seL4_CPtr pd, seL4_CPtr frame, seL4_Word vaddr,
                           seL4_CapRights_t rights, int cacheable, seL4_Word size_bits, vka_object_t *pagetable,
                           vka_object_t *pagedir, vka_object_t *pdpt);
#endif /* CONFIG_VTX */
