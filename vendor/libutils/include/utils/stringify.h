/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#define _STRINGIFY(x) #x
#define STRINGIFY(x) _STRINGIFY(x)
