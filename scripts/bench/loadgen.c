// SPDX-License-Identifier: GPL-2.0
/*
 * loadgen: drive fresh TLS handshakes (full, or resumed with -R) against one
 * server with many concurrent loopback connections, the same way for every
 * server under test. The client side is GnuTLS so that the generator is
 * independent of the engine being measured.
 *
 *   loadgen HOST:PORT [-c CONCURRENCY] [-n COUNT | -d SECONDS]
 *           [-p GNUTLS_PRIORITY] [-r REQUEST] [-s HOLD_SECONDS] [-t RATE]
 *           [-P] [-R [-S FILE]] [-q]
 *
 * Each connection: TCP connect, handshake, optionally send REQUEST and read
 * the response until the server closes, then close. Prints one line of
 * key=value results: ok, failed, seconds, hs_per_s.
 *
 * -s: open COUNT connections at once, send each one's ClientHello and go
 * no further; when all are sent print "stalled=N" (and flush), hold them
 * HOLD_SECONDS, then close them all (the memory benchmark).
 * -P: no TLS, the same shape in plain TCP against tcp-floor: send
 * TCP_FLOOR_CH bytes, read TCP_FLOOR_SH, send TCP_FLOOR_FIN, close.
 * -t RATE: start at most RATE connections per second (paced from the
 * start), to drive a server at another server's measured rate.
 * -R: resumed handshakes. One priming connection does a full handshake
 * and waits for the server's ticket; every measured connection then offers
 * that session, and one the server does not resume
 * counts as failed ("not resumed"). The result line adds resumed=N.
 * -S FILE: take the session from FILE when it holds one, else prime and
 * store it there, so that a second run against the same server does no
 * full handshake (the instruction counts zero the counters in between).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>

#include "tcp-floor.h"

/* What the -s hook returns to stop the handshake (an application code). */
#define STALL_ERR GNUTLS_E_APPLICATION_ERROR_MIN

enum slot_state { IDLE, CONNECTING, HANDSHAKE, REQUEST, RESPONSE, STALLED,
		  PLAIN };

struct slot {
	enum slot_state state;
	int fd;
	gnutls_session_t s;
	size_t req_off;
	size_t plain_off;	/* -P: bytes of the current flight done */
	int plain_stage;	/* -P: 0 send CH, 1 read SH, 2 send FIN */
};

static struct {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	const char *priority;
	const char *request;
	size_t request_len;
	long count;
	double duration;
	double hold;		/* -s */
	bool plain;		/* -P */
	bool resume;		/* -R */
	const char *session_file;	/* -S */
	double rate;		/* -t: connections started per second */
	bool quiet;
} opt = {
	.priority = "NORMAL",
	.count = 1000,
};

static gnutls_certificate_credentials_t creds;
static gnutls_priority_t prio;
static gnutls_datum_t session;	/* -R: what the priming connection got */
static long started, ok, failed, stalled, resumed;
static double t_start;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, why);
	exit(2);
}

/* Still running: the duration or count is not reached (paced or not). */
static bool not_finished(void)
{
	if (opt.duration > 0)
		return now() - t_start < opt.duration;
	return started < opt.count;
}

/* Start one more now? -t: no more than the rate allows so far. */
static bool want_more(void)
{
	if (opt.rate > 0 && started >= opt.rate * (now() - t_start))
		return false;
	return not_finished();
}

static void slot_close(int ep, struct slot *sl, bool success)
{
	if (sl->s)
		gnutls_deinit(sl->s);
	if (sl->fd >= 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, sl->fd, NULL);
		close(sl->fd);
	}
	sl->s = NULL;
	sl->fd = -1;
	sl->state = IDLE;
	if (success)
		ok++;
	else
		failed++;
}

static void slot_watch(int ep, struct slot *sl, uint32_t events, int op)
{
	struct epoll_event ev = { .events = events, .data.ptr = sl };

	if (epoll_ctl(ep, op, sl->fd, &ev))
		die("epoll_ctl", strerror(errno));
}

