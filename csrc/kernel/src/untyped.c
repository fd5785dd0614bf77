/* SPDX-License-Identifier: BSD-2-Clause */
/* Untyped_Retype: seL4's checks, watermark, alignment and reset rules. */

#include "kernel_internal.h"

static seL4_Word object_size_bits(seL4_Word type, seL4_Word user_size)
{
    switch (type) {
    case seL4_UntypedObject:
        return user_size;
    case seL4_TCBObject:
        return seL4_TCBBits;
    case seL4_EndpointObject:
        return seL4_EndpointBits;
    case seL4_NotificationObject:
        return seL4_NotificationBits;
    case seL4_CapTableObject:
        return seL4_SlotBits + user_size;
    default:
        return arch_object_size_bits(type, user_size);
    }
}

static sim_object_t *generic_object_new(sel4sim_kernel_t *k, seL4_Word type, seL4_Word size_bits, seL4_Word paddr)
{
    if (type == seL4_CapTableObject) {
        sim_cnode_t *cn = (sim_cnode_t *)sim_object_new(k, sizeof(sim_cnode_t), false, (uint8_t)type,
                                                        (uint8_t)size_bits, paddr);
        if (cn == NULL) {
            return NULL;
        }
        if (sim_cnode_init(k, cn) != 0) {
            sim_object_free(k, &cn->hdr);
            return NULL;
        }
        return &cn->hdr;
    }
    return sim_object_new(k, sizeof(sim_object_t), false, (uint8_t)type, (uint8_t)size_bits, paddr);
}

