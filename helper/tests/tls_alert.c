// SPDX-License-Identifier: GPL-2.0
/*
 * The alert API after (and before) the handshake, TLS 1.3 and TLS 1.2:
 * tlsh_conn_close_notify() and tlsh_conn_abort(), each delivered through
 * the peer's record layer; plaintext before keys, protected after.
 */
#include "tls_testutil.h"
#include "kselftest_harness.h"
#include "tls12_pair.h"

static const uint16_t ecdhe12[] = {
	TLSH_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
};
static const uint16_t chacha12[] = {
	TLSH_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
};

/* A handshaken pair: 1.3, or 1.2 with the suite given. */
static int setup(struct pair *p, const uint16_t *suite12)
{
	if (pair_init(p, "ec"))
		return -1;
	if (suite12)
		pair12_client(p, suite12, NULL);
	if (run(p))
		return -2;
	return tlsh_conn_version(p->c) == (suite12 ? TLSH_TLS12 : TLSH_TLS13) ?
	       0 : -3;
}

static size_t pending(struct tlsh_conn *c)
{
	size_t len;

	(void)tlsh_conn_output(c, &len);
	return len;
}

static void close_notify_case(struct __test_metadata *_metadata,
			      const uint16_t *suite12)
{
	uint8_t got[TLSH_MAX_CIPHERTEXT], type = 0, msg[] = "last words";
	struct pair p;
	size_t dlen = 0, len;
	const uint8_t *out;

	ASSERT_EQ(0, setup(&p, suite12));
	/* Data, then close_notify: both arrive, in order. */
	ASSERT_EQ(TLSH_OK, tlsh_conn_write_app(p.c, msg, sizeof(msg)));
	ASSERT_EQ(TLSH_OK, tlsh_conn_close_notify(p.c));
	ASSERT_EQ(TLSH_OK, deliver_record(p.c, p.s, &type, got, &dlen));
	EXPECT_EQ(TLSH_CT_APPLICATION_DATA, type);
	EXPECT_EQ(sizeof(msg), dlen);
	out = tlsh_conn_output(p.c, &len);
	ASSERT_GE(len, 5);
	/* Protected: 1.3 hides the type, 1.2 shows it (and not the bytes). */
	EXPECT_EQ(suite12 ? TLSH_CT_ALERT : TLSH_CT_APPLICATION_DATA, out[0]);
	EXPECT_GT(len, 7);
	EXPECT_EQ(TLSH_ERR_PEER_CLOSED,
		  deliver_record(p.c, p.s, &type, got, &dlen));
	EXPECT_EQ(TLSH_CT_ALERT, type);
	/* Nothing more may be written; a second close_notify is a no-op. */
	EXPECT_NE(TLSH_OK, tlsh_conn_write_app(p.c, msg, 1));
	EXPECT_EQ(TLSH_OK, tlsh_conn_close_notify(p.c));
	EXPECT_EQ(0, pending(p.c));
	/* The other direction still works, then closes too. */
	ASSERT_EQ(TLSH_OK, tlsh_conn_write_app(p.s, msg, 4));
	ASSERT_EQ(TLSH_OK, deliver_record(p.s, p.c, &type, got, &dlen));
	EXPECT_EQ(4, dlen);
	ASSERT_EQ(TLSH_OK, tlsh_conn_close_notify(p.s));
	EXPECT_EQ(TLSH_ERR_PEER_CLOSED,
		  deliver_record(p.s, p.c, &type, got, &dlen));
	pair_free(&p);
}

TEST(close_notify_tls13) { close_notify_case(_metadata, NULL); }
TEST(close_notify_tls12_gcm) { close_notify_case(_metadata, ecdhe12); }
TEST(close_notify_tls12_chacha) { close_notify_case(_metadata, chacha12); }

static void abort_case(struct __test_metadata *_metadata,
		       const uint16_t *suite12, bool server)
{
	uint8_t got[TLSH_MAX_CIPHERTEXT], type = 0, msg[4] = "abcd";
	struct pair p;
	struct tlsh_conn *me, *peer;
	struct tlsh_traffic_keys kp;
	size_t dlen = 0;
	enum tlsh_err e;

	ASSERT_EQ(0, setup(&p, suite12));
	me = server ? p.s : p.c;
	peer = server ? p.c : p.s;
	EXPECT_EQ(TLSH_ERR_UNEXPECTED_MESSAGE,
		  tlsh_conn_abort(me, TLSH_ERR_UNEXPECTED_MESSAGE));
	EXPECT_EQ(TLSH_ERR_UNEXPECTED_MESSAGE, tlsh_conn_error(me));
	/* Sticky, and only one alert. */
	EXPECT_EQ(TLSH_ERR_UNEXPECTED_MESSAGE,
		  tlsh_conn_abort(me, TLSH_ERR_DECODE));
	EXPECT_NE(TLSH_OK, tlsh_conn_close_notify(me));
	EXPECT_NE(TLSH_OK, tlsh_conn_write_app(me, msg, 4));
	EXPECT_NE(TLSH_OK, tlsh_conn_export_keys(me, &kp));
	e = deliver_record(me, peer, &type, got, &dlen);
	EXPECT_EQ(TLSH_ECLASS_PEER, tlsh_err_class(e));
	EXPECT_EQ(TLSH_ALERT_UNEXPECTED_MESSAGE, tlsh_err_alert(e));
	EXPECT_EQ(TLSH_CT_ALERT, type);
	EXPECT_EQ(0, pending(me));
	pair_free(&p);
}

