// SPDX-License-Identifier: GPL-2.0
#include <stdatomic.h>
#include <string.h>

#include <nettle/memops.h>
#include <nettle/nettle-meta.h>

#include "tls/record.h"

/*
 * The AEAD contexts expanded from keys: this thread's last two, so that a
 * connection relayed in both directions expands each key once, and a
 * handshake (a flight written with one key, the next read with another)
 * once per key. A direction's key is found by its gen, unique in the
 * process. Slots hold expanded secrets: tlsh_rec_wipe() wipes the one of
 * its key (in this thread; another thread's copy is overwritten when that
 * thread next expands a key).
 */
union aead_ctx {
	struct gcm_aes128_ctx aes128;
	struct gcm_aes256_ctx aes256;
	struct chacha_poly1305_ctx chacha;
	struct ccm_aes128_ctx ccm;
};

static _Thread_local struct aead_slot {
	uint64_t gen;
	union aead_ctx ctx;
} slots[2];
static _Thread_local unsigned int victim;
static atomic_uint_fast64_t last_gen;

/* nettle's descriptor of the suite's AEAD; NULL for CCM (and unknown). */
static const struct nettle_aead *aead_of(enum tlsh_aead id)
{
	switch (id) {
	case TLSH_AEAD_AES_128_GCM:
		return &nettle_gcm_aes128;
	case TLSH_AEAD_AES_256_GCM:
		return &nettle_gcm_aes256;
	case TLSH_AEAD_CHACHA20_POLY1305:
		return &nettle_chacha_poly1305;
	default:
		return NULL;
	}
}

/* d's key expanded (a: its nettle_aead, NULL for CCM); NULL if unknown. */
static union aead_ctx *expanded(const struct tlsh_rec_dir *d,
				const struct nettle_aead *a)
{
	struct aead_slot *s;

	for (unsigned int i = 0; i < 2; i++) {
		if (slots[i].gen == d->gen) {
			victim = 1 - i;
			return &slots[i].ctx;
		}
	}
	s = &slots[victim];
	victim = 1 - victim;
	explicit_bzero(s, sizeof(*s));
	/* GCM and ChaCha20-Poly1305 use one key schedule both ways. */
	if (a)
		a->set_encrypt_key(&s->ctx, d->key);
	else if (d->suite->aead == TLSH_AEAD_AES_128_CCM)
		ccm_aes128_set_key(&s->ctx.ccm, d->key);
	else
		return NULL;
	s->gen = d->gen;
	return &s->ctx;
}

void tlsh_rec_set_key(struct tlsh_rec_dir *d, const struct tlsh_suite *s,
		      const uint8_t *key, const uint8_t *iv, uint64_t seq)
{
	tlsh_rec_wipe(d);
	switch (s->aead) {
	case TLSH_AEAD_AES_128_GCM:
	case TLSH_AEAD_AES_256_GCM:
	case TLSH_AEAD_CHACHA20_POLY1305:
	case TLSH_AEAD_AES_128_CCM:
		break;
	default:
		return;		/* no protection: suite stays NULL */
	}
	d->suite = s;
	d->gen = atomic_fetch_add(&last_gen, 1) + 1;
	d->tls12 = tlsh_suite_is12(s);
	memcpy(d->key, key, s->key_len);
	memcpy(d->iv, iv, sizeof(d->iv));
	d->seq = seq;
}

void tlsh_rec_set_secret(struct tlsh_rec_dir *d, const struct tlsh_suite *s,
			 const uint8_t *traffic_secret)
{
	uint8_t key[32], iv[12];

	tlsh_traffic_key_iv(s->hash, traffic_secret, s->key_len, key, iv);
	tlsh_rec_set_key(d, s, key, iv, 0);
	explicit_bzero(key, sizeof(key));
}

void tlsh_rec_wipe(struct tlsh_rec_dir *d)
{
	for (unsigned int i = 0; d->gen && i < 2; i++)
		if (slots[i].gen == d->gen)
			explicit_bzero(&slots[i], sizeof(slots[i]));
	explicit_bzero(d, sizeof(*d));
}

static void nonce(const struct tlsh_rec_dir *d, uint8_t out[12])
{
	memcpy(out, d->iv, 12);
	for (int i = 0; i < 8; i++)
		out[11 - i] ^= (uint8_t)(d->seq >> (8 * i));
}

/*
 * AEAD in place over buf[0..len) with nonce n and aad[0..aad_len); tag
 * written to / checked against tag.
 */
