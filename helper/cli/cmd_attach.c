// SPDX-License-Identifier: GPL-2.0
/*
 * `tlshelper attach` and `tlshelper detach`: a running server's listening
 * socket is taken with pidfd_getfd (found by port through /proc, or named
 * by pid and fd) and passed with the certificate, key, CA and ALPN to the
 * running daemon over its control socket. The daemon loads the
 * credentials, sends the netlink ATTACH itself and keeps the mapping
 * listener id -> credentials.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd_daemon.h"
#include "daemon/daemon.h"
#include "os/nl.h"

/* The options named as the daemon's listener settings (daemon.h). */
#define LISTENER_OPT (TLSH_PROFILE_OPT + 1)

/* The largest u32 a long holds. */
#define U32_MAX_LONG (UINT32_MAX > LONG_MAX ? LONG_MAX : (long)UINT32_MAX)

static void attach_usage(FILE *out)
{
	fprintf(out,
		"Usage: tlshelper attach (--port P | --pid PID --fd N)\n"
		"         --cert FILE --key FILE [--cert FILE --key FILE]...\n"
		"         [--ca FILE [--verify-client]] [--alpn PROTO[,PROTO...]]\n"
		"         [--tls-min V] [--tls-max V] [--allow-rsa-kx] [--allow-no-ems]\n"
		"         [--tickets N] [--ticket-keys FILE]...\n"
		"         [--psk-identity ID --psk-file FILE]\n"
		"         [--max-handshake-bytes N] [--timeout MS] [--max-in-flight N]\n"
		"         [--close-notify | --no-close-notify]\n"
		"  Give a running server's listening socket TLS: from now on every\n"
		"  connection it accepts has been through a TLS handshake done by\n"
		"  `tlshelper daemon`, with kTLS installed. Prints the listener id\n"
		"  (one per socket: a port may have an IPv4 and an IPv6 listener,\n"
		"  and a SO_REUSEPORT group one per member; while it is attached no\n"
		"  new socket can join the group: its bind or listen gets EADDRINUSE).\n"
		"  --port P        every socket listening on TCP port P (any process)\n"
		"  --pid, --fd     fd N of process PID\n"
		"  --cert, --key   a PEM chain (leaf first) and its key; repeat for\n"
		"                  more (chosen by SNI and signature algorithms)\n"
		"  --ca FILE       CA for client certificates; --verify-client\n"
		"                  requires one\n"
		"  --alpn LIST     protocols to select from, in preference order\n"
		"  --tls-min V, --tls-max V  protocol versions, 1.2 or 1.3\n"
		"                  (default 1.2, 1.3)\n"
		"  --allow-rsa-kx  also accept TLS 1.2 RSA key transport: NO\n"
		"                  FORWARD SECRECY; off by default\n"
		"  --allow-no-ems  accept a TLS 1.2 client without extended master\n"
		"                  secret (RFC 7627), otherwise refused\n"
		"  --tickets N, --max-handshake-bytes N  as for `tlshelper serve`\n"
		"  --ticket-keys FILE  TLS 1.3 and 1.2 ticket keys, as for `tlshelper\n"
		"                  serve` (--tickets then defaults to 2); without\n"
		"                  them the daemon seals tickets (sent only with\n"
		"                  --tickets N) under a random key of its own\n"
		"  --psk-identity ID --psk-file FILE  an external PSK, as for\n"
		"                  `tlshelper serve`\n"
		"  --timeout MS    handshake deadline (default 10000)\n"
		"  --max-in-flight N  bound on held connections (default 1024)\n"
		"  --no-close-notify  the server's close() ends a connection with\n"
		"                  a bare FIN, no TLS close_notify; --close-notify\n"
		"                  sends one (default: tlsh.ko's close_notify\n"
		"                  parameter, on unless changed)\n"
		"  Needs root (the daemon's socket is root-only; pidfd_getfd needs\n"
		"  ptrace rights over the server). Any time will do: threads\n"
		"  blocked in accept() restart it and get only handshaked\n"
		"  connections (with SO_RCVTIMEO set they see one EINTR).\n");
}

static void detach_usage(FILE *out)
{
	fprintf(out,
		"Usage: tlshelper detach (--id ID | --port P)\n"
		"  Stop handshaking for a listener: connections it holds are reset,\n"
		"  new ones are accepted in plain TCP again. --id of a member of a\n"
		"  SO_REUSEPORT group detaches the group; --port every listener on P.\n");
}

/* An absolute path the daemon can open; -1 with a message. */
static int abs_path(const char *what, const char *in, char **out)
{
	char buf[PATH_MAX];

	if (!realpath(in, buf)) {
		fprintf(stderr, "tlshelper: attach: %s %s: %s\n", what, in,
			strerror(errno));
		return -1;
	}
	if (strpbrk(buf, " \t\r\n")) {
		fprintf(stderr, "tlshelper: attach: %s path must not contain whitespace: %s\n",
			what, buf);
		return -1;
	}
	*out = strdup(buf);
	return *out ? 0 : -1;
}

