// SPDX-License-Identifier: GPL-2.0
/*
 * What a strict conformance suite checks (issue 19): hostile or unusual
 * input answered exactly as RFC 8446, RFC 5246 and RFC 7507 require. Each
 * test asserts the exact alert (and that it reaches the peer) or the exact
 * acceptance:
 *  1. ClientHellos as long as their vectors allow are accepted by default;
 *     a header announcing more is decode_error at once.
 *  2. A Finished whose header announces anything but Hash.length:
 *     decode_error from the header.
 *  3. KeyUpdate on the userspace record layer is followed (4.6.3); bad
 *     request_update: illegal_parameter, bad length: decode_error.
 *  4. TLS_FALLBACK_SCSV below our best version: inappropriate_fallback.
 *  5. TLS 1.2: renegotiation answered with a no_renegotiation warning,
 *     warning alerts tolerated up to a bound, then a fatal alert.
 *  6. legacy_version 0x0300 or below: protocol_version.
 *  7. An empty alert record: unexpected_message.
 *  8. Early data the server does not accept is skipped (4.2.10), bounded.
 *  9. TLSInnerPlaintext over 2^14 + 1 bytes: record_overflow.
 * 10. TLS 1.2 {sha384,ecdsa} / {sha512,ecdsa} with a P-256 key: signed.
 */
#include <string.h>

#include <nettle/gcm.h>

#include "tls_testutil.h"
#include "kselftest_harness.h"
#include "tls12_pair.h"
#include "tls/conn.h"
#include "tls/msg.h"
#include "tls/sig.h"

static size_t get16(const uint8_t *p)
{
	return (size_t)p[0] << 8 | p[1];
}

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put24(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 16);
	put16(p + 1, v);
}

/* Feed bytes to a connection as a peer would; its error. */
static enum tlsh_err feed(struct tlsh_conn *c, const uint8_t *buf, size_t len)
{
	size_t off = 0, used;
	enum tlsh_err err = TLSH_OK;

	while (off < len && !err && tlsh_conn_want(c)) {
		err = tlsh_conn_feed(c, buf + off, len - off, &used);
		off += used;
	}
	return err;
}

/* Wrap a handshake message into plaintext records of at most 2^14. */
static enum tlsh_err feed_message(struct tlsh_conn *c, const uint8_t *m,
				  size_t len)
{
	static uint8_t rec[5 + 16384];
	enum tlsh_err err = TLSH_OK;

	for (size_t off = 0; off < len && !err;) {
		size_t n = len - off < 16384 ? len - off : 16384;

		rec[0] = TLSH_CT_HANDSHAKE;
		rec[1] = 3;
		rec[2] = 1;
		put16(rec + 3, n);
		memcpy(rec + 5, m + off, n);
		err = feed(c, rec, 5 + n);
		off += n;
	}
	return err;
}

/* The alert a connection's output holds, opened with a copy of rx. */
static int queued_alert(struct tlsh_conn *from, const struct tlsh_conn *to,
			uint8_t *level, uint8_t *desc)
{
	struct tlsh_rec_dir d = to->rx;
	uint8_t rec[256], type;
	size_t len, n;
	const uint8_t *out = tlsh_conn_output(from, &len);

	if (len < 5 || len > sizeof(rec))
		return -1;
	n = get16(out + 3);
	if (5 + n > len)
		return -1;
	memcpy(rec, out, 5 + n);
	if (tlsh_rec_open(&d, rec, rec + 5, n, &type, &n) ||
	    type != TLSH_CT_ALERT || n != 2)
		return -2;
	*level = rec[5];
	*desc = rec[6];
	return 0;
}

/*
 * The next record from `from` makes `to` fail with want, and `to` queued
 * the fatal alert for it, protected.
 */
static int fails_with_alert(struct tlsh_conn *from, struct tlsh_conn *to,
			    enum tlsh_err want)
{
	uint8_t type, data[64], level = 0, desc = 0;
	size_t len;

	if (deliver_record(from, to, &type, data, &len) != want ||
	    tlsh_conn_error(to) != want)
		return -1;
	if (queued_alert(to, from, &level, &desc))
		return -2;
	return level == 2 && desc == tlsh_err_alert(want) ? 0 : -3;
}

/* ---- 1, 2: message lengths decided from the header ---- */

/* The client's first flight, for the server to see first. */
static int client_hello(struct pair *p, uint8_t *ch, size_t *len)
{
	const uint8_t *out;
	size_t n;

	if (pair_init(p, "ec") || pair_start(p) || tlsh_conn_start(p->c))
		return -1;
	out = tlsh_conn_output(p->c, &n);
	if (n < 9 || out[0] != TLSH_CT_HANDSHAKE || 5 + get16(out + 3) != n)
		return -2;
	*len = n - 5;
	memcpy(ch, out + 5, *len);
	tlsh_conn_output_done(p->c, n);
	return 0;
}

/*
 * The client's hello made as long as its vectors allow: (unknown) cipher
 * suites filling that vector to 2^16 - 2 bytes and a padding extension
 * filling the extension block to 2^16 - 1: over 128 KiB.
 */
