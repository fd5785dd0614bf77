/* SPDX-License-Identifier: BSD-2-Clause */

#include <errno.h>
#include <vspace/mapping.h>

/* seL4_RISCV_PageTable_Map in the vspace_map_fn_t shape (libsel4 takes the attributes typed). */
static seL4_Error map_page_table(seL4_CPtr cap, seL4_CPtr vspace_root, seL4_Word vaddr, seL4_Word attr)
{
    return seL4_RISCV_PageTable_Map(cap, vspace_root, vaddr, (seL4_RISCV_VMAttributes) attr);
}

int vspace_get_map_obj(seL4_Word failed_bits, vspace_map_obj_t *obj)
{
    if (obj == NULL) {
        return EINVAL;
    }
    /*
     * One page-table type fills every level, at whatever level the kernel's walk stops; any entry
     * spanning more than a small page can take one. Fewer bits mean a frame is in the way.
     */
    if (failed_bits < SEL4_MAPPING_LOOKUP_NO_PT) {
        ZF_LOGE("vspace_get_map_obj: no page table resolves a lookup that stopped at %lu bits",
                (unsigned long) failed_bits);
        return EINVAL;
    }
    obj->type = seL4_RISCV_PageTableObject;
    obj->size_bits = seL4_PageTableBits;
    obj->map_fn = map_page_table;
    return 0;
}

/* RISC-V has neither an IOMMU address space nor x86's EPT here: nothing resolves such lookups. */
int vspace_get_iospace_map_obj(UNUSED seL4_Word failed_bits, UNUSED vspace_map_obj_t *obj)
{
    return EINVAL;
}

int vspace_get_ept_map_obj(UNUSED seL4_Word failed_bits, UNUSED vspace_map_obj_t *obj)
{
    return EINVAL;
}
