/* SPDX-License-Identifier: BSD-2-Clause */

/*
 * The sel4utils vspace: the vspace_t operations over the bookkeeping tables
 * of vspace_internal.h, plus the reservation index.
 *
 * Reservations live in an AVL tree keyed by start address (reserve, find and
 * free are O(log n) in the number of reservations) and, for callers that walk
 * upstream's list, in a doubly linked list from the highest start down.
 * Reservation structs the vspace allocates come from loader pages carved into
 * slots; nothing here calls malloc.
 */

#include <autoconf.h>
#include <sel4utils/gen_config.h>

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include <sel4utils/vspace.h>
#include <sel4utils/vspace_internal.h>
#include <vka/capops.h>
#include <utils/util.h>

/* ---- bookkeeping memory ---------------------------------------------------------------------- */

void *create_level(vspace_t *vspace, size_t size)
{
    sel4utils_alloc_data_t *data = get_alloc_data(vspace);
    if (data->bootstrap == NULL) {
        return bootstrap_create_level(vspace, size);
    }
    void *level = vspace_new_pages(data->bootstrap, seL4_AllRights, size / PAGE_SIZE_4K, seL4_PageBits);
    if (level != NULL) {
        memset(level, 0, size);
    }
    return level;
}

static void free_level(sel4utils_alloc_data_t *data, void *level, size_t size)
{
    vspace_unmap_pages(data->bootstrap, level, size / PAGE_SIZE_4K, seL4_PageBits, VSPACE_FREE);
}

/*
 * A loader page holding reservation structs. The header sits at the start of
 * the page, so a slot finds its page by rounding its address down.
 */
struct sel4utils_res_page {
    struct sel4utils_res_page *next;
    struct sel4utils_res_page *prev;
    sel4utils_res_t *free_slots;
    size_t used;
};

#define RES_SLOTS_PER_PAGE ((PAGE_SIZE_4K - sizeof(struct sel4utils_res_page)) / sizeof(sel4utils_res_t))

/* data->res_pages lists only pages with a free slot. */
static void res_page_unlink(sel4utils_alloc_data_t *data, struct sel4utils_res_page *page)
{
    if (page->prev != NULL) {
        page->prev->next = page->next;
    } else {
        data->res_pages = page->next;
    }
    if (page->next != NULL) {
        page->next->prev = page->prev;
    }
    page->next = page->prev = NULL;
}

static void res_page_link(sel4utils_alloc_data_t *data, struct sel4utils_res_page *page)
{
    page->prev = NULL;
    page->next = data->res_pages;
    if (data->res_pages != NULL) {
        data->res_pages->prev = page;
    }
    data->res_pages = page;
}

static sel4utils_res_t *alloc_res(vspace_t *vspace)
{
    sel4utils_alloc_data_t *data = get_alloc_data(vspace);
    struct sel4utils_res_page *page = data->res_pages;
    if (page == NULL) {
        page = create_level(vspace, PAGE_SIZE_4K);
        if (page == NULL) {
            ZF_LOGE("Out of memory for reservation bookkeeping");
            return NULL;
        }
        sel4utils_res_t *slots = (sel4utils_res_t *)(page + 1);
        for (size_t i = 0; i < RES_SLOTS_PER_PAGE; i++) {
            slots[i].next = page->free_slots;
            page->free_slots = &slots[i];
        }
        res_page_link(data, page);
    }
    sel4utils_res_t *res = page->free_slots;
    page->free_slots = res->next;
    page->used++;
    if (page->free_slots == NULL) {
        res_page_unlink(data, page);
    }
    memset(res, 0, sizeof(*res));
    return res;
}

static void release_res(vspace_t *vspace, sel4utils_res_t *res)
{
    sel4utils_alloc_data_t *data = get_alloc_data(vspace);
    struct sel4utils_res_page *page = (struct sel4utils_res_page *) ALIGN_DOWN((uintptr_t) res, PAGE_SIZE_4K);
    bool was_full = page->free_slots == NULL;
    res->next = page->free_slots;
    page->free_slots = res;
    page->used--;
    if (was_full) {
        res_page_link(data, page);
    }
    /* keep one partly used page around so alternating reserve/free does not churn the loader */
    if (page->used == 0 && (data->res_pages != page || page->next != NULL)) {
        res_page_unlink(data, page);
        free_level(data, page, PAGE_SIZE_4K);
    }
}

/* ---- reservation index ----------------------------------------------------------------------- */

static int res_height(sel4utils_res_t *node)
{
    return node == NULL ? 0 : node->height;
}

static void res_update_height(sel4utils_res_t *node)
{
    int left = res_height(node->left);
    int right = res_height(node->right);
    node->height = 1 + (left > right ? left : right);
}

static sel4utils_res_t *res_rotate_right(sel4utils_res_t *node)
{
    sel4utils_res_t *pivot = node->left;
    node->left = pivot->right;
    pivot->right = node;
    res_update_height(node);
    res_update_height(pivot);
    return pivot;
}

static sel4utils_res_t *res_rotate_left(sel4utils_res_t *node)
{
    sel4utils_res_t *pivot = node->right;
    node->right = pivot->left;
    pivot->left = node;
    res_update_height(node);
    res_update_height(pivot);
    return pivot;
}

static sel4utils_res_t *res_rebalance(sel4utils_res_t *node)
{
    res_update_height(node);
    int balance = res_height(node->left) - res_height(node->right);
    if (balance > 1) {
        if (res_height(node->left->left) < res_height(node->left->right)) {
            node->left = res_rotate_left(node->left);
        }
        return res_rotate_right(node);
    }
    if (balance < -1) {
        if (res_height(node->right->right) < res_height(node->right->left)) {
            node->right = res_rotate_right(node->right);
        }
        return res_rotate_left(node);
    }
    return node;
}

static sel4utils_res_t *res_tree_insert(sel4utils_res_t *root, sel4utils_res_t *node)
{
    if (root == NULL) {
        node->left = node->right = NULL;
        node->height = 1;
        return node;
    }
    if (node->start < root->start) {
        root->left = res_tree_insert(root->left, node);
    } else {
        root->right = res_tree_insert(root->right, node);
    }
    return res_rebalance(root);
}

static sel4utils_res_t *res_tree_take_min(sel4utils_res_t *root, sel4utils_res_t **min)
{
    if (root->left == NULL) {
        *min = root;
        return root->right;
    }
    root->left = res_tree_take_min(root->left, min);
    return res_rebalance(root);
}

