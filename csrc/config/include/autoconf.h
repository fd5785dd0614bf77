/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The build configuration seL4 user code sees, as a CMake build of seL4 for the selected architecture
 * would generate it (see sel4/config.h). One header per configured component, gathered here like
 * upstream's autoconf.h.
 */
#pragma once

#include <sel4/config.h>
#include <utils/gen_config.h>
#include <sel4vka/gen_config.h>
#include <sel4utils/gen_config.h>
