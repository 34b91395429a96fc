// SPDX-License-Identifier: GPL-2.0
/* The server side of the TLS 1.3 handshake. */
#include <string.h>

#include "tls/common.h"
#include "tls/conn.h"
#include "tls/hello.h"
#include "tls/keys.h"
#include "tls/names.h"
#include "tls/psk.h"
#include "tls/query.h"
#include "tls/ticket.h"
#include "tls/tls13.h"

static bool offered(struct tlsh_cur list, uint16_t v)
{
	return tlsh_u16_list_has(list, v);
}

static enum tlsh_err choose_suite(struct tlsh_conn *c,
				  const struct tlsh_client_hello *ch)
{
	size_t n;
	const uint16_t *ours = tlsh_cfg_suites(c->cfg, &n);

	for (size_t i = 0; i < n; i++) {
		const struct tlsh_suite *s = tlsh_suite_by_id(ours[i]);

		if (s && !tlsh_suite_is12(s) && offered(ch->suites, ours[i])) {
			c->suite = s;
			return TLSH_OK;
		}
	}
	tlsh_set_reason(c, "no common cipher suite");
	return TLSH_ERR_HANDSHAKE_FAILURE;
}

/*
 * A group both sides support, preferring one the client already sent a
 * share for (no HelloRetryRequest); *have_share says which case it is.
 */
static enum tlsh_err choose_group(struct tlsh_conn *c,
				  const struct tlsh_client_hello *ch,
				  bool *have_share)
{
	size_t n;
	const uint16_t *ours = tlsh_cfg_groups(c->cfg, &n);
	const uint8_t *kx;
	size_t kx_len;
	uint16_t fallback = 0;

	for (size_t i = 0; i < n; i++) {
		if (!tlsh_kex_supported(ours[i]) || !offered(ch->groups, ours[i]))
			continue;
		if (tlsh_ch_find_share(ch->shares, ours[i], &kx, &kx_len)) {
			c->group = ours[i];
			*have_share = true;
			return TLSH_OK;
		}
		if (!fallback)
			fallback = ours[i];
	}
	if (!fallback) {
		tlsh_set_reason(c, "no common group");
		return TLSH_ERR_HANDSHAKE_FAILURE;
	}
	c->group = fallback;
	*have_share = false;
	return TLSH_OK;
}

/*
 * The credential: the first whose leaf matches the SNI and that can sign
 * with an offered scheme (our most preferred one), else the first that can
 * sign at all.
 */
static enum tlsh_err choose_cred(struct tlsh_conn *c,
				 const struct tlsh_client_hello *ch)
{
	size_t n, n_schemes;
	const struct tlsh_cred *const *creds = tlsh_cfg_creds(c->cfg, &n);
	const uint16_t *schemes = tlsh_cfg_sig_schemes(c->cfg, &n_schemes);
	const struct tlsh_cred *fallback = NULL;
	uint16_t fallback_scheme = 0;

	for (size_t i = 0; i < n; i++) {
		uint16_t s = tlsh_cred_pick_scheme(creds[i], schemes, n_schemes,
						   ch->sigalgs,
						   tlsh_cred_can_sign);

		if (!s)
			continue;
		if (c->has_sni && tlsh_cred_matches_name(creds[i], c->sni)) {
			c->cred = creds[i];
			c->sig_scheme = s;
			return TLSH_OK;
		}
		if (!fallback) {
			fallback = creds[i];
			fallback_scheme = s;
		}
	}
	if (!fallback) {
		tlsh_set_reason(c,
				"no certificate for the client's signature algorithms");
		return TLSH_ERR_HANDSHAKE_FAILURE;
	}
	c->cred = fallback;
	c->sig_scheme = fallback_scheme;
	return TLSH_OK;
}

/* psk_key_exchange_modes lists psk_dhe_ke: tickets are welcome. */
static bool offers_psk_dhe_ke(const struct tlsh_client_hello *ch)
{
	struct tlsh_cur b = ch->x.body[TLSH_X_PSK_KEY_EXCHANGE_MODES], modes;

	if (!tlsh_ext_has(&ch->x, TLSH_X_PSK_KEY_EXCHANGE_MODES) ||
	    tlsh_cur_vec(&b, 1, 1, 255, &modes))
		return false;
	return memchr(modes.p, 1, tlsh_cur_left(&modes)) != NULL;
}

