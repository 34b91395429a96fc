// SPDX-License-Identifier: GPL-2.0
/*
 * `tlshelper status --json`: what `status` prints, for machines. The
 * schema is versioned ("schema": 1) and documented in README.md ("Status
 * for machines") and tlshelper(8); a change that removes or renames a
 * field, or changes its type, takes a new schema number; new fields do
 * not.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd_daemon.h"
#include "cli/json.h"
#include "daemon/daemon.h"

#define TLS_STAT	"/proc/net/tls_stat"

/* {"NAME": N, ...} of the counters a mask says were reported. */
static void module_counters(struct tlsh_json *j, const uint64_t *counters,
			    const bool *has, uint32_t mask)
{
	unsigned int k;

	tlsh_json_open(j, "counters", '{');
	for (k = 0; k <= TLSH_COUNTER_MAX; k++) {
		bool reported = has ? has[k] : (mask & (1u << k)) != 0;

		if (reported && tlsh_counter_name(k))
			tlsh_json_u64(j, tlsh_counter_name(k), counters[k]);
	}
	tlsh_json_close(j, '}');
}

/* {"KIND": N, ...} of a reply line's " ev-KIND=N" words. */
static void event_counts(struct tlsh_json *j, const char *key,
			 const char *line)
{
	char name[64], v[32];
	unsigned int i;

	tlsh_json_open(j, key, '{');
	for (i = 0; i <= TLSH_EVENT_MAX; i++) {
		const char *kind = tlsh_event_name(i);

		snprintf(name, sizeof(name), "ev-%s", kind ? kind : "other");
		if (*tlsh_reply_kv(line, name, v, sizeof(v)))
			tlsh_json_decimal(j, kind ? kind : "other", v);
	}
	tlsh_json_close(j, '}');
}

/* A reply line's " key=N" as a number (null if absent or not one). */
static void reply_number(struct tlsh_json *j, const char *name,
			 const char *line, const char *key)
{
	char v[32];

	tlsh_json_decimal(j, name, tlsh_reply_kv(line, key, v, sizeof(v)));
}

static void string_array(struct tlsh_json *j, const char *key,
			 char *const *s, size_t n)
{
	size_t i;

	tlsh_json_open(j, key, '[');
	for (i = 0; i < n; i++)
		tlsh_json_string(j, NULL, s[i]);
	tlsh_json_close(j, ']');
}

static void daemon_object(struct tlsh_json *j, bool running, const char *reply)
{
	tlsh_json_open(j, "daemon", '{');
	tlsh_json_bool(j, "running", running);
	if (running) {
		char first[1024];

		snprintf(first, sizeof(first), "%.*s",
			 (int)strcspn(reply, "\n"), reply);
		reply_number(j, "pid", first, "pid");
		reply_number(j, "workers", first, "workers");
		reply_number(j, "handshaking", first, "handshaking");
		reply_number(j, "handshakes_ok", first, "ok");
		reply_number(j, "handshakes_failed", first, "failed");
		reply_number(j, "handshakes_resumed", first, "resumed");
		reply_number(j, "events", first, "events");
		reply_number(j, "events_lost", first, "events-lost");
		event_counts(j, "event_counts", first);
	}
	tlsh_json_close(j, '}');
}

