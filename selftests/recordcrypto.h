/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An independent TLS record protection, for checking what the kernel puts on
 * the wire. Written from the RFCs, not from helper/os/ktls.c or the kernel:
 *
 *   TLS 1.2 AES-GCM / AES-CCM (RFC 5246 6.2.3.3, RFC 5288 3, RFC 6655 3):
 *     record  = header || explicit_nonce[8] || ciphertext || tag[16]
 *     nonce   = write_iv[0..3] || explicit_nonce
 *     aad     = seq_be64 || type || 0x0303 || plaintext_len_be16
 *   TLS 1.2 ChaCha20-Poly1305 (RFC 7905 2):
 *     record  = header || ciphertext || tag[16]
 *     nonce   = write_iv[12] XOR (0^32 || seq_be64); aad as above
 *   TLS 1.3 (RFC 8446 5.2, 5.3):
 *     record  = 0x17 0x0303 len_be16 || AEAD(content || type || zeros)
 *     nonce   = write_iv[12] XOR (0^32 || seq_be64)
 *     aad     = the record header
 *
 * Keys come in a struct tlsh_traffic_dir used only as a container (key, the
 * 12-byte IV of which TLS 1.2 GCM/CCM use the first 4 bytes).
 * Test-only; functions are static inline so each test uses what it needs.
 */
#ifndef TLSH_RECORDCRYPTO_H
#define TLSH_RECORDCRYPTO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <nettle/ccm.h>
#include <nettle/chacha-poly1305.h>
#include <nettle/gcm.h>
#include <nettle/memops.h>
#include <nettle/nettle-meta.h>

#include "os/ktls.h"

#define RC_HDR		5u
#define RC_TAG		16u
#define RC_EXPLICIT	8u
#define RC_MAX_PLAIN	16384u
/* Largest record these tests build or accept: header, nonce, tag, 1.3 type. */
#define RC_MAX_RECORD	(RC_HDR + RC_EXPLICIT + RC_MAX_PLAIN + 256 + \
			 RC_TAG)

#define RC_TYPE_ALERT	21
#define RC_TYPE_APPDATA	23

static inline void rc_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = v & 0xff;
}

static inline uint64_t rc_get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static inline int rc_has_explicit_nonce(uint16_t version, enum tlsh_aead aead)
{
	return version == TLSH_TLS12 && aead != TLSH_AEAD_CHACHA20_POLY1305;
}

/* The 12-byte per-record nonce; explicit is the record's, for 1.2 GCM/CCM. */
static inline void rc_nonce(uint16_t version, enum tlsh_aead aead,
			    const struct tlsh_traffic_dir *d, uint64_t seq,
			    const uint8_t *explicit, uint8_t nonce[12])
{
	uint8_t s[8];

	if (rc_has_explicit_nonce(version, aead)) {
		memcpy(nonce, d->iv, 4);
		memcpy(nonce + 4, explicit, 8);
		return;
	}
	rc_put_be64(s, seq);
	memcpy(nonce, d->iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] ^= s[i];
}

/* nettle's construction of a GCM or ChaCha20-Poly1305 AEAD (not CCM). */
static inline const struct nettle_aead *rc_nettle_aead(enum tlsh_aead aead)
{
	switch (aead) {
	case TLSH_AEAD_AES_128_GCM:
		return &nettle_gcm_aes128;
	case TLSH_AEAD_AES_256_GCM:
		return &nettle_gcm_aes256;
	case TLSH_AEAD_CHACHA20_POLY1305:
		return &nettle_chacha_poly1305;
	default:
		abort();
	}
}

/* In (len bytes) through a streaming AEAD to out; its tag to tag. */
static inline void rc_aead_stream(enum tlsh_aead aead, bool encrypt,
				  const uint8_t *key, const uint8_t nonce[12],
				  const uint8_t *aad, size_t aad_len,
				  const uint8_t *in, size_t len, uint8_t *out,
				  uint8_t tag[RC_TAG])
{
	const struct nettle_aead *a = rc_nettle_aead(aead);
	union {
		struct gcm_aes128_ctx gcm128;
		struct gcm_aes256_ctx gcm256;
		struct chacha_poly1305_ctx chacha;
	} c;

	(encrypt ? a->set_encrypt_key : a->set_decrypt_key)(&c, key);
	a->set_nonce(&c, nonce);
	a->update(&c, aad_len, aad);
	(encrypt ? a->encrypt : a->decrypt)(&c, len, out, in);
	a->digest(&c, RC_TAG, tag);
}

/* Encrypt len bytes of in to out, appending the 16-byte tag. */
static inline void rc_aead_seal(enum tlsh_aead aead, const uint8_t *key,
				const uint8_t nonce[12], const uint8_t *aad,
				size_t aad_len, const uint8_t *in, size_t len,
				uint8_t *out)
{
	struct ccm_aes128_ctx c;

	if (aead != TLSH_AEAD_AES_128_CCM) {
		rc_aead_stream(aead, true, key, nonce, aad, aad_len, in, len,
			       out, out + len);
		return;
	}
	ccm_aes128_set_key(&c, key);
	ccm_aes128_encrypt_message(&c, 12, nonce, aad_len, aad, RC_TAG,
				   len + RC_TAG, out, in);
}

