// SPDX-License-Identifier: GPL-2.0
/*
 * tlsh.ko's attached listeners under faults and attack, in the test VM:
 * DETACH racing the listener's close, ACCEPT failing, checks made at
 * ATTACH that the server undoes later (SO_REUSEPORT, connect(AF_UNSPEC),
 * shutdown), a user-namespace root posing as a daemon, and the bounds per
 * client address, per netns and for clients that send nothing.
 *
 * Regression tests for issue 12, items 1, 4, 5, 6 and 7. The fixture
 * (tlsh_attach.h) checks in teardown that the module unloads and that the
 * kernel logged nothing bad (on the debug kernel: KASAN, lockdep).
 */
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "tlsh_attach.h"

/*
 * A round's listener, a new one if the last round closed it, attached (a
 * long timeout), and n clients connected to it into c.
 */
static void attached_with_clients(struct __test_metadata *_metadata,
				  FIXTURE_DATA(attach) *self, int *c, int n)
{
	int i;

	if (self->lfd < 0)
		self->lfd = make_listener(&self->addr, 16);
	ASSERT_LE(0, self->lfd);
	ATTACH(600000);
	for (i = 0; i < n; i++)
		c[i] = client_connect(&self->addr);
}

/* n clients connected to addr into c. */
static void clients_connected(struct __test_metadata *_metadata,
			      const struct sockaddr_in *addr, int *c, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		c[i] = client_connect(addr);
		ASSERT_LE(0, c[i]);
	}
}

/* A client from src (network order), connected to addr; fd or -1. */
static int connect_from(uint32_t src, const struct sockaddr_in *addr)
{
	struct sockaddr_in from = { .sin_family = AF_INET,
				    .sin_addr.s_addr = src };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	set_timeouts(fd, IO_TIMEOUT_S);
	if (bind(fd, (struct sockaddr *)&from, sizeof(from)) ||
	    connect(fd, (const struct sockaddr *)addr, sizeof(*addr))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * A client from src (network order) that the module closes at once: its
 * connect() may already see the reset.
 */
static bool closed_at_once_from(uint32_t src, const struct sockaddr_in *addr)
{
	struct sockaddr_in from = { .sin_family = AF_INET,
				    .sin_addr.s_addr = src };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	bool closed;

	if (fd < 0)
		return false;
	set_timeouts(fd, IO_TIMEOUT_S);
	if (bind(fd, (struct sockaddr *)&from, sizeof(from))) {
		close(fd);
		return false;
	}
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr))) {
		closed = errno == ECONNRESET || errno == ECONNREFUSED;
	} else {
		closed = poll(&p, 1, 3000) == 1 &&
			 closed_by_module(client_outcome(fd));
	}
	close(fd);
	return closed;
}

/* The module has closed fd (FIN or RST) within ms. */
static bool closed_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return false;
	return closed_by_module(client_outcome(fd));
}

static uint64_t gauges_held(void)
{
	struct tlsh_status st;

	if (get_status(&st))
		return ~0ULL;
	return st.counters[TLSH_COUNTER_PENDING] +
	       st.counters[TLSH_COUNTER_IN_FLIGHT] +
	       st.counters[TLSH_COUNTER_READY];
}

static bool wait_nothing_held(int ms)
{
	int i;

	for (i = 0; i < ms / 50; i++) {
		if (gauges_held() == 0)
			return true;
		sleep_ms(50);
	}
	return gauges_held() == 0;
}

/* ---- item 1: DETACH racing the listener's close ---- */

struct detacher {
	pthread_t thread;
	struct tlsh_nl nl;
	uint32_t id;
	pthread_barrier_t *go;
	int err;
};

static void *detacher_main(void *arg)
{
	struct detacher *d = arg;

	pthread_barrier_wait(d->go);
	d->err = tlsh_nl_detach(&d->nl, d->id);
	return NULL;
}

/*
 * DETACH and close() of the listener at the same moment, with connections
 * held: the wait queue DETACH wakes lives in the listener's socket, which
 * the close frees. A use-after-free here shows on the debug kernel (KASAN)
 * and in the teardown's kernel log check.
 */
TEST_F(attach, detach_racing_the_listeners_close)
{
	pthread_barrier_t go;
	struct detacher d;
	int round, i, c[3];

	START_DAEMON(D_IGNORE);
	ASSERT_EQ(0, tlsh_nl_open(&d.nl));
	ASSERT_EQ(0, pthread_barrier_init(&go, NULL, 2));
	d.go = &go;
	for (round = 0; round < 60; round++) {
		attached_with_clients(_metadata, self, c, 3);
		ASSERT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 3));
		d.id = self->id;
		ASSERT_EQ(0, pthread_create(&d.thread, NULL, detacher_main,
					    &d));
		pthread_barrier_wait(&go);
		close(self->lfd);
		self->lfd = -1;
		pthread_join(d.thread, NULL);
		/* Whoever came first, the other found nothing to do. */
		EXPECT_TRUE(d.err == 0 || d.err == -ESRCH)
			TH_LOG("DETACH: %s", strerror(-d.err));
		for (i = 0; i < 3; i++) {
			EXPECT_TRUE(c[i] >= 0 && closed_within(c[i], 5000));
			if (c[i] >= 0)
				close(c[i]);
		}
	}
	EXPECT_TRUE(wait_nothing_held(5000));
	pthread_barrier_destroy(&go);
	tlsh_nl_close(&d.nl);
}

