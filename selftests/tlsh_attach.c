// SPDX-License-Identifier: GPL-2.0
/*
 * tlsh.ko's listener attach, upcall and hand-off in the test VM: data
 * both ways, many at once, accept() and poll() waiting for the hand-off,
 * IPv6, timeouts and signals, max_in_flight.
 * (root, Debian 6.1 kernel, cwd = repository root; the "attach" fixture
 * and the stand-in daemon are described in tlsh_attach.h).
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tlsh_attach.h"


TEST_F(attach, one_connection_handed_off_with_data_both_ways)
{
	static const uint64_t after[6] = { 0, 0, 0, 1, 0, 0 };
	char buf[64];
	int c, s;

	ATTACH(0);
	START_DAEMON(D_OK);

	c = tls_client(_metadata, &self->addr);
	ASSERT_LE(0, c);
	ASSERT_EQ(5, send(c, "ping!", 5, 0));

	s = accept_exchange(_metadata, self->lfd, c, "ping!", "pong!");

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
	int l6, c, s;
	uint32_t id;

	ATTACH_LISTENER6(l6, &self->nl, &a6, &id);
	START_DAEMON(D_OK);

	c = client_connect_sa((struct sockaddr *)&a6, sizeof(a6));
	ASSERT_LE(0, c);
	ASSERT_EQ(0, install_keys(c, TLSH_TLS13, false));
	ASSERT_EQ(2, send(c, "v6", 2, 0));

	s = accept_exchange(_metadata, l6, c, "v6", "ok");
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

TEST_HARNESS_MAIN