/* Decrypt len bytes (tag excluded) of in to out; 1 if the tag verifies. */
static inline int rc_aead_open(enum tlsh_aead aead, const uint8_t *key,
			       const uint8_t nonce[12], const uint8_t *aad,
			       size_t aad_len, const uint8_t *in, size_t len,
			       uint8_t *out)
{
	struct ccm_aes128_ctx c;
	uint8_t tag[RC_TAG];

	if (aead != TLSH_AEAD_AES_128_CCM) {
		rc_aead_stream(aead, false, key, nonce, aad, aad_len, in, len,
			       out, tag);
		return memeql_sec(tag, in + len, RC_TAG);
	}
	ccm_aes128_set_key(&c, key);
	return ccm_aes128_decrypt_message(&c, 12, nonce, aad_len, aad, RC_TAG,
					  len, out, in);
}

/*
 * Protect len bytes of content type `type` as record number seq, with pad
 * zero bytes of TLS 1.3 padding (ignored for 1.2). Writes the whole record
 * to rec (RC_MAX_RECORD bytes) and returns its length.
 */
static inline size_t rc_seal(uint16_t version, enum tlsh_aead aead,
			     const struct tlsh_traffic_dir *d, uint64_t seq,
			     uint8_t type, const uint8_t *in, size_t len,
			     size_t pad, uint8_t *rec)
{
	uint8_t nonce[12], aad[13], inner[RC_MAX_PLAIN + 256 + 1];
	size_t body, off = RC_HDR;

	rec[1] = 0x03;
	rec[2] = 0x03;
	if (version == TLSH_TLS13) {
		memcpy(inner, in, len);
		inner[len] = type;
		memset(inner + len + 1, 0, pad);
		len += 1 + pad;
		body = len + RC_TAG;
		rec[0] = RC_TYPE_APPDATA;
		rec[3] = body >> 8;
		rec[4] = body & 0xff;
		rc_nonce(version, aead, d, seq, NULL, nonce);
		rc_aead_seal(aead, d->key, nonce, rec, RC_HDR, inner, len,
			     rec + RC_HDR);
		return RC_HDR + body;
	}

	if (rc_has_explicit_nonce(version, aead)) {
		rc_put_be64(rec + RC_HDR, seq);
		off += RC_EXPLICIT;
	}
	body = off - RC_HDR + len + RC_TAG;
	rec[0] = type;
	rec[3] = body >> 8;
	rec[4] = body & 0xff;
	rc_put_be64(aad, seq);
	aad[8] = type;
	aad[9] = 0x03;
	aad[10] = 0x03;
	aad[11] = len >> 8;
	aad[12] = len & 0xff;
	rc_nonce(version, aead, d, seq, rec + RC_HDR, nonce);
	rc_aead_seal(aead, d->key, nonce, aad, sizeof(aad), in, len, rec + off);
	return off + len + RC_TAG;
}

/*
 * Open the record rec (rec_len bytes, header included) as record number seq.
 * Returns the content length written to out (RC_MAX_PLAIN + 256 bytes) with
 * *type set, or -1 if the record is malformed or does not authenticate.
 */
static inline ssize_t rc_open(uint16_t version, enum tlsh_aead aead,
			      const struct tlsh_traffic_dir *d, uint64_t seq,
			      const uint8_t *rec, size_t rec_len,
			      uint8_t *type, uint8_t *out)
{
	uint8_t nonce[12], aad[13];
	size_t off = RC_HDR, len;

	if (rec_len < RC_HDR || rec[1] != 0x03 || rec[2] != 0x03 ||
	    (size_t)(rec[3] << 8 | rec[4]) != rec_len - RC_HDR)
		return -1;
	if (rc_has_explicit_nonce(version, aead))
		off += RC_EXPLICIT;
	if (rec_len < off + RC_TAG)
		return -1;
	len = rec_len - off - RC_TAG;
	if (len > RC_MAX_PLAIN + 256)
		return -1;

	if (version == TLSH_TLS13) {
		if (rec[0] != RC_TYPE_APPDATA)
			return -1;
		rc_nonce(version, aead, d, seq, NULL, nonce);
		if (!rc_aead_open(aead, d->key, nonce, rec, RC_HDR,
				  rec + off, len, out))
			return -1;
		/* Strip the padding; the last non-zero byte is the type. */
		while (len > 0 && out[len - 1] == 0)
			len--;
		if (len == 0)
			return -1;
		*type = out[--len];
		return len;
	}

	rc_put_be64(aad, seq);
	aad[8] = rec[0];
	aad[9] = 0x03;
	aad[10] = 0x03;
	aad[11] = len >> 8;
	aad[12] = len & 0xff;
	rc_nonce(version, aead, d, seq, rec + RC_HDR, nonce);
	if (!rc_aead_open(aead, d->key, nonce, aad, sizeof(aad), rec + off,
			  len, out))
		return -1;
	*type = rec[0];
	return len;
}

#endif
