/* SPDX-License-Identifier: BSD-2-Clause */
/* What this extension was built from, so that tests can tell vendor/ from a user's seL4_libs. */
#pragma once

/* "vendor", or the path of the seL4_libs checkout the libraries under test were compiled from. */
const char *sel4vspace_build_source(void);

/* The build flavour: a dash-joined list ending with the arch, such as "x86_64", "asan-x86_64",
 * "ext-<hash>-aarch64". */
const char *sel4vspace_build_flavour(void);

/* "vendor", or the path of the util_libs checkout whose libutils the build used. */
const char *sel4vspace_build_util_libs(void);
