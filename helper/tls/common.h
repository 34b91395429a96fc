/* SPDX-License-Identifier: GPL-2.0 */
/* common.c: TLS 1.3 handlers that both roles use. */
#ifndef TLSH_TLS_COMMON_H
#define TLSH_TLS_COMMON_H

#include "tls/conn.h"

enum tlsh_err tlsh_send_certificate(struct tlsh_conn *c);
enum tlsh_err tlsh_send_certificate_verify(struct tlsh_conn *c);
enum tlsh_err tlsh_send_finished(struct tlsh_conn *c);
enum tlsh_err tlsh_recv_certificate(struct tlsh_conn *c, const uint8_t *b,
				    size_t len);
enum tlsh_err tlsh_recv_certificate_verify(struct tlsh_conn *c,
					   const uint8_t *b, size_t len);
/* Checks the peer's Finished; the role's own continuation follows. */
enum tlsh_err tlsh_check_finished(struct tlsh_conn *c, const uint8_t *b,
				  size_t len);

#endif
