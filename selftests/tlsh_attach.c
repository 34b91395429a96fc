// SPDX-License-Identifier: GPL-2.0
/*
 * tlsh.ko's listener attach, upcall and hand-off, in the test VM (root,
 * Debian 6.1 kernel, cwd = repository root).
 *
 * No handshake happens here: a test "daemon" thread claims each connection
 * with ACCEPT, installs fixed keys with tlsh_ktls_install() as if it had
 * negotiated them, sends DONE and closes its fd. The client installs the
 * mirrored keys on its own socket, so data the application reads and
 * writes after accept() crosses the wire through kTLS on both ends.
 *
 * Each test loads kmod/tlsh.ko in setup, and in teardown checks that it
 * unloads (no socket left on module ops) and that the kernel logged no BUG
 * or WARNING.
 */
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "kselftest_harness.h"
#include "os/ktls.h"
#include "os/nl.h"
#include "tlsh_handoff.h"
#include "tlsh_kmod.h"
#include "tlsh_attach.h"

TEST_F(attach, one_connection_handed_off_with_data_both_ways)
{
	static const uint64_t after[6] = { 0, 0, 0, 1, 0, 0 };
	char buf[64], ulp[16];
	int c, s;

	ATTACH(0);
	START_DAEMON(D_OK);

	c = tls_client(_metadata, &self->addr);
	ASSERT_LE(0, c);
	ASSERT_EQ(5, send(c, "ping!", 5, 0));

	s = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, s) TH_LOG("accept: %s", strerror(errno));
	get_ulp(s, ulp, sizeof(ulp));
	EXPECT_STREQ("tls", ulp);

	/* Plaintext for the application, decrypted by kTLS RX. */
	ASSERT_EQ(5, recv(s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "ping!", 5));
	ASSERT_EQ(5, send(s, "pong!", 5, 0));
	ASSERT_EQ(5, recv(c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "pong!", 5));

	EXPECT_EQ(1, atomic_load(&self->d.claimed));
	for (int i = 0; i < 100 && !atomic_load(&self->d.readies); i++)
		sleep_ms(20);
	EXPECT_EQ(1, atomic_load(&self->d.readies));
	EXPECT_EQ(0, atomic_load(&self->d.errors)) TH_LOG("%s",
							 self->d.errmsg);
	EXPECT_TRUE(counters_are(_metadata, after));

	/* Closing the application's socket: close_notify, then EOF. */
	close(s);
	EXPECT_TRUE(recv_close_notify(c));
	EXPECT_EQ(0, recv(c, buf, sizeof(buf), 0));
	close(c);
}

TEST_F(attach, wire_carries_ciphertext)
{
	char buf[64];
	int c, s;
	ssize_t n;

	ATTACH(0);
	START_DAEMON(D_OK);

	/* A client without kTLS reads the raw records. */
	c = client_connect(&self->addr);
	ASSERT_LE(0, c);
	s = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, s) TH_LOG("accept: %s", strerror(errno));
	ASSERT_EQ(5, send(s, "hello", 5, 0));

	n = recv(c, buf, sizeof(buf), 0);
	/* Header (5) + data (5) + content type (1) + GCM tag (16). */
	ASSERT_EQ(27, n);
	EXPECT_EQ(0x17, buf[0]);
	EXPECT_EQ(0x03, buf[1]);
	EXPECT_EQ(0x03, buf[2]);
	EXPECT_EQ(NULL, memmem(buf, n, "hello", 5));
	close(s);
	close(c);
}

TEST_F(attach, many_concurrent_connections_all_delivered)
{
	static const uint64_t after[6] = { 0, 0, 0, MANY, 0, 0 };
	int c[MANY], s, i, idx, seen[MANY] = { 0 };

	ATTACH(0);
	START_DAEMON(D_OK);

	for (i = 0; i < MANY; i++) {
		c[i] = tls_client(_metadata, &self->addr);
		ASSERT_LE(0, c[i]);
		ASSERT_EQ((ssize_t)sizeof(i), send(c[i], &i, sizeof(i), 0));
	}
	for (i = 0; i < MANY; i++) {
		s = accept(self->lfd, NULL, NULL);
		ASSERT_LE(0, s) TH_LOG("accept %d: %s", i, strerror(errno));
		ASSERT_EQ((ssize_t)sizeof(idx), recv(s, &idx, sizeof(idx),
						    MSG_WAITALL));
		ASSERT_LE(0, idx);
		ASSERT_GT(MANY, idx);
		EXPECT_EQ(0, seen[idx]);
		seen[idx]++;
		idx += 1000;
		ASSERT_EQ((ssize_t)sizeof(idx), send(s, &idx, sizeof(idx), 0));
		close(s);
	}
	for (i = 0; i < MANY; i++) {
		ASSERT_EQ((ssize_t)sizeof(idx), recv(c[i], &idx, sizeof(idx),
						     MSG_WAITALL));
		EXPECT_EQ(i + 1000, idx);
		close(c[i]);
	}
	EXPECT_EQ(MANY, atomic_load(&self->d.claimed));
	EXPECT_EQ(0, atomic_load(&self->d.errors)) TH_LOG("%s",
							 self->d.errmsg);
	EXPECT_TRUE(counters_are(_metadata, after));
}

/*
 * Until DONE and the daemon's close, a connection is not accept()able:
 * non-blocking accept says EAGAIN and poll/epoll say not readable, even
 * with raw children in the kernel accept queue (max_in_flight 1 keeps the
 * second one there).
 */
TEST_F(attach, accept_and_poll_wait_for_the_hand_off)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct pollfd p = { .events = POLLIN };
	int c1, c2, s, ep, flags;

	ASSERT_EQ(0, tlsh_nl_attach(&self->nl, self->lfd, 0, 1, &self->id));
	START_DAEMON(D_GATED);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ev.data.fd = self->lfd;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->lfd, &ev));

	c1 = tls_client(_metadata, &self->addr);
	ASSERT_LE(0, c1);
	ASSERT_TRUE(wait_counter(TLSH_COUNTER_IN_FLIGHT, 1));
	c2 = tls_client(_metadata, &self->addr);
	ASSERT_LE(0, c2);

	flags = fcntl(self->lfd, F_GETFL);
	ASSERT_EQ(0, fcntl(self->lfd, F_SETFL, flags | O_NONBLOCK));
	EXPECT_EQ(-1, accept(self->lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	p.fd = self->lfd;
	EXPECT_EQ(0, poll(&p, 1, 200));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 200));

	atomic_store(&self->d.gate, true);
	ASSERT_EQ(1, epoll_wait(ep, &out, 1, IO_TIMEOUT_S * 1000));
	EXPECT_EQ(self->lfd, out.data.fd);
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_TRUE(p.revents & POLLIN);
	s = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, s) TH_LOG("accept: %s", strerror(errno));
	close(s);

	/* The second follows once the first made room. */
	ASSERT_EQ(1, poll(&p, 1, IO_TIMEOUT_S * 1000));
	s = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, s) TH_LOG("accept: %s", strerror(errno));
	EXPECT_EQ(-1, accept(self->lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, poll(&p, 1, 0));
	EXPECT_EQ(0, atomic_load(&self->d.errors)) TH_LOG("%s",
							 self->d.errmsg);
	close(s);
	close(c1);
	close(c2);
	close(ep);
}

