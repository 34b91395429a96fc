/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Signing with nettle/hogweed. The private key is imported once from GnuTLS
 * into nettle's own structures so that every random input of a signature
 * (RSA-PSS salt, ECDSA nonce) comes from the caller's random function: a
 * test can replay RFC 8448's CertificateVerify byte for byte.
 */
#ifndef TLSH_TLS_SIGN_H
#define TLSH_TLS_SIGN_H

#include <stdint.h>

#include <gnutls/abstract.h>
#include <nettle/nettle-types.h>

#include "tls/cursor.h"
#include "tls/err.h"

struct tlsh_sign_key;

/* NULL *out and TLSH_ERR_CONFIG for a key type nettle cannot sign with. */
TLSH_MUST_CHECK enum tlsh_err
tlsh_sign_key_import(struct tlsh_sign_key **out, gnutls_privkey_t key);
/* Wipes and frees; NULL is fine. */
void tlsh_sign_key_free(struct tlsh_sign_key *k);

/*
 * Sign msg with a TLS SignatureScheme, appending the signature as the
 * <0..2^16-1> vector of a CertificateVerify. RSA-PSS draws its salt
 * (hash-length bytes) from random first, ECDSA its nonce.
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_sign(const struct tlsh_sign_key *k, uint16_t scheme, const uint8_t *msg,
	  size_t len, void *random_ctx, nettle_random_func *random,
	  struct tlsh_wbuf *w);

/* Digest length of a scheme's hash: 0 for Ed25519 or an unknown scheme. */
size_t tlsh_sign_hash_len(uint16_t scheme);
/*
 * tlsh_sign over a digest already made with the scheme's hash (hlen bytes;
 * a TLS 1.2 CertificateVerify signs the transcript hash). Not Ed25519.
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_sign_digest(const struct tlsh_sign_key *k, uint16_t scheme,
		 const uint8_t *digest, size_t hlen, void *random_ctx,
		 nettle_random_func *random, struct tlsh_wbuf *w);

/*
 * RSAES-PKCS1-v1_5 decryption of a TLS 1.2 EncryptedPreMasterSecret with
 * nettle's side-channel silent rsa_sec_decrypt: 1 if ct decrypts to exactly
 * out_len bytes, else 0 (and out holds garbage). The caller must treat
 * both results alike (RFC 5246 7.4.7.1).
 */
TLSH_MUST_CHECK int
tlsh_rsa_decrypt_pms(const struct tlsh_sign_key *k, void *random_ctx,
		     nettle_random_func *random, const uint8_t *ct,
		     size_t ct_len, uint8_t *out, size_t out_len);
/* Modulus size in bytes of an RSA (rsaEncryption) key, else 0. */
size_t tlsh_rsa_key_size(const struct tlsh_sign_key *k);

#endif
