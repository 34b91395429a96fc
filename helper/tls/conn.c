// SPDX-License-Identifier: GPL-2.0
/*
 * The engine core: record framing, handshake message reassembly, the
 * table-driven dispatcher, alerts, and the handlers both roles share.
 */
#include <stdlib.h>
#include <string.h>

#include <nettle/memops.h>

#include "tls/conn.h"

static const uint16_t default_suites[] = {
	TLSH_TLS_AES_128_GCM_SHA256, TLSH_TLS_AES_256_GCM_SHA384,
	TLSH_TLS_CHACHA20_POLY1305_SHA256,
};
static const uint16_t default_groups[] = {
	TLSH_GROUP_X25519, TLSH_GROUP_SECP256R1,
};

const uint16_t *tlsh_cfg_suites(const struct tlsh_config *cfg, size_t *n)
{
	if (cfg->suites && cfg->n_suites) {
		*n = cfg->n_suites;
		return cfg->suites;
	}
	*n = sizeof(default_suites) / sizeof(default_suites[0]);
	return default_suites;
}

const uint16_t *tlsh_cfg_groups(const struct tlsh_config *cfg, size_t *n)
{
	if (cfg->groups && cfg->n_groups) {
		*n = cfg->n_groups;
		return cfg->groups;
	}
	*n = sizeof(default_groups) / sizeof(default_groups[0]);
	return default_groups;
}

enum tlsh_err tlsh_conn_new(struct tlsh_conn **out,
			    const struct tlsh_config *cfg, bool server)
{
	struct tlsh_conn *c;

	*out = NULL;
	if (!cfg->random || (server && (!cfg->cred || !cfg->cred->n)))
		return TLSH_ERR_CONFIG;
	if (!server && !cfg->insecure_skip_verify && !cfg->trust)
		return TLSH_ERR_CONFIG;
	if (server && cfg->verify_client && !cfg->trust)
		return TLSH_ERR_CONFIG;
	c = calloc(1, sizeof(*c));
	if (!c)
		return TLSH_ERR_NOMEM;
	c->body = malloc(TLSH_MAX_CIPHERTEXT);
	if (!c->body) {
		free(c);
		return TLSH_ERR_NOMEM;
	}
	c->cfg = cfg;
	c->server = server;
	tlsh_wbuf_heap(&c->hs_in);
	tlsh_wbuf_heap(&c->hs_out);
	tlsh_wbuf_heap(&c->out);
	tlsh_transcript_init(&c->tr);
	if (server) {
		c->shapes = tlsh_server_shapes;
		c->n_shapes = tlsh_server_n_shapes;
	} else {
		c->shapes = tlsh_client_shapes;
		c->n_shapes = tlsh_client_n_shapes;
	}
	c->shape = &c->shapes[0];
	*out = c;
	return TLSH_OK;
}

