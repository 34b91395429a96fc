// SPDX-License-Identifier: GPL-2.0
/*
 * NewSessionTicket. The server sends cfg->n_tickets of them, each in its own
 * record, after the client's Finished and before it reports the handshake
 * done, so the kernel's TX sequence starts after them. With ticket keys a
 * ticket is a sealed session (psk.c); without, 32 random bytes with
 * lifetime 0, which a client discards at once (RFC 8446 4.6.1). A client
 * hands the tickets it gets to cfg->on_session (psk.c).
 */
#include <string.h>

#include "tls/conn.h"
#include "tls/keys.h"
#include "tls/psk.h"
#include "tls/query.h"
#include "tls/ticket.h"
#include "tls/tls12.h"

#define TICKET_LEN 32

static void write_ticket(struct tlsh_conn *c, unsigned int i,
			 struct tlsh_wbuf *w)
{
	const struct tlsh_config *cfg = c->cfg;
	uint8_t rnd[4 + TICKET_LEN];
	size_t v;

	cfg->random(cfg->random_ctx, sizeof(rnd), rnd);
	tlsh_put_uint(w, 4, 0);			/* ticket_lifetime */
	tlsh_put_bytes(w, rnd, 4);		/* ticket_age_add */
	v = tlsh_vec_open(w, 1);		/* ticket_nonce: unique */
	tlsh_put_uint(w, 4, i);
	tlsh_vec_close(w, v, 1);
	v = tlsh_vec_open(w, 2);
	tlsh_put_bytes(w, rnd + 4, TICKET_LEN);
	tlsh_vec_close(w, v, 2);
	tlsh_put_u16(w, 0);			/* no extensions */
}

enum tlsh_err tlsh_send_tickets(struct tlsh_conn *c)
{
	struct tlsh_wbuf *w = &c->hs_out;

	/* RFC 8446 4.2.9: only for a client that allows psk_dhe_ke. */
	if (!c->srv.psk_dhe_ke)
		return TLSH_OK;
	for (unsigned int i = 0; i < c->cfg->n_tickets; i++) {
		size_t m = tlsh_hs_open(w, TLSH_HS_NEW_SESSION_TICKET) - 1;

		bool hooked = c->hooks && c->hooks->ticket &&
			      c->hooks->ticket(c, i, w);

		if (!hooked && c->cfg->n_ticket_keys && c->have_res_master)
			TRY(tlsh_psk_write_ticket(c, i, w));
		else if (!hooked)
			write_ticket(c, i, w);
		/* Into the transcript too, harmlessly: nothing follows. */
		tlsh_msg_done(c, m);
		TRY(tlsh_flush_hs(c));
	}
	return TLSH_OK;
}

/*
 * RFC 8446 4.6.3 on the userspace record layer: answer update_requested
 * with a KeyUpdate under the old key (unless we closed), then move both
 * directions on. The message must end its record (RFC 8446 5.1).
 */
static enum tlsh_err key_update(struct tlsh_conn *c, uint8_t request,
				bool last)
{
	static const uint8_t ku[TLSH_HS_HDR + 1] = { TLSH_HS_KEY_UPDATE, 0, 0,
						     1, 0 };
	const struct tlsh_hash *h = c->suite->hash;
	uint8_t *peer = c->server ? c->c_ap : c->s_ap;
	uint8_t *own = c->server ? c->s_ap : c->c_ap;

	if (!last)
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	if (request == 1 && !c->closed) {
		TRY(tlsh_rec_seal(&c->tx, TLSH_CT_HANDSHAKE, ku, sizeof(ku), 0,
				  &c->out));
		tlsh_next_traffic_secret(h, own);
		tlsh_set_tx(c, own);
	}
	tlsh_next_traffic_secret(h, peer);
	tlsh_set_rx(c, peer);
	return TLSH_OK;
}

/*
 * TLS 1.2 renegotiation on the userspace record layer: a no_renegotiation
 * warning (RFC 5246 7.2.2), counted with the peer's warnings.
 */