static size_t maximal_hello(const uint8_t *ch, uint8_t *out)
{
	size_t i = 4 + 2 + 32, o, suites, exts, pad, more;

	i += 1 + ch[i];				/* session id */
	memcpy(out, ch, i);
	o = i;
	suites = get16(ch + i);
	more = (65534 - suites) / 2;		/* the vector's maximum */
	put16(out + o, suites + 2 * more);
	o += 2;
	for (unsigned int k = 0; k < more; k++) {
		uint16_t v = (uint16_t)(0x8000 + k);

		if (tlsh_suite_by_id(v))
			v = 0x7f00;		/* never a suite */
		put16(out + o, v);
		o += 2;
	}
	memcpy(out + o, ch + i + 2, suites);
	o += suites;
	i += 2 + suites;
	memcpy(out + o, ch + i, 1 + ch[i]);	/* compression */
	o += 1 + ch[i];
	i += 1 + ch[i];
	exts = get16(ch + i);
	put16(out + o, 0xffff);
	memcpy(out + o + 2, ch + i + 2, exts);
	o += 2 + exts;
	pad = 0xffff - exts - 4;
	put16(out + o, 21);			/* padding */
	put16(out + o + 2, pad);
	memset(out + o + 4, 0, pad);
	o += 4 + pad;
	put24(out + 1, o - 4);
	return o;
}

TEST(large_client_hello_accepted)
{
	static uint8_t ch[16384], big[4 + TLSH_MAX_CH_BODY];
	struct pair p;
	const uint8_t *out;
	size_t len, n;

	ASSERT_EQ(0, client_hello(&p, ch, &len));
	n = maximal_hello(ch, big);
	ASSERT_LT(128 * 1024, n);
	ASSERT_GE(4 + TLSH_MAX_CH_BODY, n);
	/* Default limits: the server answers with its ServerHello. */
	ASSERT_EQ(TLSH_OK, feed_message(p.s, big, n));
	out = tlsh_conn_output(p.s, &len);
	ASSERT_LT(9, len);
	EXPECT_EQ(TLSH_CT_HANDSHAKE, out[0]);
	EXPECT_EQ(TLSH_HS_SERVER_HELLO, out[5]);
	EXPECT_EQ(TLSH_OK, tlsh_conn_error(p.s));
	pair_free(&p);
}

/* A header announcing more than a ClientHello can hold: decode_error. */
TEST(client_hello_never_legal_from_header)
{
	static const size_t lens[] = { TLSH_MAX_CH_BODY + 1, 2u << 20,
				       0xffffff };
	uint8_t rec[9] = { TLSH_CT_HANDSHAKE, 3, 1, 0, 4, 1 };
	const uint8_t *out;
	struct pair p;
	size_t len;

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		ASSERT_EQ(0, pair_init(&p, "ec"));
		ASSERT_EQ(0, pair_start(&p));
		put24(rec + 6, lens[i]);
		/* The header alone decides, nothing more is read. */
		EXPECT_EQ(TLSH_ERR_DECODE, feed(p.s, rec, sizeof(rec)));
		EXPECT_EQ(0, tlsh_conn_want(p.s));
		out = tlsh_conn_output(p.s, &len);
		ASSERT_EQ(7, len);
		EXPECT_EQ(TLSH_ALERT_DECODE_ERROR, out[6]);
		pair_free(&p);
	}
}

static size_t fin_len;

static void finished_len(const struct tlsh_conn *c, struct tlsh_wbuf *w,
			 size_t mark)
{
	if (w->buf[mark] == TLSH_HS_FINISHED)
		put24(w->buf + mark + 1, fin_len);
}

/* A Finished announcing 128 KiB .. 16 MiB: decode_error from its header. */
TEST(finished_length_from_header)
{
	static const size_t lens[] = { 128 * 1024, 1u << 20, 0xffffff, 31, 33 };
	struct tlsh_test_hooks h = { .mutate = finished_len };
	struct pair p;

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		fin_len = lens[i];
		ASSERT_EQ(0, pair_init(&p, "ec"));
		p.ccfg.suites = (const uint16_t[]){ TLSH_TLS_AES_128_GCM_SHA256 };
		p.ccfg.n_suites = 1;
		EXPECT_NE(0, run_hooked(_metadata, &p, &h));
		EXPECT_EQ(TLSH_ERR_DECODE, tlsh_conn_error(p.s)) {
			TH_LOG("length %zu: %s", lens[i],
			       tlsh_conn_error_reason(p.s));
		}
		EXPECT_NE(NULL, strstr(tlsh_conn_error_reason(p.s), "Finished"));
		pair_free(&p);
	}
}

/* ---- 3: KeyUpdate on the userspace record layer ---- */

struct secrets {
	uint8_t c_ap[48], s_ap[48], c_hs[48];
};

