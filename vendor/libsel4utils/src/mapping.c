/* SPDX-License-Identifier: BSD-2-Clause */

#include <autoconf.h>

#include <errno.h>
#include <inttypes.h>
#include <sel4/sel4.h>
#include <vka/object.h>
#include <vka/capops.h>
#include <vspace/mapping.h>
#include <sel4utils/mapping.h>
#include <sel4utils/util.h>

/*
 * Each failed Page_Map names one missing level; the deepest chain is one
 * structure per paging level, so more rounds than that mean the kernel keeps
 * asking for something that cannot be supplied.
 */
#define MAP_PAGE_MAX_ROUNDS 8

int sel4utils_map_page(vka_t *vka, seL4_CPtr vspace_root, seL4_CPtr frame, void *vaddr,
                       seL4_CapRights_t rights, int cacheable, vka_object_t *objects, int *num_objects)
{
    if (vka == NULL || vspace_root == seL4_CapNull || frame == seL4_CapNull || num_objects == NULL ||
        (objects == NULL && *num_objects > 0)) {
        ZF_LOGE("Invalid arguments: vka %p root %lu frame %lu num_objects %p", (void *) vka,
                (unsigned long) vspace_root, (unsigned long) frame, (void *) num_objects);
        return seL4_InvalidArgument;
    }
    int capacity = *num_objects;
    int created = 0;
    *num_objects = 0;

    seL4_ARCH_VMAttributes attr = cacheable ? seL4_ARCH_Default_VMAttributes : seL4_ARCH_Uncached_VMAttributes;
    int error = seL4_ARCH_Page_Map(frame, vspace_root, (seL4_Word) vaddr, rights, attr);

    for (int round = 0; error == seL4_FailedLookup; round++) {
        seL4_Word failed_bits = seL4_MappingFailedLookupLevel();
        vspace_map_obj_t level;
        if (round >= MAP_PAGE_MAX_ROUNDS || vspace_get_map_obj(failed_bits, &level) != 0) {
            ZF_LOGE("Cannot supply the paging structure missing at %p (%lu bits left to translate)", vaddr,
                    (unsigned long) failed_bits);
            return seL4_FailedLookup;
        }
        if (created >= capacity) {
            ZF_LOGE("No room to record another paging structure for %p (capacity %d)", vaddr, capacity);
            return -1;
        }
        error = vka_alloc_object(vka, level.type, level.size_bits, &objects[created]);
        if (error) {
            ZF_LOGE("Failed to allocate a paging structure (type %lu) for %p", (unsigned long) level.type, vaddr);
            return error;
        }
        error = vspace_map_obj(&level, objects[created].cptr, vspace_root, (seL4_Word) vaddr,
                               seL4_ARCH_Default_VMAttributes);
        if (error == seL4_DeleteFirst) {
            /* something else put this level in place meanwhile: ours is not needed */
            vka_free_object(vka, &objects[created]);
        } else {
            /* recorded even if mapping failed: the caller owns it and must free it */
            created++;
            *num_objects = created;
            if (error) {
                ZF_LOGE("Failed to map paging structure for %p, error %d", vaddr, error);
                return error;
            }
        }
        error = seL4_ARCH_Page_Map(frame, vspace_root, (seL4_Word) vaddr, rights, attr);
    }

    if (error != seL4_NoError) {
        ZF_LOGE("Failed to map frame %lu at %p, error %d", (unsigned long) frame, vaddr, error);
    }
    return error;
}

void *sel4utils_dup_and_map(vka_t *vka, vspace_t *vspace, seL4_CPtr page, size_t size_bits)
{
    cspacepath_t original;
    cspacepath_t copy;
    if (vka_cspace_alloc_path(vka, &copy) != 0) {
        ZF_LOGE("No slot for a copy of cap %lu", (unsigned long) page);
        return NULL;
    }
    vka_cspace_make_path(vka, page, &original);
    int error = vka_cnode_copy(&copy, &original, seL4_AllRights);
    if (error != seL4_NoError) {
        ZF_LOGE("Failed to copy cap %lu, error %d", (unsigned long) page, error);
        vka_cspace_free(vka, copy.capPtr);
        return NULL;
    }
    void *vaddr = vspace_map_pages(vspace, &copy.capPtr, NULL, seL4_AllRights, 1, size_bits, 1);
    if (vaddr == NULL) {
        vka_cnode_delete(&copy);
        vka_cspace_free(vka, copy.capPtr);
        return NULL;
    }
    return vaddr;
}

void sel4utils_unmap_dup(vka_t *vka, vspace_t *vspace, void *mapping, size_t size_bits)
{
    seL4_CPtr copy = vspace_get_cap(vspace, mapping);
    if (copy == seL4_CapNull) {
        ZF_LOGE("Nothing mapped at %p", mapping);
        return;
    }
    vspace_unmap_pages(vspace, mapping, 1, size_bits, VSPACE_PRESERVE);
    cspacepath_t path;
    vka_cspace_make_path(vka, copy, &path);
    vka_cnode_delete(&path);
    vka_cspace_free(vka, copy);
}
