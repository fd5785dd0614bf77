/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <inttypes.h>
#include <sel4/sel4.h>

/* Printing of paths is compiled in only for DEBUG builds, as upstream does. */
#ifdef DEBUG
#include <stdio.h>
#define CSPACEPATHPRINT     printf
#else
#define CSPACEPATHPRINT(...)
#endif

/*
 * A fully resolved name for a capability slot (or a window of consecutive
 * slots), carrying both ways seL4 invocations address a slot:
 *
 *   - as a capability: (root, capPtr, capDepth), used by CNode_Copy, _Delete, ...
 *   - as a destination CNode plus an index into it: (root, dest, destDepth,
 *     offset), used by Untyped_Retype, which places new caps into a CNode.
 *
 * window counts the slots starting at capPtr that the path covers.
 */
typedef struct _cspacepath_t {
    seL4_CPtr   capPtr;
    seL4_Word   capDepth;
    seL4_CNode  root;
    seL4_Word   dest;
    seL4_Word   destDepth;
    seL4_Word   offset;
    seL4_Word   window;
} cspacepath_t;

static inline void cspacepath_swap(cspacepath_t *a, cspacepath_t *b)
{
    cspacepath_t saved = *a;
    *a = *b;
    *b = saved;
}

/* Print every field of the path on one line; only DEBUG builds print (see CSPACEPATHPRINT). */
static inline void cspacepath_t_print(const cspacepath_t *src)
{
    (void) src;
    CSPACEPATHPRINT("cspacepath_t: root 0x%" PRIxPTR ", capPtr 0x%" PRIxPTR " (depth %" PRIuPTR "), dest 0x%" PRIxPTR
                    " (depth %" PRIuPTR "), offset %" PRIuPTR ", window %" PRIuPTR "\n",
                    (uintptr_t) src->root, (uintptr_t) src->capPtr, (uintptr_t) src->capDepth, (uintptr_t) src->dest,
                    (uintptr_t) src->destDepth, (uintptr_t) src->offset, (uintptr_t) src->window);
}