TEST(abort_tls13_client) { abort_case(_metadata, NULL, false); }
TEST(abort_tls13_server) { abort_case(_metadata, NULL, true); }
TEST(abort_tls12_client) { abort_case(_metadata, ecdhe12, false); }
TEST(abort_tls12_server) { abort_case(_metadata, chacha12, true); }

/* Before any keys: a plaintext fatal alert, 21 3.3 0 2 2 desc. */
TEST(abort_before_keys)
{
	static const uint8_t want[] = { 21, 3, 3, 0, 2, 2, 40 };
	const uint8_t *out;
	struct pair p;
	size_t len, moved;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	ASSERT_EQ(0, pair_start(&p));
	EXPECT_EQ(TLSH_ERR_HANDSHAKE_FAILURE,
		  tlsh_conn_abort(p.s, TLSH_ERR_HANDSHAKE_FAILURE));
	out = tlsh_conn_output(p.s, &len);
	ASSERT_EQ(sizeof(want), len);
	EXPECT_EQ(0, memcmp(out, want, len));
	EXPECT_EQ(0, tlsh_conn_want(p.s));
	/* A client whose ClientHello is still unsent: the alert follows it. */
	ASSERT_EQ(TLSH_OK, tlsh_conn_start(p.c));
	moved = pending(p.c);
	EXPECT_EQ(TLSH_ERR_INTERNAL, tlsh_conn_abort(p.c, TLSH_OK));
	out = tlsh_conn_output(p.c, &len);
	ASSERT_EQ(moved + 7, len);
	EXPECT_EQ(0, memcmp(out + moved, want, 6));
	EXPECT_EQ(TLSH_ALERT_INTERNAL_ERROR, out[moved + 6]);
	pair_free(&p);
}

/* Mid-handshake under TLS 1.3 handshake keys: protected (outer type 23). */
TEST(abort_under_handshake_keys)
{
	struct pair p;
	size_t len, moved;
	const uint8_t *out;
	enum tlsh_err e;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	ASSERT_EQ(0, pair_start(&p));
	ASSERT_EQ(TLSH_OK, tlsh_conn_start(p.c));
	ASSERT_EQ(TLSH_OK, pump(p.c, p.s, &moved));
	/* The server sent its flight; it now reads under handshake keys. */
	tlsh_conn_output_done(p.s, pending(p.s));
	EXPECT_EQ(TLSH_ERR_INTERNAL, tlsh_conn_abort(p.s, TLSH_ERR_INTERNAL));
	out = tlsh_conn_output(p.s, &len);
	ASSERT_GT(len, 7);
	EXPECT_EQ(TLSH_CT_APPLICATION_DATA, out[0]);
	/* A peer-class error is not ours to send: internal_error instead. */
	pair_free(&p);
	ASSERT_EQ(0, pair_init(&p, "ec"));
	ASSERT_EQ(0, pair_start(&p));
	e = tlsh_conn_abort(p.s, tlsh_err_peer_alert(TLSH_ALERT_DECODE_ERROR));
	EXPECT_EQ(TLSH_ERR_INTERNAL, e);
	out = tlsh_conn_output(p.s, &len);
	ASSERT_EQ(7, len);
	EXPECT_EQ(TLSH_ALERT_INTERNAL_ERROR, out[6]);
	pair_free(&p);
}

/* After our close_notify an abort records the error but sends nothing. */
TEST(abort_after_close_notify)
{
	struct pair p;

	ASSERT_EQ(0, setup(&p, ecdhe12));
	ASSERT_EQ(TLSH_OK, tlsh_conn_close_notify(p.c));
	tlsh_conn_output_done(p.c, pending(p.c));
	EXPECT_EQ(TLSH_ERR_DECODE, tlsh_conn_abort(p.c, TLSH_ERR_DECODE));
	EXPECT_EQ(0, pending(p.c));
	EXPECT_EQ(TLSH_ERR_DECODE, tlsh_conn_error(p.c));
	pair_free(&p);
}

TEST_HARNESS_MAIN
