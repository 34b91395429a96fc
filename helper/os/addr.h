/* SPDX-License-Identifier: GPL-2.0 */
/* Socket addresses and peer-supplied strings as text, for log lines. */
#ifndef TLSH_ADDR_H
#define TLSH_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

/*
 * "192.0.2.1:443" or "[2001:db8::1]:443" for an AF_INET or AF_INET6
 * address of len bytes, "?" for anything else. Returns the port, or -1.
 */
int tlsh_addr_str(const struct sockaddr *sa, socklen_t len, char *buf,
		  size_t buflen);

/* The peer of socket fd (getpeername), like tlsh_addr_str(). */
void tlsh_peer_str(int fd, char *buf, size_t buflen);

/*
 * A string the peer chose (SNI, ALPN, a certificate's name) made safe for
 * a one-line key=value log: printable ASCII is copied, a backslash
 * doubled, every other byte, a space and a double quote become \xNN (a
 * newline \x0a). The result is cut, with "...", to fit buflen (which must
 * be at least 4). Returns buf.
 */
const char *tlsh_log_str(const char *s, size_t len, char *buf, size_t buflen);
/* The same for free text (a reason quoting the peer): spaces are kept. */
const char *tlsh_log_text(const char *s, char *buf, size_t buflen);

#endif
