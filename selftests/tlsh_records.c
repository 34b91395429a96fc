// SPDX-License-Identifier: GPL-2.0
/*
 * TLS control records on a socket tlsh.ko handed to the application, in
 * the test VM (root, Debian 6.1 kernel, cwd = repository root).
 *
 * A stand-in daemon installs fixed kTLS keys (TLS 1.3 or 1.2, per variant)
 * on each connection and hands it off; the client is a raw TCP socket that
 * seals and opens records itself with recordcrypto.h, so it can put control
 * records (and several records in one segment) on the wire and check
 * exactly what the server sends back.
 *
 * The application must see what a plain TCP server would: EOF for a
 * close_notify, ECONNRESET for a fatal alert or a connection the module
 * had to end, never EIO. Each such end but the close_notify reaches a
 * subscriber of the events group, exactly once: the fixture subscribes
 * before the connection and checks at teardown that no event is left
 * unread.
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "kselftest_harness.h"
#include "os/addr.h"
#include "os/ktls.h"
#include "os/nl.h"
#include "recordcrypto.h"
#include "tlsh_handoff.h"
#include "tlsh_kmod.h"
#include "tlsh_records.h"

TEST_F(records, close_notify_after_idle_is_eof_forever)
{
	struct reader r = { .fd = self->s };
	char buf[64];

	/* A blocked reader is woken by the close_notify alone (no FIN). */
	ASSERT_EQ(0, pthread_create(&r.thread, NULL, reader_main, &r));
	sleep_ms(200);
	peer_add_alert(&self->peer, A_WARNING, 0);
	ASSERT_EQ(0, peer_flush(&self->peer));
	pthread_join(r.thread, NULL);
	EXPECT_EQ(0, r.n) TH_LOG("read: %zd (%s)", r.n, strerror(r.err));

	EXPECT_EQ(0, read(self->s, buf, sizeof(buf)));
	EXPECT_EQ(0, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, recv(self->s, buf, sizeof(buf), MSG_PEEK));
	EXPECT_EQ(0, read(self->s, buf, sizeof(buf)));
	EXPECT_EQ(1U, counter(TLSH_COUNTER_CLOSE_NOTIFY));
	EXPECT_EQ(0U, counter(TLSH_COUNTER_ALERT));

	/* Half-closed: the application can still answer. */
	ASSERT_EQ(4, send(self->s, "late", 4, 0));
	EXPECT_TRUE(peer_expect_data(_metadata, &self->peer, "late"));
}

/* data and close_notify in one segment: read() gives the data, then EOF. */
static void data_and_close_notify(struct __test_metadata *_metadata,
				  FIXTURE_DATA(records) *self, const char *data)
{
	size_t len = strlen(data);
	char buf[64];

	peer_add(&self->peer, RC_TYPE_APPDATA, data, len);
	peer_add_alert(&self->peer, A_WARNING, 0);
	ASSERT_EQ(0, peer_flush(&self->peer));
	ASSERT_EQ((ssize_t)len, read(self->s, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, data, len));
	EXPECT_EQ(0, read(self->s, buf, sizeof(buf)));
}

TEST_F(records, close_notify_in_the_segment_of_the_last_data)
{
	char buf[64];

	data_and_close_notify(_metadata, self, "hello");
	EXPECT_EQ(0, read(self->s, buf, sizeof(buf)));
}

/* Three data records, then close_notify (and no FIN). */
#define DATA1 "first record, "
#define DATA2 "second one, "
#define DATA3 "and the last."
#define ALL_DATA DATA1 DATA2 DATA3

static void send_data_then_close_notify(struct __test_metadata *_metadata,
					struct peer *p)
{
	peer_add(p, RC_TYPE_APPDATA, DATA1, strlen(DATA1));
	ASSERT_EQ(0, peer_flush(p));
	peer_add(p, RC_TYPE_APPDATA, DATA2, strlen(DATA2));
	peer_add(p, RC_TYPE_APPDATA, DATA3, strlen(DATA3));
	peer_add_alert(p, A_WARNING, 0);
	ASSERT_EQ(0, peer_flush(p));
	sleep_ms(50);	/* all of it queued before the first read */
}

enum read_method {
	M_READ, M_RECV, M_RECVMSG, M_RECVMSG_CMSG, M_READV, M_PEEK,
	M_WAITALL, M_SPLICE, M_NONBLOCK,
};

