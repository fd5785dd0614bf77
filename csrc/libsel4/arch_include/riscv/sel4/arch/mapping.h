/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <sel4/sel4_arch/mapping.h>
