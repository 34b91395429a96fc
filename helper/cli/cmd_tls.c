// SPDX-License-Identifier: GPL-2.0
/*
 * `tlshelper serve` (per accepted fd) and `tlshelper connect` (client):
 * options, credentials, the handshake through the driver, then the hand-off:
 * kTLS installed and the program exec'd on the socket (serve), or the relay
 * (relay.h) between stdio or an exec'd program and the socket. Where the
 * kernel has no TLS ULP the relay does the record layer in userspace.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "os/addr.h"
#include "cli/cmd_tls.h"
#include "cli/cmd_tls_opts.h"
#include "io/driver.h"
#include "os/random.h"
#include "io/relay.h"
#include "profile/profile.h"
#include "tls/engine.h"
#include "tls/kex.h"
#include "tls/record.h"
#include "tls/suite.h"

#define DRAIN_MS	300

/* Everything loaded once, before the handshake. */
struct tls_state {
	struct tls_opts *o;
	struct tlsh_profile_state ps;	/* ps.cfg: the engine's */
	FILE *keylog;
	uint8_t *session;		/* connect --session: the file's bytes */
	size_t session_len;
	int fd;
	char peer[INET6_ADDRSTRLEN + 8];
	int64_t start_ms;
};

static void say(const struct tls_opts *o, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(const struct tls_opts *o, int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (o->verbosity < level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line: several helpers may share a log. */
	dprintf(STDERR_FILENO, "tlshelper: %s: %s\n", o->cmd, line);
}

static void keylog_line(void *ctx, const char *label,
			const uint8_t *client_random, const uint8_t *secret,
			size_t secret_len)
{
	FILE *f = ctx;

	fprintf(f, "%s ", label);
	for (size_t i = 0; i < 32; i++)
		fprintf(f, "%02x", client_random[i]);
	fputc(' ', f);
	for (size_t i = 0; i < secret_len; i++)
		fprintf(f, "%02x", secret[i]);
	fputc('\n', f);
	fflush(f);
}

/* ---- setup ---- */

#define SESSION_MAX	(64 * 1024)

/*
 * A session from the server (engine.h, on_session): replaces the file
 * atomically, created 0600. It holds the resumption PSK.
 */
static void store_session(void *ctx, const uint8_t *s, size_t len)
{
	const struct tls_opts *o = ctx;
	char tmp[4096];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", o->session) >=
	    (int)sizeof(tmp))
		return;
	fd = mkostemp(tmp, O_CLOEXEC);	/* mode 0600 */
	if (fd < 0) {
		say(o, 0, "cannot store the session in %s: %s", o->session,
		    strerror(errno));
		return;
	}
	bool ok = write(fd, s, len) == (ssize_t)len && !fsync(fd);

	if (close(fd) || !ok || rename(tmp, o->session)) {
		say(o, 0, "cannot store the session in %s: %s", o->session,
		    strerror(errno));
		unlink(tmp);
		return;
	}
	say(o, 2, "session stored in %s", o->session);
}

/* connect --session: what the file holds, if anything, for the engine. */
static void load_session(struct tls_state *st)
{
	struct tls_opts *o = st->o;
	int fd = open(o->session, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	st->ps.cfg.on_session = store_session;
	st->ps.cfg.session_ctx = o;
	if (fd < 0) {
		if (errno != ENOENT)
			say(o, 1, "session %s unusable (%s): full handshake",
			    o->session, strerror(errno));
		return;
	}
	st->session = malloc(SESSION_MAX);
	n = st->session ? read(fd, st->session, SESSION_MAX) : -1;
	close(fd);
	if (n <= 0 || n == SESSION_MAX) {
		say(o, 1, "session %s unusable: full handshake", o->session);
		return;
	}
	st->session_len = (size_t)n;
	st->ps.cfg.session = st->session;
	st->ps.cfg.session_len = st->session_len;
}

static int load_state(struct tls_state *st)
{
	struct tls_opts *o = st->o;
	char err[600];
	enum tlsh_err e;

	e = tlsh_profile_load(&o->prof, o->server, &st->ps, err, sizeof(err));
	if (e) {
		say(o, 0, "%s", e == TLSH_ERR_NOMEM ? "out of memory" : err);
		return e == TLSH_ERR_NOMEM ? EXIT_FAILURE : TLSH_EXIT_CONFIG;
	}
	if (o->keylog) {
		int fd = open(o->keylog, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
			      0600);

		st->keylog = fd >= 0 ? fdopen(fd, "a") : NULL;
		if (!st->keylog) {
			say(o, 0, "cannot open key log %s: %s", o->keylog,
			    strerror(errno));
			return TLSH_EXIT_CONFIG;
		}
		st->ps.cfg.keylog = keylog_line;
		st->ps.cfg.keylog_ctx = st->keylog;
	}
	if (o->session)
		load_session(st);
	return 0;
}

/* Idempotent: also called early, before waiting on a program. */
static void free_state(struct tls_state *st)
{
	tlsh_profile_unload(&st->ps);
	if (st->keylog)
		fclose(st->keylog);
	st->keylog = NULL;
	if (st->session) {
		explicit_bzero(st->session, SESSION_MAX);
		free(st->session);
	}
	st->session = NULL;
	tlsh_profile_free(&st->o->prof);
}

/*
 * Does this kernel have the "tls" ULP? Setting it on an unconnected socket
 * loads the module if it can, then fails with ENOTCONN where it exists and
 * ENOENT where it does not, leaving the socket unchanged either way.
 */
static bool ktls_available(void)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (s < 0)
		return false;
	ok = setsockopt(s, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) == 0 ||
	     errno != ENOENT;
	close(s);
	return ok;
}

/* HOST:PORT or [HOST]:PORT, connected within the deadline; fd or -exit. */
static int connect_target(struct tls_opts *o, int64_t deadline_ms,
			  char *host, size_t hostlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	const char *colon = strrchr(o->target, ':');
	const char *h = o->target, *hend = colon;
	char port[16];
	int fd = -1, r, err = 0;

	if (!colon || !colon[1] || strlen(colon + 1) >= sizeof(port)) {
		say(o, 0, "'%s' is not HOST:PORT", o->target);
		return -(EXIT_FAILURE + 1);
	}
	if (*h == '[' && hend > h && hend[-1] == ']') {
		h++;
		hend--;
	}
	snprintf(host, hostlen, "%.*s", (int)(hend - h), h);
	snprintf(port, sizeof(port), "%s", colon + 1);
	r = getaddrinfo(host, port, &hints, &res);
	if (r) {
		say(o, 0, "cannot resolve %s: %s", host, gai_strerror(r));
		return -TLSH_EXIT_CONNECTION;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		struct pollfd p;
		socklen_t el = sizeof(err);
		int64_t left;

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
			    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		if (errno == EINPROGRESS) {
			p = (struct pollfd){ .fd = fd, .events = POLLOUT };
			left = deadline_ms - tlsh_now_ms();
			r = left > 0 ? poll(&p, 1, (int)left) : 0;
			if (r == 0) {
				err = ETIMEDOUT;
			} else if (r > 0 &&
				   !getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) &&
				   !err) {
				break;
			}
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		say(o, 0, "cannot connect to %s: %s", o->target, strerror(err));
		return err == ETIMEDOUT ? -TLSH_EXIT_TIMEOUT : -TLSH_EXIT_CONNECTION;
	}
	/* The driver and relay use MSG_DONTWAIT; the socket itself blocks. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/*
 * Give up on the connection: our alert (if any) is queued, so shut our side,
 * read and discard briefly so that closing does not reset the connection
 * under the alert, then shut both ways. shutdown() reaches every copy of a
 * shared fd: the caller of serve cannot keep using a socket we gave up on.
 */
static void abandon(int fd)
{
	int64_t until = tlsh_now_ms() + DRAIN_MS;
	char junk[4096];

	shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = until - tlsh_now_ms();

		if (left <= 0 || poll(&p, 1, (int)left) <= 0 ||
		    recv(fd, junk, sizeof(junk), MSG_DONTWAIT) <= 0)
			break;
	}
	shutdown(fd, SHUT_RDWR);
	close(fd);
}

/*
 * After the handshake, before any record layer took over: tell the peer
 * why we give up (internal_error), protected with the current keys. Only
 * while the socket still carries our bytes unchanged (no kTLS TX keyed).
 */
static void send_alert_sw(struct tlsh_conn *c, int fd)
{
	struct tlsh_io io = { .fd = fd };

	(void)tlsh_conn_abort(c, TLSH_ERR_INTERNAL);
	(void)tlsh_drive_flush(c, &io, tlsh_now_ms() + DRAIN_MS);
}

/* ---- reporting ---- */

static const char *alert_name(unsigned int alert)
{
	return tlsh_err_str((enum tlsh_err)(TLSH_ECLASS_LOCAL | alert));
}

static bool is_cert_alert(unsigned int a)
{
	switch (a) {
	case TLSH_ALERT_BAD_CERTIFICATE:
	case TLSH_ALERT_UNSUPPORTED_CERTIFICATE:
	case TLSH_ALERT_CERTIFICATE_REVOKED:
	case TLSH_ALERT_CERTIFICATE_EXPIRED:
	case TLSH_ALERT_CERTIFICATE_UNKNOWN:
	case TLSH_ALERT_UNKNOWN_CA:
	case TLSH_ALERT_CERTIFICATE_REQUIRED:
		return true;
	default:
		return false;
	}
}

/* The exit status and a one-line reason for a failed handshake. */
static int failure(struct tlsh_conn *c, const struct tlsh_io *dr,
		   char *reason, size_t len)
{
	enum tlsh_err e = tlsh_conn_error(c);
	const char *why = tlsh_conn_error_reason(c);

	switch (dr->status) {
	case TLSH_IO_OK:
		break;
	case TLSH_IO_TIMEOUT:
		snprintf(reason, len, "handshake timed out");
		return TLSH_EXIT_TIMEOUT;
	case TLSH_IO_EOF:
		snprintf(reason, len, "peer closed the connection during the "
			 "handshake%s%s", dr->sys_errno ? ": " : "",
			 dr->sys_errno ? strerror(dr->sys_errno) : "");
		return TLSH_EXIT_CONNECTION;
	case TLSH_IO_ERROR:
		snprintf(reason, len, "socket error: %s", strerror(dr->sys_errno));
		return TLSH_EXIT_CONNECTION;
	case TLSH_IO_TOO_BIG:
		snprintf(reason, len, "handshake larger than %zu bytes",
			 dr->bytes_in);
		return TLSH_EXIT_HANDSHAKE;
	case TLSH_IO_ENGINE:
		break;
	}
	if (tlsh_err_class(e) == TLSH_ECLASS_PEER) {
		snprintf(reason, len, "peer sent alert %s",
			 alert_name(tlsh_err_alert(e)));
		return TLSH_EXIT_HANDSHAKE;
	}
	if (tlsh_err_class(e) == TLSH_ECLASS_SYSTEM) {
		snprintf(reason, len, "%s (sent alert internal_error)",
			 why ? why : tlsh_err_str(e));
		return e == TLSH_ERR_CONFIG ? TLSH_EXIT_CONFIG : EXIT_FAILURE;
	}
	snprintf(reason, len, "%s (sent alert %s)", why ? why : tlsh_err_str(e),
		 alert_name(tlsh_err_alert(e)));
	return is_cert_alert(tlsh_err_alert(e)) ? TLSH_EXIT_PEER_CERT :
						 TLSH_EXIT_HANDSHAKE;
}

/* The one line per handshake. result: "ok ..." or "fail ...". */
static void log_handshake(struct tls_state *st, struct tlsh_conn *c,
			  const char *result, bool failed)
{
	const struct tlsh_suite *suite = tlsh_suite_by_id(tlsh_conn_suite(c));
	const char *sni = st->o->server ? tlsh_conn_sni(c) : st->ps.cfg.server_name;
	const char *alpn = tlsh_conn_alpn(c);
	const char *group = tlsh_group_name(tlsh_conn_group(c));
	uint16_t ver = tlsh_conn_version(c);
	char sni_buf[96];

	/* A server logs the SNI its client chose: escaped. */
	enum tlsh_psk_use psk = tlsh_conn_psk(c);

	say(st->o, failed ? 0 : 1,
	    "peer=%s sni=%s version=%s suite=%s group=%s alpn=%s ms=%lld "
	    "result=%s%s", st->peer,
	    sni ? tlsh_log_str(sni, strlen(sni), sni_buf, sizeof(sni_buf)) : "-",
	    ver == TLSH_TLS13 ? "TLSv1.3" : ver == TLSH_TLS12 ? "TLSv1.2" : "-",
	    suite ? suite->name : "-",
	    group ? group : "-", alpn ? alpn : "-",
	    (long long)(tlsh_now_ms() - st->start_ms), result,
	    failed ? "" : psk == TLSH_PSK_RESUMED ? " resumed=yes" :
	    psk == TLSH_PSK_EXTERNAL ? " resumed=no psk=external" :
	    " resumed=no");
}

/* ---- hand-off ---- */

static int exec_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	return 128 + WTERMSIG(wstatus);
}