static void keylog_cb(void *ctx, const char *label, const uint8_t *cr,
		      const uint8_t *secret, size_t len)
{
	struct secrets *s = ctx;

	(void)cr;
	if (!strcmp(label, "CLIENT_TRAFFIC_SECRET_0"))
		memcpy(s->c_ap, secret, len);
	else if (!strcmp(label, "SERVER_TRAFFIC_SECRET_0"))
		memcpy(s->s_ap, secret, len);
	else if (!strcmp(label, "CLIENT_HANDSHAKE_TRAFFIC_SECRET"))
		memcpy(s->c_hs, secret, len);
}

static int done13(struct pair *p, struct secrets *sec)
{
	if (pair_init(p, "ec"))
		return -1;
	p->ccfg.keylog = keylog_cb;
	p->ccfg.keylog_ctx = sec;
	return run(p);
}

/* One record of from's output opened by to: its error, data copied. */
#define deliver deliver_record

/* A record from a finished connection under its current write key. */
static enum tlsh_err seal(struct tlsh_conn *from, uint8_t type,
			  const uint8_t *m, size_t len)
{
	return tlsh_rec_seal(&from->tx, type, m, len, 0, &from->out);
}

/*
 * A finished TLS 1.3 pair whose client sends KeyUpdate(request) and moves
 * its own write key on (secrets from the key log, independent of the
 * engine); the server must take it.
 */
static int client_key_update(struct pair *p, struct secrets *sec,
			     uint8_t request)
{
	const uint8_t ku[] = { TLSH_HS_KEY_UPDATE, 0, 0, 1, request };
	uint8_t type, data[64];
	size_t len;

	if (done13(p, sec) || seal(p->c, TLSH_CT_HANDSHAKE, ku, sizeof(ku)))
		return -1;
	if (deliver(p->c, p->s, &type, data, &len) ||
	    type != TLSH_CT_HANDSHAKE || len)
		return -2;
	tlsh_next_traffic_secret(p->c->suite->hash, sec->c_ap);
	tlsh_rec_set_secret(&p->c->tx, p->c->suite, sec->c_ap);
	return 0;
}

TEST(key_update_followed)
{
	struct secrets sec = { 0 };
	uint8_t type, data[256];
	size_t len;
	struct pair p;

	ASSERT_EQ(0, client_key_update(&p, &sec, 1)) {
		TH_LOG("%s", tlsh_conn_error_reason(p.s) ?: "-");
	}
	/* The server answered update_not_requested under its old key... */
	(void)tlsh_conn_output(p.s, &len);
	ASSERT_NE(0, len);
	ASSERT_EQ(TLSH_OK, deliver(p.s, p.c, &type, data, &len));
	EXPECT_EQ(TLSH_CT_HANDSHAKE, type);
	(void)tlsh_conn_output(p.s, &len);
	EXPECT_EQ(0, len);
	/* ...and both directions run on the next generation. */
	ASSERT_EQ(TLSH_OK, tlsh_conn_write_app(p.c, (const uint8_t *)"up", 2));
	ASSERT_EQ(TLSH_OK, deliver(p.c, p.s, &type, data, &len));
	EXPECT_EQ(TLSH_CT_APPLICATION_DATA, type);
	ASSERT_EQ(2, len);
	EXPECT_EQ(0, memcmp(data, "up", 2));
	ASSERT_EQ(TLSH_OK, tlsh_conn_write_app(p.s, (const uint8_t *)"down", 4));
	ASSERT_EQ(TLSH_OK, deliver(p.s, p.c, &type, data, &len));
	ASSERT_EQ(4, len);
	EXPECT_EQ(0, memcmp(data, "down", 4));
	/* Independently derived: the server's new key is generation 1. */
	{
		struct tlsh_rec_dir d;
		uint8_t rec[64];
		const uint8_t *out;
		size_t n, dl;

		tlsh_next_traffic_secret(p.c->suite->hash, sec.s_ap);
		tlsh_rec_set_secret(&d, p.c->suite, sec.s_ap);
		d.seq = 1;	/* the one record above */
		ASSERT_EQ(TLSH_OK, tlsh_conn_write_app(p.s,
						       (const uint8_t *)"x", 1));
		out = tlsh_conn_output(p.s, &n);
		ASSERT_GE(sizeof(rec), n);
		memcpy(rec, out, n);
		ASSERT_EQ(TLSH_OK, tlsh_rec_open(&d, rec, rec + 5, n - 5,
						 &type, &dl));
		EXPECT_EQ(1, dl);
	}
	pair_free(&p);
}

/* update_not_requested: only the reader's key moves, nothing is sent. */
TEST(key_update_not_requested)
{
	struct secrets sec = { 0 };
	uint8_t type, data[64];
	size_t len;
	struct pair p;

	ASSERT_EQ(0, client_key_update(&p, &sec, 0));
	(void)tlsh_conn_output(p.s, &len);
	EXPECT_EQ(0, len);
	ASSERT_EQ(TLSH_OK, tlsh_conn_write_app(p.c, (const uint8_t *)"a", 1));
	ASSERT_EQ(TLSH_OK, deliver(p.c, p.s, &type, data, &len));
	EXPECT_EQ(1, len);
	/* The server still writes with generation 0. */
	ASSERT_EQ(TLSH_OK, tlsh_conn_write_app(p.s, (const uint8_t *)"b", 1));
	ASSERT_EQ(TLSH_OK, deliver(p.s, p.c, &type, data, &len));
	EXPECT_EQ(1, len);
	pair_free(&p);
}