struct blocked_accept {
	int lfd;
	int fd;
	int err;
};

static void *accept_thread(void *arg)
{
	struct blocked_accept *b = arg;

	b->fd = accept(b->lfd, NULL, NULL);
	b->err = b->fd < 0 ? errno : 0;
	return NULL;
}

/* A thread blocked in accept() on the attached listener is woken. */
TEST_F(attach, blocked_accept_is_woken_by_the_hand_off)
{
	struct blocked_accept b = { .lfd = self->lfd, .fd = -1 };
	char buf[8];
	pthread_t t;
	int c;

	ATTACH(0);
	START_DAEMON(D_OK);
	ASSERT_EQ(0, pthread_create(&t, NULL, accept_thread, &b));
	sleep_ms(100);

	c = tls_client(_metadata, &self->addr);
	ASSERT_LE(0, c);
	ASSERT_EQ(3, send(c, "abc", 3, 0));
	pthread_join(t, NULL);
	ASSERT_LE(0, b.fd) TH_LOG("accept: %s", strerror(b.err));
	ASSERT_EQ(3, recv(b.fd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	close(b.fd);
	close(c);
}

TEST_F(attach, ipv6_listener_handed_off)
{
	struct sockaddr_in6 a6;
	char buf[8], ulp[16];
	int l6, c, s;
	uint32_t id;

	l6 = attached_listener6(&self->nl, &a6, &id);
	if (l6 == -1)
		SKIP(return, "no IPv6 loopback");
	ASSERT_LE(0, l6) TH_LOG("%s", self->nl.errmsg);
	START_DAEMON(D_OK);

	c = client_connect_sa((struct sockaddr *)&a6, sizeof(a6));
	ASSERT_LE(0, c);
	ASSERT_EQ(0, install_keys(c, TLSH_TLS13, false));
	ASSERT_EQ(2, send(c, "v6", 2, 0));

	s = accept(l6, NULL, NULL);
	ASSERT_LE(0, s) TH_LOG("accept: %s", strerror(errno));
	get_ulp(s, ulp, sizeof(ulp));
	EXPECT_STREQ("tls", ulp);
	ASSERT_EQ(2, recv(s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "v6", 2));
	ASSERT_EQ(2, send(s, "ok", 2, 0));
	ASSERT_EQ(2, recv(c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "ok", 2));
	close(s);
	close(c);
	close(l6);
}

static void on_usr1(int sig)
{
	(void)sig;
}

TEST_F(attach, accept_honours_timeout_and_signals)
{
	struct blocked_accept b = { .lfd = self->lfd, .fd = -1 };
	struct timeval tv = { .tv_usec = 200000 };
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	pthread_t t;

	ATTACH(0);
	START_DAEMON(D_OK);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, accept_thread, &b));
	sleep_ms(200);
	ASSERT_EQ(0, pthread_kill(t, SIGUSR1));
	pthread_join(t, NULL);
	EXPECT_EQ(-1, b.fd);
	EXPECT_EQ(EINTR, b.err);

	ASSERT_EQ(0, setsockopt(self->lfd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				sizeof(tv)));
	EXPECT_EQ(-1, accept(self->lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(attach, max_in_flight_bounds_what_is_held)
{
	static const uint64_t after[6] = { 0, 0, 0, 4, 0, 0 };
	struct tlsh_status st;
	int c[4], s, i;

	ASSERT_EQ(0, tlsh_nl_attach(&self->nl, self->lfd, 600000, 2,
				    &self->id));
	START_DAEMON(D_IGNORE);
	for (i = 0; i < 4; i++) {
		c[i] = tls_client(_metadata, &self->addr);
		ASSERT_LE(0, c[i]);
	}
	ASSERT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 2));
	sleep_ms(300);
	ASSERT_EQ(0, get_status(&st));
	/* The other two wait in the kernel's accept queue. */
	EXPECT_EQ(2U, st.counters[TLSH_COUNTER_PENDING]);
	EXPECT_EQ(2U, st.listeners[0].counters[TLSH_COUNTER_PENDING]);

	atomic_store(&self->d.mode, D_OK);
	for (i = 0; i < 4; i++) {
		s = accept(self->lfd, NULL, NULL);
		ASSERT_LE(0, s) TH_LOG("accept %d: %s", i, strerror(errno));
		close(s);
	}
	for (i = 0; i < 4; i++)
		close(c[i]);
	EXPECT_TRUE(counters_are(_metadata, after));
}

/* ---- epoll: edge-triggered and EPOLLEXCLUSIVE ---- */

/* Wait until *v reaches value (10 s at most). */
static bool wait_atomic(atomic_int *v, int value)
{
	int i;

	for (i = 0; i < 200 && atomic_load(v) < value; i++)
		sleep_ms(50);
	return atomic_load(v) == value;
}

/* accept() on non-blocking lfd until EAGAIN, closing what it gets. */
static int accept_all(int lfd)
{
	int n = 0, s;

	while ((s = accept(lfd, NULL, NULL)) >= 0) {
		close(s);
		n++;
	}
	return errno == EAGAIN ? n : -errno;
}

/*
 * As on a TCP listener: one event per hand-off whether or not the earlier
 * ones were accepted yet, none for a connection still waiting for its
 * handshake, and none again for what was reported already.
 */
TEST_F(attach, epollet_reports_each_hand_off)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, out[4];
	int c[3], ep, i, flags;

	ATTACH(600000);
	START_DAEMON(D_IGNORE);	/* joined; connections are claimed by hand */
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ev.data.fd = self->lfd;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->lfd, &ev));
	flags = fcntl(self->lfd, F_GETFL);
	ASSERT_EQ(0, fcntl(self->lfd, F_SETFL, flags | O_NONBLOCK));

	for (i = 0; i < 3; i++) {
		c[i] = tls_client(_metadata, &self->addr);
		ASSERT_LE(0, c[i]);
	}
	ASSERT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 3));
	/* The raw children woke the listener, but nothing is acceptable. */
	EXPECT_EQ(0, epoll_wait(ep, out, 4, 200));

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, hand_off_one(&self->nl, self->id, NULL))
			TH_LOG("%s", self->nl.errmsg);
		EXPECT_EQ(1, epoll_wait(ep, out, 4, IO_TIMEOUT_S * 1000))
			TH_LOG("hand-off %d", i);
		EXPECT_EQ(self->lfd, out[0].data.fd);
		EXPECT_NE(0U, out[0].events & EPOLLIN);
		EXPECT_EQ(0, epoll_wait(ep, out, 4, 100)) TH_LOG("hand-off %d", i);
	}
	/* Both are there; once taken, no edge is left over. */
	EXPECT_EQ(2, accept_all(self->lfd));
	EXPECT_EQ(0, epoll_wait(ep, out, 4, 100));

	/* The next one is a new edge. */
	ASSERT_EQ(0, hand_off_one(&self->nl, self->id, NULL))
		TH_LOG("%s", self->nl.errmsg);
	EXPECT_EQ(1, epoll_wait(ep, out, 4, IO_TIMEOUT_S * 1000));
	EXPECT_EQ(1, accept_all(self->lfd));
	EXPECT_EQ(0, epoll_wait(ep, out, 4, 100));

	for (i = 0; i < 3; i++)
		close(c[i]);
	close(ep);
}