/* What the daemon knows of a listener: its line's settings and counters. */
static void listener_daemon_fields(struct tlsh_json *j, const char *dl)
{
	struct tlsh_profile p;
	char alpn[TLSH_LINE_MAX];

	tlsh_reply_profile(dl ? dl : "", &p);
	if (dl)
		reply_number(j, "port", dl, "port");
	else
		tlsh_json_null(j, "port");
	string_array(j, "certs", p.certs, p.n_certs);
	string_array(j, "keys", p.keys, p.n_keys);
	tlsh_json_string(j, "ca", p.ca);
	tlsh_json_bool(j, "verify_client", p.verify_client);
	tlsh_json_open(j, "alpn", '[');
	if (p.alpn) {
		char *save = NULL, *proto;

		snprintf(alpn, sizeof(alpn), "%s", p.alpn);
		for (proto = strtok_r(alpn, ",", &save); proto;
		     proto = strtok_r(NULL, ",", &save))
			tlsh_json_string(j, NULL, proto);
	}
	tlsh_json_close(j, ']');
	tlsh_json_string(j, "tls_min", tlsh_version_name(p.tls_min));
	tlsh_json_string(j, "tls_max", tlsh_version_name(p.tls_max));
	tlsh_json_bool(j, "allow_rsa_kx", p.allow_rsa_kx);
	tlsh_json_bool(j, "allow_no_ems", p.allow_no_ems);
	tlsh_json_u64(j, "tickets", p.tickets);
	if (dl) {
		reply_number(j, "handshakes_ok", dl, "ok");
		reply_number(j, "handshakes_failed", dl, "failed");
		reply_number(j, "handshakes_resumed", dl, "resumed");
		event_counts(j, "events", dl);
	} else {
		tlsh_json_null(j, "handshakes_ok");
		tlsh_json_null(j, "handshakes_failed");
		tlsh_json_null(j, "handshakes_resumed");
		tlsh_json_null(j, "events");
	}
	tlsh_profile_free(&p);
}

static void listeners_array(struct tlsh_json *j, const struct tlsh_status *st,
			    const char *reply)
{
	unsigned int i;

	tlsh_json_open(j, "listeners", '[');
	for (i = 0; st && i < st->n_listeners &&
		    i < TLSH_STATUS_MAX_LISTENERS; i++) {
		const struct tlsh_listener_status *ls = &st->listeners[i];
		char line[TLSH_LINE_MAX];
		const char *dl = reply ?
			tlsh_reply_listener(reply, ls->id, line, sizeof(line)) :
			NULL;

		tlsh_json_open(j, NULL, '{');
		tlsh_json_u64(j, "id", ls->id);
		tlsh_json_bool(j, "daemon_credentials", dl != NULL);
		listener_daemon_fields(j, dl);
		tlsh_json_u64(j, "timeout_ms", ls->timeout_ms);
		tlsh_json_u64(j, "max_in_flight", ls->max_in_flight);
		if (ls->close_notify >= 0)
			tlsh_json_bool(j, "close_notify", ls->close_notify);
		else
			tlsh_json_null(j, "close_notify");
		module_counters(j, ls->counters, NULL, ls->reported);
		tlsh_json_close(j, '}');
	}
	tlsh_json_close(j, ']');
}

/* The kernel's TLS counters ("TlsCurrTxSw 0" lines), {} without kTLS. */
static void ktls_object(struct tlsh_json *j)
{
	FILE *f = fopen(TLS_STAT, "re");
	char name[64];
	unsigned long long v;

	tlsh_json_open(j, "ktls", '{');
	while (f && fscanf(f, "%63s %llu", name, &v) == 2)
		tlsh_json_u64(j, name, v);
	if (f)
		fclose(f);
	tlsh_json_close(j, '}');
}

int tlsh_status_print_json(int ret, const struct tlsh_status *st,
			   const char *errmsg, FILE *out)
{
	static char reply[TLSH_STATUS_REPLY_MAX];
	struct tlsh_json j;
	bool running = false;

	tlsh_json_init(&j, out);
	tlsh_json_open(&j, NULL, '{');
	tlsh_json_u64(&j, "schema", 1);
	tlsh_json_open(&j, "module", '{');
	tlsh_json_bool(&j, "loaded", ret == 0);
	if (ret == 0) {
		tlsh_json_string(&j, "version", st->module_version);
		tlsh_json_u64(&j, "protocol", st->protocol_version);
		module_counters(&j, st->counters, st->has_counter, 0);
		tlsh_json_u64(&j, "listeners", st->n_listeners);
	} else {
		tlsh_json_string(&j, "error", errmsg);
	}
	tlsh_json_close(&j, '}');
	if (ret == 0)
		running = tlsh_status_ask_daemon(reply, sizeof(reply));
	daemon_object(&j, running, reply);
	listeners_array(&j, ret == 0 ? st : NULL, running ? reply : NULL);
	ktls_object(&j);
	tlsh_json_close(&j, '}');
	if (fflush(out) || ferror(out))
		return EXIT_FAILURE;
	if (ret)
		return ret == -ENOENT ? TLSH_EXIT_NOT_LOADED : EXIT_FAILURE;
	return EXIT_SUCCESS;
}
