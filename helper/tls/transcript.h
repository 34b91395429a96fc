/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The handshake transcript hash. Until the cipher suite is known (a client
 * sends ClientHello before the server picks the hash) both SHA-256 and
 * SHA-384 run; tlsh_transcript_select keeps only the negotiated one.
 */
#ifndef TLSH_TLS_TRANSCRIPT_H
#define TLSH_TLS_TRANSCRIPT_H

#include <nettle/sha2.h>

#include "tls/keysched.h"

struct tlsh_transcript {
	const struct tlsh_hash *hash;	/* NULL until selected */
	struct sha256_ctx sha256;
	struct sha512_ctx sha384;
};

void tlsh_transcript_init(struct tlsh_transcript *t);
void tlsh_transcript_select(struct tlsh_transcript *t,
			    const struct tlsh_hash *h);
void tlsh_transcript_add(struct tlsh_transcript *t, const uint8_t *msg,
			 size_t len);
/* Hash of everything added so far (the running state is kept). */
void tlsh_transcript_hash(const struct tlsh_transcript *t, uint8_t *out);
/*
 * After a HelloRetryRequest: ClientHello1 is replaced by the synthetic
 * message_hash message (RFC 8446 section 4.4.1). The hash must be selected.
 */
void tlsh_transcript_hrr_rewrite(struct tlsh_transcript *t);

#endif