/*
 * Threads, each waiting in epoll_wait() on its own epoll instance that
 * holds the listener with EPOLLEXCLUSIVE, and accepting (non-blocking)
 * once accepting is set. A stop eventfd, level-triggered in every
 * instance, ends them all.
 */
#define WAITERS		4

struct excl_pool {
	int lfd;
	int stopfd;
	atomic_bool accepting;
	atomic_bool stop;
	atomic_int woken;	/* waiters that had at least one event */
	atomic_int accepted;
	int fds[MANY];		/* the accepted sockets, in order */
	struct excl_waiter {
		struct excl_pool *pool;
		pthread_t thread;
		int ep;
		atomic_int tid;
		int events;
	} w[WAITERS];
	int n_started;
};

static void *excl_waiter_main(void *arg)
{
	struct excl_waiter *w = arg;
	struct excl_pool *p = w->pool;
	struct epoll_event ev;
	int s, i;

	atomic_store(&w->tid, gettid());
	while (!atomic_load(&p->stop)) {
		if (epoll_wait(w->ep, &ev, 1, -1) != 1 || ev.data.fd != p->lfd)
			continue;
		if (w->events++ == 0)
			atomic_fetch_add(&p->woken, 1);
		while (!atomic_load(&p->accepting) && !atomic_load(&p->stop))
			sleep_ms(10);
		while ((s = accept(p->lfd, NULL, NULL)) >= 0) {
			i = atomic_fetch_add(&p->accepted, 1);
			if (i < MANY)
				p->fds[i] = s;
			else
				close(s);
		}
	}
	return NULL;
}

/* Whether thread tid of this process is asleep (state S). */
static bool thread_sleeping(pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

/* Start the waiters on lfd (made non-blocking); 0 once all sleep. */
static int excl_pool_start(struct excl_pool *p, int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE };
	struct epoll_event stop = { .events = EPOLLIN };
	int i, asleep;

	memset(p, 0, sizeof(*p));
	p->lfd = lfd;
	p->stopfd = eventfd(0, EFD_CLOEXEC);
	if (p->stopfd < 0 ||
	    fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK))
		return -1;
	ev.data.fd = lfd;
	stop.data.fd = p->stopfd;
	for (i = 0; i < WAITERS; i++) {
		struct excl_waiter *w = &p->w[i];

		w->pool = p;
		w->ep = epoll_create1(EPOLL_CLOEXEC);
		if (w->ep < 0 || epoll_ctl(w->ep, EPOLL_CTL_ADD, lfd, &ev) ||
		    epoll_ctl(w->ep, EPOLL_CTL_ADD, p->stopfd, &stop) ||
		    pthread_create(&w->thread, NULL, excl_waiter_main, w))
			return -1;
		p->n_started++;
	}
	for (i = 0; i < 200; i++) {
		asleep = 0;
		for (int j = 0; j < WAITERS; j++) {
			pid_t tid = atomic_load(&p->w[j].tid);

			asleep += tid && thread_sleeping(tid);
		}
		if (asleep == WAITERS)
			return 0;
		sleep_ms(20);
	}
	return -1;
}

/* Stop and join the waiters; the accepted sockets stay in p->fds. */
static void excl_pool_stop(struct excl_pool *p)
{
	uint64_t one = 1;
	int i;

	atomic_store(&p->stop, true);
	if (p->stopfd >= 0 && write(p->stopfd, &one, sizeof(one)) < 0)
		p->n_started = 0;	/* cannot wake them: leave them */
	for (i = 0; i < p->n_started; i++)
		pthread_join(p->w[i].thread, NULL);
	for (i = 0; i < WAITERS; i++)
		if (p->w[i].ep > 0)
			close(p->w[i].ep);
	if (p->stopfd >= 0)
		close(p->stopfd);
}

static void excl_pool_close_accepted(struct excl_pool *p)
{
	int i, n = atomic_load(&p->accepted);

	for (i = 0; i < n && i < MANY; i++)
		close(p->fds[i]);
}

/*
 * With every waiter asleep, a hand-off wakes exactly one of them, and the
 * next one another: as on a TCP listener, EPOLLEXCLUSIVE waiters are woken
 * one per event, not all at once.
 */
TEST_F(attach, epollexclusive_wakes_one_waiter_per_hand_off)
{
	struct excl_pool p;
	int c[3], i;

	ATTACH(600000);
	START_DAEMON(D_IGNORE);	/* joined; connections are claimed by hand */
	for (i = 0; i < 3; i++) {
		c[i] = tls_client(_metadata, &self->addr);
		ASSERT_LE(0, c[i]);
	}
	ASSERT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 3));
	EXPECT_EQ(0, excl_pool_start(&p, self->lfd));

	/* Woken waiters hold on to the event without accepting. */
	for (i = 1; i <= 2; i++) {
		EXPECT_EQ(0, hand_off_one(&self->nl, self->id, NULL))
			TH_LOG("%s", self->nl.errmsg);
		EXPECT_TRUE(wait_atomic(&p.woken, i));
		sleep_ms(300);
		EXPECT_EQ(i, atomic_load(&p.woken)) TH_LOG("hand-off %d", i);
	}

	/* Those two are accepted, and the third by whoever it wakes. */
	atomic_store(&p.accepting, true);
	EXPECT_TRUE(wait_atomic(&p.accepted, 2));
	EXPECT_EQ(0, hand_off_one(&self->nl, self->id, NULL))
		TH_LOG("%s", self->nl.errmsg);
	EXPECT_TRUE(wait_atomic(&p.accepted, 3));
	EXPECT_GE(3, atomic_load(&p.woken));

	excl_pool_stop(&p);
	excl_pool_close_accepted(&p);
	for (i = 0; i < 3; i++)
		close(c[i]);
}

