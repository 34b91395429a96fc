// SPDX-License-Identifier: GPL-2.0
/*
 * tlshd's configuration file (daemon_hs.h), GLib keyfile syntax: "[group]"
 * lines, "key=value" lines (blanks around both trimmed), comments from a
 * '#' at the start of a line, lists separated by ';', the escapes \s \t \n
 * \\ in values. Unknown groups and keys are kept for one warning, as tlshd
 * ignores them; a line that is neither is an error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon_hs.h"
#include "profile/profile.h"

void tlshd_hs_conf_free(struct tlshd_hs_conf *c)
{
	struct tlshd_hs_side *sides[2] = { &c->client, &c->server };
	unsigned int i;

	free(c->path);
	for (i = 0; i < c->n_keyrings; i++)
		free(c->keyrings[i]);
	for (i = 0; i < 2; i++) {
		free(sides[i]->truststore);
		free(sides[i]->crl);
		free(sides[i]->certificate);
		free(sides[i]->private_key);
	}
	memset(c, 0, sizeof(*c));
}

static char *trim(char *s)
{
	char *e;

	s += strspn(s, " \t");
	e = s + strlen(s);
	while (e > s && strchr(" \t\r\n", e[-1]))
		*--e = '\0';
	return s;
}

/* Undo the keyfile escapes in place; -1 for an unknown one. */
static int unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (*s != '\\') {
			*out++ = *s;
			continue;
		}
		switch (*++s) {
		case 's':
			*out++ = ' ';
			break;
		case 't':
			*out++ = '\t';
			break;
		case 'n':
			*out++ = '\n';
			break;
		case '\\':
			*out++ = '\\';
			break;
		default:
			return -1;
		}
	}
	*out = '\0';
	return 0;
}

/* keyrings=a;b;c (a trailing ';' is usual in keyfiles). */
static int set_keyrings(struct tlshd_hs_conf *c, char *v, char *why,
			size_t whylen)
{
	char *save = NULL, *name;

	while (c->n_keyrings)
		free(c->keyrings[--c->n_keyrings]);
	for (name = strtok_r(v, ";", &save); name;
	     name = strtok_r(NULL, ";", &save)) {
		name = trim(name);
		if (!*name)
			continue;
		if (c->n_keyrings == TLSHD_CONF_MAX_KEYRINGS)
			return tlsh_err_msg(why, whylen,
					    "more than %d keyrings",
					    TLSHD_CONF_MAX_KEYRINGS);
		c->keyrings[c->n_keyrings] = strdup(name);
		if (!c->keyrings[c->n_keyrings])
			return tlsh_err_msg(why, whylen, "out of memory");
		c->n_keyrings++;
	}
	return 0;
}

static struct tlshd_hs_side *side_of(struct tlshd_hs_conf *c,
				     const char *group)
{
	if (!strcmp(group, "authenticate.client"))
		return &c->client;
	if (!strcmp(group, "authenticate.server"))
		return &c->server;
	return NULL;
}

/* One key=value in group; 1 if the key is unknown, 0, -1 with why. */
static int set_key(struct tlshd_hs_conf *c, const char *group,
		   const char *key, char *v, char *why, size_t whylen)
{
	struct tlshd_hs_side *s = side_of(c, group);
	char **slot = NULL;

	if (!strcmp(group, "debug")) {
		char *end;
		long n;

		if (strcmp(key, "loglevel") && strcmp(key, "tls") &&
		    strcmp(key, "nl"))
			return 1;
		errno = 0;
		n = strtol(v, &end, 10);
		if (!*v || *end || errno || n < 0 || n > 1000)
			return tlsh_err_msg(why, whylen,
					    "%s takes a number, not '%s'",
					    key, v);
		if (!strcmp(key, "loglevel"))
			c->loglevel = (int)n;
		return 0;
	}
	if (!strcmp(group, "authenticate"))
		return strcmp(key, "keyrings") ? 1 :
		       set_keyrings(c, v, why, whylen);
	if (!s)
		return 1;
	if (!strcmp(key, "x509.truststore"))
		slot = &s->truststore;
	else if (!strcmp(key, "x509.crl"))
		slot = &s->crl;
	else if (!strcmp(key, "x509.certificate"))
		slot = &s->certificate;
	else if (!strcmp(key, "x509.private_key"))
		slot = &s->private_key;
	else
		return 1;
	if (!*v)	/* "key=" unsets, as an absent key */
		return 0;
	if (tlsh_set_str(slot, v))
		return tlsh_err_msg(why, whylen, "out of memory");
	return 0;
}

int tlshd_hs_conf_parse(FILE *f, const char *name, struct tlshd_hs_conf *c,
			char *err, size_t errlen)
{
	char line[4096], group[128] = "", why[200];
	unsigned int lineno = 0;

	memset(c, 0, sizeof(*c));
	while (fgets(line, sizeof(line), f)) {
		char *p, *eq, *key, *v;
		int r;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(why, sizeof(why), "line too long");
			goto bad;
		}
		p = trim(line);
		if (!*p || *p == '#')
			continue;
		if (*p == '[') {
			char *close = strchr(p, ']');

			if (!close || close[1] || close == p + 1 ||
			    (size_t)(close - p) >= sizeof(group)) {
				snprintf(why, sizeof(why),
					 "bad group line '%.60s'", p);
				goto bad;
			}
			*close = '\0';
			snprintf(group, sizeof(group), "%s", p + 1);
			continue;
		}
		eq = strchr(p, '=');
		if (!eq || eq == p) {
			snprintf(why, sizeof(why),
				 "neither [group] nor key=value: '%.60s'", p);
			goto bad;
		}
		if (!group[0]) {
			snprintf(why, sizeof(why), "key before any [group]");
			goto bad;
		}
		*eq = '\0';
		key = trim(p);
		v = trim(eq + 1);
		if (unescape(v)) {
			snprintf(why, sizeof(why), "bad escape in the value of %.60s",
				 key);
			goto bad;
		}
		r = set_key(c, group, key, v, why, sizeof(why));
		if (r < 0)
			goto bad;
		if (r > 0 && !c->n_unknown++)
			snprintf(c->first_unknown, sizeof(c->first_unknown),
				 "[%.30s] %.30s", group, key);
	}
	if (ferror(f)) {
		snprintf(why, sizeof(why), "read error");
		goto bad;
	}
	return 0;
bad:
	snprintf(err, errlen, "%s:%u: %s", name, lineno, why);
	tlshd_hs_conf_free(c);
	return -1;
}

int tlshd_hs_conf_load(const char *path, struct tlshd_hs_conf *c, char *err,
		       size_t errlen)
{
	const char *try[2] = { TLSHD_CONF_PATH, TLSHD_CONF_LEGACY };
	FILE *f = NULL;
	unsigned int i;

	memset(c, 0, sizeof(*c));
	if (path) {
		f = fopen(path, "re");
		if (!f)
			return tlsh_err_msg(err, errlen, "cannot open %s: %s",
					    path, strerror(errno));
	}
	for (i = 0; !f && i < 2; i++) {
		f = fopen(try[i], "re");
		if (f)
			path = try[i];
		else if (errno != ENOENT)
			return tlsh_err_msg(err, errlen, "cannot open %s: %s",
					    try[i], strerror(errno));
	}
	if (!f)
		return 0;
	if (tlshd_hs_conf_parse(f, path, c, err, errlen)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	c->path = strdup(path);
	if (!c->path) {
		tlshd_hs_conf_free(c);
		return tlsh_err_msg(err, errlen, "out of memory");
	}
	return 0;
}
