// SPDX-License-Identifier: GPL-2.0
/*
 * Negative tests: one side's outgoing handshake message is damaged (before
 * it is protected, through the engine's test hook), and the other side must
 * fail with exactly the RFC's alert, the sender must receive that alert,
 * and neither side may export keys. Per message: truncated, wrong length,
 * an unknown or invalid mandatory field, a duplicate extension, out of
 * order; plus bad Finished, bad CertificateVerify, the downgrade sentinel,
 * and record-level damage.
 */
#include <string.h>

#include "tls_testutil.h"
#include "kselftest_harness.h"
#include "tls_pair.h"
#include "tls/conn.h"
#include "tls/msg.h"

#define HRR TLSH_HS_HELLO_RETRY_REQUEST

static void fix_len(struct tlsh_wbuf *w, size_t mark)
{
	size_t n = w->len - mark - TLSH_HS_HDR;

	w->buf[mark + 1] = (uint8_t)(n >> 16);
	w->buf[mark + 2] = (uint8_t)(n >> 8);
	w->buf[mark + 3] = (uint8_t)n;
}

static size_t get16(const uint8_t *p)
{
	return (size_t)p[0] << 8 | p[1];
}

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Offset of the extension block's length in a message that ends with it. */
static size_t ext_block(const uint8_t *m)
{
	size_t i;

	switch (m[0]) {
	case TLSH_HS_CLIENT_HELLO:
		i = TLSH_HS_HDR + 2 + 32;
		i += 1 + m[i];
		i += 2 + get16(m + i);
		return i + 1 + m[i];
	case TLSH_HS_SERVER_HELLO:
		i = TLSH_HS_HDR + 2 + 32;
		return i + 1 + m[i] + 3;
	case TLSH_HS_ENCRYPTED_EXTENSIONS:
		return TLSH_HS_HDR;
	case TLSH_HS_CERTIFICATE_REQUEST:
		return TLSH_HS_HDR + 1 + m[TLSH_HS_HDR];
	case TLSH_HS_NEW_SESSION_TICKET:
		i = TLSH_HS_HDR + 8;
		i += 1 + m[i];
		return i + 2 + get16(m + i);
	case TLSH_HS_CERTIFICATE:	/* the last entry's extensions */
		return SIZE_MAX;
	default:
		return 0;
	}
}

/* Append an extension to the message's (final) extension block. */
static void add_ext(struct tlsh_wbuf *w, size_t mark, const char *hex)
{
	uint8_t e[64];
	size_t n = unhex(hex, e, sizeof(e)), off = ext_block(w->buf + mark);

	if (off == SIZE_MAX) {
		/* Certificate: one entry, whose extensions end the message. */
		size_t list = mark + TLSH_HS_HDR + 1 + w->buf[mark + TLSH_HS_HDR];
		size_t ll = (size_t)w->buf[list] << 16 | get16(w->buf + list + 1);

		off = w->len - 2 - mark;
		ll += n;
		w->buf[list] = (uint8_t)(ll >> 16);
		put16(w->buf + list + 1, ll);
	}
	tlsh_put_bytes(w, e, n);
	put16(w->buf + mark + off, get16(w->buf + mark + off) + n);
	fix_len(w, mark);
}

/*
 * Overwrite two bytes at offset at (0: the type, 4: the body's first two)
 * of every extension of this type in the message's extension block.
 */
static void ext_put16(struct tlsh_wbuf *w, size_t mark, size_t type,
		      size_t at, size_t v)
{
	uint8_t *m = w->buf + mark;
	size_t i = ext_block(m), end = w->len - mark;

	for (i += 2; i + 4 <= end; i += 4 + get16(m + i + 2))
		if (get16(m + i) == type)
			put16(m + i + at, v);
}

/* ---- mutations: (w, mark) is the message, header included ---- */

static void truncate_last(struct tlsh_wbuf *w, size_t mark)
{
	w->len--;
	fix_len(w, mark);
}

static void trailing_byte(struct tlsh_wbuf *w, size_t mark)
{
	tlsh_put_u8(w, 0);
	fix_len(w, mark);
}

static void send_twice(struct tlsh_wbuf *w, size_t mark)
{
	size_t n = w->len - mark;
	uint8_t copy[4096];

	memcpy(copy, w->buf + mark, n);
	tlsh_put_bytes(w, copy, n);
}

