/* SPDX-License-Identifier: GPL-2.0 */
/* tls12_client.c: the TLS 1.2 client after the ServerHello. */
#ifndef TLSH_TLS_TLS12_CLIENT_H
#define TLSH_TLS_TLS12_CLIENT_H

#include "tls/conn.h"

/* A ServerHello that is not TLS 1.3 arrived (hello.c parsed it). */
TLSH_MUST_CHECK enum tlsh_err
tlsh12_client_server_hello(struct tlsh_conn *c,
			   const struct tlsh_server_hello *sh);

#endif