static enum tlsh_err send_hello_retry_request(struct tlsh_conn *c)
{
	struct tlsh_wbuf *w = &c->hs_out;
	size_t m, x, e;

	tlsh_transcript_hrr_rewrite(&c->tr);
	m = tlsh_hello_open(c, TLSH_HS_SERVER_HELLO, tlsh_hrr_random);
	tlsh_put_u16(w, c->suite->id);
	tlsh_put_u8(w, 0);
	x = tlsh_vec_open(w, 2);
	if (!tlsh_hook_ext(c, c->hooks ? c->hooks->hrr_ext : NULL, w)) {
		e = tlsh_ext_open(w, TLSH_X_SUPPORTED_VERSIONS);
		tlsh_put_u16(w, TLSH_TLS13);
		tlsh_ext_close(w, e);
		e = tlsh_ext_open(w, TLSH_X_KEY_SHARE);
		tlsh_put_u16(w, c->group);
		tlsh_ext_close(w, e);
	}
	tlsh_vec_close(w, x, 2);
	tlsh_msg_done(c, m);
	TRY(tlsh_wbuf_err(w));
	if (c->session_id_len)
		return tlsh_send_ccs(c);
	return TLSH_OK;
}

static enum tlsh_err send_server_hello(struct tlsh_conn *c)
{
	struct tlsh_wbuf *w = &c->hs_out;
	size_t m, x, e, sid;

	c->cfg->random(c->cfg->random_ctx, TLSH_RANDOM, c->random);
	m = tlsh_hello_open(c, TLSH_HS_SERVER_HELLO, c->random);
	tlsh_put_u16(w, c->suite->id);
	tlsh_put_u8(w, 0);
	x = tlsh_vec_open(w, 2);
	if (!c->psk_ke) {
		e = tlsh_ext_open(w, TLSH_X_KEY_SHARE);
		tlsh_put_u16(w, c->kex.group);
		sid = tlsh_vec_open(w, 2);
		tlsh_put_bytes(w, c->kex.pub, c->kex.pub_len);
		tlsh_vec_close(w, sid, 2);
		tlsh_ext_close(w, e);
	}
	if (c->psk_use) {
		e = tlsh_ext_open(w, TLSH_X_PRE_SHARED_KEY);
		tlsh_put_u16(w, c->srv.psk_identity);
		tlsh_ext_close(w, e);
	}
	e = tlsh_ext_open(w, TLSH_X_SUPPORTED_VERSIONS);
	tlsh_put_u16(w, TLSH_TLS13);
	tlsh_ext_close(w, e);
	tlsh_vec_close(w, x, 2);
	tlsh_msg_done(c, m);
	TRY(tlsh_wbuf_err(w));
	tlsh_derive_hs_secrets(c);
	/* Middlebox compatibility: CCS right after the first server hello. */
	if (c->session_id_len)
		TRY(tlsh_send_ccs(c));
	TRY(tlsh_flush_hs(c));
	tlsh_set_tx(c, c->s_hs);
	tlsh_set_rx(c, c->c_hs);
	return TLSH_OK;
}

static enum tlsh_err send_encrypted_extensions(struct tlsh_conn *c)
{
	struct tlsh_wbuf *w = &c->hs_out;
	size_t m = tlsh_hs_open(w, TLSH_HS_ENCRYPTED_EXTENSIONS) - 1, x;

	x = tlsh_vec_open(w, 2);
	if (!tlsh_hook_ext(c, c->hooks ? c->hooks->encrypted_ext : NULL, w))
		tlsh_names_put_answer(c, w);
	tlsh_vec_close(w, x, 2);
	return tlsh_msg_end(c, m);
}

static enum tlsh_err send_certificate_request(struct tlsh_conn *c)
{
	struct tlsh_wbuf *w = &c->hs_out;
	size_t m = tlsh_hs_open(w, TLSH_HS_CERTIFICATE_REQUEST) - 1, x;
	size_t n_schemes;
	const uint16_t *schemes = tlsh_cfg_sig_schemes(c->cfg, &n_schemes);

	tlsh_put_u8(w, 0);	/* empty certificate_request_context */
	x = tlsh_vec_open(w, 2);
	tlsh_ext_put_u16_list(w, TLSH_X_SIGNATURE_ALGORITHMS, schemes,
			      n_schemes);
	tlsh_vec_close(w, x, 2);
	return tlsh_msg_end(c, m);
}