static enum tlsh_err refuse_renegotiation(struct tlsh_conn *c)
{
	static const uint8_t alert[2] = { 1, TLSH_ALERT_NO_RENEGOTIATION };

	if (++c->warnings > TLSH_MAX_WARNINGS) {
		tlsh_set_reason(c, "peer asked to renegotiate %u times",
				c->warnings);
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	}
	if (c->closed)
		return TLSH_OK;
	return tlsh_rec_seal(&c->tx, TLSH_CT_ALERT, alert, sizeof(alert), 0,
			     &c->out);
}

static bool renegotiation(const struct tlsh_conn *c, uint8_t type)
{
	return c->tls12 && ((type == TLSH_HS_HELLO_REQUEST && !c->server) ||
			    (type == TLSH_HS_CLIENT_HELLO && c->server));
}

static enum tlsh_err post_message(struct tlsh_conn *c, const uint8_t *m,
				  size_t len, bool userspace, bool last)
{
	struct tlsh_new_session_ticket nst;
	const uint8_t *body = m + TLSH_HS_HDR;

	c->cur_msg = m[0];
	if (c->tls12)
		return tlsh12_post_message(c, m[0]);
	switch (m[0]) {
	case TLSH_HS_NEW_SESSION_TICKET:
		if (c->server)
			return TLSH_ERR_UNEXPECTED_MESSAGE;
		TRY(tlsh_parse_new_session_ticket(body, len - TLSH_HS_HDR,
						  &nst));
		tlsh_psk_client_ticket(c, &nst);
		return TLSH_OK;
	case TLSH_HS_KEY_UPDATE:
		/* The length is checked from the header. */
		if (body[0] > 1)
			return TLSH_ERR_ILLEGAL_PARAMETER;
		if (userspace)
			return key_update(c, body[0], last);
		tlsh_set_reason(c, "peer sent KeyUpdate; the kernel cannot rekey");
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	default:
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	}
}

enum tlsh_err tlsh_post_handshake(struct tlsh_conn *c, const uint8_t *data,
				  size_t len, bool userspace)
{
	const uint8_t *m;
	size_t off = 0, have, mlen;

	if (len == 0)
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	if (c->post_skip) {
		size_t n = len < c->post_skip ? len : c->post_skip;

		c->post_skip -= n;
		data += n;
		len -= n;
	}
	TRY(tlsh_hs_in_add(c, data, len));
	while ((m = tlsh_hs_in_at(c, off, &have, &mlen))) {
		if (userspace && renegotiation(c, m[0])) {
			/* Refused from its header; the rest is skipped. */
			c->cur_msg = m[0];
			TRY(refuse_renegotiation(c));
			if (have < TLSH_HS_HDR + mlen) {
				c->post_skip = TLSH_HS_HDR + mlen - have;
				off = c->hs_in.len;
				break;
			}
			off += TLSH_HS_HDR + mlen;
			continue;
		}
		TRY(tlsh_check_msg_len(c, m[0], mlen));
		if (mlen > TLSH_MAX_PLAINTEXT)
			return TLSH_ERR_HANDSHAKE_FAILURE;
		if (have < TLSH_HS_HDR + mlen)
			break;
		TRY(post_message(c, m, TLSH_HS_HDR + mlen, userspace,
				 off + TLSH_HS_HDR + mlen == c->hs_in.len));
		off += TLSH_HS_HDR + mlen;
	}
	tlsh_hs_in_drop(c, off);
	return TLSH_OK;
}

/* Through kTLS, which cannot rekey: the TLS 1.2 refusals are fatal too. */
enum tlsh_err tlsh_conn_post_handshake(struct tlsh_conn *c,
				       const uint8_t *data, size_t len)
{
	enum tlsh_err err;

	if (c->err)
		return c->err;
	if (!c->done)
		return TLSH_ERR_STATE;
	err = tlsh_post_handshake(c, data, len, false);
	if (err) {
		tlsh_set_reason(c, "%s (in %s after the handshake)",
				tlsh_err_str(err), tlsh_msg_name(c->cur_msg));
		c->err = err;
	}
	return err;
}
