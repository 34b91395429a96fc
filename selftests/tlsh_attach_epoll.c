// SPDX-License-Identifier: GPL-2.0
/*
 * tlsh.ko's attached listeners under epoll in the test VM: edge-triggered
 * events and EPOLLEXCLUSIVE waiters.
 * (root, Debian 6.1 kernel, cwd = repository root; the "attach" fixture
 * and the stand-in daemon are described in tlsh_attach.h).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tlsh_attach.h"


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

TEST_HARNESS_MAIN
