/* SPDX-License-Identifier: GPL-2.0 */
/*
 * psk.c: TLS 1.3 pre-shared keys (RFC 8446 4.2.9, 4.2.11, 4.6.1): the
 * client's offer with its binders, the server's choice and binder check,
 * resumption tickets sealed under the ticket keys, and the client's
 * serialized session.
 */
#ifndef TLSH_TLS_PSK_H
#define TLSH_TLS_PSK_H

#include "tls/conn.h"

/* Client, first ClientHello: decide what to offer (cfg->session, psks). */
void tlsh_psk_client_prepare(struct tlsh_conn *c);
/* Client, after a HelloRetryRequest: keep the PSKs of the suite's hash. */
void tlsh_psk_client_after_hrr(struct tlsh_conn *c);
/* Whether the client sends psk_key_exchange_modes / pre_shared_key. */
bool tlsh_psk_client_offers_modes(const struct tlsh_conn *c);
/* Write psk_key_exchange_modes and pre_shared_key (binders zeroed). */
void tlsh_psk_client_put(struct tlsh_conn *c, struct tlsh_wbuf *w);
/*
 * The ClientHello w->buf[mark..len) is complete (header length final):
 * compute the binders into its last bytes.
 */
void tlsh_psk_client_binders(struct tlsh_conn *c, size_t mark);
/*
 * Client: the ServerHello's pre_shared_key (or its absence): check it and
 * put the chosen PSK's early secret into c->ks (else zeros).
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_psk_client_accept(struct tlsh_conn *c, const struct tlsh_server_hello *sh);

/*
 * Server: choose a PSK from the ClientHello, verify its binder, set c->psk_use and c->ks. May
 * change c->suite to one of the PSK's hash (not after a HelloRetryRequest).
 * No usable PSK: TLSH_OK with c->psk_use TLSH_PSK_NONE.
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_psk_server_choose(struct tlsh_conn *c, const struct tlsh_client_hello *ch);

/* Server: the body of NewSessionTicket number i (ticket keys configured). */
TLSH_MUST_CHECK enum tlsh_err
tlsh_psk_write_ticket(struct tlsh_conn *c, unsigned int i,
		      struct tlsh_wbuf *w);
/* Client: a NewSessionTicket arrived after the handshake. */
void tlsh_psk_client_ticket(struct tlsh_conn *c,
			    const struct tlsh_new_session_ticket *nst);

/*
 * Sealed resumption state, shared by TLS 1.3 tickets and TLS 1.2 ones
 * (tls12_ticket.c). version says which: a ticket of one never opens as
 * the other. For TLS 1.2 psk is the master secret and age_add 0.
 */
struct tlsh_ticket_state {
	uint16_t version;	/* TLSH_TLS13 or TLSH_TLS12 */
	uint16_t suite;
	uint64_t time;		/* issued (server) / received (client) */
	uint32_t lifetime;
	uint32_t age_add;
	uint8_t psk[TLSH_HASH_MAX];
	size_t psk_len;
	uint8_t sni[255], alpn[255];
	size_t sni_len, alpn_len;
	uint8_t client_id[32];
	bool has_client_id;
	bool ems;		/* TLS 1.2: extended master secret */
	const uint8_t *ticket;	/* client session only */
	size_t ticket_len;
};

/* Server: st sealed under the first ticket key, as a vector<2> into w. */
TLSH_MUST_CHECK enum tlsh_err
tlsh_ticket_seal(struct tlsh_conn *c, const struct tlsh_ticket_state *st,
		 struct tlsh_wbuf *w);
/*
 * Server: open a ticket of st->version (set by the caller) sealed under one
 * of our keys; false if it does not. *key_index: the key that opened it.
 */
bool tlsh_ticket_open(const struct tlsh_conn *c, const uint8_t *t,
		      size_t len, struct tlsh_ticket_state *st,
		      size_t *key_index);
/*
 * Server: whether an opened ticket still fits this connection: within its
 * lifetime, the same SNI and ALPN, a client certificate if one is required.
 */
bool tlsh_ticket_fits(const struct tlsh_conn *c,
		      const struct tlsh_ticket_state *st);
/* Server: the state every new ticket starts from (time, lifetime, names). */
void tlsh_ticket_state_init(const struct tlsh_conn *c,
			    struct tlsh_ticket_state *st);
/* Client: hand st and its ticket to on_session, serialized. */
void tlsh_session_emit(struct tlsh_conn *c,
		       const struct tlsh_ticket_state *st);
/* Seconds since the epoch by the connection's clock. */
uint64_t tlsh_ticket_now(const struct tlsh_conn *c);

/* resumption_master_secret, once the client Finished is in the transcript. */
void tlsh_psk_derive_res_master(struct tlsh_conn *c);
void tlsh_psk_wipe(struct tlsh_conn *c);

#endif
