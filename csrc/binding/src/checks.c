/* SPDX-License-Identifier: BSD-2-Clause */
#include <sel4vspace_binding/checks.h>

int sel4vspace_host_check_mapped(sel4sim_kernel_t *k, seL4_CPtr vspace_root, seL4_Word vaddr, size_t n,
                                 seL4_Word size_bits, size_t *bad_index)
{
    if (n == 0) {
        return SEL4VSPACE_RANGE_MAPPED;
    }
    /* one walk over the range; only the page where the run stops is looked at again, to say why */
    size_t mapped = sel4sim_vspace_mapped_pages(k, vspace_root, vaddr, n, size_bits);
    *bad_index = mapped < n ? mapped : n - 1;
    if (mapped == n) {
        return SEL4VSPACE_RANGE_MAPPED;
    }
    sel4sim_mapping_t mapping;
    if (!sel4sim_vspace_translate(k, vspace_root, vaddr + (mapped << size_bits), &mapping)) {
        return SEL4VSPACE_RANGE_HOLE;
    }
    return SEL4VSPACE_RANGE_OTHER_SIZE;
}

void sel4vspace_host_range_entries(vspace_t *vspace, seL4_Word vaddr, size_t n, seL4_Word size_bits,
                                   seL4_CPtr *caps, uintptr_t *cookies)
{
    for (size_t i = 0; i < n; i++) {
        void *page = (void *) (uintptr_t) (vaddr + (i << size_bits));
        caps[i] = vspace_get_cap(vspace, page);
        cookies[i] = vspace_get_cookie(vspace, page);
    }
}
