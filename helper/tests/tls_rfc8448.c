// SPDX-License-Identifier: GPL-2.0
/*
 * RFC 8448 replayed through the real state machines. The client and the
 * server get the RFC's randoms, ephemeral keys and RSA-PSS salts from their
 * random functions and the RFC's RSA key and certificate; every record each
 * side writes is compared with the RFC's bytes, and every secret (key log),
 * exported key and IV with the RFC's values.
 *
 * The RFC's peers sent extensions this engine never sends (ffdhe groups,
 * record_size_limit, the session_ticket and renegotiation_info of older
 * versions, padding) and an HRR cookie; test hooks write those extension
 * blocks, with the key share and cookie taken from the engine's own state.
 * Everything else, from the record framing to the CertificateVerify
 * signature, is the engine's.
 */
#include <string.h>

#include "tls_testutil.h"
#include "kselftest_harness.h"
#include "tls_pair.h"
#include "tls_rfc8448.h"
#include "tls/conn.h"

/* Random bytes served from a list of hex chunks, then from a counter. */
struct script {
	const char *chunk[4];
	size_t n, i, off;
	struct rng filler;
};

static void script_random(void *ctx, size_t len, uint8_t *dst)
{
	struct script *s = ctx;

	while (len && s->i < s->n) {
		uint8_t buf[64];
		size_t total = unhex(s->chunk[s->i], buf, sizeof(buf));
		size_t k = total - s->off < len ? total - s->off : len;

		memcpy(dst, buf + s->off, k);
		dst += k;
		len -= k;
		s->off += k;
		if (s->off == total) {
			s->i++;
			s->off = 0;
		}
	}
	if (len)
		rng_fill(&s->filler, len, dst);
}

/*
 * An extension block from the RFC with the engine's own key share and
 * cookie written over the RFC's (they must be equal for the records to be).
 */
static void put_template(const struct tlsh_conn *c, struct tlsh_wbuf *w,
			 const char *hex)
{
	uint8_t buf[1024];
	size_t n = unhex(hex, buf, sizeof(buf));

	for (size_t i = 0; i + 4 <= n;) {
		size_t type = (size_t)buf[i] << 8 | buf[i + 1];
		size_t len = (size_t)buf[i + 2] << 8 | buf[i + 3];

		if (type == 51 && len == 6 + c->kex.pub_len)
			memcpy(buf + i + 10, c->kex.pub, c->kex.pub_len);
		if (type == 44 && c->cli.cookie && len == 2 + c->cli.cookie_len)
			memcpy(buf + i + 6, c->cli.cookie, c->cli.cookie_len);
		i += 4 + len;
	}
	tlsh_put_bytes(w, buf, n);
}

struct trace {
	const char *ch1_ext, *ch2_ext, *hrr_ext, *ee_ext, *nst_body;
};

static const struct trace *trace_of(const struct tlsh_conn *c)
{
	return c->hooks->ctx;
}

static bool client_hello_ext(const struct tlsh_conn *c, struct tlsh_wbuf *w)
{
	put_template(c, w, c->hrr ? trace_of(c)->ch2_ext : trace_of(c)->ch1_ext);
	return true;
}

static bool hrr_ext(const struct tlsh_conn *c, struct tlsh_wbuf *w)
{
	put_template(c, w, trace_of(c)->hrr_ext);
	return true;
}

static bool encrypted_ext(const struct tlsh_conn *c, struct tlsh_wbuf *w)
{
	put_template(c, w, trace_of(c)->ee_ext);
	return true;
}

static bool ticket(const struct tlsh_conn *c, unsigned int i,
		   struct tlsh_wbuf *w)
{
	put_template(c, w, trace_of(c)->nst_body);
	return true;
}

struct keylog {
	int n;
	char label[5][40];
	uint8_t secret[5][48];
};

static void keylog_cb(void *ctx, const char *label,
		      const uint8_t *client_random, const uint8_t *secret,
		      size_t len)
{
	struct keylog *k = ctx;

	if (k->n < 5 && len == 32) {
		snprintf(k->label[k->n], sizeof(k->label[0]), "%s", label);
		memcpy(k->secret[k->n++], secret, 32);
	}
}

static time_t jan_2019(void *ctx)
{
	return 1546300800;	/* the RFC's certificate expires in July 2026 */
}

struct replay {
	struct tlsh_config ccfg, scfg;
	struct script crnd, srnd;
	struct tlsh_cred cred;
	gnutls_x509_trust_list_t trust;
	struct tlsh_test_hooks hooks;
	struct keylog ckl, skl;
	struct tlsh_conn *c, *s;
};

