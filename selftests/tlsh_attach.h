/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the attach selftests (tlsh_attach*.c, one per concern, and
 * tlsh_faults.c) share: counter checks, client helpers and the "attach"
 * fixture, which loads kmod/tlsh.ko in setup and, in teardown, checks that
 * it unloads (no socket left on module ops) and that the kernel logged no
 * BUG or WARNING. Include after kselftest_harness.h.
 *
 * No handshake happens in these tests: the stand-in daemon of
 * tlsh_daemon.h claims each connection with ACCEPT, installs fixed keys as
 * if it had negotiated them, sends DONE and closes its fd. The client
 * installs the mirrored keys on its own socket, so data the application
 * reads and writes after accept() crosses the wire through kTLS on both
 * ends.
 */
#ifndef TLSH_SELFTEST_ATTACH_H
#define TLSH_SELFTEST_ATTACH_H

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include "os/ktls.h"
#include "os/nl.h"
#include "tlsh_daemon.h"
#include "tlsh_handoff.h"
#include "tlsh_kmod.h"

#define NOBODY		65534
#define MANY		24

#ifndef TCP_ULP
#define TCP_ULP 31
#endif

/* The ULP on fd, "" if none. */
static inline void get_ulp(int fd, char *buf, socklen_t len)
{
	memset(buf, 0, len);
	if (getsockopt(fd, SOL_TCP, TCP_ULP, buf, &len))
		buf[0] = '\0';
}

/*
 * What a plain client sees on a connection the module closed: 0 (FIN) or
 * -ECONNRESET, never a timeout and never data.
 */
static inline int client_outcome(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, 0);

	if (n < 0)
		return -errno;
	return n ? 1 : 0;
}

/*
 * Connect, send data if it has, and report how the module closed the
 * connection: a fast reset can beat connect() or send() back to userspace.
 */
static inline int connect_outcome(const struct sockaddr_in *addr, const char *data)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int outcome;

	if (fd < 0)
		return -errno;
	set_timeouts(fd, IO_TIMEOUT_S);
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)))
		outcome = -errno;
	else if (data && send(fd, data, strlen(data), MSG_NOSIGNAL) < 0)
		outcome = -errno;
	else
		outcome = client_outcome(fd);
	close(fd);
	return outcome;
}

static inline bool closed_by_module(int outcome)
{
	return outcome == 0 || outcome == -ECONNRESET;
}

/* ---- counters ---- */

static inline int get_status(struct tlsh_status *st)
{
	char msg[256];

	return tlsh_nl_get_status(st, msg, sizeof(msg));
}

/* Wait until counter reaches value (the reaper runs every 250 ms). */
static inline bool wait_counter(int counter, uint64_t value)
{
	struct tlsh_status st;
	int i;

	for (i = 0; i < 200; i++) {
		if (get_status(&st) == 0 && st.counters[counter] == value)
			return true;
		sleep_ms(50);
	}
	return false;
}

/* The six counters, in enum order from PENDING, equal to want[]. */
static inline bool counters_are(struct __test_metadata *_metadata,
			 const uint64_t want[6])
{
	struct tlsh_status st;
	int i;

	if (get_status(&st))
		return false;
	for (i = 0; i < 6; i++) {
		if (st.counters[TLSH_COUNTER_PENDING + i] != want[i]) {
			TH_LOG("counter %s: %llu, want %llu",
			       tlsh_counter_name(TLSH_COUNTER_PENDING + i),
			       (unsigned long long)
			       st.counters[TLSH_COUNTER_PENDING + i],
			       (unsigned long long)want[i]);
			return false;
		}
	}
	return true;
}

/* ---- fixture ---- */

FIXTURE(attach) {
	int kmsg;
	int lfd;
	struct sockaddr_in addr;
	struct tlsh_nl nl;
	uint32_t id;
	struct daemon d;
	bool daemon_running;
};

