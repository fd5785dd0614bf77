/* SPDX-License-Identifier: BSD-2-Clause */
/* Build-time checks under util_libs' names. */
#pragma once

#define compile_time_assert(name, expr) _Static_assert(expr, #name)
