/* SPDX-License-Identifier: BSD-2-Clause */

/*
 * Creating sel4utils vspaces. Only the loader form (sel4utils_get_vspace*)
 * works on the host simulation: the self-bootstrapping forms keep their
 * bookkeeping at addresses of the managed address space and write to them
 * directly, which only makes sense when that address space is the caller's.
 */

#include <autoconf.h>
#include <sel4utils/gen_config.h>

#include <string.h>
#include <vka/vka.h>
#include <vka/capops.h>
#include <sel4utils/vspace.h>
#include <sel4utils/vspace_internal.h>

void *bootstrap_create_level(vspace_t *vspace, size_t size)
{
    (void) vspace;
    (void) size;
    ZF_LOGE("A self-bootstrapped vspace cannot allocate bookkeeping on the host simulation");
    return NULL;
}

/*
 * Give vspace the sel4utils operations. Everything else in it is made anew, except what
 * sel4utils_get_vspace_with_map set up before it could make the top-level table: the data and
 * the owner's allocated_object callback.
 */
static void install_operations(vspace_t *vspace)
{
    *vspace = (vspace_t) {
        .data = vspace->data,
        .new_pages = sel4utils_new_pages,
        .map_pages = sel4utils_map_pages,
        .new_pages_at_vaddr = sel4utils_new_pages_at_vaddr,
        .map_pages_at_vaddr = sel4utils_map_pages_at_vaddr,
        .deferred_rights_map_pages_at_vaddr = sel4utils_deferred_rights_map_pages_at_vaddr,
        .unmap_pages = sel4utils_unmap_pages,
        .tear_down = sel4utils_tear_down,
        .reserve_range_aligned = sel4utils_reserve_range_aligned,
        .reserve_range_at = sel4utils_reserve_range_at,
        .reserve_deferred_rights_range_at = sel4utils_reserve_deferred_rights_range_at,
        .free_reservation = sel4utils_free_reservation,
        .free_reservation_by_vaddr = sel4utils_free_reservation_by_vaddr,
        .get_cap = sel4utils_get_cap,
        .get_root = sel4utils_get_root,
        .get_cookie = sel4utils_get_cookie,
        .share_mem_at_vaddr = sel4utils_share_mem_at_vaddr,
        .allocated_object = vspace->allocated_object,
        .allocated_object_cookie = vspace->allocated_object_cookie,
    };
}

int sel4utils_get_vspace_with_map(vspace_t *loader, vspace_t *new_vspace, sel4utils_alloc_data_t *data,
                                  vka_t *vka, seL4_CPtr vspace_root,
                                  vspace_allocated_object_fn allocated_object_fn, void *allocated_object_cookie,
                                  sel4utils_map_page_fn map_page)
{
    if (loader == NULL || new_vspace == NULL || data == NULL || vka == NULL || map_page == NULL) {
        ZF_LOGE("sel4utils_get_vspace: loader, vspace, data, vka and map_page are all required");
        return -1;
    }
    /* no operations until the top-level table exists; making it needs data (for the loader) already */
    *new_vspace = (vspace_t) {
        .data = data,
        .allocated_object = allocated_object_fn,
        .allocated_object_cookie = allocated_object_cookie,
    };
    memset(data, 0, sizeof(*data));

    data->vka = vka;
    data->vspace_root = vspace_root;
    data->bootstrap = loader;
    data->map_page = map_page;
    /* anywhere-allocations start at 256 MiB, leaving the low addresses to fixed-address users such as ELF loading */
    data->last_allocated = 0x10000000;

    data->top_level = create_level(new_vspace, sizeof(vspace_mid_level_t));
    if (data->top_level == NULL) {
        ZF_LOGE("sel4utils_get_vspace: the loader could not provide bookkeeping memory");
        new_vspace->data = NULL;
        return -1;
    }
    /* the slot holding the kernel boundary and everything above it is never handed out */
    for (size_t i = TOP_LEVEL_INDEX(KERNEL_RESERVED_START); i < VSPACE_LEVEL_SIZE; i++) {
        data->top_level->table[i] = RESERVED;
    }
    install_operations(new_vspace);
    return 0;
}

