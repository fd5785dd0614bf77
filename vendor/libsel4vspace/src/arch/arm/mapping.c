/* SPDX-License-Identifier: BSD-2-Clause */

#include <autoconf.h>
#include <errno.h>
#include <vspace/mapping.h>

/* IOMMU page tables exist only with the TK1 SMMU, which this configuration does not have. */
int vspace_get_iospace_map_obj(UNUSED seL4_Word failed_bits, UNUSED vspace_map_obj_t *obj)
{
    return EINVAL;
}

/* Stage-2 tables are x86's EPT only: nothing on ARM resolves such a lookup. */
int vspace_get_ept_map_obj(UNUSED seL4_Word failed_bits, UNUSED vspace_map_obj_t *obj)
{
    return EINVAL;
}