/*
 * Waiters accepting as they are woken, the daemon handing off many
 * connections meanwhile: every one is accepted, by exactly one waiter.
 */
TEST_F(attach, epollexclusive_waiters_accept_every_connection)
{
	static const uint64_t after[6] = { 0, 0, 0, MANY, 0, 0 };
	int c[MANY], i, idx, n, seen[MANY] = { 0 };
	struct excl_pool p;

	ATTACH(0);
	START_DAEMON(D_OK);
	EXPECT_EQ(0, excl_pool_start(&p, self->lfd));
	atomic_store(&p.accepting, true);

	for (i = 0; i < MANY; i++) {
		c[i] = tls_client(_metadata, &self->addr);
		EXPECT_LE(0, c[i]);
		if (c[i] >= 0)
			EXPECT_EQ((ssize_t)sizeof(i), send(c[i], &i, sizeof(i), 0));
	}
	EXPECT_TRUE(wait_atomic(&p.accepted, MANY));
	sleep_ms(200);
	excl_pool_stop(&p);

	n = atomic_load(&p.accepted);
	EXPECT_EQ(MANY, n);
	for (i = 0; i < n && i < MANY; i++) {
		set_timeouts(p.fds[i], IO_TIMEOUT_S);
		EXPECT_EQ((ssize_t)sizeof(idx),
			  recv(p.fds[i], &idx, sizeof(idx), MSG_WAITALL));
		if (idx >= 0 && idx < MANY)
			seen[idx]++;
	}
	for (i = 0; i < MANY; i++)
		EXPECT_EQ(1, seen[i]) TH_LOG("connection %d", i);
	EXPECT_GE(WAITERS, atomic_load(&p.woken));
	EXPECT_EQ(0, atomic_load(&self->d.errors)) TH_LOG("%s",
							 self->d.errmsg);
	EXPECT_TRUE(counters_are(_metadata, after));

	excl_pool_close_accepted(&p);
	for (i = 0; i < MANY; i++)
		if (c[i] >= 0)
			close(c[i]);
}

/* ---- failures: the server never sees the connection ---- */

/* The listener has nothing to accept, now or after a while. */
static void expect_nothing_to_accept(struct __test_metadata *_metadata,
				     int lfd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int flags = fcntl(lfd, F_GETFL);

	EXPECT_EQ(0, poll(&p, 1, 100));
	ASSERT_EQ(0, fcntl(lfd, F_SETFL, flags | O_NONBLOCK));
	EXPECT_EQ(-1, accept(lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	fcntl(lfd, F_SETFL, flags);
}

static void failure_case(struct __test_metadata *_metadata,
			 FIXTURE_DATA(attach) *self, enum daemon_mode mode,
			 uint32_t timeout_ms, int counter)
{
	uint64_t want[6] = { 0 };
	int outcome;

	ATTACH(timeout_ms);
	START_DAEMON(mode);

	outcome = connect_outcome(&self->addr, "abc");
	EXPECT_TRUE(closed_by_module(outcome)) TH_LOG("client: %d", outcome);

	ASSERT_TRUE(wait_counter(counter, 1));
	want[counter - TLSH_COUNTER_PENDING] = 1;
	EXPECT_TRUE(counters_are(_metadata, want));
	expect_nothing_to_accept(_metadata, self->lfd);
	EXPECT_EQ(0, atomic_load(&self->d.errors)) TH_LOG("%s",
							 self->d.errmsg);
}

TEST_F(attach, done_with_error_resets_the_connection)
{
	failure_case(_metadata, self, D_DONE_ERR, 0, TLSH_COUNTER_FAILED);
}

TEST_F(attach, daemon_closing_without_done_closes_the_connection)
{
	failure_case(_metadata, self, D_CLOSE, 0, TLSH_COUNTER_FAILED);
}

TEST_F(attach, unclaimed_connection_times_out)
{
	failure_case(_metadata, self, D_IGNORE, 300, TLSH_COUNTER_TIMED_OUT);
	EXPECT_EQ(1, atomic_load(&self->d.readies));
}

TEST_F(attach, claimed_connection_times_out)
{
	socklen_t len = sizeof(int);
	int soerr = 0;

	failure_case(_metadata, self, D_HOLD, 300, TLSH_COUNTER_TIMED_OUT);
	/* The daemon's socket was reset under it. */
	ASSERT_EQ(1, self->d.n_held);
	ASSERT_EQ(0, getsockopt(self->d.held[0], SOL_SOCKET, SO_ERROR, &soerr,
				&len));
	EXPECT_EQ(ETIMEDOUT, soerr);
}

TEST_F(attach, no_daemon_fails_fast)
{
	static const uint64_t want[6] = { 0, 0, 0, 0, 1, 0 };
	int outcome;

	/* Long timeout: only the missing daemon can close it quickly. */
	ATTACH(600000);
	outcome = connect_outcome(&self->addr, NULL);
	EXPECT_EQ(-ECONNRESET, outcome);
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_FAILED, 1));
	EXPECT_TRUE(counters_are(_metadata, want));
	expect_nothing_to_accept(_metadata, self->lfd);
}

/* A daemon process that claims one connection and then just waits. */
static void claiming_daemon(int report)
{
	struct tlsh_nl ready, cmd;
	int fd = -1, err = 0, i;

	if (tlsh_nl_open(&ready) || tlsh_nl_open(&cmd) ||
	    daemon_join(&ready, &cmd))
		_exit(10);
	if (write(report, "j", 1) != 1)
		_exit(11);
	for (i = 0; i < 1000; i++) {
		err = tlsh_nl_accept(&cmd, 0, &fd, NULL);
		if (err != -EAGAIN)
			break;
		sleep_ms(20);
	}
	if (err || write(report, "c", 1) != 1)
		_exit(12);
	pause();
	_exit(13);
}

TEST_F(attach, killed_daemon_closes_the_connection)
{
	static const uint64_t want[6] = { 0, 0, 0, 0, 1, 0 };
	int pipefd[2], c, outcome, status;
	char ch;
	pid_t pid;

	ATTACH(600000);
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(pipefd[0]);
		claiming_daemon(pipefd[1]);
	}
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &ch, 1));
	ASSERT_EQ('j', ch);

	c = client_connect(&self->addr);
	ASSERT_LE(0, c);
	ASSERT_EQ(1, read(pipefd[0], &ch, 1));
	ASSERT_EQ('c', ch);
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_IN_FLIGHT, 1));

	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(pipefd[0]);

	outcome = client_outcome(c);
	EXPECT_TRUE(closed_by_module(outcome)) TH_LOG("client: %d", outcome);
	close(c);
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_FAILED, 1));
	EXPECT_TRUE(counters_are(_metadata, want));
	expect_nothing_to_accept(_metadata, self->lfd);
}