static const uint16_t rfc_suites[] = { 0x1301, 0x1303, 0x1302 };
static const uint16_t rfc_groups[] = { TLSH_GROUP_X25519,
				       TLSH_GROUP_SECP256R1,
				       TLSH_GROUP_SECP384R1 };
static const uint16_t p256_only[] = { TLSH_GROUP_SECP256R1 };

static int datum(const char *hex, gnutls_datum_t *d, uint8_t *buf, size_t cap)
{
	d->size = (unsigned int)unhex(hex, buf, cap);
	d->data = buf;
	return d->size <= cap ? 0 : -1;
}

/* The RFC's self-signed RSA certificate and key; also the client's trust. */
static int replay_init(struct replay *r, const struct trace *t)
{
	uint8_t b[6][512];
	gnutls_datum_t n, e, d, p, q, der;
	gnutls_privkey_t key;
	gnutls_x509_crt_t crt;

	memset(r, 0, sizeof(*r));
	if (datum(r8448_rsa_n, &n, b[0], 512) || datum(r8448_rsa_e, &e, b[1], 512) ||
	    datum(r8448_rsa_d, &d, b[2], 512) || datum(r8448_rsa_p, &p, b[3], 512) ||
	    datum(r8448_rsa_q, &q, b[4], 512) || datum(r8448_cert, &der, b[5], 512))
		return -1;
	if (gnutls_privkey_init(&key) < 0 ||
	    gnutls_privkey_import_rsa_raw(key, &n, &e, &d, &p, &q, NULL, NULL,
					  NULL) < 0)
		return -2;
	if (tlsh_cred_import(&r->cred, &der, 1, key))
		return -3;
	if (gnutls_x509_trust_list_init(&r->trust, 0) < 0 ||
	    gnutls_x509_crt_init(&crt) < 0 ||
	    gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER) < 0 ||
	    gnutls_x509_trust_list_add_cas(r->trust, &crt, 1, 0) != 1)
		return -4;
	r->hooks = (struct tlsh_test_hooks){
		.client_hello_ext = client_hello_ext, .hrr_ext = hrr_ext,
		.encrypted_ext = encrypted_ext, .ticket = ticket,
		.ctx = (void *)t,
	};
	r->crnd.filler.seed = 1;
	r->srnd.filler.seed = 2;
	r->ccfg = (struct tlsh_config){
		.random = script_random, .random_ctx = &r->crnd,
		.suites = rfc_suites, .n_suites = 3,
		.groups = rfc_groups, .n_groups = 3,
		/* The certificate is for "rsa"; SNI comes from the template. */
		.trust = r->trust, .server_name = NULL,
		.no_middlebox_compat = true,
		.now = jan_2019, .keylog = keylog_cb, .keylog_ctx = &r->ckl,
	};
	r->scfg = (struct tlsh_config){
		.random = script_random, .random_ctx = &r->srnd,
		.suites = rfc_suites, .n_suites = 3,
		.groups = rfc_groups, .n_groups = 3,
		.cred = &r->cred, .keylog = keylog_cb, .keylog_ctx = &r->skl,
	};
	return 0;
}

static int replay_start(struct replay *r)
{
	if (tlsh_conn_new(&r->c, &r->ccfg, false) ||
	    tlsh_conn_new(&r->s, &r->scfg, true))
		return -1;
	tlsh_conn_set_test_hooks(r->c, &r->hooks);
	tlsh_conn_set_test_hooks(r->s, &r->hooks);
	return tlsh_conn_start(r->c) ? -1 : 0;
}

static void replay_free(struct replay *r)
{
	tlsh_conn_free(r->c);
	tlsh_conn_free(r->s);
	tlsh_cred_free(&r->cred);
	gnutls_x509_trust_list_deinit(r->trust, 1);
}

/*
 * What `from` has written must be exactly the RFC's records; they are then
 * fed to `to` as a driver would (exactly what tlsh_conn_want asks).
 */
static int expect_and_deliver(struct tlsh_conn *from, struct tlsh_conn *to,
			      const char *rec1, const char *rec2)
{
	uint8_t want[2048];
	size_t n = unhex(rec1, want, sizeof(want)), len, off = 0;
	const uint8_t *out = tlsh_conn_output(from, &len);

	if (rec2)
		n += unhex(rec2, want + n, sizeof(want) - n);
	if (len != n || memcmp(out, want, n)) {
		print_hex("expected", want, n);
		print_hex("got", out, len);
		return -1;
	}
	while (off < len && tlsh_conn_want(to)) {
		size_t used, k = tlsh_conn_want(to);

		k = k < len - off ? k : len - off;
		if (tlsh_conn_feed(to, out + off, k, &used) || used != k)
			return -2;
		off += k;
	}
	tlsh_conn_output_done(from, len);
	return off == len ? 0 : -3;
}

