// SPDX-License-Identifier: GPL-2.0
/*
 * The socket driver (io/driver.c) on a real TCP connection, the server engine
 * on one end and a client engine in a child process on the other: it reads
 * exactly to the end of the client's Finished record, however the bytes
 * arrive, so application data sent in the same write stays in the socket;
 * and timeout, EOF, the byte cap and engine failures each end it with their
 * own status (the failure's alert written to the peer).
 */
#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tls_testutil.h"
#include "kselftest_harness.h"
#include "io/driver.h"
#include "io/step.h"
#include "tls_pair.h"

static const char early[] = "application data in the Finished's segment";

static void tcp_pair(int *a, int *b)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&addr, &len))
		abort();
	*a = socket(AF_INET, SOCK_STREAM, 0);
	if (*a < 0 || connect(*a, (struct sockaddr *)&addr, sizeof(addr)))
		abort();
	*b = accept(l, NULL, NULL);
	if (*b < 0)
		abort();
	close(l);
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The client, in a child: handshake, then Finished and one application
 * record in a single write, one byte at a time before that when trickle.
 */
static void client(struct pair *p, int fd, bool trickle)
{
	uint8_t buf[TLSH_REC_HDR + TLSH_MAX_CIPHERTEXT];
	const uint8_t *out;
	size_t len, used;

	if (tlsh_conn_new(&p->c, &p->ccfg, false) || tlsh_conn_start(p->c))
		_exit(10);
	while (!tlsh_conn_done(p->c)) {
		size_t want;

		out = tlsh_conn_output(p->c, &len);
		for (size_t i = 0; i < len; i++)
			if (write_all(fd, out + i, trickle ? 1 : len - i))
				_exit(11);
			else if (!trickle)
				break;
		tlsh_conn_output_done(p->c, len);
		want = tlsh_conn_want(p->c);
		if (!want || recv(fd, buf, want, MSG_WAITALL) != (ssize_t)want ||
		    tlsh_conn_feed(p->c, buf, want, &used))
			_exit(12);
	}
	if (tlsh_conn_write_app(p->c, (const uint8_t *)early, sizeof(early)))
		_exit(13);
	out = tlsh_conn_output(p->c, &len);
	if (write_all(fd, out, len))
		_exit(14);
	/* Keep the connection until the parent is done. */
	if (read(fd, buf, 1) < 0)
		_exit(15);
	_exit(0);
}

static void exact(struct __test_metadata *_metadata, bool trickle)
{
	uint8_t rec[TLSH_REC_HDR + TLSH_MAX_CIPHERTEXT];
	struct tlsh_io r;
	const uint8_t *data;
	struct pair p;
	size_t len, body;
	uint8_t type;
	int a, b, status;
	pid_t pid;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	tcp_pair(&a, &b);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(b);
		client(&p, a, trickle);
	}
	close(a);
	ASSERT_EQ(TLSH_OK, tlsh_conn_new(&p.s, &p.scfg, true));
	ASSERT_EQ(TLSH_IO_OK, tlsh_drive_handshake(p.s, b,
			tlsh_now_ms() + 10000, 0, &r)) {
		TH_LOG("%s / %s", tlsh_io_status_str(r.status),
		       tlsh_err_str(tlsh_conn_error(p.s)));
	}
	ASSERT_TRUE(tlsh_conn_done(p.s));
	/* The application record is still in the socket, whole. */
	ASSERT_EQ(TLSH_REC_HDR, recv(b, rec, TLSH_REC_HDR, MSG_WAITALL));
	body = (size_t)rec[3] << 8 | rec[4];
	ASSERT_EQ((ssize_t)body, recv(b, rec + TLSH_REC_HDR, body, MSG_WAITALL));
	ASSERT_EQ(TLSH_OK, tlsh_conn_read_record(p.s, rec, TLSH_REC_HDR + body,
						 &type, &data, &len));
	ASSERT_EQ(sizeof(early), len);
	ASSERT_EQ(0, memcmp(early, data, len));
	close(b);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	pair_free(&p);
}

TEST(stops_exactly_after_finished)
{
	exact(_metadata, false);
}

TEST(stops_exactly_after_finished_when_bytes_trickle)
{
	exact(_metadata, true);
}

/* A server engine on b, the raw peer on a; returns the driver's status. */
static enum tlsh_io_status serve_raw(struct pair *p, int b, int64_t ms,
					size_t cap, struct tlsh_io *r)
{
	if (tlsh_conn_new(&p->s, &p->scfg, true))
		return TLSH_IO_ERROR;
	return tlsh_drive_handshake(p->s, b, tlsh_now_ms() + ms, cap, r);
}

