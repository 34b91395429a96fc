// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <nettle/bignum.h>
#include <nettle/dsa.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>
#include <nettle/eddsa.h>
#include <nettle/nettle-meta.h>
#include <nettle/rsa.h>
#include <nettle/sha2.h>

#include "tls/sig.h"
#include "tls/sign.h"

struct tlsh_sign_key {
	gnutls_pk_algorithm_t pk;
	struct rsa_public_key rsa_pub;
	struct rsa_private_key rsa_priv;
	const struct ecc_curve *curve;
	struct ecc_scalar ec;
	uint8_t ed_pub[ED25519_KEY_SIZE];
	uint8_t ed_priv[ED25519_KEY_SIZE];
};

/*
 * This code links against hogweed only, not libgmp directly: the pair of
 * integers in a struct dsa_signature (init/clear live in hogweed) serves as
 * scratch bignums.
 */
static void wipe_mpz(mpz_t x)
{
	explicit_bzero(x->_mp_d, (size_t)x->_mp_alloc * sizeof(mp_limb_t));
}

static void set_mpz(mpz_t x, const gnutls_datum_t *d)
{
	nettle_mpz_set_str_256_u(x, d->size, d->data);
}

static void free_datum(gnutls_datum_t *d)
{
	if (d->data) {
		explicit_bzero(d->data, d->size);
		gnutls_free(d->data);
	}
	d->data = NULL;
}

static enum tlsh_err import_rsa(struct tlsh_sign_key *k, gnutls_privkey_t key)
{
	gnutls_datum_t v[8] = { { NULL, 0 } };
	enum tlsh_err err = TLSH_ERR_CONFIG;

	rsa_public_key_init(&k->rsa_pub);
	rsa_private_key_init(&k->rsa_priv);
	/* n, e, d, p, q, u = q^-1 mod p, d mod (p-1), d mod (q-1) */
	if (gnutls_privkey_export_rsa_raw2(key, &v[0], &v[1], &v[2], &v[3],
					   &v[4], &v[5], &v[6], &v[7], 0) < 0)
		goto out;
	set_mpz(k->rsa_pub.n, &v[0]);
	set_mpz(k->rsa_pub.e, &v[1]);
	set_mpz(k->rsa_priv.d, &v[2]);
	set_mpz(k->rsa_priv.p, &v[3]);
	set_mpz(k->rsa_priv.q, &v[4]);
	set_mpz(k->rsa_priv.c, &v[5]);
	set_mpz(k->rsa_priv.a, &v[6]);
	set_mpz(k->rsa_priv.b, &v[7]);
	if (rsa_public_key_prepare(&k->rsa_pub) &&
	    rsa_private_key_prepare(&k->rsa_priv))
		err = TLSH_OK;
out:
	for (size_t i = 0; i < 8; i++)
		free_datum(&v[i]);
	return err;
}

static enum tlsh_err import_ecc(struct tlsh_sign_key *k, gnutls_privkey_t key)
{
	gnutls_ecc_curve_t curve;
	gnutls_datum_t x = { NULL, 0 }, y = { NULL, 0 }, priv = { NULL, 0 };
	struct dsa_signature tmp;
	enum tlsh_err err = TLSH_ERR_CONFIG;

	if (gnutls_privkey_export_ecc_raw2(key, &curve, &x, &y, &priv, 0) < 0)
		return TLSH_ERR_CONFIG;
	if (curve == GNUTLS_ECC_CURVE_ED25519) {
		if (x.size == ED25519_KEY_SIZE && priv.size == ED25519_KEY_SIZE) {
			memcpy(k->ed_pub, x.data, ED25519_KEY_SIZE);
			memcpy(k->ed_priv, priv.data, ED25519_KEY_SIZE);
			err = TLSH_OK;
		}
		goto out;
	}
	if (curve == GNUTLS_ECC_CURVE_SECP256R1)
		k->curve = nettle_get_secp_256r1();
	else if (curve == GNUTLS_ECC_CURVE_SECP384R1)
		k->curve = nettle_get_secp_384r1();
	else
		goto out;
	ecc_scalar_init(&k->ec, k->curve);
	dsa_signature_init(&tmp);
	set_mpz(tmp.r, &priv);
	if (ecc_scalar_set(&k->ec, tmp.r))
		err = TLSH_OK;
	wipe_mpz(tmp.r);
	dsa_signature_clear(&tmp);
	if (err) {
		ecc_scalar_clear(&k->ec);
		k->curve = NULL;
	}
out:
	free_datum(&x);
	free_datum(&y);
	free_datum(&priv);
	return err;
}

