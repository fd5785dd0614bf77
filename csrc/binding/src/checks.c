/* SPDX-License-Identifier: BSD-2-Clause */
#include <sel4vspace_host/arch.h>
#include <sel4vspace_binding/checks.h>

static seL4_Word low_bits(seL4_Word size_bits)
{
    return size_bits >= 64 ? ~(seL4_Word) 0 : ((seL4_Word) 1 << size_bits) - 1;
}

static int frame_size(seL4_Word size_bits)
{
    const sel4vspace_arch_t *arch = sel4vspace_arch();
    for (size_t i = 0; i < arch->num_frame_sizes; i++) {
        if (arch->frame_sizes[i].size_bits == size_bits) {
            return 1;
        }
    }
    return 0;
}

/* bytes from vaddr (a 65-bit sum: a range may end exactly at 2^64) against the top of user space */
static int span(seL4_Word vaddr, unsigned __int128 bytes)
{
    unsigned __int128 end = (unsigned __int128) vaddr + bytes;
    if (end > ((unsigned __int128) 1 << 64)) {
        return SEL4VSPACE_RULE_WRAPS;
    }
    return end > sel4vspace_arch()->user_top ? SEL4VSPACE_RULE_ABOVE_TOP : SEL4VSPACE_RULE_OK;
}

int sel4vspace_rule_pages(seL4_Word vaddr, seL4_Word n, seL4_Word size_bits, seL4_Word most)
{
    if (!frame_size(size_bits)) {
        return SEL4VSPACE_RULE_SIZE_BITS;
    }
    if (vaddr & low_bits(size_bits)) {
        return SEL4VSPACE_RULE_UNALIGNED;
    }
    if (n < 1 || n > most) {
        return SEL4VSPACE_RULE_COUNT;
    }
    return span(vaddr, (unsigned __int128) n << size_bits);
}

int sel4vspace_rule_byte_range(seL4_Word vaddr, seL4_Word size, seL4_Word size_bits)
{
    if (vaddr & low_bits(size_bits)) {
        return SEL4VSPACE_RULE_UNALIGNED;
    }
    if (size < 1) {
        return SEL4VSPACE_RULE_COUNT;
    }
    return span(vaddr, size);
}

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
