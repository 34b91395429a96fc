// SPDX-License-Identifier: GPL-2.0
/* server_name and ALPN for both versions, and address literals. */
#include <stddef.h>
#include <string.h>

#include "tls/names.h"
#include "tls/query.h"

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

void tlsh_sni_put_offer(struct tlsh_wbuf *w, const char *server_name)
{
	size_t e, list, name;

	if (!server_name || !*server_name || tlsh_ip_literal(server_name))
		return;
	e = tlsh_ext_open(w, TLSH_X_SERVER_NAME);
	list = tlsh_vec_open(w, 2);
	tlsh_put_u8(w, 0);	/* host_name */
	name = tlsh_vec_open(w, 2);
	tlsh_put_bytes(w, server_name, strlen(server_name));
	tlsh_vec_close(w, name, 2);
	tlsh_vec_close(w, list, 2);
	tlsh_ext_close(w, e);
}

void tlsh_alpn_put_offer(struct tlsh_wbuf *w, const struct tlsh_config *cfg)
{
	size_t e, list, name;

	if (!cfg->n_alpn)
		return;
	e = tlsh_ext_open(w, TLSH_X_ALPN);
	list = tlsh_vec_open(w, 2);
	for (size_t i = 0; i < cfg->n_alpn; i++) {
		name = tlsh_vec_open(w, 1);
		tlsh_put_bytes(w, cfg->alpn[i], strlen(cfg->alpn[i]));
		tlsh_vec_close(w, name, 1);
	}
	tlsh_vec_close(w, list, 2);
	tlsh_ext_close(w, e);
}

void tlsh_sni_note(struct tlsh_conn *c, const struct tlsh_client_hello *ch)
{
	if (ch->sni && ch->sni_len < sizeof(c->sni)) {
		memcpy(c->sni, ch->sni, ch->sni_len);
		c->sni[ch->sni_len] = 0;
		c->has_sni = true;
	}
}

static void set_alpn(struct tlsh_conn *c, const void *name, size_t len)
{
	memcpy(c->alpn, name, len);
	c->alpn[len] = 0;
	c->has_alpn = true;
}

enum tlsh_err tlsh_alpn_choose(struct tlsh_conn *c,
			       const struct tlsh_client_hello *ch)
{
	const struct tlsh_config *cfg = c->cfg;

	if (!tlsh_ext_has(&ch->x, TLSH_X_ALPN) || !cfg->n_alpn)
		return TLSH_OK;
	for (size_t i = 0; i < cfg->n_alpn; i++) {
		struct tlsh_cur list = ch->alpn;
		size_t want = strlen(cfg->alpn[i]);

		while (tlsh_cur_left(&list)) {
			struct tlsh_cur name;

			if (tlsh_cur_vec(&list, 1, 1, 255, &name))
				return TLSH_ERR_DECODE;
			if (tlsh_cur_left(&name) == want &&
			    !memcmp(name.p, cfg->alpn[i], want)) {
				set_alpn(c, cfg->alpn[i], want);
				return TLSH_OK;
			}
		}
	}
	tlsh_set_reason(c, "no common application protocol");
	return TLSH_ERR_NO_APPLICATION_PROTOCOL;
}

void tlsh_names_put_answer(const struct tlsh_conn *c, struct tlsh_wbuf *w)
{
	size_t e;

	if (c->has_alpn) {
		size_t list, name;

		e = tlsh_ext_open(w, TLSH_X_ALPN);
		list = tlsh_vec_open(w, 2);
		name = tlsh_vec_open(w, 1);
		tlsh_put_bytes(w, c->alpn, strlen(c->alpn));
		tlsh_vec_close(w, name, 1);
		tlsh_vec_close(w, list, 2);
		tlsh_ext_close(w, e);
	}
	if (c->has_sni) {
		/* acknowledged, empty */
		e = tlsh_ext_open(w, TLSH_X_SERVER_NAME);
		tlsh_ext_close(w, e);
	}
}

enum tlsh_err tlsh_alpn_accept(struct tlsh_conn *c, const uint8_t *name,
			       size_t len)
{
	const struct tlsh_config *cfg = c->cfg;

	for (size_t i = 0; i < cfg->n_alpn; i++) {
		if (strlen(cfg->alpn[i]) == len &&
		    !memcmp(cfg->alpn[i], name, len)) {
			set_alpn(c, name, len);
			return TLSH_OK;
		}
	}
	return TLSH_ERR_ILLEGAL_PARAMETER;
}
