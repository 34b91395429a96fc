/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the record selftests (tlsh_records.c, tlsh_sock_faults.c) share:
 * the raw client that seals and opens its own
 * records, and the "records" fixture: one connection handed off to the
 * application, for each TLS version. Include after kselftest_harness.h.
 */
#ifndef TLSH_SELFTEST_RECORDS_H
#define TLSH_SELFTEST_RECORDS_H

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "os/addr.h"
#include "os/ktls.h"
#include "os/nl.h"
#include "recordcrypto.h"
#include "tlsh_daemon.h"
#include "tlsh_handoff.h"
#include "tlsh_kmod.h"

#define READERS		4

#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef SOL_TLS
#define SOL_TLS 282
#endif

#define T_HANDSHAKE	22
#define A_WARNING	1
#define A_FATAL		2
#define HS_HELLO_REQUEST	0
#define HS_CLIENT_HELLO		1
#define HS_NEW_SESSION_TICKET	4
#define HS_KEY_UPDATE		24
#define T_HEARTBEAT		24

/* ---- the raw client: seals and opens its own records ---- */

struct peer {
	int fd;
	uint16_t version;
	struct tlsh_traffic_dir tx, rx;
	uint64_t tx_seq, rx_seq;
	uint8_t out[4 * RC_MAX_RECORD];
	size_t out_len;
};

static inline void peer_init(struct peer *p, int fd, uint16_t version)
{
	struct tlsh_traffic_keys params;

	test_params(&params, version, false);
	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->version = version;
	p->tx = params.tx;
	p->rx = params.rx;
}

/* Queue one record; peer_flush() sends everything queued in one send(). */
static inline void peer_add(struct peer *p, uint8_t type, const void *data,
		     size_t len)
{
	p->out_len += rc_seal(p->version, TLSH_AEAD_AES_128_GCM, &p->tx,
			      p->tx_seq++, type, data, len, 0,
			      p->out + p->out_len);
}

static inline void peer_add_alert(struct peer *p, uint8_t level, uint8_t desc)
{
	uint8_t alert[2] = { level, desc };

	peer_add(p, RC_TYPE_ALERT, alert, sizeof(alert));
}

static inline void peer_add_handshake(struct peer *p, uint8_t msg_type,
			       const void *body, size_t len)
{
	uint8_t hs[64];

	hs[0] = msg_type;
	hs[1] = 0;
	hs[2] = len >> 8;
	hs[3] = len & 0xff;
	if (len)
		memcpy(hs + 4, body, len);
	peer_add(p, T_HANDSHAKE, hs, 4 + len);
}

static inline int peer_flush(struct peer *p)
{
	ssize_t n = send(p->fd, p->out, p->out_len, MSG_NOSIGNAL);
	int ok = n == (ssize_t)p->out_len;

	p->out_len = 0;
	return ok ? 0 : -1;
}

#define PEER_EOF	(-1000)
#define PEER_BAD	(-1001)

/*
 * Read and open the next record the server sent: its content length with
 * *type set, PEER_EOF at a clean end of stream, -errno, or PEER_BAD.
 */
static inline ssize_t peer_read(struct peer *p, uint8_t *type, uint8_t *out)
{
	uint8_t rec[RC_MAX_RECORD];
	size_t body;
	ssize_t n;

	n = recv(p->fd, rec, RC_HDR, MSG_WAITALL);
	if (n == 0)
		return PEER_EOF;
	if (n < 0)
		return -errno;
	if (n != RC_HDR)
		return PEER_BAD;
	body = (size_t)rec[3] << 8 | rec[4];
	if (body > RC_MAX_RECORD - RC_HDR)
		return PEER_BAD;
	n = recv(p->fd, rec + RC_HDR, body, MSG_WAITALL);
	if (n != (ssize_t)body)
		return n < 0 ? -errno : PEER_BAD;
	n = rc_open(p->version, TLSH_AEAD_AES_128_GCM, &p->rx, p->rx_seq++,
		    rec, RC_HDR + body, type, out);
	return n < 0 ? PEER_BAD : n;
}

