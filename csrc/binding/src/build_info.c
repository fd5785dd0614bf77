/* SPDX-License-Identifier: BSD-2-Clause */
#include <sel4vspace_binding/build_info.h>

#ifndef SEL4VSPACE_BUILT_FROM
#error "build_ffi.py passes SEL4VSPACE_BUILT_FROM"
#endif
#ifndef SEL4VSPACE_BUILD_FLAVOUR
#error "build_ffi.py passes SEL4VSPACE_BUILD_FLAVOUR"
#endif
#ifndef SEL4VSPACE_BUILT_UTIL_LIBS
#error "build_ffi.py passes SEL4VSPACE_BUILT_UTIL_LIBS"
#endif

/* The flavour, the source tree and the util_libs, in one array after a marker: the in-place build
 * reads the first two back from a module file it is about to replace, without loading it, to say
 * when that module was built from another seL4_libs tree (buildsupport.incremental.build_record).
 * The marker and the layout are that function's: keep them in step. */
#define BUILD_RECORD_MARKER "sel4vspace build record"
__attribute__((used)) static const char build_record[] =
    BUILD_RECORD_MARKER "\0" SEL4VSPACE_BUILD_FLAVOUR "\0" SEL4VSPACE_BUILT_FROM "\0" SEL4VSPACE_BUILT_UTIL_LIBS;

const char *sel4vspace_build_flavour(void)
{
    return build_record + sizeof(BUILD_RECORD_MARKER);
}

const char *sel4vspace_build_source(void)
{
    return sel4vspace_build_flavour() + sizeof(SEL4VSPACE_BUILD_FLAVOUR);
}

const char *sel4vspace_build_util_libs(void)
{
    return sel4vspace_build_source() + sizeof(SEL4VSPACE_BUILT_FROM);
}
