// SPDX-License-Identifier: GPL-2.0
/*
 * tlsh.ko's failed hand-offs and listener teardown in the test VM: DONE
 * with an error, a daemon that closes, times out, is missing or is killed;
 * DETACH, close, shutdown and unload with connections held.
 * (root, Debian 6.1 kernel, cwd = repository root; the "attach" fixture
 * and the stand-in daemon are described in tlsh_attach.h).
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tlsh_attach.h"


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

TEST_HARNESS_MAIN
