/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The names the hellos carry, for both versions: server_name (RFC 6066 3)
 * and ALPN (RFC 7301). The client offers them, the server keeps the one
 * and chooses the other, answers both, and the client accepts the answer.
 */
#ifndef TLSH_TLS_NAMES_H
#define TLSH_TLS_NAMES_H

#include <stdbool.h>

#include "tls/conn.h"

/*
 * True if s is a literal IPv4 address (four decimal octets, RFC 3986
 * dec-octet: no leading zeros) or IPv6 address (RFC 4291 2.2 text forms,
 * with "::" and a trailing IPv4 part): exactly what inet_pton() accepts,
 * without the socket headers. RFC 6066 3: never sent as server_name.
 */
bool tlsh_ip_literal(const char *s);

/* Client: server_name (unless none or an address) and ALPN extensions. */
void tlsh_sni_put_offer(struct tlsh_wbuf *w, const char *server_name);
void tlsh_alpn_put_offer(struct tlsh_wbuf *w, const struct tlsh_config *cfg);

/* Server: keep the client's server_name for tlsh_conn_sni(). */
void tlsh_sni_note(struct tlsh_conn *c, const struct tlsh_client_hello *ch);
/*
 * Server: the first of our protocols the client offers; none in common
 * fails with no_application_protocol. Nothing to do if either side has
 * no list.
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_alpn_choose(struct tlsh_conn *c, const struct tlsh_client_hello *ch);
/*
 * Server: the chosen protocol and the empty server_name acknowledgement
 * (EncryptedExtensions, or a TLS 1.2 ServerHello).
 */
void tlsh_names_put_answer(const struct tlsh_conn *c, struct tlsh_wbuf *w);

/* Client: the server's protocol must be one we offered. */
TLSH_MUST_CHECK enum tlsh_err
tlsh_alpn_accept(struct tlsh_conn *c, const uint8_t *name, size_t len);

#endif