/* ---- item 4: ACCEPT failing after the claim ---- */

/*
 * ACCEPT fails with EMFILE again and again while the reaper runs (a
 * claimed connection keeps it running every 250 ms): each failure puts
 * the connection back, and it must still time out at its deadline, not
 * hold its slot forever.
 */
TEST_F(attach, accept_failing_leaves_the_deadline_armed)
{
	struct rlimit old, low;
	struct tlsh_nl ready;
	int held, c1, c2, i, fd, n = 0, dups[64];

	ATTACH(1500);
	ASSERT_EQ(0, tlsh_nl_open(&ready));
	ASSERT_EQ(0, daemon_join(&ready, &self->nl));
	c1 = client_connect(&self->addr);
	ASSERT_LE(0, c1);
	ASSERT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 1));
	ASSERT_EQ(0, tlsh_nl_accept(&self->nl, 0, &held, NULL));
	c2 = client_connect(&self->addr);
	ASSERT_LE(0, c2);
	ASSERT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 1));

	/* No fd left: every ACCEPT claims c2 and gives it back. */
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	low = old;
	low.rlim_cur = 64;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &low));
	while (n < 64 && (dups[n] = dup(0)) >= 0)
		n++;
	for (i = 0; i < 400; i++) {
		EXPECT_EQ(-EMFILE, tlsh_nl_accept(&self->nl, 0, &fd, NULL));
		if (i % 20 == 0)
			sleep_ms(5);
	}
	while (n--)
		close(dups[n]);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));

	/* Both expire at their 1.5 s deadline; nothing stays held. */
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_TIMED_OUT, 2));
	EXPECT_TRUE(wait_nothing_held(5000));
	EXPECT_TRUE(closed_within(c2, 5000));
	close(held);
	close(c1);
	close(c2);
	tlsh_nl_close(&ready);
}

/* ---- item 6: what the server may undo after ATTACH ---- */

/*
 * SO_REUSEPORT set on an attached listener (6.1 cannot refuse it) is
 * turned off again at the next connection, so that no plain socket can
 * join a reuseport group with the listener and take its TLS clients.
 */
TEST_F(attach, reuseport_set_after_attach_forms_no_group)
{
	struct sockaddr_in addr = self->addr;
	socklen_t len = sizeof(int);
	int one = 1, val = 1, other;

	ATTACH(600000);
	/* 6.12 refuses it while attached; 6.1 cannot, and takes it back. */
	if (setsockopt(self->lfd, SOL_SOCKET, SO_REUSEPORT, &one,
		       sizeof(one)))
		ASSERT_EQ(EBUSY, errno);
	/* No daemon: the connection fails fast, the module has run. */
	EXPECT_TRUE(closed_at_once_from(htonl(INADDR_LOOPBACK), &self->addr));
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_FAILED, 1));

	ASSERT_EQ(0, getsockopt(self->lfd, SOL_SOCKET, SO_REUSEPORT, &val,
				&len));
	EXPECT_EQ(0, val);
	other = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, setsockopt(other, SOL_SOCKET, SO_REUSEPORT, &one,
				sizeof(one)));
	EXPECT_EQ(-1, bind(other, (struct sockaddr *)&addr, sizeof(addr)));
	EXPECT_EQ(EADDRINUSE, errno);
	close(other);
}

/* connect(AF_UNSPEC) stops the listener: what it held is reset at once. */
TEST_F(attach, connect_unspec_resets_what_is_held)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	int c[2], i;

	ATTACH(600000);
	START_DAEMON(D_IGNORE);
	clients_connected(_metadata, &self->addr, c, 2);
	ASSERT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 2));
	ASSERT_EQ(0, connect(self->lfd, &unspec, sizeof(unspec)));
	for (i = 0; i < 2; i++) {
		EXPECT_TRUE(closed_within(c[i], 3000));
		close(c[i]);
	}
	EXPECT_TRUE(wait_nothing_held(3000));
}

/*
 * shutdown() of the listener while connections are being handed off:
 * those on their way between two lists (claimed but not yet grafted,
 * handed back but not yet ready) must be closed too, never left READY on
 * a listener that no longer listens.
 */
TEST_F(attach, shutdown_during_hand_offs_leaves_nothing_held)
{
	int round, i, c[6];

	START_DAEMON(D_OK);
	for (round = 0; round < 25; round++) {
		attached_with_clients(_metadata, self, c, 6);
		sleep_ms(round % 5 * 3);
		shutdown(self->lfd, SHUT_RDWR);
		EXPECT_TRUE(wait_nothing_held(3000))
			TH_LOG("round %d: %llu held after shutdown", round,
			       (unsigned long long)gauges_held());
		for (i = 0; i < 6; i++)
			if (c[i] >= 0)
				close(c[i]);
		close(self->lfd);
		self->lfd = -1;
	}
}

