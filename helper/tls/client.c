// SPDX-License-Identifier: GPL-2.0
/* The client side of the TLS 1.3 handshake, after the ClientHello. */
#include <stdlib.h>
#include <string.h>

#include "tls/common.h"
#include "tls/conn.h"
#include "tls/hello.h"
#include "tls/keys.h"
#include "tls/names.h"
#include "tls/psk.h"
#include "tls/query.h"
#include "tls/tls13.h"

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

static bool our_group(const struct tlsh_conn *c, uint16_t g)
{
	size_t n;
	const uint16_t *s = tlsh_cfg_groups(c->cfg, &n);

	for (size_t i = 0; i < n; i++)
		if (s[i] == g)
			return tlsh_kex_supported(g);
	return false;
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
	if (!tlsh_ext_has(&sh.x, TLSH_X_KEY_SHARE))
		return TLSH_ERR_MISSING_EXTENSION;
	/* The retry must change something we can act on. */
	if (!our_group(c, sh.group) || sh.group == c->kex.group)
		return TLSH_ERR_ILLEGAL_PARAMETER;
	c->suite = tlsh_suite_by_id(sh.suite);
	c->group = sh.group;
	c->hrr = true;
	if (sh.cookie) {
		c->cli.cookie = malloc(sh.cookie_len);
		if (!c->cli.cookie)
			return TLSH_ERR_NOMEM;
		memcpy(c->cli.cookie, sh.cookie, sh.cookie_len);
		c->cli.cookie_len = sh.cookie_len;
	}
	tlsh_transcript_select(&c->tr, c->suite->hash);
	tlsh_psk_client_after_hrr(c);
	tlsh_transcript_hrr_rewrite(&c->tr);
	tlsh_transcript_add(&c->tr, b - TLSH_HS_HDR, len + TLSH_HS_HDR);
	return TLSH_OK;
}

enum tlsh_err tlsh13_client_server_hello(struct tlsh_conn *c,
					 const struct tlsh_server_hello *sh)
{
	uint32_t allowed = 1u << TLSH_X_SUPPORTED_VERSIONS |
			   1u << TLSH_X_KEY_SHARE;
	uint8_t dh[TLSH_KEX_SHARED_MAX];
	size_t dh_len;

	c->version_agreed = true;
	if (!tlsh_client_offers13(c))	/* RFC 8446 4.2.1: a version not offered */
		return TLSH_ERR_ILLEGAL_PARAMETER;
	if (c->cli.n_psk)
		allowed |= 1u << TLSH_X_PRE_SHARED_KEY;
	if (sh->x.present & ~allowed)
		return TLSH_ERR_UNSUPPORTED_EXTENSION;
	TRY(check_hello_common(c, sh));
	if (tlsh_ext_has(&sh->x, TLSH_X_KEY_SHARE) && sh->group != c->kex.group)
		return TLSH_ERR_ILLEGAL_PARAMETER;
	c->suite = tlsh_suite_by_id(sh->suite);
	tlsh_transcript_select(&c->tr, c->suite->hash);
	TRY(tlsh_psk_client_accept(c, sh));
	if (c->psk_ke) {
		c->group = 0;
		tlsh_derive_hs(c, NULL, 0);
	} else {
		TRY(tlsh_kex_shared(&c->kex, sh->share, sh->share_len, dh,
				    &dh_len));
		tlsh_derive_hs(c, dh, dh_len);
		explicit_bzero(dh, sizeof(dh));
	}
	tlsh_set_rx(c, c->s_hs);
	tlsh_set_tx(c, c->c_hs);
	return TLSH_OK;
}

static enum tlsh_err recv_encrypted_extensions(struct tlsh_conn *c,
					       const uint8_t *b, size_t len)
{
	struct tlsh_encrypted_extensions ee;

	TRY(tlsh_parse_encrypted_extensions(b, len, &ee));
	if (ee.x.present & ~c->cli.sent_exts)
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
	memcpy(c->cli.cr_context, cr.context, cr.context_len);
	c->cli.cr_context_len = cr.context_len;
	c->cli.n_cr_sigalgs = 0;
	while (tlsh_cur_left(&cr.sigalgs) &&
	       c->cli.n_cr_sigalgs < sizeof(c->cli.cr_sigalgs) / 2)
		TRY(tlsh_cur_u16(&cr.sigalgs,
				 &c->cli.cr_sigalgs[c->cli.n_cr_sigalgs++]));
	c->cli.cert_requested = true;
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
			for (size_t j = 0; j < c->cli.n_cr_sigalgs; j++) {
				if (c->cli.cr_sigalgs[j] == s) {
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
	if (c->on_session)
		tlsh_psk_derive_res_master(c);
	return TLSH_OK;
}

/*
 * The client learns the shape from what arrives: a HelloRetryRequest or a
 * CertificateRequest may come; a server that accepted a PSK sends no
 * certificates (RFC 8446 2.2).
 */
static const struct tlsh_step cli_steps[] = {
	SEND(TLSH_HS_CLIENT_HELLO, tlsh_send_client_hello),
	RECV(TLSH_HS_HELLO_RETRY_REQUEST, recv_hello_retry_request,
	     .optional = true),
	SEND(TLSH_HS_CLIENT_HELLO, tlsh_send_client_hello, .cond = TLSH_IF_HRR),
	RECV(TLSH_HS_SERVER_HELLO, tlsh_recv_server_hello),
	RECV(TLSH_HS_ENCRYPTED_EXTENSIONS, recv_encrypted_extensions),
	RECV(TLSH_HS_CERTIFICATE_REQUEST, recv_certificate_request,
	     .optional = true, .cond = TLSH_IF_NO_PSK),
	RECV(TLSH_HS_CERTIFICATE, tlsh_recv_certificate, .cond = TLSH_IF_NO_PSK),
	RECV(TLSH_HS_CERTIFICATE_VERIFY, tlsh_recv_certificate_verify,
	     .cond = TLSH_IF_NO_PSK),
	RECV(TLSH_HS_FINISHED, recv_server_finished),
	SEND(TLSH_HS_CERTIFICATE, send_client_certificate,
	     .cond = TLSH_IF_CERT_REQUESTED),
	SEND(TLSH_HS_CERTIFICATE_VERIFY, send_client_certificate_verify,
	     .cond = TLSH_IF_OWN_CERT),
	SEND(TLSH_HS_FINISHED, send_client_finished),
};

const struct tlsh_shape tlsh_client_shape = SHAPE("TLS 1.3", cli_steps);
