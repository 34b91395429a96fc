// SPDX-License-Identifier: GPL-2.0
/* The client side of the TLS 1.3 handshake. */
#include <stdlib.h>
#include <string.h>

#include "tls/client.h"
#include "tls/common.h"
#include "tls/conn.h"
#include "tls/names.h"
#include "tls/keys.h"
#include "tls/query.h"
#include "tls/tls12_client.h"

static bool our_suite(const struct tlsh_conn *c, uint16_t id)
{
	size_t n;
	const uint16_t *s = tlsh_cfg_suites(c->cfg, &n);
	const struct tlsh_suite *suite = tlsh_suite_by_id(id);

	for (size_t i = 0; i < n; i++)
		if (s[i] == id)
			return suite && !tlsh_suite_is12(suite);
	return false;
}

/* TLS 1.3 is offered: the range and the suites allow it. */
bool tlsh_client_offers13(const struct tlsh_conn *c)
{
	return tlsh_cfg_speaks(c->cfg, TLSH_TLS13);
}

/* A suite goes into the ClientHello if its version is offered. */
static bool offer_suite(const struct tlsh_conn *c, uint16_t id, bool o13,
			bool o12)
{
	const struct tlsh_suite *s = tlsh_suite_by_id(id);

	if (!s)
		return true;	/* unknown to us: the caller's business */
	if (tlsh_suite_is12(s))
		return o12 && tlsh_suite_allowed(c->cfg, s);
	return o13;
}

static bool our_group(const struct tlsh_conn *c, uint16_t g)
{
	size_t n;
	const uint16_t *s = tlsh_cfg_groups(c->cfg, &n);

	for (size_t i = 0; i < n; i++)
		if (s[i] == g)
			return tlsh_kex_supported(g);
	return false;
}

static void put_u16_list_ext(struct tlsh_wbuf *w, enum tlsh_ext_id type,
			     const uint16_t *v, size_t n)
{
	size_t e = tlsh_ext_open(w, type), l = tlsh_vec_open(w, 2);

	for (size_t i = 0; i < n; i++)
		tlsh_put_u16(w, v[i]);
	tlsh_vec_close(w, l, 2);
	tlsh_ext_close(w, e);
}

static void put_extensions(struct tlsh_conn *c, struct tlsh_wbuf *w)
{
	const struct tlsh_config *cfg = c->cfg;
	size_t n_groups, n_schemes, v, e, l;
	const uint16_t *groups = tlsh_cfg_groups(cfg, &n_groups);
	const uint16_t *schemes = tlsh_cfg_sig_schemes(cfg, &n_schemes);
	bool o13 = tlsh_client_offers13(c), o12 = tlsh12_client_offers(c);

	/* TLS 1.2 also signs ServerKeyExchange with RSA PKCS#1 v1.5. */
	if (o12 && !(cfg->sig_schemes && cfg->n_sig_schemes)) {
		schemes = tlsh_sig12_schemes;
		n_schemes = tlsh_sig12_schemes_n;
	}

	tlsh_sni_put_offer(w, cfg->server_name);
	put_u16_list_ext(w, TLSH_X_SUPPORTED_GROUPS, groups, n_groups);
	put_u16_list_ext(w, TLSH_X_SIGNATURE_ALGORITHMS, schemes, n_schemes);
	put_u16_list_ext(w, TLSH_X_SIGNATURE_ALGORITHMS_CERT,
			 tlsh_sig_cert_schemes, tlsh_sig_cert_schemes_n);
	tlsh_alpn_put_offer(w, cfg);
	if (o12) {
		e = tlsh_ext_open(w, TLSH_X_EC_POINT_FORMATS);
		tlsh_put_u8(w, 1);
		tlsh_put_u8(w, 0);		/* uncompressed */
		tlsh_ext_close(w, e);
		e = tlsh_ext_open(w, TLSH_X_EXTENDED_MASTER_SECRET);
		tlsh_ext_close(w, e);
		e = tlsh_ext_open(w, TLSH_X_RENEGOTIATION_INFO);
		tlsh_put_u8(w, 0);
		tlsh_ext_close(w, e);
	}
	/* A TLS 1.2-only hello is a plain one. */
	if (!o13)
		return;
	e = tlsh_ext_open(w, TLSH_X_SUPPORTED_VERSIONS);
	tlsh_put_u8(w, o12 ? 4 : 2);
	tlsh_put_u16(w, TLSH_TLS13);
	if (o12)
		tlsh_put_u16(w, TLSH_TLS12);
	tlsh_ext_close(w, e);
	if (c->cookie) {
		e = tlsh_ext_open(w, TLSH_X_COOKIE);
		v = tlsh_vec_open(w, 2);
		tlsh_put_bytes(w, c->cookie, c->cookie_len);
		tlsh_vec_close(w, v, 2);
		tlsh_ext_close(w, e);
	}
	e = tlsh_ext_open(w, TLSH_X_KEY_SHARE);
	l = tlsh_vec_open(w, 2);
	tlsh_put_u16(w, c->kex.group);
	v = tlsh_vec_open(w, 2);
	tlsh_put_bytes(w, c->kex.pub, c->kex.pub_len);
	tlsh_vec_close(w, v, 2);
	tlsh_vec_close(w, l, 2);
	tlsh_ext_close(w, e);
}