static void bad_key_update(struct __test_metadata *_metadata,
			   const uint8_t *ku, size_t ku_len, enum tlsh_err want)
{
	struct secrets sec = { 0 };
	uint8_t type, data[64];
	size_t len;
	struct pair p;

	ASSERT_EQ(0, done13(&p, &sec));
	ASSERT_EQ(0, seal(p.c, TLSH_CT_HANDSHAKE, ku, ku_len));
	/* The alert is queued, protected, and the client sees it. */
	EXPECT_EQ(0, fails_with_alert(p.c, p.s, want));
	EXPECT_EQ(tlsh_err_peer_alert(tlsh_err_alert(want)),
		  deliver(p.s, p.c, &type, data, &len));
	EXPECT_EQ(TLSH_ERR_STATE,
		  tlsh_conn_write_app(p.s, (const uint8_t *)"x", 1));
	pair_free(&p);
}

TEST(key_update_bad_request)
{
	static const uint8_t ku[] = { TLSH_HS_KEY_UPDATE, 0, 0, 1, 2 };

	bad_key_update(_metadata, ku, sizeof(ku), TLSH_ERR_ILLEGAL_PARAMETER);
}

TEST(key_update_bad_length)
{
	static const uint8_t ku2[] = { TLSH_HS_KEY_UPDATE, 0, 0, 2, 0, 0 };
	static const uint8_t ku0[] = { TLSH_HS_KEY_UPDATE, 0, 0, 0 };

	bad_key_update(_metadata, ku2, sizeof(ku2), TLSH_ERR_DECODE);
	bad_key_update(_metadata, ku0, sizeof(ku0), TLSH_ERR_DECODE);
}

/* RFC 8446 5.1: a KeyUpdate must end its record. */
TEST(key_update_not_at_record_end)
{
	static const uint8_t ku[] = { TLSH_HS_KEY_UPDATE, 0, 0, 1, 0,
				      TLSH_HS_KEY_UPDATE, 0, 0 };

	bad_key_update(_metadata, ku, sizeof(ku),
		       TLSH_ERR_UNEXPECTED_MESSAGE);
}

/* ---- 4: TLS_FALLBACK_SCSV ---- */

static void add_scsv(const struct tlsh_conn *c, struct tlsh_wbuf *w,
		     size_t mark)
{
	uint8_t *m = w->buf + mark, tail[4096];
	size_t i = 4 + 2 + 32, n;

	i += 1 + m[i];
	n = w->len - mark - i;
	memcpy(tail, m + i, n);
	put16(m + i, get16(tail) + 2);
	put16(m + i + 2, 0x5600);
	memcpy(m + i + 4, tail + 2, n - 2);
	w->len += 2;
	put24(m + 1, w->len - mark - 4);
}

static void fallback(struct __test_metadata *_metadata, uint16_t smax,
		     enum tlsh_err want)
{
	struct tlsh_test_hooks h = { .mutate = add_scsv };
	struct pair p;
	size_t n;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.ccfg.max_version = TLSH_TLS12;
	p.scfg.max_version = smax;
	ASSERT_EQ(0, pair_start(&p));
	tlsh_conn_set_test_hooks(p.c, &h);
	ASSERT_EQ(0, tlsh_conn_start(p.c));
	EXPECT_EQ(want, pump(p.c, p.s, &n));
	if (want) {
		EXPECT_EQ(tlsh_err_peer_alert(tlsh_err_alert(want)),
			  pump(p.s, p.c, &n));
	} else {
		const uint8_t *out = tlsh_conn_output(p.s, &n);

		ASSERT_LT(9, n);
		EXPECT_EQ(TLSH_HS_SERVER_HELLO, out[5]);
	}
	pair_free(&p);
}

TEST(fallback_scsv_refused)
{
	fallback(_metadata, 0, TLSH_ERR_INAPPROPRIATE_FALLBACK);
}

/* A server whose best is TLS 1.2 is no fallback target. */
TEST(fallback_scsv_at_our_best)
{
	fallback(_metadata, TLSH_TLS12, TLSH_OK);
}

/* ---- 5: TLS 1.2 renegotiation and warnings ---- */

static int done12(struct pair *p)
{
	if (pair_init(p, "ec"))
		return -1;
	p->ccfg.max_version = TLSH_TLS12;
	return run(p);
}

/* Data still flows both ways after whatever happened. */
static int still_open(struct pair *p)
{
	uint8_t type, data[64];
	size_t len;

	if (tlsh_conn_write_app(p->c, (const uint8_t *)"ping", 4) ||
	    deliver(p->c, p->s, &type, data, &len) || len != 4 ||
	    memcmp(data, "ping", 4))
		return -1;
	if (tlsh_conn_write_app(p->s, (const uint8_t *)"pong", 4) ||
	    deliver(p->s, p->c, &type, data, &len) || len != 4 ||
	    memcmp(data, "pong", 4))
		return -2;
	return 0;
}

