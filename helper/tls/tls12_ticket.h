/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tls12_ticket.c: TLS 1.2 session tickets (RFC 5077) with the extended
 * master secret carried (RFC 7627), both roles. The tickets are sealed and
 * opened by psk.c, the same keys and AEAD as TLS 1.3's.
 */
#ifndef TLSH_TLS_TLS12_TICKET_H
#define TLSH_TLS_TLS12_TICKET_H

#include "tls/conn.h"
#include "tls/msg.h"

struct tlsh_ticket_state;

/*
 * Client, from the session in cfg->session (psk.c has checked its name,
 * lifetime and suite): offer its ticket. Returns the session note until
 * the server resumes it (NULL: none).
 */
const char *tlsh12_ticket_client_offer(struct tlsh_conn *c,
				       const struct tlsh_ticket_state *st);
/* Client: the SessionTicket extension (with the ticket, or empty). */
void tlsh12_ticket_client_put(struct tlsh_conn *c, struct tlsh_wbuf *w);
/*
 * Client, a TLS 1.2 ServerHello checked: whether a NewSessionTicket comes
 * and whether the server resumed the session offered (then c->psk_use is
 * TLSH_PSK_RESUMED and the keys are ready for the abbreviated handshake).
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh12_ticket_client_server_hello(struct tlsh_conn *c,
				  const struct tlsh_server_hello *sh);
/* Client: NewSessionTicket (RFC 5077 3.3), kept until the Finished. */
TLSH_MUST_CHECK enum tlsh_err
tlsh12_recv_new_session_ticket(struct tlsh_conn *c, const uint8_t *b,
			       size_t len);
/* Client: the server's Finished verified: hand the session to on_session. */
void tlsh12_ticket_client_finished(struct tlsh_conn *c);

/*
 * Server, after check_hello (EMS known) with the SNI and ALPN settled:
 * whether a ticket will be sent, and the session of a ticket that opens
 * and fits (*resumed: suite and master secret set). Any ticket that does
 * not resume means a full handshake, never an alert.
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh12_ticket_server_hello(struct tlsh_conn *c,
			   const struct tlsh_client_hello *ch, bool *resumed);
/* Server: the empty SessionTicket extension of the ServerHello, if due. */
void tlsh12_ticket_put_sh_ext(struct tlsh_conn *c, struct tlsh_wbuf *w);
/* Server: NewSessionTicket, before our ChangeCipherSpec. */
TLSH_MUST_CHECK enum tlsh_err
tlsh12_send_new_session_ticket(struct tlsh_conn *c);
/* Server, abbreviated handshake: the key block, then CCS and Finished. */
TLSH_MUST_CHECK enum tlsh_err
tlsh12_send_ccs_finished_resumed(struct tlsh_conn *c);

void tlsh12_ticket_wipe(struct tlsh_conn *c);

#endif