/* What we offered decides what the server may answer (RFC 8446 4.2). */
static enum tlsh_err note_sent_extensions(struct tlsh_conn *c, size_t block)
{
	struct tlsh_cur cur;
	struct tlsh_exts x;

	TRY(tlsh_wbuf_err(&c->hs_out));
	cur = tlsh_cur_make(c->hs_out.buf + block, c->hs_out.len - block);
	TRY(tlsh_ext_parse(&cur, TLSH_IN_CH, &x));
	c->sent_exts = x.present;
	return TLSH_OK;
}

/*
 * RFC 8446 5.1: the initial ClientHello's record may carry 0x0301, as it
 * does in most clients (and in RFC 8448) for the sake of old middleboxes.
 */
static enum tlsh_err flush_initial_hello(struct tlsh_conn *c)
{
	size_t off = c->out.len;

	TRY(tlsh_flush_hs(c));
	while (off + TLSH_REC_HDR <= c->out.len) {
		c->out.buf[off + 2] = 0x01;
		off += TLSH_REC_HDR +
		       ((size_t)c->out.buf[off + 3] << 8 | c->out.buf[off + 4]);
	}
	return TLSH_OK;
}

enum tlsh_err tlsh_send_client_hello(struct tlsh_conn *c)
{
	const struct tlsh_config *cfg = c->cfg;
	struct tlsh_wbuf *w = &c->hs_out;
	size_t n_suites, n_groups, m, v, x;
	const uint16_t *suites = tlsh_cfg_suites(cfg, &n_suites);
	const uint16_t *groups = tlsh_cfg_groups(cfg, &n_groups);
	bool o13 = tlsh_client_offers13(c), o12 = tlsh12_client_offers(c);

	if (!o13 && !o12)
		return TLSH_ERR_CONFIG;
	if (!c->hrr) {
		cfg->random(cfg->random_ctx, TLSH_RANDOM, c->random);
		memcpy(c->client_random, c->random, TLSH_RANDOM);
		c->session_id_len = cfg->no_middlebox_compat ? 0 : 32;
		if (c->session_id_len)
			cfg->random(cfg->random_ctx, 32, c->session_id);
		/* One share, for our most preferred group. */
		c->group = groups[0];
	} else {
		if (c->session_id_len)
			TRY(tlsh_send_ccs(c));
	}
	tlsh_kex_wipe(&c->kex);
	TRY(tlsh_kex_generate(&c->kex, c->group, cfg->random_ctx, cfg->random));

	m = tlsh_hs_open(w, TLSH_HS_CLIENT_HELLO) - 1;
	tlsh_put_u16(w, 0x0303);
	tlsh_put_bytes(w, c->random, TLSH_RANDOM);
	v = tlsh_vec_open(w, 1);
	tlsh_put_bytes(w, c->session_id, c->session_id_len);
	tlsh_vec_close(w, v, 1);
	v = tlsh_vec_open(w, 2);
	for (size_t i = 0; i < n_suites; i++)
		if (offer_suite(c, suites[i], o13, o12))
			tlsh_put_u16(w, suites[i]);
	tlsh_vec_close(w, v, 2);
	tlsh_put_u8(w, 1);	/* compression methods: null only */
	tlsh_put_u8(w, 0);

