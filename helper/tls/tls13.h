/* SPDX-License-Identifier: GPL-2.0 */
/*
 * client.c and server.c: TLS 1.3 for each role once hello.c has settled on
 * it, and the shape (step table) each role follows.
 */
#ifndef TLSH_TLS_TLS13_H
#define TLSH_TLS_TLS13_H

#include "tls/conn.h"

/* client.c: a TLS 1.3 ServerHello arrived (hello.c parsed it). */
TLSH_MUST_CHECK enum tlsh_err
tlsh13_client_server_hello(struct tlsh_conn *c,
			   const struct tlsh_server_hello *sh);
extern const struct tlsh_shape tlsh_client_shape;

/* server.c: TLS 1.3 for this ClientHello (hello.c parsed it). */
TLSH_MUST_CHECK enum tlsh_err
tlsh13_server_client_hello(struct tlsh_conn *c,
			   const struct tlsh_client_hello *ch);
extern const struct tlsh_shape tlsh_server_shape;

#endif
