/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TLS 1.3 record protection in userspace (RFC 8446 section 5), for the
 * encrypted handshake flight, the fallback relay and tests.
 */
#ifndef TLSH_TLS_RECORD_H
#define TLSH_TLS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nettle/ccm.h>
#include <nettle/chacha-poly1305.h>
#include <nettle/gcm.h>

#include "tls/cursor.h"
#include "tls/suite.h"

#define TLSH_CT_CHANGE_CIPHER_SPEC	20
#define TLSH_CT_ALERT			21
#define TLSH_CT_HANDSHAKE		22
#define TLSH_CT_APPLICATION_DATA	23

#define TLSH_REC_HDR		5
#define TLSH_REC_TAG		16
#define TLSH_MAX_PLAINTEXT	16384
/* TLSCiphertext.length limit (RFC 8446 section 5.2). */
#define TLSH_MAX_CIPHERTEXT	(TLSH_MAX_PLAINTEXT + 256)
/* The TLS 1.2 AES-GCM explicit nonce carried in each record. */
#define TLSH_REC_EXPLICIT	8

/*
 * One direction: no protection while suite is NULL. With a TLS 1.2 suite
 * the record is the TLS 1.2 one (RFC 5246 6.2.3.3): the real content type
 * in the header, no inner type or padding, a 13-byte additional data; for
 * AES-GCM iv[0..3] is the implicit salt (iv[4..11] zero) and the 8-byte
 * explicit nonce we send is the sequence number (RFC 5288 3), for
 * ChaCha20-Poly1305 iv is XORed with the sequence number (RFC 7905 2).
 *
 * A direction holds its key, not the AEAD context expanded from it (4.3 KiB
 * for AES-GCM, most of it nettle's GCM table): a handshake in flight would
 * carry two of them. record.c expands keys on use into a small per-thread
 * cache keyed by gen, so most keys installed for kTLS are never expanded.
 */
struct tlsh_rec_dir {
	const struct tlsh_suite *suite;
	uint64_t gen;		/* this key's expansion in the cache; 0: none */
	uint8_t key[32];
	uint8_t iv[12];
	uint64_t seq;
	bool tls12;
};

/* Keys from a traffic secret (RFC 8446 section 7.3); seq restarts at 0. */
void tlsh_rec_set_secret(struct tlsh_rec_dir *d, const struct tlsh_suite *s,
			 const uint8_t *traffic_secret);
/*
 * Keys given directly (tests, ktls import, TLS 1.2); the record format
 * follows the suite's version. iv is 12 bytes (TLS 1.2 GCM: salt, zeros).
 */
void tlsh_rec_set_key(struct tlsh_rec_dir *d, const struct tlsh_suite *s,
		      const uint8_t *key, const uint8_t *iv, uint64_t seq);
void tlsh_rec_wipe(struct tlsh_rec_dir *d);

/*
 * Append one record carrying len <= 2^14 bytes of content type `type` (with
 * pad zero bytes of padding when protected) to out.
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_rec_seal(struct tlsh_rec_dir *d, uint8_t type, const uint8_t *data,
	      size_t len, size_t pad, struct tlsh_wbuf *out);

/*
 * Check a record header: TLSH_OK and *body_len, or the alert to send.
 * legacy_record_version is not checked beyond its first byte (0x03), as the
 * first ClientHello may carry 0x0301.
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_rec_header(const uint8_t hdr[TLSH_REC_HDR], size_t *body_len);

/*
 * Remove protection in place. On success *type is the real content type and
 * the content is body[0 .. *len). Unprotected directions pass the record
 * through (ChangeCipherSpec is passed through in either case).
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_rec_open(struct tlsh_rec_dir *d, const uint8_t hdr[TLSH_REC_HDR],
	      uint8_t *body, size_t body_len, uint8_t *type, size_t *len);

#endif