/* ---- ACCEPT across listeners ---- */

/*
 * Listeners take turns: with connections pending on two listeners, those
 * of the first all older, ACCEPTs without a listener id alternate between
 * them, each listener giving its oldest.
 */
TEST_F(attach, accept_takes_listeners_in_turn)
{
	int c[6], fd[6], i, l2, idx;
	struct sockaddr_in addr2;
	uint32_t id2, from[6];

	ATTACH(600000);
	l2 = make_listener(&addr2, 8);
	ASSERT_LE(0, l2);
	ASSERT_EQ(0, tlsh_nl_attach(&self->nl, l2, 600000, 0, &id2))
		TH_LOG("%s", self->nl.errmsg);
	START_DAEMON(D_IGNORE);	/* joined; connections are claimed by hand */

	/* Three on the first listener, then three on the second. */
	for (i = 0; i < 6; i++) {
		c[i] = client_connect(i < 3 ? &self->addr : &addr2);
		ASSERT_LE(0, c[i]);
		ASSERT_EQ((ssize_t)sizeof(i), send(c[i], &i, sizeof(i), 0));
		ASSERT_TRUE(wait_counter(TLSH_COUNTER_PENDING, i + 1));
	}

	for (i = 0; i < 6; i++) {
		ASSERT_EQ(0, tlsh_nl_accept(&self->nl, 0, &fd[i], &from[i]))
			TH_LOG("ACCEPT %d: %s", i, self->nl.errmsg);
		set_timeouts(fd[i], IO_TIMEOUT_S);
		ASSERT_EQ((ssize_t)sizeof(idx),
			  recv(fd[i], &idx, sizeof(idx), MSG_WAITALL));
		/* The first and second listener's k-th: 0 and 3, 1 and 4, ... */
		EXPECT_EQ(from[i] == self->id ? i / 2 : 3 + i / 2, idx)
			TH_LOG("ACCEPT %d: listener %u", i, from[i]);
		if (i)
			EXPECT_NE(from[i - 1], from[i]) TH_LOG("ACCEPT %d", i);
	}
	EXPECT_EQ(-EAGAIN, tlsh_nl_accept(&self->nl, 0, &fd[0], NULL));
	/* Closed without DONE: the module resets them. */
	for (i = 0; i < 6; i++) {
		close(fd[i]);
		close(c[i]);
	}

	/* A listener id still picks that listener only. */
	c[0] = client_connect(&addr2);
	ASSERT_LE(0, c[0]);
	c[1] = client_connect(&self->addr);
	ASSERT_LE(0, c[1]);
	ASSERT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 2));
	ASSERT_EQ(0, tlsh_nl_accept(&self->nl, id2, &fd[0], &from[0]));
	EXPECT_EQ(id2, from[0]);
	EXPECT_EQ(-EAGAIN, tlsh_nl_accept(&self->nl, id2, &fd[1], NULL));
	ASSERT_EQ(0, tlsh_nl_accept(&self->nl, self->id, &fd[1], &from[1]));
	EXPECT_EQ(self->id, from[1]);
	for (i = 0; i < 2; i++) {
		close(fd[i]);
		close(c[i]);
	}
	close(l2);
}

/* ---- permissions ---- */

static int unprivileged_commands(int lfd)
{
	struct tlsh_nl nl, grp;
	uint32_t id;
	int fd;

	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return 100;
	if (tlsh_nl_open(&nl) || tlsh_nl_open(&grp))
		return 101;
	if (tlsh_nl_attach(&nl, lfd, 0, 0, &id) != -EPERM)
		return 1;
	if (tlsh_nl_accept(&nl, 0, &fd, NULL) != -EPERM)
		return 2;
	if (tlsh_nl_done(&nl, lfd, 0) != -EPERM)
		return 3;
	if (tlsh_nl_detach(&nl, 1) != -EPERM)
		return 4;
	if (tlsh_nl_join_ready(&grp) != -EPERM)
		return 5;
	if (tlsh_nl_join_events(&grp) != -EPERM)
		return 6;
	tlsh_nl_close(&grp);
	tlsh_nl_close(&nl);
	return 0;
}

TEST_F(attach, unprivileged_user_gets_eperm)
{
	int status, c, err;
	pid_t pid;
	int fd;

	ATTACH(600000);
	START_DAEMON(D_IGNORE);
	/* A pending connection the unprivileged ACCEPT must not get. */
	c = client_connect(&self->addr);
	ASSERT_LE(0, c);
	ASSERT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 1));

	daemon_stop(&self->d);
	self->daemon_running = false;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(unprivileged_commands(self->lfd));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* Still pending, and root can claim it. */
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 1));
	err = tlsh_nl_accept(&self->nl, 0, &fd, NULL);
	ASSERT_EQ(0, err) TH_LOG("%s", self->nl.errmsg);
	EXPECT_NE(-1, fcntl(fd, F_GETFD));
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	close(c);
}

/* ---- network namespaces: each sees only its own listeners ---- */

/*
 * A forked child running fn(arg, rx, tx), with a pipe each way: it reads
 * the parent's messages on rx and writes its own to tx. The parent keeps
 * the other ends only, so a child that stops early reads as EOF there.
 */
struct child {
	pid_t pid;
	int rx;		/* what the child writes */
	int tx;		/* to the child */
};

static int child_start(struct child *ch, int (*fn)(void *, int, int),
		       void *arg)
{
	int down[2], up[2];

	if (pipe2(down, O_CLOEXEC))
		return -1;
	if (pipe2(up, O_CLOEXEC)) {
		close(down[0]);
		close(down[1]);
		return -1;
	}
	ch->pid = fork();
	if (ch->pid == 0) {
		close(down[1]);
		close(up[0]);
		_exit(fn(arg, down[0], up[1]));
	}
	close(down[0]);
	close(up[1]);
	ch->rx = up[0];
	ch->tx = down[1];
	return ch->pid < 0 ? -1 : 0;
}

