/* SPDX-License-Identifier: GPL-2.0 */
/* The operating system's randomness, for the engine's injected source. */
#ifndef TLSH_RANDOM_H
#define TLSH_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/*
 * A nettle_random_func over getrandom(2). Aborts if the kernel cannot give
 * randomness: no TLS is better than predictable TLS.
 */
void tlsh_os_random(void *ctx, size_t len, uint8_t *dst);

#endif
