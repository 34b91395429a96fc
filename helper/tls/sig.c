// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "tls/sig.h"

const uint16_t tlsh_sig_schemes[] = {
	TLSH_SIG_ECDSA_SECP256R1_SHA256, TLSH_SIG_ECDSA_SECP384R1_SHA384,
	TLSH_SIG_ED25519, TLSH_SIG_RSA_PSS_RSAE_SHA256,
	TLSH_SIG_RSA_PSS_RSAE_SHA384, TLSH_SIG_RSA_PSS_RSAE_SHA512,
	TLSH_SIG_RSA_PSS_PSS_SHA256, TLSH_SIG_RSA_PSS_PSS_SHA384,
	TLSH_SIG_RSA_PSS_PSS_SHA512,
};
const size_t tlsh_sig_schemes_n =
	sizeof(tlsh_sig_schemes) / sizeof(tlsh_sig_schemes[0]);

static gnutls_sign_algorithm_t gnutls_scheme(uint16_t scheme)
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
	default:
		return GNUTLS_SIGN_UNKNOWN;
	}
}

bool tlsh_sig_supported(uint16_t scheme)
{
	return gnutls_scheme(scheme) != GNUTLS_SIGN_UNKNOWN;
}

static enum tlsh_err read_file(const char *path, gnutls_datum_t *d)
{
	return gnutls_load_file(path, d) < 0 ? TLSH_ERR_CONFIG : TLSH_OK;
}