static void slot_start(int ep, struct slot *sl)
{
	int one = 1;

	started++;
	sl->fd = socket(opt.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (sl->fd < 0)
		die("socket", strerror(errno));
	setsockopt(sl->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sl->req_off = 0;
	sl->state = CONNECTING;
	if (connect(sl->fd, (struct sockaddr *)&opt.addr, opt.addrlen) &&
	    errno != EINPROGRESS) {
		close(sl->fd);
		sl->fd = -1;
		sl->state = IDLE;
		failed++;
		return;
	}
	slot_watch(ep, sl, EPOLLOUT, EPOLL_CTL_ADD);
}

/* -s: stop right after the ClientHello is sent, whatever comes back. */
static int stall_after_client_hello(gnutls_session_t s, unsigned int htype,
				    unsigned int when, unsigned int incoming,
				    const gnutls_datum_t *msg)
{
	(void)s; (void)htype; (void)when; (void)incoming; (void)msg;
	return STALL_ERR;
}

static bool slot_tls_init(struct slot *sl)
{
	if (gnutls_init(&sl->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK) ||
	    gnutls_priority_set(sl->s, prio) ||
	    gnutls_credentials_set(sl->s, GNUTLS_CRD_CERTIFICATE, creds))
		return false;
	if (opt.resume && gnutls_session_set_data(sl->s, session.data,
						  session.size))
		return false;
	if (opt.hold > 0)
		gnutls_handshake_set_hook_function(sl->s,
						   GNUTLS_HANDSHAKE_CLIENT_HELLO,
						   GNUTLS_HOOK_POST,
						   stall_after_client_hello);
	gnutls_transport_set_int(sl->s, sl->fd);
	return true;
}

/* -P: the three flights of tcp-floor, in plain TCP. */
static void slot_plain(int ep, struct slot *sl)
{
	static const size_t flight[] = { TCP_FLOOR_CH, TCP_FLOOR_SH,
					 TCP_FLOOR_FIN };
	static char buf[TCP_FLOOR_SH];
	ssize_t r;

	while (sl->plain_stage < 3) {
		size_t left = flight[sl->plain_stage] - sl->plain_off;
		bool reading = sl->plain_stage == 1;

		r = reading ? recv(sl->fd, buf, left, 0) :
			      send(sl->fd, buf, left, MSG_NOSIGNAL);
		if (r < 0 && errno == EAGAIN) {
			slot_watch(ep, sl, reading ? EPOLLIN : EPOLLOUT,
				   EPOLL_CTL_MOD);
			return;
		}
		if (r <= 0)
			return slot_close(ep, sl, false);
		sl->plain_off += (size_t)r;
		if (sl->plain_off == flight[sl->plain_stage]) {
			sl->plain_stage++;
			sl->plain_off = 0;
		}
	}
	slot_close(ep, sl, true);
}

/* Advance one slot as far as it goes without blocking. */
static void slot_step(int ep, struct slot *sl)
{
	char buf[16384];
	int rc, soerr;
	socklen_t len = sizeof(soerr);

	switch (sl->state) {
	case CONNECTING:
		if (getsockopt(sl->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) ||
		    soerr)
			return slot_close(ep, sl, false);
		if (opt.plain) {
			sl->state = PLAIN;
			sl->plain_stage = 0;
			sl->plain_off = 0;
			return slot_plain(ep, sl);
		}
		if (!slot_tls_init(sl))
			return slot_close(ep, sl, false);
		sl->state = HANDSHAKE;
		/* fall through */
	case HANDSHAKE:
		rc = gnutls_handshake(sl->s);
		if (rc == STALL_ERR) {
			/* The ClientHello is out: go no further. */
			epoll_ctl(ep, EPOLL_CTL_DEL, sl->fd, NULL);
			sl->state = STALLED;
			stalled++;
			return;
		}
		if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
			slot_watch(ep, sl, gnutls_record_get_direction(sl->s) ?
				   EPOLLOUT : EPOLLIN, EPOLL_CTL_MOD);
			return;
		}
		if (rc < 0) {
			if (!opt.quiet)
				fprintf(stderr, "loadgen: handshake: %s\n",
					gnutls_strerror(rc));
			return slot_close(ep, sl, false);
		}
		if (opt.resume && !gnutls_session_is_resumed(sl->s)) {
			if (!opt.quiet)
				fprintf(stderr, "loadgen: not resumed\n");
			return slot_close(ep, sl, false);
		}
		resumed += opt.resume;
		if (!opt.request)
			return slot_close(ep, sl, true);
		sl->state = REQUEST;
		/* fall through */
	case REQUEST:
		while (sl->req_off < opt.request_len) {
			rc = gnutls_record_send(sl->s, opt.request + sl->req_off,
						opt.request_len - sl->req_off);
			if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
				slot_watch(ep, sl, EPOLLOUT, EPOLL_CTL_MOD);
				return;
			}
			if (rc < 0)
				return slot_close(ep, sl, false);
			sl->req_off += rc;
		}
		sl->state = RESPONSE;
		slot_watch(ep, sl, EPOLLIN, EPOLL_CTL_MOD);
		/* fall through */
	case RESPONSE:
		for (;;) {
			rc = gnutls_record_recv(sl->s, buf, sizeof(buf));
			if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED)
				return;
			/* EOF, close_notify or a reset after the response. */
			if (rc == 0 || rc == GNUTLS_E_PREMATURE_TERMINATION)
				return slot_close(ep, sl, true);
			if (rc < 0)
				return slot_close(ep, sl, false);
		}
	case PLAIN:
		return slot_plain(ep, sl);
	case STALLED:
	case IDLE:
		break;
	}
}

