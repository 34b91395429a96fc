/* SPDX-License-Identifier: GPL-2.0 */
/* tls12_client.c: the TLS 1.2 client after the ServerHello. */
#ifndef TLSH_TLS_TLS12_CLIENT_H
#define TLSH_TLS_TLS12_CLIENT_H

#include "tls/conn.h"

/* tls12_client.c: the client offers TLS 1.2 (suites and range allow it). */
bool tlsh12_client_offers(const struct tlsh_conn *c);
/* tls12_client.c: a TLS 1.2 ServerHello arrived. */
TLSH_MUST_CHECK enum tlsh_err
tlsh12_client_server_hello(struct tlsh_conn *c,
			   const struct tlsh_server_hello *sh);

#endif