enum tlsh_err tlsh_cred_load(struct tlsh_cred *cred, const char *chain_path,
			     const char *key_path)
{
	gnutls_x509_crt_t *crts = NULL;
	unsigned int n = 0;
	gnutls_datum_t pem = { NULL, 0 };
	enum tlsh_err err = TLSH_ERR_CONFIG;

	memset(cred, 0, sizeof(*cred));
	if (read_file(chain_path, &pem))
		return TLSH_ERR_CONFIG;
	if (gnutls_x509_crt_list_import2(&crts, &n, &pem, GNUTLS_X509_FMT_PEM,
					 0) < 0 || n == 0)
		goto out;
	for (unsigned int i = 0; i < n && i < TLSH_CHAIN_MAX; i++) {
		if (gnutls_x509_crt_export2(crts[i], GNUTLS_X509_FMT_DER,
					    &cred->der[i]) < 0)
			goto out;
		cred->n++;
	}
	cred->pk = (gnutls_pk_algorithm_t)
		gnutls_x509_crt_get_pk_algorithm(crts[0], &cred->bits);
	gnutls_free(pem.data);
	pem.data = NULL;
	if (read_file(key_path, &pem))
		goto out;
	if (gnutls_privkey_init(&cred->key) < 0)
		goto out;
	if (gnutls_privkey_import_x509_raw(cred->key, &pem,
					   GNUTLS_X509_FMT_PEM, NULL, 0) < 0)
		goto out;
	err = TLSH_OK;
out:
	for (unsigned int i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	if (pem.data) {
		explicit_bzero(pem.data, pem.size);
		gnutls_free(pem.data);
	}
	if (err)
		tlsh_cred_free(cred);
	return err;
}

void tlsh_cred_free(struct tlsh_cred *cred)
{
	for (size_t i = 0; i < cred->n; i++)
		gnutls_free(cred->der[i].data);
	if (cred->key)
		gnutls_privkey_deinit(cred->key);
	memset(cred, 0, sizeof(*cred));
}

bool tlsh_cred_can_sign(const struct tlsh_cred *cred, uint16_t scheme)
{
	switch (scheme) {
	case TLSH_SIG_ECDSA_SECP256R1_SHA256:
		return cred->pk == GNUTLS_PK_ECDSA && cred->bits == 256;
	case TLSH_SIG_ECDSA_SECP384R1_SHA384:
		return cred->pk == GNUTLS_PK_ECDSA && cred->bits == 384;
	case TLSH_SIG_RSA_PSS_RSAE_SHA256:
	case TLSH_SIG_RSA_PSS_RSAE_SHA384:
	case TLSH_SIG_RSA_PSS_RSAE_SHA512:
		return cred->pk == GNUTLS_PK_RSA;
	case TLSH_SIG_RSA_PSS_PSS_SHA256:
	case TLSH_SIG_RSA_PSS_PSS_SHA384:
	case TLSH_SIG_RSA_PSS_PSS_SHA512:
		return cred->pk == GNUTLS_PK_RSA_PSS;
	case TLSH_SIG_ED25519:
		return cred->pk == GNUTLS_PK_EDDSA_ED25519;
	default:
		return false;
	}
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
			    struct tlsh_wbuf *w)
{
	gnutls_datum_t data = { (unsigned char *)content, (unsigned int)len };
	gnutls_datum_t sig = { NULL, 0 };
	size_t mark;

	if (!tlsh_cred_can_sign(cred, scheme))
		return TLSH_ERR_STATE;
	if (gnutls_privkey_sign_data2(cred->key, gnutls_scheme(scheme), 0,
				      &data, &sig) < 0)
		return TLSH_ERR_INTERNAL;
	mark = tlsh_vec_open(w, 2);
	tlsh_put_bytes(w, sig.data, sig.size);
	tlsh_vec_close(w, mark, 2);
	gnutls_free(sig.data);
	return tlsh_wbuf_err(w);
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

enum tlsh_err tlsh_sig_verify(const struct tlsh_peer_chain *pc,
			      uint16_t scheme, const uint8_t *content,
			      size_t len, const uint8_t *sig, size_t sig_len)
{
	gnutls_datum_t data = { (unsigned char *)content, (unsigned int)len };
	gnutls_datum_t s = { (unsigned char *)sig, (unsigned int)sig_len };
	gnutls_pubkey_t pub;
	int ret;

	if (!pc->n)
		return TLSH_ERR_STATE;
	if (!tlsh_sig_supported(scheme))
		return TLSH_ERR_ILLEGAL_PARAMETER;
	if (gnutls_pubkey_init(&pub) < 0)
		return TLSH_ERR_NOMEM;
	if (gnutls_pubkey_import_x509(pub, pc->crt[0], 0) < 0) {
		gnutls_pubkey_deinit(pub);
		return TLSH_ERR_BAD_CERTIFICATE;
	}
	ret = gnutls_pubkey_verify_data2(pub, gnutls_scheme(scheme), 0, &data,
					 &s);
	gnutls_pubkey_deinit(pub);
	if (ret == GNUTLS_E_UNSUPPORTED_SIGNATURE_ALGORITHM ||
	    ret == GNUTLS_E_INCOMPATIBLE_SIG_WITH_KEY)
		return TLSH_ERR_ILLEGAL_PARAMETER;
	return ret < 0 ? TLSH_ERR_DECRYPT : TLSH_OK;
}

enum tlsh_err tlsh_chain_verify(const struct tlsh_peer_chain *pc,
				gnutls_x509_trust_list_t trust,
				const char *hostname, bool peer_is_server)
{
	gnutls_typed_vdata_st vd[2];
	unsigned int nvd = 0, status = 0;

	if (!pc->n)
		return TLSH_ERR_STATE;
	if (!trust)
		return TLSH_ERR_CONFIG;
	if (hostname && *hostname) {
		vd[nvd].type = GNUTLS_DT_DNS_HOSTNAME;
		vd[nvd].data = (unsigned char *)hostname;
		vd[nvd++].size = 0;
	}
	vd[nvd].type = GNUTLS_DT_KEY_PURPOSE_OID;
	vd[nvd].data = (unsigned char *)(peer_is_server ?
		GNUTLS_KP_TLS_WWW_SERVER : GNUTLS_KP_TLS_WWW_CLIENT);
	vd[nvd++].size = 0;
	if (gnutls_x509_trust_list_verify_crt2(trust,
					       (gnutls_x509_crt_t *)pc->crt,
					       (unsigned int)pc->n, vd, nvd, 0,
					       &status, NULL) < 0)
		return TLSH_ERR_BAD_CERTIFICATE;
	if (!status)
		return TLSH_OK;
	if (status & GNUTLS_CERT_REVOKED)
		return TLSH_ERR_CERTIFICATE_REVOKED;
	if (status & (GNUTLS_CERT_EXPIRED | GNUTLS_CERT_NOT_ACTIVATED))
		return TLSH_ERR_CERTIFICATE_EXPIRED;
	if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA))
		return TLSH_ERR_UNKNOWN_CA;
	if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
		return TLSH_ERR_CERTIFICATE_UNKNOWN;
	return TLSH_ERR_BAD_CERTIFICATE;
}