static void flip_last(struct tlsh_wbuf *w, size_t mark)
{
	w->buf[w->len - 1] ^= 0x01;
}

/* Offsets in a hello: legacy_version at 4, random at 6. */
static size_t after_session_id(const uint8_t *m)
{
	return TLSH_HS_HDR + 2 + 32 + 1 + m[TLSH_HS_HDR + 2 + 32];
}

static void ch_compression_deflate(struct tlsh_wbuf *w, size_t mark)
{
	uint8_t *m = w->buf + mark;
	size_t i = after_session_id(m);

	i += 2 + get16(m + i);
	m[i + 1] = 1;		/* compression_methods = { 1 } */
}

/* Rename key_share to an unknown type, which a server ignores. */
static void ch_no_key_share(struct tlsh_wbuf *w, size_t mark)
{
	ext_put16(w, mark, 51, 0, 0x7777);
}

static void sh_unknown_suite(struct tlsh_wbuf *w, size_t mark)
{
	uint8_t *m = w->buf + mark;

	put16(m + after_session_id(m), 0x1399);
}

static void sh_session_id(struct tlsh_wbuf *w, size_t mark)
{
	uint8_t *m = w->buf + mark;

	m[after_session_id(m) - 1] ^= 0xff;	/* last byte of the echo */
}

static void sh_other_group(struct tlsh_wbuf *w, size_t mark)
{
	ext_put16(w, mark, 51, 4, TLSH_GROUP_SECP384R1);
}

/*
 * TLS 1.2 in supported_versions, with or without the downgrade sentinel:
 * illegal_parameter either way (RFC 8446 4.2.1).
 */
static void sh_tls12(struct tlsh_wbuf *w, size_t mark, bool sentinel)
{
	ext_put16(w, mark, 43, 4, 0x0303);
	if (sentinel)
		memcpy(w->buf + mark + TLSH_HS_HDR + 2 + 24, "DOWNGRD\x01", 8);
}

static void sh_downgrade_sentinel(struct tlsh_wbuf *w, size_t mark)
{
	sh_tls12(w, mark, true);
}

static void sh_tls12_plain(struct tlsh_wbuf *w, size_t mark)
{
	sh_tls12(w, mark, false);
}

static void hrr_same_group(struct tlsh_wbuf *w, size_t mark)
{
	ext_put16(w, mark, 51, 4, TLSH_GROUP_X25519);
}

static void cr_no_sigalgs(struct tlsh_wbuf *w, size_t mark)
{
	ext_put16(w, mark, 13, 0, 0x7777);
}

static void cert_empty_list(struct tlsh_wbuf *w, size_t mark)
{
	size_t list = mark + TLSH_HS_HDR + 1 + w->buf[mark + TLSH_HS_HDR];

	w->len = list + 3;
	memset(w->buf + list, 0, 3);
	fix_len(w, mark);
}

static void cert_garbage_der(struct tlsh_wbuf *w, size_t mark)
{
	size_t list = mark + TLSH_HS_HDR + 1 + w->buf[mark + TLSH_HS_HDR];

	w->buf[list + 6] = 0x05;	/* not a SEQUENCE */
}

static void cert_context(struct tlsh_wbuf *w, size_t mark)
{
	uint8_t copy[4096];
	size_t n = w->len - mark - TLSH_HS_HDR - 1;

	/* A one-byte certificate_request_context the server never sends. */
	memcpy(copy, w->buf + mark + TLSH_HS_HDR + 1, n);
	w->buf[mark + TLSH_HS_HDR] = 1;
	w->buf[mark + TLSH_HS_HDR + 1] = 0x42;
	w->len = mark + TLSH_HS_HDR + 2;
	tlsh_put_bytes(w, copy, n);
	fix_len(w, mark);
}

static void cv_scheme(struct tlsh_wbuf *w, size_t mark, uint16_t scheme)
{
	put16(w->buf + mark + TLSH_HS_HDR, scheme);
}

static void cv_pkcs1(struct tlsh_wbuf *w, size_t mark)
{
	cv_scheme(w, mark, TLSH_SIG_RSA_PKCS1_SHA256);
}

static void cv_wrong_key_type(struct tlsh_wbuf *w, size_t mark)
{
	cv_scheme(w, mark, TLSH_SIG_RSA_PSS_RSAE_SHA256);
}

static void cv_bad_signature(struct tlsh_wbuf *w, size_t mark)
{
	/* Inside the DER of r (not its framing): a valid but wrong value. */
	w->buf[mark + TLSH_HS_HDR + 4 + 10] ^= 0x01;
}

