/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config_set(CONFIG_X): 1 when CONFIG_X is defined as 1, 0 when it is undefined, usable in
 * ordinary C expressions (util_libs' name). The option is expanded first (hence two levels); an
 * undefined one stays its own name, which pastes into no probe macro, while one defined as 1
 * pastes into CONFIG_PROBE_1_, which supplies an extra leading argument, so the value picked
 * shifts from 0 to 1.
 */
#pragma once

#define config_set(option) CONFIG_SET_EXPAND_(option)
#define CONFIG_SET_EXPAND_(value) CONFIG_SET_PICK_(CONFIG_PROBE_##value##_)
#define CONFIG_PROBE_1_ ignored,
#define CONFIG_SET_PICK_(probe) CONFIG_SET_SECOND_(probe 1, 0, 0)
#define CONFIG_SET_SECOND_(first, second, ...) second
