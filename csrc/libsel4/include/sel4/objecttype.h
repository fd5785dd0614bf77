/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel object types every architecture has; architecture-specific ones follow in
 * sel4/sel4_arch/objecttype.h and sel4/arch/objecttype.h. */
#pragma once

typedef enum api_object {
    seL4_UntypedObject,
    seL4_TCBObject,
    seL4_EndpointObject,
    seL4_NotificationObject,
    seL4_CapTableObject,
    seL4_NonArchObjectTypeCount,
} seL4_ObjectType;

typedef seL4_Word api_object_t;