/*
 * -R: one full handshake, blocking, to get a session to resume. A TLS 1.3
 * NewSessionTicket comes after the handshake: read until GnuTLS has one
 * (every server under test sends it at once), EOF, or two seconds.
 */
static void prime_session(void)
{
	gnutls_session_t s;
	char buf[4096];
	int fd, rc, tries = 0;

	fd = socket(opt.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&opt.addr, opt.addrlen))
		die("priming connection", strerror(errno));
	if (gnutls_init(&s, GNUTLS_CLIENT) ||
	    gnutls_priority_set(s, prio) ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, creds))
		die("priming connection", "gnutls setup failed");
	gnutls_transport_set_int(s, fd);
	gnutls_handshake_set_timeout(s, 5000);
	gnutls_record_set_timeout(s, 100);
	do {
		rc = gnutls_handshake(s);
	} while (rc < 0 && !gnutls_error_is_fatal(rc));
	if (rc < 0)
		die("priming handshake", gnutls_strerror(rc));
	while (!(gnutls_session_get_flags(s) & GNUTLS_SFLAGS_SESSION_TICKET) &&
	       tries++ < 20) {
		rc = gnutls_record_recv(s, buf, sizeof(buf));
		if (rc == 0 || (rc < 0 && gnutls_error_is_fatal(rc)))
			break;
	}
	rc = gnutls_session_get_data2(s, &session);
	if (rc)
		die("priming connection: no session", gnutls_strerror(rc));
	gnutls_deinit(s);
	close(fd);
	if (opt.session_file) {
		FILE *f = fopen(opt.session_file, "we");

		if (!f || fwrite(session.data, 1, session.size, f) !=
			  session.size || fclose(f))
			die(opt.session_file, "cannot store the session");
	}
}

/* -S: the session a priming run stored, if there is one. */
static bool load_session(void)
{
	gnutls_datum_t d;

	if (!opt.session_file ||
	    gnutls_load_file(opt.session_file, &d) < 0)
		return false;
	if (!d.size) {
		gnutls_free(d.data);
		return false;
	}
	session = d;
	return true;
}