/* One read by method into buf; -errno on failure. */
static ssize_t read_by(struct __test_metadata *_metadata, int fd,
		       enum read_method m, char *buf, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(uint8_t)) * 2];
	struct iovec iov[2];
	struct msghdr msg;
	struct cmsghdr *cm;
	int pipefd[2];
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	switch (m) {
	case M_READ:
	case M_NONBLOCK:
		n = read(fd, buf, len);
		break;
	case M_RECV:
		n = recv(fd, buf, len, 0);
		break;
	case M_RECVMSG:
	case M_RECVMSG_CMSG:
		iov[0].iov_base = buf;
		iov[0].iov_len = len;
		msg.msg_iov = iov;
		msg.msg_iovlen = 1;
		if (m == M_RECVMSG_CMSG) {
			memset(cbuf, 0, sizeof(cbuf));
			msg.msg_control = cbuf;
			msg.msg_controllen = sizeof(cbuf);
		}
		n = recvmsg(fd, &msg, 0);
		if (n > 0 && m == M_RECVMSG_CMSG) {
			/* If anything, kTLS's "this is data". */
			for (cm = CMSG_FIRSTHDR(&msg); cm;
			     cm = CMSG_NXTHDR(&msg, cm)) {
				EXPECT_EQ(SOL_TLS, cm->cmsg_level);
				EXPECT_EQ(TLS_GET_RECORD_TYPE, cm->cmsg_type);
				EXPECT_EQ(RC_TYPE_APPDATA,
					  *(uint8_t *)CMSG_DATA(cm));
			}
		}
		if (n >= 0)
			EXPECT_EQ(0, msg.msg_flags & MSG_CTRUNC);
		break;
	case M_READV:
		iov[0].iov_base = buf;
		iov[0].iov_len = len / 2;
		iov[1].iov_base = buf + len / 2;
		iov[1].iov_len = len - len / 2;
		n = readv(fd, iov, 2);
		break;
	case M_PEEK:
		n = recv(fd, buf, len, MSG_PEEK);
		if (n > 0) {
			char again[256];

			/* The peeked bytes are then read for real. */
			EXPECT_EQ(n, recv(fd, again, n, 0));
			EXPECT_EQ(0, memcmp(again, buf, n));
		}
		break;
	case M_WAITALL:
		n = recv(fd, buf, len, MSG_WAITALL);
		break;
	case M_SPLICE:
		if (pipe(pipefd))
			return -errno;
		n = splice(fd, NULL, pipefd[1], NULL, len, 0);
		if (n > 0)
			EXPECT_EQ(n, read(pipefd[0], buf, n));
		close(pipefd[0]);
		close(pipefd[1]);
		break;
	default:
		return -EINVAL;
	}
	return n < 0 ? -errno : n;
}

/* Read to EOF by method: all the data, then 0, twice. */
static void data_then_eof_by(struct __test_metadata *_metadata,
			     FIXTURE_DATA(records) *self, enum read_method m)
{
	char got[256], buf[256];
	size_t total = 0;
	int rounds = 0;
	ssize_t n;

	if (m == M_NONBLOCK)
		ASSERT_EQ(0, fcntl(self->s, F_SETFL,
				   fcntl(self->s, F_GETFL) | O_NONBLOCK));
	send_data_then_close_notify(_metadata, &self->peer);
	for (;;) {
		ASSERT_GT(100, ++rounds);
		n = read_by(_metadata, self->s, m, buf, sizeof(buf));
		if (n == -EAGAIN && m == M_NONBLOCK) {
			struct pollfd p = { .fd = self->s, .events = POLLIN };

			ASSERT_EQ(1, poll(&p, 1, IO_TIMEOUT_S * 1000));
			continue;
		}
		ASSERT_LE(0, n) TH_LOG("read after %zu bytes: %s", total,
				       strerror(-n));
		if (n == 0)
			break;
		ASSERT_GE(sizeof(got), total + n);
		memcpy(got + total, buf, n);
		total += n;
	}
	ASSERT_EQ(strlen(ALL_DATA), total);
	EXPECT_EQ(0, memcmp(got, ALL_DATA, total));
	EXPECT_EQ(0, read_by(_metadata, self->s, m, buf, sizeof(buf)));
	EXPECT_EQ(1U, counter(TLSH_COUNTER_CLOSE_NOTIFY));
}

