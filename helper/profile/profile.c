// SPDX-License-Identifier: GPL-2.0
/* One TLS profile for serve, connect and the daemon's listeners. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/random.h"
#include "profile/profile.h"
#include "tls/kex.h"

int tlsh_err_msg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

void tlsh_profile_init(struct tlsh_profile *p)
{
	memset(p, 0, sizeof(*p));
}

void tlsh_profile_free(struct tlsh_profile *p)
{
	size_t i;

	for (i = 0; i < p->n_certs; i++)
		free(p->certs[i]);
	for (i = 0; i < p->n_keys; i++)
		free(p->keys[i]);
	for (i = 0; i < p->n_ticket_keys; i++)
		free(p->ticket_keys[i]);
	free(p->psk_identity);
	free(p->psk_file);
	free(p->ca);
	free(p->alpn);
	tlsh_profile_init(p);
}

uint16_t tlsh_version_parse(const char *s)
{
	return !strcmp(s, "1.2") ? TLSH_TLS12 : !strcmp(s, "1.3") ? TLSH_TLS13 : 0;
}

const char *tlsh_version_name(uint16_t v)
{
	return v == TLSH_TLS12 ? "1.2" : v == TLSH_TLS13 ? "1.3" : NULL;
}

const char *tlsh_group_name(uint16_t group)
{
	switch (group) {
	case TLSH_GROUP_X25519:
		return "x25519";
	case TLSH_GROUP_SECP256R1:
		return "secp256r1";
	case TLSH_GROUP_SECP384R1:
		return "secp384r1";
	default:
		return NULL;
	}
}

/*
 * Split a copy of list at the commas into names (at most max, each 1 to
 * 255 bytes). Returns how many, or -1 (*buf freed).
 */
static int split_alpn(const char *list, char **buf, const char **names,
		      size_t max)
{
	char *save = NULL, *tok;
	size_t n = 0;

	*buf = strdup(list);
	if (!*buf)
		return -1;
	for (tok = strtok_r(*buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == max || strlen(tok) > 255)
			goto bad;
		names[n++] = tok;
	}
	if (n)
		return (int)n;
bad:
	free(*buf);
	*buf = NULL;
	return -1;
}

int tlsh_set_str(char **dst, const char *v)
{
	char *copy = strdup(v);

	if (!copy)
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
}

int tlsh_parse_long(const char *v, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(v, &end, 10);
	return errno || !*v || *end || *out < min || *out > max ? -1 : 0;
}

static const char *const flags[] = {
	"verify-client", "allow-rsa-kx", "allow-no-ems",
};
static const char *const valued[] = {
	"cert", "key", "ca", "alpn", "tickets", "max-handshake-bytes",
	"tls-min", "tls-max", "ticket-keys", "psk-identity", "psk-file",
};

