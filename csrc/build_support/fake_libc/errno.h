/* SPDX-License-Identifier: BSD-2-Clause */
/* cdef-generation stand-in; see _fake_types.h. */
#pragma once
#include "_fake_types.h"