static void parse_addr(const char *hostport)
{
	char host[256];
	const char *colon = strrchr(hostport, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int rc;

	if (!colon || (size_t)(colon - hostport) >= sizeof(host))
		die(hostport, "expected HOST:PORT");
	memcpy(host, hostport, colon - hostport);
	host[colon - hostport] = 0;
	rc = getaddrinfo(host, colon + 1, &hints, &ai);
	if (rc)
		die(hostport, gai_strerror(rc));
	memcpy(&opt.addr, ai->ai_addr, ai->ai_addrlen);
	opt.addrlen = ai->ai_addrlen;
	freeaddrinfo(ai);
}

int main(int argc, char **argv)
{
	int c, ep, conc = 16, i, n;
	struct rlimit rl;
	const char *err_pos = NULL;
	struct epoll_event evs[64];
	struct slot *slots;

	while ((c = getopt(argc, argv, "c:n:d:p:r:s:t:S:PRq")) != -1) {
		switch (c) {
		case 'c': conc = atoi(optarg); break;
		case 'n': opt.count = atol(optarg); break;
		case 'd': opt.duration = atof(optarg); break;
		case 'p': opt.priority = optarg; break;
		case 'r': opt.request = optarg; break;
		case 's': opt.hold = atof(optarg); break;
		case 'P': opt.plain = true; break;
		case 'R': opt.resume = true; break;
		case 't': opt.rate = atof(optarg); break;
		case 'S': opt.session_file = optarg; break;
		case 'q': opt.quiet = true; break;
		default:
			fprintf(stderr, "usage: loadgen HOST:PORT [-c CONCURRENCY] "
				"[-n COUNT | -d SECONDS] [-p PRIORITY] [-r REQUEST] "
				"[-s HOLD_SECONDS] [-t RATE] [-P] [-R [-S FILE]] [-q]\n");
			return 2;
		}
	}
	if (opt.hold > 0)	/* every connection at once */
		conc = (int)opt.count;
	if (optind != argc - 1 || conc < 1 || conc > 100000)
		die("usage", "loadgen HOST:PORT [options]");
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);	/* a server that closed first */
	parse_addr(argv[optind]);
	if (opt.request)
		opt.request_len = strlen(opt.request);

	if (gnutls_global_init() ||
	    gnutls_certificate_allocate_credentials(&creds))
		die("gnutls", "initialisation failed");
	if (gnutls_priority_init(&prio, opt.priority, &err_pos) < 0)
		die("bad priority string at", err_pos);
	if (opt.resume && !load_session())
		prime_session();
	slots = calloc(conc, sizeof(*slots));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!slots || ep < 0)
		die("setup", strerror(errno));

	t_start = now();
	for (i = 0; i < conc; i++) {
		slots[i].fd = -1;
		if (want_more())
			slot_start(ep, &slots[i]);
	}
	for (;;) {
		int active = 0;

		for (i = 0; i < conc; i++) {
			if (slots[i].state == IDLE && want_more())
				slot_start(ep, &slots[i]);
			active += slots[i].state != IDLE &&
				  slots[i].state != STALLED;
		}
		if (!active && !(opt.rate > 0 && not_finished()))
			break;
		/* Paced: look again within a millisecond. */
		n = epoll_wait(ep, evs, 64, opt.rate > 0 ? 1 : 1000);
		if (n < 0 && errno != EINTR)
			die("epoll_wait", strerror(errno));
		for (i = 0; i < n; i++)
			slot_step(ep, evs[i].data.ptr);
	}

	if (opt.hold > 0) {
		struct timespec ts = {
			.tv_sec = (time_t)opt.hold,
			.tv_nsec = (long)((opt.hold - (double)(time_t)opt.hold) * 1e9),
		};

		printf("stalled=%ld\n", stalled);
		fflush(stdout);
		nanosleep(&ts, NULL);
		for (i = 0; i < conc; i++)
			if (slots[i].state == STALLED)
				slot_close(ep, &slots[i], true);
	}

	double secs = now() - t_start;

	printf("ok=%ld failed=%ld seconds=%.3f hs_per_s=%.1f", ok, failed,
	       secs, secs > 0 ? ok / secs : 0.0);
	if (opt.resume)
		printf(" resumed=%ld", resumed);
	printf("\n");
	gnutls_free(session.data);
	free(slots);
	gnutls_priority_deinit(prio);
	gnutls_certificate_free_credentials(creds);
	gnutls_global_deinit();
	return failed ? 1 : 0;
}
