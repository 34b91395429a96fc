// SPDX-License-Identifier: GPL-2.0
/*
 * `tlshelper daemon [--config FILE] [--workers N] [--max-active N]`, and
 * the listener lines of `tlshelper status`.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_daemon.h"
#include "daemon/daemon.h"
#include "daemon/daemon_hs.h"

static void daemon_usage(FILE *out)
{
	fprintf(out,
		"Usage: tlshelper daemon [--config FILE] [--workers N] [--max-active N]\n"
		"                        [--tlshd-config FILE]\n"
		"  The TLS handshake daemon for tlsh.ko: claims the connections of\n"
		"  attached listeners, does their handshakes (many at once, one\n"
		"  worker thread per CPU) and hands them back with kTLS installed.\n"
		"  On a kernel with the \"handshake\" netlink family (6.5 and later)\n"
		"  it is also the kernel's own TLS handshake agent, in place of\n"
		"  tlshd: NFS over TLS (the mount option xprtsec, tls or mtls), with\n"
		"  or without tlsh.ko.\n"
		"\n"
		"  --config FILE   attach at startup, one listener per line:\n"
		"                    listen port=P cert=F key=F [cert=F key=F]...\n"
		"                      [ca=F [verify-client]] [alpn=h2,http/1.1]\n"
		"                      [tls-min=1.2|1.3] [tls-max=1.2|1.3]\n"
		"                      [allow-rsa-kx] [allow-no-ems] [tickets=N]\n"
		"                      [ticket-keys=F]... [psk-identity=ID psk-file=F]\n"
		"                      [max-handshake-bytes=N]\n"
		"                      [timeout=MS] [max-in-flight=N]\n"
		"                      [close-notify=on|off]\n"
		"                  (pid=PID fd=N instead of port=P names one socket)\n"
		"  --workers N     worker threads (default: one per online CPU)\n"
		"  --max-active N  handshakes each worker advances at once\n"
		"                  (default %u); the module keeps the others\n"
		"                  pending, and they are claimed oldest first as\n"
		"                  handshakes finish. Under overload the oldest\n"
		"                  finish in time and the newest time out, instead\n"
		"                  of all of them slowing down together\n"
		"  --tlshd-config FILE  the kernel agent's configuration, in tlshd's\n"
		"                  format (default %s, else %s):\n"
		"                  [authenticate.server] and [authenticate.client]\n"
		"                  x509.certificate, x509.private_key,\n"
		"                  x509.truststore, x509.crl; [authenticate]\n"
		"                  keyrings; [debug] loglevel\n"
		"\n"
		"  Listeners are attached at run time with `tlshelper attach`,\n"
		"  through the control socket %s (root only).\n"
		"  The daemon keeps its listeners in %s, so a restarted\n"
		"  daemon serves them again and claims what waited meanwhile.\n"
		"  One log line per handshake goes to standard error, and one per\n"
		"  connection tlsh.ko ended after the hand-off (the peer's fatal\n"
		"  alert, KeyUpdate, renegotiation attempt, unexpected message).\n"
		"  SIGHUP (or `tlshelper reload`) loads the config file and every\n"
		"  listener's certificate, key, CA, ticket-key and PSK files again,\n"
		"  and the tlshd configuration: new handshakes\n"
		"  use them, those in flight finish with the old; if any fails to\n"
		"  load, nothing changes.\n"
		"  Exit: 0 on SIGTERM/SIGINT, 1 failure, 2 usage, 3 tlsh.ko not loaded.\n",
		TLSH_DAEMON_DEFAULT_MAX_ACTIVE, TLSHD_CONF_PATH, TLSHD_CONF_LEGACY,
		TLSH_DAEMON_SOCK,
		TLSH_DAEMON_STATE);
}

/* --name's value (optarg): 1..max, else a message; -1. */
static int count_opt(const char *name, long max, unsigned int *out)
{
	long n;

	if (tlsh_parse_long(optarg, 1, max, &n)) {
		fprintf(stderr, "tlshelper: daemon: --%s takes 1..%ld\n", name,
			max);
		return -1;
	}
	*out = (unsigned int)n;
	return 0;
}