enum tlsh_err tlsh_sign_key_import(struct tlsh_sign_key **out,
				   gnutls_privkey_t key)
{
	struct tlsh_sign_key *k = calloc(1, sizeof(*k));
	enum tlsh_err err;

	*out = NULL;
	if (!k)
		return TLSH_ERR_NOMEM;
	k->pk = (gnutls_pk_algorithm_t)gnutls_privkey_get_pk_algorithm(key,
								       NULL);
	switch (k->pk) {
	case GNUTLS_PK_RSA:
	case GNUTLS_PK_RSA_PSS:
		err = import_rsa(k, key);
		break;
	case GNUTLS_PK_ECDSA:
	case GNUTLS_PK_EDDSA_ED25519:
		err = import_ecc(k, key);
		break;
	default:
		err = TLSH_ERR_CONFIG;
		break;
	}
	if (err) {
		tlsh_sign_key_free(k);
		return err;
	}
	*out = k;
	return TLSH_OK;
}

void tlsh_sign_key_free(struct tlsh_sign_key *k)
{
	if (!k)
		return;
	if (k->pk == GNUTLS_PK_RSA || k->pk == GNUTLS_PK_RSA_PSS) {
		wipe_mpz(k->rsa_priv.d);
		wipe_mpz(k->rsa_priv.p);
		wipe_mpz(k->rsa_priv.q);
		wipe_mpz(k->rsa_priv.a);
		wipe_mpz(k->rsa_priv.b);
		wipe_mpz(k->rsa_priv.c);
		rsa_private_key_clear(&k->rsa_priv);
		rsa_public_key_clear(&k->rsa_pub);
	}
	if (k->curve) {
		explicit_bzero(k->ec.p, (size_t)ecc_size(k->curve) *
			       sizeof(mp_limb_t));
		ecc_scalar_clear(&k->ec);
	}
	explicit_bzero(k, sizeof(*k));
	free(k);
}

/* The hash a scheme signs with (NULL: none, or Ed25519's own). */
static const struct nettle_hash *scheme_hash(uint16_t scheme)
{
	switch (scheme) {
	case TLSH_SIG_ECDSA_SECP256R1_SHA256:
	case TLSH_SIG_RSA_PSS_RSAE_SHA256:
	case TLSH_SIG_RSA_PSS_PSS_SHA256:
	case TLSH_SIG_RSA_PKCS1_SHA256:
		return &nettle_sha256;
	case TLSH_SIG_ECDSA_SECP384R1_SHA384:
	case TLSH_SIG_RSA_PSS_RSAE_SHA384:
	case TLSH_SIG_RSA_PSS_PSS_SHA384:
	case TLSH_SIG_RSA_PKCS1_SHA384:
		return &nettle_sha384;
	case TLSH_SIG_ECDSA_SECP521R1_SHA512:	/* TLS 1.2: SHA-512 */
	case TLSH_SIG_RSA_PSS_RSAE_SHA512:
	case TLSH_SIG_RSA_PSS_PSS_SHA512:
	case TLSH_SIG_RSA_PKCS1_SHA512:
		return &nettle_sha512;
	default:
		return NULL;
	}
}

/* Hash for a scheme: digest into out, returns its length (0: none). */
static size_t scheme_digest(uint16_t scheme, const uint8_t *msg, size_t len,
			    uint8_t out[SHA512_DIGEST_SIZE])
{
	union {
		struct sha256_ctx s256;
		struct sha512_ctx s512;
	} ctx;
	const struct nettle_hash *h = scheme_hash(scheme);

	if (!h)
		return 0;
	h->init(&ctx);
	h->update(&ctx, len, msg);
	h->digest(&ctx, h->digest_size, out);
	return h->digest_size;
}

