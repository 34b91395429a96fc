// SPDX-License-Identifier: GPL-2.0
/*
 * The relay's userspace fallback (no kTLS) on the engine's record layer,
 * TLS 1.3 and TLS 1.2: the server side of an in-memory handshake is handed
 * to tlsh_relay_run() in a child, between a local socketpair and a "net"
 * socketpair; the test plays the client with the other engine. Data both
 * ways, close_notify each way on EOF, and a damaged record answered with a
 * protected bad_record_mac alert; a KeyUpdate followed (TLS 1.3) and a
 * renegotiation refused with a warning (TLS 1.2), the connection going on;
 * a malformed KeyUpdate answered with its fatal alert.
 */
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tls_testutil.h"
#include "kselftest_harness.h"
#include "tls12_pair.h"
#include "io/relay.h"
#include "tls/conn.h"
#include "tls/keys.h"
#include "tls/msg.h"

static const uint16_t gcm12[] = {
	TLSH_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
};
static const uint16_t chacha12[] = {
	TLSH_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
};

struct rig {
	struct pair p;
	int net, local;		/* our ends */
	pid_t child;
};

static void timeouts(int fd)
{
	struct timeval tv = { .tv_sec = 10 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Handshake in memory, then the server's side goes to a relay child. */
static int rig_start(struct rig *r, const uint16_t *suite12)
{
	int net[2], loc[2];

	if (pair_init(&r->p, "ec"))
		return -1;
	if (suite12)
		pair12_client(&r->p, suite12, NULL);
	if (run(&r->p))
		return -2;
	if (tlsh_conn_version(r->p.s) != (suite12 ? TLSH_TLS12 : TLSH_TLS13))
		return -3;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, net) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, loc))
		return -4;
	r->child = fork();
	if (r->child < 0)
		return -5;
	if (r->child == 0) {
		struct tlsh_relay rl = {
			.net_fd = net[0], .local_in = loc[0],
			.local_out = loc[0], .conn = r->p.s,
		};
		struct tlsh_relay_result rr;
		int rc;

		close(net[1]);
		close(loc[1]);
		alarm(20);
		rc = tlsh_relay_run(&rl, &rr);
		_exit(rc ? 1 : rr.close_notify ? 0 : 2);
	}
	close(net[0]);
	close(loc[0]);
	r->net = net[1];
	r->local = loc[1];
	timeouts(r->net);
	timeouts(r->local);
	return 0;
}

static int rig_exit(struct rig *r)
{
	int ws;

	close(r->net);
	close(r->local);
	if (waitpid(r->child, &ws, 0) != r->child || !WIFEXITED(ws))
		return -1;
	pair_free(&r->p);
	return WEXITSTATUS(ws);
}

/* Send what the client engine queued. */
static int flush(struct rig *r)
{
	size_t len;
	const uint8_t *out = tlsh_conn_output(r->p.c, &len);

	if (len && write(r->net, out, len) != (ssize_t)len)
		return -1;
	tlsh_conn_output_done(r->p.c, len);
	return 0;
}

/* Read one record from the relay and open it with the client engine. */
static enum tlsh_err get_record(struct rig *r, uint8_t *rec, uint8_t *type,
				const uint8_t **data, size_t *dlen)
{
	size_t body;

	if (recv(r->net, rec, 5, MSG_WAITALL) != 5)
		return TLSH_ERR_STATE;
	body = (size_t)rec[3] << 8 | rec[4];
	if (recv(r->net, rec + 5, body, MSG_WAITALL) != (ssize_t)body)
		return TLSH_ERR_STATE;
	return tlsh_conn_read_record(r->p.c, rec, 5 + body, type, data, dlen);
}

