// SPDX-License-Identifier: GPL-2.0
/*
 * The engine core: record framing, handshake message reassembly, the
 * table-driven dispatcher, limits and alerts.
 */
#include <stdlib.h>
#include <string.h>

#include <nettle/memops.h>

#include "tls/conn.h"
#include "tls/psk.h"
#include "tls/query.h"
#include "tls/tls12_ticket.h"
#include "tls/tls13.h"

enum tlsh_err tlsh_conn_new(struct tlsh_conn **out,
			    const struct tlsh_config *cfg, bool server)
{
	struct tlsh_conn *c;
	size_t n_creds;
	const struct tlsh_cred *const *creds = tlsh_cfg_creds(cfg, &n_creds);

	*out = NULL;
	/* A server without certificates: external PSKs only, TLS 1.3 only. */
	if (!cfg->random || (server && !n_creds &&
			     (!cfg->n_psks ||
			      tlsh_cfg_min_version(cfg) != TLSH_TLS13)))
		return TLSH_ERR_CONFIG;
	for (size_t i = 0; i < n_creds; i++)
		if (!creds[i] || !creds[i]->n || !creds[i]->key)
			return TLSH_ERR_CONFIG;
	if (!server && !cfg->insecure_skip_verify && !cfg->trust)
		return TLSH_ERR_CONFIG;
	if (tlsh_cfg_min_version(cfg) < TLSH_TLS12 ||
	    tlsh_cfg_max_version(cfg) > TLSH_TLS13 ||
	    tlsh_cfg_min_version(cfg) > tlsh_cfg_max_version(cfg))
		return TLSH_ERR_CONFIG;
	if (server && cfg->verify_client && !cfg->trust)
		return TLSH_ERR_CONFIG;
	c = calloc(1, sizeof(*c));
	if (!c)
		return TLSH_ERR_NOMEM;
	c->cfg = cfg;
	c->server = server;
	c->on_session = cfg->on_session;
	c->session_ctx = cfg->session_ctx;
	c->now = cfg->now;
	c->now_ctx = cfg->now_ctx;
	tlsh_wbuf_heap(&c->hs_in);
	tlsh_wbuf_heap(&c->hs_out);
	tlsh_wbuf_heap(&c->out);
	tlsh_transcript_init(&c->tr);
	c->shape = server ? &tlsh_server_shape : &tlsh_client_shape;
	*out = c;
	return TLSH_OK;
}

/*
 * A record's body lives only while the record is read and handled, sized
 * to it: a connection waiting for its peer holds no 16 KiB buffer.
 */
static void body_free(struct tlsh_conn *c)
{
	if (c->body) {
		explicit_bzero(c->body, c->body_len);
		free(c->body);
	}
	c->body = NULL;
	c->body_have = c->body_len = 0;
}

void tlsh_conn_free(struct tlsh_conn *c)
{
	if (!c)
		return;
	body_free(c);
	tlsh_wbuf_wipe_free(&c->hs_in);
	tlsh_wbuf_wipe_free(&c->hs_out);
	tlsh_wbuf_wipe_free(&c->out);
	tlsh_chain_free(&c->peer);
	free(c->cli.cookie);
	tlsh12_ticket_wipe(c);
	explicit_bzero(c, sizeof(*c));
	free(c);
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
	/* After the transcript: the damage an on-path attacker could do. */
	if (c->hooks && c->hooks->mutate && !c->hs_out.overflow)
		c->hooks->mutate(c, &c->hs_out, mark);
}

enum tlsh_err tlsh_msg_end(struct tlsh_conn *c, size_t mark)
{
	tlsh_msg_done(c, mark);
	return tlsh_wbuf_err(&c->hs_out);
}