static int check_secrets(const struct keylog *k, const char *const hex[5])
{
	static const char *const labels[] = {
		"CLIENT_HANDSHAKE_TRAFFIC_SECRET",
		"SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
		"SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET",
	};

	if (k->n != 5)
		return -1;
	for (int i = 0; i < 5; i++)
		if (strcmp(labels[i], k->label[i]) || !hex_eq(hex[i], k->secret[i], 32))
			return -2 - i;
	return 0;
}

static int check_keys(const struct tlsh_traffic_dir *d, const char *key,
		      const char *iv, uint64_t seq)
{
	return hex_eq(key, d->key, 16) && hex_eq(iv, d->iv, 12) &&
	       d->seq == seq ? 0 : -1;
}

/* from sends app as exactly the record want, and to reads app back. */
static void app_record(struct __test_metadata *_metadata,
		       struct tlsh_conn *from, struct tlsh_conn *to,
		       const uint8_t *app, size_t n, const char *want)
{
	uint8_t rec[512], type;
	const uint8_t *out, *data;
	size_t len, dlen;

	ASSERT_EQ(0, tlsh_conn_write_app(from, app, n));
	out = tlsh_conn_output(from, &len);
	ASSERT_TRUE(hex_eq(want, out, len));
	ASSERT_LE(len, sizeof(rec));
	memcpy(rec, out, len);
	tlsh_conn_output_done(from, len);
	ASSERT_EQ(0, tlsh_conn_read_record(to, rec, len, &type, &data, &dlen));
	ASSERT_EQ(TLSH_CT_APPLICATION_DATA, type);
	ASSERT_EQ(n, dlen);
	ASSERT_EQ(0, memcmp(app, data, dlen));
}

static const struct trace simple = {
	.ch1_ext = r8448_s3_ch_ext, .ee_ext = r8448_s3_ee_ext,
	.nst_body = r8448_s3_nst_body,
};

TEST(section3_simple_1rtt)
{
	static const char *const secrets[] = {
		r8448_s3_c_hs, r8448_s3_s_hs, r8448_s3_c_ap, r8448_s3_s_ap,
		r8448_s3_exp,
	};
	struct replay r;
	struct tlsh_traffic_keys ck, sk;
	uint8_t app[50], rec[512], type;
	const uint8_t *out, *data;
	size_t len, dlen;

	ASSERT_EQ(0, replay_init(&r, &simple));
	r.crnd = (struct script){ { r8448_s3_client_random, r8448_s3_client_priv },
				  2, 0, 0, { 1, 0 } };
	r.srnd = (struct script){ { r8448_s3_server_priv, r8448_s3_server_random,
				    r8448_s3_pss_salt }, 3, 0, 0, { 2, 0 } };
	r.scfg.n_tickets = 1;
	ASSERT_EQ(0, replay_start(&r));
	/* {client} ClientHello; {server} ServerHello and the encrypted flight. */
	ASSERT_EQ(0, expect_and_deliver(r.c, r.s, r8448_s3_ch_record, NULL));
	ASSERT_EQ(0, expect_and_deliver(r.s, r.c, r8448_s3_sh_record,
					r8448_s3_flight_record)) {
		TH_LOG("client: %s", tlsh_conn_error_reason(r.c) ?: "-");
	}
	ASSERT_EQ(0, tlsh_conn_error(r.c)) {
		TH_LOG("client: %s", tlsh_conn_error_reason(r.c));
	}
	ASSERT_TRUE(tlsh_conn_done(r.c));
	/* {client} Finished; {server} NewSessionTicket, then done. */
	ASSERT_EQ(0, expect_and_deliver(r.c, r.s, r8448_s3_cfin_record, NULL));
	ASSERT_TRUE(tlsh_conn_done(r.s));
	out = tlsh_conn_output(r.s, &len);
	ASSERT_TRUE(hex_eq(r8448_s3_nst_record, out, len));
	memcpy(rec, out, len);
	tlsh_conn_output_done(r.s, len);
	ASSERT_EQ(0, check_secrets(&r.ckl, secrets));
	ASSERT_EQ(0, check_secrets(&r.skl, secrets));
	ASSERT_EQ(TLSH_SIG_RSA_PSS_RSAE_SHA256, tlsh_conn_sigscheme(r.c));
	/* The kernel gets the RFC's keys; the server's TX is past the ticket. */
	ASSERT_EQ(0, tlsh_conn_export_keys(r.s, &sk));
	ASSERT_EQ(0, tlsh_conn_export_keys(r.c, &ck));
	ASSERT_EQ(0, check_keys(&sk.tx, r8448_s3_s_ap_key, r8448_s3_s_ap_iv, 1));
	ASSERT_EQ(0, check_keys(&sk.rx, r8448_s3_c_ap_key, r8448_s3_c_ap_iv, 0));
	ASSERT_EQ(0, check_keys(&ck.tx, r8448_s3_c_ap_key, r8448_s3_c_ap_iv, 0));
	ASSERT_EQ(0, check_keys(&ck.rx, r8448_s3_s_ap_key, r8448_s3_s_ap_iv, 0));
	/* The client takes the ticket and ignores it. */
	ASSERT_EQ(0, tlsh_conn_read_record(r.c, rec, len, &type, &data, &dlen));
	ASSERT_EQ(TLSH_CT_HANDSHAKE, type);
	ASSERT_EQ(0, dlen);
	/* {client} and {server} application data: 00..31 both ways. */
	for (size_t i = 0; i < sizeof(app); i++)
		app[i] = (uint8_t)i;
	app_record(_metadata, r.c, r.s, app, sizeof(app), r8448_s3_c_app_record);
	app_record(_metadata, r.s, r.c, app, sizeof(app), r8448_s3_s_app_record);
	replay_free(&r);
}

