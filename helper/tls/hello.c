// SPDX-License-Identifier: GPL-2.0
/*
 * The hellos, where the version is decided, in one place for both roles:
 * the client's ClientHello (offering TLS 1.3, TLS 1.2 or both) and the
 * ServerHello that says which version follows; the server's ClientHello
 * and the version it settles on. From here the version's own code takes
 * over (client.c, server.c for TLS 1.3; tls12_client.c, tls12_server.c).
 */
#include <string.h>

#include "tls/conn.h"
#include "tls/hello.h"
#include "tls/names.h"
#include "tls/psk.h"
#include "tls/query.h"
#include "tls/tls12_client.h"
#include "tls/tls12_server.h"
#include "tls/tls12_ticket.h"
#include "tls/tls13.h"

/* TLS 1.3 is offered: the range and the suites allow it. */
bool tlsh_client_offers13(const struct tlsh_conn *c)
{
	return tlsh_cfg_speaks(c->cfg, TLSH_TLS13);
}

bool tlsh12_client_offers(const struct tlsh_conn *c)
{
	return tlsh_cfg_speaks(c->cfg, TLSH_TLS12);
}

size_t tlsh_hello_open(struct tlsh_conn *c, uint8_t type,
		       const uint8_t *random)
{
	struct tlsh_wbuf *w = &c->hs_out;
	size_t m = tlsh_hs_open(w, type) - 1, v;

	tlsh_put_u16(w, TLSH_TLS12);	/* legacy_version */
	tlsh_put_bytes(w, random, TLSH_RANDOM);
	v = tlsh_vec_open(w, 1);
	tlsh_put_bytes(w, c->session_id, c->session_id_len);
	tlsh_vec_close(w, v, 1);
	return m;
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

static void put_extensions(struct tlsh_conn *c, struct tlsh_wbuf *w)
{
	const struct tlsh_config *cfg = c->cfg;
	size_t n_groups, n_schemes, v, e, l;
	const uint16_t *groups = tlsh_cfg_groups(cfg, &n_groups);
	const uint16_t *schemes = tlsh_cfg_sig_schemes(cfg, &n_schemes);
	bool o13 = tlsh_client_offers13(c), o12 = tlsh12_client_offers(c);

	/* TLS 1.2 also signs ServerKeyExchange with RSA PKCS#1 v1.5. */
	if (o12 && !(cfg->sig_schemes && cfg->n_sig_schemes)) {
		schemes = tlsh_sig_all_schemes;
		n_schemes = tlsh_sig_all_schemes_n;
	}

	tlsh_sni_put_offer(w, cfg->server_name);
	tlsh_ext_put_u16_list(w, TLSH_X_SUPPORTED_GROUPS, groups, n_groups);
	tlsh_ext_put_u16_list(w, TLSH_X_SIGNATURE_ALGORITHMS, schemes,
			      n_schemes);
	tlsh_ext_put_u16_list(w, TLSH_X_SIGNATURE_ALGORITHMS_CERT,
			      tlsh_sig_all_schemes, tlsh_sig_all_schemes_n);
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
		tlsh12_ticket_client_put(c, w);
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
	if (c->cli.cookie) {
		e = tlsh_ext_open(w, TLSH_X_COOKIE);
		v = tlsh_vec_open(w, 2);
		tlsh_put_bytes(w, c->cli.cookie, c->cli.cookie_len);
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
	/* pre_shared_key, if any, last. */
	tlsh_psk_client_put(c, w);
}

/* What we offered decides what the server may answer (RFC 8446 4.2). */
static enum tlsh_err note_sent_extensions(struct tlsh_conn *c, size_t block)
{
	struct tlsh_cur cur;
	struct tlsh_exts x;

	TRY(tlsh_wbuf_err(&c->hs_out));
	cur = tlsh_cur_make(c->hs_out.buf + block, c->hs_out.len - block);
	TRY(tlsh_ext_parse(&cur, TLSH_IN_CH, &x));
	c->cli.sent_exts = x.present;
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
		tlsh_psk_client_prepare(c);
	} else {
		if (c->session_id_len)
			TRY(tlsh_send_ccs(c));
	}
	tlsh_kex_wipe(&c->kex);
	TRY(tlsh_kex_generate(&c->kex, c->group, cfg->random_ctx, cfg->random));

	m = tlsh_hello_open(c, TLSH_HS_CLIENT_HELLO, c->random);
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
	/* The binders cover the message up to them, lengths final. */
	tlsh_hs_close(w, m + 1);
	tlsh_psk_client_binders(c, m);
	tlsh_msg_done(c, m);
	c->first_hello_seen = true;
	TRY(tlsh_wbuf_err(w));
	if (!c->hrr)
		TRY(flush_initial_hello(c));
	return TLSH_OK;
}

enum tlsh_err tlsh_recv_server_hello(struct tlsh_conn *c, const uint8_t *b,
				     size_t len)
{
	struct tlsh_server_hello sh;

	TRY(tlsh_parse_server_hello(b, len, &sh));
	if (sh.version != TLSH_TLS13)
		return tlsh12_client_server_hello(c, &sh);
	return tlsh13_client_server_hello(c, &sh);
}

enum tlsh_err tlsh_recv_client_hello(struct tlsh_conn *c, const uint8_t *b,
				     size_t len)
{
	const struct tlsh_config *cfg = c->cfg;
	struct tlsh_client_hello ch;

	c->first_hello_seen = true;
	TRY(tlsh_parse_client_hello(b, len, &ch));
	/* RFC 8446 D.5 (and RFC 7568): never SSL 3.0 or below. */
	if (ch.legacy_version <= 0x0300) {
		tlsh_set_reason(c, "ClientHello legacy_version %04x",
				ch.legacy_version);
		return TLSH_ERR_PROTOCOL_VERSION;
	}
	/*
	 * RFC 7507 3: TLS_FALLBACK_SCSV from a client offering less than
	 * the best version we speak is a downgrade.
	 */
	if (!ch.tls13 && tlsh_cfg_speaks(cfg, TLSH_TLS13) &&
	    tlsh_u16_list_has(ch.suites, 0x5600)) {
		tlsh_set_reason(c, "TLS_FALLBACK_SCSV below our highest version");
		return TLSH_ERR_INAPPROPRIATE_FALLBACK;
	}
	if (!ch.tls13 || !tlsh_cfg_speaks(cfg, TLSH_TLS13)) {
		if (c->hrr || !ch.tls12 || !tlsh_cfg_speaks(cfg, TLSH_TLS12)) {
			tlsh_set_reason(c, "no common protocol version");
			return TLSH_ERR_PROTOCOL_VERSION;
		}
		memcpy(c->client_random, ch.random, TLSH_RANDOM);
		tlsh_sni_note(c, &ch);
		TRY(tlsh_alpn_choose(c, &ch));
		return tlsh12_server_start(c, &ch);
	}
	return tlsh13_server_client_hello(c, &ch);
}
