// SPDX-License-Identifier: GPL-2.0
/*
 * TLS 1.2 messages and steps both roles share: Certificate, the master
 * secret and key block, ChangeCipherSpec, Finished, and what may arrive
 * after the handshake (renegotiation is always refused).
 */
#include <string.h>

#include <nettle/memops.h>

#include "tls/conn.h"
#include "tls/query.h"
#include "tls/tls12.h"
#include "tls/tls12_ticket.h"

enum tlsh_err tlsh12_send_certificate(struct tlsh_conn *c)
{
	const struct tlsh_cred *cred = c->cred;
	struct tlsh_wbuf *w = &c->hs_out;
	size_t m = tlsh_hs_open(w, TLSH_HS_CERTIFICATE) - 1, list;

	list = tlsh_vec_open(w, 3);
	for (size_t i = 0; cred && i < cred->n; i++) {
		size_t d = tlsh_vec_open(w, 3);

		tlsh_put_bytes(w, cred->der[i].data, cred->der[i].size);
		tlsh_vec_close(w, d, 3);
	}
	tlsh_vec_close(w, list, 3);
	return tlsh_msg_end(c, m);
}

/* The server's key must suit the key exchange (RFC 5246 7.4.2, 8422 5.3). */
static enum tlsh_err check_leaf_kx(struct tlsh_conn *c)
{
	int pk = gnutls_x509_crt_get_pk_algorithm(c->peer.crt[0], NULL);
	bool ok;

	switch (c->suite->kx) {
	case TLSH_KX_ECDHE_ECDSA:
		ok = pk == GNUTLS_PK_ECDSA || pk == GNUTLS_PK_EDDSA_ED25519;
		break;
	case TLSH_KX_ECDHE_RSA:
		ok = pk == GNUTLS_PK_RSA || pk == GNUTLS_PK_RSA_PSS;
		break;
	default:
		ok = pk == GNUTLS_PK_RSA;
		break;
	}
	if (!ok) {
		tlsh_set_reason(c, "server certificate key does not fit %s",
				c->suite->name);
		return TLSH_ERR_UNSUPPORTED_CERTIFICATE;
	}
	return TLSH_OK;
}

enum tlsh_err tlsh12_read_chain(struct tlsh_conn *c, const uint8_t *b,
				size_t len)
{
	struct tlsh_cur cur = tlsh_cur_make(b, len), list;

	TRY(tlsh_cur_vec(&cur, 3, 0, 0xffffff, &list));
	TRY(tlsh_cur_end(&cur));
	while (tlsh_cur_left(&list)) {
		struct tlsh_cur der;

		TRY(tlsh_cur_vec(&list, 3, 1, 0xffffff, &der));
		TRY(tlsh_chain_add(&c->peer, der.p, tlsh_cur_left(&der)));
	}
	return TLSH_OK;
}

enum tlsh_err tlsh12_recv_certificate(struct tlsh_conn *c, const uint8_t *b,
				      size_t len)
{
	const struct tlsh_config *cfg = c->cfg;

	TRY(tlsh12_read_chain(c, b, len));
	/* The server's (RFC 5246 7.4.2): never empty. */
	if (!c->peer.n)
		return TLSH_ERR_DECODE;
	c->peer_cert_sent = true;
	TRY(check_leaf_kx(c));
	if (cfg->insecure_skip_verify)
		return TLSH_OK;
	return tlsh_chain_verify(&c->peer, cfg->trust, cfg->server_name, true,
				 tlsh_now(c), c->reason, sizeof(c->reason));
}

enum tlsh_err tlsh12_check_hello_exts(struct tlsh_conn *c,
				      const struct tlsh_exts *x)
{
	struct tlsh_cur b, v;

	if (tlsh_ext_has(x, TLSH_X_RENEGOTIATION_INFO)) {
		b = x->body[TLSH_X_RENEGOTIATION_INFO];
		TRY(tlsh_cur_vec(&b, 1, 0, 255, &v));
		TRY(tlsh_cur_end(&b));
		/* RFC 5746 3.4, 3.6: an initial handshake has nothing to bind to. */
		if (tlsh_cur_left(&v)) {
			tlsh_set_reason(c, "renegotiation_info is not empty");
			return TLSH_ERR_HANDSHAKE_FAILURE;
		}
		c->t12.peer_reneg_info = true;
	}
	if (tlsh_ext_has(x, TLSH_X_EXTENDED_MASTER_SECRET)) {
		if (tlsh_cur_left(&x->body[TLSH_X_EXTENDED_MASTER_SECRET]))
			return TLSH_ERR_DECODE;
		c->t12.ems = true;
	} else if (!c->cfg->allow_no_ems) {	/* RFC 7627 5.3 */
		tlsh_set_reason(c, c->server ?
				"client does not offer the extended master secret" :
				"server does not use the extended master secret");
		return TLSH_ERR_HANDSHAKE_FAILURE;
	}
	if (tlsh_ext_has(x, TLSH_X_EC_POINT_FORMATS)) {
		b = x->body[TLSH_X_EC_POINT_FORMATS];
		TRY(tlsh_cur_vec(&b, 1, 1, 255, &v));
		TRY(tlsh_cur_end(&b));
		/* RFC 8422 5.1.2: uncompressed must be among them. */
		if (!memchr(v.p, 0, tlsh_cur_left(&v)))
			return TLSH_ERR_ILLEGAL_PARAMETER;
		c->t12.peer_point_formats = true;
	}
	return TLSH_OK;
}