static bool aead_n(struct tlsh_rec_dir *d, bool seal, const uint8_t n[12],
		   const uint8_t *aad, size_t aad_len, uint8_t *buf,
		   size_t len, uint8_t *tag)
{
	const struct nettle_aead *a = aead_of(d->suite->aead);
	union aead_ctx *x = expanded(d, a);
	uint8_t t[TLSH_REC_TAG];
	bool ok = true;

	if (!x)
		return false;
	if (a) {
		/* Their contexts share the start of the union; nonces are 12. */
		a->set_nonce(x, n);
		a->update(x, aad_len, aad);
		(seal ? a->encrypt : a->decrypt)(x, len, buf, buf);
		a->digest(x, TLSH_REC_TAG, t);
	} else {
		/* CCM's nonce carries the lengths: no nettle_aead for it. */
		ccm_aes128_set_nonce(&x->ccm, 12, n, aad_len, len,
				     TLSH_REC_TAG);
		ccm_aes128_update(&x->ccm, aad_len, aad);
		if (seal)
			ccm_aes128_encrypt(&x->ccm, len, buf, buf);
		else
			ccm_aes128_decrypt(&x->ccm, len, buf, buf);
		ccm_aes128_digest(&x->ccm, TLSH_REC_TAG, t);
	}
	if (seal)
		memcpy(tag, t, TLSH_REC_TAG);
	else
		ok = memeql_sec(t, tag, TLSH_REC_TAG);
	explicit_bzero(t, sizeof(t));
	return ok;
}

/* TLS 1.3: the record header is the additional data. */
static bool aead(struct tlsh_rec_dir *d, bool seal, const uint8_t *aad,
		 uint8_t *buf, size_t len, uint8_t *tag)
{
	uint8_t n[12];

	nonce(d, n);
	return aead_n(d, seal, n, aad, TLSH_REC_HDR, buf, len, tag);
}

static bool explicit_nonce(const struct tlsh_rec_dir *d)
{
	return d->suite->aead != TLSH_AEAD_CHACHA20_POLY1305;
}

/* seq_num + type + version + length (RFC 5246 6.2.3.3). */
static void aad12(const struct tlsh_rec_dir *d, uint8_t type, size_t len,
		  uint8_t out[13])
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(d->seq >> (56 - 8 * i));
	out[8] = type;
	out[9] = 0x03;
	out[10] = 0x03;
	out[11] = (uint8_t)(len >> 8);
	out[12] = (uint8_t)len;
}

/*
 * Room for a record of body_len bytes at the end of out, its header
 * written (legacy_record_version 0x0303); NULL when out cannot grow.
 */
static uint8_t *open_record(struct tlsh_wbuf *out, uint8_t type,
			    size_t body_len)
{
	uint8_t *p = tlsh_wbuf_reserve(out, TLSH_REC_HDR + body_len);

	if (p) {
		p[0] = type;
		p[1] = 0x03;
		p[2] = 0x03;
		p[3] = (uint8_t)(body_len >> 8);
		p[4] = (uint8_t)body_len;
	}
	return p;
}

static enum tlsh_err seal12(struct tlsh_rec_dir *d, uint8_t type,
			    const uint8_t *data, size_t len,
			    struct tlsh_wbuf *out)
{
	size_t ex = explicit_nonce(d) ? TLSH_REC_EXPLICIT : 0;
	size_t body = ex + len + TLSH_REC_TAG, start = out->len;
	uint8_t aad[13], n[12], *p;

	if (d->seq == UINT64_MAX)
		return TLSH_ERR_STATE;
	p = open_record(out, type, body);
	if (!p)
		return TLSH_ERR_BUFFER;
	if (len)
		memmove(p + TLSH_REC_HDR + ex, data, len);
	nonce(d, n);
	/* GCM: the explicit part of the nonce is the sequence number. */
	memcpy(p + TLSH_REC_HDR, n + 4, ex);
	aad12(d, type, len, aad);
	if (!aead_n(d, true, n, aad, sizeof(aad), p + TLSH_REC_HDR + ex, len,
		    p + TLSH_REC_HDR + ex + len)) {
		out->len = start;
		return TLSH_ERR_STATE;
	}
	d->seq++;
	return TLSH_OK;
}

static enum tlsh_err open12(struct tlsh_rec_dir *d,
			    const uint8_t hdr[TLSH_REC_HDR], uint8_t *body,
			    size_t body_len, uint8_t *type, size_t *len)
{
	size_t ex = explicit_nonce(d) ? TLSH_REC_EXPLICIT : 0, n;
	uint8_t aad[13], nc[12];

	if (body_len < ex + TLSH_REC_TAG)
		return TLSH_ERR_BAD_RECORD_MAC;
	if (d->seq == UINT64_MAX)
		return TLSH_ERR_STATE;
	n = body_len - ex - TLSH_REC_TAG;
	if (n > TLSH_MAX_PLAINTEXT)
		return TLSH_ERR_RECORD_OVERFLOW;
	nonce(d, nc);
	memcpy(nc + 4, body, ex);	/* GCM: the sender's explicit nonce */
	aad12(d, hdr[0], n, aad);
	if (!aead_n(d, false, nc, aad, sizeof(aad), body + ex, n,
		    body + ex + n)) {
		explicit_bzero(body, body_len);
		return TLSH_ERR_BAD_RECORD_MAC;
	}
	d->seq++;
	memmove(body, body + ex, n);
	*type = hdr[0];
	*len = n;
	return TLSH_OK;
}

