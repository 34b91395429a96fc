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
	tlsh_profile_free(&s->profile);
	free(s->module);
	tlsh_spec_init(s);
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

/* A listener setting that is not the profile's; as tlsh_spec_set(). */
static int spec_set_listener(struct tlsh_spec *s, const char *name,
			     const char *v)
{
	bool line = !strncmp(name, "line-", 5);
	uint32_t n = 0;
	bool ok;

	if (!strcmp(name, "timeout")) {
		ok = !parse_u32(v, UINT32_MAX, &s->timeout_ms) && s->timeout_ms;
	} else if (!strcmp(name, "max-in-flight")) {
		ok = !parse_u32(v, UINT32_MAX, &s->max_in_flight) &&
		     s->max_in_flight;
	} else if (!strcmp(name, "close-notify")) {
		ok = !strcmp(v, "on") || !strcmp(v, "off");
		if (ok)
			s->close_notify = !strcmp(v, "on");
	} else if (!strcmp(name, "port")) {
		ok = !parse_u32(v, 65535, &n) && n;
		if (ok)
			s->port = (int)n;
	} else if (!strcmp(name, "pid") || !strcmp(name, "line-pid")) {
		ok = !parse_u32(v, INT_MAX, &n) && n;
		if (ok)
			*(line ? &s->line_pid : &s->pid) = (pid_t)n;
	} else if (!strcmp(name, "fd") || !strcmp(name, "line-fd")) {
		ok = !parse_u32(v, INT_MAX, &n);
		if (ok)
			*(line ? &s->line_fd : &s->fd) = (int)n;
	} else if (!strcmp(name, "id")) {
		ok = !parse_u32(v, UINT32_MAX, &s->id) && s->id;
	} else if (!strcmp(name, "reuseport")) {
		ok = !strcmp(v, "yes");
		s->reuseport = ok;
	} else if (!strcmp(name, "netns")) {
		ok = !parse_u32(v, UINT32_MAX, &s->netns) && s->netns;
	} else {
		return 0;
	}
	return ok ? 1 : -1;
}

int tlsh_spec_set(struct tlsh_spec *s, const char *name, const char *v,
		  char *err, size_t errlen)
{
	int r = tlsh_profile_set(&s->profile, name, v, err, errlen);

	if (r)
		return r;
	if (!v || !*v)
		return 0;
	if (!strcmp(name, "module")) {
		if (tlsh_set_str(&s->module, v))
			return tlsh_err_msg(err, errlen, "out of memory");
		return 1;
	}
	r = spec_set_listener(s, name, v);
	if (r < 0)
		return tlsh_err_msg(err, errlen, "bad value for %s: '%s'", name,
				    v);
	return r;
}

int tlsh_spec_parse(char *line, const char **verb, struct tlsh_spec *s,
		    char *err, size_t errlen)
{
	static const char sep[] = " \t\r\n";
	char *save = NULL, *word;

	tlsh_spec_init(s);
	*verb = strtok_r(line, sep, &save);
	if (!*verb)
		return tlsh_err_msg(err, errlen, "empty line");
	while ((word = strtok_r(NULL, sep, &save))) {
		char *v = strchr(word, '=');
		int r;

		if (v)
			*v++ = '\0';
		/* "tls-max=1.2", or a flag alone. */
		r = tlsh_spec_set(s, word, v, err, errlen);
		if (r < 0)
			return -1;
		if (!r) {
			if (v && !*v)	/* "port=": said as written */
				v[-1] = '=';
			return tlsh_err_msg(err, errlen,
					    "unknown or malformed setting '%s'",
					    word);
		}
	}
	return 0;
}

int tlsh_spec_check(const struct tlsh_spec *s, char *err, size_t errlen)
{
	return tlsh_profile_check(&s->profile, true, err, errlen);
}

int tlsh_spec_format(const char *verb, const struct tlsh_spec *s, char *buf,
		     size_t len)
{
	struct tlsh_line o = { buf, len, false };

	tlsh_line_put(&o, "%s", verb);
	if (s->id)
		tlsh_line_put(&o, " id=%u", s->id);
	if (s->module)
		tlsh_line_put(&o, " module=%s", s->module);
	if (s->netns)
		tlsh_line_put(&o, " netns=%u", s->netns);
	if (s->port)
		tlsh_line_put(&o, " port=%d", s->port);
	if (s->reuseport)
		tlsh_line_put(&o, " reuseport=yes");
	if (s->pid)
		tlsh_line_put(&o, " pid=%d", (int)s->pid);
	if (s->fd >= 0)
		tlsh_line_put(&o, " fd=%d", s->fd);
	if (s->line_pid)
		tlsh_line_put(&o, " line-pid=%d line-fd=%d", (int)s->line_pid,
			      s->line_fd);
	tlsh_profile_format(&s->profile, &o);
	if (s->timeout_ms)
		tlsh_line_put(&o, " timeout=%u", s->timeout_ms);
	if (s->max_in_flight)
		tlsh_line_put(&o, " max-in-flight=%u", s->max_in_flight);
	if (s->close_notify >= 0)
		tlsh_line_put(&o, " close-notify=%s",
			      s->close_notify ? "on" : "off");
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
		return tlsh_err_msg(why, whylen,
			    "cannot tell which load of tlsh.ko this is");
	if (!saved->module)
		return tlsh_err_msg(why, whylen,
			    "saved without the module instance (an older daemon)");
	if (strcmp(saved->module, module))
		return tlsh_err_msg(why, whylen,
			    "saved under an earlier load of tlsh.ko (module %s, now %s): its id may name another listener now",
			    saved->module, module);
	if (!saved->netns || saved->netns != netns)
		return tlsh_err_msg(why, whylen,
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