/* --name ARG into spec, as the daemon will read it: 0, else the exit. */
static int attach_setting(struct tlsh_spec *spec, const char *name,
			  const char *arg)
{
	char err[256], *path = NULL;
	int n;

	/* Files by absolute path: the daemon opens them. */
	if (!strcmp(name, "cert") || !strcmp(name, "key") ||
	    !strcmp(name, "ca")) {
		if (abs_path(name, arg, &path))
			return EXIT_FAILURE;
	} else if (arg && strpbrk(arg, " \t\r\n")) {
		goto bad_value;	/* the daemon's line is split at white space */
	}
	n = tlsh_spec_set(spec, name, path ? path : arg, err, sizeof(err));
	free(path);
	if (n > 0)
		return 0;
	if (n < 0) {
		fprintf(stderr, "tlshelper: attach: %s\n", err);
		return TLSH_EXIT_USAGE;
	}
bad_value:
	fprintf(stderr, "tlshelper: attach: bad value for %s: '%s'\n", name,
		arg);
	return TLSH_EXIT_USAGE;
}

static int ctl_error(const char *cmd, int err)
{
	char path[512];

	tlsh_daemon_path("daemon.sock", path, sizeof(path));
	if (err == -ENOENT || err == -ECONNREFUSED)
		fprintf(stderr,
			"tlshelper: %s: no tlshelper daemon is running (nothing answers on %s); start `tlshelper daemon` first\n",
			cmd, path);
	else if (err == -EACCES || err == -EPERM)
		fprintf(stderr,
			"tlshelper: %s: permission denied: the daemon's control socket %s is root-only\n",
			cmd, path);
	else if (err == -EAGAIN)
		fprintf(stderr, "tlshelper: %s: the daemon did not answer on %s\n",
			cmd, path);
	else
		fprintf(stderr, "tlshelper: %s: talking to the daemon: %s\n",
			cmd, strerror(-err));
	return EXIT_FAILURE;
}

/* The daemon's reply starts with ok; else it says why (on stderr). */
static bool reply_ok(const char *cmd, const char *reply, const char *ok)
{
	if (!strncmp(reply, ok, strlen(ok)))
		return true;
	fprintf(stderr, "tlshelper: %s: %s\n", cmd,
		strncmp(reply, "error ", 6) ? reply : reply + 6);
	return false;
}

/* One `tlshelper attach`: the request line, and how it went so far. */
struct attach_run {
	char line[TLSH_LINE_MAX];
	int port;		/* 0: named by --pid and --fd */
	int failed;		/* sockets not attached */
	int ctl_err;		/* the daemon did not answer: the exit status */
};

/* Pass one socket to the daemon; prints its id. Non-zero: stop. */
static int attach_one(const struct tlsh_sock_owner *own, void *arg)
{
	struct attach_run *a = arg;
	char reply[512], err[256];
	int fd, e;

	/* Checked against what the scan found: fds and pids move. */
	fd = tlsh_grab_listener(own, a->port, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "tlshelper: attach: %s; not attached\n", err);
		a->failed++;
		return 0;
	}
	e = tlsh_ctl_call(a->line, fd, reply, sizeof(reply), 60000);
	close(fd);
	if (e) {
		a->ctl_err = ctl_error("attach", e);
		return 1;
	}
	if (!reply_ok("attach", reply, "ok id=")) {
		a->failed++;
		return 0;
	}
	printf("%s\n", reply + 6);
	fflush(stdout);
	return 0;
}

int tlsh_cmd_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, LISTENER_OPT },
		{ "pid", required_argument, NULL, LISTENER_OPT },
		{ "fd", required_argument, NULL, LISTENER_OPT },
		TLSH_PROFILE_LONGOPTS,
		{ "timeout", required_argument, NULL, LISTENER_OPT },
		{ "max-in-flight", required_argument, NULL, LISTENER_OPT },
		{ "close-notify", no_argument, NULL, 'n' },
		{ "no-close-notify", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct attach_run a = { .ctl_err = 0 };
	struct tlsh_spec spec;
	char err[256];
	int ret = TLSH_EXIT_USAGE, c, n, port, idx, pid, fd;

	tlsh_spec_init(&spec);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, &idx)) != -1) {
		switch (c) {
		case TLSH_PROFILE_OPT:
		case LISTENER_OPT:
			n = attach_setting(&spec, opts[idx].name, optarg);
			if (n) {
				ret = n;
				goto out;
			}
			break;
		case 'n':
		case 'N':
			spec.close_notify = c == 'n';
			break;
		case 'h':
			attach_usage(stdout);
			ret = 0;
			goto out;
		default:
			ret = tlsh_cli_bad_option("attach", argv, attach_usage);
			goto out;
		}
	}
	if (tlsh_cli_operand("attach", argc, argv))
		goto out;
	if (!spec.port == !spec.pid || (spec.pid && spec.fd < 0) ||
	    (spec.port && spec.fd >= 0)) {
		fprintf(stderr, "tlshelper: attach: give --port, or --pid and --fd\n");
		attach_usage(stderr);
		goto out;
	}
	if (tlsh_spec_check(&spec, err, sizeof(err))) {
		fprintf(stderr, "tlshelper: attach: %s\n", err);
		goto out;
	}
	pid = (int)spec.pid;
	fd = spec.fd;

	ret = EXIT_FAILURE;
	port = spec.port;
	/* The daemon learns the socket itself; it records the port. */
	spec.port = 0;
	spec.pid = 0;
	spec.fd = -1;
	if (tlsh_spec_format("attach", &spec, a.line, sizeof(a.line)) < 0) {
		fprintf(stderr, "tlshelper: attach: settings too long\n");
		goto out;
	}
	a.port = port;
	if (!port) {
		struct tlsh_sock_owner own = {
			.pid = (pid_t)pid, .fd = fd, .inode = 0,
		};	/* named, not found: any listener */

		attach_one(&own, &a);
		n = 1;
	} else {
		/* Every socket on the port: a reuseport group, v4 and v6. */
		n = tlsh_each_listener(port, attach_one, &a);
	}
	if (n == -EACCES) {
		fprintf(stderr,
			"tlshelper: attach: permission denied: a socket listens on TCP port %d, but its process is not ours to see (needs root)\n",
			port);
		goto out;
	}
	if (n == -E2BIG) {
		fprintf(stderr,
			"tlshelper: attach: more than %d sockets listen on TCP port %d; none attached\n",
			TLSH_MAX_PORT_LISTENERS, port);
		goto out;
	}
	if (n < 0) {
		fprintf(stderr, "tlshelper: attach: reading /proc: %s\n",
			strerror(-n));
		goto out;
	}
	if (n == 0) {
		fprintf(stderr,
			"tlshelper: attach: no process listens on TCP port %d\n",
			port);
		goto out;
	}
	ret = a.ctl_err ? a.ctl_err : a.failed ? EXIT_FAILURE : 0;
