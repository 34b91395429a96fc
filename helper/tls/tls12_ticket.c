// SPDX-License-Identifier: GPL-2.0
/*
 * TLS 1.2 session tickets (RFC 5077), both roles.
 *
 * A client with on_session sends an empty SessionTicket extension; with a
 * TLS 1.2 session in cfg->session it sends that session's ticket and a
 * session id, which a server that resumes echoes (RFC 5077 3.4). The
 * server seals tickets with psk.c (format 2: suite, master secret, EMS,
 * issue time, lifetime, SNI, ALPN, client certificate identity) and sends
 * one when the client asked, ticket keys exist and cfg->n_tickets is not
 * 0. A ticket that opens, fits (tlsh_ticket_fits) and names a suite both
 * sides still allow resumes: ServerHello, NewSessionTicket (only when the
 * ticket was sealed under an older key: the first one reseals it, keeping
 * its issue time), ChangeCipherSpec, Finished; the client answers with its
 * own. Anything else means a full handshake, without an alert.
 *
 * The extended master secret (RFC 7627 5.3): no ticket is issued for, and
 * no client session kept of, a handshake without it. A ClientHello
 * without EMS presenting a ticket gets a full handshake ("the server MUST
 * abort the abbreviated handshake": we fall back rather than fail, and the
 * full handshake then follows cfg->allow_no_ems); a ServerHello resuming
 * without EMS fails the handshake ("the client MUST abort the handshake").
 */
#include <stdlib.h>
#include <string.h>

#include "tls/conn.h"
#include "tls/psk.h"
#include "tls/query.h"
#include "tls/tls12.h"
#include "tls/tls12_ticket.h"

#define HINT_UNSPECIFIED_S	7200	/* lifetime hint 0 (RFC 5077 3.3) */
#define MAX_SESSION_S		604800

/* ---- client ---- */

const char *tlsh12_ticket_client_offer(struct tlsh_conn *c,
				       const struct tlsh_ticket_state *st)
{
	const struct tlsh_config *cfg = c->cfg;

	if (!tlsh_cfg_speaks(cfg, TLSH_TLS12))
		return "TLS 1.2 not offered";
	if (!st->ems || st->psk_len != TLSH_MASTER_SECRET)
		return "session without the extended master secret";
	c->tk12.offered = true;
	c->tk12.ticket = st->ticket;
	c->tk12.ticket_len = st->ticket_len;
	c->tk12.suite = st->suite;
	memcpy(c->tk12.ms, st->psk, TLSH_MASTER_SECRET);
	/* The echo of our session id is how resumption shows (RFC 5077 3.4). */
	if (!c->session_id_len) {
		cfg->random(cfg->random_ctx, 32, c->session_id);
		c->session_id_len = 32;
	}
	return "server did not resume";
}

void tlsh12_ticket_client_put(struct tlsh_conn *c, struct tlsh_wbuf *w)
{
	size_t e;

	if (!c->tk12.offered && !c->on_session)
		return;
	e = tlsh_ext_open(w, TLSH_X_SESSION_TICKET);
	if (c->tk12.offered)
		tlsh_put_bytes(w, c->tk12.ticket, c->tk12.ticket_len);
	tlsh_ext_close(w, e);
}

static void resumed_key_block(struct tlsh_conn *c)
{
	tlsh_key_block(c->suite, c->t12.ms, c->client_random,
		       c->t12.server_random, &c->t12.kb);
	if (c->cfg->keylog)
		c->cfg->keylog(c->cfg->keylog_ctx, "CLIENT_RANDOM",
			       c->client_random, c->t12.ms, TLSH_MASTER_SECRET);
}