/* The child's exit status: 0 if it passed, else the check that failed. */
static int child_wait(struct child *ch)
{
	int status;

	close(ch->tx);
	close(ch->rx);
	if (ch->pid < 0 || waitpid(ch->pid, &status, 0) != ch->pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* READY notifications read on nl, until n arrived or a while passed. */
static int read_readies(struct tlsh_nl *nl, int n)
{
	struct pollfd p = { .fd = tlsh_nl_fd(nl), .events = POLLIN };
	int got = 0, i;
	uint32_t id;

	for (i = 0; i < 100 && got < n; i++) {
		while (got < n && tlsh_nl_read_ready(nl, &id) == 0)
			got++;
		if (got < n)
			poll(&p, 1, 100);
	}
	return got;
}

/* No READY arrives on nl within ms. */
static bool no_ready_within(struct tlsh_nl *nl, int ms)
{
	struct pollfd p = { .fd = tlsh_nl_fd(nl), .events = POLLIN };
	uint32_t id;

	poll(&p, 1, ms);
	return tlsh_nl_read_ready(nl, &id) == -EAGAIN;
}

static bool nothing_attached(void)
{
	struct tlsh_status st;
	unsigned int i;

	if (get_status(&st) || st.n_listeners)
		return false;
	for (i = TLSH_COUNTER_PENDING; i <= TLSH_COUNTER_MAX; i++)
		if (st.counters[i])
			return false;
	return true;
}

/* What the parent's netns holds, for a child that moves to a new one. */
struct other_netns {
	int lfd;		/* attached, with connections pending */
	uint32_t id;
	int unattached;		/* a listener of the parent's netns */
	int claimed;		/* claimed there, keys installed, no DONE */
};

/* Says 'j' once it joined READY; checks READY on the parent's 'g'. */
static int other_netns_checks(void *arg, int rx, int tx)
{
	struct other_netns *o = arg;
	struct tlsh_nl nl, ready;
	uint32_t id;
	char ch;
	int fd;

	if (unshare(CLONE_NEWNET))
		return 100;
	if (tlsh_nl_open(&nl) || tlsh_nl_open(&ready))
		return 101;
	if (!nothing_attached())
		return 1;
	if (tlsh_nl_detach(&nl, o->id) != -ESRCH)
		return 2;
	if (tlsh_nl_accept(&nl, 0, &fd, NULL) != -EAGAIN)
		return 3;
	if (tlsh_nl_accept(&nl, o->id, &fd, NULL) != -ESRCH)
		return 4;
	/* Would succeed in the parent's netns: kTLS is on. */
	if (tlsh_nl_done(&nl, o->claimed, 0) != -EINVAL)
		return 5;
	/* Sockets of another netns, attached there or not. */
	if (tlsh_nl_attach(&nl, o->unattached, 0, 0, &id) != -EINVAL)
		return 6;
	if (tlsh_nl_attach(&nl, o->lfd, 0, 0, &id) != -EINVAL)
		return 7;
	if (tlsh_nl_join_ready(&ready))
		return 102;
	if (write(tx, "j", 1) != 1 || read(rx, &ch, 1) != 1)
		return 103;
	if (!no_ready_within(&ready, 300))
		return 8;
	if (!nothing_attached())
		return 9;
	tlsh_nl_close(&ready);
	tlsh_nl_close(&nl);
	return 0;
}

/*
 * From another netns a listener is not listed by GET, cannot be detached
 * or attached again, its connections cannot be claimed or finished with
 * DONE, and its READY notifications are not seen.
 */
TEST_F(attach, another_netns_sees_none_of_this_netns)
{
	struct other_netns o = { .lfd = self->lfd };
	struct sockaddr_in addr2;
	struct tlsh_status st;
	int c[3], i, s;
	struct tlsh_nl ready;
	struct child child;
	char ch;

	ATTACH(600000);
	o.id = self->id;
	/* No daemon thread: the child is forked from a single thread. */
	ASSERT_EQ(0, tlsh_nl_open(&ready));
	ASSERT_EQ(0, daemon_join(&ready, &self->nl)) TH_LOG("%s", ready.errmsg);
	o.unattached = make_listener(&addr2, 4);
	ASSERT_LE(0, o.unattached);
	for (i = 0; i < 3; i++) {
		c[i] = client_connect(&self->addr);
		ASSERT_LE(0, c[i]);
	}
	ASSERT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 3));
	ASSERT_EQ(0, tlsh_nl_accept(&self->nl, self->id, &o.claimed, NULL));
	ASSERT_EQ(0, install_keys(o.claimed, TLSH_TLS13, true));
	EXPECT_EQ(3, read_readies(&ready, 3));

	ASSERT_EQ(0, child_start(&child, other_netns_checks, &o));
	/* A new connection, announced here only, once the child listens. */
	if (read(child.rx, &ch, 1) == 1) {
		s = client_connect(&self->addr);
		EXPECT_LE(0, s);
		EXPECT_EQ(1, read_readies(&ready, 1));
		EXPECT_EQ(1, write(child.tx, "g", 1));
		close(s);
	}
	s = child_wait(&child);
	EXPECT_EQ(0, s) TH_LOG("the child failed check %d", s);

	/* Untouched here: the claimed one goes on, the others still wait. */
	ASSERT_EQ(0, tlsh_nl_done(&self->nl, o.claimed, 0))
		TH_LOG("%s", self->nl.errmsg);
	close(o.claimed);
	s = accept(self->lfd, NULL, NULL);
	EXPECT_LE(0, s) TH_LOG("accept: %s", strerror(errno));
	ASSERT_EQ(0, get_status(&st));
	EXPECT_EQ(1U, st.n_listeners);
	EXPECT_EQ(1U, st.counters[TLSH_COUNTER_DELIVERED]);

	close(s);
	for (i = 0; i < 3; i++)
		close(c[i]);
	close(o.unattached);
	tlsh_nl_close(&ready);
}

/*
 * A child in a netns of its own, attaching and serving there. It sends
 * its listener id with a connection pending, and goes on at the
 * parent's 'g'.
 */
static int own_netns_serve(void *arg, int rx, int tx)
{
	struct sockaddr_in addr;
	struct tlsh_status st;
	struct tlsh_nl nl;
	struct daemon d;
	int lfd, c, s, ret;
	uint32_t id;
	char buf[8];

	if (unshare(CLONE_NEWNET) || loopback_up())
		return 100;
	lfd = make_listener(&addr, 8);
	if (lfd < 0 || tlsh_nl_open(&nl))
		return 101;
	if (tlsh_nl_attach(&nl, lfd, 600000, 0, &id))
		return 1;
	if (daemon_start(&d, D_IGNORE))
		return 102;
	c = client_connect(&addr);
	if (c < 0 || install_keys(c, TLSH_TLS13, false) ||
	    send(c, "ping", 4, 0) != 4)
		return 2;
	if (!wait_counter(TLSH_COUNTER_PENDING, 1))
		return 3;
	/* The parent looks from its netns meanwhile. */
	if (write(tx, &id, sizeof(id)) != sizeof(id) || read(rx, buf, 1) != 1)
		return 103;

	atomic_store(&d.mode, D_OK);
	s = accept(lfd, NULL, NULL);
	ret = 4;
	if (s >= 0 && recv(s, buf, sizeof(buf), 0) == 4 &&
	    !memcmp(buf, "ping", 4) && send(s, "pong", 4, 0) == 4 &&
	    recv(c, buf, sizeof(buf), 0) == 4 && !memcmp(buf, "pong", 4))
		ret = 0;
	if (!ret && (get_status(&st) || st.n_listeners != 1 ||
		     st.listeners[0].id != id ||
		     st.counters[TLSH_COUNTER_DELIVERED] != 1))
		ret = 5;
	if (!ret && (atomic_load(&d.readies) != 1 || atomic_load(&d.errors)))
		ret = 6;
	close(s);
	close(c);
	daemon_stop(&d);
	close(lfd);
	tlsh_nl_close(&nl);
	return ret;
}

