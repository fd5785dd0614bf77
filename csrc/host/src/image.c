/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a seL4 program image has and this shared object does not. The linker defines
 * __executable_start (the first byte of the image) only for executables; sel4utils' bootstrap
 * code takes its address to reserve the image in a new vspace. That code cannot run on a host
 * (it writes to the addresses it manages), but it must link, so the symbol names this module's
 * own marker byte. Hidden, so it never stands in for a real executable's symbol.
 */
__attribute__((visibility("hidden"))) char __executable_start[1];
