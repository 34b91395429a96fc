// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "tls/sig.h"
#include "tls/sign.h"

const uint16_t tlsh_sig_schemes[] = {
	TLSH_SIG_ECDSA_SECP256R1_SHA256, TLSH_SIG_ECDSA_SECP384R1_SHA384,
	TLSH_SIG_ED25519, TLSH_SIG_RSA_PSS_RSAE_SHA256,
	TLSH_SIG_RSA_PSS_RSAE_SHA384, TLSH_SIG_RSA_PSS_RSAE_SHA512,
	TLSH_SIG_RSA_PSS_PSS_SHA256, TLSH_SIG_RSA_PSS_PSS_SHA384,
	TLSH_SIG_RSA_PSS_PSS_SHA512,
};
const size_t tlsh_sig_schemes_n =
	sizeof(tlsh_sig_schemes) / sizeof(tlsh_sig_schemes[0]);

gnutls_sign_algorithm_t tlsh_sig_gnutls(uint16_t scheme)
{
	switch (scheme) {
	case TLSH_SIG_ECDSA_SECP256R1_SHA256:
		return GNUTLS_SIGN_ECDSA_SECP256R1_SHA256;
	case TLSH_SIG_ECDSA_SECP384R1_SHA384:
		return GNUTLS_SIGN_ECDSA_SECP384R1_SHA384;
	case TLSH_SIG_RSA_PSS_RSAE_SHA256:
		return GNUTLS_SIGN_RSA_PSS_RSAE_SHA256;
	case TLSH_SIG_RSA_PSS_RSAE_SHA384:
		return GNUTLS_SIGN_RSA_PSS_RSAE_SHA384;
	case TLSH_SIG_RSA_PSS_RSAE_SHA512:
		return GNUTLS_SIGN_RSA_PSS_RSAE_SHA512;
	case TLSH_SIG_ED25519:
		return GNUTLS_SIGN_EDDSA_ED25519;
	case TLSH_SIG_RSA_PSS_PSS_SHA256:
		return GNUTLS_SIGN_RSA_PSS_SHA256;
	case TLSH_SIG_RSA_PSS_PSS_SHA384:
		return GNUTLS_SIGN_RSA_PSS_SHA384;
	case TLSH_SIG_RSA_PSS_PSS_SHA512:
		return GNUTLS_SIGN_RSA_PSS_SHA512;
	case TLSH_SIG_RSA_PKCS1_SHA256:
		return GNUTLS_SIGN_RSA_SHA256;
	case TLSH_SIG_RSA_PKCS1_SHA384:
		return GNUTLS_SIGN_RSA_SHA384;
	case TLSH_SIG_RSA_PKCS1_SHA512:
		return GNUTLS_SIGN_RSA_SHA512;
	default:
		return GNUTLS_SIGN_UNKNOWN;
	}
}

/* A CertificateVerify scheme (never PKCS#1 v1.5 in TLS 1.3). */
bool tlsh_sig_supported(uint16_t scheme)
{
	for (size_t i = 0; i < tlsh_sig_schemes_n; i++)
		if (tlsh_sig_schemes[i] == scheme)
			return true;
	return false;
}

size_t tlsh_cv_content(bool server, const uint8_t *thash, size_t hlen,
		       uint8_t out[200])
{
	static const char srv[] = "TLS 1.3, server CertificateVerify";
	static const char cli[] = "TLS 1.3, client CertificateVerify";
	const char *ctx = server ? srv : cli;
	size_t n = 64;

	memset(out, 0x20, 64);
	memcpy(out + n, ctx, sizeof(srv));	/* with its NUL separator */
	n += sizeof(srv);
	memcpy(out + n, thash, hlen);
	return n + hlen;
}

enum tlsh_err tlsh_sig_sign(const struct tlsh_cred *cred, uint16_t scheme,
			    const uint8_t *content, size_t len,
			    void *random_ctx, nettle_random_func *random,
			    struct tlsh_wbuf *w)
{
	/* The TLS 1.3 choice is stricter: made with tlsh_cred_can_sign. */
	if (!tlsh_cred_can_sign12(cred, scheme) || !cred->sk)
		return TLSH_ERR_STATE;
	return tlsh_sign(cred->sk, scheme, content, len, random_ctx, random,
			 w);
}

enum tlsh_err tlsh_chain_add(struct tlsh_peer_chain *pc, const uint8_t *der,
			     size_t len)
{
	gnutls_datum_t d = { (unsigned char *)der, (unsigned int)len };
	gnutls_x509_crt_t crt;

	if (pc->n >= TLSH_CHAIN_MAX)
		return TLSH_ERR_BAD_CERTIFICATE;
	if (gnutls_x509_crt_init(&crt) < 0)
		return TLSH_ERR_NOMEM;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0) {
		gnutls_x509_crt_deinit(crt);
		return TLSH_ERR_BAD_CERTIFICATE;
	}
	pc->crt[pc->n++] = crt;
	return TLSH_OK;
}

void tlsh_chain_free(struct tlsh_peer_chain *pc)
{
	for (size_t i = 0; i < pc->n; i++)
		gnutls_x509_crt_deinit(pc->crt[i]);
	pc->n = 0;
}

/*
 * The TLS 1.3 schemes and RSA PKCS#1 v1.5: what chains may be signed with
 * (most CAs still use PKCS#1 v1.5) and a TLS 1.2 ServerKeyExchange.
 */