static enum tlsh_err send_server_finished(struct tlsh_conn *c)
{
	TRY(tlsh_send_finished(c));
	TRY(tlsh_flush_hs(c));
	/* Application secrets cover the transcript through this Finished. */
	tlsh_derive_ap(c);
	tlsh_set_tx(c, c->s_ap);
	return TLSH_OK;
}

static enum tlsh_err recv_client_finished(struct tlsh_conn *c,
					  const uint8_t *b, size_t len)
{
	TRY(tlsh_check_finished(c, b, len));
	tlsh_set_rx(c, c->c_ap);
	if (c->cfg->n_ticket_keys && c->cfg->n_tickets && c->srv.psk_dhe_ke)
		tlsh_psk_derive_res_master(c);
	return TLSH_OK;
}

/*
 * A HelloRetryRequest when the first ClientHello has no share we can use;
 * with a PSK the certificate steps are skipped.
 */
static const struct tlsh_step srv_steps[] = {
	RECV(TLSH_HS_CLIENT_HELLO, tlsh_recv_client_hello),
	SEND(TLSH_HS_HELLO_RETRY_REQUEST, send_hello_retry_request,
	     .cond = TLSH_IF_HRR),
	RECV(TLSH_HS_CLIENT_HELLO, tlsh_recv_client_hello, .cond = TLSH_IF_HRR),
	SEND(TLSH_HS_SERVER_HELLO, send_server_hello),
	SEND(TLSH_HS_ENCRYPTED_EXTENSIONS, send_encrypted_extensions),
	SEND(TLSH_HS_CERTIFICATE_REQUEST, send_certificate_request,
	     .cond = TLSH_IF_NO_PSK | TLSH_IF_VERIFY_CLIENT),
	SEND(TLSH_HS_CERTIFICATE, tlsh_send_certificate,
	     .cond = TLSH_IF_NO_PSK),
	SEND(TLSH_HS_CERTIFICATE_VERIFY, tlsh_send_certificate_verify,
	     .cond = TLSH_IF_NO_PSK),
	SEND(TLSH_HS_FINISHED, send_server_finished),
	RECV(TLSH_HS_CERTIFICATE, tlsh_recv_certificate,
	     .cond = TLSH_IF_NO_PSK | TLSH_IF_VERIFY_CLIENT),
	RECV(TLSH_HS_CERTIFICATE_VERIFY, tlsh_recv_certificate_verify,
	     .cond = TLSH_IF_PEER_CERT),
	RECV(TLSH_HS_FINISHED, recv_client_finished),
	SEND(TLSH_HS_NEW_SESSION_TICKET, tlsh_send_tickets),
};

const struct tlsh_shape tlsh_server_shape = SHAPE("TLS 1.3", srv_steps);

/*
 * After the suite, group and names are settled: a PSK (which may move the
 * suite to one of its hash), else a certificate; the shape follows.
 */
static enum tlsh_err choose_auth(struct tlsh_conn *c,
				 const struct tlsh_client_hello *ch)
{
	const struct tlsh_config *cfg = c->cfg;
	size_t n_creds;

	TRY(tlsh_psk_server_choose(c, ch));
	tlsh_transcript_select(&c->tr, c->suite->hash);
	if (c->psk_use)	/* RFC 8446 2.2: no certificates either way */
		return TLSH_OK;
	tlsh_ks_init(&c->ks, c->suite->hash, NULL, 0);
	/* PSKs only (no certificate): none of the client's is ours. */
	if (!tlsh_cfg_creds(cfg, &n_creds)) {
		tlsh_set_reason(c, tlsh_ext_has(&ch->x, TLSH_X_PRE_SHARED_KEY) ?
				"none of the client's PSK identities is known" :
				"the client offered no PSK (PSK only)");
		return TLSH_ERR_UNKNOWN_PSK_IDENTITY;
	}
	/* Certificate-based authentication needs signature_algorithms. */
	if (!tlsh_ext_has(&ch->x, TLSH_X_SIGNATURE_ALGORITHMS)) {
		tlsh_set_reason(c, "ClientHello without signature_algorithms");
		return TLSH_ERR_MISSING_EXTENSION;
	}
	TRY(choose_cred(c, ch));
	c->server_sig_scheme = c->sig_scheme;
	return TLSH_OK;
}

