/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Certificates and CertificateVerify. X.509 parsing, chain validation, key
 * import and signature verification go through GnuTLS, the project's
 * designated X.509/key library; signing is nettle's (sign.h), so that its
 * randomness is injected like everything else.
 */
#ifndef TLSH_TLS_SIG_H
#define TLSH_TLS_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include <nettle/nettle-types.h>

#include "tls/cursor.h"
#include "tls/err.h"

#define TLSH_SIG_ECDSA_SECP256R1_SHA256	0x0403
#define TLSH_SIG_ECDSA_SECP384R1_SHA384	0x0503
/* Signed with, in TLS 1.2 only, as ECDSA with SHA-512 on any curve. */
#define TLSH_SIG_ECDSA_SECP521R1_SHA512	0x0603
#define TLSH_SIG_RSA_PSS_RSAE_SHA256	0x0804
#define TLSH_SIG_RSA_PSS_RSAE_SHA384	0x0805
#define TLSH_SIG_RSA_PSS_RSAE_SHA512	0x0806
#define TLSH_SIG_ED25519		0x0807
#define TLSH_SIG_RSA_PSS_PSS_SHA256	0x0809
#define TLSH_SIG_RSA_PSS_PSS_SHA384	0x080a
#define TLSH_SIG_RSA_PSS_PSS_SHA512	0x080b

#define TLSH_CHAIN_MAX 16

struct tlsh_sign_key;

/* An own certificate chain (leaf first) and its private key. */
struct tlsh_cred {
	gnutls_datum_t der[TLSH_CHAIN_MAX];
	size_t n;
	gnutls_privkey_t key;
	gnutls_pk_algorithm_t pk;
	unsigned int bits;
	gnutls_x509_crt_t leaf;		/* der[0], parsed (SNI matching) */
	struct tlsh_sign_key *sk;	/* key in nettle's form */
};

/*
 * Load a PEM chain (leaf first) and a PEM private key (RSA, RSA-PSS, ECDSA
 * P-256/P-384, Ed25519; PKCS#8 or traditional). Fails with TLSH_ERR_CONFIG
 * if the key does not belong to the leaf certificate.
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_cred_load(struct tlsh_cred *cred, const char *chain_pem_path,
	       const char *key_pem_path);
/* The same from DER certificates (copied) and a key (always taken over). */
TLSH_MUST_CHECK enum tlsh_err
tlsh_cred_import(struct tlsh_cred *cred, const gnutls_datum_t *der, size_t n,
		 gnutls_privkey_t key);
void tlsh_cred_free(struct tlsh_cred *cred);

/* Whether the scheme can be made with this credential's key. */
bool tlsh_cred_can_sign(const struct tlsh_cred *cred, uint16_t scheme);
/*
 * The same in TLS 1.2, where an ECDSA scheme names only the hash (RFC 5246
 * 7.4.1.4.1, RFC 8422 5.1.1): 0x0403, 0x0503 and 0x0603 with any ECDSA key.
 */
bool tlsh_cred_can_sign12(const struct tlsh_cred *cred, uint16_t scheme);
/*
 * The first of ours (n, by preference) that the peer's list of u16 offers
 * and can_sign (one of the two above) allows with cred; 0 if none.
 */
uint16_t tlsh_cred_pick_scheme(const struct tlsh_cred *cred,
			       const uint16_t *ours, size_t n,
			       struct tlsh_cur offered,
			       bool (*can_sign)(const struct tlsh_cred *cred,
						uint16_t scheme));
/* Whether the leaf certificate is valid for a DNS name (SNI). */
bool tlsh_cred_matches_name(const struct tlsh_cred *cred, const char *name);

/* The schemes this engine signs and verifies, in preference order. */
extern const uint16_t tlsh_sig_schemes[];
extern const size_t tlsh_sig_schemes_n;
bool tlsh_sig_supported(uint16_t scheme);
/* The GnuTLS algorithm for a scheme (GNUTLS_SIGN_UNKNOWN if none). */
gnutls_sign_algorithm_t tlsh_sig_gnutls(uint16_t scheme);
/* RSA PKCS#1 v1.5 schemes: accepted in certificate chains only. */
#define TLSH_SIG_RSA_PKCS1_SHA256	0x0401
#define TLSH_SIG_RSA_PKCS1_SHA384	0x0501
#define TLSH_SIG_RSA_PKCS1_SHA512	0x0601

/*
 * The signed content of CertificateVerify (RFC 8446 4.4.3): 64 spaces, the
 * context string, a zero byte and the transcript hash; returns its length.
 */
size_t tlsh_cv_content(bool server, const uint8_t *thash, size_t hlen,
		       uint8_t out[200]);

/*
 * Sign content with the credential's key; signature appended to w as
 * <0..2^16-1>. Salt / nonce come from random.
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_sig_sign(const struct tlsh_cred *cred, uint16_t scheme,
	      const uint8_t *content, size_t len, void *random_ctx,
	      nettle_random_func *random, struct tlsh_wbuf *w);

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
 * The CertificateVerify schemes plus RSA PKCS#1 v1.5: what we accept in
 * chains (signature_algorithms_cert) and in a TLS 1.2 ServerKeyExchange.
 */
extern const uint16_t tlsh_sig_all_schemes[];
extern const size_t tlsh_sig_all_schemes_n;
/* The same for a TLS 1.2 ServerKeyExchange (PKCS#1 v1.5 allowed). */
TLSH_MUST_CHECK enum tlsh_err
tlsh_sig_verify12(const struct tlsh_peer_chain *pc, uint16_t scheme,
		  const uint8_t *content, size_t len, const uint8_t *sig,
		  size_t sig_len);

/*
 * The same over a digest made with the scheme's hash: a TLS 1.2
 * CertificateVerify, which signs the transcript hash (not Ed25519).
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_sig_verify12_digest(const struct tlsh_peer_chain *pc, uint16_t scheme,
			 const uint8_t *digest, size_t dlen,
			 const uint8_t *sig, size_t sig_len);

/*
 * Validate the chain against a trust list at time `now`: the server's for a
 * DNS name (hostname NULL skips the name check), or a client's. On failure
 * a one-line reason is written to reason[0..reason_len).
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_chain_verify(const struct tlsh_peer_chain *pc,
		  gnutls_x509_trust_list_t trust, const char *hostname,
		  bool peer_is_server, time_t now, char *reason,
		  size_t reason_len);

/*
 * The subjects of a PEM CA file as TLS 1.2 certificate_authorities want
 * them: DistinguishedName <1..2^16-1> each, DER. *out (free()) is NULL
 * and *len 0 when they would not fit in 2^16-1 bytes.
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_ca_names_load(const char *ca_file, uint8_t **out, size_t *len);

/*
 * A trust list from a PEM CA file, or the system CA store when ca_file is
 * NULL; free it with gnutls_x509_trust_list_deinit(t, 1).
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_trust_load(gnutls_x509_trust_list_t *out, const char *ca_file);

#endif