/* The next record is the alert level/desc. */
static inline bool peer_expect_alert(struct __test_metadata *_metadata,
			      struct peer *p, uint8_t level, uint8_t desc)
{
	uint8_t out[RC_MAX_PLAIN + 256], type = 0;
	ssize_t n = peer_read(p, &type, out);

	if (n == 2 && type == RC_TYPE_ALERT && out[0] == level &&
	    out[1] == desc)
		return true;
	TH_LOG("want alert %u/%u: got %zd, type %u, %02x %02x", level, desc,
	       n, type, n > 0 ? out[0] : 0, n > 1 ? out[1] : 0);
	return false;
}

static inline bool peer_expect_data(struct __test_metadata *_metadata,
			     struct peer *p, const char *want)
{
	uint8_t out[RC_MAX_PLAIN + 256], type = 0;
	ssize_t n = peer_read(p, &type, out);

	if (n == (ssize_t)strlen(want) && type == RC_TYPE_APPDATA &&
	    !memcmp(out, want, n))
		return true;
	TH_LOG("want data \"%s\": got %zd, type %u", want, n, type);
	return false;
}

/* ---- counters ---- */

static inline uint64_t counter(int which)
{
	struct tlsh_status st;
	char msg[256];

	if (tlsh_nl_get_status(&st, msg, sizeof(msg)))
		return ~0ULL;
	return st.counters[which];
}

/* ---- fixture: one connection handed to the application ---- */

FIXTURE(records) {
	int kmsg;
	int lfd;
	struct sockaddr_in addr;
	struct tlsh_nl nl;
	struct tlsh_nl events;	/* subscribed to TLSH_MCGRP_EVENTS */
	uint32_t id;
	struct daemon d;
	bool daemon_running;
	struct peer peer;
	int s;		/* the application's socket */
};

FIXTURE_VARIANT(records) {
	uint16_t version;
};

FIXTURE_VARIANT_ADD(records, tls13) {
	.version = TLSH_TLS13,
};

FIXTURE_VARIANT_ADD(records, tls12) {
	.version = TLSH_TLS12,
};

/* Connect a raw client to lfd and accept its handed-off connection. */
static inline int handed_off(struct __test_metadata *_metadata, int lfd,
		      const struct sockaddr_in *addr, uint16_t version,
		      struct peer *p)
{
	int c, s;

	c = client_connect(addr);
	EXPECT_LE(0, c);
	if (c < 0)
		return -1;
	peer_init(p, c, version);
	s = accept(lfd, NULL, NULL);
	EXPECT_LE(0, s) TH_LOG("accept: %s", strerror(errno));
	if (s >= 0)
		set_timeouts(s, IO_TIMEOUT_S);
	return s;
}

FIXTURE_SETUP(records)
{
	self->s = -1;
	self->peer.fd = -1;
	self->daemon_running = false;
	self->kmsg = kmod_fixture_load(_metadata);
	ASSERT_EQ(0, tlsh_nl_open(&self->nl)) TH_LOG("%s", self->nl.errmsg);
	ASSERT_EQ(0, tlsh_nl_open(&self->events));
	ASSERT_EQ(0, tlsh_nl_join_events(&self->events))
		TH_LOG("%s", self->events.errmsg);
	self->lfd = make_listener(&self->addr, 16);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, tlsh_nl_attach(&self->nl, self->lfd, 0, 0, &self->id))
		TH_LOG("%s", self->nl.errmsg);
	ASSERT_EQ(0, daemon_start_version(&self->d, D_OK, variant->version));
	self->daemon_running = true;
	self->s = handed_off(_metadata, self->lfd, &self->addr,
			     variant->version, &self->peer);
	ASSERT_LE(0, self->s);
}

