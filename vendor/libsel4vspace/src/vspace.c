/* SPDX-License-Identifier: BSD-2-Clause */

/*
 * The implementation-independent half of the vspace interface: conveniences
 * built only from the checked wrappers of vspace/vspace.h.
 */

#include <autoconf.h>
#include <vspace/vspace.h>
#include <utils/util.h>

reservation_t vspace_reserve_range(vspace_t *vspace, size_t bytes, seL4_CapRights_t rights, int cacheable,
                                   void **vaddr)
{
    /* the older interface: aligned to the smallest frame */
    return vspace_reserve_range_aligned(vspace, bytes, seL4_PageBits, rights, cacheable, vaddr);
}

/*
 * A stack is n_pages mapped pages above one page that stays reserved but unmapped, so that running
 * off its end faults instead of writing into whatever lies below.
 */
void *vspace_new_sized_stack(vspace_t *vspace, size_t n_pages)
{
    void *guard = NULL;
    reservation_t stack = vspace_reserve_range(vspace, (n_pages + 1) * PAGE_SIZE_4K, seL4_AllRights, 1, &guard);
    if (stack.res == NULL) {
        return NULL;
    }
    uintptr_t lowest = (uintptr_t) guard + PAGE_SIZE_4K;
    if (vspace_new_pages_at_vaddr(vspace, (void *) lowest, n_pages, seL4_PageBits, stack) != 0) {
        vspace_free_reservation(vspace, stack);
        return NULL;
    }
    /* the reservation stays: vspace_free_sized_stack finds it again through the guard page */
    return (void *)(lowest + n_pages * PAGE_SIZE_4K);
}

void vspace_free_sized_stack(vspace_t *vspace, void *stack_top, size_t n_pages)
{
    if (vspace_log_if(n_pages == 0, ZF_LOG_WARN, __func__, "n_pages is 0")) {
        return;
    }
    uintptr_t lowest = (uintptr_t) stack_top - n_pages * PAGE_SIZE_4K;
    vspace_unmap_pages(vspace, (void *) lowest, n_pages, seL4_PageBits, VSPACE_FREE);
    vspace_free_reservation_by_vaddr(vspace, (void *)(lowest - PAGE_SIZE_4K));
}

void *vspace_new_ipc_buffer(vspace_t *vspace, seL4_CPtr *page)
{
    void *buffer = vspace_new_pages(vspace, seL4_AllRights, 1, seL4_PageBits);
    if (buffer != NULL) {
        *page = vspace_get_cap(vspace, buffer);
    }
    return buffer;
}

void vspace_free_ipc_buffer(vspace_t *vspace, void *addr)
{
    /* the frame came from the vspace's own vka, so it goes back there */
    vspace_unmap_pages(vspace, addr, 1, seL4_PageBits, VSPACE_FREE);
}

/*
 * The range in `to` is reserved only while the pages are mapped into it: like any mapping made
 * with vspace_map_pages, they stay after their reservation is released.
 */
void *vspace_share_mem(vspace_t *from, vspace_t *to, void *start, int num_pages, size_t size_bits,
                       seL4_CapRights_t rights, int cacheable)
{
    void *shared = NULL;
    reservation_t window = vspace_reserve_range_aligned(to, num_pages * BIT(size_bits), size_bits, rights,
                                                        cacheable, &shared);
    if (vspace_log_if(window.res == NULL, ZF_LOG_ERROR, __func__, "no range could be reserved in to")) {
        return NULL;
    }
    int error = vspace_share_mem_at_vaddr(from, to, start, num_pages, size_bits, shared, window);
    vspace_free_reservation(to, window);
    return error == 0 ? shared : NULL;
}

/* As vspace_share_mem, the reservation lasts only as long as the call. */
void *vspace_new_pages_with_config(vspace_t *vspace, vspace_new_pages_config_t *config, seL4_CapRights_t rights)
{
    size_t bytes = config->num_pages * SIZE_BITS_TO_BYTES(config->size_bits);
    /* without an address the reservation chooses one, and config keeps it for the mapping */
    reservation_t range = config->vaddr == NULL ?
                          vspace_reserve_range_aligned(vspace, bytes, config->size_bits, rights, true, &config->vaddr) :
                          vspace_reserve_range_at(vspace, config->vaddr, bytes, rights, true);
    if (vspace_log_if(range.res == NULL, ZF_LOG_ERROR, __func__, "the range config asks for could not be reserved")) {
        return NULL;
    }
    int error = vspace_new_pages_at_vaddr_with_config(vspace, config, range);
    vspace_free_reservation(vspace, range);
    return error == 0 ? config->vaddr : NULL;
}