static sel4utils_res_t *res_tree_remove(sel4utils_res_t *root, sel4utils_res_t *node)
{
    if (root == NULL) {
        return NULL;
    }
    if (root == node) {
        if (root->left == NULL) {
            return root->right;
        }
        if (root->right == NULL) {
            return root->left;
        }
        sel4utils_res_t *successor;
        sel4utils_res_t *right = res_tree_take_min(root->right, &successor);
        successor->left = root->left;
        successor->right = right;
        return res_rebalance(successor);
    }
    if (node->start < root->start) {
        root->left = res_tree_remove(root->left, node);
    } else {
        root->right = res_tree_remove(root->right, node);
    }
    return res_rebalance(root);
}

/* The reservation containing vaddr, or NULL. */
static sel4utils_res_t *find_reserve(sel4utils_alloc_data_t *data, uintptr_t vaddr)
{
    sel4utils_res_t *candidate = NULL;
    for (sel4utils_res_t *node = data->reservation_root; node != NULL;) {
        if (vaddr < node->start) {
            node = node->left;
        } else {
            candidate = node;
            node = node->right;
        }
    }
    return candidate != NULL && vaddr < candidate->end ? candidate : NULL;
}

/* The reservation with the smallest start above `start`, or NULL. */
static sel4utils_res_t *find_next_above(sel4utils_alloc_data_t *data, uintptr_t start)
{
    sel4utils_res_t *candidate = NULL;
    for (sel4utils_res_t *node = data->reservation_root; node != NULL;) {
        if (node->start > start) {
            candidate = node;
            node = node->left;
        } else {
            node = node->right;
        }
    }
    return candidate;
}

static void insert_reservation(sel4utils_alloc_data_t *data, sel4utils_res_t *res)
{
    res->owner = data;
    data->reservation_root = res_tree_insert(data->reservation_root, res);
    /* the list runs from the highest start down: res goes just after its next-higher neighbour */
    sel4utils_res_t *higher = find_next_above(data, res->start);
    res->prev = higher;
    if (higher == NULL) {
        res->next = data->reservation_head;
        data->reservation_head = res;
    } else {
        res->next = higher->next;
        higher->next = res;
    }
    if (res->next != NULL) {
        res->next->prev = res;
    }
}

static void remove_reservation(sel4utils_alloc_data_t *data, sel4utils_res_t *res)
{
    data->reservation_root = res_tree_remove(data->reservation_root, res);
    if (res->prev != NULL) {
        res->prev->next = res->next;
    } else {
        data->reservation_head = res->next;
    }
    if (res->next != NULL) {
        res->next->prev = res->prev;
    }
    res->next = res->prev = res->left = res->right = NULL;
    res->height = 0;
    res->owner = NULL;
}

/* True if res is a live reservation of this vspace (not a stale or foreign one). Every map call
 * asks: the owner mark answers in O(1) where a search of the index cost a cache miss per level
 * once there are many reservations. */
static bool is_own_reservation(sel4utils_alloc_data_t *data, sel4utils_res_t *res)
{
    return res != NULL && res->owner == data && res->start < res->end;
}

/* ---- argument checks ------------------------------------------------------------------------- */

/* A vspace that was torn down (or never set up) has no tables: refuse instead of crashing. */
static sel4utils_alloc_data_t *live_data(vspace_t *vspace, const char *operation)
{
    if (vspace == NULL || vspace->data == NULL) {
        ZF_LOGE("%s: vspace is NULL or not initialised", operation);
        return NULL;
    }
    sel4utils_alloc_data_t *data = get_alloc_data(vspace);
    if (data->top_level == NULL) {
        ZF_LOGE("%s: vspace has been torn down", operation);
        return NULL;
    }
    return data;
}

/* [vaddr, vaddr + num_pages pages of 2^size_bits) as an in-bounds, non-wrapping range. */
static bool page_range(uintptr_t vaddr, size_t num_pages, size_t size_bits, uintptr_t *end)
{
    if (num_pages == 0 || size_bits >= sizeof(uintptr_t) * 8 || num_pages > (SEL4UTILS_VSPACE_LIMIT >> size_bits)) {
        return false;
    }
    uintptr_t bytes = (uintptr_t) num_pages << size_bits;
    if (vaddr >= SEL4UTILS_VSPACE_LIMIT || bytes > SEL4UTILS_VSPACE_LIMIT - vaddr) {
        return false;
    }
    *end = vaddr + bytes;
    return true;
}

/* Reservation lookup shared by the map operations: owned by this vspace and covering [start, end). */
static sel4utils_res_t *reservation_for_range(sel4utils_alloc_data_t *data, reservation_t reservation,
                                              uintptr_t start, uintptr_t end, const char *operation)
{
    sel4utils_res_t *res = reservation_to_res(reservation);
    if (!is_own_reservation(data, res)) {
        ZF_LOGE("%s: not a reservation of this vspace", operation);
        return NULL;
    }
    if (start < res->start || end > res->end || !is_reserved_range(data->top_level, start, end)) {
        ZF_LOGE("%s: range 0x%" PRIxPTR "-0x%" PRIxPTR " is not reserved and unmapped in the reservation "
                "0x%" PRIxPTR "-0x%" PRIxPTR, operation, start, end, res->start, res->end);
        return NULL;
    }
    return res;
}

/* ---- mapping --------------------------------------------------------------------------------- */

int sel4utils_map_page_pd(vspace_t *vspace, seL4_CPtr cap, void *vaddr, seL4_CapRights_t rights, int cacheable,
                          size_t size_bits)
{
    (void) size_bits;
    sel4utils_alloc_data_t *data = get_alloc_data(vspace);
    vka_object_t objects[VSPACE_MAP_PAGING_OBJECTS];
    int num = VSPACE_MAP_PAGING_OBJECTS;
    int error = sel4utils_map_page(data->vka, data->vspace_root, cap, vaddr, rights, cacheable, objects, &num);
    /* paging structures created before a failure are part of the address space all the same */
    for (int i = 0; i < num; i++) {
        vspace_maybe_call_allocated_object(vspace, objects[i]);
    }
    if (error) {
        ZF_LOGE("map_page_pd: the kernel would not map cap %lu at %p (seL4 error %d)", (unsigned long) cap, vaddr, error);
        return -1;
    }
    return seL4_NoError;
}

static int map_page(vspace_t *vspace, seL4_CPtr cap, void *vaddr, seL4_CapRights_t rights, int cacheable,
                    size_t size_bits)
{
    return get_alloc_data(vspace)->map_page(vspace, cap, vaddr, rights, cacheable, size_bits);
}

