/* SPDX-License-Identifier: BSD-2-Clause */
#include <sel4vspace_host/checks.h>

/* Frame object types by size, for the simulated x86_64 kernel. */
static int frame_type_for_size(seL4_Word size_bits)
{
    switch (size_bits) {
    case seL4_PageBits:
        return seL4_X86_4K;
    case seL4_LargePageBits:
        return seL4_X86_LargePageObject;
    case seL4_HugePageBits:
        return seL4_X64_HugePageObject;
    default:
        return -1;
    }
}

static int is_frame_type(int type)
{
    return type == seL4_X86_4K || type == seL4_X86_LargePageObject || type == seL4_X64_HugePageObject;
}

int sel4vspace_host_check_frames(sel4sim_kernel_t *k, const seL4_CPtr *caps, size_t n, seL4_Word size_bits,
                                 size_t *bad_index)
{
    int wanted = frame_type_for_size(size_bits);
    for (size_t i = 0; i < n; i++) {
        sel4sim_cap_info_t info;
        *bad_index = i;
        if (sel4sim_cap_info(k, caps[i], &info) != 0 || info.kind == SEL4SIM_CAP_NULL) {
            return SEL4VSPACE_FRAME_EMPTY_SLOT;
        }
        if (info.kind != SEL4SIM_CAP_OBJECT || !is_frame_type(info.type)) {
            return SEL4VSPACE_FRAME_NOT_A_FRAME;
        }
        if (info.type != wanted) {
            return SEL4VSPACE_FRAME_WRONG_SIZE;
        }
        if (info.mapped) {
            return SEL4VSPACE_FRAME_ALREADY_MAPPED;
        }
    }
    return SEL4VSPACE_FRAME_OK;
}

int sel4vspace_host_check_mapped(sel4sim_kernel_t *k, seL4_CPtr vspace_root, seL4_Word vaddr, size_t n,
                                 seL4_Word size_bits, size_t *bad_index)
{
    for (size_t i = 0; i < n; i++) {
        seL4_Word page = vaddr + (i << size_bits);
        sel4sim_mapping_t mapping;
        *bad_index = i;
        if (!sel4sim_vspace_translate(k, vspace_root, page, &mapping)) {
            return SEL4VSPACE_RANGE_HOLE;
        }
        if (mapping.vaddr != page || mapping.size_bits != size_bits) {
            return SEL4VSPACE_RANGE_OTHER_SIZE;
        }
    }
    return SEL4VSPACE_RANGE_MAPPED;
}