static bool listed(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

int tlsh_profile_set(struct tlsh_profile *p, const char *name,
		     const char *v, char *err, size_t errlen)
{
	bool flag = listed(name, flags, sizeof(flags) / sizeof(flags[0]));
	const char *names[TLSH_PROFILE_MAX_ALPN];
	char *buf;
	long n;

	if (!flag && !listed(name, valued, sizeof(valued) / sizeof(valued[0])))
		return 0;
	if (flag && v)
		return tlsh_err_msg(err, errlen, "%s takes no value", name);
	if (!flag && (!v || !*v))
		return tlsh_err_msg(err, errlen, "%s needs a value", name);
	if (!strcmp(name, "verify-client")) {
		p->verify_client = true;
	} else if (!strcmp(name, "allow-rsa-kx")) {
		p->allow_rsa_kx = true;
	} else if (!strcmp(name, "allow-no-ems")) {
		p->allow_no_ems = true;
	} else if (!strcmp(name, "cert") || !strcmp(name, "key")) {
		bool cert = name[0] == 'c';
		size_t *count = cert ? &p->n_certs : &p->n_keys;

		if (*count == TLSH_PROFILE_MAX_CREDS)
			return tlsh_err_msg(err, errlen, "at most %d certificates and keys",
				    TLSH_PROFILE_MAX_CREDS);
		if (tlsh_set_str(&(cert ? p->certs : p->keys)[*count], v))
			goto nomem;
		(*count)++;
	} else if (!strcmp(name, "ca")) {
		if (tlsh_set_str(&p->ca, v))
			goto nomem;
	} else if (!strcmp(name, "alpn")) {
		/* Checked here, split again when loaded. */
		if (split_alpn(v, &buf, names, TLSH_PROFILE_MAX_ALPN) < 0)
			goto bad;
		free(buf);
		if (tlsh_set_str(&p->alpn, v))
			goto nomem;
	} else if (!strcmp(name, "tickets")) {
		if (tlsh_parse_long(v, 0, 16, &n))
			goto bad;
		p->tickets = (unsigned int)n;
		p->tickets_set = true;
	} else if (!strcmp(name, "psk-identity") || !strcmp(name, "psk-file")) {
		if (strlen(v) > 255)
			goto bad;
		if (tlsh_set_str(name[4] == 'i' ? &p->psk_identity :
				 &p->psk_file, v))
			goto nomem;
	} else if (!strcmp(name, "ticket-keys")) {
		if (p->n_ticket_keys == TLSH_PROFILE_MAX_TICKET_KEYS)
			return tlsh_err_msg(err, errlen, "at most %d ticket key files",
				    TLSH_PROFILE_MAX_TICKET_KEYS);
		if (tlsh_set_str(&p->ticket_keys[p->n_ticket_keys], v))
			goto nomem;
		p->n_ticket_keys++;
	} else if (!strcmp(name, "max-handshake-bytes")) {
		if (tlsh_parse_long(v, 1024, 16 << 20, &n))
			goto bad;
		p->max_handshake = (size_t)n;
	} else {	/* tls-min, tls-max */
		uint16_t ver = tlsh_version_parse(v);

		if (!ver)
			return tlsh_err_msg(err, errlen,
				    "bad value for %s: '%s' (1.2 or 1.3)", name, v);
		*(name[5] == 'i' ? &p->tls_min : &p->tls_max) = ver;
	}
	return 1;
bad:
	return tlsh_err_msg(err, errlen, "bad value for %s: '%s'", name, v);
nomem:
	return tlsh_err_msg(err, errlen, "out of memory");
}

void tlsh_line_put(struct tlsh_line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->p, l->left, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= l->left) {
		l->overflow = true;
		return;
	}
	l->p += n;
	l->left -= (size_t)n;
}

void tlsh_profile_format(const struct tlsh_profile *p, struct tlsh_line *l)
{
	for (size_t i = 0; i < p->n_certs && i < p->n_keys; i++)
		tlsh_line_put(l, " cert=%s key=%s", p->certs[i], p->keys[i]);
	if (p->ca)
		tlsh_line_put(l, " ca=%s", p->ca);
	if (p->verify_client)
		tlsh_line_put(l, " verify-client");
	if (p->alpn)
		tlsh_line_put(l, " alpn=%s", p->alpn);
	if (p->tickets || p->tickets_set)
		tlsh_line_put(l, " tickets=%u", p->tickets);
	for (size_t i = 0; i < p->n_ticket_keys; i++)
		tlsh_line_put(l, " ticket-keys=%s", p->ticket_keys[i]);
	if (p->psk_identity)
		tlsh_line_put(l, " psk-identity=%s", p->psk_identity);
	if (p->psk_file)
		tlsh_line_put(l, " psk-file=%s", p->psk_file);
	if (p->max_handshake)
		tlsh_line_put(l, " max-handshake-bytes=%zu", p->max_handshake);
	if (p->tls_min)
		tlsh_line_put(l, " tls-min=%s", tlsh_version_name(p->tls_min));
	if (p->tls_max)
		tlsh_line_put(l, " tls-max=%s", tlsh_version_name(p->tls_max));
	if (p->allow_rsa_kx)
		tlsh_line_put(l, " allow-rsa-kx");
	if (p->allow_no_ems)
		tlsh_line_put(l, " allow-no-ems");
}

