// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include <nettle/bignum.h>
#include <nettle/curve25519.h>
#include <nettle/dsa.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/memops.h>

#include "tls/kex.h"

bool tlsh_kex_supported(uint16_t group)
{
	return tlsh_kex_pub_len(group) != 0;
}

/* The NIST curve for a group, and its field size in bytes. */
static const struct ecc_curve *nist_curve(uint16_t group, size_t *size)
{
	switch (group) {
	case TLSH_GROUP_SECP256R1:
		*size = 32;
		return nettle_get_secp_256r1();
	case TLSH_GROUP_SECP384R1:
		*size = 48;
		return nettle_get_secp_384r1();
	default:
		*size = 0;
		return NULL;
	}
}

size_t tlsh_kex_pub_len(uint16_t group)
{
	size_t size;

	if (group == TLSH_GROUP_X25519)
		return CURVE25519_SIZE;
	return nist_curve(group, &size) ? 1 + 2 * size : 0;
}

/*
 * Curve points cross the nettle API as pairs of mpz_t. This file only links
 * against nettle/hogweed (not libgmp directly), so a struct dsa_signature,
 * whose init/clear live in hogweed, serves as the pair of integers.
 */
static void put_point(const struct ecc_point *p, size_t size, uint8_t *out)
{
	struct dsa_signature xy;

	dsa_signature_init(&xy);
	ecc_point_get(p, xy.r, xy.s);
	out[0] = 0x04;
	nettle_mpz_get_str_256(size, out + 1, xy.r);
	nettle_mpz_get_str_256(size, out + 1 + size, xy.s);
	dsa_signature_clear(&xy);
}

static void wipe_mpz(mpz_t x)
{
	explicit_bzero(x->_mp_d, (size_t)x->_mp_alloc * sizeof(mp_limb_t));
}

static enum tlsh_err nist_generate(struct tlsh_kex *k, uint16_t group,
				   void *random_ctx,
				   nettle_random_func *random)
{
	size_t size;
	const struct ecc_curve *curve = nist_curve(group, &size);
	struct ecc_scalar s;
	struct ecc_point pub;
	struct dsa_signature d;

	ecc_scalar_init(&s, curve);
	ecc_point_init(&pub, curve);
	/* Big-endian bytes from random, as the RFC 8448 traces list them. */
	ecc_scalar_random(&s, random_ctx, random);
	ecc_point_mul_g(&pub, &s);
	put_point(&pub, size, k->pub);
	k->pub_len = 1 + 2 * size;
	dsa_signature_init(&d);
	ecc_scalar_get(&s, d.r);
	nettle_mpz_get_str_256(size, k->priv, d.r);
	wipe_mpz(d.r);
	explicit_bzero(s.p, (size_t)ecc_size(curve) * sizeof(mp_limb_t));
	dsa_signature_clear(&d);
	ecc_point_clear(&pub);
	ecc_scalar_clear(&s);
	return TLSH_OK;
}

enum tlsh_err tlsh_kex_generate(struct tlsh_kex *k, uint16_t group,
				void *random_ctx, nettle_random_func *random)
{
	memset(k, 0, sizeof(*k));
	switch (group) {
	case TLSH_GROUP_X25519:
		random(random_ctx, CURVE25519_SIZE, k->priv);
		curve25519_mul_g(k->pub, k->priv);
		k->pub_len = CURVE25519_SIZE;
		break;
	case TLSH_GROUP_SECP256R1:
	case TLSH_GROUP_SECP384R1:
		if (nist_generate(k, group, random_ctx, random))
			return TLSH_ERR_INTERNAL;
		break;
	default:
		return TLSH_ERR_STATE;
	}
	k->group = group;
	return TLSH_OK;
}

static enum tlsh_err nist_shared(const struct tlsh_kex *k,
				 const uint8_t *peer, size_t len, uint8_t *out,
				 size_t *out_len)
{
	size_t size;
	const struct ecc_curve *curve = nist_curve(k->group, &size);
	struct ecc_point pp, r;
	struct ecc_scalar s;
	struct dsa_signature v;
	enum tlsh_err err = TLSH_OK;

	/* RFC 8446 4.2.8.2: only the uncompressed form. */
	if (len != 1 + 2 * size || peer[0] != 0x04)
		return TLSH_ERR_ILLEGAL_PARAMETER;
	dsa_signature_init(&v);
	ecc_point_init(&pp, curve);
	ecc_point_init(&r, curve);
	ecc_scalar_init(&s, curve);
	nettle_mpz_set_str_256_u(v.r, size, peer + 1);
	nettle_mpz_set_str_256_u(v.s, size, peer + 1 + size);
	/* ecc_point_set checks the coordinates are in range and on the curve. */
	if (!ecc_point_set(&pp, v.r, v.s)) {
		err = TLSH_ERR_ILLEGAL_PARAMETER;
		goto out;
	}
	nettle_mpz_set_str_256_u(v.r, size, k->priv);
	if (!ecc_scalar_set(&s, v.r)) {
		err = TLSH_ERR_INTERNAL;
		goto out;
	}
	ecc_point_mul(&r, &s, &pp);
	ecc_point_get(&r, v.r, NULL);
	nettle_mpz_get_str_256(size, out, v.r);
	*out_len = size;
out:
	/* The integers held the private scalar and the shared secret. */
	wipe_mpz(v.r);
	explicit_bzero(s.p, (size_t)ecc_size(curve) * sizeof(mp_limb_t));
	ecc_scalar_clear(&s);
	ecc_point_clear(&r);
	ecc_point_clear(&pp);
	dsa_signature_clear(&v);
	return err;
}

enum tlsh_err tlsh_kex_shared(const struct tlsh_kex *k, const uint8_t *peer,
			      size_t len, uint8_t *out, size_t *out_len)
{
	static const uint8_t zero[CURVE25519_SIZE];

	switch (k->group) {
	case TLSH_GROUP_X25519:
		if (len != CURVE25519_SIZE)
			return TLSH_ERR_ILLEGAL_PARAMETER;
		curve25519_mul(out, k->priv, peer);
		/* RFC 8446 7.4.2: reject the all-zero shared secret. */
		if (memeql_sec(out, zero, CURVE25519_SIZE)) {
			explicit_bzero(out, CURVE25519_SIZE);
			return TLSH_ERR_ILLEGAL_PARAMETER;
		}
		*out_len = CURVE25519_SIZE;
		return TLSH_OK;
	case TLSH_GROUP_SECP256R1:
	case TLSH_GROUP_SECP384R1:
		return nist_shared(k, peer, len, out, out_len);
	default:
		return TLSH_ERR_STATE;
	}
}

void tlsh_kex_wipe(struct tlsh_kex *k)
{
	explicit_bzero(k, sizeof(*k));
}