TEST(silent_peer_times_out)
{
	struct tlsh_io r;
	struct pair p;
	int64_t t0;
	int a, b;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	tcp_pair(&a, &b);
	t0 = tlsh_now_ms();
	EXPECT_EQ(TLSH_IO_TIMEOUT, serve_raw(&p, b, 200, 0, &r));
	EXPECT_GE(tlsh_now_ms() - t0, 190);
	EXPECT_LT(tlsh_now_ms() - t0, 5000);
	/* No alert for a timeout (RFC 8446 calls for none): just the FIN. */
	close(b);
	EXPECT_EQ(0, recv(a, &t0, 1, 0));
	close(a);
	pair_free(&p);
}

TEST(peer_closes)
{
	struct tlsh_io r;
	struct pair p;
	int a, b;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	tcp_pair(&a, &b);
	ASSERT_EQ(3, write(a, "\x16\x03\x01", 3));
	close(a);
	EXPECT_EQ(TLSH_IO_EOF, serve_raw(&p, b, 5000, 0, &r));
	EXPECT_EQ(3, r.bytes_in);
	close(b);
	pair_free(&p);
}

TEST(byte_cap)
{
	static const uint8_t hdr[] = { 0x16, 0x03, 0x01, 0x10, 0x00 };
	uint8_t junk[4096] = { 0 }, reply[16];
	struct tlsh_io r;
	struct pair p;
	int a, b;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	tcp_pair(&a, &b);
	ASSERT_EQ(5, write(a, hdr, 5));
	ASSERT_EQ(sizeof(junk), write(a, junk, sizeof(junk)));
	EXPECT_EQ(TLSH_IO_TOO_BIG, serve_raw(&p, b, 5000, 1000, &r));
	EXPECT_LE(r.bytes_in, 1000);
	/* The peer is told: a plaintext handshake_failure. */
	EXPECT_EQ(TLSH_ERR_HANDSHAKE_FAILURE, tlsh_conn_error(p.s));
	shutdown(b, SHUT_WR);	/* no alert: EOF, not a hang */
	ASSERT_EQ(7, recv(a, reply, 7, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(reply, "\x15\x03\x03\x00\x02\x02\x28", 7));
	close(a);
	close(b);
	pair_free(&p);
}

TEST(garbage_gets_an_alert)
{
	struct tlsh_io r;
	uint8_t reply[16];
	struct pair p;
	int a, b;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	tcp_pair(&a, &b);
	ASSERT_EQ(18, write(a, "GET / HTTP/1.0\r\n\r\n", 18));
	EXPECT_EQ(TLSH_IO_ENGINE, serve_raw(&p, b, 5000, 0, &r));
	EXPECT_NE(TLSH_OK, tlsh_conn_error(p.s));
	close(b);
	/* A plaintext fatal alert: 21, 3.3, length 2, level 2. */
	ASSERT_EQ(7, recv(a, reply, sizeof(reply), MSG_WAITALL));
	EXPECT_EQ(0, memcmp(reply, "\x15\x03\x03\x00\x02\x02", 6));
	EXPECT_EQ(tlsh_err_alert(tlsh_conn_error(p.s)), reply[6]);
	close(a);
	pair_free(&p);
}

/*
 * The non-blocking step itself: with nothing to read it returns at once,
 * part of a record is taken and the step waits for the rest, and the
 * peer's close ends it.
 */
TEST(step_never_blocks)
{
	struct tlsh_io io = { 0 };
	struct pair p;
	int64_t t0;
	int a, b;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	tcp_pair(&a, &b);
	ASSERT_EQ(TLSH_OK, tlsh_conn_new(&p.s, &p.scfg, true));
	io.fd = b;
	t0 = tlsh_now_ms();
	EXPECT_EQ(TLSH_IO_WANT_READ, tlsh_io_step(p.s, &io));
	EXPECT_LT(tlsh_now_ms() - t0, 1000);
	EXPECT_EQ(0, io.bytes_in);
	ASSERT_EQ(3, write(a, "\x16\x03\x01", 3));
	usleep(100 * 1000);
	EXPECT_EQ(TLSH_IO_WANT_READ, tlsh_io_step(p.s, &io));
	EXPECT_EQ(3, io.bytes_in);
	close(a);
	usleep(100 * 1000);
	EXPECT_EQ(TLSH_IO_FAILED, tlsh_io_step(p.s, &io));
	EXPECT_EQ(TLSH_IO_EOF, io.status);
	close(b);
	pair_free(&p);
}

TEST_HARNESS_MAIN