	x = tlsh_vec_open(w, 2);
	if (!tlsh_hook_ext(c, c->hooks ? c->hooks->client_hello_ext : NULL, w))
		put_extensions(c, w);
	tlsh_vec_close(w, x, 2);
	TRY(note_sent_extensions(c, x));
	tlsh_msg_done(c, m);
	c->first_hello_seen = true;
	TRY(tlsh_wbuf_err(w));
	if (!c->hrr)
		TRY(flush_initial_hello(c));
	return TLSH_OK;
}

static enum tlsh_err check_hello_common(struct tlsh_conn *c,
					const struct tlsh_server_hello *sh)
{
	if (sh->session_id_len != c->session_id_len ||
	    memcmp(sh->session_id, c->session_id, c->session_id_len))
		return TLSH_ERR_ILLEGAL_PARAMETER;
	if (!our_suite(c, sh->suite))
		return TLSH_ERR_ILLEGAL_PARAMETER;
	if (c->hrr && sh->suite != c->suite->id)
		return TLSH_ERR_ILLEGAL_PARAMETER;
	if (!tlsh_ext_has(&sh->x, TLSH_X_KEY_SHARE))
		return TLSH_ERR_MISSING_EXTENSION;
	return TLSH_OK;
}

static enum tlsh_err recv_hello_retry_request(struct tlsh_conn *c,
					      const uint8_t *b, size_t len)
{
	struct tlsh_server_hello sh;
	uint32_t allowed = 1u << TLSH_X_SUPPORTED_VERSIONS |
			   1u << TLSH_X_KEY_SHARE | 1u << TLSH_X_COOKIE;

	TRY(tlsh_parse_server_hello(b, len, &sh));
	c->version_agreed = true;
	if (!tlsh_client_offers13(c))
		return TLSH_ERR_ILLEGAL_PARAMETER;
	if (sh.x.present & ~allowed)
		return TLSH_ERR_UNSUPPORTED_EXTENSION;
	TRY(check_hello_common(c, &sh));
	/* The retry must change something we can act on. */
	if (!our_group(c, sh.group) || sh.group == c->kex.group)
		return TLSH_ERR_ILLEGAL_PARAMETER;
	c->suite = tlsh_suite_by_id(sh.suite);
	c->group = sh.group;
	c->hrr = true;
	if (sh.cookie) {
		c->cookie = malloc(sh.cookie_len);
		if (!c->cookie)
			return TLSH_ERR_NOMEM;
		memcpy(c->cookie, sh.cookie, sh.cookie_len);
		c->cookie_len = sh.cookie_len;
	}
	tlsh_transcript_select(&c->tr, c->suite->hash);
	tlsh_transcript_hrr_rewrite(&c->tr);
	tlsh_transcript_add(&c->tr, b - TLSH_HS_HDR, len + TLSH_HS_HDR);
	return TLSH_OK;
}

enum tlsh_err tlsh_recv_server_hello(struct tlsh_conn *c, const uint8_t *b,
				     size_t len)
{
	struct tlsh_server_hello sh;
	uint32_t allowed = 1u << TLSH_X_SUPPORTED_VERSIONS |
			   1u << TLSH_X_KEY_SHARE;
	uint8_t dh[TLSH_KEX_SHARED_MAX];
	size_t dh_len;

	TRY(tlsh_parse_server_hello(b, len, &sh));
	if (sh.version != TLSH_TLS13)
		return tlsh12_client_server_hello(c, &sh);
	c->version_agreed = true;
	if (!tlsh_client_offers13(c))	/* RFC 8446 4.2.1: a version not offered */
		return TLSH_ERR_ILLEGAL_PARAMETER;
	if (sh.x.present & ~allowed)
		return TLSH_ERR_UNSUPPORTED_EXTENSION;
	TRY(check_hello_common(c, &sh));
	if (sh.group != c->kex.group)
		return TLSH_ERR_ILLEGAL_PARAMETER;
	c->suite = tlsh_suite_by_id(sh.suite);
	tlsh_transcript_select(&c->tr, c->suite->hash);
	TRY(tlsh_kex_shared(&c->kex, sh.share, sh.share_len, dh, &dh_len));
	tlsh_derive_hs(c, dh, dh_len);
	explicit_bzero(dh, sizeof(dh));
	tlsh_set_rx(c, c->s_hs);
	tlsh_set_tx(c, c->c_hs);
	return TLSH_OK;
}

