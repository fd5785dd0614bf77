/* SPDX-License-Identifier: BSD-2-Clause */
#include <sel4vspace_binding/build_info.h>

#ifndef SEL4VSPACE_BUILT_FROM
#error "build_ffi.py passes SEL4VSPACE_BUILT_FROM"
#endif
#ifndef SEL4VSPACE_BUILD_FLAVOUR
#error "build_ffi.py passes SEL4VSPACE_BUILD_FLAVOUR"
#endif

const char *sel4vspace_build_source(void)
{
    return SEL4VSPACE_BUILT_FROM;
}

const char *sel4vspace_build_flavour(void)
{
    return SEL4VSPACE_BUILD_FLAVOUR;
}