/*
 * Map caps[i] at vaddr + i pages and record each one. The first failure ends
 * the call; the pages mapped before it stay mapped (upstream does likewise).
 */
static int map_pages_at_vaddr(vspace_t *vspace, seL4_CPtr caps[], uintptr_t cookies[], void *vaddr,
                              size_t num_pages, size_t size_bits, seL4_CapRights_t rights, int cacheable,
                              const char *operation)
{
    uintptr_t v = (uintptr_t) vaddr;
    for (size_t i = 0; i < num_pages; i++, v += BIT(size_bits)) {
        int error = map_page(vspace, caps[i], (void *) v, rights, cacheable, size_bits);
        if (error != seL4_NoError) {
            /* the step logged why; the caller's line says which call stopped, and where */
            ZF_LOGE("%s: stopped at page %zu of %zu (cap %lu at 0x%" PRIxPTR ")", operation, i, num_pages,
                    (unsigned long) caps[i], v);
            return error;
        }
        error = update_entries(vspace, v, caps[i], size_bits, cookies == NULL ? 0 : cookies[i]);
        if (error != seL4_NoError) {
            /* a mapping the tables do not know of could never be unmapped through this vspace */
            seL4_ARCH_Page_Unmap(caps[i]);
            ZF_LOGE("%s: page %zu of %zu at 0x%" PRIxPTR " could not be recorded in the vspace's tables", operation, i,
                    num_pages, v);
            return error;
        }
    }
    return seL4_NoError;
}

static int map_checked(vspace_t *vspace, seL4_CPtr caps[], uintptr_t cookies[], void *vaddr, size_t num_pages,
                       size_t size_bits, bool deferred_call, seL4_CapRights_t rights, reservation_t reservation)
{
    const char *operation = deferred_call ? "deferred_rights_map_pages_at_vaddr" : "map_pages_at_vaddr";
    sel4utils_alloc_data_t *data = live_data(vspace, operation);
    if (data == NULL) {
        return -1;
    }
    if (!sel4_valid_size_bits(size_bits)) {
        ZF_LOGE("%s: invalid size_bits %zu", operation, size_bits);
        return -1;
    }
    uintptr_t end;
    if (!page_range((uintptr_t) vaddr, num_pages, size_bits, &end)) {
        ZF_LOGE("%s: %zu pages of 2^%zu bytes at %p is not a valid range", operation, num_pages, size_bits, vaddr);
        return -1;
    }
    sel4utils_res_t *res = reservation_for_range(data, reservation, (uintptr_t) vaddr, end, operation);
    if (res == NULL) {
        return -1;
    }
    if (deferred_call && !res->rights_deferred) {
        ZF_LOGE("%s: the reservation already has rights; use map_pages_at_vaddr", operation);
        return -1;
    }
    if (!deferred_call && res->rights_deferred) {
        ZF_LOGE("%s: the reservation has no rights (deferred); use deferred_rights_map_pages_at_vaddr", operation);
        return -1;
    }
    if (caps == NULL) {
        ZF_LOGE("%s: caps is NULL", operation);
        return -1;
    }
    return map_pages_at_vaddr(vspace, caps, cookies, vaddr, num_pages, size_bits,
                              deferred_call ? rights : res->rights, res->cacheable, operation);
}

int sel4utils_map_pages_at_vaddr(vspace_t *vspace, seL4_CPtr caps[], uintptr_t cookies[], void *vaddr,
                                 size_t num_pages, size_t size_bits, reservation_t reservation)
{
    return map_checked(vspace, caps, cookies, vaddr, num_pages, size_bits, false, seL4_NoRights, reservation);
}

int sel4utils_deferred_rights_map_pages_at_vaddr(vspace_t *vspace, seL4_CPtr caps[], uintptr_t cookies[],
                                                 void *vaddr, size_t num_pages, size_t size_bits,
                                                 seL4_CapRights_t rights, reservation_t reservation)
{
    return map_checked(vspace, caps, cookies, vaddr, num_pages, size_bits, true, rights, reservation);
}

/* ---- finding free virtual memory ------------------------------------------------------------- */

/*
 * First address in [from, limit) whose 4 KiB entry is (want_empty) EMPTY /
 * (!want_empty) not EMPTY, or limit if there is none. Whole markers are
 * skipped in one step, so a scan costs O(levels * entries) rather than O(pages).
 */
static uintptr_t scan_entries(uintptr_t table, int level_num, uintptr_t from, uintptr_t limit, bool want_empty)
{
    while (from < limit) {
        uintptr_t span_start = from & ALIGN_FOR_LEVEL(level_num);
        uintptr_t span_end = span_start + BYTES_FOR_LEVEL(level_num);
        uintptr_t entry;
        if (level_num == 0) {
            entry = ((vspace_bottom_level_t *) table)->cap[INDEX_FOR_LEVEL(from, 0)];
        } else {
            entry = ((vspace_mid_level_t *) table)->table[INDEX_FOR_LEVEL(from, level_num)];
        }
        bool is_marker = level_num == 0 || entry == EMPTY || entry == RESERVED;
        if (is_marker) {
            if ((entry == EMPTY) == want_empty) {
                return from;
            }
        } else {
            uintptr_t stop = span_end < limit ? span_end : limit;
            uintptr_t found = scan_entries(entry, level_num - 1, from, stop, want_empty);
            if (found < stop) {
                return found;
            }
        }
        if (span_end == 0) {
            /* the last span of the address space: nothing above it */
            break;
        }
        from = span_end;
    }
    return limit;
}

/*
 * First fit from last_allocated for num_pages pages of 2^size_bits, aligned to that size, below the
 * kernel's part of the address space. NULL, logged for operation, when nothing fits.
 */
static void *find_range(sel4utils_alloc_data_t *data, size_t num_pages, size_t size_bits, const char *operation)
{
    const uintptr_t limit = KERNEL_RESERVED_START;
    /* what could never fit below the limit is not looked for */
    bool can_fit = num_pages != 0 && size_bits < 48 && num_pages <= (limit >> size_bits);
    uintptr_t size = can_fit ? (uintptr_t) num_pages << size_bits : 0;
    /* address 0 is NULL, which callers read as "nothing fits": it is never handed out, even after
     * a range reserved at 0 was freed and brought last_allocated down to it */
    uintptr_t cursor = data->last_allocated != 0 ? data->last_allocated : 1;
    while (can_fit) {
        uintptr_t start = ALIGN_UP(cursor, BIT(size_bits));
        if (start < cursor || start >= limit || size > limit - start) {
            break;
        }
        uintptr_t used = scan_entries((uintptr_t) data->top_level, VSPACE_NUM_LEVELS - 1, start, start + size, false);
        if (used == start + size) {
            data->last_allocated = start + size;
            return (void *) start;
        }
        cursor = scan_entries((uintptr_t) data->top_level, VSPACE_NUM_LEVELS - 1, used, limit, true);
    }
    ZF_LOGE("%s: no free virtual memory for %zu pages of 2^%zu bytes", operation, num_pages, size_bits);
    return NULL;
}

