// SPDX-License-Identifier: GPL-2.0
/*
 * TLS 1.2 negative tests. One side's outgoing message is damaged after it
 * entered its transcript (the engine's mutate hook, as an on-path attacker
 * would); the other side must fail with exactly the RFC's alert, the sender
 * must receive it, and neither side may export keys. Then the RSA key
 * transport (Bleichenbacher / ROBOT) cases, which must all look like a
 * Finished record that does not decrypt, and renegotiation attempts.
 */
#include <string.h>

#include "tls_testutil.h"
#include "kselftest_harness.h"
#include "tls12_pair.h"
#include "tls/conn.h"
#include "tls/msg.h"

static const uint16_t rsa_kx_suite = TLSH_TLS_RSA_WITH_AES_128_GCM_SHA256;
static const uint16_t p256 = TLSH_GROUP_SECP256R1;

static size_t get16(const uint8_t *p)
{
	return (size_t)p[0] << 8 | p[1];
}

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void fix_len(struct tlsh_wbuf *w, size_t mark)
{
	size_t n = w->len - mark - TLSH_HS_HDR;

	w->buf[mark + 1] = (uint8_t)(n >> 16);
	w->buf[mark + 2] = (uint8_t)(n >> 8);
	w->buf[mark + 3] = (uint8_t)n;
}

/* Offset of the extension block length in a ClientHello / ServerHello. */
static size_t ext_block(const uint8_t *m)
{
	size_t i = TLSH_HS_HDR + 2 + 32;

	if (m[0] == TLSH_HS_SERVER_HELLO)
		return i + 1 + m[i] + 3;
	i += 1 + m[i];
	i += 2 + get16(m + i);
	return i + 1 + m[i];
}

/* Offset of extension `type` (its type field), or 0. */
static size_t find_ext(const uint8_t *m, size_t end, uint16_t type)
{
	size_t i = ext_block(m) + 2;

	for (; i + 4 <= end; i += 4 + get16(m + i + 2))
		if (get16(m + i) == type)
			return i;
	return 0;
}

static void drop_ext(struct tlsh_wbuf *w, size_t mark, uint16_t type)
{
	uint8_t *m = w->buf + mark;
	size_t end = w->len - mark, i = find_ext(m, end, type), n, x;

	if (!i)
		return;
	n = 4 + get16(m + i + 2);
	memmove(m + i, m + i + n, end - i - n);
	w->len -= n;
	x = ext_block(m);
	put16(m + x, get16(m + x) - n);
	fix_len(w, mark);
}

/* Append an extension (the block is the message's last field). */
static void add_ext(struct tlsh_wbuf *w, size_t mark, const char *hex)
{
	uint8_t e[64];
	size_t n = unhex(hex, e, sizeof(e)), x;

	tlsh_put_bytes(w, e, n);
	x = ext_block(w->buf + mark);
	put16(w->buf + mark + x, get16(w->buf + mark + x) + n);
	fix_len(w, mark);
}

static void comp_not_null(struct tlsh_wbuf *w, size_t mark)
{
	uint8_t *m = w->buf + mark;

	m[ext_block(m) - 1] = 1;	/* CH: the one method; SH: the method */
}

static void no_ems(struct tlsh_wbuf *w, size_t mark)
{
	drop_ext(w, mark, 23);
}

static void reneg_not_empty(struct tlsh_wbuf *w, size_t mark)
{
	drop_ext(w, mark, 0xff01);
	add_ext(w, mark, "ff01 0002 01 aa");
}

static void unoffered_alpn(struct tlsh_wbuf *w, size_t mark)
{
	add_ext(w, mark, "0010 0005 0003 02 6832");
}

static void strip_tls13(struct tlsh_wbuf *w, size_t mark)
{
	uint8_t *m = w->buf + mark;
	size_t i = find_ext(m, w->len - mark, 43);

	/* supported_versions 0304 0303 -> 0303 0303 */
	if (i && get16(m + i + 5) == 0x0304)
		put16(m + i + 5, 0x0303);
}

static void flip_last(struct tlsh_wbuf *w, size_t mark)
{
	(void)mark;
	w->buf[w->len - 1] ^= 0x01;
}

static void first_byte_1(struct tlsh_wbuf *w, size_t mark)
{
	w->buf[mark + TLSH_HS_HDR] = 1;
}