static void data_and_close(struct __test_metadata *_metadata,
			   const uint16_t *suite12)
{
	static uint8_t up[40000], down[30000], got[40000];
	uint8_t rec[TLSH_REC_HDR + TLSH_MAX_CIPHERTEXT], type;
	const uint8_t *data;
	size_t dlen, have;
	struct rig r;

	for (size_t i = 0; i < sizeof(up); i++)
		up[i] = (uint8_t)(i * 13 + 1);
	for (size_t i = 0; i < sizeof(down); i++)
		down[i] = (uint8_t)(i * 7 + 3);
	ASSERT_EQ(0, rig_start(&r, suite12));
	/* Peer -> relay -> local. */
	ASSERT_EQ(TLSH_OK, tlsh_conn_write_app(r.p.c, up, sizeof(up)));
	ASSERT_EQ(0, flush(&r));
	ASSERT_EQ(sizeof(up), recv(r.local, got, sizeof(up), MSG_WAITALL));
	EXPECT_EQ(0, memcmp(got, up, sizeof(up)));
	/* Local -> relay -> peer, then local EOF: close_notify. */
	ASSERT_EQ(sizeof(down), write(r.local, down, sizeof(down)));
	shutdown(r.local, SHUT_WR);
	for (have = 0; have < sizeof(down); have += dlen) {
		ASSERT_EQ(TLSH_OK, get_record(&r, rec, &type, &data, &dlen));
		ASSERT_EQ(TLSH_CT_APPLICATION_DATA, type);
		ASSERT_LE(have + dlen, sizeof(down));
		EXPECT_EQ(0, memcmp(data, down + have, dlen));
	}
	EXPECT_EQ(TLSH_ERR_PEER_CLOSED, get_record(&r, rec, &type, &data, &dlen));
	EXPECT_EQ(0, recv(r.net, rec, 1, 0));	/* and the write side shut */
	/* The peer's close_notify ends the local stream: EOF there. */
	ASSERT_EQ(TLSH_OK, tlsh_conn_close_notify(r.p.c));
	ASSERT_EQ(0, flush(&r));
	EXPECT_EQ(0, recv(r.local, got, 1, 0));
	EXPECT_EQ(0, rig_exit(&r));
}

TEST(tls13_data_and_close) { data_and_close(_metadata, NULL); }
TEST(tls12_gcm_data_and_close) { data_and_close(_metadata, gcm12); }
TEST(tls12_chacha_data_and_close) { data_and_close(_metadata, chacha12); }

static void bad_record(struct __test_metadata *_metadata,
		       const uint16_t *suite12)
{
	uint8_t rec[TLSH_REC_HDR + TLSH_MAX_CIPHERTEXT], type, *out;
	const uint8_t *data;
	size_t dlen, len;
	enum tlsh_err e;
	struct rig r;

	ASSERT_EQ(0, rig_start(&r, suite12));
	ASSERT_EQ(TLSH_OK, tlsh_conn_write_app(r.p.c, (const uint8_t *)"x", 1));
	out = (uint8_t *)tlsh_conn_output(r.p.c, &len);
	out[len - 1] ^= 1;	/* the tag */
	ASSERT_EQ(0, flush(&r));
	/* A protected fatal bad_record_mac comes back, then EOF. */
	e = get_record(&r, rec, &type, &data, &dlen);
	EXPECT_EQ(suite12 ? TLSH_CT_ALERT : TLSH_CT_APPLICATION_DATA, rec[0]);
	EXPECT_EQ(TLSH_CT_ALERT, type);
	EXPECT_EQ(TLSH_ECLASS_PEER, tlsh_err_class(e));
	EXPECT_EQ(TLSH_ALERT_BAD_RECORD_MAC, tlsh_err_alert(e));
	EXPECT_EQ(1, rig_exit(&r));
}

TEST(tls13_bad_record) { bad_record(_metadata, NULL); }
TEST(tls12_bad_record) { bad_record(_metadata, gcm12); }

