/* SPDX-License-Identifier: BSD-2-Clause */

#include <errno.h>
#include <vspace/mapping.h>

/*
 * Adapters giving the paging-structure map invocations the common
 * vspace_map_fn_t shape (libsel4 takes the attributes as seL4_X86_VMAttributes).
 */
static seL4_Error map_page_table(seL4_CPtr cap, seL4_CPtr vspace_root, seL4_Word vaddr, seL4_Word attr)
{
    return seL4_X86_PageTable_Map(cap, vspace_root, vaddr, (seL4_X86_VMAttributes) attr);
}

static seL4_Error map_page_directory(seL4_CPtr cap, seL4_CPtr vspace_root, seL4_Word vaddr, seL4_Word attr)
{
    return seL4_X86_PageDirectory_Map(cap, vspace_root, vaddr, (seL4_X86_VMAttributes) attr);
}

static seL4_Error map_pdpt(seL4_CPtr cap, seL4_CPtr vspace_root, seL4_Word vaddr, seL4_Word attr)
{
    return seL4_X86_PDPT_Map(cap, vspace_root, vaddr, (seL4_X86_VMAttributes) attr);
}

int vspace_get_map_obj(seL4_Word failed_bits, vspace_map_obj_t *obj)
{
    if (obj == NULL) {
        return EINVAL;
    }
    /* failed_bits is how much of the address was left untranslated: it names the missing level */
    switch (failed_bits) {
    case SEL4_MAPPING_LOOKUP_NO_PT:
        obj->type = seL4_X86_PageTableObject;
        obj->size_bits = seL4_PageTableBits;
        obj->map_fn = map_page_table;
        return 0;
    case SEL4_MAPPING_LOOKUP_NO_PD:
        obj->type = seL4_X86_PageDirectoryObject;
        obj->size_bits = seL4_PageDirBits;
        obj->map_fn = map_page_directory;
        return 0;
    case SEL4_MAPPING_LOOKUP_NO_PDPT:
        obj->type = seL4_X86_PDPTObject;
        obj->size_bits = seL4_PDPTBits;
        obj->map_fn = map_pdpt;
        return 0;
    default:
        return EINVAL;
    }
}
