/* SPDX-License-Identifier: BSD-2-Clause */
/* Every type of the seL4 API for the configured architecture (x86_64). */
#pragma once

#include <autoconf.h>
#include <sel4/macros.h>
#include <sel4/simple_types.h>
#include <sel4/errors.h>
#include <sel4/constants.h>
#include <sel4/objecttype.h>
#include <sel4/sel4_arch/objecttype.h>
#include <sel4/arch/objecttype.h>
#include <sel4/shared_types.h>
#include <sel4/arch/types.h>

typedef seL4_CPtr seL4_CNode;
typedef seL4_CPtr seL4_IRQHandler;
typedef seL4_CPtr seL4_IRQControl;
typedef seL4_CPtr seL4_TCB;
typedef seL4_CPtr seL4_Untyped;
typedef seL4_CPtr seL4_DomainSet;
typedef seL4_CPtr seL4_SchedContext;
typedef seL4_CPtr seL4_SchedControl;

typedef seL4_Word seL4_NodeId;
typedef seL4_Word seL4_PAddr;
typedef seL4_Word seL4_Domain;
typedef seL4_Uint64 seL4_Time;

#include <sel4/bootinfo_types.h>
