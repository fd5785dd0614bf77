/* SPDX-License-Identifier: BSD-2-Clause */

/*
 * The implementation-independent half of the vspace interface: conveniences
 * built only from the function pointers of a vspace_t.
 */

#include <autoconf.h>
#include <vspace/vspace.h>
#include <utils/util.h>

reservation_t vspace_reserve_range(vspace_t *vspace, size_t bytes, seL4_CapRights_t rights, int cacheable,
                                   void **vaddr)
{
    return vspace_reserve_range_aligned(vspace, bytes, seL4_PageBits, rights, cacheable, vaddr);
}

void *vspace_new_sized_stack(vspace_t *vspace, size_t n_pages)
{
    void *base = NULL;
    /* the lowest page stays reserved and unmapped: running off the stack faults there */
    reservation_t reservation = vspace_reserve_range(vspace, (n_pages + 1) * PAGE_SIZE_4K, seL4_AllRights, 1,
                                                     &base);
    if (reservation.res == NULL) {
        return NULL;
    }
    uintptr_t bottom = (uintptr_t) base + PAGE_SIZE_4K;
    if (vspace_new_pages_at_vaddr(vspace, (void *) bottom, n_pages, seL4_PageBits, reservation) != 0) {
        vspace_free_reservation(vspace, reservation);
        return NULL;
    }
    return (void *)(bottom + n_pages * PAGE_SIZE_4K);
}

void vspace_free_sized_stack(vspace_t *vspace, void *stack_top, size_t n_pages)
{
    if (n_pages == 0) {
        ZF_LOGW("Freeing 0 sized stack");
        return;
    }
    uintptr_t bottom = (uintptr_t) stack_top - n_pages * PAGE_SIZE_4K;
    vspace_unmap_pages(vspace, (void *) bottom, n_pages, seL4_PageBits, VSPACE_FREE);
    /* the guard page below the stack identifies the reservation */
    vspace_free_reservation_by_vaddr(vspace, (void *)(bottom - PAGE_SIZE_4K));
}

void *vspace_new_ipc_buffer(vspace_t *vspace, seL4_CPtr *page)
{
    void *vaddr = vspace_new_pages(vspace, seL4_AllRights, 1, seL4_PageBits);
    if (vaddr != NULL) {
        *page = vspace_get_cap(vspace, vaddr);
    }
    return vaddr;
}

void vspace_free_ipc_buffer(vspace_t *vspace, void *addr)
{
    vspace_unmap_pages(vspace, addr, 1, seL4_PageBits, VSPACE_FREE);
}

void *vspace_share_mem(vspace_t *from, vspace_t *to, void *start, int num_pages, size_t size_bits,
                       seL4_CapRights_t rights, int cacheable)
{
    void *shared = NULL;
    reservation_t reservation = vspace_reserve_range_aligned(to, num_pages * BIT(size_bits), size_bits, rights,
                                                             cacheable, &shared);
    if (reservation.res == NULL) {
        ZF_LOGE("Failed to reserve range");
        return NULL;
    }
    if (vspace_share_mem_at_vaddr(from, to, start, num_pages, size_bits, shared, reservation) != 0) {
        shared = NULL;
    }
    /* the mappings outlive the reservation, as for vspace_map_pages */
    vspace_free_reservation(to, reservation);
    return shared;
}

void *vspace_new_pages_with_config(vspace_t *vspace, vspace_new_pages_config_t *config, seL4_CapRights_t rights)
{
    size_t bytes = config->num_pages * SIZE_BITS_TO_BYTES(config->size_bits);
    reservation_t reservation;
    if (config->vaddr == NULL) {
        reservation = vspace_reserve_range_aligned(vspace, bytes, config->size_bits, rights, true, &config->vaddr);
    } else {
        reservation = vspace_reserve_range_at(vspace, config->vaddr, bytes, rights, true);
    }
    if (reservation.res == NULL) {
        ZF_LOGE("Failed to reserve range");
        return NULL;
    }
    int error = vspace_new_pages_at_vaddr_with_config(vspace, config, reservation);
    vspace_free_reservation(vspace, reservation);
    return error ? NULL : config->vaddr;
}
