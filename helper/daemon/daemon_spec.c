// SPDX-License-Identifier: GPL-2.0
/*
 * The "VERB key=value ..." lines of the daemon's config file, state file
 * and control socket (daemon.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "daemon/daemon.h"

void tlsh_spec_init(struct tlsh_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->close_notify = -1;
}

void tlsh_spec_free(struct tlsh_spec *s)
{
	size_t i;

	for (i = 0; i < s->n_certs; i++)
		free(s->certs[i]);
	for (i = 0; i < s->n_keys; i++)
		free(s->keys[i]);
	free(s->ca);
	free(s->alpn);
	free(s->module);
	tlsh_spec_init(s);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int parse_u32(const char *v, uint32_t max, uint32_t *out)
{
	unsigned long n;
	char *end;

	if (!*v || *v == '-')
		return -1;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n > max)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

static int set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -1;
}

int tlsh_spec_parse(char *line, const char **verb, struct tlsh_spec *s,
		    char *err, size_t errlen)
{
	static const char sep[] = " \t\r\n";
	char *save = NULL, *word;
	uint32_t n;

	tlsh_spec_init(s);
	*verb = strtok_r(line, sep, &save);
	if (!*verb)
		return fail(err, errlen, "empty line");
	while ((word = strtok_r(NULL, sep, &save))) {
		char *v = strchr(word, '=');

		if (!strcmp(word, "verify-client")) {
			s->verify_client = true;
			continue;
		}
		if (!v || !v[1])
			goto bad;
		*v++ = '\0';
		if (!strcmp(word, "cert")) {
			if (s->n_certs == TLSH_SPEC_MAX_CREDS)
				return fail(err, errlen, "more than %d certificates",
					    TLSH_SPEC_MAX_CREDS);
			if (set_str(&s->certs[s->n_certs++], v))
				goto nomem;
		} else if (!strcmp(word, "key")) {
			if (s->n_keys == TLSH_SPEC_MAX_CREDS)
				return fail(err, errlen, "more than %d keys",
					    TLSH_SPEC_MAX_CREDS);
			if (set_str(&s->keys[s->n_keys++], v))
				goto nomem;
		} else if (!strcmp(word, "ca")) {
			if (set_str(&s->ca, v))
				goto nomem;
		} else if (!strcmp(word, "alpn")) {
			if (set_str(&s->alpn, v))
				goto nomem;
		} else if (!strcmp(word, "timeout")) {
			if (parse_u32(v, UINT32_MAX, &s->timeout_ms) ||
			    !s->timeout_ms)
				goto badval;
		} else if (!strcmp(word, "max-in-flight")) {
			if (parse_u32(v, UINT32_MAX, &s->max_in_flight) ||
			    !s->max_in_flight)
				goto badval;
		} else if (!strcmp(word, "close-notify")) {
			if (!strcmp(v, "on"))
				s->close_notify = 1;
			else if (!strcmp(v, "off"))
				s->close_notify = 0;
			else
				goto badval;
		} else if (!strcmp(word, "port")) {
			if (parse_u32(v, 65535, &n) || !n)
				goto badval;
			s->port = (int)n;
		} else if (!strcmp(word, "pid")) {
			if (parse_u32(v, INT_MAX, &n) || !n)
				goto badval;
			s->pid = (pid_t)n;
		} else if (!strcmp(word, "fd")) {
			if (parse_u32(v, INT_MAX, &n))
				goto badval;
			s->fd = (int)n;
		} else if (!strcmp(word, "id")) {
			if (parse_u32(v, UINT32_MAX, &s->id) || !s->id)
				goto badval;
		} else if (!strcmp(word, "module")) {
			if (set_str(&s->module, v))
				goto nomem;
		} else if (!strcmp(word, "netns")) {
			if (parse_u32(v, UINT32_MAX, &s->netns) || !s->netns)
				goto badval;
		} else {
			goto bad;
		}
		continue;
badval:
		return fail(err, errlen, "bad value for %s: '%s'", word, v);
	}
	return 0;
bad:
	return fail(err, errlen, "unknown or malformed setting '%s'", word);
nomem:
	return fail(err, errlen, "out of memory");
}

int tlsh_spec_check(const struct tlsh_spec *s, char *err, size_t errlen)
{
	if (!s->n_certs)
		return fail(err, errlen, "a certificate (cert=) is required");
	if (s->n_certs != s->n_keys)
		return fail(err, errlen, "each certificate needs its key");
	if (s->verify_client && !s->ca)
		return fail(err, errlen, "verify-client needs a CA file (ca=)");
	return 0;
}

struct out {
	char *p;
	size_t left;
	bool overflow;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->p, o->left, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->left) {
		o->overflow = true;
		return;
	}
	o->p += n;
	o->left -= (size_t)n;
}

int tlsh_spec_format(const char *verb, const struct tlsh_spec *s, char *buf,
		     size_t len)
{
	struct out o = { buf, len, false };
	size_t i;

	put(&o, "%s", verb);
	if (s->id)
		put(&o, " id=%u", s->id);
	if (s->module)
		put(&o, " module=%s", s->module);
	if (s->netns)
		put(&o, " netns=%u", s->netns);
	if (s->port)
		put(&o, " port=%d", s->port);
	if (s->pid)
		put(&o, " pid=%d", (int)s->pid);
	if (s->fd >= 0)
		put(&o, " fd=%d", s->fd);
	for (i = 0; i < s->n_certs && i < s->n_keys; i++)
		put(&o, " cert=%s key=%s", s->certs[i], s->keys[i]);
	if (s->ca)
		put(&o, " ca=%s", s->ca);
	if (s->verify_client)
		put(&o, " verify-client");
	if (s->alpn)
		put(&o, " alpn=%s", s->alpn);
	if (s->timeout_ms)
		put(&o, " timeout=%u", s->timeout_ms);
	if (s->max_in_flight)
		put(&o, " max-in-flight=%u", s->max_in_flight);
	if (s->close_notify >= 0)
		put(&o, " close-notify=%s", s->close_notify ? "on" : "off");
	return o.overflow ? -1 : (int)(len - o.left);
}

int tlsh_module_instance(char *buf, size_t len)
{
	char boot[64] = "";
	struct stat st;
	FILE *f;

	if (stat("/sys/module/tlsh", &st))
		return -errno;
	f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (!f)
		return -errno;
	if (!fgets(boot, sizeof(boot), f))
		boot[0] = '\0';
	fclose(f);
	boot[strcspn(boot, " \t\r\n")] = '\0';
	if (!boot[0])
		return -EIO;
	if ((size_t)snprintf(buf, len, "%s.%llu", boot,
			     (unsigned long long)st.st_ino) >= len)
		return -ENAMETOOLONG;
	return 0;
}

uint32_t tlsh_netns_id(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (uint32_t)st.st_ino;
}

int tlsh_spec_same_instance(const struct tlsh_spec *saved, const char *module,
			    uint32_t netns, char *why, size_t whylen)
{
	if (!module)
		return fail(why, whylen,
			    "cannot tell which load of tlsh.ko this is");
	if (!saved->module)
		return fail(why, whylen,
			    "saved without the module instance (an older daemon)");
	if (strcmp(saved->module, module))
		return fail(why, whylen,
			    "saved under an earlier load of tlsh.ko (module %s, now %s): its id may name another listener now",
			    saved->module, module);
	if (!saved->netns || saved->netns != netns)
		return fail(why, whylen,
			    "saved in another network namespace (netns %u, now %u)",
			    saved->netns, netns);
	return 0;
}

const char *tlsh_daemon_dir(void)
{
	const char *d = getenv(TLSH_DAEMON_DIR_ENV);

	return d && *d ? d : TLSH_DAEMON_DIR;
}

const char *tlsh_daemon_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", tlsh_daemon_dir(), name);
	return buf;
}
