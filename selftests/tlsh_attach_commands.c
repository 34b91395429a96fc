// SPDX-License-Identifier: GPL-2.0
/*
 * tlsh.ko's generic netlink commands in the test VM: ACCEPT across
 * listeners, permissions, what ATTACH refuses, GET's listeners, and
 * attribute checks.
 * (root, Debian 6.1 kernel, cwd = repository root; the "attach" fixture
 * and the stand-in daemon are described in tlsh_attach.h).
 */
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "kselftest_harness.h"
#include "tlsh_attach.h"


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

/* ---- attach validation ---- */

TEST_F(attach, attach_rejects_what_it_cannot_hold)
{
	struct blocked_accept b = { .fd = -1 };
	struct timeval no_timeout = { 0 };
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

	/*
	 * A thread already sleeping in the genuine accept() no longer stops
	 * ATTACH: its accept() restarts, unseen, in the module's; after
	 * DETACH it takes the plain client.
	 */
	l2 = make_listener(&addr, 4);
	ASSERT_LE(0, l2);
	/* No SO_RCVTIMEO: with one, the restart shows as one EINTR. */
	ASSERT_EQ(0, setsockopt(l2, SOL_SOCKET, SO_RCVTIMEO, &no_timeout,
				sizeof(no_timeout)));
	b.lfd = l2;
	ASSERT_EQ(0, pthread_create(&t, NULL, accept_thread, &b));
	sleep_ms(100);
	EXPECT_EQ(0, tlsh_nl_attach(&self->nl, l2, 0, 0, &id));
	sleep_ms(100);
	EXPECT_EQ(-1, __atomic_load_n(&b.fd, __ATOMIC_SEQ_CST));
	EXPECT_EQ(0, tlsh_nl_detach(&self->nl, id));
	fd = client_connect(&addr);
	ASSERT_LE(0, fd);
	pthread_join(t, NULL);
	EXPECT_LE(0, b.fd) TH_LOG("accept(): %s", strerror(b.err));
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
