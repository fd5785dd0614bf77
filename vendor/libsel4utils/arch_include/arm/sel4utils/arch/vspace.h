/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <sel4utils/sel4_arch/vspace.h>
