// SPDX-License-Identifier: GPL-2.0
/*
 * A handed-off socket under faults a peer or the application's own
 * threads can cause, in the test VM: a writer stuck on a peer that reads
 * nothing must never make shutdown() or a reader hang; concurrent readers
 * and a poller never see EIO; warning alerts are bounded; the traffic
 * keys cannot be read back.
 *
 * Regression tests for issue 12, items 2, 3 and 9: each failed (hung, or
 * saw EIO, or read the keys) on the module before the fix.
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/tls.h>

#include "kselftest_harness.h"
#include "tlsh_records.h"

/* How long a call that must not wait for the peer may take here (TCG). */
#define PROMPT_MS	5000

/* ---- a writer stuck on a peer that reads nothing ---- */

/* A thread's call on fd: how it ended, done once it has. */
struct call {
	pthread_t thread;
	int fd;
	int how;		/* shutdown_main: SHUT_* */
	ssize_t ret;
	int err;
	atomic_bool done;
	atomic_llong sent;	/* writer_main: bytes sent so far */
};

static void *writer_main(void *arg)
{
	struct call *w = arg;
	static char buf[16384];
	ssize_t n;

	for (;;) {
		n = send(w->fd, buf, sizeof(buf), MSG_NOSIGNAL);
		if (n <= 0)
			break;
		atomic_fetch_add(&w->sent, n);
	}
	w->err = n < 0 ? errno : 0;
	atomic_store(&w->done, true);
	return NULL;
}

/*
 * Start a writer on s and wait until it is stuck: the peer reads nothing,
 * so once the windows are full its send() sleeps inside tls, holding tls's
 * tx_lock. True when it is.
 */
static bool writer_stuck(struct call *w, int s)
{
	int sndbuf = 16384, i;
	long long last = -1;

	memset(w, 0, sizeof(*w));
	w->fd = s;
	setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (pthread_create(&w->thread, NULL, writer_main, w))
		return false;
	for (i = 0; i < 600; i++) {
		long long now;

		sleep_ms(100);
		now = atomic_load(&w->sent);
		if (atomic_load(&w->done))
			return false;
		if (now == last && now > 0)
			return true;
		last = now;
	}
	return false;
}

/* Wait up to ms for flag. */
static bool wait_flag(atomic_bool *flag, int ms)
{
	int i;

	for (i = 0; i < ms / 20; i++) {
		if (atomic_load(flag))
			return true;
		sleep_ms(20);
	}
	return atomic_load(flag);
}

static void *shutdown_main(void *arg)
{
	struct call *c = arg;

	c->ret = shutdown(c->fd, c->how);
	c->err = c->ret ? errno : 0;
	atomic_store(&c->done, true);
	return NULL;
}

static void *recv_main(void *arg)
{
	struct call *c = arg;
	char buf[64];

	c->ret = recv(c->fd, buf, sizeof(buf), 0);
	c->err = c->ret < 0 ? errno : 0;
	atomic_store(&c->done, true);
	return NULL;
}

/*
 * If something hung, unstick it the only way there is: the peer goes away
 * (an RST: it has unread data), which fails the stuck writer.
 */
static void unstick(FIXTURE_DATA(records) *self)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (self->peer.fd < 0)
		return;
	setsockopt(self->peer.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(self->peer.fd);
	self->peer.fd = -1;
}

TEST_F(records, shutdown_frees_a_writer_stuck_on_the_peer)
{
	struct call sd = { .fd = self->s, .how = SHUT_RDWR };
	struct call w;
	bool prompt;

	ASSERT_TRUE(writer_stuck(&w, self->s));
	ASSERT_EQ(0, pthread_create(&sd.thread, NULL, shutdown_main, &sd));
	prompt = wait_flag(&sd.done, PROMPT_MS);
	EXPECT_TRUE(prompt) TH_LOG("shutdown() waits for the stuck writer");
	if (prompt) {
		EXPECT_EQ(0, sd.ret);
		EXPECT_TRUE(wait_flag(&w.done, PROMPT_MS))
			TH_LOG("the writer is still stuck after shutdown()");
		EXPECT_EQ(EPIPE, w.err);
	}
	if (!prompt || !atomic_load(&w.done))
		unstick(self);
	pthread_join(sd.thread, NULL);
	pthread_join(w.thread, NULL);
}

TEST_F(records, key_update_read_while_a_writer_is_stuck)
{
	struct call rd = { .fd = self->s };
	struct tlsh_nl_event ev;
	struct call w;
	uint32_t kind;
	bool prompt;

	ASSERT_TRUE(writer_stuck(&w, self->s));
	ASSERT_EQ(0, pthread_create(&rd.thread, NULL, recv_main, &rd));
	kind = add_key_update_or_renegotiation(&self->peer);
	ASSERT_EQ(0, peer_flush(&self->peer));

	/* The reader ends the connection without waiting for the writer. */
	prompt = wait_flag(&rd.done, PROMPT_MS);
	EXPECT_TRUE(prompt) TH_LOG("the reader waits for the stuck writer");
	if (prompt) {
		EXPECT_EQ(-1, rd.ret);
		EXPECT_EQ(ECONNRESET, rd.err);
		EXPECT_TRUE(wait_flag(&w.done, PROMPT_MS))
			TH_LOG("the writer is still stuck");
		EXPECT_TRUE(w.err == EPIPE || w.err == ECONNRESET)
			TH_LOG("writer: %s", strerror(w.err));
	}
	if (!prompt || !atomic_load(&w.done))
		unstick(self);
	pthread_join(rd.thread, NULL);
	pthread_join(w.thread, NULL);
	EXPECT_EQ(1U, counter(TLSH_COUNTER_POSTHS));
	EXPECT_TRUE(expect_event(_metadata, self, &self->peer, kind, &ev));
}