static void exec_program(struct tls_opts *o, int fd)
{
	signal(SIGPIPE, SIG_DFL);
	if (dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0)
		_exit(EXIT_FAILURE);
	if (fd > STDERR_FILENO)
		close(fd);
	execvp(o->exec_argv[0], o->exec_argv);
	say(o, 0, "cannot execute %s: %s", o->exec_argv[0], strerror(errno));
	_exit(errno == ENOENT ? TLSH_EXIT_EXEC_NOT_FOUND : TLSH_EXIT_EXEC_FAILED);
}

/*
 * Relay between the socket and stdio, or a forked program on a socketpair.
 * Returns the exit status.
 */
static int relay(struct tls_state *st, bool ktls, struct tlsh_conn *c)
{
	struct tls_opts *o = st->o;
	struct tlsh_relay rl = {
		.net_fd = st->fd, .local_in = STDIN_FILENO,
		.local_out = STDOUT_FILENO, .ktls = ktls,
		.conn = ktls ? NULL : c, .tickets = ktls ? c : NULL,
	};
	struct tlsh_relay_result rr;
	pid_t child = -1;
	int sp[2], rc, wstatus;

	if (o->exec_argv) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp)) {
			say(o, 0, "socketpair: %s", strerror(errno));
			return EXIT_FAILURE;
		}
		child = fork();
		if (child < 0) {
			say(o, 0, "fork: %s", strerror(errno));
			return EXIT_FAILURE;
		}
		if (child == 0) {
			close(st->fd);
			exec_program(o, sp[1]);
		}
		close(sp[1]);
		fcntl(sp[0], F_SETFL, O_NONBLOCK);
		rl.local_in = rl.local_out = sp[0];
	}
	rc = tlsh_relay_run(&rl, &rr);
	say(o, 2, "relay: %llu bytes to the peer, %llu from it, %s",
	    (unsigned long long)rr.to_net, (unsigned long long)rr.to_local,
	    rr.close_notify ? "close_notify received" : "no close_notify");
	if (rc)
		say(o, 0, "%s", rr.error);
	if (rc)
		abandon(st->fd);
	else
		close(st->fd);
	st->fd = -1;
	if (child > 0) {
		close(sp[0]);
		while (waitpid(child, &wstatus, 0) < 0 && errno == EINTR)
			;
		if (exec_status(wstatus))
			return exec_status(wstatus);
	}
	return rc ? (rr.peer_alert ? TLSH_EXIT_HANDSHAKE : EXIT_FAILURE) :
		    EXIT_SUCCESS;
}

