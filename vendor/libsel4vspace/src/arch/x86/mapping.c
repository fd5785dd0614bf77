/* SPDX-License-Identifier: BSD-2-Clause */

#include <autoconf.h>
#include <errno.h>
#include <vspace/mapping.h>
/* the EPT lookup levels are named by x86's libsel4, not x86_64's */
#include <sel4/arch/mapping.h>

#ifdef CONFIG_IOMMU
static seL4_Error map_io_page_table(seL4_CPtr cap, seL4_CPtr iospace_root, seL4_Word vaddr, UNUSED seL4_Word attr)
{
    return seL4_X86_IOPageTable_Map(cap, iospace_root, vaddr);
}
#endif

/* An IOSpace only ever lacks IO page tables, whatever failed_bits says. */
int vspace_get_iospace_map_obj(UNUSED seL4_Word failed_bits, vspace_map_obj_t *obj)
{
#ifdef CONFIG_IOMMU
    if (obj != NULL) {
        *obj = (vspace_map_obj_t) {
            .type = seL4_X86_IOPageTableObject,
            .size_bits = seL4_IOPageTableBits,
            .map_fn = map_io_page_table,
        };
        return 0;
    }
#else
    (void) obj;
#endif
    return EINVAL;
}

#ifdef CONFIG_VTX
/* The EPT map invocations in the vspace_map_fn_t shape (libsel4 takes the attributes typed). */
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

/* The EPT structure that resolves each failed lookup, leaf first. */
static const struct {
    seL4_Word failed_bits;
    vspace_map_obj_t obj;
} ept_levels[] = {
    { SEL4_MAPPING_LOOKUP_NO_EPTPT, { seL4_X86_EPTPTObject, seL4_X86_EPTPTBits, map_ept_pt } },
    { SEL4_MAPPING_LOOKUP_NO_EPTPD, { seL4_X86_EPTPDObject, seL4_X86_EPTPDBits, map_ept_pd } },
    { SEL4_MAPPING_LOOKUP_NO_EPTPDPT, { seL4_X86_EPTPDPTObject, seL4_X86_EPTPDPTBits, map_ept_pdpt } },
};
#endif

/* failed_bits names the EPT level a guest-physical mapping is missing; without VT-x there is none. */
int vspace_get_ept_map_obj(UNUSED seL4_Word failed_bits, vspace_map_obj_t *obj)
{
#ifdef CONFIG_VTX
    for (size_t i = 0; obj != NULL && i < ARRAY_SIZE(ept_levels); i++) {
        if (ept_levels[i].failed_bits == failed_bits) {
            *obj = ept_levels[i].obj;
            return 0;
        }
    }
#else
    (void) obj;
#endif
    return EINVAL;
}
