/* SPDX-License-Identifier: GPL-2.0 */
/* tls12_server.c: the TLS 1.2 server after the ClientHello. */
#ifndef TLSH_TLS_TLS12_SERVER_H
#define TLSH_TLS_TLS12_SERVER_H

#include "tls/conn.h"

/* The server settles on TLS 1.2 for this ClientHello (hello.c). */
TLSH_MUST_CHECK enum tlsh_err
tlsh12_server_start(struct tlsh_conn *c, const struct tlsh_client_hello *ch);

#endif
