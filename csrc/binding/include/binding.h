/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The exact C surface Python may call. build_ffi.py preprocesses this file and parses it with
 * pycparser to generate the cffi cdef, so the Python side always matches the headers compiled.
 * Add a header here to expose it; nothing else is needed.
 */
#pragma once

#include <sel4/sel4.h>
#include <vka/vka.h>
#include <vka/object.h>
#include <vka/capops.h>
#include <vspace/vspace.h>
#include <vspace/mapping.h>
#include <sel4utils/vspace.h>
#include <sel4utils/mapping.h>
#include <sel4sim/kernel.h>

#include <sel4vspace_common/log.h>
#include <sel4vspace_common/alloc.h>
#include <sel4vspace_binding/build_info.h>
#include <sel4vspace_binding/constants.h>
#include <sel4vspace_host/host.h>
#include <sel4vspace_host/arch.h>
#include <sel4vspace_binding/checks.h>
#include <sel4vspace_binding/calls.h>