int tlsh_cmd_daemon(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "workers", required_argument, NULL, 'w' },
		{ "max-active", required_argument, NULL, 'a' },
		{ "tlshd-config", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tlsh_daemon_opts o = { 0 };
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:w:a:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config = optarg;
			break;
		case 'w':
			if (count_opt("workers", 1024, &o.workers))
				return TLSH_EXIT_USAGE;
			break;
		case 'a':
			if (count_opt("max-active", 65536, &o.max_active))
				return TLSH_EXIT_USAGE;
			break;
		case 't':
			o.tlshd_config = optarg;
			break;
		case 'h':
			daemon_usage(stdout);
			return 0;
		default:
			return tlsh_cli_bad_option("daemon", argv,
						   daemon_usage);
		}
	}
	if (tlsh_cli_operand("daemon", argc, argv))
		return TLSH_EXIT_USAGE;
	return tlsh_daemon_run(&o);
}

int tlsh_cli_bad_option(const char *cmd, char **argv,
			void (*usage)(FILE *out))
{
	fprintf(stderr, "tlshelper: %s: bad option '%s'\n", cmd,
		argv[optind - 1]);
	usage(stderr);
	return TLSH_EXIT_USAGE;
}

bool tlsh_cli_operand(const char *cmd, int argc, char **argv)
{
	if (optind >= argc)
		return false;
	fprintf(stderr, "tlshelper: %s: unexpected argument '%s'\n", cmd,
		argv[optind]);
	return true;
}

const char *tlsh_reply_kv(const char *line, const char *key, char *buf,
			  size_t len)
{
	size_t klen = strlen(key);
	const char *p = line;

	buf[0] = '\0';
	while ((p = strstr(p, key))) {
		if ((p == line || p[-1] == ' ') && p[klen] == '=') {
			size_t n = strcspn(p + klen + 1, " \n");

			snprintf(buf, len, "%.*s", (int)n, p + klen + 1);
			break;
		}
		p += klen;
	}
	return buf;
}

const char *tlsh_reply_listener(const char *reply, uint32_t id, char *buf,
				size_t len)
{
	const char *p = reply;
	char v[32];

	while (p && *p) {
		size_t n = strcspn(p, "\n");

		snprintf(buf, len, "%.*s", (int)n, p);
		if (!strncmp(buf, "listener ", 9) &&
		    strtoul(tlsh_reply_kv(buf, "id", v, sizeof(v)), NULL, 10) == id)
			return buf;
		p += n;
		if (*p)
			p++;
	}
	return NULL;
}

void tlsh_reply_profile(const char *line, struct tlsh_profile *p)
{
	char copy[TLSH_LINE_MAX], err[128], *save = NULL, *word;

	snprintf(copy, sizeof(copy), "%s", line);
	tlsh_profile_init(p);
	for (word = strtok_r(copy, " \t\r\n", &save); word;
	     word = strtok_r(NULL, " \t\r\n", &save)) {
		char *eq = strchr(word, '=');

		if (eq)
			*eq++ = '\0';
		(void)tlsh_profile_set(p, word, eq, err, sizeof(err));
	}
}

/* " tls-min 1.3 allow-rsa-kx ...": the listener's TLS policy. */
static void print_policy(const char *line, FILE *out)
{
	struct tlsh_profile p;
	const char *v;

	tlsh_reply_profile(line, &p);
	if ((v = tlsh_version_name(p.tls_min)))
		fprintf(out, " tls-min %s", v);
	if ((v = tlsh_version_name(p.tls_max)))
		fprintf(out, " tls-max %s", v);
	if (p.allow_rsa_kx)
		fprintf(out, " allow-rsa-kx");
	if (p.allow_no_ems)
		fprintf(out, " allow-no-ems");
	if (p.verify_client)
		fprintf(out, " verify-client");
	tlsh_profile_free(&p);
}

/* " event-KIND N" for each post-handshake event the daemon counted. */
static void print_events(const char *line, FILE *out)
{
	char key[64], v[32];
	unsigned int i;

	for (i = 0; i <= TLSH_EVENT_MAX; i++) {
		const char *name = tlsh_event_name(i);

		snprintf(key, sizeof(key), "ev-%s", name ? name : "other");
		if (*tlsh_reply_kv(line, key, v, sizeof(v)))
			fprintf(out, " event-%s %s", name ? name : "other", v);
	}
}