size_t tlsh_sign_hash_len(uint16_t scheme)
{
	const struct nettle_hash *h = scheme_hash(scheme);

	return h ? h->digest_size : 0;
}

/* Write the RSA signature s, if ok, at the modulus' length; clears s. */
static enum tlsh_err put_rsa_signature(const struct tlsh_sign_key *k,
				       struct dsa_signature *s, int ok,
				       struct tlsh_wbuf *w)
{
	uint8_t *p = ok ? tlsh_wbuf_reserve(w, k->rsa_pub.size) : NULL;

	if (p)
		nettle_mpz_get_str_256(k->rsa_pub.size, p, s->r);
	dsa_signature_clear(s);
	if (!ok)
		return TLSH_ERR_INTERNAL;
	return tlsh_wbuf_err(w);
}

static enum tlsh_err sign_pss(const struct tlsh_sign_key *k, size_t hlen,
			      const uint8_t *digest, void *rctx,
			      nettle_random_func *random, struct tlsh_wbuf *w)
{
	uint8_t salt[SHA512_DIGEST_SIZE];
	struct dsa_signature s;
	int ok;

	random(rctx, hlen, salt);
	dsa_signature_init(&s);
	if (hlen == SHA256_DIGEST_SIZE)
		ok = rsa_pss_sha256_sign_digest_tr(&k->rsa_pub, &k->rsa_priv,
						   rctx, random, hlen, salt,
						   digest, s.r);
	else if (hlen == SHA384_DIGEST_SIZE)
		ok = rsa_pss_sha384_sign_digest_tr(&k->rsa_pub, &k->rsa_priv,
						   rctx, random, hlen, salt,
						   digest, s.r);
	else
		ok = rsa_pss_sha512_sign_digest_tr(&k->rsa_pub, &k->rsa_priv,
						   rctx, random, hlen, salt,
						   digest, s.r);
	return put_rsa_signature(k, &s, ok, w);
}

/* RSASSA-PKCS1-v1_5 (TLS 1.2 only), blinded with random. */
static enum tlsh_err sign_pkcs1(const struct tlsh_sign_key *k, size_t hlen,
				const uint8_t *digest, void *rctx,
				nettle_random_func *random,
				struct tlsh_wbuf *w)
{
	/* DigestInfo prefix for SHA-384 (RFC 8017 9.2, note 1). */
	static const uint8_t sha384_info[19] = {
		0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
		0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30,
	};
	uint8_t info[sizeof(sha384_info) + SHA384_DIGEST_SIZE];
	struct dsa_signature s;
	int ok;

	dsa_signature_init(&s);
	if (hlen == SHA256_DIGEST_SIZE) {
		ok = rsa_sha256_sign_digest_tr(&k->rsa_pub, &k->rsa_priv, rctx,
					       random, digest, s.r);
	} else if (hlen == SHA384_DIGEST_SIZE) {
		memcpy(info, sha384_info, sizeof(sha384_info));
		memcpy(info + sizeof(sha384_info), digest, hlen);
		ok = rsa_pkcs1_sign_tr(&k->rsa_pub, &k->rsa_priv, rctx, random,
				       sizeof(info), info, s.r);
	} else {
		ok = rsa_sha512_sign_digest_tr(&k->rsa_pub, &k->rsa_priv, rctx,
					       random, digest, s.r);
	}
	return put_rsa_signature(k, &s, ok, w);
}

static bool is_pkcs1(uint16_t scheme)
{
	return scheme == TLSH_SIG_RSA_PKCS1_SHA256 ||
	       scheme == TLSH_SIG_RSA_PKCS1_SHA384 ||
	       scheme == TLSH_SIG_RSA_PKCS1_SHA512;
}

int tlsh_rsa_decrypt_pms(const struct tlsh_sign_key *k, void *random_ctx,
			 nettle_random_func *random, const uint8_t *ct,
			 size_t ct_len, uint8_t *out, size_t out_len)
{
	struct dsa_signature tmp;
	int ok;

	if (k->pk != GNUTLS_PK_RSA)
		return 0;
	dsa_signature_init(&tmp);
	nettle_mpz_set_str_256_u(tmp.r, ct_len, ct);
	/*
	 * Side-channel silent: no branch or memory access depends on the
	 * padding, and out is written whatever the result.
	 */
	ok = rsa_sec_decrypt(&k->rsa_pub, &k->rsa_priv, random_ctx, random,
			     out_len, out, tmp.r);
	dsa_signature_clear(&tmp);
	/* A ciphertext of the wrong size (public) fails like bad padding. */
	return ok & (ct_len == k->rsa_pub.size);
}