enum tlsh_err
tlsh12_ticket_client_server_hello(struct tlsh_conn *c,
				  const struct tlsh_server_hello *sh)
{
	if (tlsh_ext_has(&sh->x, TLSH_X_SESSION_TICKET)) {
		/* RFC 5077 3.2: the server's is empty. */
		if (tlsh_cur_left(&sh->x.body[TLSH_X_SESSION_TICKET]))
			return TLSH_ERR_DECODE;
		c->tk12.issue = true;
	}
	if (!c->tk12.offered || !sh->session_id_len ||
	    sh->session_id_len != c->session_id_len ||
	    memcmp(sh->session_id, c->session_id, c->session_id_len))
		return TLSH_OK;
	if (sh->suite != c->tk12.suite) {
		tlsh_set_reason(c, "server resumed with another cipher suite");
		return TLSH_ERR_ILLEGAL_PARAMETER;
	}
	if (!c->t12.ems) {
		tlsh_set_reason(c, "server resumed without the extended master secret");
		return TLSH_ERR_HANDSHAKE_FAILURE;
	}
	memcpy(c->t12.ms, c->tk12.ms, TLSH_MASTER_SECRET);
	resumed_key_block(c);
	c->psk_use = TLSH_PSK_RESUMED;
	c->session_note = NULL;
	return TLSH_OK;
}

enum tlsh_err tlsh12_recv_new_session_ticket(struct tlsh_conn *c,
					     const uint8_t *b, size_t len)
{
	struct tlsh_cur cur = tlsh_cur_make(b, len), t;
	uint32_t hint;

	TRY(tlsh_cur_u32(&cur, &hint));
	TRY(tlsh_cur_vec(&cur, 2, 0, 0xffff, &t));
	TRY(tlsh_cur_end(&cur));
	free(c->tk12.got);
	c->tk12.got = NULL;
	c->tk12.got_len = 0;
	/* An empty ticket: the server changed its mind (RFC 5077 3.3). */
	if (!tlsh_cur_left(&t) || !c->on_session)
		return TLSH_OK;
	c->tk12.got = malloc(tlsh_cur_left(&t));
	if (!c->tk12.got)
		return TLSH_ERR_NOMEM;
	memcpy(c->tk12.got, t.p, tlsh_cur_left(&t));
	c->tk12.got_len = tlsh_cur_left(&t);
	c->tk12.got_lifetime = hint;
	return TLSH_OK;
}

void tlsh12_ticket_client_finished(struct tlsh_conn *c)
{
	struct tlsh_ticket_state st;
	uint32_t life = c->tk12.got_lifetime;

	if (!c->tk12.got_len || !c->on_session || !c->t12.ems)
		return;
	memset(&st, 0, sizeof(st));
	st.version = TLSH_TLS12;
	st.suite = c->suite->id;
	st.time = tlsh_ticket_now(c);
	st.lifetime = !life ? HINT_UNSPECIFIED_S :
		      life < MAX_SESSION_S ? life : MAX_SESSION_S;
	memcpy(st.psk, c->t12.ms, TLSH_MASTER_SECRET);
	st.psk_len = TLSH_MASTER_SECRET;
	st.ems = true;
	st.sni_len = c->has_sni ? strlen(c->sni) : 0;
	memcpy(st.sni, c->sni, st.sni_len);
	st.alpn_len = c->has_alpn ? strlen(c->alpn) : 0;
	memcpy(st.alpn, c->alpn, st.alpn_len);
	st.ticket = c->tk12.got;
	st.ticket_len = c->tk12.got_len;
	tlsh_session_emit(c, &st);
	explicit_bzero(&st, sizeof(st));
}

/* ---- server ---- */

static bool suite_ours(const struct tlsh_conn *c,
		       const struct tlsh_client_hello *ch, uint16_t id)
{
	const struct tlsh_suite *s = tlsh_suite_by_id(id);
	size_t n;
	const uint16_t *ours = tlsh_cfg_suites(c->cfg, &n);

	if (!s || !tlsh_suite_is12(s) || !tlsh_suite_allowed(c->cfg, s) ||
	    !tlsh_u16_list_has(ch->suites, id))
		return false;
	for (size_t i = 0; i < n; i++)
		if (ours[i] == id)
			return true;
	return false;
}

