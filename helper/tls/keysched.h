/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TLS 1.3 key schedule (RFC 8446 section 7): HKDF-Extract/Expand from nettle,
 * HKDF-Expand-Label, Derive-Secret, traffic keys and Finished MACs.
 */
#ifndef TLSH_TLS_KEYSCHED_H
#define TLSH_TLS_KEYSCHED_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/hmac.h>
#include <nettle/nettle-meta.h>

#include "tls/err.h"

#define TLSH_HASH_MAX 48

/* A transcript / HKDF hash: the plain hash from nettle plus its HMAC. */
struct tlsh_hash {
	size_t len;
	const struct nettle_hash *plain;
	void (*hmac_set_key)(void *ctx, size_t len, const uint8_t *key);
	void (*hmac_update)(void *ctx, size_t len, const uint8_t *data);
	void (*hmac_digest)(void *ctx, size_t len, uint8_t *out);
};

union tlsh_hmac_ctx {
	struct hmac_sha256_ctx sha256;
	struct hmac_sha512_ctx sha384;
};

extern const struct tlsh_hash tlsh_hash_sha256;
extern const struct tlsh_hash tlsh_hash_sha384;

void tlsh_hmac(const struct tlsh_hash *h, const uint8_t *key, size_t key_len,
	       const uint8_t *data, size_t data_len, uint8_t *out);

void tlsh_hkdf_extract(const struct tlsh_hash *h, const uint8_t *salt,
		       size_t salt_len, const uint8_t *ikm, size_t ikm_len,
		       uint8_t *prk);

/* HKDF-Expand-Label(secret, "tls13 " + label, context, out_len). */
void tlsh_hkdf_expand_label(const struct tlsh_hash *h, const uint8_t *secret,
			    const char *label, const uint8_t *context,
			    size_t context_len, uint8_t *out, size_t out_len);

/* Derive-Secret with the transcript hash already computed. */
void tlsh_derive_secret(const struct tlsh_hash *h, const uint8_t *secret,
			const char *label, const uint8_t *thash, uint8_t *out);

/* Hash of the empty string (the context of the "derived" steps). */
void tlsh_hash_empty(const struct tlsh_hash *h, uint8_t *out);

/*
 * The running stage secret: early, then handshake, then master.
 * tlsh_ks_init sets the early secret from a PSK (or zeros when psk is NULL);
 * tlsh_ks_next moves to the next stage with ikm (the (EC)DHE shared secret,
 * or zeros when ikm is NULL).
 */
struct tlsh_keysched {
	const struct tlsh_hash *hash;
	uint8_t secret[TLSH_HASH_MAX];
};

void tlsh_ks_init(struct tlsh_keysched *ks, const struct tlsh_hash *h,
		  const uint8_t *psk, size_t psk_len);
void tlsh_ks_next(struct tlsh_keysched *ks, const uint8_t *ikm,
		  size_t ikm_len);
void tlsh_ks_derive(const struct tlsh_keysched *ks, const char *label,
		    const uint8_t *thash, uint8_t *out);
void tlsh_ks_wipe(struct tlsh_keysched *ks);

/* [sender]_write_key and [sender]_write_iv (12 bytes) from a traffic secret. */
void tlsh_traffic_key_iv(const struct tlsh_hash *h, const uint8_t *secret,
			 size_t key_len, uint8_t *key, uint8_t *iv);

/* Finished verify_data = HMAC(finished_key(base_key), transcript hash). */
void tlsh_finished_mac(const struct tlsh_hash *h, const uint8_t *base_key,
		       const uint8_t *thash, uint8_t *out);

/* application_traffic_secret_N+1 (KeyUpdate). */
void tlsh_next_traffic_secret(const struct tlsh_hash *h, uint8_t *secret);

#endif