void tlsh_conn_free(struct tlsh_conn *c)
{
	if (!c)
		return;
	explicit_bzero(c->body, TLSH_MAX_CIPHERTEXT);
	free(c->body);
	tlsh_wbuf_wipe_free(&c->hs_in);
	tlsh_wbuf_wipe_free(&c->hs_out);
	tlsh_wbuf_wipe_free(&c->out);
	tlsh_chain_free(&c->peer);
	free(c->cookie);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

bool tlsh_conn_done(const struct tlsh_conn *c)
{
	return c->done;
}

enum tlsh_err tlsh_conn_error(const struct tlsh_conn *c)
{
	return c->err;
}

uint16_t tlsh_conn_suite(const struct tlsh_conn *c)
{
	return c->suite ? c->suite->id : 0;
}

uint16_t tlsh_conn_group(const struct tlsh_conn *c)
{
	return c->group;
}

bool tlsh_conn_did_hrr(const struct tlsh_conn *c)
{
	return c->hrr;
}

const char *tlsh_conn_alpn(const struct tlsh_conn *c)
{
	return c->has_alpn ? c->alpn : NULL;
}

const char *tlsh_conn_sni(const struct tlsh_conn *c)
{
	return c->has_sni ? c->sni : NULL;
}

size_t tlsh_conn_peer_certs(const struct tlsh_conn *c)
{
	return c->peer.n;
}

const uint8_t *tlsh_conn_output(const struct tlsh_conn *c, size_t *len)
{
	*len = c->out.len;
	return c->out.buf;
}

void tlsh_conn_output_done(struct tlsh_conn *c, size_t n)
{
	if (n >= c->out.len) {
		c->out.len = 0;
		return;
	}
	memmove(c->out.buf, c->out.buf + n, c->out.len - n);
	c->out.len -= n;
}

size_t tlsh_conn_want(const struct tlsh_conn *c)
{
	if (c->err || c->done)
		return 0;
	if (c->hdr_have < TLSH_REC_HDR)
		return TLSH_REC_HDR - c->hdr_have;
	return c->body_len - c->body_have;
}

/* Record sealing of everything in hs_out with the current write key. */
enum tlsh_err tlsh_flush_hs(struct tlsh_conn *c)
{
	size_t off = 0;

	TRY(tlsh_wbuf_err(&c->hs_out));
	while (off < c->hs_out.len) {
		size_t n = c->hs_out.len - off;

		if (n > TLSH_MAX_PLAINTEXT)
			n = TLSH_MAX_PLAINTEXT;
		TRY(tlsh_rec_seal(&c->tx, TLSH_CT_HANDSHAKE,
				  c->hs_out.buf + off, n, 0, &c->out));
		off += n;
	}
	explicit_bzero(c->hs_out.buf, c->hs_out.len);
	c->hs_out.len = 0;
	return TLSH_OK;
}

enum tlsh_err tlsh_send_ccs(struct tlsh_conn *c)
{
	static const uint8_t one = 1;

	if (c->ccs_sent)
		return TLSH_OK;
	c->ccs_sent = true;
	TRY(tlsh_flush_hs(c));
	return tlsh_rec_seal(&c->tx, TLSH_CT_CHANGE_CIPHER_SPEC, &one, 1, 0,
			     &c->out);
}

void tlsh_msg_done(struct tlsh_conn *c, size_t mark)
{
	tlsh_hs_close(&c->hs_out, mark + 1);
	if (!c->hs_out.overflow)
		tlsh_transcript_add(&c->tr, c->hs_out.buf + mark,
				    c->hs_out.len - mark);
}

void tlsh_set_tx(struct tlsh_conn *c, const uint8_t *secret)
{
	tlsh_rec_set_secret(&c->tx, c->suite, secret);
}

void tlsh_set_rx(struct tlsh_conn *c, const uint8_t *secret)
{
	tlsh_rec_set_secret(&c->rx, c->suite, secret);
	c->rx_key_changed = true;
}

void tlsh_derive_hs(struct tlsh_conn *c, const uint8_t *dh, size_t dh_len)
{
	tlsh_ks_init(&c->ks, c->suite->hash, NULL, 0);
	tlsh_ks_next(&c->ks, dh, dh_len);
	tlsh_derive_hs_secrets(c);
}

void tlsh_derive_hs_secrets(struct tlsh_conn *c)
{
	uint8_t th[TLSH_HASH_MAX];

	tlsh_transcript_hash(&c->tr, th);
	tlsh_ks_derive(&c->ks, "c hs traffic", th, c->c_hs);
	tlsh_ks_derive(&c->ks, "s hs traffic", th, c->s_hs);
}

void tlsh_derive_ap(struct tlsh_conn *c)
{
	uint8_t th[TLSH_HASH_MAX];

	tlsh_ks_next(&c->ks, NULL, 0);
	tlsh_transcript_hash(&c->tr, th);
	tlsh_ks_derive(&c->ks, "c ap traffic", th, c->c_ap);
	tlsh_ks_derive(&c->ks, "s ap traffic", th, c->s_ap);
}

static bool cond_holds(const struct tlsh_conn *c, uint8_t cond)
{
	switch (cond) {
	case TLSH_IF_OWN_CERT:
		return c->cfg->cred && c->cfg->cred->n;
	case TLSH_IF_PEER_CERT:
		return c->peer_cert_sent;
	default:
		return true;
	}
}

static void finish(struct tlsh_conn *c)
{
	c->done = true;
	/* Only the application secrets (inside rx/tx) are needed from now. */
	tlsh_ks_wipe(&c->ks);
	explicit_bzero(c->c_hs, sizeof(c->c_hs));
	explicit_bzero(c->s_hs, sizeof(c->s_hs));
	explicit_bzero(c->c_ap, sizeof(c->c_ap));
	explicit_bzero(c->s_ap, sizeof(c->s_ap));
	tlsh_kex_wipe(&c->kex);
}

static void skip_false_conds(struct tlsh_conn *c)
{
	while (c->step < c->shape->n &&
	       !cond_holds(c, c->shape->steps[c->step].cond))
		c->step++;
}

enum tlsh_err tlsh_run_sends(struct tlsh_conn *c)
{
	for (;;) {
		const struct tlsh_step *s;

		skip_false_conds(c);
		if (c->step == c->shape->n)
			break;
		s = &c->shape->steps[c->step];
		if (!s->send)
			break;
		TRY(s->send_fn(c));
		c->step++;
	}
	TRY(tlsh_flush_hs(c));
	if (c->step == c->shape->n)
		finish(c);
	return TLSH_OK;
}

static bool same_prefix(const struct tlsh_shape *a, const struct tlsh_shape *b,
			size_t n)
{
	if (a->n < n || b->n < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (a->steps[i].send != b->steps[i].send ||
		    a->steps[i].msg != b->steps[i].msg)
			return false;
	return true;
}

/*
 * The step for an incoming message: the current shape's, or the first
 * alternative shape that agrees on everything so far and expects this
 * message here (a client learns the shape as messages arrive).
 */
static const struct tlsh_step *expect(struct tlsh_conn *c, uint16_t type)
{
	const struct tlsh_step *s;

	skip_false_conds(c);
	if (c->step < c->shape->n) {
		s = &c->shape->steps[c->step];
		if (!s->send && s->msg == type)
			return s;
	}
	/* A server picks its shape itself, from the ClientHello. */
	for (size_t i = 0; !c->server && i < c->n_shapes; i++) {
		const struct tlsh_shape *alt = &c->shapes[i];

		if (alt == c->shape || !same_prefix(alt, c->shape, c->step) ||
		    alt->n <= c->step)
			continue;
		s = &alt->steps[c->step];
		if (!s->send && s->msg == type) {
			c->shape = alt;
			return s;
		}
	}
	return NULL;
}

static enum tlsh_err handle_message(struct tlsh_conn *c, const uint8_t *msg,
				    size_t len)
{
	uint16_t type = msg[0];
	const struct tlsh_step *s;

	if (type == TLSH_HS_SERVER_HELLO && len >= TLSH_HS_HDR + 2 + 32 &&
	    !memcmp(msg + TLSH_HS_HDR + 2, tlsh_hrr_random, TLSH_RANDOM))
		type = TLSH_HS_HELLO_RETRY_REQUEST;
	s = expect(c, type);
	if (!s)
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	tlsh_transcript_hash(&c->tr, c->th_before);
	/* The HRR handler rewrites the transcript first, then adds it. */
	if (type != TLSH_HS_HELLO_RETRY_REQUEST)
		tlsh_transcript_add(&c->tr, msg, len);
	TRY(s->recv_fn(c, msg + TLSH_HS_HDR, len - TLSH_HS_HDR));
	c->step++;
	return tlsh_run_sends(c);
}

static enum tlsh_err handle_handshake(struct tlsh_conn *c, const uint8_t *p,
				      size_t len)
{
	size_t off = 0;

	if (len == 0)
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	tlsh_put_bytes(&c->hs_in, p, len);
	TRY(tlsh_wbuf_err(&c->hs_in));
	for (;;) {
		const uint8_t *m = c->hs_in.buf + off;
		size_t have = c->hs_in.len - off, mlen;

		if (have < TLSH_HS_HDR)
			break;
		mlen = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];
		if (mlen > TLSH_MAX_HS_MSG)
			return TLSH_ERR_HANDSHAKE_FAILURE;
		if (have < TLSH_HS_HDR + mlen)
			break;
		c->rx_key_changed = false;
		TRY(handle_message(c, m, TLSH_HS_HDR + mlen));
		off += TLSH_HS_HDR + mlen;
		/* RFC 8446 5.1: no message may span a key change. */
		if ((c->rx_key_changed || c->done) && off != c->hs_in.len)
			return TLSH_ERR_UNEXPECTED_MESSAGE;
	}
	memmove(c->hs_in.buf, c->hs_in.buf + off, c->hs_in.len - off);
	c->hs_in.len -= off;
	return TLSH_OK;
}

static enum tlsh_err handle_alert(const uint8_t *p, size_t len)
{
	if (len != 2)
		return TLSH_ERR_DECODE;
	return tlsh_err_peer_alert(p[1]);
}

static enum tlsh_err handle_record(struct tlsh_conn *c)
{
	uint8_t type;
	size_t len;

	if (c->hdr[0] == TLSH_CT_CHANGE_CIPHER_SPEC) {
		/* RFC 8446 5: one 0x01 byte, between the first hello and the
		 * peer's Finished; never protected. */
		if (c->body_len != 1 || c->body[0] != 1 || !c->first_hello_seen)
			return TLSH_ERR_UNEXPECTED_MESSAGE;
		return TLSH_OK;
	}
	TRY(tlsh_rec_open(&c->rx, c->hdr, c->body, c->body_len, &type, &len));
	switch (type) {
	case TLSH_CT_HANDSHAKE:
		return handle_handshake(c, c->body, len);
	case TLSH_CT_ALERT:
		return handle_alert(c->body, len);
	default:
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	}
}

static void queue_alert(struct tlsh_conn *c, enum tlsh_err err)
{
	uint8_t alert[2] = { 2, (uint8_t)tlsh_err_alert(err) };

	if (tlsh_err_class(err) == TLSH_ECLASS_PEER)
		return;
	/* Unsent handshake bytes are dropped; the alert goes alone. */
	c->hs_out.len = 0;
	if (tlsh_rec_seal(&c->tx, TLSH_CT_ALERT, alert, 2, 0, &c->out))
		c->out.overflow = false;
}

static enum tlsh_err fail(struct tlsh_conn *c, enum tlsh_err err)
{
	if (!c->err) {
		c->err = err;
		queue_alert(c, err);
		finish(c);
		c->done = false;
	}
	return c->err;
}

enum tlsh_err tlsh_conn_start(struct tlsh_conn *c)
{
	enum tlsh_err err;

	if (c->err)
		return c->err;
	if (c->server)
		return TLSH_OK;
	if (c->step != 0)
		return TLSH_ERR_STATE;
	err = tlsh_run_sends(c);
	return err ? fail(c, err) : TLSH_OK;
}

enum tlsh_err tlsh_conn_feed(struct tlsh_conn *c, const uint8_t *in,
			     size_t len, size_t *used)
{
	enum tlsh_err err = TLSH_OK;

	*used = 0;
	if (c->err)
		return c->err;
	while (len && !c->done) {
		size_t n;

		if (c->hdr_have < TLSH_REC_HDR) {
			n = TLSH_REC_HDR - c->hdr_have;
			n = n < len ? n : len;
			memcpy(c->hdr + c->hdr_have, in, n);
			c->hdr_have += n;
			if (c->hdr_have == TLSH_REC_HDR) {
				err = tlsh_rec_header(c->hdr, &c->body_len);
				if (err)
					return fail(c, err);
				c->body_have = 0;
			}
		} else {
			n = c->body_len - c->body_have;
			n = n < len ? n : len;
			memcpy(c->body + c->body_have, in, n);
			c->body_have += n;
		}
		in += n;
		len -= n;
		*used += n;
		if (c->hdr_have == TLSH_REC_HDR && c->body_have == c->body_len) {
			err = handle_record(c);
			c->hdr_have = 0;
			c->body_have = c->body_len = 0;
			if (err)
				return fail(c, err);
		}
	}
	return TLSH_OK;
}

enum tlsh_err tlsh_conn_export_ktls(const struct tlsh_conn *c,
				    struct tlsh_ktls_params *p)
{
	if (!c->done || c->err || c->hdr_have || c->hs_in.len)
		return TLSH_ERR_STATE;
	memset(p, 0, sizeof(*p));
	p->version = TLSH_TLS13;
	p->aead = c->suite->aead;
	memcpy(p->tx.key, c->tx.key, c->suite->key_len);
	memcpy(p->tx.iv, c->tx.iv, sizeof(p->tx.iv));
	p->tx.seq = c->tx.seq;
	memcpy(p->rx.key, c->rx.key, c->suite->key_len);
	memcpy(p->rx.iv, c->rx.iv, sizeof(p->rx.iv));
	p->rx.seq = c->rx.seq;
	return TLSH_OK;
}

enum tlsh_err tlsh_conn_write_app(struct tlsh_conn *c, const uint8_t *data,
				  size_t len)
{
	if (!c->done || c->err)
		return TLSH_ERR_STATE;
	while (len) {
		size_t n = len < TLSH_MAX_PLAINTEXT ? len : TLSH_MAX_PLAINTEXT;

		TRY(tlsh_rec_seal(&c->tx, TLSH_CT_APPLICATION_DATA, data, n, 0,
				  &c->out));
		data += n;
		len -= n;
	}
	return TLSH_OK;
}

enum tlsh_err tlsh_conn_read_record(struct tlsh_conn *c, uint8_t *rec,
				    size_t len, uint8_t *type,
				    const uint8_t **data, size_t *data_len)
{
	size_t body;

	if (!c->done || c->err)
		return TLSH_ERR_STATE;
	if (len < TLSH_REC_HDR)
		return TLSH_ERR_DECODE;
	TRY(tlsh_rec_header(rec, &body));
	if (body != len - TLSH_REC_HDR)
		return TLSH_ERR_DECODE;
	TRY(tlsh_rec_open(&c->rx, rec, rec + TLSH_REC_HDR, body, type,
			  data_len));
	*data = rec + TLSH_REC_HDR;
	if (*type == TLSH_CT_ALERT)
		return handle_alert(*data, *data_len);
	if (*type != TLSH_CT_APPLICATION_DATA)
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	return TLSH_OK;
}

/* ---- handlers shared by both roles ---- */

enum tlsh_err tlsh_send_certificate(struct tlsh_conn *c)
{
	const struct tlsh_cred *cred = c->cfg->cred;
	struct tlsh_wbuf *w = &c->hs_out;
	size_t m = tlsh_hs_open(w, TLSH_HS_CERTIFICATE) - 1, list, ctx;

	/* The client echoes the CertificateRequest context; ours is empty. */
	ctx = tlsh_vec_open(w, 1);
	if (!c->server)
		tlsh_put_bytes(w, c->cr_context, c->cr_context_len);
	tlsh_vec_close(w, ctx, 1);
	list = tlsh_vec_open(w, 3);
	for (size_t i = 0; cred && i < cred->n; i++) {
		size_t d = tlsh_vec_open(w, 3);

		tlsh_put_bytes(w, cred->der[i].data, cred->der[i].size);
		tlsh_vec_close(w, d, 3);
		tlsh_put_u16(w, 0);	/* no per-certificate extensions */
	}
	tlsh_vec_close(w, list, 3);
	tlsh_msg_done(c, m);
	return tlsh_wbuf_err(w);
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
	err = tlsh_sig_sign(c->cfg->cred, c->sig_scheme, content, n, w);
	if (err)
		return err;
	tlsh_msg_done(c, m);
	return tlsh_wbuf_err(w);
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
	if (c->server)
		return tlsh_chain_verify(&c->peer, cfg->trust, NULL, false);
	if (cfg->insecure_skip_verify)
		return TLSH_OK;
	return tlsh_chain_verify(&c->peer, cfg->trust, cfg->server_name, true);
}

enum tlsh_err tlsh_recv_certificate_verify(struct tlsh_conn *c,
					   const uint8_t *b, size_t len)
{
	struct tlsh_certificate_verify cv;
	uint8_t content[200];
	size_t n;
	bool offered = false;

	TRY(tlsh_parse_certificate_verify(b, len, &cv));
	/* Only a scheme we offered (we offer all we support). */
	for (size_t i = 0; i < tlsh_sig_schemes_n; i++)
		offered |= tlsh_sig_schemes[i] == cv.scheme;
	if (!offered)
		return TLSH_ERR_ILLEGAL_PARAMETER;
	n = tlsh_cv_content(!c->server, c->th_before, c->suite->hash->len,
			    content);
	TRY(tlsh_sig_verify(&c->peer, cv.scheme, content, n, cv.sig,
			    cv.sig_len));
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
	return ok ? TLSH_OK : TLSH_ERR_DECRYPT;
}
