// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include <nettle/hkdf.h>
#include <nettle/sha2.h>

#include "tls/keysched.h"

/* nettle's HMAC functions take typed contexts; the hash table wants void. */
#define HMAC_GLUE(bits)							\
static void hmac##bits##_set_key(void *ctx, size_t len, const uint8_t *key) \
{									\
	hmac_sha##bits##_set_key(ctx, len, key);			\
}									\
static void hmac##bits##_update(void *ctx, size_t len, const uint8_t *data) \
{									\
	hmac_sha##bits##_update(ctx, len, data);			\
}									\
static void hmac##bits##_digest(void *ctx, size_t len, uint8_t *out)	\
{									\
	hmac_sha##bits##_digest(ctx, len, out);				\
}

HMAC_GLUE(256)
HMAC_GLUE(384)

#define HASH(bits) {						\
	.len = SHA##bits##_DIGEST_SIZE,					\
	.plain = &nettle_sha##bits,					\
	.hmac_set_key = hmac##bits##_set_key,				\
	.hmac_update = hmac##bits##_update,				\
	.hmac_digest = hmac##bits##_digest,				\
}

const struct tlsh_hash tlsh_hash_sha256 = HASH(256);
const struct tlsh_hash tlsh_hash_sha384 = HASH(384);

void tlsh_hmac(const struct tlsh_hash *h, const uint8_t *key, size_t key_len,
	       const uint8_t *data, size_t data_len, uint8_t *out)
{
	union tlsh_hmac_ctx ctx;

	h->hmac_set_key(&ctx, key_len, key);
	h->hmac_update(&ctx, data_len, data);
	h->hmac_digest(&ctx, h->len, out);
	explicit_bzero(&ctx, sizeof(ctx));
}

void tlsh_hkdf_extract(const struct tlsh_hash *h, const uint8_t *salt,
		       size_t salt_len, const uint8_t *ikm, size_t ikm_len,
		       uint8_t *prk)
{
	union tlsh_hmac_ctx ctx;

	h->hmac_set_key(&ctx, salt_len, salt);
	hkdf_extract(&ctx, h->hmac_update, h->hmac_digest, h->len, ikm_len,
		     ikm, prk);
	explicit_bzero(&ctx, sizeof(ctx));
}

void tlsh_hkdf_expand_label(const struct tlsh_hash *h, const uint8_t *secret,
			    const char *label, const uint8_t *context,
			    size_t context_len, uint8_t *out, size_t out_len)
{
	/* HkdfLabel: u16 length, opaque label<7..255>, opaque context<0..255> */
	static const char prefix[] = "tls13 ";
	uint8_t info[2 + 1 + 255 + 1 + 255];
	size_t label_len = strlen(label), n = 0;
	union tlsh_hmac_ctx ctx;

	if (label_len > 255 - (sizeof(prefix) - 1))
		label_len = 255 - (sizeof(prefix) - 1);
	if (context_len > 255)
		context_len = 255;
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(sizeof(prefix) - 1 + label_len);
	memcpy(info + n, prefix, sizeof(prefix) - 1);
	n += sizeof(prefix) - 1;
	memcpy(info + n, label, label_len);
	n += label_len;
	info[n++] = (uint8_t)context_len;
	if (context_len)
		memcpy(info + n, context, context_len);
	n += context_len;

	h->hmac_set_key(&ctx, h->len, secret);
	hkdf_expand(&ctx, h->hmac_update, h->hmac_digest, h->len, n, info,
		    out_len, out);
	explicit_bzero(&ctx, sizeof(ctx));
	explicit_bzero(info, sizeof(info));
}

void tlsh_derive_secret(const struct tlsh_hash *h, const uint8_t *secret,
			const char *label, const uint8_t *thash, uint8_t *out)
{
	tlsh_hkdf_expand_label(h, secret, label, thash, h->len, out, h->len);
}

void tlsh_hash_empty(const struct tlsh_hash *h, uint8_t *out)
{
	union {
		struct sha256_ctx sha256;
		struct sha512_ctx sha384;
	} ctx;

	h->plain->init(&ctx);
	h->plain->digest(&ctx, h->len, out);
}

void tlsh_ks_init(struct tlsh_keysched *ks, const struct tlsh_hash *h,
		  const uint8_t *psk, size_t psk_len)
{
	uint8_t zeros[TLSH_HASH_MAX] = { 0 };

	ks->hash = h;
	if (!psk) {
		psk = zeros;
		psk_len = h->len;
	}
	tlsh_hkdf_extract(h, zeros, h->len, psk, psk_len, ks->secret);
}

void tlsh_ks_next(struct tlsh_keysched *ks, const uint8_t *ikm,
		  size_t ikm_len)
{
	const struct tlsh_hash *h = ks->hash;
	uint8_t zeros[TLSH_HASH_MAX] = { 0 };
	uint8_t empty[TLSH_HASH_MAX], derived[TLSH_HASH_MAX];

	if (!ikm) {
		ikm = zeros;
		ikm_len = h->len;
	}
	tlsh_hash_empty(h, empty);
	tlsh_derive_secret(h, ks->secret, "derived", empty, derived);
	tlsh_hkdf_extract(h, derived, h->len, ikm, ikm_len, ks->secret);
	explicit_bzero(derived, sizeof(derived));
}

void tlsh_ks_derive(const struct tlsh_keysched *ks, const char *label,
		    const uint8_t *thash, uint8_t *out)
{
	tlsh_derive_secret(ks->hash, ks->secret, label, thash, out);
}

void tlsh_ks_wipe(struct tlsh_keysched *ks)
{
	explicit_bzero(ks->secret, sizeof(ks->secret));
}

void tlsh_traffic_key_iv(const struct tlsh_hash *h, const uint8_t *secret,
			 size_t key_len, uint8_t *key, uint8_t *iv)
{
	tlsh_hkdf_expand_label(h, secret, "key", NULL, 0, key, key_len);
	tlsh_hkdf_expand_label(h, secret, "iv", NULL, 0, iv, 12);
}

void tlsh_finished_mac(const struct tlsh_hash *h, const uint8_t *base_key,
		       const uint8_t *thash, uint8_t *out)
{
	uint8_t fkey[TLSH_HASH_MAX];

	tlsh_hkdf_expand_label(h, base_key, "finished", NULL, 0, fkey, h->len);
	tlsh_hmac(h, fkey, h->len, thash, h->len, out);
	explicit_bzero(fkey, sizeof(fkey));
}

void tlsh_next_traffic_secret(const struct tlsh_hash *h, uint8_t *secret)
{
	uint8_t next[TLSH_HASH_MAX];

	tlsh_hkdf_expand_label(h, secret, "traffic upd", NULL, 0, next, h->len);
	memcpy(secret, next, h->len);
	explicit_bzero(next, sizeof(next));
}