/* ---- new pages ------------------------------------------------------------------------------- */

/* Allocate, map and record frames; on failure everything this call did is undone. */
static int new_pages_at_vaddr(vspace_t *vspace, void *vaddr, size_t num_pages, size_t size_bits,
                              seL4_CapRights_t rights, int cacheable, bool can_use_dev)
{
    vka_t *vka = get_alloc_data(vspace)->vka;
    uintptr_t v = (uintptr_t) vaddr;
    size_t done;
    int error = seL4_NoError;
    for (done = 0; done < num_pages; done++) {
        vka_object_t frame;
        if (vka_alloc_frame_maybe_device(vka, size_bits, can_use_dev, &frame) != 0) {
            ZF_LOGE("Failed to allocate page %zu of %zu", done, num_pages);
            error = seL4_NotEnoughMemory;
            break;
        }
        error = map_page(vspace, frame.cptr, (void *) v, rights, cacheable, size_bits);
        if (error == seL4_NoError) {
            /* the cookie (the vka's allocation id) is what lets unmap free the frame later */
            error = update_entries(vspace, v, frame.cptr, size_bits, frame.ut);
            if (error != seL4_NoError) {
                seL4_ARCH_Page_Unmap(frame.cptr);
            }
        }
        if (error != seL4_NoError) {
            vka_free_object(vka, &frame);
            break;
        }
        v += BIT(size_bits);
    }
    if (done < num_pages && done > 0) {
        sel4utils_unmap_pages(vspace, vaddr, done, size_bits, vka);
    }
    return error;
}

int sel4utils_new_pages_at_vaddr(vspace_t *vspace, void *vaddr, size_t num_pages, size_t size_bits,
                                 reservation_t reservation, bool can_use_dev)
{
    const char *operation = "new_pages_at_vaddr";
    sel4utils_alloc_data_t *data = live_data(vspace, operation);
    if (data == NULL) {
        return -1;
    }
    if (!sel4_valid_size_bits(size_bits)) {
        ZF_LOGE("%s: invalid size_bits %zu", operation, size_bits);
        return -1;
    }
    uintptr_t end;
    if (!page_range((uintptr_t) vaddr, num_pages, size_bits, &end)) {
        ZF_LOGE("%s: %zu pages of 2^%zu bytes at %p is not a valid range", operation, num_pages, size_bits, vaddr);
        return -1;
    }
    sel4utils_res_t *res = reservation_for_range(data, reservation, (uintptr_t) vaddr, end, operation);
    if (res == NULL) {
        return -1;
    }
    /* upstream maps with the reservation's (empty) rights here; a deferred reservation needs rights from the caller */
    if (res->rights_deferred) {
        ZF_LOGE("%s: the reservation has no rights (deferred); use deferred_rights_map_pages_at_vaddr", operation);
        return -1;
    }
    return new_pages_at_vaddr(vspace, vaddr, num_pages, size_bits, res->rights, res->cacheable, can_use_dev);
}

void *sel4utils_new_pages(vspace_t *vspace, seL4_CapRights_t rights, size_t num_pages, size_t size_bits)
{
    sel4utils_alloc_data_t *data = live_data(vspace, "new_pages");
    if (data == NULL || !sel4_valid_size_bits(size_bits)) {
        if (data != NULL) {
            ZF_LOGE("new_pages: invalid size_bits %zu", size_bits);
        }
        return NULL;
    }
    void *vaddr = find_range(data, num_pages, size_bits, "new_pages");
    if (vaddr == NULL) {
        return NULL;
    }
    /* frames from normal untyped first: callers use this for IPC buffers, which device memory cannot back */
    if (new_pages_at_vaddr(vspace, vaddr, num_pages, size_bits, rights, 1, false) != 0) {
        return NULL;
    }
    return vaddr;
}

void *sel4utils_map_pages(vspace_t *vspace, seL4_CPtr caps[], uintptr_t cookies[], seL4_CapRights_t rights,
                          size_t num_pages, size_t size_bits, int cacheable)
{
    sel4utils_alloc_data_t *data = live_data(vspace, "map_pages");
    if (data == NULL) {
        return NULL;
    }
    if (!sel4_valid_size_bits(size_bits) || caps == NULL) {
        ZF_LOGE("map_pages: invalid size_bits %zu or NULL caps", size_bits);
        return NULL;
    }
    void *vaddr = find_range(data, num_pages, size_bits, "map_pages");
    if (vaddr == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < num_pages; i++) {
        uintptr_t v = (uintptr_t) vaddr + (i << size_bits);
        int error = map_page(vspace, caps[i], (void *) v, rights, cacheable, size_bits);
        if (error == seL4_NoError) {
            error = update_entries(vspace, v, caps[i], size_bits, cookies == NULL ? 0 : cookies[i]);
            if (error != seL4_NoError) {
                seL4_ARCH_Page_Unmap(caps[i]);
            }
        }
        if (error != seL4_NoError) {
            /* the caps stay the caller's: take back only the mappings made here */
            if (i > 0) {
                sel4utils_unmap_pages(vspace, vaddr, i, size_bits, VSPACE_PRESERVE);
            }
            ZF_LOGE("map_pages: stopped at page %zu of %zu (cap %lu at 0x%" PRIxPTR "); the pages before it are "
                    "unmapped again", i, num_pages, (unsigned long) caps[i], v);
            return NULL;
        }
    }
    return vaddr;
}

/* ---- lookups --------------------------------------------------------------------------------- */

seL4_CPtr sel4utils_get_cap(vspace_t *vspace, void *vaddr)
{
    sel4utils_alloc_data_t *data = live_data(vspace, "get_cap");
    if (data == NULL || (uintptr_t) vaddr >= SEL4UTILS_VSPACE_LIMIT) {
        return seL4_CapNull;
    }
    seL4_CPtr cap = get_cap(data, (uintptr_t) vaddr);
    return cap == RESERVED ? seL4_CapNull : cap;
}

