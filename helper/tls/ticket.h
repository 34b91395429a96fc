/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ticket.c: NewSessionTicket and every handshake message after the
 * handshake.
 */
#ifndef TLSH_TLS_TICKET_H
#define TLSH_TLS_TICKET_H

#include "tls/conn.h"

enum tlsh_err tlsh_send_tickets(struct tlsh_conn *c);
/*
 * Handshake bytes after the handshake. userspace: on the engine's record
 * layer, which can follow KeyUpdate and answer TLS 1.2 renegotiation with
 * a no_renegotiation warning; otherwise (kTLS) both end the connection.
 */
TLSH_MUST_CHECK enum tlsh_err tlsh_post_handshake(struct tlsh_conn *c,
						  const uint8_t *data,
						  size_t len, bool userspace);

#endif