TEST(renegotiation_answered_no_renegotiation)
{
	static const uint8_t hello_request[] = { 0, 0, 0, 0 };
	uint8_t ch[300] = { 1, 0, 1, 0x28, 3, 3 }, type, data[64];
	uint8_t level = 0, desc = 0;
	size_t len;
	struct pair p;

	/* A renegotiating ClientHello: a warning is queued at once. */
	ASSERT_EQ(0, done12(&p));
	ASSERT_EQ(0, seal(p.c, TLSH_CT_HANDSHAKE, ch, sizeof(ch)));
	ASSERT_EQ(TLSH_OK, deliver(p.c, p.s, &type, data, &len)) {
		TH_LOG("%s", tlsh_conn_error_reason(p.s));
	}
	ASSERT_EQ(0, queued_alert(p.s, p.c, &level, &desc));
	EXPECT_EQ(1, level);
	EXPECT_EQ(TLSH_ALERT_NO_RENEGOTIATION, desc);
	pair_free(&p);

	/* The same, whole; the warning reaches the client, which goes on. */
	ASSERT_EQ(0, done12(&p));
	ASSERT_EQ(0, seal(p.c, TLSH_CT_HANDSHAKE, ch, sizeof(ch)));
	ASSERT_EQ(TLSH_OK, deliver(p.c, p.s, &type, data, &len));
	ASSERT_EQ(TLSH_OK, deliver(p.s, p.c, &type, data, &len));
	EXPECT_EQ(TLSH_CT_ALERT, type);
	EXPECT_EQ(0, len);
	EXPECT_EQ(0, still_open(&p));
	pair_free(&p);

	/* A HelloRequest to the client. */
	ASSERT_EQ(0, done12(&p));
	ASSERT_EQ(0, seal(p.s, TLSH_CT_HANDSHAKE, hello_request, sizeof(hello_request)));
	ASSERT_EQ(TLSH_OK, deliver(p.s, p.c, &type, data, &len));
	ASSERT_EQ(0, queued_alert(p.c, p.s, &level, &desc));
	EXPECT_EQ(1, level);
	EXPECT_EQ(TLSH_ALERT_NO_RENEGOTIATION, desc);
	ASSERT_EQ(TLSH_OK, deliver(p.c, p.s, &type, data, &len));
	EXPECT_EQ(0, still_open(&p));
	pair_free(&p);
}

/* The rest of a split renegotiation hello is skipped, not parsed. */
TEST(renegotiation_split_hello_skipped)
{
	uint8_t ch[4 + 0x128] = { 1, 0, 1, 0x28, 3, 3 }, type, data[64];
	size_t len;
	struct pair p;

	memset(ch + 6, 0x55, sizeof(ch) - 6);
	ASSERT_EQ(0, done12(&p));
	ASSERT_EQ(0, seal(p.c, TLSH_CT_HANDSHAKE, ch, 100));
	ASSERT_EQ(TLSH_OK, deliver(p.c, p.s, &type, data, &len));
	ASSERT_EQ(TLSH_OK, deliver(p.s, p.c, &type, data, &len));
	ASSERT_EQ(0, seal(p.c, TLSH_CT_HANDSHAKE, ch + 100, sizeof(ch) - 100));
	ASSERT_EQ(TLSH_OK, deliver(p.c, p.s, &type, data, &len));
	(void)tlsh_conn_output(p.s, &len);
	EXPECT_EQ(0, len);	/* one answer per hello */
	EXPECT_EQ(0, still_open(&p));
	pair_free(&p);
}

static void warn(struct tlsh_conn *from, uint8_t desc)
{
	uint8_t a[2] = { 1, desc };

	if (seal(from, TLSH_CT_ALERT, a, 2))
		abort();
}

TEST(warnings_tolerated_then_fatal)
{
	uint8_t type, data[64], level = 0, desc = 0;
	size_t len;
	struct pair p;

	ASSERT_EQ(0, done12(&p));
	for (int i = 0; i < TLSH_MAX_WARNINGS; i++) {
		warn(p.c, 90);		/* user_canceled */
		ASSERT_EQ(TLSH_OK, deliver(p.c, p.s, &type, data, &len));
		EXPECT_EQ(TLSH_CT_ALERT, type);
		EXPECT_EQ(0, len);
	}
	EXPECT_EQ(0, still_open(&p));
	/* One too many: a fatal alert, not a silent close. */
	warn(p.c, 112);
	EXPECT_EQ(0, fails_with_alert(p.c, p.s, TLSH_ERR_UNEXPECTED_MESSAGE));
	pair_free(&p);

	/* TLS 1.3 still treats a warning as the end (RFC 8446 6). */
	{
		struct secrets sec = { 0 };

		ASSERT_EQ(0, done13(&p, &sec));
		warn(p.c, 90);
		EXPECT_EQ(tlsh_err_peer_alert(90),
			  deliver(p.c, p.s, &type, data, &len));
		pair_free(&p);
	}

	/* Renegotiations count too. */
	ASSERT_EQ(0, done12(&p));
	for (int i = 0; i <= TLSH_MAX_WARNINGS; i++) {
		static const uint8_t hr[] = { 0, 0, 0, 0 };

		ASSERT_EQ(0, seal(p.s, TLSH_CT_HANDSHAKE, hr, 4));
		EXPECT_EQ(i < TLSH_MAX_WARNINGS ? TLSH_OK :
			  TLSH_ERR_UNEXPECTED_MESSAGE,
			  deliver(p.s, p.c, &type, data, &len));
		ASSERT_EQ(0, queued_alert(p.c, p.s, &level, &desc));
		EXPECT_EQ(i < TLSH_MAX_WARNINGS ? 1 : 2, level);
		EXPECT_EQ(i < TLSH_MAX_WARNINGS ? TLSH_ALERT_NO_RENEGOTIATION :
			  TLSH_ALERT_UNEXPECTED_MESSAGE, desc);
		/* The server takes the warning (its own budget). */
		if (i < TLSH_MAX_WARNINGS)
			ASSERT_EQ(TLSH_OK, deliver(p.c, p.s, &type, data, &len));
	}
	pair_free(&p);
}