FIXTURE_TEARDOWN(records)
{
	if (self->s >= 0)
		close(self->s);
	if (self->peer.fd >= 0)
		close(self->peer.fd);
	if (self->daemon_running) {
		EXPECT_EQ(0, atomic_load(&self->d.errors));
		daemon_stop(&self->d);
	}
	if (self->lfd >= 0)
		close(self->lfd);
	tlsh_nl_close(&self->nl);
	/* Every event was expected, and read, by the test. */
	if (self->events.sock) {
		struct tlsh_nl_event ev;

		EXPECT_EQ(-EAGAIN, tlsh_nl_read_event(&self->events, &ev))
			TH_LOG("unread event %u of listener %u, peer %s",
			       ev.kind, ev.listener_id, ev.peer);
		tlsh_nl_close(&self->events);
	}
	/* Nothing may keep module code pinned once everything is closed. */
	if (kmod_loaded())
		EXPECT_EQ(0, kmod_unload_settled());
	EXPECT_EQ(0, kmsg_count_bad(_metadata, self->kmsg));
	close(self->kmsg);
}

/* ---- events ---- */

/*
 * The next event subscriber sub gets is kind, for listener id and the peer
 * p; *ev has it. The module sends it before the application's read
 * returns, so it is there already.
 */
static inline bool expect_event_on(struct __test_metadata *_metadata,
			    struct tlsh_nl *sub, uint32_t id, struct peer *p,
			    uint32_t kind, struct tlsh_nl_event *ev)
{
	struct pollfd pfd = { .fd = tlsh_nl_fd(sub), .events = POLLIN };
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	char want_peer[64];
	int err;

	memset(ev, 0, sizeof(*ev));
	if (getsockname(p->fd, (struct sockaddr *)&local, &len))
		return false;
	tlsh_addr_str((struct sockaddr *)&local, len, want_peer,
		      sizeof(want_peer));
	poll(&pfd, 1, 1000);
	err = tlsh_nl_read_event(sub, ev);
	if (err) {
		TH_LOG("want event %u: read: %s", kind, strerror(-err));
		return false;
	}
	if (ev->kind == kind && ev->listener_id == id &&
	    !strcmp(ev->peer, want_peer))
		return true;
	TH_LOG("want event %u for listener %u peer %s: got %u for %u peer %s",
	       kind, id, want_peer, ev->kind, ev->listener_id, ev->peer);
	return false;
}

/* The same for the fixture's subscriber and listener. */
static inline bool expect_event(struct __test_metadata *_metadata,
			 FIXTURE_DATA(records) *self, struct peer *p,
			 uint32_t kind, struct tlsh_nl_event *ev)
{
	return expect_event_on(_metadata, &self->events, self->id, p, kind,
			       ev);
}

/* ---- close_notify: EOF ---- */

struct reader {
	pthread_t thread;
	int fd;
	ssize_t n;
	int err;
};

static inline void *reader_main(void *arg)
{
	struct reader *r = arg;
	char buf[64];

	r->n = read(r->fd, buf, sizeof(buf));
	r->err = r->n < 0 ? errno : 0;
	return NULL;
}

static inline void expect_reset(struct __test_metadata *_metadata, int s,
			 bool with_cmsg)
{
	char buf[64], cbuf[CMSG_SPACE(1)];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (with_cmsg) {
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
	}
	EXPECT_EQ(-1, recvmsg(s, &msg, 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(0, read(s, buf, sizeof(buf)));
}

/*
 * Queue what the kernel cannot follow at p's version: a KeyUpdate (TLS
 * 1.3) or a renegotiating ClientHello (TLS 1.2). Returns the event kind.
 */
static inline uint32_t add_key_update_or_renegotiation(struct peer *p)
{
	static const uint8_t hello[8] = { 3, 3 };
	uint8_t update_requested = 1;

	if (p->version == TLSH_TLS13) {
		peer_add_handshake(p, HS_KEY_UPDATE, &update_requested, 1);
		return TLSH_EVENT_KEY_UPDATE;
	}
	peer_add_handshake(p, HS_CLIENT_HELLO, hello, sizeof(hello));
	return TLSH_EVENT_RENEGOTIATION;
}

#endif