int tlsh_profile_check(const struct tlsh_profile *p, bool server, char *err,
		       size_t errlen)
{
	if (server && !p->n_certs)
		return tlsh_err_msg(err, errlen, "a certificate and its key are required");
	if (p->n_certs != p->n_keys)
		return tlsh_err_msg(err, errlen, "each certificate needs its key");
	if (p->tls_min && p->tls_max && p->tls_min > p->tls_max)
		return tlsh_err_msg(err, errlen, "tls-min is above tls-max");
	if (!server && (p->verify_client || p->tickets || p->n_ticket_keys))
		return tlsh_err_msg(err, errlen, "%s is for a server",
			    p->verify_client ? "verify-client" :
			    p->tickets ? "tickets" : "ticket-keys");
	if (!p->psk_identity != !p->psk_file)
		return tlsh_err_msg(err, errlen, "psk-identity and psk-file go together");
	if (p->verify_client && !p->ca)
		return tlsh_err_msg(err, errlen, "verify-client needs a CA file (ca)");
	return 0;
}

void tlsh_profile_unload(struct tlsh_profile_state *st)
{
	for (size_t i = 0; i < st->n_cred; i++)
		tlsh_cred_free(&st->cred[i]);
	if (st->trust)
		gnutls_x509_trust_list_deinit(st->trust, 1);
	free(st->alpn_buf);
	free(st->ca_names);
	explicit_bzero(st, sizeof(*st));
}

/*
 * An nginx-compatible key file: exactly 80 bytes (`openssl rand 80`),
 * turned into a name and an AEAD key (tlsh_ticket_key_derive). The raw
 * bytes are wiped; nothing of them is ever printed.
 */
