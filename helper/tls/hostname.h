/* SPDX-License-Identifier: GPL-2.0 */
/* Telling a host name from an address literal, without the socket API. */
#ifndef TLSH_TLS_HOSTNAME_H
#define TLSH_TLS_HOSTNAME_H

#include <stdbool.h>

/*
 * True if s is a literal IPv4 address (four decimal octets, RFC 3986
 * dec-octet: no leading zeros) or IPv6 address (RFC 4291 2.2 text forms,
 * with "::" and a trailing IPv4 part): exactly what inet_pton() accepts.
 * RFC 6066 3: such a name is never sent as server_name.
 */
bool tlsh_ip_literal(const char *s);

#endif