static bool one_holds(const struct tlsh_conn *c, enum tlsh_cond cond)
{
	switch (cond) {
	case TLSH_IF_OWN_CERT:
		return c->cred != NULL;
	case TLSH_IF_PEER_CERT:
		return c->peer_cert_sent;
	case TLSH_IF_NO_PSK:
		return !c->psk_use;
	case TLSH_IF_PSK:
		return c->psk_use;
	case TLSH_IF_TICKET12:
		return c->tk12.issue;
	case TLSH_IF_VERIFY_CLIENT:
		return c->cfg->verify_client;
	case TLSH_IF_HRR:
		return c->hrr;
	case TLSH_IF_CERT_REQUESTED:
		return c->cli.cert_requested;
	case TLSH_IF_ECDHE12:
		return c->suite && c->suite->kx != TLSH_KX_RSA;
	default:
		return true;
	}
}

static bool cond_holds(const struct tlsh_conn *c, uint16_t conds)
{
	for (unsigned int bit = 1; bit <= conds; bit <<= 1)
		if ((conds & bit) && !one_holds(c, bit))
			return false;
	return true;
}

static void finish(struct tlsh_conn *c)
{
	c->done = true;
	/*
	 * Only the application traffic secrets are needed from now: their
	 * keys in rx/tx, and the secrets themselves for a KeyUpdate on the
	 * userspace record layer (wiped on failure and by tlsh_conn_free).
	 */
	tlsh_ks_wipe(&c->ks);
	/* A client keeps res_master for the tickets still to come. */
	if (c->server || c->err)
		tlsh_psk_wipe(c);
	explicit_bzero(c->c_hs, sizeof(c->c_hs));
	explicit_bzero(c->s_hs, sizeof(c->s_hs));
	explicit_bzero(c->t12.ms, sizeof(c->t12.ms));
	explicit_bzero(&c->t12.kb, sizeof(c->t12.kb));
	tlsh_kex_wipe(&c->kex);
	tlsh12_ticket_wipe(c);
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

void tlsh_follow_shape(struct tlsh_conn *c, const struct tlsh_shape *shape)
{
	const struct tlsh_step *s = shape->steps;

	c->shape = shape;
	for (c->step = 0; c->step < shape->n; c->step++)
		if (!s[c->step].send && s[c->step].msg == c->cur_msg)
			break;
}

/*
 * The index of the step that receives this message next: past steps whose
 * condition does not hold and optional ones for other messages; or the
 * shape's length when none does.
 */
static size_t find_recv(const struct tlsh_conn *c, uint16_t type)
{
	const struct tlsh_shape *sh = c->shape;

	for (size_t i = c->step; i < sh->n; i++) {
		const struct tlsh_step *s = &sh->steps[i];

		if (!cond_holds(c, s->cond))
			continue;
		if (!s->send && s->msg == type)
			return i;
		if (s->send || !s->optional)
			break;
	}
	return sh->n;
}

/* The step for an incoming message, now the current one; NULL if none. */
static const struct tlsh_step *expect(struct tlsh_conn *c, uint16_t type)
{
	size_t i = find_recv(c, type);

	if (i == c->shape->n)
		return NULL;
	c->step = i;
	return &c->shape->steps[i];
}

/* A TLS 1.2 ChangeCipherSpec: a step of the table, outside the transcript. */
enum tlsh_err tlsh12_handle_ccs(struct tlsh_conn *c)
{
	const struct tlsh_step *s;

	c->cur_msg = TLSH_MSG_CHANGE_CIPHER_SPEC;
	/* RFC 5246 7.1: it may not split a handshake message. */
	if (c->hs_in.len)
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	s = expect(c, TLSH_MSG_CHANGE_CIPHER_SPEC);
	if (!s)
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	TRY(s->recv_fn(c, NULL, 0));
	c->step++;
	return tlsh_run_sends(c);
}

static enum tlsh_err handle_message(struct tlsh_conn *c, const uint8_t *msg,
				    size_t len)
{
	uint16_t type = msg[0];
	const struct tlsh_step *s;

	/*
	 * RFC 5246 7.4.1.1: a client ignores HelloRequest while negotiating;
	 * it is not part of the transcript.
	 */
	if (type == TLSH_HS_HELLO_REQUEST && c->tls12 && !c->server &&
	    len == TLSH_HS_HDR)
		return TLSH_OK;

	type = tlsh_hs_type(msg, len);
	c->cur_msg = type;
	s = expect(c, type);
	if (!s)
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	tlsh_transcript_hash(&c->tr, c->th_before);
	if (type == TLSH_HS_CLIENT_HELLO && c->server)
		c->srv.tr_ch = c->tr;	/* for the PSK binders */
	/* The HRR handler rewrites the transcript first, then adds it. */
	if (type != TLSH_HS_HELLO_RETRY_REQUEST)
		tlsh_transcript_add(&c->tr, msg, len);
	TRY(s->recv_fn(c, msg + TLSH_HS_HDR, len - TLSH_HS_HDR));
	c->step++;
	return tlsh_run_sends(c);
}

enum tlsh_err tlsh_check_msg_len(struct tlsh_conn *c, uint8_t type,
				 size_t mlen)
{
	size_t fin;

	switch (type) {
	case TLSH_HS_CLIENT_HELLO:
		if (mlen > TLSH_MAX_CH_BODY)
			goto never;
		break;
	case TLSH_HS_SERVER_HELLO:
		if (mlen > TLSH_MAX_SH_BODY)
			goto never;
		break;
	case TLSH_HS_FINISHED:
		/*
		 * RFC 8446 4.4.4 (RFC 5246 7.4.9): verify_data is exactly
		 * Hash.length (12) long. Out of place it is unexpected.
		 */
		if (!c->suite || c->done ||
		    find_recv(c, TLSH_HS_FINISHED) == c->shape->n)
			break;
		fin = c->tls12 ? TLSH_VERIFY_DATA : c->suite->hash->len;
		if (mlen != fin)
			goto never;
		break;
	case TLSH_HS_KEY_UPDATE:	/* TLS 1.3 only */
	case TLSH_HS_END_OF_EARLY_DATA:
		if (!c->tls12 && mlen != (type == TLSH_HS_KEY_UPDATE))
			goto never;
		break;
	case TLSH_HS_HELLO_REQUEST:	/* TLS 1.2 only */
	case TLSH_HS_SERVER_HELLO_DONE:
		if ((c->tls12 || !c->version_agreed) && mlen)
			goto never;
		break;
	default:
		break;
	}
	if (mlen > TLSH_MAX_HS_MSG || mlen > tlsh_cfg_max_hs(c->cfg)) {
		tlsh_set_reason(c, "handshake message of %zu bytes is over the limit",
				mlen);
		return TLSH_ERR_HANDSHAKE_FAILURE;
	}
	return TLSH_OK;
never:
	c->cur_msg = type;
	tlsh_set_reason(c, "%s of %zu bytes cannot be valid", tlsh_msg_name(type),
			mlen);
	return TLSH_ERR_DECODE;
}

enum tlsh_err tlsh_hs_in_add(struct tlsh_conn *c, const uint8_t *p,
			     size_t len)
{
	tlsh_put_bytes(&c->hs_in, p, len);
	return tlsh_wbuf_err(&c->hs_in);
}

const uint8_t *tlsh_hs_in_at(const struct tlsh_conn *c, size_t off,
			     size_t *have, size_t *mlen)
{
	const uint8_t *m = c->hs_in.buf + off;

	*have = c->hs_in.len - off;
	if (*have < TLSH_HS_HDR)
		return NULL;
	*mlen = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];
	return m;
}