bool tlsh_status_ask_daemon(char *reply, size_t len)
{
	return tlsh_ctl_call("status", -1, reply, len, 2000) == 0 &&
	       !strncmp(reply, "ok daemon ", 10);
}

void tlsh_status_print_listeners(const struct tlsh_status *st, FILE *out)
{
	static char reply[TLSH_STATUS_REPLY_MAX];
	bool have_daemon;
	unsigned int i, k;
	char v[PATH_MAX];

	have_daemon = tlsh_status_ask_daemon(reply, sizeof(reply));
	/* Nothing attached, no daemon: the module's counters say it all. */
	if (!have_daemon && !st->n_listeners)
		return;
	if (have_daemon) {
		fprintf(out, "daemon running: pid %s,", tlsh_reply_kv(reply, "pid", v, sizeof(v)));
		fprintf(out, " %s workers,", tlsh_reply_kv(reply, "workers", v, sizeof(v)));
		fprintf(out, " handshakes ok %s", tlsh_reply_kv(reply, "ok", v, sizeof(v)));
		fprintf(out, " (resumed %s),", tlsh_reply_kv(reply, "resumed", v, sizeof(v)));
		fprintf(out, " failed %s,", tlsh_reply_kv(reply, "failed", v, sizeof(v)));
		fprintf(out, " in progress %s",
			tlsh_reply_kv(reply, "handshaking", v, sizeof(v)));
		if (*tlsh_reply_kv(reply, "events", v, sizeof(v)))
			fprintf(out, ", post-handshake events %s", v);
		if (*tlsh_reply_kv(reply, "events-lost", v, sizeof(v)) && strcmp(v, "0"))
			fprintf(out, " (%s lost)", v);
		fputc('\n', out);
	} else {
		char path[512];

		fprintf(out, "daemon not running (no answer on %s)\n",
			tlsh_daemon_path("daemon.sock", path, sizeof(path)));
	}
	fprintf(out, "listeners %u\n", st->n_listeners);
	for (i = 0; i < st->n_listeners && i < TLSH_STATUS_MAX_LISTENERS; i++) {
		const struct tlsh_listener_status *ls = &st->listeners[i];
		char line[TLSH_LINE_MAX];
		const char *dl = have_daemon ?
			tlsh_reply_listener(reply, ls->id, line, sizeof(line)) : NULL;

		fprintf(out, "listener %u:", ls->id);
		if (dl) {
			fprintf(out, " port %s", tlsh_reply_kv(dl, "port", v, sizeof(v)));
			if (*tlsh_reply_kv(dl, "reuseport", v, sizeof(v)))
				fprintf(out, " reuseport-group");
			fprintf(out, " cert %s", tlsh_reply_kv(dl, "cert", v, sizeof(v)));
			print_policy(dl, out);
		}
		fprintf(out, " timeout-ms %u max-in-flight %u", ls->timeout_ms,
			ls->max_in_flight);
		if (ls->close_notify >= 0)
			fprintf(out, " close-notify %s",
				ls->close_notify ? "on" : "off");
		/* Some counters are per netns only: print what was sent. */
		for (k = TLSH_COUNTER_PENDING; k <= TLSH_COUNTER_MAX; k++)
			if (tlsh_counter_name(k) && (ls->reported & (1u << k)))
				fprintf(out, " %s %" PRIu64,
					tlsh_counter_name(k), ls->counters[k]);
		if (dl) {
			fprintf(out, " handshakes-ok %s",
				tlsh_reply_kv(dl, "ok", v, sizeof(v)));
			fprintf(out, " handshakes-failed %s",
				tlsh_reply_kv(dl, "failed", v, sizeof(v)));
			fprintf(out, " handshakes-resumed %s",
				tlsh_reply_kv(dl, "resumed", v, sizeof(v)));
			print_events(dl, out);
		} else {
			fprintf(out, " (no daemon credentials)");
		}
		fputc('\n', out);
	}
}
