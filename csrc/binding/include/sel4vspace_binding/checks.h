/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Batch checks the Python layer runs before handing ranges to the vspace allocator, so that inputs
 * upstream sel4utils would abort on never reach it, at the cost of one C call per Python call
 * rather than one per page. Frame caps are checked by the kernel's own sel4sim_check_frame_caps,
 * whose verdicts (sel4sim_frame_cap_check_t) Python reads as they are.
 */
#pragma once

#include <stddef.h>
#include <sel4/sel4.h>
#include <sel4sim/kernel.h>
#include <vspace/vspace.h>

/*
 * The rules of a range of pages, decided here for every caller (the hot calls below the Python
 * layer, and its argument checks, which turn a verdict into a message naming the argument). Each
 * returns SEL4VSPACE_RULE_OK or the first rule broken, in the order the arguments are named.
 */
typedef enum {
    SEL4VSPACE_RULE_OK = 0,
    SEL4VSPACE_RULE_SIZE_BITS = 1,  /* size_bits is not one of the arch's frame sizes */
    SEL4VSPACE_RULE_UNALIGNED = 2,  /* the address is not a multiple of 2^size_bits */
    SEL4VSPACE_RULE_COUNT = 3,      /* the count of pages (or bytes) is out of its bounds */
    SEL4VSPACE_RULE_WRAPS = 4,      /* the range runs past the end of the address space */
    SEL4VSPACE_RULE_ABOVE_TOP = 5   /* the range reaches above the top of user space */
} sel4vspace_rule_t;

/* The most pages one call maps, unmaps or allocates (2^40). */
#define SEL4VSPACE_MAX_PAGES 1099511627776

/* n pages (1 to most) of 2^size_bits bytes (a frame size) from vaddr (aligned to them), ending at or
 * below the top of user space: size_bits, then vaddr, then n. */
int sel4vspace_rule_pages(seL4_Word vaddr, seL4_Word n, seL4_Word size_bits, seL4_Word most);

/* size bytes (at least 1) from vaddr (aligned to 2^size_bits), ending at or
 * below the top of user space: vaddr, then size. */
int sel4vspace_rule_byte_range(seL4_Word vaddr, seL4_Word size, seL4_Word size_bits);

typedef enum {
    SEL4VSPACE_RANGE_MAPPED = 0,
    SEL4VSPACE_RANGE_HOLE = 1,          /* a page of the range is not mapped */
    SEL4VSPACE_RANGE_OTHER_SIZE = 2     /* a page is covered by a mapping of another size or start */
} sel4vspace_range_check_t;

/*
 * Check that each of the n pages of 2^size_bits bytes from vaddr is mapped in the vspace rooted at
 * vspace_root by a mapping of exactly that page. Returns SEL4VSPACE_RANGE_MAPPED, or the first
 * problem with *bad_index set to the page's index.
 */
int sel4vspace_host_check_mapped(sel4sim_kernel_t *k, seL4_CPtr vspace_root, seL4_Word vaddr, size_t n,
                                 seL4_Word size_bits, size_t *bad_index);

/*
 * What the vspace allocator recorded for each of the n pages of 2^size_bits bytes from vaddr: the
 * frame cap in caps[i] and the cookie in cookies[i] (0 where nothing is recorded). Read through
 * vspace_get_cap / vspace_get_cookie, so it works for any vspace_t; one C call instead of 2n.
 */
void sel4vspace_host_range_entries(vspace_t *vspace, seL4_Word vaddr, size_t n, seL4_Word size_bits,
                                   seL4_CPtr *caps, uintptr_t *cookies);