/* One test for each way an application reads. */
#define DATA_THEN_CLOSE_NOTIFY_BY(name, method)				\
	TEST_F(records, data_then_close_notify_by_##name)		\
	{								\
		data_then_eof_by(_metadata, self, method);		\
	}

DATA_THEN_CLOSE_NOTIFY_BY(read, M_READ)
DATA_THEN_CLOSE_NOTIFY_BY(recv, M_RECV)
DATA_THEN_CLOSE_NOTIFY_BY(recvmsg, M_RECVMSG)
DATA_THEN_CLOSE_NOTIFY_BY(recvmsg_with_cmsg_buffer, M_RECVMSG_CMSG)
DATA_THEN_CLOSE_NOTIFY_BY(readv, M_READV)
DATA_THEN_CLOSE_NOTIFY_BY(msg_peek, M_PEEK)
DATA_THEN_CLOSE_NOTIFY_BY(splice, M_SPLICE)

TEST_F(records, data_then_close_notify_by_msg_waitall)
{
	char buf[256];

	/* Asks for more than will ever come: the close_notify ends it. */
	send_data_then_close_notify(_metadata, &self->peer);
	ASSERT_EQ((ssize_t)strlen(ALL_DATA),
		  recv(self->s, buf, sizeof(buf), MSG_WAITALL));
	EXPECT_EQ(0, memcmp(buf, ALL_DATA, strlen(ALL_DATA)));
	EXPECT_EQ(0, recv(self->s, buf, sizeof(buf), MSG_WAITALL));
}

TEST_F(records, data_then_close_notify_nonblocking)
{
	char buf[16];

	ASSERT_EQ(0, fcntl(self->s, F_SETFL,
			   fcntl(self->s, F_GETFL) | O_NONBLOCK));
	EXPECT_EQ(-1, read(self->s, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	data_then_eof_by(_metadata, self, M_NONBLOCK);
}

TEST_F(records, concurrent_readers_all_see_eof)
{
	struct reader r[READERS];
	int i;

	for (i = 0; i < READERS; i++) {
		r[i].fd = self->s;
		ASSERT_EQ(0, pthread_create(&r[i].thread, NULL, reader_main,
					    &r[i]));
	}
	sleep_ms(200);
	peer_add_alert(&self->peer, A_WARNING, 0);
	ASSERT_EQ(0, peer_flush(&self->peer));
	for (i = 0; i < READERS; i++) {
		pthread_join(r[i].thread, NULL);
		EXPECT_EQ(0, r[i].n) TH_LOG("reader %d: %zd (%s)", i, r[i].n,
					    strerror(r[i].err));
	}
	EXPECT_EQ(1U, counter(TLSH_COUNTER_CLOSE_NOTIFY));
}

TEST_F(records, poll_and_epoll_report_rdhup_for_close_notify)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP }, out;
	struct pollfd p = { .fd = self->s, .events = POLLIN | POLLRDHUP };
	char buf[16];
	int ep;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->s, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 100));
	EXPECT_EQ(0, poll(&p, 1, 0));

	/* Before the application reads anything. */
	peer_add_alert(&self->peer, A_WARNING, 0);
	ASSERT_EQ(0, peer_flush(&self->peer));
	ASSERT_EQ(1, epoll_wait(ep, &out, 1, IO_TIMEOUT_S * 1000));
	EXPECT_EQ((uint32_t)(EPOLLIN | EPOLLRDHUP), out.events & (EPOLLIN | EPOLLRDHUP));
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLIN | POLLRDHUP, p.revents);

	EXPECT_EQ(0, read(self->s, buf, sizeof(buf)));
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLIN | POLLRDHUP, p.revents);
	ASSERT_EQ(1, epoll_wait(ep, &out, 1, 0));
	EXPECT_EQ((uint32_t)(EPOLLIN | EPOLLRDHUP), out.events & (EPOLLIN | EPOLLRDHUP));
	close(ep);
}

/* ---- alerts ---- */

