/* SPDX-License-Identifier: GPL-2.0 */
/* client.c: the TLS 1.3 client and the ClientHello of both versions. */
#ifndef TLSH_TLS_CLIENT_H
#define TLSH_TLS_CLIENT_H

#include "tls/conn.h"

/* client.c: the client offers TLS 1.3 (suites and range allow it). */
bool tlsh_client_offers13(const struct tlsh_conn *c);
enum tlsh_err tlsh_send_client_hello(struct tlsh_conn *c);
enum tlsh_err tlsh_recv_server_hello(struct tlsh_conn *c, const uint8_t *b,
				     size_t len);
extern const struct tlsh_shape tlsh_client_shapes[];
extern const size_t tlsh_client_n_shapes;

#endif
