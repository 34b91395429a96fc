// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "tls/transcript.h"

#define TLSH_HS_MESSAGE_HASH 254

void tlsh_transcript_init(struct tlsh_transcript *t)
{
	t->hash = NULL;
	sha256_init(&t->sha256);
	sha384_init(&t->sha384);
}

void tlsh_transcript_select(struct tlsh_transcript *t,
			    const struct tlsh_hash *h)
{
	t->hash = h;
}

void tlsh_transcript_add(struct tlsh_transcript *t, const uint8_t *msg,
			 size_t len)
{
	if (!t->hash || t->hash == &tlsh_hash_sha256)
		sha256_update(&t->sha256, len, msg);
	if (!t->hash || t->hash == &tlsh_hash_sha384)
		sha384_update(&t->sha384, len, msg);
}

void tlsh_transcript_hash(const struct tlsh_transcript *t, uint8_t *out)
{
	if (t->hash == &tlsh_hash_sha384) {
		struct sha512_ctx c = t->sha384;

		sha384_digest(&c, SHA384_DIGEST_SIZE, out);
	} else {
		struct sha256_ctx c = t->sha256;

		sha256_digest(&c, SHA256_DIGEST_SIZE, out);
	}
}

void tlsh_transcript_hrr_rewrite(struct tlsh_transcript *t)
{
	const struct tlsh_hash *h = t->hash;
	uint8_t msg[4 + TLSH_HASH_MAX];

	msg[0] = TLSH_HS_MESSAGE_HASH;
	msg[1] = 0;
	msg[2] = 0;
	msg[3] = (uint8_t)h->len;
	tlsh_transcript_hash(t, msg + 4);
	tlsh_transcript_init(t);
	tlsh_transcript_select(t, h);
	tlsh_transcript_add(t, msg, 4 + h->len);
}