/* What the application gets after a reset: ECONNRESET once, then EOF. */
TEST_F(records, fatal_alert_resets_the_connection)
{
	struct tlsh_nl_event ev;
	char buf[64];
	ssize_t n;

	peer_add(&self->peer, RC_TYPE_APPDATA, "data", 4);
	peer_add_alert(&self->peer, A_FATAL, 40);	/* handshake_failure */
	ASSERT_EQ(0, peer_flush(&self->peer));
	ASSERT_EQ(4, read(self->s, buf, sizeof(buf)));
	/* An application passing a control buffer gets no alert bytes. */
	expect_reset(_metadata, self->s, true);
	EXPECT_EQ(1U, counter(TLSH_COUNTER_ALERT));
	EXPECT_EQ(0U, counter(TLSH_COUNTER_CLOSE_NOTIFY));
	ASSERT_TRUE(expect_event(_metadata, self, &self->peer,
				 TLSH_EVENT_ALERT, &ev));
	EXPECT_EQ(40, ev.alert_desc);
	EXPECT_EQ(-1, ev.hs_type);
	EXPECT_EQ(-1, ev.record_type);

	/* The connection is gone: reset, no close_notify ever. */
	n = recv(self->peer.fd, buf, sizeof(buf), 0);
	EXPECT_TRUE(n == 0 || (n < 0 && errno == ECONNRESET))
		TH_LOG("client: %zd (%s)", n, strerror(errno));
}

TEST_F(records, warning_alert_skipped_or_fatal_by_version)
{
	struct tlsh_nl_event ev;
	char buf[64];
	size_t total = 0;
	ssize_t n;

	peer_add(&self->peer, RC_TYPE_APPDATA, "one,", 4);
	if (variant->version == TLSH_TLS12)
		peer_add_alert(&self->peer, A_WARNING, 100); /* no_reneg. */
	peer_add_alert(&self->peer, A_WARNING, 90);	/* user_canceled */
	peer_add(&self->peer, RC_TYPE_APPDATA, "two", 3);
	if (variant->version == TLSH_TLS13)
		peer_add_alert(&self->peer, A_WARNING, 100); /* fatal in 1.3 */
	else
		peer_add_alert(&self->peer, A_FATAL, 100);
	ASSERT_EQ(0, peer_flush(&self->peer));

	/* The skippable alerts are invisible. */
	while (total < 7) {
		n = read(self->s, buf + total, sizeof(buf) - total);
		ASSERT_LT(0, n) TH_LOG("read after %zu: %s", total,
				       strerror(errno));
		total += n;
	}
	ASSERT_EQ(7U, total);
	EXPECT_EQ(0, memcmp(buf, "one,two", 7));
	/* Then a fatal one. */
	expect_reset(_metadata, self->s, false);
	EXPECT_EQ(1U, counter(TLSH_COUNTER_ALERT));
	/* Only it is reported. */
	ASSERT_TRUE(expect_event(_metadata, self, &self->peer,
				 TLSH_EVENT_ALERT, &ev));
	EXPECT_EQ(100, ev.alert_desc);
}

TEST_F(records, warning_alert_then_conversation_goes_on)
{
	char buf[64];

	if (variant->version == TLSH_TLS12)
		peer_add_alert(&self->peer, A_WARNING, 100);
	else
		peer_add_alert(&self->peer, A_WARNING, 90);
	ASSERT_EQ(0, peer_flush(&self->peer));
	sleep_ms(50);
	peer_add(&self->peer, RC_TYPE_APPDATA, "ping", 4);
	ASSERT_EQ(0, peer_flush(&self->peer));
	ASSERT_EQ(4, read(self->s, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "ping", 4));
	ASSERT_EQ(4, send(self->s, "pong", 4, 0));
	EXPECT_TRUE(peer_expect_data(_metadata, &self->peer, "pong"));
	EXPECT_EQ(0U, counter(TLSH_COUNTER_ALERT));
}

/* ---- post-handshake messages ---- */

TEST_F(records, key_update_or_renegotiation_ends_the_connection)
{
	struct tlsh_nl_event ev;
	uint32_t kind;
	uint8_t type;
	char buf[64];

	peer_add(&self->peer, RC_TYPE_APPDATA, "data", 4);
	kind = add_key_update_or_renegotiation(&self->peer);
	ASSERT_EQ(0, peer_flush(&self->peer));

	ASSERT_EQ(4, read(self->s, buf, sizeof(buf)));
	expect_reset(_metadata, self->s, false);
	EXPECT_EQ(1U, counter(TLSH_COUNTER_POSTHS));
	ASSERT_TRUE(expect_event(_metadata, self, &self->peer, kind, &ev));
	EXPECT_EQ(variant->version == TLSH_TLS13 ? HS_KEY_UPDATE :
		  HS_CLIENT_HELLO, ev.hs_type);
	EXPECT_EQ(-1, ev.alert_desc);

	/* The peer is told, then gets FIN. */
	if (variant->version == TLSH_TLS12)
		EXPECT_TRUE(peer_expect_alert(_metadata, &self->peer,
					      A_WARNING, 100));
	EXPECT_TRUE(peer_expect_alert(_metadata, &self->peer, A_WARNING, 0));
	EXPECT_EQ(PEER_EOF, peer_read(&self->peer, &type, (uint8_t *)buf));
}