/*
 * Attach works in a child netns and serves there, and the parent's netns
 * sees none of it: not in GET, not to ACCEPT or DETACH, no READY.
 */
TEST_F(attach, attach_in_a_child_netns_stays_there)
{
	struct tlsh_nl ready;
	struct child child;
	uint32_t id;
	int fd, s;

	/* A daemon here, so that only isolation keeps READY away. */
	ASSERT_EQ(0, tlsh_nl_open(&ready));
	ASSERT_EQ(0, tlsh_nl_join_ready(&ready)) TH_LOG("%s", ready.errmsg);
	ASSERT_EQ(0, child_start(&child, own_netns_serve, NULL));

	if (read(child.rx, &id, sizeof(id)) == sizeof(id)) {
		EXPECT_TRUE(nothing_attached());
		EXPECT_EQ(-EAGAIN, tlsh_nl_accept(&self->nl, 0, &fd, NULL));
		EXPECT_EQ(-ESRCH, tlsh_nl_accept(&self->nl, id, &fd, NULL));
		EXPECT_EQ(-ESRCH, tlsh_nl_detach(&self->nl, id));
		EXPECT_TRUE(no_ready_within(&ready, 300));
		EXPECT_EQ(1, write(child.tx, "g", 1));
	}
	s = child_wait(&child);
	EXPECT_EQ(0, s) TH_LOG("the child failed check %d", s);
	EXPECT_TRUE(nothing_attached());
	tlsh_nl_close(&ready);
}

/* ---- attach validation ---- */

TEST_F(attach, attach_rejects_what_it_cannot_hold)
{
	struct blocked_accept b = { .fd = -1 };
	struct sockaddr_in addr;
	uint32_t id;
	pthread_t t;
	int fd, l2;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, tlsh_nl_attach(&self->nl, fd, 0, 0, &id));
	close(fd);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, tlsh_nl_attach(&self->nl, fd, 0, 0, &id));
	close(fd);
	EXPECT_EQ(-EBADF, tlsh_nl_attach(&self->nl, 999, 0, 0, &id));
	EXPECT_EQ(-ENOTSOCK, tlsh_nl_attach(&self->nl, self->kmsg, 0, 0,
					    &id));

	/* A thread already sleeping in the genuine accept(). */
	l2 = make_listener(&addr, 4);
	ASSERT_LE(0, l2);
	b.lfd = l2;
	ASSERT_EQ(0, pthread_create(&t, NULL, accept_thread, &b));
	sleep_ms(100);
	EXPECT_EQ(-EBUSY, tlsh_nl_attach(&self->nl, l2, 0, 0, &id));
	fd = client_connect(&addr);
	ASSERT_LE(0, fd);
	pthread_join(t, NULL);
	EXPECT_LE(0, b.fd);
	close(b.fd);
	close(fd);
	close(l2);

	ATTACH(0);
	EXPECT_EQ(-EBUSY, tlsh_nl_attach(&self->nl, self->lfd, 0, 0, &id));
	/* No ULP on a socket carrying module ops. */
	EXPECT_EQ(-1, setsockopt(self->lfd, SOL_TCP, TCP_ULP, "tls", 3));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-ESRCH, tlsh_nl_detach(&self->nl, self->id + 1));
}

TEST_F(attach, get_reports_each_listener)
{
	struct sockaddr_in addr;
	struct tlsh_status st;
	uint32_t id2;
	int l2;

	ATTACH(1234);
	l2 = make_listener(&addr, 4);
	ASSERT_LE(0, l2);
	ASSERT_EQ(0, tlsh_nl_attach(&self->nl, l2, 0, 7, &id2));
	EXPECT_NE(self->id, id2);

	ASSERT_EQ(0, get_status(&st));
	ASSERT_EQ(2U, st.n_listeners);
	EXPECT_EQ(self->id, st.listeners[0].id);
	EXPECT_EQ(1234U, st.listeners[0].timeout_ms);
	EXPECT_EQ(id2, st.listeners[1].id);
	EXPECT_EQ(7U, st.listeners[1].max_in_flight);

	close(l2);
	ASSERT_EQ(0, get_status(&st));
	EXPECT_EQ(1U, st.n_listeners);
}

/* ---- detach, close, shutdown, unload ---- */

TEST_F(attach, unload_refused_while_attached_ok_after_close)
{
	ATTACH(0);
	EXPECT_EQ(-EAGAIN, kmod_unload());
	ASSERT_EQ(0, tlsh_nl_detach(&self->nl, self->id));
	/* The listener keeps module ops until closed. */
	EXPECT_EQ(-EAGAIN, kmod_unload());
	close(self->lfd);
	self->lfd = -1;
	/* teardown: unloads */
}

TEST_F(attach, detach_resets_held_and_lets_new_ones_through)
{
	char ulp[16];
	int c1, c2, s, outcome;

	ATTACH(600000);
	START_DAEMON(D_IGNORE);
	c1 = client_connect(&self->addr);
	ASSERT_LE(0, c1);
	ASSERT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 1));

	ASSERT_EQ(0, tlsh_nl_detach(&self->nl, self->id));
	outcome = client_outcome(c1);
	EXPECT_TRUE(closed_by_module(outcome)) TH_LOG("client: %d", outcome);
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_FAILED, 1));
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 0));

	/* Detached: a plain connection, as if tlsh had never been there. */
	c2 = client_connect(&self->addr);
	ASSERT_LE(0, c2);
	s = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, s);
	get_ulp(s, ulp, sizeof(ulp));
	EXPECT_STREQ("", ulp);
	ASSERT_EQ(2, send(c2, "hi", 2, 0));
	ASSERT_EQ(2, recv(s, ulp, sizeof(ulp), 0));
	close(s);
	close(c2);
	close(c1);

	/* And it can be attached again. */
	ATTACH(0);
}