/* The session of a ticket that resumes this connection, into c. */
static bool resume(struct tlsh_conn *c, const struct tlsh_client_hello *ch,
		   const uint8_t *t, size_t len)
{
	struct tlsh_ticket_state st = { .version = TLSH_TLS12 };
	size_t key_index = 0;
	bool ok;

	ok = tlsh_ticket_open(c, t, len, &st, &key_index) && st.ems &&
	     c->t12.ems && tlsh_ticket_fits(c, &st) &&
	     suite_ours(c, ch, st.suite);
	if (ok) {
		c->suite = tlsh_suite_by_id(st.suite);
		memcpy(c->t12.ms, st.psk, TLSH_MASTER_SECRET);
		c->has_client_id = st.has_client_id;
		memcpy(c->client_id, st.client_id, sizeof(c->client_id));
		c->tk12.time = st.time;
		c->tk12.lifetime = st.lifetime;
		/* Resealed under the first key only when another opened it. */
		c->tk12.issue = c->tk12.issue && key_index != 0;
		memcpy(c->session_id, ch->session_id, ch->session_id_len);
		c->session_id_len = ch->session_id_len;
		c->psk_use = TLSH_PSK_RESUMED;
	}
	explicit_bzero(&st, sizeof(st));
	return ok;
}

enum tlsh_err tlsh12_ticket_server_hello(struct tlsh_conn *c,
					 const struct tlsh_client_hello *ch,
					 bool *resumed)
{
	const struct tlsh_config *cfg = c->cfg;
	struct tlsh_cur t = ch->x.body[TLSH_X_SESSION_TICKET];

	*resumed = false;
	if (!tlsh_ext_has(&ch->x, TLSH_X_SESSION_TICKET) || !cfg->n_ticket_keys)
		return TLSH_OK;
	/* No ticket for a session without EMS (RFC 7627 5.3). */
	c->tk12.issue = cfg->n_tickets && c->t12.ems;
	if (tlsh_cur_left(&t))
		*resumed = resume(c, ch, t.p, tlsh_cur_left(&t));
	return TLSH_OK;
}

void tlsh12_ticket_put_sh_ext(struct tlsh_conn *c, struct tlsh_wbuf *w)
{
	if (c->tk12.issue)
		tlsh_ext_close(w, tlsh_ext_open(w, TLSH_X_SESSION_TICKET));
}

enum tlsh_err tlsh12_send_new_session_ticket(struct tlsh_conn *c)
{
	struct tlsh_wbuf *w = &c->hs_out;
	struct tlsh_ticket_state st;
	uint64_t age;
	size_t m;
	enum tlsh_err err;

	tlsh_ticket_state_init(c, &st);
	st.version = TLSH_TLS12;
	st.suite = c->suite->id;
	memcpy(st.psk, c->t12.ms, TLSH_MASTER_SECRET);
	st.psk_len = TLSH_MASTER_SECRET;
	st.ems = c->t12.ems;
	if (c->psk_use == TLSH_PSK_RESUMED) {
		st.time = c->tk12.time;
		st.lifetime = c->tk12.lifetime;
	}
	age = tlsh_ticket_now(c) - st.time;
	m = tlsh_hs_open(w, TLSH_HS_NEW_SESSION_TICKET) - 1;
	/* ticket_lifetime_hint: what is left of it (at least a second). */
	tlsh_put_uint(w, 4, age < st.lifetime ? st.lifetime - (uint32_t)age :
			    1);
	err = tlsh_ticket_seal(c, &st, w);
	explicit_bzero(&st, sizeof(st));
	TRY(err);
	return tlsh_msg_end(c, m);
}

enum tlsh_err tlsh12_send_ccs_finished_resumed(struct tlsh_conn *c)
{
	resumed_key_block(c);
	return tlsh12_send_ccs_finished(c);
}

void tlsh12_ticket_wipe(struct tlsh_conn *c)
{
	explicit_bzero(c->tk12.ms, sizeof(c->tk12.ms));
	if (c->tk12.got) {
		explicit_bzero(c->tk12.got, c->tk12.got_len);
		free(c->tk12.got);
	}
	c->tk12.got = NULL;
	c->tk12.got_len = 0;
}