uintptr_t sel4utils_get_cookie(vspace_t *vspace, void *vaddr)
{
    sel4utils_alloc_data_t *data = live_data(vspace, "get_cookie");
    if (data == NULL || (uintptr_t) vaddr >= SEL4UTILS_VSPACE_LIMIT) {
        return 0;
    }
    return get_cookie(data, (uintptr_t) vaddr);
}

seL4_CPtr sel4utils_get_root(vspace_t *vspace)
{
    if (vspace == NULL || vspace->data == NULL) {
        ZF_LOGE("get_root: vspace is NULL or not initialised");
        return seL4_CapNull;
    }
    return get_alloc_data(vspace)->vspace_root;
}

uintptr_t sel4utils_get_paddr(vspace_t *vspace, void *vaddr, seL4_Word type, seL4_Word size_bits)
{
    sel4utils_alloc_data_t *data = live_data(vspace, "get_paddr");
    if (data == NULL) {
        return VKA_NO_PADDR;
    }
    return vka_utspace_paddr(data->vka, vspace_get_cookie(vspace, vaddr), type, size_bits);
}

/* ---- unmapping ------------------------------------------------------------------------------- */

static bool is_frame_cap(seL4_CPtr cap)
{
    return cap != EMPTY && cap != RESERVED;
}

/*
 * True if a frame of exactly 2^size_bits is mapped at v: the first and last
 * 4 KiB entries hold one cap and the entries just outside do not (a frame cap
 * maps at one place only, so equal neighbours mean one larger frame).
 */
static bool frame_mapped_at_walk(sel4utils_alloc_data_t *data, uintptr_t v, size_t size_bits)
{
    if (!IS_ALIGNED(v, size_bits)) {
        return false;
    }
    uintptr_t last = v + BIT(size_bits) - PAGE_SIZE_4K;
    bool has_below = v >= PAGE_SIZE_4K;
    bool has_above = last + PAGE_SIZE_4K < SEL4UTILS_VSPACE_LIMIT;
    /* the entries at the frame's ends and just outside it (EMPTY where the address space ends) */
    seL4_CPtr first_cap, last_cap, below = EMPTY, above = EMPTY;
    if (has_below && has_above
        && ((v - PAGE_SIZE_4K) & ALIGN_FOR_LEVEL(1)) == ((last + PAGE_SIZE_4K) & ALIGN_FOR_LEVEL(1))) {
        /* all four in one bottom table, as for most 4 KiB pages (W1 checks thousands before unmapping
         * them): one table lookup instead of four */
        vspace_bottom_level_t *bottom = sel4utils_bottom_level_for(data, v);
        if (bottom == NULL) {
            return false;
        }
        size_t i = INDEX_FOR_LEVEL(v, 0), j = INDEX_FOR_LEVEL(last, 0);
        first_cap = bottom->cap[i];
        last_cap = bottom->cap[j];
        below = bottom->cap[i - 1];
        above = bottom->cap[j + 1];
    } else {
        first_cap = get_cap(data, v);
        last_cap = get_cap(data, last);
        if (has_below) {
            below = get_cap(data, v - PAGE_SIZE_4K);
        }
        if (has_above) {
            above = get_cap(data, last + PAGE_SIZE_4K);
        }
    }
    return is_frame_cap(first_cap) && last_cap == first_cap && below != first_cap && above != first_cap;
}

/* frame_mapped_at_walk's answer. For an aligned 4 KiB page of the table the last walk reached that is
 * neither end entry of it (unmap checks thousands in a row) it reads the same three entries here,
 * inline, without working out where the frame's ends lie. */
static inline bool frame_mapped_at(sel4utils_alloc_data_t *data, uintptr_t v, size_t size_bits)
{
    if (size_bits == PAGE_BITS_4K && IS_ALIGNED(v, PAGE_BITS_4K)) {
        vspace_bottom_level_t *bottom = sel4utils_last_bottom(data, v);
        size_t i = INDEX_FOR_LEVEL(v, 0);
        if (bottom != NULL && i != 0 && i != VSPACE_LEVEL_SIZE - 1 && v + PAGE_SIZE_4K < SEL4UTILS_VSPACE_LIMIT) {
            seL4_CPtr cap = bottom->cap[i];
            return is_frame_cap(cap) && bottom->cap[i - 1] != cap && bottom->cap[i + 1] != cap;
        }
    }
    return frame_mapped_at_walk(data, v, size_bits);
}

/*
 * Hand an unmapped frame's cap back to vka: delete it and free its cslot, and free the frame too
 * when cookie says the vspace allocated it (frames mapped from a caller's caps carry none: they
 * are not the vspace's to free).
 */
static void give_frame_back(vka_t *vka, seL4_CPtr cap, uintptr_t cookie, size_t size_bits)
{
    cspacepath_t slot;
    vka_cspace_make_path(vka, cap, &slot);
    vka_cnode_delete(&slot);
    vka_cspace_free(vka, cap);
    if (cookie != 0) {
        vka_utspace_free(vka, kobject_get_type(KOBJECT_FRAME, size_bits), size_bits, cookie);
    }
}

void sel4utils_unmap_pages(vspace_t *vspace, void *vaddr, size_t num_pages, size_t size_bits, vka_t *vka)
{
    sel4utils_alloc_data_t *data = live_data(vspace, "unmap_pages");
    if (data == NULL) {
        return;
    }
    if (!sel4_valid_size_bits(size_bits)) {
        ZF_LOGE("unmap_pages: invalid size_bits %zu", size_bits);
        return;
    }
    uintptr_t start = (uintptr_t) vaddr;
    uintptr_t end;
    if (!page_range(start, num_pages, size_bits, &end)) {
        ZF_LOGE("unmap_pages: %zu pages of 2^%zu bytes at %p is not a valid range", num_pages, size_bits, vaddr);
        return;
    }
    /* upstream asserts on a page with nothing mapped (or, without asserts, deletes and frees cslot 0):
     * every page is checked before the first one is touched */
    for (uintptr_t v = start; v < end; v += BIT(size_bits)) {
        if (!frame_mapped_at(data, v, size_bits)) {
            ZF_LOGE("unmap_pages: no frame of 2^%zu bytes is mapped at 0x%" PRIxPTR "; nothing was unmapped",
                    size_bits, v);
            return;
        }
    }
    if (vka == VSPACE_FREE) {
        vka = data->vka;
    }
    sel4utils_res_t *res = NULL;
    for (uintptr_t v = start; v < end; v += BIT(size_bits)) {
        /* the page's cap and cookie, from one table lookup */
        vspace_bottom_level_t *bottom = sel4utils_bottom_level_for(data, v);
        seL4_CPtr cap = bottom == NULL ? 0 : bottom->cap[INDEX_FOR_LEVEL(v, 0)];
        uintptr_t cookie = bottom == NULL ? 0 : bottom->cookie[INDEX_FOR_LEVEL(v, 0)];
        int error = seL4_ARCH_Page_Unmap(cap);
        if (error != seL4_NoError) {
            ZF_LOGE("Failed to unmap the frame at 0x%" PRIxPTR ", error %d", v, error);
        }
        if (vka != NULL) {
            give_frame_back(vka, cap, cookie, size_bits);
        }
        /* each page asks for itself: a range may run past the end of the reservation it starts in.
         * The reservation found for the page before answers while the page is below its end and
         * nothing but the kernel ran meanwhile (a vka is foreign code: then every page searches). */
        if (vka != NULL || res == NULL || v >= res->end) {
            res = find_reserve(data, v);
        }
        if (res != NULL) {
            reserve_entries(vspace, v, size_bits);
        } else {
            clear_entries(vspace, v, size_bits);
        }
    }
}

