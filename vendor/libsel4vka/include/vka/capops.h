/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

/*
 * CNode and Untyped invocations phrased in cspacepath_t terms, so that code
 * written against a vka never has to take a path apart by hand.
 */
#include <autoconf.h>
#include <vka/cspacepath_t.h>
#include <vka/object.h>

/*
 * The three arguments by which a CNode invocation names the slot at path: the CNode it is
 * resolved in, its index there and the depth of that index.
 */
#define VKA_CSPACEPATH_SLOT(path) (path)->root, (path)->capPtr, (path)->capDepth

#ifndef CONFIG_KERNEL_MCS
static inline int vka_cnode_saveCaller(const cspacepath_t *src)
{
    return seL4_CNode_SaveCaller(VKA_CSPACEPATH_SLOT(src));
}
#endif

/* Copy src into the empty slot dest, with rights masked by the given rights. */
static inline int vka_cnode_copy(const cspacepath_t *dest, const cspacepath_t *src, seL4_CapRights_t rights)
{
    return seL4_CNode_Copy(VKA_CSPACEPATH_SLOT(dest), VKA_CSPACEPATH_SLOT(src), rights);
}

static inline int vka_cnode_delete(const cspacepath_t *src)
{
    return seL4_CNode_Delete(VKA_CSPACEPATH_SLOT(src));
}

/* As vka_cnode_copy, also setting a badge. */
static inline int vka_cnode_mint(const cspacepath_t *dest, const cspacepath_t *src, seL4_CapRights_t rights,
                                 seL4_Word badge)
{
    return seL4_CNode_Mint(VKA_CSPACEPATH_SLOT(dest), VKA_CSPACEPATH_SLOT(src), rights, badge);
}

static inline int vka_cnode_move(const cspacepath_t *dest, const cspacepath_t *src)
{
    return seL4_CNode_Move(VKA_CSPACEPATH_SLOT(dest), VKA_CSPACEPATH_SLOT(src));
}

/* As vka_cnode_move, also setting a badge. */
static inline int vka_cnode_mutate(const cspacepath_t *dest, const cspacepath_t *src, seL4_Word badge)
{
    return seL4_CNode_Mutate(VKA_CSPACEPATH_SLOT(dest), VKA_CSPACEPATH_SLOT(src), badge);
}

static inline int vka_cnode_cancelBadgedSends(const cspacepath_t *src)
{
    return seL4_CNode_CancelBadgedSends(VKA_CSPACEPATH_SLOT(src));
}

/* Delete every cap derived from src (src itself stays). */
static inline int vka_cnode_revoke(const cspacepath_t *src)
{
    return seL4_CNode_Revoke(VKA_CSPACEPATH_SLOT(src));
}

/* In one step, move pivot's cap to dest (badged dest_badge) and src's to pivot (badged pivot_badge). */
static inline int vka_cnode_rotate(const cspacepath_t *dest, seL4_Word dest_badge, const cspacepath_t *pivot,
                                   seL4_Word pivot_badge, const cspacepath_t *src)
{
    return seL4_CNode_Rotate(VKA_CSPACEPATH_SLOT(dest), dest_badge, VKA_CSPACEPATH_SLOT(pivot), pivot_badge,
                             VKA_CSPACEPATH_SLOT(src));
}

/*
 * Retype part of the untyped `untyped` into num_objects objects of `type`,
 * placing their caps in consecutive slots starting at dest. size_bits is the
 * object size argument (it only matters for untypeds and CNodes).
 */
static inline int vka_untyped_retype(vka_object_t *untyped, int type, int size_bits, int num_objects,
                                     const cspacepath_t *dest)
{
    /* what Retype is given is the untyped bits each object takes, as an int like the argument */
    int object_bits = vka_get_object_size(type, size_bits);
    return seL4_Untyped_Retype(untyped->cptr, type, object_bits, dest->root, dest->dest, dest->destDepth,
                               dest->offset, num_objects);
}