/*
 * serve --exec with kTLS: the program runs on the socket itself. We stay
 * behind only to end the connection properly once it exits: the kernel
 * never sends close_notify, and peers (gnutls-cli, curl) count a bare TCP
 * EOF as a truncation.
 */
static int run_on_ktls(struct tls_state *st)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	int64_t until;
	pid_t child;
	int wstatus;

	/* Nothing secret stays in memory for the program's lifetime. */
	free_state(st);
	child = fork();
	if (child < 0) {
		say(st->o, 0, "fork: %s", strerror(errno));
		return EXIT_FAILURE;
	}
	if (child == 0)
		exec_program(st->o, st->fd);
	sigaction(SIGPIPE, &ign, NULL);
	while (waitpid(child, &wstatus, 0) < 0 && errno == EINTR)
		;
	tlsh_ktls_send_alert(st->fd, 1, TLSH_ALERT_CLOSE_NOTIFY);
	shutdown(st->fd, SHUT_WR);
	/* Take in the peer's reply so that close() does not reset. */
	until = tlsh_now_ms() + DRAIN_MS;
	for (;;) {
		char buf[4096], cbuf[CMSG_SPACE(1)];
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct pollfd p = { .fd = st->fd, .events = POLLIN };
		int64_t left = until - tlsh_now_ms();

		if (left <= 0 || poll(&p, 1, (int)left) <= 0 ||
		    recvmsg(st->fd, &m, MSG_DONTWAIT) <= 0)
			break;
	}
	close(st->fd);
	st->fd = -1;
	return exec_status(wstatus);
}

