/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the attach selftests (tlsh_attach.c, tlsh_faults.c) share: the
 * stand-in daemon, counter checks and the "attach" fixture, which loads
 * kmod/tlsh.ko in setup and, in teardown, checks that it unloads (no
 * socket left on module ops) and that the kernel logged no BUG or WARNING.
 * Include after kselftest_harness.h.
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

/* ---- the test daemon ---- */

enum daemon_mode {
	D_OK,		/* keys, DONE 0, close */
	D_DONE_ERR,	/* DONE EPROTO, close */
	D_CLOSE,	/* close without DONE */
	D_HOLD,		/* keep the fd, no DONE */
	D_IGNORE,	/* listen to READY, never ACCEPT */
	D_GATED,	/* keys, then DONE 0 and close when the gate opens */
};

struct daemon {
	pthread_t thread;
	atomic_int mode;	/* enum daemon_mode */
	struct tlsh_nl ready;
	struct tlsh_nl cmd;
	atomic_bool stop;
	atomic_bool gate;
	atomic_int claimed;
	atomic_int errors;
	atomic_int readies;
	int held[64];
	int n_held;
	char errmsg[512];
};

static inline void daemon_error(struct daemon *d, const char *what, int err)
{
	if (!d->errmsg[0])
		snprintf(d->errmsg, sizeof(d->errmsg), "%s: %s (%s)", what,
			 strerror(-err), d->cmd.errmsg);
	atomic_fetch_add(&d->errors, 1);
}

/* The stand-in handshake on claimed fd: server keys, then DONE 0. */
static inline int fake_handshake(struct tlsh_nl *nl, int fd, const char **step)
{
	int err;

	*step = "install";
	err = install_keys(fd, TLSH_TLS13, true);
	if (err)
		return err;
	*step = "DONE";
	return tlsh_nl_done(nl, fd, 0);
}

/*
 * The daemon's job for one connection, done by hand: claim one of listener
 * id (any if 0), handshake, close. The hand-off has happened when this
 * returns 0 (the final close runs before close() returns).
 */
static inline int hand_off_one(struct tlsh_nl *nl, uint32_t id, uint32_t *from)
{
	const char *step;
	int fd, err;

	err = tlsh_nl_accept(nl, id, &fd, from);
	if (err)
		return err;
	err = fake_handshake(nl, fd, &step);
	close(fd);
	return err;
}

static inline void daemon_handle(struct daemon *d, int fd)
{
	const char *step;
	int err;

	switch (atomic_load(&d->mode)) {
	case D_OK:
		err = fake_handshake(&d->cmd, fd, &step);
		if (err)
			daemon_error(d, step, err);
		break;
	case D_DONE_ERR:
		err = tlsh_nl_done(&d->cmd, fd, EPROTO);
		if (err)
			daemon_error(d, "DONE error", err);
		break;
	case D_GATED:
		err = install_keys(fd, TLSH_TLS13, true);
		if (err)
			daemon_error(d, "install", err);
		/* fall through */
	case D_HOLD:
		if (d->n_held < (int)(sizeof(d->held) / sizeof(d->held[0]))) {
			d->held[d->n_held++] = fd;
			return;
		}
		daemon_error(d, "hold", -ENOSPC);
		break;
	default:
		break;
	}
	close(fd);
}

static inline void daemon_release_gated(struct daemon *d)
{
	int i, err;

	for (i = 0; i < d->n_held; i++) {
		err = tlsh_nl_done(&d->cmd, d->held[i], 0);
		if (err)
			daemon_error(d, "DONE", err);
		close(d->held[i]);
	}
	d->n_held = 0;
}

static inline void *daemon_main(void *arg)
{
	struct daemon *d = arg;
	uint32_t id;
	int fd, err;

	while (!atomic_load(&d->stop)) {
		struct pollfd p = { .fd = tlsh_nl_fd(&d->ready),
				    .events = POLLIN };

		poll(&p, 1, 20);
		while (tlsh_nl_read_ready(&d->ready, &id) == 0)
			atomic_fetch_add(&d->readies, 1);
		if (atomic_load(&d->mode) == D_GATED && atomic_load(&d->gate))
			daemon_release_gated(d);
		if (atomic_load(&d->mode) == D_IGNORE)
			continue;
		for (;;) {
			err = tlsh_nl_accept(&d->cmd, 0, &fd, NULL);
			if (err == -EAGAIN)
				break;
			if (err) {
				daemon_error(d, "ACCEPT", err);
				break;
			}
			atomic_fetch_add(&d->claimed, 1);
			daemon_handle(d, fd);
		}
	}
	return NULL;
}

static inline int daemon_start(struct daemon *d, enum daemon_mode mode)
{
	memset(d, 0, sizeof(*d));
	atomic_store(&d->mode, mode);
	if (tlsh_nl_open(&d->ready))
		return -1;
	if (tlsh_nl_open(&d->cmd)) {
		tlsh_nl_close(&d->ready);
		return -1;
	}
	if (daemon_join(&d->ready, &d->cmd)) {
		tlsh_nl_close(&d->cmd);
		tlsh_nl_close(&d->ready);
		return -1;
	}
	if (pthread_create(&d->thread, NULL, daemon_main, d)) {
		tlsh_nl_close(&d->cmd);
		tlsh_nl_close(&d->ready);
		return -1;
	}
	return 0;
}

/* Stop the thread and close whatever it still holds. */
static inline void daemon_stop(struct daemon *d)
{
	int i;

	atomic_store(&d->stop, true);
	pthread_join(d->thread, NULL);
	for (i = 0; i < d->n_held; i++)
		close(d->held[i]);
	d->n_held = 0;
	tlsh_nl_close(&d->cmd);
	tlsh_nl_close(&d->ready);
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
	int err;

	ASSERT_EQ(0U, getuid()) TH_LOG("must run as root");
	if (kmod_loaded())
		ASSERT_EQ(0, kmod_unload_settled());
	self->kmsg = kmsg_open_at_end();
	ASSERT_LE(0, self->kmsg);
	err = kmod_load();
	ASSERT_EQ(0, err) TH_LOG("loading %s: %s", kmod_path(),
				 strerror(-err));
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
