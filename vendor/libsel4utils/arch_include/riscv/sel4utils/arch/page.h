/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

#include <vspace/arch/page.h>
