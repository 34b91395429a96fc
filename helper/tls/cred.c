// SPDX-License-Identifier: GPL-2.0
/*
 * Own credentials: a certificate chain and its private key, loaded through
 * GnuTLS, checked to belong together, and imported for nettle signing.
 */
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "tls/msg.h"
#include "tls/sig.h"
#include "tls/sign.h"

static void gnutls_random(void *ctx, size_t len, uint8_t *dst)
{
	(void)ctx;
	if (gnutls_rnd(GNUTLS_RND_RANDOM, dst, len) < 0)
		abort();
}

/* The key must sign what the leaf's public key verifies. */
static enum tlsh_err self_test(const struct tlsh_cred *cred)
{
	static const uint8_t msg[] = "tlsh credential self-test";
	uint8_t buf[1024];
	struct tlsh_wbuf w;
	gnutls_pubkey_t pub;
	gnutls_datum_t data = { (unsigned char *)msg, sizeof(msg) }, sig;
	uint16_t scheme = 0;
	int ret;

	for (size_t i = 0; i < tlsh_sig_schemes_n && !scheme; i++)
		if (tlsh_cred_can_sign(cred, tlsh_sig_schemes[i]))
			scheme = tlsh_sig_schemes[i];
	if (!scheme)
		return TLSH_ERR_CONFIG;
	tlsh_wbuf_fixed(&w, buf, sizeof(buf));
	if (tlsh_sign(cred->sk, scheme, msg, sizeof(msg), NULL, gnutls_random,
		      &w) || w.len < 2)
		return TLSH_ERR_CONFIG;
	sig.data = buf + 2;
	sig.size = (unsigned int)(w.len - 2);
	if (gnutls_pubkey_init(&pub) < 0)
		return TLSH_ERR_NOMEM;
	ret = gnutls_pubkey_import_x509(pub, cred->leaf, 0);
	if (ret >= 0)
		ret = gnutls_pubkey_verify_data2(pub, tlsh_sig_gnutls(scheme),
						 0, &data, &sig);
	gnutls_pubkey_deinit(pub);
	return ret < 0 ? TLSH_ERR_CONFIG : TLSH_OK;
}

enum tlsh_err tlsh_cred_import(struct tlsh_cred *cred,
			       const gnutls_datum_t *der, size_t n,
			       gnutls_privkey_t key)
{
	enum tlsh_err err = TLSH_ERR_CONFIG;

	memset(cred, 0, sizeof(*cred));
	cred->key = key;
	if (n == 0 || n > TLSH_CHAIN_MAX)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		cred->der[i].data = gnutls_malloc(der[i].size);
		if (!cred->der[i].data) {
			err = TLSH_ERR_NOMEM;
			goto fail;
		}
		memcpy(cred->der[i].data, der[i].data, der[i].size);
		cred->der[i].size = der[i].size;
		cred->n++;
	}
	if (gnutls_x509_crt_init(&cred->leaf) < 0) {
		cred->leaf = NULL;
		err = TLSH_ERR_NOMEM;
		goto fail;
	}
	if (gnutls_x509_crt_import(cred->leaf, &cred->der[0],
				   GNUTLS_X509_FMT_DER) < 0)
		goto fail;
	cred->pk = (gnutls_pk_algorithm_t)
		gnutls_x509_crt_get_pk_algorithm(cred->leaf, &cred->bits);
	if (gnutls_privkey_get_pk_algorithm(key, NULL) != (int)cred->pk)
		goto fail;
	err = tlsh_sign_key_import(&cred->sk, key);
	if (err)
		goto fail;
	err = self_test(cred);
	if (err)
		goto fail;
	return TLSH_OK;
fail:
	tlsh_cred_free(cred);
	return err;
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
	gnutls_datum_t pem = { NULL, 0 }, der[TLSH_CHAIN_MAX];
	gnutls_privkey_t key = NULL;
	size_t nder = 0;
	enum tlsh_err err = TLSH_ERR_CONFIG;

	memset(cred, 0, sizeof(*cred));
	if (read_file(chain_path, &pem))
		return TLSH_ERR_CONFIG;
	if (gnutls_x509_crt_list_import2(&crts, &n, &pem, GNUTLS_X509_FMT_PEM,
					 0) < 0 || n == 0 || n > TLSH_CHAIN_MAX)
		goto out;
	for (; nder < n; nder++)
		if (gnutls_x509_crt_export2(crts[nder], GNUTLS_X509_FMT_DER,
					    &der[nder]) < 0)
			goto out;
	gnutls_free(pem.data);
	pem.data = NULL;
	if (read_file(key_path, &pem))
		goto out;
	if (gnutls_privkey_init(&key) < 0)
		goto out;
	if (gnutls_privkey_import_x509_raw(key, &pem, GNUTLS_X509_FMT_PEM,
					   NULL, 0) < 0) {
		gnutls_privkey_deinit(key);
		goto out;
	}
	err = tlsh_cred_import(cred, der, nder, key);
out:
	for (size_t i = 0; i < nder; i++)
		gnutls_free(der[i].data);
	for (unsigned int i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	if (pem.data) {
		explicit_bzero(pem.data, pem.size);
		gnutls_free(pem.data);
	}
	return err;
}

void tlsh_cred_free(struct tlsh_cred *cred)
{
	for (size_t i = 0; i < cred->n; i++)
		gnutls_free(cred->der[i].data);
	if (cred->key)
		gnutls_privkey_deinit(cred->key);
	if (cred->leaf)
		gnutls_x509_crt_deinit(cred->leaf);
	tlsh_sign_key_free(cred->sk);
	memset(cred, 0, sizeof(*cred));
}

bool tlsh_cred_can_sign12(const struct tlsh_cred *cred, uint16_t scheme)
{
	switch (scheme) {
	case TLSH_SIG_ECDSA_SECP256R1_SHA256:
	case TLSH_SIG_ECDSA_SECP384R1_SHA384:
	case TLSH_SIG_ECDSA_SECP521R1_SHA512:
		return cred->pk == GNUTLS_PK_ECDSA;
	default:
		return tlsh_cred_can_sign(cred, scheme);
	}
}

uint16_t tlsh_cred_pick_scheme(const struct tlsh_cred *cred,
			       const uint16_t *ours, size_t n,
			       struct tlsh_cur offered,
			       bool (*can_sign)(const struct tlsh_cred *cred,
						uint16_t scheme))
{
	for (size_t i = 0; i < n; i++)
		if (tlsh_u16_list_has(offered, ours[i]) && can_sign(cred, ours[i]))
			return ours[i];
	return 0;
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
	case TLSH_SIG_RSA_PKCS1_SHA256:	/* TLS 1.2 only */
	case TLSH_SIG_RSA_PKCS1_SHA384:
	case TLSH_SIG_RSA_PKCS1_SHA512:
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

bool tlsh_cred_matches_name(const struct tlsh_cred *cred, const char *name)
{
	return cred->leaf && name && *name &&
	       gnutls_x509_crt_check_hostname2(cred->leaf, name, 0);
}
