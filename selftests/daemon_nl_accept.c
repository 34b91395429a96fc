// SPDX-License-Identifier: GPL-2.0
/*
 * tlsh_nl_accept() when the ACCEPT transaction fails after tlsh.ko has
 * installed the fd (issue 12, item 8): the helper must close that fd, or
 * it leaks in the daemon and the connection stays claimed until the
 * deadline.
 *
 * The kernel sends its reply (carrying the fd, already installed) and then
 * the ack. The failure is forced by netlink's own accounting: the command
 * socket, also subscribed to READY, holds q unread READY notifications and
 * its receive buffer is cut so that the reply still fits but the ack does
 * not. The ack is dropped, the socket reports ENOBUFS before anything it
 * holds, and the transaction fails with the reply unread.
 */
#include <errno.h>
#include <dirent.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "tlsh_kmod.h"
#include "tlsh_handoff.h"

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Bytes charged to socket fd's receive queue. */
static unsigned int rmem(int fd)
{
	uint32_t mi[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mi);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi, &len))
		return 0;
	return mi[SK_MEMINFO_RMEM_ALLOC];
}

static int rcvbuf(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len);
	return v;
}

/* The smallest receive buffer the kernel gives a socket. */
static unsigned int min_rcvbuf(void)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1, v;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one));
	v = rcvbuf(fd);
	close(fd);
	return (unsigned int)v;
}

/* Wait (at most 5 s) until fd's receive queue holds want bytes. */
static bool wait_rmem(int fd, unsigned int want)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (rmem(fd) >= want)
			return true;
		sleep_ms(10);
	}
	return false;
}

#define MAX_CLIENTS 64

TEST(accept_failing_after_the_fd_was_installed_closes_it)
{
	struct sockaddr_in addr;
	struct tlsh_status st;
	struct tlsh_nl nl;
	int clients[MAX_CLIENTS], n_clients = 0;
	unsigned int t, q, i;
	int lfd, nlfd, err, fd = -1, before, after, r;
	uint32_t id, from;

	ASSERT_EQ(0U, getuid()) TH_LOG("must run as root");
	if (kmod_loaded())
		ASSERT_EQ(0, kmod_unload_settled());
	err = kmod_load();
	ASSERT_EQ(0, err) TH_LOG("loading %s: %s", kmod_path(),
				 strerror(-err));
	ASSERT_EQ(0, tlsh_nl_open(&nl)) TH_LOG("%s", nl.errmsg);
	/* The command socket is the daemon: READY lands in its queue. */
	ASSERT_EQ(0, tlsh_nl_join_ready(&nl)) TH_LOG("%s", nl.errmsg);
	nlfd = tlsh_nl_fd(&nl);
	lfd = make_listener(&addr, 64);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, tlsh_nl_attach(&nl, lfd, 20000, 0, &id))
		TH_LOG("%s", nl.errmsg);
	/* A first ACCEPT makes it count as a daemon (nothing is pending). */
	ASSERT_EQ(-EAGAIN, tlsh_nl_accept(&nl, 0, &fd, NULL));
	fd = -1;

	/* One READY: the size every small message of the family takes. */
	clients[n_clients++] = client_connect(&addr);
	ASSERT_LE(0, clients[0]);
	ASSERT_TRUE(wait_rmem(nlfd, 1));
	t = rmem(nlfd);
	/*
	 * q READYs, then room for the reply (t) but not for the ack (t),
	 * in a buffer no smaller than the kernel allows.
	 */
	for (q = 1; (q + 1) * t + t / 2 < min_rcvbuf(); q++)
		;
	while ((unsigned int)n_clients < q && n_clients < MAX_CLIENTS) {
		clients[n_clients] = client_connect(&addr);
		ASSERT_LE(0, clients[n_clients]);
		n_clients++;
		ASSERT_TRUE(wait_rmem(nlfd, n_clients * t));
	}
	ASSERT_EQ(q * t, rmem(nlfd)) TH_LOG("READYs of unequal size");
	r = (int)((q + 1) * t + t / 2) / 2;	/* the kernel doubles it */
	ASSERT_EQ(0, setsockopt(nlfd, SOL_SOCKET, SO_RCVBUF, &r, sizeof(r)));
	TH_LOG("message %u bytes, %u queued, receive buffer %d", t, q,
	       rcvbuf(nlfd));
	if ((unsigned int)rcvbuf(nlfd) < (q + 1) * t ||
	    (unsigned int)rcvbuf(nlfd) >= (q + 2) * t)
		SKIP(goto out, "cannot size the receive buffer for the test");

	before = count_fds();
	err = tlsh_nl_accept(&nl, id, &fd, &from);
	after = count_fds();
	if (!err) {
		close(fd);
		SKIP(goto out, "ACCEPT did not fail: the ack fitted");
	}
	TH_LOG("ACCEPT failed as intended: %s", nl.errmsg);
	EXPECT_EQ(before, after) TH_LOG("the installed fd leaked");

	/* Closed without DONE: the module drops the claim at once. */
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, tlsh_nl_get(&nl, &st)) TH_LOG("%s", nl.errmsg);
		if (!st.counters[TLSH_COUNTER_IN_FLIGHT])
			break;
		sleep_ms(50);
	}
	EXPECT_EQ(0ULL, (unsigned long long)
		  st.counters[TLSH_COUNTER_IN_FLIGHT]);
out:
	for (i = 0; i < (unsigned int)n_clients; i++)
		close(clients[i]);
	close(lfd);
	tlsh_nl_close(&nl);
	EXPECT_EQ(0, kmod_unload_settled());
}

TEST_HARNESS_MAIN
