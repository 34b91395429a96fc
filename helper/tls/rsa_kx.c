// SPDX-License-Identifier: GPL-2.0
/*
 * TLS 1.2 RSA key transport (RFC 5246 7.4.7.1). The server side is the
 * Bleichenbacher countermeasure: the ciphertext is decrypted with nettle's
 * side-channel silent rsa_sec_decrypt, the version check is branch-free,
 * and on any failure a random pre-master secret (drawn before decrypting)
 * silently takes the place of the real one. The handshake then goes on
 * exactly as with a good one, and fails only at the client's Finished
 * record, as any wrong key does.
 */
#include <string.h>

#include <gnutls/abstract.h>
#include <nettle/bignum.h>
#include <nettle/dsa.h>
#include <nettle/memops.h>
#include <nettle/rsa.h>

#include "tls/sign.h"
#include "tls/tls12.h"

enum tlsh_err tlsh12_rsa_encrypt_pms(struct tlsh_conn *c, const uint8_t *pms,
				     struct tlsh_wbuf *w)
{
	gnutls_datum_t n = { NULL, 0 }, e = { NULL, 0 };
	struct rsa_public_key pub;
	struct dsa_signature ct;	/* scratch bignum, as in sign.c */
	enum tlsh_err err = TLSH_ERR_UNSUPPORTED_CERTIFICATE;
	size_t v;
	uint8_t *p;

	if (gnutls_x509_crt_get_pk_rsa_raw(c->peer.crt[0], &n, &e) < 0)
		return TLSH_ERR_UNSUPPORTED_CERTIFICATE;
	rsa_public_key_init(&pub);
	dsa_signature_init(&ct);
	nettle_mpz_set_str_256_u(pub.n, n.size, n.data);
	nettle_mpz_set_str_256_u(pub.e, e.size, e.data);
	if (!rsa_public_key_prepare(&pub))
		goto out;
	err = TLSH_ERR_INTERNAL;
	if (!rsa_encrypt(&pub, c->cfg->random_ctx, c->cfg->random,
			 TLSH_PRE_MASTER_RSA, pms, ct.r))
		goto out;
	v = tlsh_vec_open(w, 2);
	p = tlsh_wbuf_reserve(w, pub.size);
	if (p)
		nettle_mpz_get_str_256(pub.size, p, ct.r);
	tlsh_vec_close(w, v, 2);
	err = tlsh_wbuf_err(w);
out:
	dsa_signature_clear(&ct);
	rsa_public_key_clear(&pub);
	gnutls_free(n.data);
	gnutls_free(e.data);
	return err;
}

enum tlsh_err tlsh12_rsa_decrypt_pms(struct tlsh_conn *c, const uint8_t *ct,
				     size_t len,
				     uint8_t pms[TLSH_PRE_MASTER_RSA])
{
	uint8_t fake[TLSH_PRE_MASTER_RSA], real[TLSH_PRE_MASTER_RSA];
	int ok;

	if (!c->cred || !c->cred->sk)
		return TLSH_ERR_INTERNAL;
	/* Drawn first, whatever the ciphertext holds. */
	c->cfg->random(c->cfg->random_ctx, sizeof(fake), fake);
	ok = tlsh_rsa_decrypt_pms(c->cred->sk, c->cfg->random_ctx,
				  c->cfg->random, ct, len, real, sizeof(real));
	/* client_version is the ClientHello's; compared without branches. */
	ok &= ((real[0] ^ (c->t12.client_version >> 8)) |
	       (real[1] ^ (c->t12.client_version & 0xff))) == 0;
	memcpy(pms, fake, sizeof(fake));
	cnd_memcpy(ok, pms, real, sizeof(real));
	explicit_bzero(fake, sizeof(fake));
	explicit_bzero(real, sizeof(real));
	return TLSH_OK;
}