/*
 * What is queued on the fixture's peer makes the module end the
 * connection with a fatal alert desc: the application reads ECONNRESET,
 * counter and the subscriber see it (*ev), the peer gets the alert, EOF.
 */
static void ended_with_alert(struct __test_metadata *_metadata,
			     FIXTURE_DATA(records) *self, int counter_id,
			     uint32_t kind, uint8_t desc,
			     struct tlsh_nl_event *ev)
{
	uint8_t out[RC_MAX_PLAIN + 256], type;

	ASSERT_EQ(0, peer_flush(&self->peer));
	expect_reset(_metadata, self->s, false);
	EXPECT_EQ(1U, counter(counter_id));
	ASSERT_TRUE(expect_event(_metadata, self, &self->peer, kind, ev));
	EXPECT_TRUE(peer_expect_alert(_metadata, &self->peer, A_FATAL, desc));
	EXPECT_EQ(PEER_EOF, peer_read(&self->peer, &type, out));
}

TEST_F(records, unexpected_handshake_message_gets_an_alert)
{
	static const uint8_t ticket[13] = { 0, 0, 0, 60 };
	uint8_t out[RC_MAX_PLAIN + 256], type;
	struct tlsh_nl_event ev;

	/* A server never gets a NewSessionTicket, nor a HelloRequest. */
	if (variant->version == TLSH_TLS13)
		peer_add_handshake(&self->peer, HS_NEW_SESSION_TICKET, ticket,
				   sizeof(ticket));
	else
		peer_add_handshake(&self->peer, HS_HELLO_REQUEST, NULL, 0);
	ended_with_alert(_metadata, self, TLSH_COUNTER_POSTHS,
			 TLSH_EVENT_UNEXPECTED_HANDSHAKE, 10, &ev);
	EXPECT_EQ(variant->version == TLSH_TLS13 ? HS_NEW_SESSION_TICKET :
		  HS_HELLO_REQUEST, ev.hs_type);
	/* And nothing more at close. */
	close(self->s);
	self->s = -1;
	EXPECT_EQ(PEER_EOF, peer_read(&self->peer, &type, out));
}

TEST_F(records, malformed_alert_gets_decode_error)
{
	static const uint8_t alert[3] = { A_FATAL, 40, 0 };
	struct tlsh_nl_event ev;

	peer_add(&self->peer, RC_TYPE_ALERT, alert, sizeof(alert));
	ended_with_alert(_metadata, self, TLSH_COUNTER_ALERT,
			 TLSH_EVENT_BAD_ALERT, 50, &ev);
	EXPECT_EQ(-1, ev.alert_desc);
}

TEST_F(records, unknown_record_type_gets_unexpected_message)
{
	static const uint8_t beat[3] = { 1, 0, 0 };
	struct tlsh_nl_event ev;

	peer_add(&self->peer, T_HEARTBEAT, beat, sizeof(beat));
	ended_with_alert(_metadata, self, TLSH_COUNTER_POSTHS,
			 TLSH_EVENT_UNEXPECTED_RECORD, 10, &ev);
	EXPECT_EQ(T_HEARTBEAT, ev.record_type);
}

/* A second subscriber gets the same event; one without the group none. */
TEST_F(records, every_subscriber_gets_the_event)
{
	struct tlsh_nl second, none;
	struct tlsh_nl_event ev;
	uint32_t kind;

	ASSERT_EQ(0, tlsh_nl_open(&second));
	ASSERT_EQ(0, tlsh_nl_join_events(&second));
	ASSERT_EQ(0, tlsh_nl_open(&none));
	ASSERT_EQ(0, tlsh_nl_join_ready(&none));
	kind = add_key_update_or_renegotiation(&self->peer);
	ASSERT_EQ(0, peer_flush(&self->peer));
	expect_reset(_metadata, self->s, false);

	ASSERT_TRUE(expect_event(_metadata, self, &self->peer, kind, &ev));
	EXPECT_TRUE(expect_event_on(_metadata, &second, self->id, &self->peer,
				    kind, &ev));
	EXPECT_EQ(-EAGAIN, tlsh_nl_read_event(&second, &ev));
	/* READY's subscribers hear nothing of it. */
	EXPECT_EQ(-EAGAIN, tlsh_nl_read_event(&none, &ev));
	tlsh_nl_close(&none);
	tlsh_nl_close(&second);
}

