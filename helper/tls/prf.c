// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "tls/prf.h"

/* HMAC over up to three pieces with a prepared key. */
static void hmac3(const struct tlsh_hash *h, const union tlsh_hmac_ctx *key,
		  const uint8_t *a, size_t al, const uint8_t *b, size_t bl,
		  const uint8_t *c, size_t cl, uint8_t *out)
{
	union tlsh_hmac_ctx ctx = *key;

	h->hmac_update(&ctx, al, a);
	if (bl)
		h->hmac_update(&ctx, bl, b);
	if (cl)
		h->hmac_update(&ctx, cl, c);
	h->hmac_digest(&ctx, h->len, out);
	explicit_bzero(&ctx, sizeof(ctx));
}

void tlsh_prf(const struct tlsh_hash *h, const uint8_t *secret,
	      size_t secret_len, const char *label, const uint8_t *seed1,
	      size_t seed1_len, const uint8_t *seed2, size_t seed2_len,
	      uint8_t *out, size_t out_len)
{
	union tlsh_hmac_ctx key;
	uint8_t a[TLSH_HASH_MAX], block[TLSH_HASH_MAX];
	/* label + seed1 + seed2, the PRF's seed. */
	uint8_t seed[128];
	size_t ll = strlen(label), sl = ll + seed1_len + seed2_len;

	if (sl > sizeof(seed))
		sl = 0;	/* never: callers pass 64 bytes at most */
	memcpy(seed, label, ll);
	memcpy(seed + ll, seed1, seed1_len);
	if (seed2_len)
		memcpy(seed + ll + seed1_len, seed2, seed2_len);
	h->hmac_set_key(&key, secret_len, secret);
	/* A(1) = HMAC(secret, seed); then HMAC(secret, A(i) + seed). */
	hmac3(h, &key, seed, sl, NULL, 0, NULL, 0, a);
	while (out_len) {
		size_t n = out_len < h->len ? out_len : h->len;

		hmac3(h, &key, a, h->len, seed, sl, NULL, 0, block);
		memcpy(out, block, n);
		out += n;
		out_len -= n;
		if (out_len)
			hmac3(h, &key, a, h->len, NULL, 0, NULL, 0, a);
	}
	explicit_bzero(&key, sizeof(key));
	explicit_bzero(a, sizeof(a));
	explicit_bzero(block, sizeof(block));
	explicit_bzero(seed, sizeof(seed));
}

void tlsh_master_secret(const struct tlsh_hash *h, const uint8_t *pms,
			size_t pms_len, bool ems, const uint8_t *session_hash,
			const uint8_t client_random[32],
			const uint8_t server_random[32],
			uint8_t ms[TLSH_MASTER_SECRET])
{
	if (ems)
		tlsh_prf(h, pms, pms_len, "extended master secret",
			 session_hash, h->len, NULL, 0, ms, TLSH_MASTER_SECRET);
	else
		tlsh_prf(h, pms, pms_len, "master secret", client_random, 32,
			 server_random, 32, ms, TLSH_MASTER_SECRET);
}

void tlsh_key_block(const struct tlsh_suite *s,
		    const uint8_t ms[TLSH_MASTER_SECRET],
		    const uint8_t client_random[32],
		    const uint8_t server_random[32], struct tlsh_key_block *kb)
{
	/* No MAC keys with an AEAD (RFC 5246 6.3, RFC 5288 3). */
	uint8_t buf[2 * 32 + 2 * 12], *p = buf;
	size_t k = s->key_len, iv = s->fixed_iv_len;

	tlsh_prf(s->hash, ms, TLSH_MASTER_SECRET, "key expansion",
		 server_random, 32, client_random, 32, buf, 2 * k + 2 * iv);
	memset(kb, 0, sizeof(*kb));
	memcpy(kb->client_key, p, k);
	p += k;
	memcpy(kb->server_key, p, k);
	p += k;
	memcpy(kb->client_iv, p, iv);
	p += iv;
	memcpy(kb->server_iv, p, iv);
	explicit_bzero(buf, sizeof(buf));
}

void tlsh_verify_data(const struct tlsh_hash *h,
		      const uint8_t ms[TLSH_MASTER_SECRET], bool server,
		      const uint8_t *thash, uint8_t out[TLSH_VERIFY_DATA])
{
	tlsh_prf(h, ms, TLSH_MASTER_SECRET,
		 server ? "server finished" : "client finished", thash,
		 h->len, NULL, 0, out, TLSH_VERIFY_DATA);
}