/* Data up through the relay and back down, after whatever happened. */
static void round_trip(struct __test_metadata *_metadata, struct rig *r)
{
	uint8_t rec[TLSH_REC_HDR + TLSH_MAX_CIPHERTEXT], type, got[8];
	const uint8_t *data;
	size_t dlen;

	ASSERT_EQ(TLSH_OK, tlsh_conn_write_app(r->p.c, (const uint8_t *)"up", 2));
	ASSERT_EQ(0, flush(r));
	ASSERT_EQ(2, recv(r->local, got, 2, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(got, "up", 2));
	ASSERT_EQ(4, write(r->local, "down", 4));
	ASSERT_EQ(TLSH_OK, get_record(r, rec, &type, &data, &dlen));
	ASSERT_EQ(TLSH_CT_APPLICATION_DATA, type);
	ASSERT_EQ(4, dlen);
	EXPECT_EQ(0, memcmp(data, "down", 4));
}

/* Close from both sides; the relay exits 0 after the peer's close_notify. */
static void close_both(struct __test_metadata *_metadata, struct rig *r)
{
	uint8_t rec[TLSH_REC_HDR + TLSH_MAX_CIPHERTEXT], type;
	const uint8_t *data;
	size_t dlen;

	shutdown(r->local, SHUT_WR);
	EXPECT_EQ(TLSH_ERR_PEER_CLOSED, get_record(r, rec, &type, &data, &dlen));
	ASSERT_EQ(TLSH_OK, tlsh_conn_close_notify(r->p.c));
	ASSERT_EQ(0, flush(r));
	EXPECT_EQ(0, recv(r->local, rec, 1, 0));	/* EOF: close_notify taken */
	EXPECT_EQ(0, rig_exit(r));
}

/* A handshake record from the client under its current key. */
static int send_handshake(struct rig *r, const uint8_t *m, size_t len)
{
	if (tlsh_rec_seal(&r->p.c->tx, TLSH_CT_HANDSHAKE, m, len, 0,
			  &r->p.c->out))
		return -1;
	return flush(r);
}

/*
 * RFC 8446 4.6.3 on the userspace relay: KeyUpdate(update_requested)
 * gets the answer and new keys both ways, data goes on; request_update 7
 * gets a fatal illegal_parameter.
 */
static void key_update(struct __test_metadata *_metadata, uint8_t request)
{
	const uint8_t ku[] = { TLSH_HS_KEY_UPDATE, 0, 0, 1, request };
	uint8_t rec[TLSH_REC_HDR + TLSH_MAX_CIPHERTEXT], type;
	const uint8_t *data;
	size_t dlen;
	struct rig r;

	ASSERT_EQ(0, rig_start(&r, NULL));
	round_trip(_metadata, &r);
	ASSERT_EQ(0, send_handshake(&r, ku, sizeof(ku)));
	if (request > 1) {
		EXPECT_EQ(tlsh_err_peer_alert(TLSH_ALERT_ILLEGAL_PARAMETER),
			  get_record(&r, rec, &type, &data, &dlen));
		EXPECT_EQ(1, rig_exit(&r));
		return;
	}
	tlsh_next_traffic_secret(r.p.c->suite->hash, r.p.c->c_ap);
	tlsh_set_tx(r.p.c, r.p.c->c_ap);
	/* The answer: update_not_requested, which the client follows. */
	ASSERT_EQ(TLSH_OK, get_record(&r, rec, &type, &data, &dlen));
	EXPECT_EQ(TLSH_CT_HANDSHAKE, type);
	round_trip(_metadata, &r);
	close_both(_metadata, &r);
}

TEST(tls13_key_update_followed) { key_update(_metadata, 1); }
TEST(tls13_bad_key_update_alert) { key_update(_metadata, 7); }

/* RFC 5246 7.2.2: a no_renegotiation warning, and the data goes on. */
TEST(tls12_renegotiation_refused)
{
	static const uint8_t ch[] = { TLSH_HS_CLIENT_HELLO, 0, 0, 2, 3, 3 };
	uint8_t rec[TLSH_REC_HDR + TLSH_MAX_CIPHERTEXT], type;
	const uint8_t *data;
	size_t dlen;
	struct rig r;

	ASSERT_EQ(0, rig_start(&r, gcm12));
	ASSERT_EQ(0, send_handshake(&r, ch, sizeof(ch)));
	ASSERT_EQ(TLSH_OK, get_record(&r, rec, &type, &data, &dlen));
	EXPECT_EQ(TLSH_CT_ALERT, type);
	/* Opened in place: a warning, no_renegotiation. */
	EXPECT_EQ(1, data[0]);
	EXPECT_EQ(TLSH_ALERT_NO_RENEGOTIATION, data[1]);
	round_trip(_metadata, &r);
	close_both(_metadata, &r);
}

TEST_HARNESS_MAIN