out:
	tlsh_spec_free(&spec);
	return ret;
}

int tlsh_cmd_detach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "port", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char req[64], reply[512];
	long id = 0, port = 0;
	int c, e;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (tlsh_parse_long(optarg, 1, U32_MAX_LONG, &id))
				goto bad;
			break;
		case 'p':
			if (tlsh_parse_long(optarg, 1, 65535, &port))
				goto bad;
			break;
		case 'h':
			detach_usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind < argc || !id == !port)
		goto bad;
	if (id)
		snprintf(req, sizeof(req), "detach id=%ld", id);
	else
		snprintf(req, sizeof(req), "detach port=%ld", port);
	e = tlsh_ctl_call(req, -1, reply, sizeof(reply), 60000);
	if ((e == -ENOENT || e == -ECONNREFUSED) && id) {
		/* No daemon: the module alone can still detach by id. */
		struct tlsh_nl nl;

		e = tlsh_nl_open(&nl);
		if (!e) {
			e = tlsh_nl_detach(&nl, (uint32_t)id);
			if (e)
				fprintf(stderr, "tlshelper: detach: %s\n",
					nl.errmsg);
			tlsh_nl_close(&nl);
		} else {
			fprintf(stderr, "tlshelper: detach: %s\n", nl.errmsg);
		}
		if (e == -ENOENT)
			return TLSH_EXIT_NOT_LOADED;
		if (!e)
			printf("%ld\n", id);
		return e ? EXIT_FAILURE : 0;
	}
	if (e)
		return ctl_error("detach", e);
	if (!reply_ok("detach", reply, "ok"))
		return EXIT_FAILURE;
	/* "ok id=3 id=4": one id per line. */
	for (char *p = strstr(reply, "id="); p; p = strstr(p + 3, "id="))
		printf("%ld\n", strtol(p + 3, NULL, 10));
	return 0;
bad:
	fprintf(stderr, "tlshelper: detach: give --id ID or --port P\n");
	detach_usage(stderr);
	return TLSH_EXIT_USAGE;
}

static void reload_usage(FILE *out)
{
	fprintf(out,
		"Usage: tlshelper reload\n"
		"  Have the running daemon load its configuration file and every\n"
		"  listener's certificate, key, CA, ticket-key and PSK files again\n"
		"  (as SIGHUP does), and the tlshd configuration,\n"
		"  and say how that went. New handshakes use what was loaded, those\n"
		"  in flight finish with the old; listeners stay attached; lines\n"
		"  added to the file are attached, listeners of lines removed are\n"
		"  detached. If any file fails to load, nothing changes (the tlshd\n"
		"  configuration alone keeps its previous one if it fails).\n"
		"  Exit: 0 reloaded, 1 refused or failed (the reason on stderr).\n");
}

int tlsh_cmd_reload(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char reply[1024];
	int c, e;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			reload_usage(stdout);
			return 0;
		}
		return tlsh_cli_bad_option("reload", argv, reload_usage);
	}
	if (tlsh_cli_operand("reload", argc, argv))
		return TLSH_EXIT_USAGE;
	/* Every certificate is loaded again: RSA keys take a while. */
	e = tlsh_ctl_call("reload", -1, reply, sizeof(reply), 120000);
	if (e)
		return ctl_error("reload", e);
	if (!reply_ok("reload", reply, "ok "))
		return EXIT_FAILURE;
	printf("%s\n", reply + 3);
	return 0;
}