void tlsh_hs_in_drop(struct tlsh_conn *c, size_t off)
{
	memmove(c->hs_in.buf, c->hs_in.buf + off, c->hs_in.len - off);
	c->hs_in.len -= off;
}

static enum tlsh_err handle_handshake(struct tlsh_conn *c, const uint8_t *p,
				      size_t len)
{
	const uint8_t *m;
	size_t off = 0, have, mlen;

	if (len == 0)
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	/* Early data is only ever skipped before the next handshake record. */
	if (c->srv.early == EARLY_SKIP_APPDATA)
		c->srv.early = EARLY_NONE;
	TRY(tlsh_hs_in_add(c, p, len));
	while ((m = tlsh_hs_in_at(c, off, &have, &mlen))) {
		TRY(tlsh_check_msg_len(c, m[0], mlen));
		if (have < TLSH_HS_HDR + mlen)
			break;
		c->rx_key_changed = false;
		TRY(handle_message(c, m, TLSH_HS_HDR + mlen));
		off += TLSH_HS_HDR + mlen;
		/* RFC 8446 5.1: no message may span a key change. */
		if ((c->rx_key_changed || c->done) && off != c->hs_in.len)
			return TLSH_ERR_UNEXPECTED_MESSAGE;
	}
	tlsh_hs_in_drop(c, off);
	return TLSH_OK;
}

