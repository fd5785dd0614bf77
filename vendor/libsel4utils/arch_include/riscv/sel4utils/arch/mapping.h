/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

/* Paging-structure creation is table driven (vspace_get_map_obj in libsel4vspace); nothing RISC-V specific is left here. */
#include <vspace/arch/page.h>
