/* SPDX-License-Identifier: GPL-2.0 */
/* server.c: the TLS 1.3 server and the ClientHello of both versions. */
#ifndef TLSH_TLS_SERVER_H
#define TLSH_TLS_SERVER_H

#include "tls/conn.h"

enum tlsh_err tlsh_recv_client_hello(struct tlsh_conn *c, const uint8_t *b,
				     size_t len);
extern const struct tlsh_shape tlsh_server_shapes[];
extern const size_t tlsh_server_n_shapes;

#endif