enum tlsh_err tlsh_handle_alert(struct tlsh_conn *c, const uint8_t *p,
				size_t len)
{
	/* RFC 8446 5.1: no zero-length alert fragments. */
	if (len == 0)
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	if (len != 2)
		return TLSH_ERR_DECODE;
	/*
	 * RFC 5246 7.2: a TLS 1.2 warning does not end the connection; a
	 * few are tolerated (TLS 1.3 treats every alert but close_notify as
	 * fatal, RFC 8446 6).
	 */
	if (c->tls12 && p[0] == 1 && p[1] != TLSH_ALERT_CLOSE_NOTIFY) {
		if (++c->warnings <= TLSH_MAX_WARNINGS)
			return TLSH_OK;
		tlsh_set_reason(c, "more than %d warning alerts (last: %s)",
				TLSH_MAX_WARNINGS, tlsh_alert_name(p[1]));
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	}
	if (p[1] == TLSH_ALERT_CLOSE_NOTIFY)
		tlsh_set_reason(c, "peer closed the connection");
	else
		tlsh_set_reason(c, "peer sent alert %s", tlsh_alert_name(p[1]));
	return tlsh_err_peer_alert(p[1]);
}

/*
 * RFC 8446 4.2.10, a server that does not accept the client's early data:
 * after a HelloRetryRequest it skips application_data records (before the
 * second ClientHello), otherwise records that do not decrypt under the
 * handshake key; at most TLSH_MAX_EARLY_SKIP bytes either way.
 */
static bool skip_early(struct tlsh_conn *c, bool undecryptable)
{
	if (c->srv.early != (undecryptable ? EARLY_SKIP_UNDECRYPTABLE :
			 EARLY_SKIP_APPDATA) ||
	    c->body_len > TLSH_MAX_EARLY_SKIP - c->srv.early_skipped)
		return false;
	c->srv.early_skipped += c->body_len;
	return true;
}

static enum tlsh_err handle_record(struct tlsh_conn *c)
{
	enum tlsh_err err;
	uint8_t type;
	size_t len;