/* An IPv6 connection's event names its peer as [ADDR]:PORT. */
TEST_F(records, ipv6_peer_in_the_event)
{
	struct sockaddr_in6 a6;
	struct tlsh_nl_event ev;
	struct peer p6;
	int l6, c, s;
	uint32_t id;

	ATTACH_LISTENER6(l6, &self->nl, &a6, &id);
	c = client_connect_sa((struct sockaddr *)&a6, sizeof(a6));
	ASSERT_LE(0, c);
	peer_init(&p6, c, variant->version);
	s = accept(l6, NULL, NULL);
	ASSERT_LE(0, s) TH_LOG("accept: %s", strerror(errno));
	set_timeouts(s, IO_TIMEOUT_S);

	peer_add_alert(&p6, A_FATAL, 40);
	ASSERT_EQ(0, peer_flush(&p6));
	expect_reset(_metadata, s, false);
	ASSERT_TRUE(expect_event_on(_metadata, &self->events, id, &p6,
				    TLSH_EVENT_ALERT, &ev));
	EXPECT_EQ(0, strncmp(ev.peer, "[::1]:", 6)) TH_LOG("%s", ev.peer);
	EXPECT_EQ(40, ev.alert_desc);
	close(s);
	close(c);
	close(l6);
}

/* ---- the application closing ---- */

TEST_F(records, close_sends_close_notify_before_fin)
{
	uint8_t out[RC_MAX_PLAIN + 256], type;

	ASSERT_EQ(3, send(self->s, "bye", 3, 0));
	close(self->s);
	self->s = -1;
	EXPECT_TRUE(peer_expect_data(_metadata, &self->peer, "bye"));
	EXPECT_TRUE(peer_expect_alert(_metadata, &self->peer, A_WARNING, 0));
	EXPECT_EQ(PEER_EOF, peer_read(&self->peer, &type, out));
}

TEST_F(records, close_after_peer_close_notify_answers_it)
{
	uint8_t out[RC_MAX_PLAIN + 256], type;
	char buf[8];

	peer_add_alert(&self->peer, A_WARNING, 0);
	ASSERT_EQ(0, peer_flush(&self->peer));
	EXPECT_EQ(0, read(self->s, buf, sizeof(buf)));
	close(self->s);
	self->s = -1;
	EXPECT_TRUE(peer_expect_alert(_metadata, &self->peer, A_WARNING, 0));
	EXPECT_EQ(PEER_EOF, peer_read(&self->peer, &type, out));
}

TEST_F(records, shutdown_wr_sends_close_notify_and_reading_goes_on)
{
	uint8_t out[RC_MAX_PLAIN + 256], type;

	ASSERT_EQ(0, shutdown(self->s, SHUT_WR));
	EXPECT_TRUE(peer_expect_alert(_metadata, &self->peer, A_WARNING, 0));
	EXPECT_EQ(PEER_EOF, peer_read(&self->peer, &type, out));

	data_and_close_notify(_metadata, self, "more");
	/* Only one close_notify, even at close. */
	close(self->s);
	self->s = -1;
	EXPECT_EQ(PEER_EOF, peer_read(&self->peer, &type, out));
}

TEST_F(records, close_notify_parameter_off_closes_with_fin_only)
{
	uint8_t out[RC_MAX_PLAIN + 256], type;
	struct peer p2;
	int s2;

	ASSERT_EQ(0, kmod_param_write("close_notify", "0"));
	s2 = handed_off(_metadata, self->lfd, &self->addr, variant->version,
			&p2);
	ASSERT_EQ(0, kmod_param_write("close_notify", "1"));
	ASSERT_LE(0, s2);
	ASSERT_EQ(3, send(s2, "bye", 3, 0));
	close(s2);
	EXPECT_TRUE(peer_expect_data(_metadata, &p2, "bye"));
	EXPECT_EQ(PEER_EOF, peer_read(&p2, &type, out));
	close(p2.fd);
}