/* ---- reservations ---------------------------------------------------------------------------- */

/* Page-aligned [start, end) covering [vaddr, vaddr + bytes), refusing empty, wrapping and out-of-range ones. */
static bool reservation_bounds(uintptr_t vaddr, size_t bytes, uintptr_t *start, uintptr_t *end)
{
    if (bytes == 0 || vaddr >= SEL4UTILS_VSPACE_LIMIT || bytes > SEL4UTILS_VSPACE_LIMIT - vaddr) {
        return false;
    }
    *start = ALIGN_DOWN(vaddr, PAGE_SIZE_4K);
    *end = ALIGN_UP(vaddr + bytes, PAGE_SIZE_4K);
    return true;
}

/* Record res over [start, end): the caller has checked the range is available. */
static int perform_reservation(vspace_t *vspace, sel4utils_res_t *res, uintptr_t start, uintptr_t end,
                               seL4_CapRights_t rights, int cacheable)
{
    res->start = start;
    res->end = end;
    res->rights = rights;
    res->cacheable = cacheable;
    if (reserve_entries_range(vspace, start, end, true) != 0) {
        /* only possible when bookkeeping memory ran out part way: give back what was taken */
        clear_entries_range(vspace, start, end, true);
        return -1;
    }
    insert_reservation(get_alloc_data(vspace), res);
    return 0;
}

int sel4utils_reserve_range_no_alloc_aligned(vspace_t *vspace, sel4utils_res_t *reservation, size_t size,
                                             size_t size_bits, seL4_CapRights_t rights, int cacheable,
                                             void **result)
{
    sel4utils_alloc_data_t *data = live_data(vspace, "reserve_range_aligned");
    if (data == NULL) {
        return -1;
    }
    if (reservation == NULL || result == NULL || size == 0 || !sel4_valid_size_bits(size_bits)) {
        ZF_LOGE("reserve_range_aligned: invalid arguments (size %zu, size_bits %zu)", size, size_bits);
        return -1;
    }
    void *vaddr = find_range(data, DIV_ROUND_UP(size, BIT(size_bits)), size_bits, "reserve_range_aligned");
    if (vaddr == NULL) {
        return -1;
    }
    reservation->malloced = 0;
    reservation->rights_deferred = false;
    if (perform_reservation(vspace, reservation, (uintptr_t) vaddr, ALIGN_UP((uintptr_t) vaddr + size, PAGE_SIZE_4K),
                            rights, cacheable) != 0) {
        return -1;
    }
    *result = vaddr;
    return 0;
}

int sel4utils_reserve_range_no_alloc(vspace_t *vspace, sel4utils_res_t *reservation, size_t size,
                                     seL4_CapRights_t rights, int cacheable, void **result)
{
    return sel4utils_reserve_range_no_alloc_aligned(vspace, reservation, size, seL4_PageBits, rights, cacheable,
                                                    result);
}

reservation_t sel4utils_reserve_range_aligned(vspace_t *vspace, size_t bytes, size_t size_bits,
                                              seL4_CapRights_t rights, int cacheable, void **result)
{
    reservation_t reservation = { .res = NULL };
    if (live_data(vspace, "reserve_range_aligned") == NULL) {
        return reservation;
    }
    if (!sel4_valid_size_bits(size_bits)) {
        ZF_LOGE("reserve_range_aligned: invalid size_bits %zu", size_bits);
        return reservation;
    }
    sel4utils_res_t *res = alloc_res(vspace);
    if (res == NULL) {
        return reservation;
    }
    if (sel4utils_reserve_range_no_alloc_aligned(vspace, res, bytes, size_bits, rights, cacheable, result) != 0) {
        release_res(vspace, res);
        return reservation;
    }
    res->malloced = 1;
    reservation.res = res;
    return reservation;
}

/* Reserve [vaddr, vaddr + size) into reservation; operation names the caller's call in its lines. */
static int reserve_at(vspace_t *vspace, sel4utils_res_t *reservation, void *vaddr, size_t size,
                      seL4_CapRights_t rights, int cacheable, const char *operation)
{
    sel4utils_alloc_data_t *data = live_data(vspace, operation);
    if (data == NULL) {
        return -1;
    }
    uintptr_t start, end;
    if (reservation == NULL || !reservation_bounds((uintptr_t) vaddr, size, &start, &end)) {
        ZF_LOGE("%s: %zu bytes at %p is not a valid range", operation, size, vaddr);
        return -1;
    }
    if (!is_available_range(data->top_level, start, end)) {
        /* the top-level slot holding KERNEL_RESERVED_START was marked reserved at bootstrap */
        uintptr_t kernel_slot = KERNEL_RESERVED_START & ALIGN_FOR_LEVEL(VSPACE_NUM_LEVELS - 1);
        if (end > kernel_slot) {
            ZF_LOGE("%s: %zu bytes at %p reach the top-level slot this vspace keeps for the kernel "
                    "(0x%" PRIxPTR " and above)", operation, size, vaddr, kernel_slot);
        } else {
            ZF_LOGE("%s: %zu bytes at %p overlap a reservation or a mapping", operation, size, vaddr);
        }
        return -1;
    }
    reservation->malloced = 0;
    reservation->rights_deferred = false;
    return perform_reservation(vspace, reservation, start, end, rights, cacheable);
}