/* Warnings during the TLS 1.2 handshake do not end it. */
TEST(warning_during_tls12_handshake)
{
	static const uint8_t w[] = { TLSH_CT_ALERT, 3, 3, 0, 2, 1, 112 };
	struct pair p;
	size_t n;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.ccfg.max_version = TLSH_TLS12;
	ASSERT_EQ(0, pair_start(&p));
	ASSERT_EQ(0, tlsh_conn_start(p.c));
	ASSERT_EQ(0, pump(p.c, p.s, &n));
	/* To the server after the hello, to the client after the reply. */
	ASSERT_EQ(TLSH_OK, feed(p.s, w, sizeof(w)));
	ASSERT_EQ(TLSH_OK, pump(p.s, p.c, &n));
	ASSERT_EQ(TLSH_OK, feed(p.c, w, sizeof(w)));
	ASSERT_EQ(0, pair_pump(&p));
	EXPECT_EQ(0, check_traffic12(&p));
	pair_free(&p);
}

/* ---- 6: legacy_version ---- */

static uint16_t legacy;

static void set_legacy(const struct tlsh_conn *c, struct tlsh_wbuf *w,
		       size_t mark)
{
	put16(w->buf + mark + 4, legacy);
}

TEST(legacy_version_ssl3_refused)
{
	static const uint16_t versions[] = { 0x0300, 0x0200, 0x0002 };
	struct tlsh_test_hooks h = { .mutate = set_legacy };
	struct pair p;
	size_t n;

	for (size_t i = 0; i < 3; i++) {
		legacy = versions[i];
		ASSERT_EQ(0, pair_init(&p, "ec"));
		ASSERT_EQ(0, pair_start(&p));
		tlsh_conn_set_test_hooks(p.c, &h);
		ASSERT_EQ(0, tlsh_conn_start(p.c));
		EXPECT_EQ(TLSH_ERR_PROTOCOL_VERSION, pump(p.c, p.s, &n));
		EXPECT_EQ(tlsh_err_peer_alert(TLSH_ALERT_PROTOCOL_VERSION),
			  pump(p.s, p.c, &n));
		pair_free(&p);
	}
}

/* 0x0301 (what many TLS 1.3 clients send in the record) is fine. */
TEST(legacy_version_tls10_accepted)
{
	struct tlsh_test_hooks h = { .mutate = set_legacy };
	struct pair p;
	size_t n;
	const uint8_t *out;

	legacy = 0x0301;
	ASSERT_EQ(0, pair_init(&p, "ec"));
	ASSERT_EQ(0, pair_start(&p));
	tlsh_conn_set_test_hooks(p.c, &h);
	ASSERT_EQ(0, tlsh_conn_start(p.c));
	EXPECT_EQ(TLSH_OK, pump(p.c, p.s, &n));
	out = tlsh_conn_output(p.s, &n);
	ASSERT_LT(9, n);
	EXPECT_EQ(TLSH_HS_SERVER_HELLO, out[5]);
	pair_free(&p);
}

/* ---- 7: empty alert records ---- */

TEST(empty_alert_plaintext)
{
	static const uint8_t rec[] = { TLSH_CT_ALERT, 3, 3, 0, 0 };
	struct pair p;
	const uint8_t *out;
	size_t len;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	ASSERT_EQ(0, pair_start(&p));
	EXPECT_EQ(TLSH_ERR_UNEXPECTED_MESSAGE, feed(p.s, rec, sizeof(rec)));
	out = tlsh_conn_output(p.s, &len);
	ASSERT_EQ(7, len);
	EXPECT_EQ(TLSH_ALERT_UNEXPECTED_MESSAGE, out[6]);
	pair_free(&p);
}

