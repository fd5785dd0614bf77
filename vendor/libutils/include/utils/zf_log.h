/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Logging macros under zf_log's names, as util_libs provides them to seL4_libs.
 *
 * Levels compiled out below ZF_LOG_LEVEL cost nothing. Every enabled line goes to
 * _zf_log_write_d(), which the host build implements as a bridge to Python's logging
 * (csrc/host/src/log_bridge.c) and which also records the last error line of a call. A fatal line
 * does not return: the writer ends the program, as util_libs' zf_log does.
 */
#pragma once

#include <utils/gen_config.h>

#define ZF_LOG_VERBOSE 1
#define ZF_LOG_DEBUG   2
#define ZF_LOG_INFO    3
#define ZF_LOG_WARN    4
#define ZF_LOG_ERROR   5
#define ZF_LOG_FATAL   0xFFFF
#define ZF_LOG_NONE    0xFFFF

#ifndef ZF_LOG_LEVEL
#define ZF_LOG_LEVEL CONFIG_LIB_UTILS_DEFAULT_ZF_LOG_LEVEL
#endif

#ifndef ZF_LOG_TAG
#define ZF_LOG_TAG 0
#endif

/* The writers a zf_log implementation provides (the host's log bridge, here). Only
 * _zf_log_write_d is used by these macros; the others complete the interface util_libs declares. */
extern int _zf_log_output_lvl;
void _zf_log_write_d(const char *func, const char *file, unsigned line, int lvl, const char *tag,
                     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void _zf_log_write(int lvl, const char *tag, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void _zf_log_write_mem_d(const char *func, const char *file, unsigned line, int lvl, const char *tag,
                         const void *d, unsigned d_sz, const char *fmt, ...) __attribute__((format(printf, 8, 9)));
void _zf_log_write_mem(int lvl, const char *tag, const void *d, unsigned d_sz, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#define ZF_LOG_ENABLED(lvl) ((lvl) >= ZF_LOG_LEVEL)
#define ZF_LOG_ENABLED_VERBOSE ZF_LOG_ENABLED(ZF_LOG_VERBOSE)
#define ZF_LOG_ENABLED_DEBUG   ZF_LOG_ENABLED(ZF_LOG_DEBUG)
#define ZF_LOG_ENABLED_INFO    ZF_LOG_ENABLED(ZF_LOG_INFO)
#define ZF_LOG_ENABLED_WARN    ZF_LOG_ENABLED(ZF_LOG_WARN)
#define ZF_LOG_ENABLED_ERROR   ZF_LOG_ENABLED(ZF_LOG_ERROR)
#define ZF_LOG_ENABLED_FATAL   ZF_LOG_ENABLED(ZF_LOG_FATAL)

#define ZF_LOG_WRITE(lvl, tag, ...) \
    do { \
        if (ZF_LOG_ENABLED(lvl)) { \
            _zf_log_write_d(__func__, __FILE__, __LINE__, (lvl), (tag), __VA_ARGS__); \
        } \
    } while (0)

#define ZF_LOGV(...) ZF_LOG_WRITE(ZF_LOG_VERBOSE, ZF_LOG_TAG, __VA_ARGS__)
#define ZF_LOGD(...) ZF_LOG_WRITE(ZF_LOG_DEBUG, ZF_LOG_TAG, __VA_ARGS__)
#define ZF_LOGI(...) ZF_LOG_WRITE(ZF_LOG_INFO, ZF_LOG_TAG, __VA_ARGS__)
#define ZF_LOGW(...) ZF_LOG_WRITE(ZF_LOG_WARN, ZF_LOG_TAG, __VA_ARGS__)
#define ZF_LOGE(...) ZF_LOG_WRITE(ZF_LOG_ERROR, ZF_LOG_TAG, __VA_ARGS__)
#define ZF_LOGF(...) ZF_LOG_WRITE(ZF_LOG_FATAL, ZF_LOG_TAG, __VA_ARGS__)