/* Children pending, in flight (before and after DONE) and ready. */
TEST_F(attach, listener_close_with_children_in_every_state)
{
	int c[4], i, outcome, fd_claimed, fd_done;
	struct tlsh_status st;
	uint32_t id;

	ATTACH(600000);
	START_DAEMON(D_GATED);	/* joined, so children are queued */

	/* READY: through the gated daemon. */
	c[0] = tls_client(_metadata, &self->addr);
	ASSERT_LE(0, c[0]);
	ASSERT_TRUE(wait_counter(TLSH_COUNTER_IN_FLIGHT, 1));
	atomic_store(&self->d.gate, true);
	ASSERT_TRUE(wait_counter(TLSH_COUNTER_READY, 1));
	atomic_store(&self->d.mode, D_IGNORE);	/* seen next round */
	sleep_ms(100);

	/* CLAIMED and HANDOFF: claimed by hand, one with DONE 0. */
	c[1] = client_connect(&self->addr);
	c[2] = client_connect(&self->addr);
	ASSERT_LE(0, c[1]);
	ASSERT_LE(0, c[2]);
	ASSERT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 2));
	ASSERT_EQ(0, tlsh_nl_accept(&self->nl, 0, &fd_claimed, &id));
	EXPECT_EQ(self->id, id);
	ASSERT_EQ(0, tlsh_nl_accept(&self->nl, self->id, &fd_done, NULL));
	ASSERT_EQ(0, install_keys(fd_done, TLSH_TLS13, true));
	ASSERT_EQ(0, tlsh_nl_done(&self->nl, fd_done, 0));

	/* PENDING */
	c[3] = client_connect(&self->addr);
	ASSERT_LE(0, c[3]);
	ASSERT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 1));
	ASSERT_EQ(0, get_status(&st));
	EXPECT_EQ(2U, st.counters[TLSH_COUNTER_IN_FLIGHT]);
	EXPECT_EQ(1U, st.counters[TLSH_COUNTER_READY]);

	close(self->lfd);
	self->lfd = -1;
	for (i = 0; i < 4; i++) {
		outcome = client_outcome(c[i]);
		/* c[0] has kTLS RX: a reset reads as ECONNRESET too. */
		EXPECT_TRUE(closed_by_module(outcome))
			TH_LOG("client %d: %d", i, outcome);
		close(c[i]);
	}

	/* A late DONE is refused; the daemon's sockets were reset. */
	EXPECT_EQ(-EINVAL, tlsh_nl_done(&self->nl, fd_claimed, 0));
	close(fd_claimed);
	close(fd_done);
	ASSERT_EQ(0, get_status(&st));
	EXPECT_EQ(0U, st.counters[TLSH_COUNTER_PENDING]);
	EXPECT_EQ(0U, st.counters[TLSH_COUNTER_IN_FLIGHT]);
	EXPECT_EQ(0U, st.counters[TLSH_COUNTER_READY]);
	EXPECT_EQ(4U, st.counters[TLSH_COUNTER_FAILED]);
	EXPECT_EQ(0U, st.counters[TLSH_COUNTER_DELIVERED]);
	EXPECT_EQ(0U, st.n_listeners);
}

TEST_F(attach, shutdown_resets_held_and_fails_blocked_accept)
{
	struct blocked_accept b = { .lfd = self->lfd, .fd = -1 };
	pthread_t t;
	int c, outcome;

	ATTACH(600000);
	START_DAEMON(D_IGNORE);
	c = client_connect(&self->addr);
	ASSERT_LE(0, c);
	ASSERT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 1));
	ASSERT_EQ(0, pthread_create(&t, NULL, accept_thread, &b));
	sleep_ms(100);

	ASSERT_EQ(0, shutdown(self->lfd, SHUT_RDWR));
	pthread_join(t, NULL);
	EXPECT_EQ(-1, b.fd);
	EXPECT_EQ(EINVAL, b.err);
	outcome = client_outcome(c);
	EXPECT_TRUE(closed_by_module(outcome)) TH_LOG("client: %d", outcome);
	close(c);
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_FAILED, 1));
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 0));
}

TEST_F(attach, commands_check_their_attributes)
{
	struct nl_msg *msg;
	int fd;

	/* Nothing pending: ACCEPT says EAGAIN, not an error. */
	EXPECT_EQ(-EAGAIN, tlsh_nl_accept(&self->nl, 0, &fd, NULL));
	EXPECT_EQ(-ESRCH, tlsh_nl_accept(&self->nl, 12345, &fd, NULL));
	/* DONE on an fd that was never claimed. */
	EXPECT_EQ(-EINVAL, tlsh_nl_done(&self->nl, self->lfd, 0));
	EXPECT_EQ(-EBADF, tlsh_nl_done(&self->nl, 999, 0));

	/* Missing required attributes. */
	msg = tlsh_nl_msg_new(&self->nl, TLSH_CMD_ATTACH);
	ASSERT_NE(NULL, msg);
	EXPECT_EQ(-EINVAL, tlsh_nl_transact(&self->nl, msg, NULL, NULL));
	msg = tlsh_nl_msg_new(&self->nl, TLSH_CMD_DONE);
	ASSERT_NE(NULL, msg);
	EXPECT_EQ(-EINVAL, tlsh_nl_transact(&self->nl, msg, NULL, NULL));
	msg = tlsh_nl_msg_new(&self->nl, TLSH_CMD_DETACH);
	ASSERT_NE(NULL, msg);
	EXPECT_EQ(-EINVAL, tlsh_nl_transact(&self->nl, msg, NULL, NULL));
	/* Out of range: a 0 timeout (the policy says ERANGE). */
	msg = tlsh_nl_msg_new(&self->nl, TLSH_CMD_ATTACH);
	ASSERT_NE(NULL, msg);
	nla_put_u32(msg, TLSH_A_FD, self->lfd);
	nla_put_u32(msg, TLSH_A_TIMEOUT_MS, 0);
	EXPECT_EQ(-ERANGE, tlsh_nl_transact(&self->nl, msg, NULL, NULL));
	/* close_notify is 0 or 1. */
	msg = tlsh_nl_msg_new(&self->nl, TLSH_CMD_ATTACH);
	ASSERT_NE(NULL, msg);
	nla_put_u32(msg, TLSH_A_FD, self->lfd);
	nla_put_u8(msg, TLSH_A_CLOSE_NOTIFY, 2);
	EXPECT_EQ(-ERANGE, tlsh_nl_transact(&self->nl, msg, NULL, NULL));
	/* An EVENT attribute means nothing to ATTACH. */
	msg = tlsh_nl_msg_new(&self->nl, TLSH_CMD_ATTACH);
	ASSERT_NE(NULL, msg);
	nla_put_u32(msg, TLSH_A_FD, self->lfd);
	nla_put_u32(msg, TLSH_A_EVENT, TLSH_EVENT_ALERT);
	EXPECT_EQ(-EINVAL, tlsh_nl_transact(&self->nl, msg, NULL, NULL));
	/* Nothing was attached by any of these. */
	ATTACH(0);
}

TEST_HARNESS_MAIN