/* ---- concurrent readers and a poller ---- */

#define ROUNDS	150

struct sharer {
	pthread_t thread;
	int fd;
	atomic_int *total;
	atomic_int *eio;
	atomic_bool *stop;
};

static void *sharer_read_main(void *arg)
{
	struct sharer *r = arg;
	char c;
	ssize_t n;

	while (!atomic_load(r->stop)) {
		n = recv(r->fd, &c, 1, 0);
		if (n == 1)
			atomic_fetch_add(r->total, 1);
		else if (n < 0 && errno == EIO)
			atomic_fetch_add(r->eio, 1);
		else if (n <= 0 && errno != EAGAIN)
			break;
	}
	return NULL;
}

static void *sharer_poll_main(void *arg)
{
	struct sharer *r = arg;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	int ep = epoll_create1(0);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, r->fd, &ev))
		return NULL;
	while (!atomic_load(r->stop)) {
		if (epoll_wait(ep, &ev, 1, 10) == 1 && (ev.events & EPOLLRDHUP))
			break;
	}
	close(ep);
	return NULL;
}

/*
 * Two readers and an EPOLLRDHUP poller share the socket while the peer
 * sends, again and again, a skippable warning alert and then one byte of
 * data: whoever deals with the alert, nobody may get EIO.
 */
TEST_F(records, readers_and_a_poller_never_see_eio)
{
	atomic_int total = 0, eio = 0;
	atomic_bool stop = false;
	struct sharer r[3];
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	int i;

	setsockopt(self->s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (i = 0; i < 3; i++) {
		r[i] = (struct sharer){ .fd = self->s, .total = &total,
					.eio = &eio, .stop = &stop };
		ASSERT_EQ(0, pthread_create(&r[i].thread, NULL,
					    i < 2 ? sharer_read_main :
						    sharer_poll_main, &r[i]));
	}
	for (i = 0; i < ROUNDS; i++) {
		peer_add_alert(&self->peer, A_WARNING,
			       variant->version == TLSH_TLS12 ? 100 : 90);
		ASSERT_EQ(0, peer_flush(&self->peer));
		peer_add(&self->peer, RC_TYPE_APPDATA, "x", 1);
		ASSERT_EQ(0, peer_flush(&self->peer));
		if (i % 8 == 0)
			sleep_ms(2);
	}
	for (i = 0; i < 200 && atomic_load(&total) < ROUNDS; i++)
		sleep_ms(50);
	atomic_store(&stop, true);
	for (i = 0; i < 3; i++)
		pthread_join(r[i].thread, NULL);
	EXPECT_EQ(0, atomic_load(&eio));
	EXPECT_EQ(ROUNDS, atomic_load(&total));
	EXPECT_EQ(0U, counter(TLSH_COUNTER_ALERT));
}

/* ---- warning alerts in a row ---- */

static void add_warnings(struct peer *p, int n)
{
	while (n--)
		peer_add_alert(p, A_WARNING,
			       p->version == TLSH_TLS12 ? 100 : 90);
}

TEST_F(records, sixteen_warnings_in_a_row_are_skipped)
{
	char buf[8];

	add_warnings(&self->peer, 16);
	peer_add(&self->peer, RC_TYPE_APPDATA, "ping", 4);
	ASSERT_EQ(0, peer_flush(&self->peer));
	ASSERT_EQ(4, recv(self->s, buf, 4, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(buf, "ping", 4));
	/* Data in between starts the count again. */
	add_warnings(&self->peer, 16);
	peer_add(&self->peer, RC_TYPE_APPDATA, "pong", 4);
	ASSERT_EQ(0, peer_flush(&self->peer));
	ASSERT_EQ(4, recv(self->s, buf, 4, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(buf, "pong", 4));
	EXPECT_EQ(0U, counter(TLSH_COUNTER_ALERT));
}

TEST_F(records, seventeen_warnings_in_a_row_end_the_connection)
{
	uint8_t out[RC_MAX_PLAIN + 256], type;
	struct tlsh_nl_event ev;

	add_warnings(&self->peer, 17);
	peer_add(&self->peer, RC_TYPE_APPDATA, "ping", 4);
	ASSERT_EQ(0, peer_flush(&self->peer));
	expect_reset(_metadata, self->s, false);
	EXPECT_EQ(1U, counter(TLSH_COUNTER_ALERT));
	ASSERT_TRUE(expect_event(_metadata, self, &self->peer,
				 TLSH_EVENT_BAD_ALERT, &ev));
	EXPECT_TRUE(peer_expect_alert(_metadata, &self->peer, A_FATAL, 10));
	EXPECT_EQ(PEER_EOF, peer_read(&self->peer, &type, out));
}

/* ---- the keys stay in the kernel ---- */

TEST_F(records, traffic_keys_cannot_be_read_back)
{
	struct tls12_crypto_info_aes_gcm_128 full;
	struct tls_crypto_info info;
	socklen_t len;

	len = sizeof(full);
	memset(&full, 0, sizeof(full));
	EXPECT_EQ(-1, getsockopt(self->s, SOL_TLS, TLS_TX, &full, &len));
	EXPECT_EQ(EPERM, errno);
	len = sizeof(full);
	EXPECT_EQ(-1, getsockopt(self->s, SOL_TLS, TLS_RX, &full, &len));
	EXPECT_EQ(EPERM, errno);
	/* What a tool may want to know: version and cipher. */
	len = sizeof(info);
	ASSERT_EQ(0, getsockopt(self->s, SOL_TLS, TLS_TX, &info, &len));
	EXPECT_EQ(variant->version, info.version);
	EXPECT_EQ(TLS_CIPHER_AES_GCM_128, info.cipher_type);
}

TEST_HARNESS_MAIN
