// SPDX-License-Identifier: GPL-2.0
/*
 * TLS 1.2 client certificates, both roles: the server's
 * CertificateRequest, the client's Certificate and CertificateVerify.
 *
 * A TLS 1.2 CertificateVerify signs the handshake messages so far with
 * the hash of its scheme. The engine keeps only the negotiated suite's
 * running transcript hash, so both roles use schemes of that hash alone
 * (SHA-256, or SHA-384 for the *_SHA384 suites; Mbed TLS does the same):
 * the server lists only those, a client picks among them. Ed25519, which
 * signs the messages themselves, is not used here.
 */
#include <string.h>

#include "tls/query.h"
#include "tls/sign.h"
#include "tls/tls12.h"
#include "tls/tls12_auth.h"

/* ClientCertificateType (RFC 5246 7.4.4, RFC 8422 5.5). */
#define TLSH_CT_RSA_SIGN 1
#define TLSH_CT_ECDSA_SIGN 64

const uint16_t *tlsh12_schemes(const struct tlsh_config *cfg, size_t *n)
{
	if (cfg->sig_schemes && cfg->n_sig_schemes) {
		*n = cfg->n_sig_schemes;
		return cfg->sig_schemes;
	}
	*n = tlsh_sig_all_schemes_n;
	return tlsh_sig_all_schemes;
}

/* A scheme whose hash is the transcript's (see the top of the file). */
static bool fits_transcript(const struct tlsh_conn *c, uint16_t scheme)
{
	return tlsh_sign_hash_len(scheme) == c->suite->hash->len;
}

/* The certificate type a scheme needs: xx03 is ECDSA, the rest RSA. */
static uint8_t scheme_cert_type(uint16_t scheme)
{
	return (scheme & 0xff) == 3 ? TLSH_CT_ECDSA_SIGN : TLSH_CT_RSA_SIGN;
}

static uint8_t cred_cert_type(const struct tlsh_cred *cred)
{
	switch (cred->pk) {
	case GNUTLS_PK_ECDSA:
		return TLSH_CT_ECDSA_SIGN;
	case GNUTLS_PK_RSA:
	case GNUTLS_PK_RSA_PSS:
		return TLSH_CT_RSA_SIGN;
	default:
		return 0;
	}
}

/* ---- server ---- */

/*
 * certificate_authorities: cfg->client_ca_names (the --ca file's subjects)
 * or empty, which RFC 5246 7.4.4 reads as "any certificate of the types
 * listed"; the chain is verified against cfg->trust either way.
 */
enum tlsh_err tlsh12_send_certificate_request(struct tlsh_conn *c)
{
	struct tlsh_wbuf *w = &c->hs_out;
	size_t n, m, v, listed = 0;
	const uint16_t *s = tlsh12_schemes(c->cfg, &n);
	bool rsa = false, ecdsa = false;

	for (size_t i = 0; i < n; i++) {
		if (!fits_transcript(c, s[i]))
			continue;
		rsa |= scheme_cert_type(s[i]) == TLSH_CT_RSA_SIGN;
		ecdsa |= scheme_cert_type(s[i]) == TLSH_CT_ECDSA_SIGN;
		listed++;
	}
	if (!listed) {
		tlsh_set_reason(c, "no signature scheme of %s for a client certificate",
				c->suite->name);
		return TLSH_ERR_HANDSHAKE_FAILURE;
	}
	m = tlsh_hs_open(w, TLSH_HS_CERTIFICATE_REQUEST) - 1;
	v = tlsh_vec_open(w, 1);
	if (rsa)
		tlsh_put_u8(w, TLSH_CT_RSA_SIGN);
	if (ecdsa)
		tlsh_put_u8(w, TLSH_CT_ECDSA_SIGN);
	tlsh_vec_close(w, v, 1);
	v = tlsh_vec_open(w, 2);
	for (size_t i = 0; i < n; i++)
		if (fits_transcript(c, s[i]))
			tlsh_put_u16(w, s[i]);
	tlsh_vec_close(w, v, 2);
	v = tlsh_vec_open(w, 2);
	if (c->cfg->client_ca_names)
		tlsh_put_bytes(w, c->cfg->client_ca_names,
			       c->cfg->client_ca_names_len);
	tlsh_vec_close(w, v, 2);
	return tlsh_msg_end(c, m);
}

enum tlsh_err tlsh12_recv_client_certificate(struct tlsh_conn *c,
					     const uint8_t *b, size_t len)
{
	const struct tlsh_config *cfg = c->cfg;

	TRY(tlsh12_read_chain(c, b, len));
	if (!c->peer.n) {
		if (!cfg->require_client_cert)
			return TLSH_OK;
		/*
		 * RFC 5246 7.4.6: a server that requires one answers no
		 * certificate with a fatal handshake_failure (TLS 1.2 has no
		 * certificate_required).
		 */
		tlsh_set_reason(c, "client sent no certificate");
		return TLSH_ERR_HANDSHAKE_FAILURE;
	}
	c->peer_cert_sent = true;
	return tlsh_chain_verify(&c->peer, cfg->trust, NULL, false,
				 tlsh_now(c), c->reason, sizeof(c->reason));
}

