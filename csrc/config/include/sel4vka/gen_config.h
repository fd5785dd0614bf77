/* SPDX-License-Identifier: BSD-2-Clause */
/* libsel4vka configuration: no debug build, so vka.h does not want its debug-only helpers. */
#pragma once

#define CONFIG_LIB_SEL4_VKA_DEBUG_LIVE_SLOTS_SZ 0
#define CONFIG_LIB_SEL4_VKA_DEBUG_LIVE_OBJS_SZ 0