const uint16_t tlsh_sig_all_schemes[] = {
	TLSH_SIG_ECDSA_SECP256R1_SHA256, TLSH_SIG_ECDSA_SECP384R1_SHA384,
	TLSH_SIG_ED25519, TLSH_SIG_RSA_PSS_RSAE_SHA256,
	TLSH_SIG_RSA_PSS_RSAE_SHA384, TLSH_SIG_RSA_PSS_RSAE_SHA512,
	TLSH_SIG_RSA_PSS_PSS_SHA256, TLSH_SIG_RSA_PSS_PSS_SHA384,
	TLSH_SIG_RSA_PSS_PSS_SHA512, TLSH_SIG_RSA_PKCS1_SHA256,
	TLSH_SIG_RSA_PKCS1_SHA384, TLSH_SIG_RSA_PKCS1_SHA512,
};
const size_t tlsh_sig_all_schemes_n =
	sizeof(tlsh_sig_all_schemes) / sizeof(tlsh_sig_all_schemes[0]);

static enum tlsh_err verify(const struct tlsh_peer_chain *pc,
			    gnutls_sign_algorithm_t alg, bool digest,
			    const uint8_t *content, size_t len,
			    const uint8_t *sig, size_t sig_len);

/*
 * A TLS 1.2 scheme as GnuTLS knows it. RFC 8422 5.4 / RFC 8446 4.2.3: in
 * TLS 1.2 an ECDSA scheme names the hash only, whatever the key's curve.
 */
static gnutls_sign_algorithm_t alg12(uint16_t scheme)
{
	bool known = false;

	for (size_t i = 0; i < tlsh_sig_all_schemes_n; i++)
		known |= tlsh_sig_all_schemes[i] == scheme;
	switch (scheme) {
	case TLSH_SIG_ECDSA_SECP256R1_SHA256:
		return GNUTLS_SIGN_ECDSA_SHA256;
	case TLSH_SIG_ECDSA_SECP384R1_SHA384:
		return GNUTLS_SIGN_ECDSA_SHA384;
	case TLSH_SIG_ECDSA_SECP521R1_SHA512:
		return GNUTLS_SIGN_ECDSA_SHA512;
	default:
		return known ? tlsh_sig_gnutls(scheme) : GNUTLS_SIGN_UNKNOWN;
	}
}

enum tlsh_err tlsh_sig_verify12(const struct tlsh_peer_chain *pc,
				uint16_t scheme, const uint8_t *content,
				size_t len, const uint8_t *sig, size_t sig_len)
{
	gnutls_sign_algorithm_t alg = alg12(scheme);

	if (alg == GNUTLS_SIGN_UNKNOWN)
		return TLSH_ERR_ILLEGAL_PARAMETER;
	return verify(pc, alg, false, content, len, sig, sig_len);
}

enum tlsh_err tlsh_sig_verify12_digest(const struct tlsh_peer_chain *pc,
				       uint16_t scheme, const uint8_t *digest,
				       size_t dlen, const uint8_t *sig,
				       size_t sig_len)
{
	gnutls_sign_algorithm_t alg = alg12(scheme);

	if (alg == GNUTLS_SIGN_UNKNOWN || scheme == TLSH_SIG_ED25519 ||
	    tlsh_sign_hash_len(scheme) != dlen)
		return TLSH_ERR_ILLEGAL_PARAMETER;
	return verify(pc, alg, true, digest, dlen, sig, sig_len);
}

enum tlsh_err tlsh_sig_verify(const struct tlsh_peer_chain *pc,
			      uint16_t scheme, const uint8_t *content,
			      size_t len, const uint8_t *sig, size_t sig_len)
{
	if (!tlsh_sig_supported(scheme))
		return TLSH_ERR_ILLEGAL_PARAMETER;
	return verify(pc, tlsh_sig_gnutls(scheme), false, content, len, sig,
		      sig_len);
}

/* content is the message, or (digest) already its hash. */
static enum tlsh_err verify(const struct tlsh_peer_chain *pc,
			    gnutls_sign_algorithm_t alg, bool digest,
			    const uint8_t *content, size_t len,
			    const uint8_t *sig, size_t sig_len)
{
	gnutls_datum_t data = { (unsigned char *)content, (unsigned int)len };
	gnutls_datum_t s = { (unsigned char *)sig, (unsigned int)sig_len };
	gnutls_pubkey_t pub;
	int ret;

	if (!pc->n)
		return TLSH_ERR_STATE;
	if (gnutls_pubkey_init(&pub) < 0)
		return TLSH_ERR_NOMEM;
	if (gnutls_pubkey_import_x509(pub, pc->crt[0], 0) < 0) {
		gnutls_pubkey_deinit(pub);
		return TLSH_ERR_BAD_CERTIFICATE;
	}
	if (digest)
		ret = gnutls_pubkey_verify_hash2(pub, alg, 0, &data, &s);
	else
		ret = gnutls_pubkey_verify_data2(pub, alg, 0, &data, &s);
	gnutls_pubkey_deinit(pub);
	if (ret == GNUTLS_E_UNSUPPORTED_SIGNATURE_ALGORITHM ||
	    ret == GNUTLS_E_INCOMPATIBLE_SIG_WITH_KEY)
		return TLSH_ERR_ILLEGAL_PARAMETER;
	return ret < 0 ? TLSH_ERR_DECRYPT : TLSH_OK;
}