	if (c->hdr[0] == TLSH_CT_CHANGE_CIPHER_SPEC) {
		/* RFC 8446 5: one 0x01 byte, between the first hello and the
		 * peer's Finished; never protected. */
		if (c->body_len != 1 || c->body[0] != 1 || !c->first_hello_seen)
			return TLSH_ERR_UNEXPECTED_MESSAGE;
		/* TLS 1.2: the one that switches the read key. */
		if (c->tls12)
			return tlsh12_handle_ccs(c);
		return TLSH_OK;
	}
	/*
	 * A peer that could not process our hello reports it before it has
	 * keys: a plaintext alert while we already expect protected records.
	 */
	if (c->hdr[0] == TLSH_CT_ALERT && c->rx.suite && !c->peer_protected)
		return tlsh_handle_alert(c, c->body, c->body_len);
	if (c->hdr[0] == TLSH_CT_APPLICATION_DATA && !c->rx.suite &&
	    skip_early(c, false))
		return TLSH_OK;
	if (c->rx.suite)
		c->peer_protected = true;
	err = tlsh_rec_open(&c->rx, c->hdr, c->body, c->body_len, &type, &len);
	if (err == TLSH_ERR_BAD_RECORD_MAC && skip_early(c, true))
		return TLSH_OK;
	if (err)
		return err;
	if (c->srv.early == EARLY_SKIP_UNDECRYPTABLE)
		c->srv.early = EARLY_NONE;	/* its next flight is here */
	switch (type) {
	case TLSH_CT_HANDSHAKE:
		return handle_handshake(c, c->body, len);
	case TLSH_CT_ALERT:
		return tlsh_handle_alert(c, c->body, len);
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

enum tlsh_err tlsh_fail(struct tlsh_conn *c, enum tlsh_err err)
{
	if (!c->err) {
		if (c->cur_msg)
			tlsh_set_reason(c, "%s (in %s)", tlsh_err_str(err),
					tlsh_msg_name(c->cur_msg));
		else
			tlsh_set_reason(c, "%s", tlsh_err_str(err));
		c->err = err;
		queue_alert(c, err);
		finish(c);
		explicit_bzero(c->c_ap, sizeof(c->c_ap));
		explicit_bzero(c->s_ap, sizeof(c->s_ap));
		c->done = false;
	}
	return c->err;
}

enum tlsh_err tlsh_conn_abort(struct tlsh_conn *c, enum tlsh_err err)
{
	if (err == TLSH_OK || tlsh_err_class(err) == TLSH_ECLASS_PEER)
		err = TLSH_ERR_INTERNAL;
	if (c->closed && !c->err) {
		/* After our close_notify nothing else may be sent. */
		c->err = err;
		tlsh_set_reason(c, "%s", tlsh_err_str(err));
		return err;
	}
	c->cur_msg = 0;	/* our decision, not a message's fault */
	return tlsh_fail(c, err);
}

enum tlsh_err tlsh_conn_close_notify(struct tlsh_conn *c)
{
	static const uint8_t alert[2] = { 1, TLSH_ALERT_CLOSE_NOTIFY };
	enum tlsh_err e;

	if (c->err && tlsh_err_class(c->err) != TLSH_ECLASS_PEER)
		return c->err;	/* a fatal alert already ended it */
	if (c->closed)
		return TLSH_OK;
	/* Before the handshake is done any queued messages are dropped. */
	if (!c->done)
		c->hs_out.len = 0;
	e = tlsh_rec_seal(&c->tx, TLSH_CT_ALERT, alert, sizeof(alert), 0,
			  &c->out);
	if (e)
		return e;
	c->closed = true;
	return TLSH_OK;
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
	return err ? tlsh_fail(c, err) : TLSH_OK;
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
					return tlsh_fail(c, err);
				c->body_have = 0;
				/* tlsh_rec_header bounds body_len. */
				c->body = malloc(c->body_len ? c->body_len : 1);
				if (!c->body) {
					c->body_len = 0;
					return tlsh_fail(c, TLSH_ERR_NOMEM);
				}
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
		c->hs_bytes_in += n;
		if (c->hs_bytes_in > tlsh_cfg_max_hs(c->cfg)) {
			tlsh_set_reason(c, "handshake over %zu bytes",
					tlsh_cfg_max_hs(c->cfg));
			return tlsh_fail(c, TLSH_ERR_HANDSHAKE_FAILURE);
		}
		if (c->hdr_have == TLSH_REC_HDR && c->body_have == c->body_len) {
			c->cur_msg = 0;
			err = handle_record(c);
			c->hdr_have = 0;
			body_free(c);
			if (err)
				return tlsh_fail(c, err);
		}
	}
	return TLSH_OK;
}