FIXTURE_SETUP(attach)
{
	self->kmsg = kmod_fixture_load(_metadata);
	ASSERT_EQ(0, tlsh_nl_open(&self->nl)) TH_LOG("%s", self->nl.errmsg);
	self->lfd = make_listener(&self->addr, 64);
	ASSERT_LE(0, self->lfd);
	self->daemon_running = false;
}

FIXTURE_TEARDOWN(attach)
{
	if (self->daemon_running)
		daemon_stop(&self->d);
	if (self->lfd >= 0)
		close(self->lfd);
	tlsh_nl_close(&self->nl);
	/* Nothing may keep module code pinned once everything is closed. */
	EXPECT_EQ(0, kmod_unload_settled());
	EXPECT_EQ(0, kmsg_count_bad(_metadata, self->kmsg));
	close(self->kmsg);
}

#define ATTACH(timeout_ms)						\
	ASSERT_EQ(0, tlsh_nl_attach(&self->nl, self->lfd, timeout_ms, 0, \
				    &self->id))			\
		TH_LOG("%s", self->nl.errmsg)

#define START_DAEMON(mode)						\
	do {								\
		ASSERT_EQ(0, daemon_start(&self->d, mode));		\
		self->daemon_running = true;				\
	} while (0)

/* ---- the hand-off ---- */

/* Client with kTLS: sends ping, expects pong. Returns the fd. */
static inline int tls_client(struct __test_metadata *_metadata,
		      const struct sockaddr_in *addr)
{
	int fd = client_connect(addr);

	EXPECT_LE(0, fd);
	if (fd < 0)
		return -1;
	EXPECT_EQ(0, install_keys(fd, TLSH_TLS13, false));
	return fd;
}

/*
 * Accept on lfd the connection whose client c (keys installed) has sent
 * up: the accepted socket has the TLS ULP, reads up in plaintext
 * (decrypted by kTLS RX), and its reply down reaches c. Returns it.
 */
static inline int accept_exchange(struct __test_metadata *_metadata, int lfd,
				  int c, const char *up, const char *down)
{
	ssize_t n_up = strlen(up), n_down = strlen(down);
	char buf[64], ulp[16];
	int s = accept(lfd, NULL, NULL);

	ASSERT_LE(0, s) TH_LOG("accept: %s", strerror(errno));
	get_ulp(s, ulp, sizeof(ulp));
	EXPECT_STREQ("tls", ulp);
	ASSERT_EQ(n_up, recv(s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, up, n_up));
	ASSERT_EQ(n_down, send(s, down, n_down, 0));
	ASSERT_EQ(n_down, recv(c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, down, n_down));
	return s;
}

/* The next record on kTLS socket fd is a close_notify alert. */
static inline bool recv_close_notify(int fd)
{
	char cbuf[CMSG_SPACE(sizeof(unsigned char))];
	unsigned char alert[8];
	struct iovec iov = { .iov_base = alert, .iov_len = sizeof(alert) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;

	if (recvmsg(fd, &msg, 0) != 2 || alert[0] != 1 || alert[1] != 0)
		return false;
	cm = CMSG_FIRSTHDR(&msg);
	return cm && cm->cmsg_level == SOL_TLS &&
	       cm->cmsg_type == TLS_GET_RECORD_TYPE &&
	       *(unsigned char *)CMSG_DATA(cm) == 21;
}

/* A thread blocked in accept() on a listener. */
struct blocked_accept {
	int lfd;
	int fd;
	int err;
};

static inline void *accept_thread(void *arg)
{
	struct blocked_accept *b = arg;

	b->fd = accept(b->lfd, NULL, NULL);
	b->err = b->fd < 0 ? errno : 0;
	return NULL;
}

/* A new network namespace has lo down. */
static inline int loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err;

	if (fd < 0)
		return -1;
	err = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (!err) {
		ifr.ifr_flags |= IFF_UP;
		err = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return err;
}

#endif