/* RFC 5246 7.4.8: the scheme must be one our CertificateRequest listed. */
static bool requested(const struct tlsh_conn *c, uint16_t scheme)
{
	size_t n;
	const uint16_t *s = tlsh12_schemes(c->cfg, &n);

	for (size_t i = 0; i < n; i++)
		if (s[i] == scheme)
			return fits_transcript(c, scheme);
	return false;
}

/* Over everything before it: c->th_before (ClientKeyExchange included). */
enum tlsh_err tlsh12_recv_certificate_verify(struct tlsh_conn *c,
					     const uint8_t *b, size_t len)
{
	struct tlsh_cur cur = tlsh_cur_make(b, len), sig;
	uint16_t scheme;
	enum tlsh_err err;

	TRY(tlsh_cur_u16(&cur, &scheme));
	TRY(tlsh_cur_vec(&cur, 2, 0, 0xffff, &sig));
	TRY(tlsh_cur_end(&cur));
	if (!requested(c, scheme)) {
		tlsh_set_reason(c, "CertificateVerify scheme %04x was not requested",
				scheme);
		return TLSH_ERR_ILLEGAL_PARAMETER;
	}
	err = tlsh_sig_verify12_digest(&c->peer, scheme, c->th_before,
				       c->suite->hash->len, sig.p,
				       tlsh_cur_left(&sig));
	if (err == TLSH_ERR_DECRYPT)
		tlsh_set_reason(c, "bad CertificateVerify signature");
	else if (err == TLSH_ERR_ILLEGAL_PARAMETER)
		tlsh_set_reason(c,
				"CertificateVerify scheme %04x does not fit the certificate",
				scheme);
	if (err)
		return err;
	c->peer_cv_ok = true;
	return TLSH_OK;
}

/* ---- client ---- */

/*
 * The first credential, in configuration order, whose key is of a
 * requested type and can make a requested scheme of the transcript's
 * hash, by our preference; none leaves c->cred NULL (empty Certificate).
 */
static void choose_client_cred(struct tlsh_conn *c, struct tlsh_cur types,
			       struct tlsh_cur algs)
{
	size_t n_creds, n;
	const struct tlsh_cred *const *creds = tlsh_cfg_creds(c->cfg,
							      &n_creds);
	const uint16_t *s = tlsh12_schemes(c->cfg, &n);

	for (size_t k = 0; k < n_creds; k++) {
		uint8_t type = cred_cert_type(creds[k]);

		if (!type || !creds[k]->sk ||
		    !memchr(types.p, type, tlsh_cur_left(&types)))
			continue;
		for (size_t i = 0; i < n; i++) {
			if (fits_transcript(c, s[i]) &&
			    tlsh_u16_list_has(algs, s[i]) &&
			    tlsh_cred_can_sign12(creds[k], s[i])) {
				c->cred = creds[k];
				c->sig_scheme = s[i];
				return;
			}
		}
	}
}

enum tlsh_err tlsh12_recv_certificate_request(struct tlsh_conn *c,
					      const uint8_t *b, size_t len)
{
	struct tlsh_cur cur = tlsh_cur_make(b, len), types, algs, cas, dn;

	TRY(tlsh_cur_vec(&cur, 1, 1, 255, &types));
	TRY(tlsh_u16_list(&cur, &algs));
	TRY(tlsh_cur_vec(&cur, 2, 0, 0xffff, &cas));
	TRY(tlsh_cur_end(&cur));
	/* DistinguishedName <1..2^16-1> each, exactly filling the list. */
	while (tlsh_cur_left(&cas))
		TRY(tlsh_cur_vec(&cas, 2, 1, 0xffff, &dn));
	c->cli.cert_requested = true;
	choose_client_cred(c, types, algs);
	return TLSH_OK;
}

/* Signs the transcript hash through ClientKeyExchange (RFC 5246 7.4.8). */
enum tlsh_err tlsh12_send_certificate_verify(struct tlsh_conn *c)
{
	struct tlsh_wbuf *w = &c->hs_out;
	uint8_t th[TLSH_HASH_MAX];
	size_t m;

	tlsh_transcript_hash(&c->tr, th);
	m = tlsh_hs_open(w, TLSH_HS_CERTIFICATE_VERIFY) - 1;
	tlsh_put_u16(w, c->sig_scheme);
	TRY(tlsh_sign_digest(c->cred->sk, c->sig_scheme, th,
			     c->suite->hash->len, c->cfg->random_ctx,
			     c->cfg->random, w));
	return tlsh_msg_end(c, m);
}