/* A message the peer does not expect here: KeyUpdate, unknown type 99. */
static void then_key_update(struct tlsh_wbuf *w, size_t mark)
{
	static const uint8_t ku[] = { 24, 0, 0, 1, 0 };

	tlsh_put_bytes(w, ku, sizeof(ku));
}

/* request_update 2 (RFC 8446 4.6.3: illegal_parameter). */
static void then_bad_key_update(struct tlsh_wbuf *w, size_t mark)
{
	static const uint8_t ku[] = { 24, 0, 0, 1, 2 };

	tlsh_put_bytes(w, ku, sizeof(ku));
}

static void then_unknown_message(struct tlsh_wbuf *w, size_t mark)
{
	static const uint8_t m[] = { 99, 0, 0, 0 };

	tlsh_put_bytes(w, m, sizeof(m));
}

static void then_finished_early(struct tlsh_wbuf *w, size_t mark)
{
	uint8_t fin[4 + 32] = { 20, 0, 0, 32 };

	tlsh_put_bytes(w, fin, sizeof(fin));
}

enum setup { PLAIN, HRR_FLOW, CLIENT_AUTH, TICKETS };

struct neg_case {
	const char *name;
	enum setup setup;
	bool server_sends;	/* whose message is damaged */
	uint16_t msg;
	struct damage {
		void (*fn)(struct tlsh_wbuf *w, size_t mark);
		const char *add_ext;	/* or append this extension (hex) */
	} damage;
	enum tlsh_err want;
};

#define ADD_EXT(hex) { .add_ext = hex }

