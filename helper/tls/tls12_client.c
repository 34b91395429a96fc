// SPDX-License-Identifier: GPL-2.0
/*
 * The client side of TLS 1.2 (RFC 5246): ECDHE (RFC 8422) or RSA key
 * transport, extended master secret (RFC 7627) and renegotiation_info
 * (RFC 5746) checked, the RFC 8446 downgrade sentinel honoured; a
 * CertificateRequest answered with a credential that fits (tls12_auth.c).
 */
#include <string.h>

#include "tls/hello.h"
#include "tls/names.h"
#include "tls/query.h"
#include "tls/tls12.h"
#include "tls/tls12_auth.h"
#include "tls/tls12_client.h"
#include "tls/tls12_ticket.h"

static bool listed(const uint16_t *v, size_t n, uint16_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static enum tlsh_err check_extensions(struct tlsh_conn *c,
				      const struct tlsh_server_hello *sh)
{
	const struct tlsh_exts *x = &sh->x;

	if (x->present & ~c->cli.sent_exts)
		return TLSH_ERR_UNSUPPORTED_EXTENSION;
	TRY(tlsh12_check_hello_exts(c, x));
	if (sh->alpn)
		return tlsh_alpn_accept(c, sh->alpn, sh->alpn_len);
	return TLSH_OK;
}

static bool our_group(const struct tlsh_conn *c, uint16_t g)
{
	size_t n;
	const uint16_t *groups = tlsh_cfg_groups(c->cfg, &n);

	return listed(groups, n, g) && tlsh_kex_supported(g);
}

/* The signature_algorithms we sent (see put_extensions in client.c). */
static bool our_scheme(const struct tlsh_conn *c, uint16_t s)
{
	const struct tlsh_config *cfg = c->cfg;

	if (cfg->sig_schemes && cfg->n_sig_schemes)
		return listed(cfg->sig_schemes, cfg->n_sig_schemes, s);
	return listed(tlsh_sig_all_schemes, tlsh_sig_all_schemes_n, s);
}

static enum tlsh_err recv_server_key_exchange(struct tlsh_conn *c,
					      const uint8_t *b, size_t len)
{
	struct tlsh_cur cur = tlsh_cur_make(b, len), pt, sig;
	uint8_t type, content[TLSH12_SKE_SIGNED_MAX];
	uint16_t group, scheme;
	size_t n;
	enum tlsh_err err;

	TRY(tlsh_cur_u8(&cur, &type));
	TRY(tlsh_cur_u16(&cur, &group));
	TRY(tlsh_cur_vec(&cur, 1, 1, 255, &pt));
	TRY(tlsh_cur_u16(&cur, &scheme));
	TRY(tlsh_cur_vec(&cur, 2, 1, 0xffff, &sig));
	TRY(tlsh_cur_end(&cur));
	/* named_curve, one we offered, an uncompressed point of its size */
	if (type != 3 || !our_group(c, group) ||
	    tlsh_cur_left(&pt) != tlsh_kex_pub_len(group) ||
	    !our_scheme(c, scheme))
		return TLSH_ERR_ILLEGAL_PARAMETER;
	n = tlsh12_ske_params(c, group, pt.p, tlsh_cur_left(&pt), content);
	err = tlsh_sig_verify12(&c->peer, scheme, content, n, sig.p,
				tlsh_cur_left(&sig));
	if (err == TLSH_ERR_DECRYPT)
		tlsh_set_reason(c, "bad ServerKeyExchange signature");
	if (err)
		return err;
	c->group = group;
	c->server_sig_scheme = scheme;
	memcpy(c->t12.peer_kx, pt.p, tlsh_cur_left(&pt));
	c->t12.peer_kx_len = tlsh_cur_left(&pt);
	return TLSH_OK;
}

static enum tlsh_err recv_server_hello_done(struct tlsh_conn *c,
					    const uint8_t *b, size_t len)
{
	(void)c;
	(void)b;
	return len ? TLSH_ERR_DECODE : TLSH_OK;
}

static enum tlsh_err send_client_key_exchange(struct tlsh_conn *c)
{
	const struct tlsh_config *cfg = c->cfg;
	struct tlsh_wbuf *w = &c->hs_out;
	uint8_t pms[TLSH_PRE_MASTER_RSA];
	size_t m, v, pms_len = sizeof(pms);
	enum tlsh_err err;

	m = tlsh_hs_open(w, TLSH_HS_CLIENT_KEY_EXCHANGE) - 1;
	if (c->suite->kx == TLSH_KX_RSA) {
		/* client_version: what our ClientHello said (0x0303). */
		cfg->random(cfg->random_ctx, sizeof(pms), pms);
		pms[0] = 0x03;
		pms[1] = 0x03;
		if (c->hooks && c->hooks->pre_master)
			c->hooks->pre_master(c, pms, sizeof(pms));
		err = tlsh12_rsa_encrypt_pms(c, pms, w);
	} else {
		tlsh_kex_wipe(&c->kex);
		err = tlsh_kex_generate(&c->kex, c->group, cfg->random_ctx,
					cfg->random);
		if (!err) {
			v = tlsh_vec_open(w, 1);
			tlsh_put_bytes(w, c->kex.pub, c->kex.pub_len);
			tlsh_vec_close(w, v, 1);
			err = tlsh_kex_shared(&c->kex, c->t12.peer_kx,
					      c->t12.peer_kx_len, pms, &pms_len);
		}
	}
	if (!err) {
		tlsh_msg_done(c, m);
		err = tlsh_wbuf_err(w);
	}
	return tlsh12_derive_keys(c, err, pms, pms_len);
}

/*
 * A CertificateRequest may come; then we answer it (tls12_auth.c). A
 * server that resumes our session ticket sends its Finished first (RFC
 * 5077 3.1, tls12_ticket.c).
 */
static const struct tlsh_step cli12_steps[] = {
	SEND(TLSH_HS_CLIENT_HELLO, tlsh_send_client_hello),
	RECV(TLSH_HS_SERVER_HELLO, tlsh_recv_server_hello),
	RECV(TLSH_HS_CERTIFICATE, tlsh12_recv_certificate,
	     .cond = TLSH_IF_NO_PSK),
	RECV(TLSH_HS_SERVER_KEY_EXCHANGE, recv_server_key_exchange,
	     .cond = TLSH_IF_NO_PSK | TLSH_IF_ECDHE12),
	RECV(TLSH_HS_CERTIFICATE_REQUEST, tlsh12_recv_certificate_request,
	     .optional = true, .cond = TLSH_IF_NO_PSK),
	RECV(TLSH_HS_SERVER_HELLO_DONE, recv_server_hello_done,
	     .cond = TLSH_IF_NO_PSK),
	SEND(TLSH_HS_CERTIFICATE, tlsh12_send_certificate,
	     .cond = TLSH_IF_CERT_REQUESTED),
	SEND(TLSH_HS_CLIENT_KEY_EXCHANGE, send_client_key_exchange,
	     .cond = TLSH_IF_NO_PSK),
	SEND(TLSH_HS_CERTIFICATE_VERIFY, tlsh12_send_certificate_verify,
	     .cond = TLSH_IF_OWN_CERT),
	SEND(TLSH_HS_FINISHED, tlsh12_send_ccs_finished,
	     .cond = TLSH_IF_NO_PSK),
	RECV(TLSH_HS_NEW_SESSION_TICKET, tlsh12_recv_new_session_ticket,
	     .cond = TLSH_IF_TICKET12),
	RECV(TLSH_MSG_CHANGE_CIPHER_SPEC, tlsh12_recv_ccs),
	RECV(TLSH_HS_FINISHED, tlsh12_recv_finished),
	SEND(TLSH_HS_FINISHED, tlsh12_send_ccs_finished, .cond = TLSH_IF_PSK),
};

static const struct tlsh_shape cli12_shape = SHAPE("TLS 1.2", cli12_steps);

enum tlsh_err tlsh12_client_server_hello(struct tlsh_conn *c,
					 const struct tlsh_server_hello *sh)
{
	const struct tlsh_suite *s = tlsh_suite_by_id(sh->suite);
	size_t n;
	const uint16_t *ours = tlsh_cfg_suites(c->cfg, &n);

	/* RFC 8446 4.1.3: a TLS 1.3 server would not have settled for less. */
	if (tlsh_client_offers13(c) && tlsh_downgrade_sentinel(sh->random)) {
		tlsh_set_reason(c, "downgrade to TLS 1.2 detected (RFC 8446 sentinel)");
		return TLSH_ERR_ILLEGAL_PARAMETER;
	}
	if (sh->version != TLSH_TLS12 || !tlsh12_client_offers(c)) {
		tlsh_set_reason(c, "server chose protocol version %04x",
				sh->version);
		return TLSH_ERR_PROTOCOL_VERSION;
	}
	if (!s || !tlsh_suite_is12(s) || !tlsh_suite_allowed(c->cfg, s) ||
	    !listed(ours, n, s->id))
		return TLSH_ERR_ILLEGAL_PARAMETER;
	if (sh->comp != 0) {
		tlsh_set_reason(c, "server chose compression method %u",
				sh->comp);
		return TLSH_ERR_ILLEGAL_PARAMETER;
	}
	TRY(check_extensions(c, sh));
	c->tls12 = true;
	c->version_agreed = true;
	c->version = TLSH_TLS12;
	c->suite = s;
	c->group = 0;	/* until ServerKeyExchange names one */
	memcpy(c->t12.server_random, sh->random, TLSH_RANDOM);
	tlsh_transcript_select(&c->tr, s->hash);
	tlsh_follow_shape(c, &cli12_shape);
	return tlsh12_ticket_client_server_hello(c, sh);
}