/* The uncompressed P-256 point loses its first x byte's low bit. */
static void bad_point(struct tlsh_wbuf *w, size_t mark)
{
	w->buf[mark + TLSH_HS_HDR + 2] ^= 0x01;
}

static void trailing_byte(struct tlsh_wbuf *w, size_t mark)
{
	tlsh_put_u8(&w[0], 0);
	fix_len(w, mark);
}

/* RSA: a ciphertext two bytes short (its vector still well formed). */
static void short_ciphertext(struct tlsh_wbuf *w, size_t mark)
{
	w->len -= 2;
	put16(w->buf + mark + TLSH_HS_HDR,
	      get16(w->buf + mark + TLSH_HS_HDR) - 2);
	fix_len(w, mark);
}

/* legacy_version (a hello without supported_versions): TLS 1.1. */
static void tls11(struct tlsh_wbuf *w, size_t mark)
{
	put16(w->buf + mark + TLSH_HS_HDR, 0x0302);
}

static void truncate_one(struct tlsh_wbuf *w, size_t mark)
{
	w->len--;
	fix_len(w, mark);
}

static void empty_chain(struct tlsh_wbuf *w, size_t mark)
{
	w->len = mark + TLSH_HS_HDR;
	tlsh_put_u24(w, 0);
	fix_len(w, mark);
}

static void ske_group_p521(struct tlsh_wbuf *w, size_t mark)
{
	put16(w->buf + mark + TLSH_HS_HDR + 1, 0x0019);
}

/* The scheme after the point: rsa_pkcs1_sha1, never offered. */
static void ske_scheme_sha1(struct tlsh_wbuf *w, size_t mark)
{
	uint8_t *b = w->buf + mark + TLSH_HS_HDR;

	put16(b + 4 + b[3], 0x0201);
}

/* CertificateRequest: no certificate_types. */
static void cr_no_types(struct tlsh_wbuf *w, size_t mark)
{
	w->buf[mark + TLSH_HS_HDR] = 0;
}

/* CertificateRequest: supported_signature_algorithms one byte longer. */
static void cr_odd_sigalgs(struct tlsh_wbuf *w, size_t mark)
{
	uint8_t *b = w->buf + mark + TLSH_HS_HDR;

	put16(b + 1 + b[0], get16(b + 1 + b[0]) + 1);
}

/* CertificateRequest: a DistinguishedName longer than the list. */
static void cr_dn_overrun(struct tlsh_wbuf *w, size_t mark)
{
	put16(w->buf + w->len - 2, 2);
	tlsh_put_u16(w, 5);
	fix_len(w, mark);
}

/* Certificate: the first certificate is not a DER SEQUENCE. */
static void der_not_sequence(struct tlsh_wbuf *w, size_t mark)
{
	w->buf[mark + TLSH_HS_HDR + 6] ^= 0x01;
}

/* CertificateVerify: ed25519, which a TLS 1.2 request never lists. */
static void cv_scheme_ed25519(struct tlsh_wbuf *w, size_t mark)
{
	put16(w->buf + mark + TLSH_HS_HDR, TLSH_SIG_ED25519);
}

static void type_finished(struct tlsh_wbuf *w, size_t mark)
{
	w->buf[mark] = TLSH_HS_FINISHED;
}

/*
 * An ECDHE suite's ServerKeyExchange left out: a CertificateRequest (of
 * its body) stands where only the RSA key transport may have one.
 */
static void type_certificate_request(struct tlsh_wbuf *w, size_t mark)
{
	w->buf[mark] = TLSH_HS_CERTIFICATE_REQUEST;
}