enum tlsh_err tlsh13_server_client_hello(struct tlsh_conn *c,
					 const struct tlsh_client_hello *ch)
{
	const struct tlsh_config *cfg = c->cfg;
	const struct tlsh_suite *hrr_suite = c->suite;
	uint16_t hrr_group = c->group;
	bool have_share, second = c->hrr;
	const uint8_t *kx = NULL;
	size_t kx_len = 0, dh_len;
	uint8_t dh[TLSH_KEX_SHARED_MAX];
	enum tlsh_err err;

	/* RFC 8446 4.1.2: exactly the null compression method. */
	if (tlsh_cur_left(&ch->comp) != 1 || ch->comp.p[0] != 0)
		return TLSH_ERR_ILLEGAL_PARAMETER;
	/* (EC)DHE needs both (RFC 8446 9.2); psk_ke alone is not offered. */
	if (!tlsh_ext_has(&ch->x, TLSH_X_SUPPORTED_GROUPS) ||
	    !tlsh_ext_has(&ch->x, TLSH_X_KEY_SHARE) ||
	    (!tlsh_ext_has(&ch->x, TLSH_X_SIGNATURE_ALGORITHMS) &&
	     !tlsh_ext_has(&ch->x, TLSH_X_PRE_SHARED_KEY))) {
		tlsh_set_reason(c,
				"ClientHello without supported_groups, key_share or signature_algorithms");
		return TLSH_ERR_MISSING_EXTENSION;
	}
	c->version_agreed = true;
	if (second) {
		/* The retried hello must stay the same in what was chosen. */
		if (memcmp(ch->random, c->client_random, TLSH_RANDOM) ||
		    ch->session_id_len != c->session_id_len ||
		    memcmp(ch->session_id, c->session_id, c->session_id_len) ||
		    !offered(ch->suites, hrr_suite->id))
			return TLSH_ERR_ILLEGAL_PARAMETER;
		if (!tlsh_ch_find_share(ch->shares, hrr_group, &kx, &kx_len) ||
		    tlsh_cur_left(&ch->shares) != 4 + kx_len)
			return TLSH_ERR_ILLEGAL_PARAMETER;
	} else {
		memcpy(c->client_random, ch->random, TLSH_RANDOM);
		memcpy(c->session_id, ch->session_id, ch->session_id_len);
		c->session_id_len = ch->session_id_len;
		TRY(choose_suite(c, ch));
		TRY(choose_group(c, ch, &have_share));
		/* We never accept early data (RFC 8446 4.2.10): skip it. */
		if (tlsh_ext_has(&ch->x, TLSH_X_EARLY_DATA))
			c->srv.early = have_share ? EARLY_SKIP_UNDECRYPTABLE :
				   EARLY_SKIP_APPDATA;
		if (!have_share) {
			tlsh_transcript_select(&c->tr, c->suite->hash);
			/* The sends that follow produce the HRR. */
			c->hrr = true;
			return TLSH_OK;
		}
		if (!tlsh_ch_find_share(ch->shares, c->group, &kx, &kx_len))
			return TLSH_ERR_INTERNAL;
	}
	tlsh_sni_note(c, ch);
	c->srv.psk_dhe_ke = offers_psk_dhe_ke(ch);
	TRY(tlsh_alpn_choose(c, ch));
	TRY(choose_auth(c, ch));
	if (c->psk_ke) {
		/* No (EC)DHE: the handshake secret from zeros. */
		tlsh_ks_next(&c->ks, NULL, 0);
		return TLSH_OK;
	}
	if (kx_len != tlsh_kex_pub_len(c->group))
		return TLSH_ERR_ILLEGAL_PARAMETER;
	TRY(tlsh_kex_generate(&c->kex, c->group, cfg->random_ctx, cfg->random));
	err = tlsh_kex_shared(&c->kex, kx, kx_len, dh, &dh_len);
	if (err)
		return err;
	/*
	 * The handshake secrets need the ServerHello in the transcript; keep
	 * the shared secret in the key schedule's extract until then.
	 */
	tlsh_ks_next(&c->ks, dh, dh_len);
	explicit_bzero(dh, sizeof(dh));
	return TLSH_OK;
}
