// SPDX-License-Identifier: GPL-2.0
/*
 * tlsh.ko and network namespaces in the test VM: each sees only its own
 * listeners, connections and READY notifications.
 * (root, Debian 6.1 kernel, cwd = repository root; the "attach" fixture
 * and the stand-in daemon are described in tlsh_attach.h).
 */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tlsh_attach.h"


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

TEST_HARNESS_MAIN
