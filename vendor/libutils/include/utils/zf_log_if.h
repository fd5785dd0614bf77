/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Conditional logging under util_libs' names. ZF_LOGF_IF stops the program, as upstream's does:
 * code reachable from Python must check its inputs before it gets here.
 */
#pragma once

#include <stdlib.h>
#include <utils/zf_log.h>

#define ZF_LOGV_IF(cond, ...) do { if (cond) { ZF_LOGV(__VA_ARGS__); } } while (0)
#define ZF_LOGD_IF(cond, ...) do { if (cond) { ZF_LOGD(__VA_ARGS__); } } while (0)
#define ZF_LOGI_IF(cond, ...) do { if (cond) { ZF_LOGI(__VA_ARGS__); } } while (0)
#define ZF_LOGW_IF(cond, ...) do { if (cond) { ZF_LOGW(__VA_ARGS__); } } while (0)
#define ZF_LOGE_IF(cond, ...) do { if (cond) { ZF_LOGE(__VA_ARGS__); } } while (0)
#define ZF_LOGF_IF(cond, ...) do { if (cond) { ZF_LOGF(__VA_ARGS__); abort(); } } while (0)
