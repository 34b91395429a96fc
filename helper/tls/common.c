// SPDX-License-Identifier: GPL-2.0
/*
 * Messages both roles send and receive: Certificate, CertificateVerify,
 * Finished.
 */
#include <string.h>

#include <nettle/memops.h>

#include "tls/common.h"
#include "tls/conn.h"
#include "tls/query.h"

enum tlsh_err tlsh_send_certificate(struct tlsh_conn *c)
{
	const struct tlsh_cred *cred = c->cred;
	struct tlsh_wbuf *w = &c->hs_out;
	size_t m = tlsh_hs_open(w, TLSH_HS_CERTIFICATE) - 1, list, ctx;

	/* The client echoes the CertificateRequest context; ours is empty. */
	ctx = tlsh_vec_open(w, 1);
	if (!c->server)
		tlsh_put_bytes(w, c->cli.cr_context, c->cli.cr_context_len);
	tlsh_vec_close(w, ctx, 1);
	list = tlsh_vec_open(w, 3);
	for (size_t i = 0; cred && i < cred->n; i++) {
		size_t d = tlsh_vec_open(w, 3);

		tlsh_put_bytes(w, cred->der[i].data, cred->der[i].size);
		tlsh_vec_close(w, d, 3);
		tlsh_put_u16(w, 0);	/* no per-certificate extensions */
	}
	tlsh_vec_close(w, list, 3);
	return tlsh_msg_end(c, m);
}

enum tlsh_err tlsh_send_certificate_verify(struct tlsh_conn *c)
{
	struct tlsh_wbuf *w = &c->hs_out;
	uint8_t th[TLSH_HASH_MAX], content[200];
	size_t m, n;
	enum tlsh_err err;

	tlsh_transcript_hash(&c->tr, th);
	n = tlsh_cv_content(c->server, th, c->suite->hash->len, content);
	m = tlsh_hs_open(w, TLSH_HS_CERTIFICATE_VERIFY) - 1;
	tlsh_put_u16(w, c->sig_scheme);
	err = tlsh_sig_sign(c->cred, c->sig_scheme, content, n,
			    c->cfg->random_ctx, c->cfg->random, w);
	if (err)
		return err;
	return tlsh_msg_end(c, m);
}

enum tlsh_err tlsh_send_finished(struct tlsh_conn *c)
{
	struct tlsh_wbuf *w = &c->hs_out;
	uint8_t th[TLSH_HASH_MAX], mac[TLSH_HASH_MAX];
	size_t m;

	tlsh_transcript_hash(&c->tr, th);
	tlsh_finished_mac(c->suite->hash, c->server ? c->s_hs : c->c_hs, th,
			  mac);
	m = tlsh_hs_open(w, TLSH_HS_FINISHED) - 1;
	tlsh_put_bytes(w, mac, c->suite->hash->len);
	tlsh_msg_done(c, m);
	explicit_bzero(mac, sizeof(mac));
	return tlsh_wbuf_err(w);
}

enum tlsh_err tlsh_recv_certificate(struct tlsh_conn *c, const uint8_t *b,
				    size_t len)
{
	struct tlsh_certificate ct;
	const struct tlsh_config *cfg = c->cfg;

	TRY(tlsh_parse_certificate(b, len, &ct));
	if (c->server) {
		/* We sent an empty certificate_request_context. */
		if (ct.context_len != 0)
			return TLSH_ERR_ILLEGAL_PARAMETER;
		if (ct.n == 0)
			return cfg->require_client_cert ?
				TLSH_ERR_CERTIFICATE_REQUIRED : TLSH_OK;
	} else {
		if (ct.context_len != 0)
			return TLSH_ERR_ILLEGAL_PARAMETER;
		/* RFC 8446 4.4.2.4: an empty server chain is a decode_error. */
		if (ct.n == 0)
			return TLSH_ERR_DECODE;
	}
	for (size_t i = 0; i < ct.n; i++)
		TRY(tlsh_chain_add(&c->peer, ct.der[i], ct.der_len[i]));
	c->peer_cert_sent = true;
	if (!c->server && cfg->insecure_skip_verify)
		return TLSH_OK;
	return tlsh_chain_verify(&c->peer, cfg->trust,
				 c->server ? NULL : cfg->server_name,
				 !c->server, tlsh_now(c), c->reason,
				 sizeof(c->reason));
}

enum tlsh_err tlsh_recv_certificate_verify(struct tlsh_conn *c,
					   const uint8_t *b, size_t len)
{
	struct tlsh_certificate_verify cv;
	uint8_t content[200];
	size_t n;
	bool offered = false;
	enum tlsh_err err;
	size_t n_schemes;
	const uint16_t *schemes = tlsh_cfg_sig_schemes(c->cfg, &n_schemes);

	TRY(tlsh_parse_certificate_verify(b, len, &cv));
	/* Only a scheme we offered. */
	for (size_t i = 0; i < n_schemes; i++)
		offered |= schemes[i] == cv.scheme;
	if (!offered)
		return TLSH_ERR_ILLEGAL_PARAMETER;
	n = tlsh_cv_content(!c->server, c->th_before, c->suite->hash->len,
			    content);
	err = tlsh_sig_verify(&c->peer, cv.scheme, content, n, cv.sig,
			      cv.sig_len);
	if (err == TLSH_ERR_DECRYPT)
		tlsh_set_reason(c, "bad CertificateVerify signature");
	else if (err == TLSH_ERR_ILLEGAL_PARAMETER)
		tlsh_set_reason(c,
				"CertificateVerify scheme %04x does not fit the certificate",
				cv.scheme);
	if (err)
		return err;
	if (!c->server)
		c->server_sig_scheme = cv.scheme;
	c->peer_cv_ok = true;
	return TLSH_OK;
}

enum tlsh_err tlsh_check_finished(struct tlsh_conn *c, const uint8_t *b,
				  size_t len)
{
	uint8_t mac[TLSH_HASH_MAX];
	int ok;

	if (len != c->suite->hash->len)
		return TLSH_ERR_DECODE;
	if (c->peer_cert_sent && !c->peer_cv_ok)
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	tlsh_finished_mac(c->suite->hash, c->server ? c->c_hs : c->s_hs,
			  c->th_before, mac);
	ok = memeql_sec(mac, b, len);
	explicit_bzero(mac, sizeof(mac));
	if (!ok) {
		tlsh_set_reason(c, "bad Finished");
		return TLSH_ERR_DECRYPT;
	}
	return TLSH_OK;
}
