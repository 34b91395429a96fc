// SPDX-License-Identifier: GPL-2.0
/*
 * The server side of TLS 1.2 (RFC 5246): the full handshake with ECDHE
 * (RFC 8422) or RSA key transport, extended master secret (RFC 7627),
 * renegotiation_info (RFC 5746), client certificates when verify_client
 * (tls12_auth.c); session tickets (RFC 5077) and the abbreviated handshake
 * in tls12_ticket.c. The ServerHello's session_id is empty unless it
 * echoes the client's to resume.
 */
#include <string.h>

#include "tls/hello.h"
#include "tls/names.h"
#include "tls/query.h"
#include "tls/sign.h"
#include "tls/tls12.h"
#include "tls/tls12_auth.h"
#include "tls/tls12_server.h"
#include "tls/tls12_ticket.h"

static enum tlsh_err check_hello(struct tlsh_conn *c,
				 const struct tlsh_client_hello *ch)
{
	/* RFC 5246 7.4.1.2: null must be offered; nothing else is used. */
	if (!memchr(ch->comp.p, 0, tlsh_cur_left(&ch->comp))) {
		tlsh_set_reason(c, "ClientHello without the null compression method");
		return TLSH_ERR_ILLEGAL_PARAMETER;
	}
	/* TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
	if (tlsh_u16_list_has(ch->suites, 0x00ff))
		c->t12.peer_reneg_info = true;
	return tlsh12_check_hello_exts(c, &ch->x);
}

/*
 * RFC 8422 5.3: an ECDSA certificate's curve must be one the client lists
 * in supported_groups (when it sends the extension).
 */
static bool curve_ok(const struct tlsh_cred *cred,
		     const struct tlsh_client_hello *ch)
{
	uint16_t g = cred->bits == 384 ? TLSH_GROUP_SECP384R1 :
		     TLSH_GROUP_SECP256R1;

	return cred->pk != GNUTLS_PK_ECDSA ||
	       !tlsh_ext_has(&ch->x, TLSH_X_SUPPORTED_GROUPS) ||
	       tlsh_u16_list_has(ch->groups, g);
}

static bool cred_fits(const struct tlsh_cred *cred, enum tlsh_kx kx,
		      const struct tlsh_client_hello *ch)
{
	switch (kx) {
	case TLSH_KX_ECDHE_ECDSA:
		return (cred->pk == GNUTLS_PK_ECDSA && curve_ok(cred, ch)) ||
		       cred->pk == GNUTLS_PK_EDDSA_ED25519;
	case TLSH_KX_ECDHE_RSA:
		return cred->pk == GNUTLS_PK_RSA || cred->pk == GNUTLS_PK_RSA_PSS;
	case TLSH_KX_RSA:
		return cred->pk == GNUTLS_PK_RSA && tlsh_rsa_key_size(cred->sk);
	default:
		return false;
	}
}

/*
 * Our first scheme the client lists in signature_algorithms that the key
 * can make, one naming the key's curve first; then, as an ECDSA scheme
 * names only the hash in TLS 1.2 (RFC 5246 7.4.1.4.1), any ECDSA one
 * (also {sha512,ecdsa}, which we do not offer ourselves). Without the
 * extension RFC 5246 7.4.1.4.1 means SHA-1, which this engine does not
 * sign with: no scheme.
 */
static uint16_t scheme_for(const struct tlsh_conn *c,
			   const struct tlsh_cred *cred,
			   const struct tlsh_client_hello *ch)
{
	size_t n;
	const uint16_t *s = tlsh12_schemes(c->cfg, &n);
	uint16_t scheme = tlsh_cred_pick_scheme(cred, s, n, ch->sigalgs,
						tlsh_cred_can_sign);

	if (scheme || cred->pk != GNUTLS_PK_ECDSA)
		return scheme;
	scheme = tlsh_cred_pick_scheme(cred, s, n, ch->sigalgs,
				       tlsh_cred_can_sign12);
	if (scheme)
		return scheme;
	if (s == tlsh_sig_all_schemes &&
	    tlsh_u16_list_has(ch->sigalgs, TLSH_SIG_ECDSA_SECP521R1_SHA512))
		return TLSH_SIG_ECDSA_SECP521R1_SHA512;
	return 0;
}

/* Our first group the client supports (any of ours if it does not say). */
static uint16_t choose_group(const struct tlsh_conn *c,
			     const struct tlsh_client_hello *ch)
{
	size_t n;
	const uint16_t *g = tlsh_cfg_groups(c->cfg, &n);
	bool any = !tlsh_ext_has(&ch->x, TLSH_X_SUPPORTED_GROUPS);

	for (size_t i = 0; i < n; i++)
		if (tlsh_kex_supported(g[i]) &&
		    (any || tlsh_u16_list_has(ch->groups, g[i])))
			return g[i];
	return 0;
}

/* Whether cred can serve suite s (by_name: only a cred for the SNI name). */
static bool usable(const struct tlsh_conn *c,
		   const struct tlsh_client_hello *ch,
		   const struct tlsh_suite *s, const struct tlsh_cred *cred,
		   bool by_name, uint16_t *scheme)
{
	if (by_name && !(c->has_sni && tlsh_cred_matches_name(cred, c->sni)))
		return false;
	if (!cred_fits(cred, s->kx, ch))
		return false;
	*scheme = s->kx == TLSH_KX_RSA ? 0 : scheme_for(c, cred, ch);
	return s->kx == TLSH_KX_RSA || *scheme;
}

/*
 * Our most preferred suite the client offers for which a credential fits;
 * credentials for the client's SNI name first.
 */
static enum tlsh_err choose(struct tlsh_conn *c,
			    const struct tlsh_client_hello *ch, uint16_t group)
{
	size_t n_suites, n_creds;
	const uint16_t *ours = tlsh_cfg_suites(c->cfg, &n_suites);
	const struct tlsh_cred *const *creds = tlsh_cfg_creds(c->cfg,
							      &n_creds);
	uint16_t scheme;

	for (int by_name = 1; by_name >= 0; by_name--) {
		for (size_t i = 0; i < n_suites; i++) {
			const struct tlsh_suite *s = tlsh_suite_by_id(ours[i]);

			if (!s || !tlsh_suite_is12(s) ||
			    !tlsh_suite_allowed(c->cfg, s) ||
			    !tlsh_u16_list_has(ch->suites, s->id) ||
			    (s->kx != TLSH_KX_RSA && !group))
				continue;
			for (size_t k = 0; k < n_creds; k++) {
				if (!usable(c, ch, s, creds[k], by_name,
					    &scheme))
					continue;
				c->suite = s;
				c->cred = creds[k];
				c->sig_scheme = scheme;
				c->server_sig_scheme = scheme;
				return TLSH_OK;
			}
		}
	}
	tlsh_set_reason(c, "no common cipher suite");
	return TLSH_ERR_HANDSHAKE_FAILURE;
}

static enum tlsh_err send_server_hello(struct tlsh_conn *c)
{
	struct tlsh_wbuf *w = &c->hs_out;
	size_t m, x, e;

	c->cfg->random(c->cfg->random_ctx, TLSH_RANDOM, c->random);
	/* RFC 8446 4.1.3: we could have done TLS 1.3. */
	if (tlsh_cfg_speaks(c->cfg, TLSH_TLS13))
		memcpy(c->random + TLSH_RANDOM - 8, "DOWNGRD\x01", 8);
	memcpy(c->t12.server_random, c->random, TLSH_RANDOM);
	m = tlsh_hs_open(w, TLSH_HS_SERVER_HELLO) - 1;
	tlsh_put_u16(w, TLSH_TLS12);
	tlsh_put_bytes(w, c->random, TLSH_RANDOM);
	/* Empty, or the client's echoed when resuming (RFC 5077 3.4). */
	x = tlsh_vec_open(w, 1);
	tlsh_put_bytes(w, c->session_id, c->session_id_len);
	tlsh_vec_close(w, x, 1);
	tlsh_put_u16(w, c->suite->id);
	tlsh_put_u8(w, 0);	/* null compression */
	x = tlsh_vec_open(w, 2);
	if (c->t12.peer_reneg_info) {
		e = tlsh_ext_open(w, TLSH_X_RENEGOTIATION_INFO);
		tlsh_put_u8(w, 0);
		tlsh_ext_close(w, e);
	}
	if (c->t12.ems) {
		e = tlsh_ext_open(w, TLSH_X_EXTENDED_MASTER_SECRET);
		tlsh_ext_close(w, e);
	}
	if (c->suite->kx != TLSH_KX_RSA && c->t12.peer_point_formats) {
		e = tlsh_ext_open(w, TLSH_X_EC_POINT_FORMATS);
		tlsh_put_u8(w, 1);
		tlsh_put_u8(w, 0);	/* uncompressed */
		tlsh_ext_close(w, e);
	}
	tlsh_names_put_answer(c, w);
	tlsh12_ticket_put_sh_ext(c, w);
	tlsh_vec_close(w, x, 2);
	return tlsh_msg_end(c, m);
}

static enum tlsh_err send_server_key_exchange(struct tlsh_conn *c)
{
	struct tlsh_wbuf *w = &c->hs_out;
	uint8_t content[TLSH12_SKE_SIGNED_MAX];
	size_t n, m;

	n = tlsh12_ske_params(c, c->kex.group, c->kex.pub, c->kex.pub_len,
			      content);
	m = tlsh_hs_open(w, TLSH_HS_SERVER_KEY_EXCHANGE) - 1;
	tlsh_put_bytes(w, content + 2 * TLSH_RANDOM, n - 2 * TLSH_RANDOM);
	tlsh_put_u16(w, c->sig_scheme);
	TRY(tlsh_sig_sign(c->cred, c->sig_scheme, content, n,
			  c->cfg->random_ctx, c->cfg->random, w));
	return tlsh_msg_end(c, m);
}

static enum tlsh_err send_server_hello_done(struct tlsh_conn *c)
{
	size_t m = tlsh_hs_open(&c->hs_out, TLSH_HS_SERVER_HELLO_DONE) - 1;

	return tlsh_msg_end(c, m);
}

static enum tlsh_err recv_client_key_exchange(struct tlsh_conn *c,
					      const uint8_t *b, size_t len)
{
	struct tlsh_cur cur = tlsh_cur_make(b, len), v;
	uint8_t pms[TLSH_PRE_MASTER_RSA];
	size_t pms_len = sizeof(pms);
	enum tlsh_err err;

	if (c->suite->kx == TLSH_KX_RSA) {
		/* The ciphertext's framing is public; its content is not. */
		TRY(tlsh_cur_vec(&cur, 2, 0, 0xffff, &v));
		TRY(tlsh_cur_end(&cur));
		err = tlsh12_rsa_decrypt_pms(c, v.p, tlsh_cur_left(&v), pms);
	} else {
		TRY(tlsh_cur_vec(&cur, 1, 1, 255, &v));
		TRY(tlsh_cur_end(&cur));
		if (tlsh_cur_left(&v) != tlsh_kex_pub_len(c->group))
			return TLSH_ERR_ILLEGAL_PARAMETER;
		err = tlsh_kex_shared(&c->kex, v.p, tlsh_cur_left(&v), pms,
				      &pms_len);
	}
	return tlsh12_derive_keys(c, err, pms, pms_len);
}

/* Resuming a session ticket, our Finished goes first (RFC 5077 3.1). */
static const struct tlsh_step srv12_steps[] = {
	RECV(TLSH_HS_CLIENT_HELLO, tlsh_recv_client_hello),
	SEND(TLSH_HS_SERVER_HELLO, send_server_hello),
	SEND(TLSH_HS_CERTIFICATE, tlsh12_send_certificate,
	     .cond = TLSH_IF_NO_PSK),
	SEND(TLSH_HS_SERVER_KEY_EXCHANGE, send_server_key_exchange,
	     .cond = TLSH_IF_NO_PSK | TLSH_IF_ECDHE12),
	SEND(TLSH_HS_CERTIFICATE_REQUEST, tlsh12_send_certificate_request,
	     .cond = TLSH_IF_NO_PSK | TLSH_IF_VERIFY_CLIENT),
	SEND(TLSH_HS_SERVER_HELLO_DONE, send_server_hello_done,
	     .cond = TLSH_IF_NO_PSK),
	RECV(TLSH_HS_CERTIFICATE, tlsh12_recv_client_certificate,
	     .cond = TLSH_IF_NO_PSK | TLSH_IF_VERIFY_CLIENT),
	RECV(TLSH_HS_CLIENT_KEY_EXCHANGE, recv_client_key_exchange,
	     .cond = TLSH_IF_NO_PSK),
	RECV(TLSH_HS_CERTIFICATE_VERIFY, tlsh12_recv_certificate_verify,
	     .cond = TLSH_IF_PEER_CERT),
	SEND(TLSH_HS_NEW_SESSION_TICKET, tlsh12_send_new_session_ticket,
	     .cond = TLSH_IF_PSK | TLSH_IF_TICKET12),
	SEND(TLSH_HS_FINISHED, tlsh12_send_ccs_finished_resumed,
	     .cond = TLSH_IF_PSK),
	RECV(TLSH_MSG_CHANGE_CIPHER_SPEC, tlsh12_recv_ccs),
	RECV(TLSH_HS_FINISHED, tlsh12_recv_finished),
	SEND(TLSH_HS_NEW_SESSION_TICKET, tlsh12_send_new_session_ticket,
	     .cond = TLSH_IF_NO_PSK | TLSH_IF_TICKET12),
	SEND(TLSH_HS_FINISHED, tlsh12_send_ccs_finished,
	     .cond = TLSH_IF_NO_PSK),
};

static const struct tlsh_shape srv12_shape = SHAPE("TLS 1.2", srv12_steps);

enum tlsh_err tlsh12_server_start(struct tlsh_conn *c,
				  const struct tlsh_client_hello *ch)
{
	uint16_t group;
	bool resumed;

	TRY(check_hello(c, ch));
	c->tls12 = true;
	c->version_agreed = true;
	c->version = TLSH_TLS12;
	c->t12.client_version = ch->legacy_version;
	c->shape = &srv12_shape;
	TRY(tlsh12_ticket_server_hello(c, ch, &resumed));
	if (resumed) {
		tlsh_transcript_select(&c->tr, c->suite->hash);
		return TLSH_OK;
	}
	group = choose_group(c, ch);
	TRY(choose(c, ch, group));
	tlsh_transcript_select(&c->tr, c->suite->hash);
	if (c->suite->kx == TLSH_KX_RSA)
		return TLSH_OK;
	c->group = group;
	return tlsh_kex_generate(&c->kex, group, c->cfg->random_ctx,
				 c->cfg->random);
}
