// SPDX-License-Identifier: GPL-2.0
/*
 * loadgen: drive fresh, full TLS handshakes (never resumed) against one
 * server with many concurrent loopback connections, the same way for every
 * server under test. The client side is GnuTLS so that the generator is
 * independent of the engine being measured.
 *
 *   loadgen HOST:PORT [-c CONCURRENCY] [-n COUNT | -d SECONDS]
 *           [-p GNUTLS_PRIORITY] [-r REQUEST] [-q]
 *
 * Each connection: TCP connect, handshake, optionally send REQUEST and read
 * the response until the server closes, then close. Prints one line of
 * key=value results: ok, failed, seconds, hs_per_s.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
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
#include <sys/socket.h>

#include <gnutls/gnutls.h>

enum slot_state { IDLE, CONNECTING, HANDSHAKE, REQUEST, RESPONSE };

struct slot {
	enum slot_state state;
	int fd;
	gnutls_session_t s;
	size_t req_off;
};

static struct {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	const char *priority;
	const char *request;
	size_t request_len;
	long count;
	double duration;
	bool quiet;
} opt = {
	.priority = "NORMAL",
	.count = 1000,
};

static gnutls_certificate_credentials_t creds;
static long started, ok, failed;
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

static bool want_more(void)
{
	if (opt.duration > 0)
		return now() - t_start < opt.duration;
	return started < opt.count;
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

static bool slot_tls_init(struct slot *sl)
{
	const char *err_pos;

	if (gnutls_init(&sl->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK) ||
	    gnutls_priority_set_direct(sl->s, opt.priority, &err_pos) ||
	    gnutls_credentials_set(sl->s, GNUTLS_CRD_CERTIFICATE, creds))
		return false;
	gnutls_transport_set_int(sl->s, sl->fd);
	return true;
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
		    soerr || !slot_tls_init(sl))
			return slot_close(ep, sl, false);
		sl->state = HANDSHAKE;
		/* fall through */
	case HANDSHAKE:
		rc = gnutls_handshake(sl->s);
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
	case IDLE:
		break;
	}
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
	struct epoll_event evs[64];
	struct slot *slots;

	while ((c = getopt(argc, argv, "c:n:d:p:r:q")) != -1) {
		switch (c) {
		case 'c': conc = atoi(optarg); break;
		case 'n': opt.count = atol(optarg); break;
		case 'd': opt.duration = atof(optarg); break;
		case 'p': opt.priority = optarg; break;
		case 'r': opt.request = optarg; break;
		case 'q': opt.quiet = true; break;
		default:
			fprintf(stderr, "usage: loadgen HOST:PORT [-c CONCURRENCY] "
				"[-n COUNT | -d SECONDS] [-p PRIORITY] [-r REQUEST] [-q]\n");
			return 2;
		}
	}
	if (optind != argc - 1 || conc < 1 || conc > 10000)
		die("usage", "loadgen HOST:PORT [options]");
	parse_addr(argv[optind]);
	if (opt.request)
		opt.request_len = strlen(opt.request);

	if (gnutls_global_init() ||
	    gnutls_certificate_allocate_credentials(&creds))
		die("gnutls", "initialisation failed");
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
			active += slots[i].state != IDLE;
		}
		if (!active)
			break;
		n = epoll_wait(ep, evs, 64, 1000);
		if (n < 0 && errno != EINTR)
			die("epoll_wait", strerror(errno));
		for (i = 0; i < n; i++)
			slot_step(ep, evs[i].data.ptr);
	}

	double secs = now() - t_start;

	printf("ok=%ld failed=%ld seconds=%.3f hs_per_s=%.1f\n", ok, failed,
	       secs, secs > 0 ? ok / secs : 0.0);
	free(slots);
	gnutls_certificate_free_credentials(creds);
	gnutls_global_deinit();
	return failed ? 1 : 0;
}