static const struct trace hrr = {
	.ch1_ext = r8448_s5_ch1_ext, .ch2_ext = r8448_s5_ch2_ext,
	.hrr_ext = r8448_s5_hrr_ext, .ee_ext = r8448_s5_ee_ext,
};

TEST(section5_hello_retry_request)
{
	static const char *const secrets[] = {
		r8448_s5_c_hs, r8448_s5_s_hs, r8448_s5_c_ap, r8448_s5_s_ap,
		r8448_s5_exp,
	};
	struct replay r;
	struct tlsh_traffic_keys ck, sk;
	size_t len;

	ASSERT_EQ(0, replay_init(&r, &hrr));
	r.crnd = (struct script){ { r8448_s5_client_random,
				    r8448_s5_client_x25519,
				    r8448_s5_client_p256 }, 3, 0, 0, { 1, 0 } };
	r.srnd = (struct script){ { r8448_s5_server_p256, r8448_s5_server_random,
				    r8448_s5_pss_salt }, 3, 0, 0, { 2, 0 } };
	/* The server prefers P-256 and has no X25519 share: HRR. */
	SET_LIST(r.scfg, groups, p256_only);
	ASSERT_EQ(0, replay_start(&r));
	ASSERT_EQ(0, expect_and_deliver(r.c, r.s, r8448_s5_ch1_record, NULL));
	ASSERT_EQ(0, expect_and_deliver(r.s, r.c, r8448_s5_hrr_record, NULL));
	ASSERT_EQ(0, expect_and_deliver(r.c, r.s, r8448_s5_ch2_record, NULL)) {
		TH_LOG("client: %s", tlsh_conn_error_reason(r.c) ?: "-");
	}
	ASSERT_EQ(0, expect_and_deliver(r.s, r.c, r8448_s5_sh_record,
					r8448_s5_flight_record)) {
		TH_LOG("server: %s", tlsh_conn_error_reason(r.s) ?: "-");
	}
	ASSERT_EQ(0, tlsh_conn_error(r.c)) {
		TH_LOG("client: %s", tlsh_conn_error_reason(r.c));
	}
	ASSERT_EQ(0, expect_and_deliver(r.c, r.s, r8448_s5_cfin_record, NULL));
	ASSERT_TRUE(tlsh_conn_done(r.s));
	ASSERT_TRUE(tlsh_conn_did_hrr(r.c));
	ASSERT_TRUE(tlsh_conn_did_hrr(r.s));
	ASSERT_EQ(TLSH_GROUP_SECP256R1, tlsh_conn_group(r.c));
	(void)tlsh_conn_output(r.s, &len);
	ASSERT_EQ(0, len);
	ASSERT_EQ(0, check_secrets(&r.ckl, secrets));
	ASSERT_EQ(0, check_secrets(&r.skl, secrets));
	ASSERT_EQ(0, tlsh_conn_export_keys(r.s, &sk));
	ASSERT_EQ(0, tlsh_conn_export_keys(r.c, &ck));
	ASSERT_EQ(0, check_keys(&sk.tx, r8448_s5_s_ap_key, r8448_s5_s_ap_iv, 0));
	ASSERT_EQ(0, check_keys(&sk.rx, r8448_s5_c_ap_key, r8448_s5_c_ap_iv, 0));
	ASSERT_EQ(0, check_keys(&ck.tx, r8448_s5_c_ap_key, r8448_s5_c_ap_iv, 0));
	ASSERT_EQ(0, check_keys(&ck.rx, r8448_s5_s_ap_key, r8448_s5_s_ap_iv, 0));
	replay_free(&r);
}

TEST_HARNESS_MAIN