enum tlsh_err tlsh12_derive_keys(struct tlsh_conn *c, enum tlsh_err err,
				 uint8_t pms[TLSH_PRE_MASTER_RSA],
				 size_t pms_len)
{
	const struct tlsh_hash *h = c->suite->hash;
	uint8_t session_hash[TLSH_HASH_MAX];

	if (err) {
		explicit_bzero(pms, TLSH_PRE_MASTER_RSA);
		return err;
	}
	/* The transcript through ClientKeyExchange (RFC 7627 3). */
	tlsh_transcript_hash(&c->tr, session_hash);
	tlsh_master_secret(h, pms, pms_len, c->t12.ems, session_hash,
			   c->client_random, c->t12.server_random, c->t12.ms);
	explicit_bzero(pms, TLSH_PRE_MASTER_RSA);
	tlsh_key_block(c->suite, c->t12.ms, c->client_random,
		       c->t12.server_random, &c->t12.kb);
	if (c->cfg->keylog)
		c->cfg->keylog(c->cfg->keylog_ctx, "CLIENT_RANDOM",
			       c->client_random, c->t12.ms, TLSH_MASTER_SECRET);
	return TLSH_OK;
}

static void set_keys(struct tlsh_rec_dir *d, const struct tlsh_conn *c,
		     bool server_side)
{
	const struct tlsh_key_block *kb = &c->t12.kb;

	tlsh_rec_set_key(d, c->suite,
			 server_side ? kb->server_key : kb->client_key,
			 server_side ? kb->server_iv : kb->client_iv, 0);
}

enum tlsh_err tlsh12_recv_ccs(struct tlsh_conn *c, const uint8_t *b,
			      size_t len)
{
	(void)b;
	(void)len;
	set_keys(&c->rx, c, !c->server);
	c->rx_key_changed = true;
	return TLSH_OK;
}

enum tlsh_err tlsh12_send_ccs_finished(struct tlsh_conn *c)
{
	struct tlsh_wbuf *w = &c->hs_out;
	uint8_t th[TLSH_HASH_MAX], vd[TLSH_VERIFY_DATA];
	size_t m;

	TRY(tlsh_send_ccs(c));
	set_keys(&c->tx, c, c->server);
	tlsh_transcript_hash(&c->tr, th);
	tlsh_verify_data(c->suite->hash, c->t12.ms, c->server, th, vd);
	m = tlsh_hs_open(w, TLSH_HS_FINISHED) - 1;
	tlsh_put_bytes(w, vd, sizeof(vd));
	tlsh_msg_done(c, m);
	explicit_bzero(vd, sizeof(vd));
	return tlsh_wbuf_err(w);
}

enum tlsh_err tlsh12_recv_finished(struct tlsh_conn *c, const uint8_t *b,
				   size_t len)
{
	uint8_t vd[TLSH_VERIFY_DATA];
	int ok;

	if (len != TLSH_VERIFY_DATA)
		return TLSH_ERR_DECODE;
	tlsh_verify_data(c->suite->hash, c->t12.ms, !c->server, c->th_before,
			 vd);
	ok = memeql_sec(vd, b, TLSH_VERIFY_DATA);
	explicit_bzero(vd, sizeof(vd));
	if (!ok) {
		tlsh_set_reason(c, "bad Finished");
		return TLSH_ERR_DECRYPT;
	}
	if (!c->server)
		tlsh12_ticket_client_finished(c);
	return TLSH_OK;
}

enum tlsh_err tlsh12_post_message(struct tlsh_conn *c, uint8_t type)
{
	/* RFC 5746: this engine never renegotiates. */
	if ((type == TLSH_HS_HELLO_REQUEST && !c->server) ||
	    (type == TLSH_HS_CLIENT_HELLO && c->server)) {
		tlsh_set_reason(c, "peer asked to renegotiate; refused");
		return TLSH_ERR_NO_RENEGOTIATION;
	}
	return TLSH_ERR_UNEXPECTED_MESSAGE;
}

size_t tlsh12_ske_params(const struct tlsh_conn *c, uint16_t group,
			 const uint8_t *point, size_t point_len, uint8_t *out)
{
	size_t n = 0;

	/* client_random + server_random + ServerECDHParams (RFC 8422 5.4) */
	memcpy(out, c->client_random, TLSH_RANDOM);
	memcpy(out + TLSH_RANDOM, c->t12.server_random, TLSH_RANDOM);
	n = 2 * TLSH_RANDOM;
	out[n++] = 3;	/* named_curve */
	out[n++] = (uint8_t)(group >> 8);
	out[n++] = (uint8_t)group;
	out[n++] = (uint8_t)point_len;
	memcpy(out + n, point, point_len);
	return n + point_len;
}
