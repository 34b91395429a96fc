/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Certificates and CertificateVerify. X.509 parsing, chain validation, key
 * import and the signature operations themselves go through GnuTLS, the
 * project's designated X.509/key library (which signs with nettle).
 */
#ifndef TLSH_TLS_SIG_H
#define TLSH_TLS_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "tls/cursor.h"
#include "tls/err.h"

#define TLSH_SIG_ECDSA_SECP256R1_SHA256	0x0403
#define TLSH_SIG_ECDSA_SECP384R1_SHA384	0x0503
#define TLSH_SIG_RSA_PSS_RSAE_SHA256	0x0804
#define TLSH_SIG_RSA_PSS_RSAE_SHA384	0x0805
#define TLSH_SIG_RSA_PSS_RSAE_SHA512	0x0806
#define TLSH_SIG_ED25519		0x0807
#define TLSH_SIG_RSA_PSS_PSS_SHA256	0x0809
#define TLSH_SIG_RSA_PSS_PSS_SHA384	0x080a
#define TLSH_SIG_RSA_PSS_PSS_SHA512	0x080b

#define TLSH_CHAIN_MAX 16

/* An own certificate chain (leaf first) and its private key. */
struct tlsh_cred {
	gnutls_datum_t der[TLSH_CHAIN_MAX];
	size_t n;
	gnutls_privkey_t key;
	gnutls_pk_algorithm_t pk;
	unsigned int bits;
};

/* Load a PEM chain and a PEM private key. */
TLSH_MUST_CHECK enum tlsh_err
tlsh_cred_load(struct tlsh_cred *cred, const char *chain_pem_path,
	       const char *key_pem_path);
void tlsh_cred_free(struct tlsh_cred *cred);

/* Whether the scheme can be made with this credential's key. */
bool tlsh_cred_can_sign(const struct tlsh_cred *cred, uint16_t scheme);

/* The schemes this engine signs and verifies, in preference order. */
extern const uint16_t tlsh_sig_schemes[];
extern const size_t tlsh_sig_schemes_n;
bool tlsh_sig_supported(uint16_t scheme);

/*
 * The signed content of CertificateVerify (RFC 8446 4.4.3): 64 spaces, the
 * context string, a zero byte and the transcript hash; returns its length.
 */
size_t tlsh_cv_content(bool server, const uint8_t *thash, size_t hlen,
		       uint8_t out[200]);

/* Sign content with the credential's key; signature appended to w as <2..> */
TLSH_MUST_CHECK enum tlsh_err
tlsh_sig_sign(const struct tlsh_cred *cred, uint16_t scheme,
	      const uint8_t *content, size_t len, struct tlsh_wbuf *w);

/* The peer's chain as received (DER, leaf first). */
struct tlsh_peer_chain {
	gnutls_x509_crt_t crt[TLSH_CHAIN_MAX];
	size_t n;
};

TLSH_MUST_CHECK enum tlsh_err
tlsh_chain_add(struct tlsh_peer_chain *pc, const uint8_t *der, size_t len);
void tlsh_chain_free(struct tlsh_peer_chain *pc);

/* Verify a CertificateVerify signature with the leaf's public key. */
TLSH_MUST_CHECK enum tlsh_err
tlsh_sig_verify(const struct tlsh_peer_chain *pc, uint16_t scheme,
		const uint8_t *content, size_t len, const uint8_t *sig,
		size_t sig_len);

/*
 * Validate the chain against a trust list: the server's for a DNS name
 * (hostname may be NULL to skip the name check), or a client's.
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_chain_verify(const struct tlsh_peer_chain *pc,
		  gnutls_x509_trust_list_t trust, const char *hostname,
		  bool peer_is_server);

#endif