/* ---- item 7: READY subscribers and daemons ---- */

/*
 * A child that is root of its own user namespace, with a network
 * namespace of that user namespace: it may subscribe to READY there
 * (6.1's check), but is no daemon (it cannot ACCEPT). Writes its pid,
 * then 'j' once subscribed; waits for a byte before it exits.
 */
static int userns_subscriber(int tx, int rx)
{
	struct tlsh_nl ready, cmd;
	uint32_t id;
	char ch;
	int fd;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return 100;
	if (tlsh_nl_open(&ready) || tlsh_nl_open(&cmd))
		return 101;
	if (tlsh_nl_join_ready(&ready))
		return 1;
	/* Commands need CAP_NET_ADMIN in the initial user namespace. */
	if (tlsh_nl_accept(&cmd, 0, &fd, &id) != -EPERM)
		return 2;
	if (write(tx, "j", 1) != 1 || read(rx, &ch, 1) != 1)
		return 102;
	return 0;
}

TEST_F(attach, user_namespace_root_is_no_daemon)
{
	int to_child[2], from_child[2], status, netns, lfd;
	struct sockaddr_in addr;
	struct tlsh_nl nl;
	char path[64], ch;
	uint32_t id;
	pid_t pid;

	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(from_child));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(userns_subscriber(from_child[1], to_child[0]));
	ASSERT_EQ(1, read(from_child[0], &ch, 1))
		TH_LOG("the child could not subscribe");

	/* Root attaches a listener in that netns, where READY is heard. */
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	netns = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, netns);
	ASSERT_EQ(0, setns(netns, CLONE_NEWNET));
	close(netns);
	ASSERT_EQ(0, loopback_up());
	lfd = make_listener(&addr, 8);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, tlsh_nl_open(&nl));
	ASSERT_EQ(0, tlsh_nl_attach(&nl, lfd, 600000, 0, &id))
		TH_LOG("%s", nl.errmsg);

	/* No daemon: the connection fails fast, not at its deadline. */
	EXPECT_TRUE(closed_at_once_from(htonl(INADDR_LOOPBACK), &addr));
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_FAILED, 1));
	close(lfd);
	tlsh_nl_close(&nl);

	ASSERT_EQ(1, write(to_child[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* ---- item 5: bounds ---- */

TEST_F(attach, one_address_cannot_take_a_listeners_share)
{
	uint32_t here = htonl(0x7f000001), other = htonl(0x7f000002);
	int c[4], i;

	ASSERT_EQ(0, kmod_param_write("max_per_addr", "3"));
	ATTACH(600000);
	START_DAEMON(D_IGNORE);
	for (i = 0; i < 3; i++) {
		c[i] = connect_from(here, &self->addr);
		ASSERT_LE(0, c[i]);
	}
	ASSERT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 3));
	/* Three held, the next two reset at once and counted. */
	EXPECT_TRUE(closed_at_once_from(here, &self->addr));
	EXPECT_TRUE(closed_at_once_from(here, &self->addr));
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_REFUSED, 2));
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 3));
	/* Another address still gets in. */
	c[3] = connect_from(other, &self->addr);
	ASSERT_LE(0, c[3]);
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 4));
	for (i = 0; i < 4; i++)
		if (c[i] >= 0)
			close(c[i]);
	EXPECT_EQ(0, kmod_param_write("max_per_addr", "64"));
}

TEST_F(attach, client_that_sends_nothing_is_reset_early)
{
	int silent, talking;

	ASSERT_EQ(0, kmod_param_write("silent_timeout_ms", "700"));
	ATTACH(600000);
	START_DAEMON(D_IGNORE);
	silent = client_connect(&self->addr);
	talking = client_connect(&self->addr);
	ASSERT_LE(0, silent);
	ASSERT_LE(0, talking);
	ASSERT_EQ(1, send(talking, "\x16", 1, 0));
	ASSERT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 2));
	EXPECT_TRUE(closed_within(silent, 5000));
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_TIMED_OUT, 1));
	/* The one that spoke waits for its own deadline. */
	sleep_ms(1000);
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 1));
	close(silent);
	close(talking);
	EXPECT_EQ(0, kmod_param_write("silent_timeout_ms", "5000"));
}

TEST_F(attach, netns_cap_leaves_the_rest_in_the_backlog)
{
	int c[4], i;

	ASSERT_EQ(0, kmod_param_write("max_held", "2"));
	ATTACH(600000);
	START_DAEMON(D_IGNORE);
	clients_connected(_metadata, &self->addr, c, 4);
	/* Two held; the others wait in the kernel backlog, not reset. */
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 2));
	sleep_ms(500);
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 2));
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_FAILED, 0));
	/* Raised again: they are taken. */
	ASSERT_EQ(0, kmod_param_write("max_held", "16384"));
	close(c[0]);
	c[0] = client_connect(&self->addr);
	EXPECT_TRUE(wait_counter(TLSH_COUNTER_PENDING, 4) ||
		    wait_counter(TLSH_COUNTER_PENDING, 5));
	for (i = 0; i < 4; i++)
		if (c[i] >= 0)
			close(c[i]);
}

TEST_HARNESS_MAIN