static int run(struct tls_opts *o)
{
	struct tls_state st = { .o = o, .fd = -1 };
	struct tlsh_io dr;
	struct tlsh_traffic_keys kp;
	struct tlsh_ktls_error kerr;
	struct tlsh_conn *c = NULL;
	char host[256], reason[256], kbuf[160];
	bool have_ktls, ktls = false;
	int64_t deadline;
	size_t cap;
	int rc;

	st.start_ms = tlsh_now_ms();
	deadline = st.start_ms + (int64_t)(o->timeout_s * 1000);
	if (o->server) {
		int type = 0;
		socklen_t tl = sizeof(type);

		st.fd = o->fd;
		if (getsockopt(st.fd, SOL_SOCKET, SO_TYPE, &type, &tl) ||
		    type != SOCK_STREAM) {
			say(o, 0, "fd %d is not a stream socket", st.fd);
			return EXIT_FAILURE;
		}
	}
	rc = load_state(&st);
	if (rc)
		goto fail_early;

	have_ktls = ktls_available();
	if (!have_ktls && (o->require_ktls || (o->server && !o->exec_argv))) {
		say(o, 0, "the kernel has no TLS ULP (kTLS)%s", o->require_ktls ?
		    " and --require-ktls was given" :
		    "; serve without --exec would hand back a socket carrying "
		    "ciphertext: use --exec, or load the tls module");
		rc = TLSH_EXIT_KTLS;
		goto fail_early;
	}
	if (!o->server) {
		rc = connect_target(o, deadline, host, sizeof(host));
		if (rc < 0) {
			rc = -rc;
			goto out;
		}
		st.fd = rc;
		st.ps.cfg.server_name = o->sni ? o->sni : host;
		say(o, 2, "connected to %s in %lld ms", o->target,
		    (long long)(tlsh_now_ms() - st.start_ms));
	}
	tlsh_peer_str(st.fd, st.peer, sizeof(st.peer));

	if (tlsh_conn_new(&c, &st.ps.cfg, o->server) || tlsh_conn_start(c)) {
		say(o, 0, "cannot set up the handshake: %s",
		    c ? tlsh_err_str(tlsh_conn_error(c)) : "bad configuration");
		rc = TLSH_EXIT_CONFIG;
		goto fail_early;
	}
	/* A backstop behind the engine's own limit, which sends the alert. */
	cap = tlsh_io_cap(o->prof.max_handshake);
	if (tlsh_drive_handshake(c, st.fd, deadline, cap, &dr)) {
		char line[400], why[300];

		rc = failure(c, &dr, reason, sizeof(reason));
		/* The reason may quote the peer's certificate names. */
		snprintf(line, sizeof(line), "fail status=%d reason=\"%s\"", rc,
			 tlsh_log_text(reason, why, sizeof(why)));
		log_handshake(&st, c, line, true);
		goto fail_early;
	}
	say(o, 2, "handshake: %zu bytes in, %zu out, %zu peer certificates, "
	    "signature scheme %04x%s", dr.bytes_in, dr.bytes_out,
	    tlsh_conn_peer_certs(c),
	    tlsh_conn_sigscheme(c),
	    tlsh_conn_did_hrr(c) ? ", after HelloRetryRequest" : "");
	if (tlsh_conn_export_keys(c, &kp)) {
		log_handshake(&st, c, "fail status=1 reason=\"no keys to export\"",
			      true);
		rc = EXIT_FAILURE;
		goto fail_early;
	}

	if (have_ktls) {
		if (tlsh_ktls_install(st.fd, &kp, &kerr) == 0) {
			ktls = true;
		} else {
			tlsh_ktls_strerror(&kerr, kbuf, sizeof(kbuf));
			if (kerr.socket_unusable || o->require_ktls ||
			    (o->server && !o->exec_argv)) {
				snprintf(reason, sizeof(reason),
					 "fail status=%d reason=\"kTLS: %s\"",
					 TLSH_EXIT_KTLS, kbuf);
				log_handshake(&st, c, reason, true);
				if (!kerr.socket_unusable)
					send_alert_sw(c, st.fd);
				rc = TLSH_EXIT_KTLS;
				goto fail_early;
			}
			say(o, 1, "kTLS not installed (%s); using the userspace "
			    "record layer", kbuf);
		}
	} else {
		say(o, 1, "the kernel has no TLS ULP; using the userspace "
		    "record layer through a relay");
	}
	log_handshake(&st, c, ktls ? "ok record-layer=kernel" :
		      "ok record-layer=userspace", false);
	if (o->session && tlsh_conn_session_note(c))
		say(o, 1, "session %s not resumed: %s", o->session,
		    tlsh_conn_session_note(c));

	if (o->server && ktls) {
		/* The program gets the kTLS socket itself. */
		explicit_bzero(&kp, sizeof(kp));
		tlsh_conn_free(c);
		c = NULL;
		if (!o->exec_argv) {
			close(st.fd);
			st.fd = -1;
			rc = EXIT_SUCCESS;
			goto out;
		}
		rc = run_on_ktls(&st);
		goto out;
	}
	/* Nothing secret beyond the traffic keys stays for the relay. */
	explicit_bzero(&kp, sizeof(kp));
	/* With --session the connection stays to take the tickets. */
	if (ktls && !o->session) {
		tlsh_conn_free(c);
		c = NULL;
	}
	free_state(&st);
	rc = relay(&st, ktls, c);
	goto out;

fail_early:
	if (st.fd >= 0)
		abandon(st.fd);
	st.fd = -1;
out:
	explicit_bzero(&kp, sizeof(kp));
	tlsh_conn_free(c);
	free_state(&st);
	return rc;
}

int tlsh_cmd_serve(int argc, char **argv)
{
	struct tls_opts o = { .cmd = "serve", .server = true };
	int rc = tlsh_tls_parse_opts(&o, argc, argv);

	if (rc >= 0) {
		tlsh_profile_free(&o.prof);
		/* Never leave a handed-over socket half-set-up. */
		if (o.fd >= 0 && rc != EXIT_SUCCESS)
			close(o.fd);
		return rc;
	}
	return run(&o);
}

int tlsh_cmd_connect(int argc, char **argv)
{
	struct tls_opts o = { .cmd = "connect" };
	int rc = tlsh_tls_parse_opts(&o, argc, argv);

	if (rc >= 0) {
		tlsh_profile_free(&o.prof);
		return rc;
	}
	return run(&o);
}