enum tlsh_err tlsh_rec_seal(struct tlsh_rec_dir *d, uint8_t type,
			    const uint8_t *data, size_t len, size_t pad,
			    struct tlsh_wbuf *out)
{
	size_t body, start = out->len;
	uint8_t *p;

	if (len > TLSH_MAX_PLAINTEXT)
		return TLSH_ERR_STATE;
	if (!d->suite || type == TLSH_CT_CHANGE_CIPHER_SPEC) {
		p = open_record(out, type, len);
		if (!p)
			return TLSH_ERR_BUFFER;
		if (len)
			memcpy(p + TLSH_REC_HDR, data, len);
		return TLSH_OK;
	}
	if (d->tls12)
		return seal12(d, type, data, len, out);
	if (pad > TLSH_MAX_PLAINTEXT - len)
		pad = TLSH_MAX_PLAINTEXT - len;
	if (d->seq == UINT64_MAX)
		return TLSH_ERR_STATE;
	body = len + 1 + pad + TLSH_REC_TAG;
	p = open_record(out, TLSH_CT_APPLICATION_DATA, body);
	if (!p)
		return TLSH_ERR_BUFFER;
	if (len)
		memmove(p + TLSH_REC_HDR, data, len);
	p[TLSH_REC_HDR + len] = type;
	memset(p + TLSH_REC_HDR + len + 1, 0, pad);
	if (!aead(d, true, p, p + TLSH_REC_HDR, len + 1 + pad,
		  p + TLSH_REC_HDR + len + 1 + pad)) {
		out->len = start;
		return TLSH_ERR_STATE;
	}
	d->seq++;
	return TLSH_OK;
}

enum tlsh_err tlsh_rec_header(const uint8_t hdr[TLSH_REC_HDR],
			      size_t *body_len)
{
	size_t len = (size_t)hdr[3] << 8 | hdr[4];

	switch (hdr[0]) {
	case TLSH_CT_CHANGE_CIPHER_SPEC:
	case TLSH_CT_ALERT:
	case TLSH_CT_HANDSHAKE:
	case TLSH_CT_APPLICATION_DATA:
		break;
	default:
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	}
	if (hdr[1] != 0x03)
		return TLSH_ERR_PROTOCOL_VERSION;
	if (len > TLSH_MAX_CIPHERTEXT)
		return TLSH_ERR_RECORD_OVERFLOW;
	*body_len = len;
	return TLSH_OK;
}

enum tlsh_err tlsh_rec_open(struct tlsh_rec_dir *d,
			    const uint8_t hdr[TLSH_REC_HDR], uint8_t *body,
			    size_t body_len, uint8_t *type, size_t *len)
{
	size_t n;

	if (!d->suite || hdr[0] == TLSH_CT_CHANGE_CIPHER_SPEC) {
		if (body_len > TLSH_MAX_PLAINTEXT)
			return TLSH_ERR_RECORD_OVERFLOW;
		*type = hdr[0];
		*len = body_len;
		return TLSH_OK;
	}
	if (d->tls12)
		return open12(d, hdr, body, body_len, type, len);
	if (hdr[0] != TLSH_CT_APPLICATION_DATA)
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	if (body_len < TLSH_REC_TAG + 1)
		return TLSH_ERR_BAD_RECORD_MAC;
	if (d->seq == UINT64_MAX)
		return TLSH_ERR_STATE;
	n = body_len - TLSH_REC_TAG;
	/* RFC 8446 5.4: TLSInnerPlaintext, padding included, <= 2^14 + 1. */
	if (n > TLSH_MAX_PLAINTEXT + 1)
		return TLSH_ERR_RECORD_OVERFLOW;
	if (!aead(d, false, hdr, body, n, body + n)) {
		explicit_bzero(body, n);
		return TLSH_ERR_BAD_RECORD_MAC;
	}
	d->seq++;
	/* Strip the zero padding; the last non-zero byte is the type. */
	while (n > 0 && body[n - 1] == 0)
		n--;
	if (n == 0)
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	*type = body[n - 1];
	*len = n - 1;
	return TLSH_OK;
}