TEST(empty_alert_under_handshake_keys)
{
	struct secrets sec = { 0 };
	struct tlsh_rec_dir d;
	struct tlsh_wbuf w;
	uint8_t buf[64];
	struct pair p;
	size_t n;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.ccfg.keylog = keylog_cb;
	p.ccfg.keylog_ctx = &sec;
	p.ccfg.no_middlebox_compat = true;
	ASSERT_EQ(0, pair_start(&p));
	ASSERT_EQ(0, tlsh_conn_start(p.c));
	ASSERT_EQ(0, pump(p.c, p.s, &n));
	ASSERT_EQ(0, pump(p.s, p.c, &n));
	/* Instead of the client's Finished: an empty alert. */
	tlsh_rec_set_secret(&d, p.c->suite, sec.c_hs);
	tlsh_wbuf_fixed(&w, buf, sizeof(buf));
	ASSERT_EQ(0, tlsh_rec_seal(&d, TLSH_CT_ALERT, NULL, 0, 0, &w));
	EXPECT_EQ(TLSH_ERR_UNEXPECTED_MESSAGE, feed(p.s, buf, w.len));
	/* The server's alert is protected (under its current key). */
	{
		const uint8_t *out = tlsh_conn_output(p.s, &n);

		ASSERT_LT(5, n);
		EXPECT_EQ(TLSH_CT_APPLICATION_DATA, out[0]);
		EXPECT_EQ(2 + 1 + 16, get16(out + 3));
	}
	pair_free(&p);
}

TEST(empty_alert_under_application_keys)
{
	struct secrets sec = { 0 };
	struct pair p;

	ASSERT_EQ(0, done13(&p, &sec));
	ASSERT_EQ(0, seal(p.c, TLSH_CT_ALERT, NULL, 0));
	EXPECT_EQ(0, fails_with_alert(p.c, p.s, TLSH_ERR_UNEXPECTED_MESSAGE));
	pair_free(&p);

	/* TLS 1.2 too. */
	ASSERT_EQ(0, done12(&p));
	ASSERT_EQ(0, seal(p.c, TLSH_CT_ALERT, NULL, 0));
	EXPECT_EQ(0, fails_with_alert(p.c, p.s, TLSH_ERR_UNEXPECTED_MESSAGE));
	pair_free(&p);
}

/* ---- 8: early data the server does not accept ---- */

static bool early_data_ext(const struct tlsh_conn *c, struct tlsh_wbuf *w)
{
	static const uint8_t ext[] = { 0x00, 0x2a, 0x00, 0x00 };

	/* RFC 8446 4.2.10: not in the second ClientHello. */
	if (!c->hrr)
		tlsh_put_bytes(w, ext, sizeof(ext));
	return false;
}

/* n 0-RTT records of len bytes each (garbage under unknown keys). */
static enum tlsh_err early_records(struct tlsh_conn *s, int n, size_t len)
{
	static uint8_t rec[5 + 16640];
	enum tlsh_err err = TLSH_OK;

	rec[0] = TLSH_CT_APPLICATION_DATA;
	rec[1] = 3;
	rec[2] = 3;
	put16(rec + 3, len);
	for (int i = 0; i < n && !err; i++) {
		for (size_t k = 0; k < len; k++)
			rec[5 + k] = (uint8_t)(k * 31 + i);
		err = feed(s, rec, 5 + len);
	}
	return err;
}

static int early(struct pair *p, bool offer, bool hrr, int n, size_t len,
		 enum tlsh_err *err)
{
	static const uint16_t cg[] = { TLSH_GROUP_X25519,
				       TLSH_GROUP_SECP256R1 };
	static const uint16_t sg[] = { TLSH_GROUP_SECP256R1 };
	static struct tlsh_test_hooks h = { .client_hello_ext = early_data_ext };
	size_t m;

	if (pair_init(p, "ec"))
		return -1;
	if (hrr) {
		SET_LIST(p->ccfg, groups, cg);
		SET_LIST(p->scfg, groups, sg);
	}
	if (pair_start(p))
		return -1;
	if (offer)
		tlsh_conn_set_test_hooks(p->c, &h);
	if (tlsh_conn_start(p->c) || pump(p->c, p->s, &m))
		return -2;
	*err = early_records(p->s, n, len);
	if (*err)
		return 0;
	return pair_pump(p) ? -3 : 0;
}

TEST(early_data_skipped)
{
	enum tlsh_err err;
	struct pair p;

	/* Without HRR: records that do not decrypt, then the handshake. */
	ASSERT_EQ(0, early(&p, true, false, 3, 300, &err));
	EXPECT_EQ(TLSH_OK, err);
	EXPECT_EQ(0, check_traffic(&p));
	pair_free(&p);
	/* After HRR: application_data records before the second hello. */
	ASSERT_EQ(0, early(&p, true, true, 3, 300, &err));
	EXPECT_EQ(TLSH_OK, err);
	EXPECT_TRUE(tlsh_conn_did_hrr(p.s));
	EXPECT_EQ(0, check_traffic(&p));
	pair_free(&p);
}

/*
 * Not skipped: over the 64 KiB skipped at most (5 x 16 KiB), or without
 * early_data in the hello: the error as if nothing were skipped.
 */