int sel4utils_reserve_range_at_no_alloc(vspace_t *vspace, sel4utils_res_t *reservation, void *vaddr, size_t size,
                                        seL4_CapRights_t rights, int cacheable)
{
    return reserve_at(vspace, reservation, vaddr, size, rights, cacheable, "reserve_range_at");
}

/* A new reservation struct for [vaddr, vaddr + size), or a NULL reservation. */
static reservation_t new_reservation_at(vspace_t *vspace, void *vaddr, size_t size, seL4_CapRights_t rights,
                                        int cacheable, const char *operation)
{
    reservation_t reservation = { .res = NULL };
    if (live_data(vspace, operation) == NULL) {
        return reservation;
    }
    sel4utils_res_t *res = alloc_res(vspace);
    if (res == NULL) {
        return reservation;
    }
    if (reserve_at(vspace, res, vaddr, size, rights, cacheable, operation) != 0) {
        release_res(vspace, res);
        return reservation;
    }
    res->malloced = 1;
    reservation.res = res;
    return reservation;
}

reservation_t sel4utils_reserve_range_at(vspace_t *vspace, void *vaddr, size_t size, seL4_CapRights_t rights,
                                         int cacheable)
{
    return new_reservation_at(vspace, vaddr, size, rights, cacheable, "reserve_range_at");
}

/* A reservation with no rights, marked so that only deferred_rights_map_pages_at_vaddr maps into it. */
reservation_t sel4utils_reserve_deferred_rights_range_at(vspace_t *vspace, void *vaddr, size_t size, int cacheable)
{
    reservation_t deferred = new_reservation_at(vspace, vaddr, size, seL4_NoRights, cacheable,
                                                "reserve_deferred_rights_range_at");
    sel4utils_res_t *res = reservation_to_res(deferred);
    if (res != NULL) {
        res->rights_deferred = true;
    }
    return deferred;
}

void sel4utils_free_reservation(vspace_t *vspace, reservation_t reservation)
{
    sel4utils_alloc_data_t *data = live_data(vspace, "free_reservation");
    if (data == NULL) {
        return;
    }
    sel4utils_res_t *res = reservation_to_res(reservation);
    if (!is_own_reservation(data, res)) {
        ZF_LOGE("free_reservation: not a reservation of this vspace");
        return;
    }
    /*
     * Take it out of the index, then release every reserved page of its range. Pages still mapped
     * stay mapped (upstream stops at the first one, leaving the rest reserved for good).
     */
    remove_reservation(data, res);
    clear_entries_range(vspace, res->start, res->end, true);
    if (res->malloced) {
        release_res(vspace, res);
    }
}

void sel4utils_free_reservation_by_vaddr(vspace_t *vspace, void *vaddr)
{
    sel4utils_alloc_data_t *data = live_data(vspace, "free_reservation_by_vaddr");
    if (data == NULL) {
        return;
    }
    reservation_t reservation = { .res = find_reserve(data, (uintptr_t) vaddr) };
    if (reservation.res == NULL) {
        ZF_LOGE("free_reservation_by_vaddr: no reservation contains %p", vaddr);
        return;
    }
    sel4utils_free_reservation(vspace, reservation);
}

int sel4utils_move_resize_reservation(vspace_t *vspace, reservation_t reservation, void *vaddr, size_t bytes)
{
    sel4utils_alloc_data_t *data = live_data(vspace, "move_resize_reservation");
    if (data == NULL) {
        return -1;
    }
    sel4utils_res_t *res = reservation_to_res(reservation);
    if (!is_own_reservation(data, res)) {
        ZF_LOGE("move_resize_reservation: not a reservation of this vspace");
        return -1;
    }
    uintptr_t new_start, new_end;
    if (!reservation_bounds((uintptr_t) vaddr, bytes, &new_start, &new_end)) {
        ZF_LOGE("move_resize_reservation: %zu bytes at %p is not a valid range", bytes, vaddr);
        return -1;
    }

    /*
     * Work out what changes: the parts of the new range outside the old one
     * are added (and must be free), the parts of the old range outside the
     * new one are released.
     */
    uintptr_t old_start = res->start, old_end = res->end;
    bool overlap = new_start < old_end && old_start < new_end;
    uintptr_t add_low_start = new_start, add_low_end = overlap ? MIN(old_start, new_end) : new_end;
    uintptr_t add_high_start = overlap ? MAX(old_end, new_start) : new_end, add_high_end = new_end;
    if (add_low_start < add_low_end && !is_available_range(data->top_level, add_low_start, add_low_end)) {
        return -1;
    }
    if (add_high_start < add_high_end && !is_available_range(data->top_level, add_high_start, add_high_end)) {
        return -2;
    }
    if ((add_low_start < add_low_end && reserve_entries_range(vspace, add_low_start, add_low_end, true) != 0) ||
        (add_high_start < add_high_end && reserve_entries_range(vspace, add_high_start, add_high_end, true) != 0)) {
        ZF_LOGE("move_resize_reservation: out of bookkeeping memory");
        return -1;
    }
    uintptr_t drop_low_end = overlap ? MIN(new_start, old_end) : old_end;
    uintptr_t drop_high_start = overlap ? MAX(new_end, old_start) : old_end;
    if (old_start < drop_low_end) {
        clear_entries_range(vspace, old_start, drop_low_end, true);
    }
    if (drop_high_start < old_end) {
        clear_entries_range(vspace, drop_high_start, old_end, true);
    }

    remove_reservation(data, res);
    res->start = new_start;
    res->end = new_end;
    insert_reservation(data, res);
    return 0;
}

/* ---- tear down ------------------------------------------------------------------------------- */

/* Unmap (and with a vka free) every frame the vspace allocated itself, below one table. */
static void tear_down_frames(vspace_t *vspace, vka_t *vka, uintptr_t table, int level_num, uintptr_t base)
{
    sel4utils_alloc_data_t *data = get_alloc_data(vspace);
    if (level_num == 0) {
        vspace_bottom_level_t *bottom = (vspace_bottom_level_t *) table;
        for (size_t i = 0; i < VSPACE_LEVEL_SIZE; i++) {
            if (!is_frame_cap(bottom->cap[i]) || bottom->cookie[i] == 0) {
                continue;
            }
            uintptr_t v = base + i * PAGE_SIZE_4K;
            /* a large frame fills consecutive entries with one cap; it starts where the cap first appears */
            if (v >= PAGE_SIZE_4K && get_cap(data, v - PAGE_SIZE_4K) == bottom->cap[i]) {
                continue;
            }
            for (int k = 0; k < SEL4_NUM_PAGE_SIZES; k++) {
                if (frame_mapped_at(data, v, sel4_page_sizes[k])) {
                    sel4utils_unmap_pages(vspace, (void *) v, 1, sel4_page_sizes[k], vka);
                    break;
                }
            }
        }
        return;
    }
    vspace_mid_level_t *mid = (vspace_mid_level_t *) table;
    for (size_t i = 0; i < VSPACE_LEVEL_SIZE; i++) {
        uintptr_t entry = mid->table[i];
        if (entry != EMPTY && entry != RESERVED) {
            tear_down_frames(vspace, vka, entry, level_num - 1, base + i * BYTES_FOR_LEVEL(level_num));
        }
    }
}

