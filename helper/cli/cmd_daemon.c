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

static void daemon_usage(FILE *out)
{
	fprintf(out,
		"Usage: tlshelper daemon [--config FILE] [--workers N] [--max-active N]\n"
		"  The TLS handshake daemon for tlsh.ko: claims the connections of\n"
		"  attached listeners, does their handshakes (many at once, one\n"
		"  worker thread per CPU) and hands them back with kTLS installed.\n"
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
		"\n"
		"  Listeners are attached at run time with `tlshelper attach`,\n"
		"  through the control socket %s (root only).\n"
		"  The daemon keeps its listeners in %s, so a restarted\n"
		"  daemon serves them again and claims what waited meanwhile.\n"
		"  One log line per handshake goes to standard error, and one per\n"
		"  connection tlsh.ko ended after the hand-off (the peer's fatal\n"
		"  alert, KeyUpdate, renegotiation attempt, unexpected message).\n"
		"  Exit: 0 on SIGTERM/SIGINT, 1 failure, 2 usage, 3 tlsh.ko not loaded.\n",
		TLSH_DAEMON_DEFAULT_MAX_ACTIVE, TLSH_DAEMON_SOCK,
		TLSH_DAEMON_STATE);
}

int tlsh_cmd_daemon(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "workers", required_argument, NULL, 'w' },
		{ "max-active", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tlsh_daemon_opts o = { 0 };
	char *end;
	long n;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:w:a:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config = optarg;
			break;
		case 'w':
			n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 1024) {
				fprintf(stderr,
					"tlshelper: daemon: --workers takes 1..1024\n");
				return 2;
			}
			o.workers = (unsigned int)n;
			break;
		case 'a':
			n = strtol(optarg, &end, 10);
			if (!*optarg || *end || n < 1 || n > 65536) {
				fprintf(stderr,
					"tlshelper: daemon: --max-active takes 1..65536\n");
				return 2;
			}
			o.max_active = (unsigned int)n;
			break;
		case 'h':
			daemon_usage(stdout);
			return 0;
		default:
			fprintf(stderr, "tlshelper: daemon: bad option '%s'\n",
				argv[optind - 1]);
			daemon_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tlshelper: daemon: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}
	return tlsh_daemon_run(&o);
}

/* The value of " key=" in a reply line, copied into buf ("" if absent). */
static const char *kv(const char *line, const char *key, char *buf,
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

/* The daemon's line for listener id, or NULL. */
static const char *daemon_line(const char *reply, uint32_t id, char *buf,
			       size_t len)
{
	const char *p = reply;
	char v[32];

	while (p && *p) {
		size_t n = strcspn(p, "\n");

		snprintf(buf, len, "%.*s", (int)n, p);
		if (!strncmp(buf, "listener ", 9) &&
		    strtoul(kv(buf, "id", v, sizeof(v)), NULL, 10) == id)
			return buf;
		p += n;
		if (*p)
			p++;
	}
	return NULL;
}

/*
 * " tls-min 1.3 allow-rsa-kx ...": the listener's TLS policy, from the
 * profile words of its line (which also has counters: other words are
 * skipped).
 */
static void print_policy(const char *line, FILE *out)
{
	char copy[TLSH_LINE_MAX], err[128], *save = NULL, *word;
	struct tlsh_profile p;
	const char *v;

	snprintf(copy, sizeof(copy), "%s", line);
	tlsh_profile_init(&p);
	for (word = strtok_r(copy, " \t\r\n", &save); word;
	     word = strtok_r(NULL, " \t\r\n", &save)) {
		char *eq = strchr(word, '=');

		if (eq)
			*eq++ = '\0';
		(void)tlsh_profile_set(&p, word, eq, err, sizeof(err));
	}
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
		if (*kv(line, key, v, sizeof(v)))
			fprintf(out, " event-%s %s", name ? name : "other", v);
	}
}

void tlsh_status_print_listeners(const struct tlsh_status *st, FILE *out)
{
	static char reply[64 * 1024];
	bool have_daemon;
	unsigned int i, k;
	char v[PATH_MAX];

	have_daemon = tlsh_ctl_call("status", -1, reply, sizeof(reply), 2000) == 0 &&
		      !strncmp(reply, "ok daemon ", 10);
	/* Nothing attached, no daemon: the module's counters say it all. */
	if (!have_daemon && !st->n_listeners)
		return;
	if (have_daemon) {
		fprintf(out, "daemon running: pid %s,", kv(reply, "pid", v, sizeof(v)));
		fprintf(out, " %s workers,", kv(reply, "workers", v, sizeof(v)));
		fprintf(out, " handshakes ok %s,", kv(reply, "ok", v, sizeof(v)));
		fprintf(out, " failed %s,", kv(reply, "failed", v, sizeof(v)));
		fprintf(out, " in progress %s",
			kv(reply, "handshaking", v, sizeof(v)));
		if (*kv(reply, "events", v, sizeof(v)))
			fprintf(out, ", post-handshake events %s", v);
		if (*kv(reply, "events-lost", v, sizeof(v)) && strcmp(v, "0"))
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
			daemon_line(reply, ls->id, line, sizeof(line)) : NULL;

		fprintf(out, "listener %u:", ls->id);
		if (dl) {
			fprintf(out, " port %s", kv(dl, "port", v, sizeof(v)));
			fprintf(out, " cert %s", kv(dl, "cert", v, sizeof(v)));
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
				kv(dl, "ok", v, sizeof(v)));
			fprintf(out, " handshakes-failed %s",
				kv(dl, "failed", v, sizeof(v)));
			print_events(dl, out);
		} else {
			fprintf(out, " (no daemon credentials)");
		}
		fputc('\n', out);
	}
}
