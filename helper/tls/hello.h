/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hello.c: the hellos of both versions and the version dispatch. The step
 * tables of every shape start with these handlers.
 */
#ifndef TLSH_TLS_HELLO_H
#define TLSH_TLS_HELLO_H

#include "tls/conn.h"

/*
 * Open a ClientHello, ServerHello or HelloRetryRequest (hs_out) through
 * its common start: legacy_version, random, legacy_session_id. Returns the
 * mark for tlsh_msg_done().
 */
size_t tlsh_hello_open(struct tlsh_conn *c, uint8_t type,
		       const uint8_t *random);

/* Client: TLS 1.3 / TLS 1.2 is offered (the range and suites allow it). */
bool tlsh_client_offers13(const struct tlsh_conn *c);
bool tlsh12_client_offers(const struct tlsh_conn *c);

/* Client: the ClientHello (again after an HRR) for the versions offered. */
enum tlsh_err tlsh_send_client_hello(struct tlsh_conn *c);
/* Client: a ServerHello, handed to the code of the version it names. */
enum tlsh_err tlsh_recv_server_hello(struct tlsh_conn *c, const uint8_t *b,
				     size_t len);
/* Server: a ClientHello; the version is chosen and its code takes over. */
enum tlsh_err tlsh_recv_client_hello(struct tlsh_conn *c, const uint8_t *b,
				     size_t len);

#endif