/* Give every bookkeeping table below `table` back to the loader. */
static void free_tables(sel4utils_alloc_data_t *data, uintptr_t table, int level_num)
{
    vspace_mid_level_t *mid = (vspace_mid_level_t *) table;
    for (size_t i = 0; i < VSPACE_LEVEL_SIZE; i++) {
        uintptr_t entry = mid->table[i];
        if (entry == EMPTY || entry == RESERVED) {
            continue;
        }
        if (level_num == 1) {
            free_level(data, (void *) entry, sizeof(vspace_bottom_level_t));
        } else {
            free_tables(data, entry, level_num - 1);
            free_level(data, (void *) entry, sizeof(vspace_mid_level_t));
        }
    }
}

void sel4utils_tear_down(vspace_t *vspace, vka_t *vka)
{
    sel4utils_alloc_data_t *data = live_data(vspace, "tear_down");
    if (data == NULL) {
        return;
    }
    if (data->bootstrap == NULL) {
        ZF_LOGE("Not implemented: sel4utils cannot currently tear down a self-bootstrapped vspace");
        return;
    }
    if (vka == VSPACE_FREE) {
        vka = data->vka;
    }
    while (data->reservation_root != NULL) {
        reservation_t reservation = { .res = data->reservation_root };
        sel4utils_free_reservation(vspace, reservation);
    }
    /*
     * Frames the vspace allocated (those with a cookie) are unmapped and, with
     * a vka, freed. Frames mapped from caller caps are left as they are: the
     * caps are the caller's, and so are the paging structures reported
     * through allocated_object, which the owner frees after this.
     */
    tear_down_frames(vspace, vka, (uintptr_t) data->top_level, VSPACE_NUM_LEVELS - 1, 0);
    free_tables(data, (uintptr_t) data->top_level, VSPACE_NUM_LEVELS - 1);
    free_level(data, data->top_level, sizeof(vspace_mid_level_t));
    data->top_level = NULL;
    /* the table a walk last reached went with the others */
    data->last_bottom = NULL;
    /* the page kept for the next reservation is the only one left */
    while (data->res_pages != NULL) {
        struct sel4utils_res_page *page = data->res_pages;
        res_page_unlink(data, page);
        free_level(data, page, PAGE_SIZE_4K);
    }
}

/* ---- sharing --------------------------------------------------------------------------------- */

int sel4utils_share_mem_at_vaddr(vspace_t *from, vspace_t *to, void *start, int num_pages, size_t size_bits,
                                 void *vaddr, reservation_t reservation)
{
    const char *operation = "share_mem_at_vaddr";
    sel4utils_alloc_data_t *from_data = live_data(from, operation);
    sel4utils_alloc_data_t *to_data = live_data(to, operation);
    if (from_data == NULL || to_data == NULL) {
        return -1;
    }
    if (!sel4_valid_size_bits(size_bits)) {
        ZF_LOGE("%s: invalid size_bits %zu", operation, size_bits);
        return -1;
    }
    uintptr_t to_end, from_end;
    if (num_pages <= 0 || !page_range((uintptr_t) vaddr, (size_t) num_pages, size_bits, &to_end) ||
        !page_range((uintptr_t) start, (size_t) num_pages, size_bits, &from_end)) {
        ZF_LOGE("%s: %d pages of 2^%zu bytes from %p to %p is not a valid range", operation, num_pages, size_bits,
                start, vaddr);
        return -1;
    }
    sel4utils_res_t *res = reservation_for_range(to_data, reservation, (uintptr_t) vaddr, to_end, operation);
    if (res == NULL) {
        return -1;
    }
    /* upstream copies and maps with the reservation's (empty) rights here; refuse as the other map paths do */
    if (res->rights_deferred) {
        ZF_LOGE("%s: the reservation has no rights (deferred); use deferred_rights_map_pages_at_vaddr", operation);
        return -1;
    }

    int error = 0;
    int page;
    for (page = 0; page < num_pages; page++) {
        uintptr_t from_vaddr = (uintptr_t) start + ((uintptr_t) page << size_bits);
        uintptr_t to_vaddr = (uintptr_t) vaddr + ((uintptr_t) page << size_bits);

        seL4_CPtr cap = sel4utils_get_cap(from, (void *) from_vaddr);
        if (cap == seL4_CapNull) {
            ZF_LOGE("%s: nothing mapped at 0x%" PRIxPTR " in the source vspace", operation, from_vaddr);
            error = -1;
            break;
        }
        cspacepath_t from_path, to_path;
        vka_cspace_make_path(from_data->vka, cap, &from_path);
        error = vka_cspace_alloc_path(to_data->vka, &to_path);
        if (error) {
            ZF_LOGE("%s: no slot for the copy, error %d", operation, error);
            break;
        }
        error = vka_cnode_copy(&to_path, &from_path, res->rights);
        if (error) {
            ZF_LOGE("%s: failed to copy cap %lu, error %d", operation, (unsigned long) cap, error);
            vka_cspace_free(to_data->vka, to_path.capPtr);
            break;
        }
        error = map_page(to, to_path.capPtr, (void *) to_vaddr, res->rights, res->cacheable, size_bits);
        if (error == seL4_NoError) {
            error = update_entries(to, to_vaddr, to_path.capPtr, size_bits, 0);
            if (error != seL4_NoError) {
                seL4_ARCH_Page_Unmap(to_path.capPtr);
            }
        }
        if (error) {
            ZF_LOGE("%s: failed to map at 0x%" PRIxPTR " in the target vspace", operation, to_vaddr);
            vka_cnode_delete(&to_path);
            vka_cspace_free(to_data->vka, to_path.capPtr);
            break;
        }
    }
    if (error && page > 0) {
        /* undo the pages shared so far: unmap them and delete the copies */
        sel4utils_unmap_pages(to, vaddr, (size_t) page, size_bits, VSPACE_FREE);
    }
    return error;
}
