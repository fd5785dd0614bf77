/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The subset of util_libs' <utils/util.h> that libsel4vka, libsel4vspace and the sel4utils vspace
 * use. Upstream's umbrella header pulls in every utility header; ours does the same for the few we
 * carry, so code written against upstream includes the same single header.
 */
#pragma once

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include <utils/attribute.h>
#include <utils/arith.h>
#include <utils/builtin.h>
#include <utils/compile_time.h>
#include <utils/config.h>
#include <utils/stringify.h>
#include <utils/page.h>
#include <utils/zf_log.h>
#include <utils/zf_log_if.h>

/* util_libs' older spelling of an error line */
#define LOG_ERROR(...) ZF_LOGE(__VA_ARGS__)
