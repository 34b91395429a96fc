/* SPDX-License-Identifier: GPL-2.0 */
/* (EC)DHE key exchange for the key_share groups: X25519, secp256r1, secp384r1. */
#ifndef TLSH_TLS_KEX_H
#define TLSH_TLS_KEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nettle/nettle-types.h>

#include "tls/err.h"

#define TLSH_GROUP_SECP256R1	0x0017
#define TLSH_GROUP_SECP384R1	0x0018
#define TLSH_GROUP_X25519	0x001d

#define TLSH_KEX_PUB_MAX	97	/* uncompressed P-384 point */
#define TLSH_KEX_SHARED_MAX	48

struct tlsh_kex {
	uint16_t group;		/* 0: no key */
	uint8_t priv[48];
	uint8_t pub[TLSH_KEX_PUB_MAX];
	size_t pub_len;
};

bool tlsh_kex_supported(uint16_t group);
/* Size of a valid key_exchange field for the group (0 if unsupported). */
size_t tlsh_kex_pub_len(uint16_t group);

/* A fresh ephemeral key pair, private key bytes from random. */
TLSH_MUST_CHECK enum tlsh_err
tlsh_kex_generate(struct tlsh_kex *k, uint16_t group, void *random_ctx,
		  nettle_random_func *random);

/*
 * The shared secret with the peer's key_exchange bytes: the X25519 output or
 * the x coordinate of the NIST curve point. illegal_parameter for a malformed or invalid share
 * (including an all-zero X25519 result).
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_kex_shared(const struct tlsh_kex *k, const uint8_t *peer, size_t len,
		uint8_t *out, size_t *out_len);

void tlsh_kex_wipe(struct tlsh_kex *k);

#endif