/* ECDHE_ECDSA chosen, ECDHE_RSA announced: the certificate does not fit. */
static void sh_suite_rsa(struct tlsh_wbuf *w, size_t mark)
{
	uint8_t *m = w->buf + mark;

	put16(m + ext_block(m) - 3, TLSH_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
}

static void pms_version_0302(const struct tlsh_conn *c, uint8_t *pms,
			     size_t len)
{
	(void)c;
	(void)len;
	pms[1] = 0x02;
}

/* CLIENT_AUTH*: ECDHE, a client certificate required (ECDSA, RSA key). */
enum kx { ECDHE, RSA_KX, ECDHE_TWO_SUITES, CLIENT_AUTH, CLIENT_AUTH_RSA };

struct neg12 {
	const char *name;
	enum kx kx;
	bool server_sends;
	uint16_t msg;
	void (*mutate)(struct tlsh_wbuf *w, size_t mark);
	void (*pre_master)(const struct tlsh_conn *c, uint8_t *pms,
			   size_t len);
	enum tlsh_err want;
};

#define CH TLSH_HS_CLIENT_HELLO
#define SH TLSH_HS_SERVER_HELLO
#define SKE TLSH_HS_SERVER_KEY_EXCHANGE
#define SHD TLSH_HS_SERVER_HELLO_DONE
#define CKE TLSH_HS_CLIENT_KEY_EXCHANGE
#define FIN TLSH_HS_FINISHED
#define CR TLSH_HS_CERTIFICATE_REQUEST
#define CV TLSH_HS_CERTIFICATE_VERIFY

#define NEG12_CASES(X) \
	X(ch_no_null_compression, ECDHE, false, CH, comp_not_null, NULL, TLSH_ERR_ILLEGAL_PARAMETER) \
	X(ch_without_ems, ECDHE, false, CH, no_ems, NULL, TLSH_ERR_HANDSHAKE_FAILURE) \
	X(ch_renegotiation_info_not_empty, ECDHE, false, CH, reneg_not_empty, NULL, TLSH_ERR_HANDSHAKE_FAILURE) \
	X(ch_tls11_only, ECDHE, false, CH, tls11, NULL, TLSH_ERR_PROTOCOL_VERSION) \
	X(sh_tls11, ECDHE, true, SH, tls11, NULL, TLSH_ERR_PROTOCOL_VERSION) \
	X(sh_compression, ECDHE, true, SH, comp_not_null, NULL, TLSH_ERR_ILLEGAL_PARAMETER) \
	X(sh_without_ems, ECDHE, true, SH, no_ems, NULL, TLSH_ERR_HANDSHAKE_FAILURE) \
	X(sh_renegotiation_info_not_empty, ECDHE, true, SH, reneg_not_empty, NULL, TLSH_ERR_HANDSHAKE_FAILURE) \
	X(sh_unoffered_extension, ECDHE, true, SH, unoffered_alpn, NULL, TLSH_ERR_UNSUPPORTED_EXTENSION) \
	X(ske_bad_signature, ECDHE, true, SKE, flip_last, NULL, TLSH_ERR_DECRYPT) \
	X(ske_not_named_curve, ECDHE, true, SKE, first_byte_1, NULL, TLSH_ERR_ILLEGAL_PARAMETER) \
	X(shd_not_empty, ECDHE, true, SHD, trailing_byte, NULL, TLSH_ERR_DECODE) \
	X(shd_out_of_order, ECDHE, true, SHD, type_finished, NULL, TLSH_ERR_UNEXPECTED_MESSAGE) \
	X(certificate_empty, ECDHE, true, TLSH_HS_CERTIFICATE, empty_chain, NULL, TLSH_ERR_DECODE) \
	X(certificate_trailing_byte, ECDHE, true, TLSH_HS_CERTIFICATE, trailing_byte, NULL, TLSH_ERR_DECODE) \
	X(certificate_wrong_key_type, ECDHE_TWO_SUITES, true, SH, sh_suite_rsa, NULL, TLSH_ERR_UNSUPPORTED_CERTIFICATE) \
	X(ske_unoffered_group, ECDHE, true, SKE, ske_group_p521, NULL, TLSH_ERR_ILLEGAL_PARAMETER) \
	X(ske_unoffered_scheme, ECDHE, true, SKE, ske_scheme_sha1, NULL, TLSH_ERR_ILLEGAL_PARAMETER) \
	X(ske_truncated, ECDHE, true, SKE, truncate_one, NULL, TLSH_ERR_DECODE) \
	X(ske_missing, ECDHE, true, SKE, type_certificate_request, NULL, TLSH_ERR_UNEXPECTED_MESSAGE) \
	X(cke_out_of_order, ECDHE, false, CKE, type_finished, NULL, TLSH_ERR_UNEXPECTED_MESSAGE) \
	X(cke_point_not_on_curve, ECDHE, false, CKE, bad_point, NULL, TLSH_ERR_ILLEGAL_PARAMETER) \
	X(cke_trailing_byte, ECDHE, false, CKE, trailing_byte, NULL, TLSH_ERR_DECODE) \
	X(client_finished_bad, ECDHE, false, FIN, flip_last, NULL, TLSH_ERR_DECRYPT) \
	X(server_finished_bad, ECDHE, true, FIN, flip_last, NULL, TLSH_ERR_DECRYPT) \
	X(client_finished_long, ECDHE, false, FIN, trailing_byte, NULL, TLSH_ERR_DECODE) \
	X(cr_truncated, CLIENT_AUTH, true, CR, truncate_one, NULL, TLSH_ERR_DECODE) \
	X(cr_trailing_byte, CLIENT_AUTH, true, CR, trailing_byte, NULL, TLSH_ERR_DECODE) \
	X(cr_no_certificate_types, CLIENT_AUTH, true, CR, cr_no_types, NULL, TLSH_ERR_DECODE) \
	X(cr_odd_signature_algorithms, CLIENT_AUTH, true, CR, cr_odd_sigalgs, NULL, TLSH_ERR_DECODE) \
	X(cr_distinguished_name_overrun, CLIENT_AUTH, true, CR, cr_dn_overrun, NULL, TLSH_ERR_DECODE) \
	X(cr_out_of_order, CLIENT_AUTH, true, CR, type_finished, NULL, TLSH_ERR_UNEXPECTED_MESSAGE) \
	X(client_certificate_trailing_byte, CLIENT_AUTH, false, TLSH_HS_CERTIFICATE, trailing_byte, NULL, TLSH_ERR_DECODE) \
	X(client_certificate_not_der, CLIENT_AUTH, false, TLSH_HS_CERTIFICATE, der_not_sequence, NULL, TLSH_ERR_BAD_CERTIFICATE) \
	X(client_certificate_out_of_order, CLIENT_AUTH, false, TLSH_HS_CERTIFICATE, type_finished, NULL, TLSH_ERR_UNEXPECTED_MESSAGE) \
	X(cv_bad_signature_ecdsa, CLIENT_AUTH, false, CV, flip_last, NULL, TLSH_ERR_DECRYPT) \
	X(cv_bad_signature_rsa, CLIENT_AUTH_RSA, false, CV, flip_last, NULL, TLSH_ERR_DECRYPT) \
	X(cv_trailing_byte, CLIENT_AUTH, false, CV, trailing_byte, NULL, TLSH_ERR_DECODE) \
	X(cv_truncated, CLIENT_AUTH_RSA, false, CV, truncate_one, NULL, TLSH_ERR_DECODE) \
	X(cv_unrequested_scheme, CLIENT_AUTH, false, CV, cv_scheme_ed25519, NULL, TLSH_ERR_ILLEGAL_PARAMETER) \
	X(cv_out_of_order, CLIENT_AUTH, false, CV, type_finished, NULL, TLSH_ERR_UNEXPECTED_MESSAGE) \
	X(rsa_bad_padding, RSA_KX, false, CKE, flip_last, NULL, TLSH_ERR_BAD_RECORD_MAC) \
	X(rsa_wrong_client_version, RSA_KX, false, 0, NULL, pms_version_0302, TLSH_ERR_BAD_RECORD_MAC) \
	X(rsa_short_ciphertext, RSA_KX, false, CKE, short_ciphertext, NULL, TLSH_ERR_BAD_RECORD_MAC) \
	X(rsa_client_finished_bad, RSA_KX, false, FIN, flip_last, NULL, TLSH_ERR_DECRYPT) \
	X(rsa_server_finished_bad, RSA_KX, true, FIN, flip_last, NULL, TLSH_ERR_DECRYPT)

static const struct neg12 *current;
static bool mutated;

static void mutate_hook(const struct tlsh_conn *c, struct tlsh_wbuf *w,
			size_t mark)
{
	(void)c;
	if (current->mutate && w->buf[mark] == current->msg) {
		current->mutate(w, mark);
		mutated = true;
	}
}

static void pre_master_hook(const struct tlsh_conn *c, uint8_t *pms,
			    size_t len)
{
	current->pre_master(c, pms, len);
	mutated = true;
}

static int setup12(struct pair *p, enum kx kx)
{
	if (pair_init(p, kx == RSA_KX ? "rsa" : "ec"))
		return -1;
	if (kx == RSA_KX) {
		pair12_client(p, &rsa_kx_suite, NULL);
	} else if (kx == ECDHE_TWO_SUITES) {
		static const uint16_t two[] = {
			TLSH_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			TLSH_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		};

		p->ccfg.suites = two;
		p->ccfg.n_suites = 2;
	} else if (kx == CLIENT_AUTH || kx == CLIENT_AUTH_RSA) {
		p->scfg.verify_client = true;
		p->scfg.require_client_cert = true;
		if (kx == CLIENT_AUTH_RSA) {
			tlsh_cred_free(&p->client_cred);
			if (load_cred(&p->client_cred, "cli-rsa"))
				return -1;
		}
		p->ccfg.cred = &p->client_cred;
	} else {
		/* Offers TLS 1.3 too: the downgrade case needs it. */
		p->ccfg.groups = &p256;
		p->ccfg.n_groups = 1;
	}
	p->scfg.allow_rsa_kx = true;
	return 0;
}

static int run_case(struct __test_metadata *_metadata, const struct neg12 *nc)
{
	struct pair p;
	struct tlsh_test_hooks hooks = { .mutate = mutate_hook,
					 .pre_master = pre_master_hook };
	struct tlsh_conn *sender, *receiver;

	current = nc;
	mutated = false;
	if (setup12(&p, nc->kx) || pair_start(&p))
		return -1;
	if (nc->kx != RSA_KX)
		p.ccfg.max_version = TLSH_TLS12;
	if (!nc->pre_master)
		hooks.pre_master = NULL;
	sender = nc->server_sends ? p.s : p.c;
	receiver = nc->server_sends ? p.c : p.s;
	tlsh_conn_set_test_hooks(sender, &hooks);
	pair_run(&p);
	EXPECT_TRUE(mutated);
	expect_damage_stopped(_metadata, nc->name, sender, receiver, nc->want);
	pair_free(&p);
	return 0;
}

FIXTURE(damaged12) {};
FIXTURE_SETUP(damaged12) {}
FIXTURE_TEARDOWN(damaged12) {}
FIXTURE_VARIANT(damaged12) { struct neg12 nc; };

#define AS_VARIANT(name, ...) \
	FIXTURE_VARIANT_ADD(damaged12, name) { .nc = { #name, __VA_ARGS__ } };
NEG12_CASES(AS_VARIANT)

TEST_F(damaged12, alert_and_no_keys)
{
	ASSERT_EQ(0, run_case(_metadata, &variant->nc));
}

/* ---- RSA key transport: no padding oracle ---- */

enum robot { GOOD, FINISHED_RECORD_DAMAGED, BAD_PADDING, WRONG_VERSION,
	     SHORT_CIPHERTEXT };

struct robot_result {
	enum tlsh_err err;
	char reason[200];
	uint8_t out[64];
	size_t out_len;
	size_t step;		/* where the server's state machine stopped */
	int silent_records;	/* records taken without output or error */
};

static const struct neg12 robot_mut[] = {
	[BAD_PADDING] = { .msg = CKE, .mutate = flip_last },
	[WRONG_VERSION] = { .pre_master = pms_version_0302 },
	[SHORT_CIPHERTEXT] = { .msg = CKE, .mutate = short_ciphertext },
};

static int robot(enum robot kind, struct robot_result *r)
{
	struct pair p;
	struct tlsh_test_hooks hooks = { .mutate = mutate_hook,
					 .pre_master = pre_master_hook };
	uint8_t flight[4096];
	const uint8_t *out;
	size_t len, off = 0, n, used;

	memset(r, 0, sizeof(*r));
	current = &robot_mut[kind];
	if (!current->pre_master)
		hooks.pre_master = NULL;
	if (setup12(&p, RSA_KX) || pair_start(&p))
		return -1;
	tlsh_conn_set_test_hooks(p.c, &hooks);
	if (tlsh_conn_start(p.c) || pump(p.c, p.s, &n) || pump(p.s, p.c, &n))
		return -2;
	/* The client's ClientKeyExchange, ChangeCipherSpec, Finished. */
	out = tlsh_conn_output(p.c, &len);
	if (len > sizeof(flight))
		return -3;
	memcpy(flight, out, len);
	tlsh_conn_output_done(p.c, len);
	if (kind == FINISHED_RECORD_DAMAGED)
		flight[len - 1] ^= 0x01;
	while (off < len) {
		size_t rec = 5 + get16(flight + off + 3), got = 0;

		while (got < rec && tlsh_conn_want(p.s)) {
			r->err = tlsh_conn_feed(p.s, flight + off + got,
						rec - got, &used);
			got += used;
			if (r->err)
				break;
		}
		off += rec;
		(void)tlsh_conn_output(p.s, &n);
		if (r->err || n)
			break;
		r->silent_records++;
	}
	out = tlsh_conn_output(p.s, &r->out_len);
	if (r->out_len <= sizeof(r->out))
		memcpy(r->out, out, r->out_len);
	snprintf(r->reason, sizeof(r->reason), "%s",
		 tlsh_conn_error_reason(p.s) ?: "");
	r->step = p.s->step;
	pair_free(&p);
	return 0;
}

/*
 * RFC 5246 7.4.7.1: whatever is wrong with the EncryptedPreMasterSecret
 * (padding, client_version, length), the server goes on with a random
 * pre-master secret exactly as with a good one, and the handshake fails
 * where a Finished record made without the right keys fails: the record
 * does not decrypt, bad_record_mac, same state, same bytes out. (A wrong
 * verify_data inside a correctly keyed record is decrypt_error, see
 * rsa_client_finished_bad; only a holder of the pre-master can make it.)
 */
TEST(rsa_kx_failures_look_alike)
{
	struct robot_result good, ref, r;
	static const uint8_t alert[] = { 0x15, 3, 3, 0, 2, 2, 20 };

	ASSERT_EQ(0, robot(GOOD, &good));
	ASSERT_EQ(TLSH_OK, good.err);
	/* CKE, CCS silent; the Finished answered with CCS + Finished. */
	ASSERT_EQ(2, good.silent_records);
	ASSERT_NE(0, good.out_len);
	ASSERT_EQ(0, robot(FINISHED_RECORD_DAMAGED, &ref));
	ASSERT_EQ(TLSH_ERR_BAD_RECORD_MAC, ref.err);
	/* ClientKeyExchange and ChangeCipherSpec were taken silently. */
	ASSERT_EQ(2, ref.silent_records);
	ASSERT_EQ(sizeof(alert), ref.out_len);
	ASSERT_EQ(0, memcmp(alert, ref.out, sizeof(alert)));
	for (enum robot k = BAD_PADDING; k <= SHORT_CIPHERTEXT; k++) {
		ASSERT_EQ(0, robot(k, &r));
		EXPECT_EQ(ref.err, r.err);
		EXPECT_STREQ(ref.reason, r.reason);
		EXPECT_EQ(ref.silent_records, r.silent_records);
		EXPECT_EQ(ref.step, r.step);
		EXPECT_EQ(ref.out_len, r.out_len);
		EXPECT_EQ(0, memcmp(ref.out, r.out, ref.out_len));
	}
}

/* ---- renegotiation is refused ---- */

static int done12(struct pair *p)
{
	if (pair_init(p, "ec"))
		return -1;
	p->ccfg.max_version = TLSH_TLS12;
	return run(p);
}

/*
 * A handshake message that from seals after the handshake: the record
 * layer of to answers with a no_renegotiation warning and goes on
 * (tls_conformance has the details).
 */
static void refused_in_userspace(struct __test_metadata *_metadata,
				 struct tlsh_conn *from, struct tlsh_conn *to,
				 const uint8_t *msg, size_t len)
{
	uint8_t type, data[64];
	size_t dlen;

	ASSERT_EQ(0, tlsh_rec_seal(&from->tx, TLSH_CT_HANDSHAKE, msg, len, 0,
				   &from->out));
	ASSERT_EQ(TLSH_OK, deliver_record(from, to, &type, data, &dlen));
	ASSERT_EQ(TLSH_OK, deliver_record(to, from, &type, data, &dlen));
	ASSERT_EQ(TLSH_CT_ALERT, type);
}

TEST(renegotiation_refused)
{
	static const uint8_t hello_request[] = { 0, 0, 0, 0 };
	static const uint8_t client_hello[] = { 1, 0, 0, 2, 3, 3 };
	struct pair p;

	/* A ClientHello under the client's keys after the handshake. */
	ASSERT_EQ(0, done12(&p));
	refused_in_userspace(_metadata, p.c, p.s, client_hello,
			     sizeof(client_hello));
	pair_free(&p);

	/* A HelloRequest from the server. */
	ASSERT_EQ(0, done12(&p));
	refused_in_userspace(_metadata, p.s, p.c, hello_request,
			     sizeof(hello_request));
	pair_free(&p);

	/* From a kTLS socket (record type 22 read by the relay): fatal. */
	ASSERT_EQ(0, done12(&p));
	ASSERT_EQ(TLSH_ERR_NO_RENEGOTIATION,
		  tlsh_conn_post_handshake(p.c, hello_request,
					   sizeof(hello_request)));
	ASSERT_EQ(TLSH_ERR_NO_RENEGOTIATION,
		  tlsh_conn_post_handshake(p.s, client_hello,
					   sizeof(client_hello)));
	ASSERT_STREQ("peer asked to renegotiate; refused",
		     tlsh_conn_error_reason(p.s));
	pair_free(&p);

	/* Anything else after the handshake is unexpected. */
	ASSERT_EQ(0, done12(&p));
	ASSERT_EQ(TLSH_ERR_UNEXPECTED_MESSAGE,
		  tlsh_conn_post_handshake(p.c, (const uint8_t *)"\x04\0\0\0",
					   4));
	pair_free(&p);
}

/* A HelloRequest during the handshake is ignored (RFC 5246 7.4.1.1). */
TEST(hello_request_during_handshake_ignored)
{
	static const uint8_t hr[] = { 0x16, 3, 3, 0, 4, 0, 0, 0, 0 };
	struct pair p;
	size_t used, n;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.ccfg.max_version = TLSH_TLS12;
	ASSERT_EQ(0, pair_start(&p));
	ASSERT_EQ(0, tlsh_conn_start(p.c));
	ASSERT_EQ(0, pump(p.c, p.s, &n));
	ASSERT_EQ(0, pump(p.s, p.c, &n));
	ASSERT_EQ(0, tlsh_conn_feed(p.c, hr, sizeof(hr), &used));
	ASSERT_EQ(sizeof(hr), used);
	ASSERT_EQ(0, pump(p.c, p.s, &n));
	ASSERT_EQ(0, pump(p.s, p.c, &n));
	ASSERT_TRUE(tlsh_conn_done(p.c));
	ASSERT_TRUE(tlsh_conn_done(p.s));
	check_traffic12_and_free(_metadata, &p);
}

/*
 * An attacker removes TLS 1.3 from the client's supported_versions: the
 * server settles on TLS 1.2 and marks its random, and the client, which
 * offered TLS 1.3, refuses (RFC 8446 4.1.3) before any key is derived.
 */
TEST(downgrade_sentinel_detected)
{
	static const struct neg12 nc = { .msg = CH, .mutate = strip_tls13 };
	struct tlsh_test_hooks hooks = { .mutate = mutate_hook };
	struct pair p;
	struct tlsh_traffic_keys k;

	current = &nc;
	mutated = false;
	ASSERT_EQ(0, setup12(&p, ECDHE));
	ASSERT_NE(0, run_hooked(_metadata, &p, &hooks));
	ASSERT_TRUE(mutated);
	ASSERT_EQ(TLSH_ERR_ILLEGAL_PARAMETER, tlsh_conn_error(p.c));
	ASSERT_STREQ("downgrade to TLS 1.2 detected (RFC 8446 sentinel)",
		     tlsh_conn_error_reason(p.c));
	ASSERT_EQ(tlsh_err_peer_alert(TLSH_ALERT_ILLEGAL_PARAMETER),
		  tlsh_conn_error(p.s));
	ASSERT_EQ(TLSH_ERR_STATE, tlsh_conn_export_keys(p.c, &k));
	ASSERT_EQ(TLSH_ERR_STATE, tlsh_conn_export_keys(p.s, &k));
	pair_free(&p);
}

TEST_HARNESS_MAIN