static enum tlsh_err recv_encrypted_extensions(struct tlsh_conn *c,
					       const uint8_t *b, size_t len)
{
	struct tlsh_encrypted_extensions ee;

	TRY(tlsh_parse_encrypted_extensions(b, len, &ee));
	if (ee.x.present & ~c->sent_exts)
		return TLSH_ERR_UNSUPPORTED_EXTENSION;
	if (ee.alpn)
		return tlsh_alpn_accept(c, ee.alpn, ee.alpn_len);
	return TLSH_OK;
}

static enum tlsh_err recv_certificate_request(struct tlsh_conn *c,
					      const uint8_t *b, size_t len)
{
	struct tlsh_certificate_request cr;

	TRY(tlsh_parse_certificate_request(b, len, &cr));
	memcpy(c->cr_context, cr.context, cr.context_len);
	c->cr_context_len = cr.context_len;
	c->n_peer_sigalgs = 0;
	while (tlsh_cur_left(&cr.sigalgs) &&
	       c->n_peer_sigalgs < sizeof(c->peer_sigalgs) / 2)
		TRY(tlsh_cur_u16(&cr.sigalgs,
				 &c->peer_sigalgs[c->n_peer_sigalgs++]));
	c->cert_requested = true;
	return TLSH_OK;
}

static enum tlsh_err recv_server_finished(struct tlsh_conn *c,
					  const uint8_t *b, size_t len)
{
	TRY(tlsh_check_finished(c, b, len));
	tlsh_derive_ap(c);
	tlsh_set_rx(c, c->s_ap);
	return TLSH_OK;
}

/*
 * The first credential that can sign with a scheme the CertificateRequest
 * allows, by our preference; none means an empty Certificate.
 */
static void choose_client_cred(struct tlsh_conn *c)
{
	size_t n, n_schemes;
	const struct tlsh_cred *const *creds = tlsh_cfg_creds(c->cfg, &n);
	const uint16_t *schemes = tlsh_cfg_sig_schemes(c->cfg, &n_schemes);

	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; i < n_schemes; i++) {
			uint16_t s = schemes[i];

			if (!tlsh_cred_can_sign(creds[k], s))
				continue;
			for (size_t j = 0; j < c->n_peer_sigalgs; j++) {
				if (c->peer_sigalgs[j] == s) {
					c->cred = creds[k];
					c->sig_scheme = s;
					return;
				}
			}
		}
	}
}

static enum tlsh_err send_client_certificate(struct tlsh_conn *c)
{
	if (c->session_id_len)
		TRY(tlsh_send_ccs(c));
	choose_client_cred(c);
	return tlsh_send_certificate(c);
}

static enum tlsh_err send_client_certificate_verify(struct tlsh_conn *c)
{
	return tlsh_send_certificate_verify(c);
}

static enum tlsh_err send_client_finished(struct tlsh_conn *c)
{
	if (c->session_id_len)
		TRY(tlsh_send_ccs(c));
	TRY(tlsh_send_finished(c));
	TRY(tlsh_flush_hs(c));
	tlsh_set_tx(c, c->c_ap);
	return TLSH_OK;
}

