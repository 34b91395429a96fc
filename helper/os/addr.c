// SPDX-License-Identifier: GPL-2.0
#include "os/addr.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

int tlsh_addr_str(const struct sockaddr *sa, socklen_t len, char *buf,
		  size_t buflen)
{
	char host[INET6_ADDRSTRLEN];
	int port = -1;

	/* Long enough first: a short buffer may not even hold the family. */
	if (len >= sizeof(struct sockaddr_in) && sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
		snprintf(buf, buflen, "%s:%d", host, port);
	} else if (len >= sizeof(struct sockaddr_in6) &&
		   sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
		snprintf(buf, buflen, "[%s]:%d", host, port);
	} else {
		snprintf(buf, buflen, "?");
	}
	return port;
}

void tlsh_peer_str(int fd, char *buf, size_t buflen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len))
		snprintf(buf, buflen, "?");
	else
		tlsh_addr_str((struct sockaddr *)&ss, len, buf, buflen);
}

/* How many bytes byte ch takes escaped. */
static size_t escaped_len(unsigned char ch, unsigned char lowest)
{
	if (ch < lowest || ch >= 0x7f || ch == '"')
		return 4;	/* \xNN */
	return ch == '\\' ? 2 : 1;
}

static const char *escape(const char *s, size_t len, char *buf, size_t buflen,
			  unsigned char lowest)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, used = 0, total = 0;
	bool cut;

	for (i = 0; i < len; i++)
		total += escaped_len((unsigned char)s[i], lowest);
	/* Cut: keep room for "..." after the last byte that fits. */
	cut = total + 1 > buflen;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		size_t need = escaped_len(ch, lowest);

		if (cut && used + need + 3 + 1 > buflen) {
			snprintf(buf + used, buflen - used, "...");
			return buf;
		}
		if (need == 1) {
			buf[used++] = (char)ch;
		} else if (need == 2) {
			buf[used++] = '\\';
			buf[used++] = '\\';
		} else {
			buf[used++] = '\\';
			buf[used++] = 'x';
			buf[used++] = hex[ch >> 4];
			buf[used++] = hex[ch & 15];
		}
	}
	buf[used] = '\0';
	return buf;
}

const char *tlsh_log_str(const char *s, size_t len, char *buf, size_t buflen)
{
	return escape(s, len, buf, buflen, '!');
}

const char *tlsh_log_text(const char *s, char *buf, size_t buflen)
{
	return escape(s, strlen(s), buf, buflen, ' ');
}
