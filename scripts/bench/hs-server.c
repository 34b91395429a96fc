// SPDX-License-Identifier: GPL-2.0
/*
 * hs-server: `tlshelper daemon`'s handshake path without tlsh.ko, for the
 * handshake benchmark on a host that has no kTLS.
 *
 *   hs-server PORT --cert FILE --key FILE [--cert FILE --key FILE]...
 *             [--workers N] [--count N] [--SETTING VALUE]...
 *
 * A SETTING is any listener setting that takes a value, as on a daemon
 * config line (--tickets 1 for the resumed-handshake benchmark).
 *
 * The connections come from accept() on 127.0.0.1:PORT instead of the
 * module's ACCEPT; from there on everything is the daemon's own code
 * (helper/daemon/daemon_worker.c): the same listener credentials, workers, epoll
 * loop, exact-record reads (io/step.h), engine, key export and log line
 * per handshake. What differs (its struct tlshd_ops): no DONE (there is
 * no module), and kTLS is installed only where the kernel has it. After
 * the handshake the
 * connection is closed, as the daemon closes its copy.
 *
 * Stops on SIGTERM / SIGINT, or after --count handshakes have finished
 * (ok or failed), and prints "handshakes ok=N failed=N resumed=N" on stdout.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include "daemon/daemon_worker.h"

static void usage(void)
{
	fprintf(stderr, "usage: hs-server PORT --cert FILE --key FILE "
		"[--cert FILE --key FILE]... [--workers N] [--count N] "
		"[--SETTING VALUE]...\n");
	exit(2);
}

static int listen_on(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int one = 1, fd;

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(fd, 4096)) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool kernel_has_ktls(void)
{
	char buf[256] = "";
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_ulp", "re");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	return strstr(buf, "tls") != NULL;
}

static struct {
	struct tlshd_listener *l;
	int lfd, sig;
	unsigned long count;
} srv;

/* Accept what is pending, up to the daemon's cap on claimed connections. */
static void accept_all(struct tlshd *d)
{
	while (atomic_load(&d->claimed) < d->max_claimed) {
		int fd = accept4(srv.lfd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		if (tlshd_claimed(d, srv.l, fd))
			close(fd);
	}
}

enum { TAG_LISTENER, TAG_SIG, TAG_KICK };

static void main_event(struct tlshd *d, unsigned int tag)
{
	uint64_t v;

	if (tag == TAG_SIG) {
		atomic_store(&d->stopping, true);
		return;
	}
	/* A new connection, or room again below the cap. */
	if (tag == TAG_KICK && read(d->kick, &v, sizeof(v)) < 0)
		v = 0;
	accept_all(d);
}

static int main_tick(struct tlshd *d)
{
	if (srv.count && atomic_load(&d->ok) + atomic_load(&d->failed) >=
			 srv.count)
		atomic_store(&d->stopping, true);
	return srv.count ? 100 : -1;
}

/* A kernel without kTLS: the keys stay in the engine, wiped with it. */
static int keys_stay(int fd, const struct tlsh_conn *tls, char *why,
		     size_t whylen)
{
	(void)fd;
	(void)why;
	(void)whylen;
	return tlsh_conn_done(tls) ? 0 : -EPROTO;
}

/* No tlsh.ko: connections come from accept(), no DONE goes back. */
static struct tlshd_ops bench_ops = {
	.main_event = main_event,
	.main_tick = main_tick,
	.install = tlshd_install_ktls,
};

int main(int argc, char **argv)
{
	struct tlsh_daemon_opts o = { 0 };
	struct tlshd dd = { 0 }, *d = &dd;
	struct tlsh_spec spec;
	struct rlimit rl;
	char err[300];
	sigset_t mask;
	bool have_ktls;
	int port, i, rc;

	tlsh_spec_init(&spec);
	if (argc < 2 || (port = atoi(argv[1])) <= 0 || port > 65535)
		usage();
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v || strncmp(a, "--", 2))
			usage();
		rc = tlsh_profile_set(&spec.profile, a + 2, v, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "hs-server: %s\n", err);
			return 2;
		}
		if (rc == 1)
			;
		else if (!strcmp(a, "--workers"))
			o.workers = (unsigned int)atoi(v);
		else if (!strcmp(a, "--count"))
			srv.count = strtoul(v, NULL, 10);
		else
			usage();
		i++;
	}
	srv.l = tlshd_listener_new(&spec, NULL, err, sizeof(err));
	if (!srv.l) {
		fprintf(stderr, "hs-server: %s\n", err);
		return 4;
	}
	srv.l->id = 1;

	/* One fd per connection in flight: up to the hard limit. */
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	d->o = &o;
	have_ktls = kernel_has_ktls();
	if (!have_ktls)
		bench_ops.install = keys_stay;
	d->ops = &bench_ops;
	d->max_claimed = 4096;
	d->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	srv.sig = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	srv.lfd = listen_on(port);
	if (d->kick < 0 || srv.sig < 0 || srv.lfd < 0) {
		fprintf(stderr, "hs-server: setup: %s\n", strerror(errno));
		return 1;
	}
	if (tlshd_workers_start(d, o.workers ? o.workers : 1))
		return 1;
	if (tlshd_watch_main(d, srv.lfd, TAG_LISTENER) ||
	    tlshd_watch_main(d, srv.sig, TAG_SIG) ||
	    tlshd_watch_main(d, d->kick, TAG_KICK)) {
		fprintf(stderr, "hs-server: setup: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "hs-server: listening on 127.0.0.1:%d, %u workers, "
		"kTLS %s\n", port, d->n_workers,
		have_ktls ? "installed" : "not available: keys left in userspace");
	tlshd_run_main(d);
	tlshd_workers_stop(d);
	printf("handshakes ok=%lu failed=%lu resumed=%lu\n", atomic_load(&d->ok),
	       atomic_load(&d->failed), atomic_load(&d->resumed));
	tlshd_listener_put(srv.l);
	close(srv.lfd);
	return 0;
}