size_t tlsh_rsa_key_size(const struct tlsh_sign_key *k)
{
	return k->pk == GNUTLS_PK_RSA ? k->rsa_pub.size : 0;
}

static void mpz_datum(mpz_t x, uint8_t *buf, gnutls_datum_t *d)
{
	d->size = (unsigned int)nettle_mpz_sizeinbase_256_u(x);
	nettle_mpz_get_str_256(d->size, buf, x);
	d->data = buf;
}

static enum tlsh_err sign_ecdsa(const struct tlsh_sign_key *k, size_t hlen,
				const uint8_t *digest, void *rctx,
				nettle_random_func *random, struct tlsh_wbuf *w)
{
	struct dsa_signature s;
	uint8_t rb[72], sb[72];
	gnutls_datum_t r, sd, der = { NULL, 0 };
	int ret;

	dsa_signature_init(&s);
	ecdsa_sign(&k->ec, rctx, random, hlen, digest, &s);
	mpz_datum(s.r, rb, &r);
	mpz_datum(s.s, sb, &sd);
	/* DER SEQUENCE { r, s }: GnuTLS does the ASN.1. */
	ret = gnutls_encode_rs_value(&der, &r, &sd);
	dsa_signature_clear(&s);
	if (ret < 0)
		return TLSH_ERR_INTERNAL;
	tlsh_put_bytes(w, der.data, der.size);
	gnutls_free(der.data);
	return tlsh_wbuf_err(w);
}

enum tlsh_err tlsh_sign(const struct tlsh_sign_key *k, uint16_t scheme,
			const uint8_t *msg, size_t len, void *random_ctx,
			nettle_random_func *random, struct tlsh_wbuf *w)
{
	uint8_t digest[SHA512_DIGEST_SIZE];
	size_t mark, hlen;

	if (scheme == TLSH_SIG_ED25519) {
		uint8_t *p;

		if (k->pk != GNUTLS_PK_EDDSA_ED25519)
			return TLSH_ERR_STATE;
		mark = tlsh_vec_open(w, 2);
		p = tlsh_wbuf_reserve(w, ED25519_SIGNATURE_SIZE);
		if (p)
			ed25519_sha512_sign(k->ed_pub, k->ed_priv, len, msg, p);
		tlsh_vec_close(w, mark, 2);
		return tlsh_wbuf_err(w);
	}
	hlen = scheme_digest(scheme, msg, len, digest);
	if (!hlen)
		return TLSH_ERR_STATE;
	return tlsh_sign_digest(k, scheme, digest, hlen, random_ctx, random,
				w);
}

enum tlsh_err tlsh_sign_digest(const struct tlsh_sign_key *k, uint16_t scheme,
			       const uint8_t *digest, size_t hlen,
			       void *random_ctx, nettle_random_func *random,
			       struct tlsh_wbuf *w)
{
	size_t mark;
	enum tlsh_err err;

	/* The digest must be the scheme's (Ed25519 has none). */
	if (!hlen || tlsh_sign_hash_len(scheme) != hlen)
		return TLSH_ERR_STATE;
	mark = tlsh_vec_open(w, 2);
	if (k->curve)
		err = sign_ecdsa(k, hlen, digest, random_ctx, random, w);
	else if (k->pk == GNUTLS_PK_RSA && is_pkcs1(scheme))
		err = sign_pkcs1(k, hlen, digest, random_ctx, random, w);
	else if (k->pk == GNUTLS_PK_RSA || k->pk == GNUTLS_PK_RSA_PSS)
		err = sign_pss(k, hlen, digest, random_ctx, random, w);
	else
		err = TLSH_ERR_STATE;
	tlsh_vec_close(w, mark, 2);
	return err;
}
