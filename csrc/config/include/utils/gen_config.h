/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util_libs configuration. The compiled-in log level defaults to warnings so that hot paths pay
 * nothing for debug lines; build_ffi.py can override it (SEL4VSPACE_ZF_LOG_LEVEL).
 */
#pragma once

#ifndef CONFIG_LIB_UTILS_DEFAULT_ZF_LOG_LEVEL
#define CONFIG_LIB_UTILS_DEFAULT_ZF_LOG_LEVEL 4
#endif
