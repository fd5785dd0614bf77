/* SPDX-License-Identifier: BSD-2-Clause */

#include <errno.h>
#include <vspace/mapping.h>

/* seL4_ARM_PageTable_Map in the vspace_map_fn_t shape (libsel4 takes the attributes typed). */
static seL4_Error map_page_table(seL4_CPtr cap, seL4_CPtr vspace_root, seL4_Word vaddr, seL4_Word attr)
{
    return seL4_ARM_PageTable_Map(cap, vspace_root, vaddr, (seL4_ARM_VMAttributes) attr);
}

int vspace_get_map_obj(seL4_Word failed_bits, vspace_map_obj_t *obj)
{
    if (obj == NULL) {
        return EINVAL;
    }
    /*
     * Every level below the VSpace root is a page table of the same type, mapped at whichever
     * level the kernel's walk stops: the missing level, named by failed_bits, only has to be one
     * of the three a table can fill.
     */
    switch (failed_bits) {
    case SEL4_MAPPING_LOOKUP_NO_PT:
    case SEL4_MAPPING_LOOKUP_NO_PD:
    case SEL4_MAPPING_LOOKUP_NO_PUD:
        obj->type = seL4_ARM_PageTableObject;
        obj->size_bits = seL4_PageTableBits;
        obj->map_fn = map_page_table;
        return 0;
    default:
        return EINVAL;
    }
}
