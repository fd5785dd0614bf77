/* SPDX-License-Identifier: BSD-2-Clause */
/* RISC-V 64: a machine word is 64 bits wide. */
#pragma once

#define SEL4_WORD_IS_UINT64
#define SEL4_INT64_IS_LONG

typedef seL4_Uint64 seL4_Word;
typedef seL4_Word seL4_CPtr;