seL4_Error sel4sim_sys_untyped_retype(sel4sim_kernel_t *k, seL4_CPtr service, seL4_Word type, seL4_Word user_size,
                                      seL4_CPtr root, seL4_Word node_index, seL4_Word node_depth,
                                      seL4_Word node_offset, seL4_Word num_objects)
{
    if (sim_syscall_kernel(k, "seL4_Untyped_Retype") == NULL) {
        return seL4_IllegalOperation;
    }
    sim_cte_t *slot = sim_lookup_cptr(k, service);
    if (slot == NULL || sim_cap_is_null(&slot->cap)) {
        SIM_USER_ERROR("Untyped_Retype: invoked cptr 0x%lx is an empty slot", service);
        return sim_error_invalid_cap(k, 0);
    }
    if (!sim_cap_is_type(&slot->cap, seL4_UntypedObject)) {
        SIM_USER_ERROR("Untyped_Retype: cptr 0x%lx is not an untyped cap", service);
        return sim_error(k, seL4_IllegalOperation);
    }
    if (type >= seL4_ObjectTypeCount) {
        SIM_USER_ERROR("Untyped_Retype: invalid object type %lu", type);
        return sim_error_invalid_arg(k, 0);
    }
    seL4_Word obj_bits = user_size >= seL4_WordBits ? seL4_WordBits : object_size_bits(type, user_size);
    if (user_size >= seL4_WordBits || obj_bits > seL4_MaxUntypedBits) {
        SIM_USER_ERROR("Untyped_Retype: invalid object size %lu", user_size);
        return sim_error_range(k, 0, seL4_MaxUntypedBits);
    }
    if (type == seL4_CapTableObject && user_size == 0) {
        SIM_USER_ERROR("Untyped_Retype: a CNode needs at least 2 slots (size_bits >= 1)");
        return sim_error_invalid_arg(k, 1);
    }
    if (type == seL4_UntypedObject && user_size < seL4_MinUntypedBits) {
        SIM_USER_ERROR("Untyped_Retype: an untyped needs size_bits >= %d", seL4_MinUntypedBits);
        return sim_error_invalid_arg(k, 1);
    }

    /* The destination CNode: the root cap itself at depth 0, else the cap at (index, depth). */
    sim_cte_t *root_slot = sim_lookup_cptr(k, root);
    sim_cap_t node_cap;
    memset(&node_cap, 0, sizeof(node_cap));
    if (root_slot != NULL) {
        node_cap = root_slot->cap;
    }
    if (node_depth != 0) {
        sim_cte_t *node_slot;
        seL4_Error err = sim_lookup_slot_for_cnode_op(k, false, &node_cap, node_index, node_depth, &node_slot);
        if (err != seL4_NoError) {
            SIM_USER_ERROR("Untyped_Retype: invalid destination address");
            return err;
        }
        node_cap = node_slot->cap;
    }
    if (!sim_cap_is_type(&node_cap, seL4_CapTableObject)) {
        SIM_USER_ERROR("Untyped_Retype: destination is not a CNode cap");
        return sim_error_lookup(k, false, sim_fault_missing(node_depth));
    }
    sim_cnode_t *dest_cnode = (sim_cnode_t *)node_cap.obj;
    seL4_Word node_size = 1ul << sim_cnode_radix(dest_cnode);
    if (node_offset > node_size - 1) {
        SIM_USER_ERROR("Untyped_Retype: destination offset %lu beyond the CNode's %lu slots", node_offset, node_size);
        return sim_error_range(k, 0, node_size - 1);
    }
    if (num_objects < 1 || num_objects > CONFIG_RETYPE_FAN_OUT_LIMIT) {
        SIM_USER_ERROR("Untyped_Retype: %lu objects requested, allowed 1..%d", num_objects, CONFIG_RETYPE_FAN_OUT_LIMIT);
        return sim_error_range(k, 1, CONFIG_RETYPE_FAN_OUT_LIMIT);
    }
    if (num_objects > node_size - node_offset) {
        SIM_USER_ERROR("Untyped_Retype: %lu objects overrun the CNode from offset %lu", num_objects, node_offset);
        return sim_error_range(k, 1, node_size - node_offset);
    }
    for (seL4_Word i = node_offset; i < node_offset + num_objects; i++) {
        if (!sim_cap_is_null(&sim_cnode_slot(dest_cnode, i)->cap)) {
            SIM_USER_ERROR("Untyped_Retype: destination slot %lu is not empty", i);
            return sim_error(k, seL4_DeleteFirst);
        }
    }

    /* With no children the untyped is reset and retypes from its start. */
    sim_object_t *ut = slot->cap.obj;
    seL4_Word watermark = sim_cap_has_children(slot) ? slot->cap.data : 0;
    seL4_Word free_bytes = (1ul << ut->size_bits) - watermark;
    if ((free_bytes >> obj_bits) < num_objects) {
        SIM_USER_ERROR("Untyped_Retype: not enough memory (%lu * 2^%lu bytes needed, %lu available)", num_objects, obj_bits,
                free_bytes);
        return sim_error_memory(k, free_bytes);
    }
    if (ut->is_device && !arch_is_frame_type(type) && type != seL4_UntypedObject) {
        SIM_USER_ERROR("Untyped_Retype: device untyped can only become frames or untypeds");
        return sim_error_invalid_arg(k, 1);
    }
    if (type == seL4_CapTableObject && user_size > SIM_MAX_CNODE_RADIX) {
        SIM_USER_ERROR("Untyped_Retype: a CNode of 2^%lu slots is more than the simulation allocates (2^%d)", user_size,
                SIM_MAX_CNODE_RADIX);
        return sim_error_memory(k, free_bytes);
    }

    seL4_Word obj_size = 1ul << obj_bits;
    seL4_Word aligned = (watermark + obj_size - 1) & ~(obj_size - 1);
    sim_object_t *made[CONFIG_RETYPE_FAN_OUT_LIMIT];
    sim_cte_t *dest[CONFIG_RETYPE_FAN_OUT_LIMIT];
    /* Make every object and the destination slots' chunks before touching any state, so a host
     * allocation failure changes nothing (a chunk made for nothing goes at the next trim). */
    for (seL4_Word i = 0; i < num_objects; i++) {
        dest[i] = sim_cnode_slot_alloc(k, dest_cnode, node_offset + i);
        if (dest[i] == NULL) {
            return sim_error_memory(k, free_bytes);
        }
    }
    for (seL4_Word i = 0; i < num_objects; i++) {
        seL4_Word paddr = ut->paddr + aligned + i * obj_size;
        made[i] = type < seL4_NonArchObjectTypeCount ? generic_object_new(k, type, obj_bits, paddr)
                  : arch_object_new(k, type, paddr);
        if (made[i] == NULL) {
            for (seL4_Word j = 0; j < i; j++) {
                sim_object_free(k, made[j]);
            }
            return sim_error_memory(k, free_bytes);
        }
        made[i]->is_device = ut->is_device;
    }
    slot->cap.data = aligned + num_objects * obj_size;
    for (seL4_Word i = 0; i < num_objects; i++) {
        sim_cap_t cap;
        if (type < seL4_NonArchObjectTypeCount) {
            memset(&cap, 0, sizeof(cap));
            cap.kind = SEL4SIM_CAP_OBJECT;
            cap.obj = made[i];
            cap.rights = (uint8_t)seL4_AllRights.words[0];
        } else {
            cap = arch_initial_cap(made[i]);
        }
        sim_cte_insert_new(slot, dest[i], cap);
    }
    return seL4_NoError;
}
