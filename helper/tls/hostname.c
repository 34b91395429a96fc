// SPDX-License-Identifier: GPL-2.0
/* Address literals (RFC 3986 3.2.2, RFC 4291 2.2) for the SNI decision. */
#include <stddef.h>
#include <string.h>

#include "tls/hostname.h"

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_hex(char ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'f') ||
	       (ch >= 'A' && ch <= 'F');
}

/* Four dec-octets joined by dots, and nothing else. */
static bool ipv4_literal(const char *s)
{
	for (int octet = 0; octet < 4; octet++) {
		unsigned int v = 0;
		size_t n = 0;

		if (octet && *s++ != '.')
			return false;
		while (is_digit(s[n])) {
			v = v * 10 + (unsigned int)(s[n] - '0');
			if (++n > 3 || v > 255)
				return false;
		}
		if (!n || (n > 1 && s[0] == '0'))
			return false;
		s += n;
	}
	return !*s;
}

/*
 * Groups of one to four hex digits separated by ':', one "::" standing for
 * at least one zero group, and an IPv4 address in place of the last two.
 */
static bool ipv6_literal(const char *s)
{
	unsigned int groups = 0;
	bool gap = false;

	if (s[0] == ':') {
		if (s[1] != ':')
			return false;
		gap = true;
		s += 2;
	}
	while (*s) {
		size_t n = 0;

		while (is_hex(s[n]))
			n++;
		if (s[n] == '.') {
			if (!ipv4_literal(s))
				return false;
			groups += 2;
			break;
		}
		if (!n || n > 4)
			return false;
		groups++;
		s += n;
		if (!*s)
			break;
		if (*s++ != ':')
			return false;
		if (*s == ':') {
			if (gap)
				return false;
			gap = true;
			s++;
		} else if (!*s) {
			return false;	/* a single trailing ':' */
		}
		if (groups > 8)
			return false;
	}
	return gap ? groups <= 7 : groups == 8;
}

bool tlsh_ip_literal(const char *s)
{
	return ipv4_literal(s) || ipv6_literal(s);
}