/* Damage every message can take: truncated, a trailing byte, sent twice. */
#define EVERY_MESSAGE(X, name, msg) \
	X(name##_truncated, msg, { truncate_last }, TLSH_ERR_DECODE) \
	X(name##_trailing_byte, msg, { trailing_byte }, TLSH_ERR_DECODE) \
	X(name##_twice, msg, { send_twice }, TLSH_ERR_UNEXPECTED_MESSAGE)

/* The damaged message: setup, server_sends, which message. */
#define CH          PLAIN, false, TLSH_HS_CLIENT_HELLO
#define CH2         HRR_FLOW, false, TLSH_HS_CLIENT_HELLO + 0x200
#define SH          PLAIN, true, TLSH_HS_SERVER_HELLO
#define HRR_MSG     HRR_FLOW, true, HRR
#define SH_AFTER_HRR HRR_FLOW, true, TLSH_HS_SERVER_HELLO
#define EE          PLAIN, true, TLSH_HS_ENCRYPTED_EXTENSIONS
#define CR          CLIENT_AUTH, true, TLSH_HS_CERTIFICATE_REQUEST
#define CERT        PLAIN, true, TLSH_HS_CERTIFICATE
#define CLIENT_CERT CLIENT_AUTH, false, TLSH_HS_CERTIFICATE
#define CV          PLAIN, true, TLSH_HS_CERTIFICATE_VERIFY
#define CLIENT_CV   CLIENT_AUTH, false, TLSH_HS_CERTIFICATE_VERIFY
#define FIN         PLAIN, true, TLSH_HS_FINISHED
#define CLIENT_FIN  PLAIN, false, TLSH_HS_FINISHED
#define NST         TICKETS, true, TLSH_HS_NEW_SESSION_TICKET

/* name, damaged message, damage, the receiver's error */
#define NEG_CASES(X) \
	/* ClientHello, received by the server. */ \
	EVERY_MESSAGE(X, ch, CH) \
	X(ch_duplicate_extension, CH, ADD_EXT("00 2b 00 03 02 03 04"), TLSH_ERR_ILLEGAL_PARAMETER) \
	X(ch_compression, CH, { ch_compression_deflate }, TLSH_ERR_ILLEGAL_PARAMETER) \
	X(ch_no_key_share, CH, { ch_no_key_share }, TLSH_ERR_MISSING_EXTENSION) \
	X(ch2_truncated, CH2, { truncate_last }, TLSH_ERR_DECODE) \
	/* ServerHello, received by the client. */ \
	EVERY_MESSAGE(X, sh, SH) \
	X(sh_duplicate_extension, SH, ADD_EXT("00 2b 00 02 03 04"), TLSH_ERR_ILLEGAL_PARAMETER) \
	X(sh_unknown_extension, SH, ADD_EXT("77 77 00 00"), TLSH_ERR_UNSUPPORTED_EXTENSION) \
	X(sh_unknown_suite, SH, { sh_unknown_suite }, TLSH_ERR_ILLEGAL_PARAMETER) \
	X(sh_session_id_echo, SH, { sh_session_id }, TLSH_ERR_ILLEGAL_PARAMETER) \
	X(sh_unoffered_group, SH, { sh_other_group }, TLSH_ERR_ILLEGAL_PARAMETER) \
	X(sh_downgrade_sentinel, SH, { sh_downgrade_sentinel }, TLSH_ERR_ILLEGAL_PARAMETER) \
	X(sh_tls12, SH, { sh_tls12_plain }, TLSH_ERR_ILLEGAL_PARAMETER) \
	X(sh_tls12_after_hrr, SH_AFTER_HRR, { sh_tls12_plain }, TLSH_ERR_ILLEGAL_PARAMETER) \
	/* HelloRetryRequest, received by the client. */ \
	EVERY_MESSAGE(X, hrr, HRR_MSG) \
	X(hrr_duplicate_extension, HRR_MSG, ADD_EXT("00 2b 00 02 03 04"), TLSH_ERR_ILLEGAL_PARAMETER) \
	X(hrr_group_already_sent, HRR_MSG, { hrr_same_group }, TLSH_ERR_ILLEGAL_PARAMETER) \
	/* EncryptedExtensions. */ \
	EVERY_MESSAGE(X, ee, EE) \
	X(ee_duplicate_extension, EE, ADD_EXT("00 00 00 00"), TLSH_ERR_ILLEGAL_PARAMETER) \
	X(ee_unoffered_alpn, EE, ADD_EXT("00 10 00 05 00 03 02 68 32"), TLSH_ERR_UNSUPPORTED_EXTENSION) \
	X(ee_key_share, EE, ADD_EXT("00 33 00 00"), TLSH_ERR_ILLEGAL_PARAMETER) \
	X(ee_then_key_update, EE, { then_key_update }, TLSH_ERR_UNEXPECTED_MESSAGE) \
	X(ee_then_unknown_message, EE, { then_unknown_message }, TLSH_ERR_UNEXPECTED_MESSAGE) \
	X(ee_then_finished, EE, { then_finished_early }, TLSH_ERR_UNEXPECTED_MESSAGE) \
	/* CertificateRequest. */ \
	EVERY_MESSAGE(X, cr, CR) \
	X(cr_duplicate_extension, CR, ADD_EXT("00 0d 00 04 00 02 04 03"), TLSH_ERR_ILLEGAL_PARAMETER) \
	X(cr_no_signature_algorithms, CR, { cr_no_sigalgs }, TLSH_ERR_MISSING_EXTENSION) \
	/* Certificate. */ \
	EVERY_MESSAGE(X, cert, CERT) \
	X(cert_duplicate_extension, CERT, ADD_EXT("00 05 00 00 00 05 00 00"), TLSH_ERR_ILLEGAL_PARAMETER) \
	X(cert_empty, CERT, { cert_empty_list }, TLSH_ERR_DECODE) \
	X(cert_garbage, CERT, { cert_garbage_der }, TLSH_ERR_BAD_CERTIFICATE) \
	X(cert_context, CERT, { cert_context }, TLSH_ERR_ILLEGAL_PARAMETER) \
	X(client_cert_truncated, CLIENT_CERT, { truncate_last }, TLSH_ERR_DECODE) \
	X(client_cert_garbage, CLIENT_CERT, { cert_garbage_der }, TLSH_ERR_BAD_CERTIFICATE) \
	/* CertificateVerify. */ \
	EVERY_MESSAGE(X, cv, CV) \
	X(cv_bad_signature, CV, { cv_bad_signature }, TLSH_ERR_DECRYPT) \
	X(cv_pkcs1_scheme, CV, { cv_pkcs1 }, TLSH_ERR_ILLEGAL_PARAMETER) \
	X(cv_scheme_not_for_key, CV, { cv_wrong_key_type }, TLSH_ERR_ILLEGAL_PARAMETER) \
	X(client_cv_bad_signature, CLIENT_CV, { cv_bad_signature }, TLSH_ERR_DECRYPT) \
	/* Finished. */ \
	X(fin_bad, FIN, { flip_last }, TLSH_ERR_DECRYPT) \
	EVERY_MESSAGE(X, fin, FIN) \
	X(client_fin_bad, CLIENT_FIN, { flip_last }, TLSH_ERR_DECRYPT) \
	EVERY_MESSAGE(X, client_fin, CLIENT_FIN) \
	/* NewSessionTicket, received after the handshake. */ \
	X(nst_truncated, NST, { truncate_last }, TLSH_ERR_DECODE) \
	X(nst_trailing_byte, NST, { trailing_byte }, TLSH_ERR_DECODE) \
	X(nst_duplicate_extension, NST, ADD_EXT("00 2a 00 04 00 00 04 00 00 2a 00 04 00 00 04 00"), TLSH_ERR_ILLEGAL_PARAMETER) \
	X(nst_then_bad_key_update, NST, { then_bad_key_update }, TLSH_ERR_ILLEGAL_PARAMETER)

struct mutation {
	const struct neg_case *nc;
	int seen[0x300];
	bool done;
};

static void mutate_hook(const struct tlsh_conn *c, struct tlsh_wbuf *w,
			size_t mark)
{
	struct mutation *m = c->hooks->ctx;
	uint16_t type = tlsh_hs_type(w->buf + mark, w->len - mark);

	/* 0x200 + type: the second message of that type (ClientHello2). */
	if (m->seen[type]++)
		type += 0x200;
	if (m->done || type != m->nc->msg)
		return;
	m->done = true;
	if (m->nc->damage.add_ext)
		add_ext(w, mark, m->nc->damage.add_ext);
	else
		m->nc->damage.fn(w, mark);
}

static void setup(struct pair *p, enum setup s)
{
	static const uint16_t cg[] = { TLSH_GROUP_X25519,
				       TLSH_GROUP_SECP256R1 };
	static const uint16_t sg[] = { TLSH_GROUP_SECP256R1 };

	switch (s) {
	case HRR_FLOW:
		SET_LIST(p->ccfg, groups, cg);
		SET_LIST(p->scfg, groups, sg);
		break;
	case CLIENT_AUTH:
		p->scfg.verify_client = true;
		p->ccfg.cred = &p->client_cred;
		break;
	case TICKETS:
		p->scfg.n_tickets = 1;
		break;
	default:
		break;
	}
}

static int run_case(struct __test_metadata *_metadata,
		    const struct neg_case *nc)
{
	struct pair p;
	struct mutation m = { .nc = nc };
	struct tlsh_test_hooks sh = { .mutate = mutate_hook, .ctx = &m };
	struct tlsh_test_hooks ch = { .mutate = mutate_hook, .ctx = &m,
				      .client_hello_ext = add_psk_modes };
	struct tlsh_test_hooks ph = { .client_hello_ext = add_psk_modes };
	struct tlsh_conn *sender, *receiver;

	if (pair_init(&p, "ec"))
		return -1;
	setup(&p, nc->setup);
	if (pair_start(&p))
		return -1;
	if (nc->server_sends) {
		tlsh_conn_set_test_hooks(p.s, &sh);
		tlsh_conn_set_test_hooks(p.c, &ph);
	} else {
		tlsh_conn_set_test_hooks(p.c, &ch);
	}
	sender = nc->server_sends ? p.s : p.c;
	receiver = nc->server_sends ? p.c : p.s;
	pair_run(&p);
	if (nc->msg == TLSH_HS_NEW_SESSION_TICKET) {
		uint8_t type, data[512];
		size_t len;
		enum tlsh_err got;

		/* The handshake completed; the ticket fails at the client. */
		got = deliver_record(p.s, p.c, &type, data, &len);
		EXPECT_EQ(nc->want, got);
		EXPECT_EQ(nc->want, tlsh_conn_error(p.c));
		pair_free(&p);
		return m.done ? 0 : -2;
	}
	EXPECT_TRUE(m.done);
	EXPECT_NE(NULL, tlsh_conn_error_reason(receiver));
	expect_damage_stopped(_metadata, nc->name, sender, receiver, nc->want);
	pair_free(&p);
	return 0;
}

FIXTURE(damaged) {};
FIXTURE_SETUP(damaged) {}
FIXTURE_TEARDOWN(damaged) {}
FIXTURE_VARIANT(damaged) { struct neg_case nc; };

#define AS_VARIANT(name, ...) \
	FIXTURE_VARIANT_ADD(damaged, name) { .nc = { #name, __VA_ARGS__ } };
NEG_CASES(AS_VARIANT)

TEST_F(damaged, alert_and_no_keys)
{
	ASSERT_EQ(0, run_case(_metadata, &variant->nc));
}

/* ---- record level, on the wire ---- */

static int first_flight(struct pair *p)
{
	size_t len, used;
	const uint8_t *out;

	if (pair_init(p, "ec") || pair_start(p) || tlsh_conn_start(p->c))
		return -1;
	out = tlsh_conn_output(p->c, &len);
	if (tlsh_conn_feed(p->s, out, len, &used) || used != len)
		return -1;
	tlsh_conn_output_done(p->c, len);
	return 0;
}

/* Feed bytes to the client after damaging them; its error. */
static enum tlsh_err feed_client(struct pair *p, uint8_t *buf, size_t len)
{
	size_t off = 0, used;
	enum tlsh_err err = TLSH_OK;

	while (off < len && !err && tlsh_conn_want(p->c)) {
		err = tlsh_conn_feed(p->c, buf + off, len - off, &used);
		off += used;
	}
	return err;
}

TEST(record_level)
{
	struct pair p;
	uint8_t buf[8192];
	const uint8_t *out;
	size_t len;
	struct tlsh_traffic_keys k;
	static const uint8_t bad_type[] = { 0x19, 3, 3, 0, 1, 0 };
	static const uint8_t too_long[] = { 0x16, 3, 3, 0x41, 0x01 };
	static const uint8_t early_ccs[] = { 0x14, 3, 3, 0, 1, 1 };
	size_t used, ccs;

	/* The ChangeCipherSpec after the ServerHello says 2, not 1. */
	ASSERT_EQ(0, first_flight(&p));
	out = tlsh_conn_output(p.s, &len);
	memcpy(buf, out, len);
	ccs = 5 + ((size_t)buf[3] << 8 | buf[4]);
	ASSERT_EQ(TLSH_CT_CHANGE_CIPHER_SPEC, buf[ccs]);
	buf[ccs + 5] = 2;
	ASSERT_EQ(TLSH_ERR_UNEXPECTED_MESSAGE, feed_client(&p, buf, len));
	ASSERT_EQ(TLSH_ERR_STATE, tlsh_conn_export_keys(p.c, &k));
	pair_free(&p);

	/* An unknown content type; a record over 2^14 + 256. */
	ASSERT_EQ(0, pair_init(&p, "ec"));
	ASSERT_EQ(0, pair_start(&p));
	ASSERT_EQ(TLSH_ERR_UNEXPECTED_MESSAGE,
		  tlsh_conn_feed(p.s, bad_type, sizeof(bad_type), &used));
	ASSERT_EQ(TLSH_ERR_RECORD_OVERFLOW,
		  tlsh_conn_feed(p.c, too_long, sizeof(too_long), &used));
	pair_free(&p);

	/* ChangeCipherSpec before any hello. */
	ASSERT_EQ(0, pair_init(&p, "ec"));
	ASSERT_EQ(0, pair_start(&p));
	ASSERT_EQ(TLSH_ERR_UNEXPECTED_MESSAGE,
		  tlsh_conn_feed(p.s, early_ccs, sizeof(early_ccs), &used));
	pair_free(&p);

	/* A plaintext handshake record once the server's keys are in use. */
	ASSERT_EQ(0, first_flight(&p));
	out = tlsh_conn_output(p.s, &len);
	memcpy(buf, out, len);
	ASSERT_EQ(0, feed_client(&p, buf, 5 + ((size_t)buf[3] << 8 | buf[4])));
	{
		uint8_t rec[] = { 0x16, 3, 3, 0, 4, 8, 0, 0, 0 };

		ASSERT_EQ(TLSH_ERR_UNEXPECTED_MESSAGE,
			  feed_client(&p, rec, sizeof(rec)));
	}
	pair_free(&p);

	/* A protected record whose tag does not verify. */
	ASSERT_EQ(0, first_flight(&p));
	out = tlsh_conn_output(p.s, &len);
	memcpy(buf, out, len);
	buf[len - 1] ^= 0x80;
	ASSERT_EQ(TLSH_ERR_BAD_RECORD_MAC, feed_client(&p, buf, len));
	ASSERT_EQ(TLSH_ERR_STATE, tlsh_conn_export_keys(p.c, &k));
	pair_free(&p);
}

TEST_HARNESS_MAIN