/* A listener's close_notify from ATTACH, and GET's report of it. */
static int attach_with_close_notify(struct __test_metadata *_metadata,
				    FIXTURE_DATA(records) *self,
				    int close_notify, struct sockaddr_in *addr,
				    uint32_t *id)
{
	struct tlsh_attach_opts o = { .close_notify = close_notify };
	int lfd = make_listener(addr, 16);

	EXPECT_LE(0, lfd);
	if (lfd < 0)
		return -1;
	EXPECT_EQ(0, tlsh_nl_attach_opts(&self->nl, lfd, &o, id))
		TH_LOG("%s", self->nl.errmsg);
	return lfd;
}

/* GET's close_notify for listener id; -2 if it is not there. */
static int reported_close_notify(uint32_t id)
{
	struct tlsh_status st;
	char msg[256];
	unsigned int i;

	if (tlsh_nl_get_status(&st, msg, sizeof(msg)))
		return -2;
	for (i = 0; i < st.n_listeners && i < TLSH_STATUS_MAX_LISTENERS; i++)
		if (st.listeners[i].id == id)
			return st.listeners[i].close_notify;
	return -2;
}

/*
 * The application closes a connection of a listener attached with
 * close_notify set to want (the parameter being the opposite): the peer
 * gets "bye", then close_notify if want, then EOF.
 */
static void close_on_listener(struct __test_metadata *_metadata,
			      FIXTURE_DATA(records) *self, uint16_t version,
			      int want)
{
	uint8_t out[RC_MAX_PLAIN + 256], type;
	struct sockaddr_in addr;
	struct peer p2;
	uint32_t id = 0;
	int lfd, s2;

	ASSERT_EQ(0, kmod_param_write("close_notify", want ? "0" : "1"));
	lfd = attach_with_close_notify(_metadata, self, want, &addr, &id);
	ASSERT_LE(0, lfd);
	EXPECT_EQ(want, reported_close_notify(id));
	/* The fixture's listener follows the parameter. */
	EXPECT_EQ(!want, reported_close_notify(self->id));
	s2 = handed_off(_metadata, lfd, &addr, version, &p2);
	ASSERT_EQ(0, kmod_param_write("close_notify", "1"));
	ASSERT_LE(0, s2);
	ASSERT_EQ(3, send(s2, "bye", 3, 0));
	close(s2);
	EXPECT_TRUE(peer_expect_data(_metadata, &p2, "bye"));
	if (want)
		EXPECT_TRUE(peer_expect_alert(_metadata, &p2, A_WARNING, 0));
	EXPECT_EQ(PEER_EOF, peer_read(&p2, &type, out));
	close(p2.fd);
	close(lfd);
}

TEST_F(records, listener_without_close_notify_closes_with_fin_only)
{
	close_on_listener(_metadata, self, variant->version, 0);
}

TEST_F(records, listener_with_close_notify_sends_it_despite_parameter)
{
	close_on_listener(_metadata, self, variant->version, 1);
}

/* ---- module lifetime ---- */

TEST_F(records, unload_refused_while_app_socket_open)
{
	struct sockaddr_in addr;
	int l, c, s;
	char buf[8];

	/* The socket already has its ULP: tls_init is never reached. */
	EXPECT_EQ(-1, setsockopt(self->s, SOL_TCP, TCP_ULP, "tls", 3));
	EXPECT_EQ(EEXIST, errno);

	daemon_stop(&self->d);
	self->daemon_running = false;
	close(self->lfd);
	self->lfd = -1;
	EXPECT_EQ(-EAGAIN, kmod_unload());
	close(self->s);
	self->s = -1;
	ASSERT_EQ(0, kmod_unload_settled());

	/* Plain kTLS, module gone: nothing of it left in tls's tables. */
	l = make_listener(&addr, 16);
	ASSERT_LE(0, l);
	c = client_connect(&addr);
	ASSERT_LE(0, c);
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, install_keys(s, variant->version, true));
	ASSERT_EQ(0, install_keys(c, variant->version, false));
	ASSERT_EQ(2, send(c, "hi", 2, 0));
	ASSERT_EQ(2, recv(s, buf, sizeof(buf), 0));
	ASSERT_EQ(2, send(s, "ho", 2, 0));
	ASSERT_EQ(2, recv(c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "ho", 2));
	close(s);
	close(c);
	close(l);
}

TEST_HARNESS_MAIN