static int load_ticket_key(const char *path, struct tlsh_ticket_key *k,
			   char *err, size_t errlen)
{
	uint8_t raw[TLSH_TICKET_KEY_FILE_LEN + 1];
	size_t n;
	FILE *f = fopen(path, "rbe");

	if (!f)
		return tlsh_err_msg(err, errlen, "cannot open ticket key file %s: %s",
			    path, strerror(errno));
	n = fread(raw, 1, sizeof(raw), f);
	fclose(f);
	if (n != TLSH_TICKET_KEY_FILE_LEN) {
		explicit_bzero(raw, sizeof(raw));
		return tlsh_err_msg(err, errlen, "ticket key file %s: %s%zu bytes, "
			    "want exactly %d (openssl rand 80 > FILE)", path,
			    n > TLSH_TICKET_KEY_FILE_LEN ? "over " : "",
			    n > TLSH_TICKET_KEY_FILE_LEN ? n - 1 : n,
			    TLSH_TICKET_KEY_FILE_LEN);
	}
	tlsh_ticket_key_derive(raw, k);
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

static int hexval(int ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' :
	       ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
	       ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/*
 * An external PSK: the key in hex in a file (as `openssl s_client -psk`
 * takes it; not on the command line, where ps would show it), 16 to
 * TLSH_PROFILE_MAX_PSK bytes, SHA-256.
 */
static int load_psk(const struct tlsh_profile *p, struct tlsh_profile_state *st,
		    char *err, size_t errlen)
{
	char hex[2 * TLSH_PROFILE_MAX_PSK + 3];
	size_t n = 0, len;
	FILE *f = fopen(p->psk_file, "re");
	int bad = 0;

	if (!f)
		return tlsh_err_msg(err, errlen, "cannot open PSK file %s: %s",
			    p->psk_file, strerror(errno));
	len = fread(hex, 1, sizeof(hex) - 1, f);
	fclose(f);
	while (len && (hex[len - 1] == '\n' || hex[len - 1] == '\r'))
		len--;
	for (size_t i = 0; i + 1 < len && n < TLSH_PROFILE_MAX_PSK; i += 2) {
		int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);

		bad |= hi < 0 || lo < 0;
		st->psk_key[n++] = (uint8_t)((hi & 15) << 4 | (lo & 15));
	}
	explicit_bzero(hex, sizeof(hex));
	if (bad || len % 2 || len != 2 * n || n < 16)
		return tlsh_err_msg(err, errlen, "PSK file %s: want 16 to %d bytes "
			    "in hex on one line", p->psk_file, TLSH_PROFILE_MAX_PSK);
	snprintf(st->psk_identity, sizeof(st->psk_identity), "%s",
		 p->psk_identity);
	st->psk.identity = (const uint8_t *)st->psk_identity;
	st->psk.identity_len = strlen(st->psk_identity);
	st->psk.key = st->psk_key;
	st->psk.key_len = n;
	st->cfg.psks = &st->psk;
	st->cfg.n_psks = 1;
	return 0;
}

void tlsh_profile_random_ticket_key(struct tlsh_profile_state *st)
{
	uint8_t raw[TLSH_TICKET_KEY_FILE_LEN];

	if (st->cfg.n_ticket_keys)
		return;
	tlsh_os_random(NULL, sizeof(raw), raw);
	tlsh_ticket_key_derive(raw, &st->ticket_keys[0]);
	explicit_bzero(raw, sizeof(raw));
	st->cfg.ticket_keys = st->ticket_keys;
	st->cfg.n_ticket_keys = 1;
}

enum tlsh_err tlsh_profile_load(const struct tlsh_profile *p, bool server,
				struct tlsh_profile_state *st, char *err,
				size_t errlen)
{
	struct tlsh_config *cfg = &st->cfg;
	enum tlsh_err e = TLSH_ERR_CONFIG;
	int n_alpn = 0;

	memset(st, 0, sizeof(*st));
	if (tlsh_profile_check(p, server, err, errlen))
		return TLSH_ERR_CONFIG;
	for (size_t i = 0; i < p->n_certs; i++) {
		/* Also proves that the key signs for the certificate. */
		e = tlsh_cred_load(&st->cred[i], p->certs[i], p->keys[i]);
		if (e) {
			tlsh_err_msg(err, errlen, "cannot load certificate %s / key %s: %s",
			     p->certs[i], p->keys[i], tlsh_err_str(e));
			goto fail;
		}
		st->cred_ptr[i] = &st->cred[i];
		st->n_cred = i + 1;
	}
	if (p->ca || !server) {
		e = tlsh_trust_load(&st->trust, p->ca);
		if (e) {
			tlsh_err_msg(err, errlen, "no CA certificates loaded from %s",
			     p->ca ? p->ca : "the system store");
			goto fail;
		}
	}
	if (server && p->verify_client) {
		e = tlsh_ca_names_load(p->ca, &st->ca_names, &st->ca_names_len);
		if (e) {
			tlsh_err_msg(err, errlen, "cannot read the CA names in %s",
				     p->ca);
			goto fail;
		}
	}
	if (p->alpn) {
		n_alpn = split_alpn(p->alpn, &st->alpn_buf, st->alpn,
				    TLSH_PROFILE_MAX_ALPN);
		if (n_alpn < 0) {
			e = TLSH_ERR_CONFIG;
			tlsh_err_msg(err, errlen, "bad ALPN list '%s'", p->alpn);
			goto fail;
		}
	}
	cfg->random = tlsh_os_random;
	cfg->cred = st->n_cred ? st->cred_ptr[0] : NULL;
	cfg->creds = st->cred_ptr;
	cfg->n_creds = st->n_cred;
	cfg->trust = st->trust;
	cfg->verify_client = p->verify_client;
	cfg->require_client_cert = p->verify_client;
	/* Loaded above; only a list too long for one message is left out. */
	cfg->client_ca_names = st->ca_names;
	cfg->client_ca_names_len = st->ca_names_len;
	cfg->alpn = n_alpn ? st->alpn : NULL;
	cfg->n_alpn = (size_t)n_alpn;
	for (size_t i = 0; i < p->n_ticket_keys; i++) {
		if (load_ticket_key(p->ticket_keys[i], &st->ticket_keys[i], err,
				    errlen)) {
			e = TLSH_ERR_CONFIG;
			goto fail;
		}
	}
	if (p->psk_file && load_psk(p, st, err, errlen)) {
		e = TLSH_ERR_CONFIG;
		goto fail;
	}
	cfg->ticket_keys = p->n_ticket_keys ? st->ticket_keys : NULL;
	cfg->n_ticket_keys = p->n_ticket_keys;
	cfg->n_tickets = p->tickets_set || !p->n_ticket_keys ? p->tickets :
			 TLSH_PROFILE_DEFAULT_TICKETS;
	cfg->max_handshake_bytes = p->max_handshake;
	cfg->min_version = p->tls_min;
	cfg->max_version = p->tls_max;
	cfg->allow_rsa_kx = p->allow_rsa_kx;
	cfg->allow_no_ems = p->allow_no_ems;
	return TLSH_OK;
fail:
	tlsh_profile_unload(st);
	return e;
}