static const struct tlsh_step cli_1rtt[] = {
	SEND(TLSH_HS_CLIENT_HELLO, tlsh_send_client_hello),
	RECV(TLSH_HS_SERVER_HELLO, tlsh_recv_server_hello),
	RECV(TLSH_HS_ENCRYPTED_EXTENSIONS, recv_encrypted_extensions),
	RECV(TLSH_HS_CERTIFICATE, tlsh_recv_certificate),
	RECV(TLSH_HS_CERTIFICATE_VERIFY, tlsh_recv_certificate_verify),
	RECV(TLSH_HS_FINISHED, recv_server_finished),
	SEND(TLSH_HS_FINISHED, send_client_finished),
};

static const struct tlsh_step cli_1rtt_client_auth[] = {
	SEND(TLSH_HS_CLIENT_HELLO, tlsh_send_client_hello),
	RECV(TLSH_HS_SERVER_HELLO, tlsh_recv_server_hello),
	RECV(TLSH_HS_ENCRYPTED_EXTENSIONS, recv_encrypted_extensions),
	RECV(TLSH_HS_CERTIFICATE_REQUEST, recv_certificate_request),
	RECV(TLSH_HS_CERTIFICATE, tlsh_recv_certificate),
	RECV(TLSH_HS_CERTIFICATE_VERIFY, tlsh_recv_certificate_verify),
	RECV(TLSH_HS_FINISHED, recv_server_finished),
	SEND(TLSH_HS_CERTIFICATE, send_client_certificate),
	SEND(TLSH_HS_CERTIFICATE_VERIFY, send_client_certificate_verify,
	     .cond = TLSH_IF_OWN_CERT),
	SEND(TLSH_HS_FINISHED, send_client_finished),
};

static const struct tlsh_step cli_hrr[] = {
	SEND(TLSH_HS_CLIENT_HELLO, tlsh_send_client_hello),
	RECV(TLSH_HS_HELLO_RETRY_REQUEST, recv_hello_retry_request),
	SEND(TLSH_HS_CLIENT_HELLO, tlsh_send_client_hello),
	RECV(TLSH_HS_SERVER_HELLO, tlsh_recv_server_hello),
	RECV(TLSH_HS_ENCRYPTED_EXTENSIONS, recv_encrypted_extensions),
	RECV(TLSH_HS_CERTIFICATE, tlsh_recv_certificate),
	RECV(TLSH_HS_CERTIFICATE_VERIFY, tlsh_recv_certificate_verify),
	RECV(TLSH_HS_FINISHED, recv_server_finished),
	SEND(TLSH_HS_FINISHED, send_client_finished),
};

static const struct tlsh_step cli_hrr_client_auth[] = {
	SEND(TLSH_HS_CLIENT_HELLO, tlsh_send_client_hello),
	RECV(TLSH_HS_HELLO_RETRY_REQUEST, recv_hello_retry_request),
	SEND(TLSH_HS_CLIENT_HELLO, tlsh_send_client_hello),
	RECV(TLSH_HS_SERVER_HELLO, tlsh_recv_server_hello),
	RECV(TLSH_HS_ENCRYPTED_EXTENSIONS, recv_encrypted_extensions),
	RECV(TLSH_HS_CERTIFICATE_REQUEST, recv_certificate_request),
	RECV(TLSH_HS_CERTIFICATE, tlsh_recv_certificate),
	RECV(TLSH_HS_CERTIFICATE_VERIFY, tlsh_recv_certificate_verify),
	RECV(TLSH_HS_FINISHED, recv_server_finished),
	SEND(TLSH_HS_CERTIFICATE, send_client_certificate),
	SEND(TLSH_HS_CERTIFICATE_VERIFY, send_client_certificate_verify,
	     .cond = TLSH_IF_OWN_CERT),
	SEND(TLSH_HS_FINISHED, send_client_finished),
};

/* The client learns its shape from what arrives; see expect() in conn.c. */
const struct tlsh_shape tlsh_client_shapes[] = {
	SHAPE("1-RTT", cli_1rtt),
	SHAPE("1-RTT, client auth", cli_1rtt_client_auth),
	SHAPE("HRR", cli_hrr),
	SHAPE("HRR, client auth", cli_hrr_client_auth),
};
const size_t tlsh_client_n_shapes =
	sizeof(tlsh_client_shapes) / sizeof(tlsh_client_shapes[0]);
