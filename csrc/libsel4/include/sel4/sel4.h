/* SPDX-License-Identifier: BSD-2-Clause */
/* Placeholder umbrella header; replaced by the simulated kernel work (issue 3). */
#pragma once

#include <autoconf.h>
#include <sel4/types.h>
