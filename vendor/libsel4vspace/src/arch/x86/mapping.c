/* SPDX-License-Identifier: BSD-2-Clause */

#include <autoconf.h>
#include <errno.h>
#include <vspace/mapping.h>

#ifdef CONFIG_IOMMU
static seL4_Error map_io_page_table(seL4_CPtr cap, seL4_CPtr iospace_root, seL4_Word vaddr, UNUSED seL4_Word attr)
{
    return seL4_X86_IOPageTable_Map(cap, iospace_root, vaddr);
}
#endif

int vspace_get_iospace_map_obj(UNUSED seL4_Word failed_bits, vspace_map_obj_t *obj)
{
#ifdef CONFIG_IOMMU
    if (obj == NULL) {
        return EINVAL;
    }
    /* IO page tables are the only structure an IOSpace ever lacks */
    obj->type = seL4_X86_IOPageTableObject;
    obj->size_bits = seL4_IOPageTableBits;
    obj->map_fn = map_io_page_table;
    return 0;
#else
    (void) obj;
    return EINVAL;
#endif
}

#ifdef CONFIG_VTX
static seL4_Error map_ept_pt(seL4_CPtr cap, seL4_CPtr root, seL4_Word vaddr, seL4_Word attr)
{
    return seL4_X86_EPTPT_Map(cap, root, vaddr, (seL4_X86_VMAttributes) attr);
}

static seL4_Error map_ept_pd(seL4_CPtr cap, seL4_CPtr root, seL4_Word vaddr, seL4_Word attr)
{
    return seL4_X86_EPTPD_Map(cap, root, vaddr, (seL4_X86_VMAttributes) attr);
}

static seL4_Error map_ept_pdpt(seL4_CPtr cap, seL4_CPtr root, seL4_Word vaddr, seL4_Word attr)
{
    return seL4_X86_EPTPDPT_Map(cap, root, vaddr, (seL4_X86_VMAttributes) attr);
}
#endif

int vspace_get_ept_map_obj(seL4_Word failed_bits, vspace_map_obj_t *obj)
{
    if (obj == NULL) {
        return EINVAL;
    }
    switch (failed_bits) {
#ifdef CONFIG_VTX
    case SEL4_MAPPING_LOOKUP_NO_EPTPT:
        obj->type = seL4_X86_EPTPTObject;
        obj->size_bits = seL4_X86_EPTPTBits;
        obj->map_fn = map_ept_pt;
        return 0;
    case SEL4_MAPPING_LOOKUP_NO_EPTPD:
        obj->type = seL4_X86_EPTPDObject;
        obj->size_bits = seL4_X86_EPTPDBits;
        obj->map_fn = map_ept_pd;
        return 0;
    case SEL4_MAPPING_LOOKUP_NO_EPTPDPT:
        obj->type = seL4_X86_EPTPDPTObject;
        obj->size_bits = seL4_X86_EPTPDPTBits;
        obj->map_fn = map_ept_pdpt;
        return 0;
#endif
    default:
        (void) failed_bits;
        return EINVAL;
    }
}