int sel4utils_get_vspace(vspace_t *loader, vspace_t *new_vspace, sel4utils_alloc_data_t *data,
                         vka_t *vka, seL4_CPtr vspace_root,
                         vspace_allocated_object_fn allocated_object_fn, void *allocated_object_cookie)
{
    /* an ordinary vspace installs its frames with the seL4 paging-structure invocations */
    sel4utils_map_page_fn map_page = sel4utils_map_page_pd;
    return sel4utils_get_vspace_with_map(loader, new_vspace, data, vka, vspace_root,
                                         allocated_object_fn, allocated_object_cookie, map_page);
}

int sel4utils_bootstrap_vspace(vspace_t *vspace, sel4utils_alloc_data_t *data,
                               seL4_CPtr vspace_root, vka_t *vka,
                               vspace_allocated_object_fn allocated_object_fn, void *allocated_object_cookie,
                               void *existing_frames[])
{
    (void) vspace;
    (void) data;
    (void) vspace_root;
    (void) vka;
    (void) allocated_object_fn;
    (void) allocated_object_cookie;
    (void) existing_frames;
    ZF_LOGE("sel4utils_bootstrap_vspace manages the caller's own address space, which the host simulation does "
            "not have; use sel4utils_get_vspace with a loader vspace");
    return -1;
}

int sel4utils_bootstrap_vspace_with_bootinfo(vspace_t *vspace, sel4utils_alloc_data_t *data,
                                             seL4_CPtr vspace_root,
                                             vka_t *vka, seL4_BootInfo *info,
                                             vspace_allocated_object_fn allocated_object_fn,
                                             void *allocated_object_cookie)
{
    (void) info;
    return sel4utils_bootstrap_vspace(vspace, data, vspace_root, vka, allocated_object_fn, allocated_object_cookie,
                                      NULL);
}

void sel4utils_get_image_region(uintptr_t *va_start, uintptr_t *va_end)
{
    ZF_LOGE("There is no seL4 program image on the host simulation");
    if (va_start != NULL) {
        *va_start = 0;
    }
    if (va_end != NULL) {
        *va_end = 0;
    }
}

int sel4utils_bootstrap_clone_into_vspace(vspace_t *current, vspace_t *clone, reservation_t image)
{
    sel4utils_res_t *res = reservation_to_res(image);
    if (current == NULL || clone == NULL || res == NULL) {
        ZF_LOGE("sel4utils_bootstrap_clone_into_vspace: vspaces and reservation are required");
        return -1;
    }
    vka_t *vka = get_alloc_data(current)->vka;
    cspacepath_t copy;
    if (vka_cspace_alloc_path(vka, &copy) != 0) {
        return -1;
    }
    int result = 0;
    for (uintptr_t page = res->start; page < res->end; page += PAGE_SIZE_4K) {
        /* a fresh frame in the clone, reached from here through a copy of its cap */
        if (vspace_new_pages_at_vaddr(clone, (void *) page, 1, seL4_PageBits, image) != 0) {
            ZF_LOGE("Failed to create the clone's page at 0x%" PRIxPTR, page);
            result = -1;
            break;
        }
        cspacepath_t original;
        vka_cspace_make_path(get_alloc_data(clone)->vka, vspace_get_cap(clone, (void *) page), &original);
        if (vka_cnode_copy(&copy, &original, seL4_AllRights) != 0) {
            result = -1;
            break;
        }
        void *window = vspace_map_pages(current, &copy.capPtr, NULL, seL4_AllRights, 1, seL4_PageBits, 1);
        if (window == NULL) {
            ZF_LOGE("Failed to map the clone's page at 0x%" PRIxPTR " into the current vspace", page);
            vka_cnode_delete(&copy);
            result = -1;
            break;
        }
        memcpy(window, (void *) page, PAGE_SIZE_4K);
        vspace_unmap_pages(current, window, 1, seL4_PageBits, VSPACE_PRESERVE);
        vka_cnode_delete(&copy);
    }
    vka_cspace_free(vka, copy.capPtr);
    return result;
}