TEST(early_data_bounded_or_not_offered)
{
	static const struct {
		bool offer, hrr;
		int n;
		size_t len;
		enum tlsh_err want;
	} cases[] = {
		{ true, false, 5, 16384, TLSH_ERR_BAD_RECORD_MAC },
		{ true, true, 5, 16384, TLSH_ERR_UNEXPECTED_MESSAGE },
		{ false, false, 1, 300, TLSH_ERR_BAD_RECORD_MAC },
		{ false, true, 1, 300, TLSH_ERR_UNEXPECTED_MESSAGE },
	};
	enum tlsh_err err;
	struct pair p;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(0, early(&p, cases[i].offer, cases[i].hrr, cases[i].n,
				   cases[i].len, &err));
		EXPECT_EQ(cases[i].want, err);
		pair_free(&p);
	}
}

/* ---- 9: TLSInnerPlaintext length ---- */

/* An AES-128-GCM record of inner plaintext len (data, type, zeros). */
static size_t gcm_record(const struct tlsh_traffic_keys *k, size_t inner,
			 uint8_t *rec)
{
	struct gcm_aes128_ctx g;
	uint8_t nonce[12];
	size_t body = inner + 16;

	memcpy(nonce, k->tx.iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(k->tx.seq >> (8 * i));
	rec[0] = TLSH_CT_APPLICATION_DATA;
	rec[1] = 3;
	rec[2] = 3;
	put16(rec + 3, body);
	memset(rec + 5, 0, inner);
	memcpy(rec + 5, "hello", 5);
	rec[5 + 5] = TLSH_CT_APPLICATION_DATA;
	gcm_aes128_set_key(&g, k->tx.key);
	gcm_aes128_set_iv(&g, 12, nonce);
	gcm_aes128_update(&g, 5, rec);
	gcm_aes128_encrypt(&g, inner, rec + 5, rec + 5);
	gcm_aes128_digest(&g, 16, rec + 5 + inner);
	return 5 + body;
}

static enum tlsh_err inner(struct pair *p, size_t n)
{
	static uint8_t rec[5 + 16640];
	struct tlsh_traffic_keys k;
	const uint8_t *data;
	size_t len, dlen;
	uint8_t type;
	enum tlsh_err err;

	if (pair_init(p, "ec"))
		return TLSH_ERR_STATE;
	p->ccfg.suites = (const uint16_t[]){ TLSH_TLS_AES_128_GCM_SHA256 };
	p->ccfg.n_suites = 1;
	if (run(p) || tlsh_conn_export_keys(p->c, &k))
		return TLSH_ERR_STATE;
	len = gcm_record(&k, n, rec);
	err = tlsh_conn_read_record(p->s, rec, len, &type, &data, &dlen);
	if (!err && (dlen != 5 || memcmp(data, "hello", 5)))
		return TLSH_ERR_STATE;
	return err;
}

TEST(inner_plaintext_overflow)
{
	struct pair p;
	uint8_t level = 0, desc = 0;

	/* 2^14 + 1 is the most: content and type, padding included. */
	EXPECT_EQ(TLSH_OK, inner(&p, 16385));
	pair_free(&p);
	EXPECT_EQ(TLSH_ERR_RECORD_OVERFLOW, inner(&p, 16386));
	ASSERT_EQ(0, queued_alert(p.s, p.c, &level, &desc));
	EXPECT_EQ(TLSH_ALERT_RECORD_OVERFLOW, desc);
	pair_free(&p);
	EXPECT_EQ(TLSH_ERR_RECORD_OVERFLOW, inner(&p, 16624));
	pair_free(&p);
}

/* ---- 10: TLS 1.2 ECDSA schemes name a hash ---- */

static void ecdsa_hash(struct __test_metadata *_metadata, uint16_t scheme)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));	/* P-256 */
	p.ccfg.max_version = TLSH_TLS12;
	p.ccfg.sig_schemes = &scheme;
	p.ccfg.n_sig_schemes = 1;
	ASSERT_EQ(0, run(&p)) {
		TH_LOG("%s / %s", tlsh_conn_error_reason(p.s) ?: "-",
		       tlsh_conn_error_reason(p.c) ?: "-");
	}
	EXPECT_EQ(TLSH_TLS12, tlsh_conn_version(p.s));
	EXPECT_EQ(scheme, tlsh_conn_sigscheme(p.s));
	EXPECT_EQ(scheme, tlsh_conn_sigscheme(p.c));
	EXPECT_EQ(0, check_traffic12(&p));
	pair_free(&p);
}

TEST(tls12_ecdsa_sha384_with_p256) { ecdsa_hash(_metadata, 0x0503); }
TEST(tls12_ecdsa_sha512_with_p256) { ecdsa_hash(_metadata, 0x0603); }

/* The curve's own hash is still preferred when offered. */
TEST(tls12_ecdsa_curve_hash_preferred)
{
	static const uint16_t both[] = { 0x0503, 0x0603, 0x0403 };
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.ccfg.max_version = TLSH_TLS12;
	SET_LIST(p.ccfg, sig_schemes, both);
	run_ok(_metadata, &p);
	EXPECT_EQ(0x0403, tlsh_conn_sigscheme(p.s));
	pair_free(&p);
}

TEST_HARNESS_MAIN
