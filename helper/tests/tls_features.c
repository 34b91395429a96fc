// SPDX-License-Identifier: GPL-2.0
/*
 * Engine features over an in-process client x server: NewSessionTickets and
 * the exported sequence numbers, several credentials chosen by SNI and by
 * signature_algorithms, certificate failures with their reasons (time
 * injected), the NSS key log, ALPN, limits.
 */
#include <string.h>
#include <unistd.h>

#include "tls_testutil.h"
#include "kselftest_harness.h"
#include "tls_pair.h"
#include "tls/conn.h"

/* A client that allows tickets: psk_key_exchange_modes = { psk_dhe_ke }. */
static const struct tlsh_test_hooks psk_modes_hooks = {
	.client_hello_ext = add_psk_modes,
};

TEST(tickets_sent_before_done_and_counted_in_tx_seq)
{
	struct pair p;
	struct tlsh_traffic_keys sk, ck;
	uint8_t type, data[TLSH_MAX_CIPHERTEXT];
	size_t dlen, out;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.scfg.n_tickets = 2;
	ASSERT_EQ(0, run_hooked(_metadata, &p, &psk_modes_hooks));
	/* Done, with both tickets already queued for the wire. */
	ASSERT_TRUE(tlsh_conn_done(p.s));
	(void)tlsh_conn_output(p.s, &out);
	ASSERT_GT(out, 0);
	ASSERT_EQ(0, tlsh_conn_export_keys(p.s, &sk));
	ASSERT_EQ(0, tlsh_conn_export_keys(p.c, &ck));
	ASSERT_EQ(2, sk.tx.seq);
	ASSERT_EQ(0, sk.rx.seq);
	ASSERT_EQ(0, ck.tx.seq);
	ASSERT_EQ(0, ck.rx.seq);
	/* The client reads and ignores both; data then follows at seq 2. */
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, deliver_record(p.s, p.c, &type, data, &dlen));
		ASSERT_EQ(TLSH_CT_HANDSHAKE, type);
		ASSERT_EQ(0, dlen);
	}
	(void)tlsh_conn_output(p.s, &out);
	ASSERT_EQ(0, out);
	check_traffic_and_free(_metadata, &p);
}

/* The server sent no NewSessionTicket: nothing after its Finished. */
static void no_tickets(struct __test_metadata *_metadata, struct pair *p)
{
	struct tlsh_traffic_keys sk;
	size_t out;

	ASSERT_EQ(0, tlsh_conn_export_keys(p->s, &sk));
	ASSERT_EQ(0, sk.tx.seq);
	(void)tlsh_conn_output(p->s, &out);
	ASSERT_EQ(0, out);
}

TEST(no_tickets_when_count_is_zero)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	ASSERT_EQ(0, run_hooked(_metadata, &p, &psk_modes_hooks));
	no_tickets(_metadata, &p);
	pair_free(&p);
}

/* RFC 8446 4.2.9: no psk_key_exchange_modes, no tickets. */
TEST(no_tickets_for_client_without_psk_modes)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.scfg.n_tickets = 3;
	run_ok(_metadata, &p);
	no_tickets(_metadata, &p);
	check_traffic_and_free(_metadata, &p);
}

/* Through the kTLS path: handshake bytes as a reader gets them. */
TEST(client_post_handshake_ticket_and_key_update)
{
	struct pair p;
	static const uint8_t nst[] = {
		4, 0, 0, 14, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 1, 0xaa, 0, 0,
	};
	static const uint8_t ku[] = { 24, 0, 0, 1, 0 };

	ASSERT_EQ(0, pair_init(&p, "ec"));
	run_ok(_metadata, &p);
	/* Split across two records. */
	ASSERT_EQ(0, tlsh_conn_post_handshake(p.c, nst, 7));
	ASSERT_EQ(0, tlsh_conn_post_handshake(p.c, nst + 7, sizeof(nst) - 7));
	ASSERT_EQ(TLSH_ERR_UNEXPECTED_MESSAGE,
		  tlsh_conn_post_handshake(p.c, ku, sizeof(ku)));
	ASSERT_NE(NULL, strstr(tlsh_conn_error_reason(p.c), "KeyUpdate"));
	/* A server takes no tickets. */
	ASSERT_EQ(TLSH_ERR_UNEXPECTED_MESSAGE,
		  tlsh_conn_post_handshake(p.s, nst, sizeof(nst)));
	pair_free(&p);
}

/* A pair whose server holds the credentials a and b, in that order. */
static int pair_two_creds(struct pair *p, const char *a, const char *b)
{
	if (pair_init(p, "ec"))
		return -1;
	p->n_creds = 0;
	tlsh_cred_free(&p->creds[0]);
	return pair_add_cred(p, a) || pair_add_cred(p, b) ? -1 : 0;
}

TEST(sni_selects_the_credential)
{
	static const char *const names[] = { "localhost", "alt.example",
					     "www.alt.example" };
	static const char *const want[] = { "localhost", "alt.example",
					    "alt.example" };

	for (int i = 0; i < 3; i++) {
		struct pair p;
		gnutls_x509_crt_t leaf;
		char cn[64];
		size_t cn_len = sizeof(cn);
		gnutls_datum_t der;

		ASSERT_EQ(0, pair_two_creds(&p, "ec", "alt"));
		p.ccfg.server_name = names[i];
		ASSERT_EQ(0, run(&p)) {
			TH_LOG("%s: %s / %s", names[i],
			       tlsh_conn_error_reason(p.c),
			       tlsh_conn_error_reason(p.s));
		}
		ASSERT_STREQ(names[i], tlsh_conn_sni(p.s));
		/* The server's leaf is the one for the name. */
		ASSERT_EQ(0, gnutls_x509_crt_init(&leaf));
		der = p.creds[i ? 1 : 0].der[0];
		ASSERT_EQ(0, gnutls_x509_crt_import(leaf, &der,
						    GNUTLS_X509_FMT_DER));
		ASSERT_EQ(0, gnutls_x509_crt_get_dn_by_oid(
			leaf, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cn_len));
		ASSERT_STREQ(want[i], cn);
		gnutls_x509_crt_deinit(leaf);
		pair_free(&p);
	}
}

TEST(unknown_sni_gets_the_first_credential)
{
	struct pair p;

	ASSERT_EQ(0, pair_two_creds(&p, "ec", "alt"));
	p.ccfg.server_name = "nowhere.example";
	ASSERT_NE(0, run(&p));
	ASSERT_EQ(TLSH_ERR_CERTIFICATE_UNKNOWN, p.cerr);
	ASSERT_STREQ("name mismatch: cert is for localhost, wanted nowhere.example",
		     tlsh_conn_error_reason(p.c));
	ASSERT_STREQ("peer sent alert certificate_unknown",
		     tlsh_conn_error_reason(p.s));
	pair_free(&p);
}

TEST(signature_algorithms_select_the_credential)
{
	static const uint16_t only_ec[] = { TLSH_SIG_ECDSA_SECP256R1_SHA256 };
	static const uint16_t only_pss[] = { TLSH_SIG_RSA_PSS_RSAE_SHA384 };
	static const uint16_t only_ed[] = { TLSH_SIG_ED25519 };
	struct pair p;

	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, pair_two_creds(&p, "rsa", "ec"));
		p.ccfg.sig_schemes = i == 0 ? only_ec : i == 1 ? only_pss : only_ed;
		p.ccfg.n_sig_schemes = 1;
		if (i < 2) {
			run_ok(_metadata, &p);
			ASSERT_EQ(p.ccfg.sig_schemes[0], tlsh_conn_sigscheme(p.c));
			ASSERT_EQ(0, check_traffic(&p));
		} else {
			struct tlsh_traffic_keys k;

			ASSERT_NE(0, run(&p));
			ASSERT_EQ(TLSH_ERR_HANDSHAKE_FAILURE, p.serr);
			ASSERT_STREQ("no certificate for the client's signature algorithms",
				     tlsh_conn_error_reason(p.s));
			ASSERT_STREQ("peer sent alert handshake_failure",
				     tlsh_conn_error_reason(p.c));
			ASSERT_EQ(TLSH_ERR_STATE, tlsh_conn_export_keys(p.s, &k));
			ASSERT_EQ(TLSH_ERR_STATE, tlsh_conn_export_keys(p.c, &k));
		}
		pair_free(&p);
	}
}

TEST(chain_signed_with_rsa_pkcs1_is_accepted)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec-by-rsa"));
	ASSERT_EQ(0, run(&p)) {
		TH_LOG("%s", tlsh_conn_error_reason(p.c));
	}
	check_traffic_and_free(_metadata, &p);
}

static time_t offset_clock(void *ctx)
{
	return time(NULL) + *(const long *)ctx;
}

static void expect_failure(struct __test_metadata *_metadata, struct pair *p,
			   enum tlsh_err cerr, const char *reason_prefix)
{
	struct tlsh_traffic_keys k;

	ASSERT_NE(0, run(p));
	ASSERT_EQ(cerr, p->cerr) {
		TH_LOG("client: %s", tlsh_conn_error_reason(p->c));
	}
	ASSERT_EQ(0, strncmp(tlsh_conn_error_reason(p->c), reason_prefix,
			     strlen(reason_prefix))) {
		TH_LOG("reason: %s", tlsh_conn_error_reason(p->c));
	}
	ASSERT_EQ(tlsh_err_peer_alert(tlsh_err_alert(cerr)),
		  tlsh_conn_error(p->s));
	ASSERT_EQ(TLSH_ERR_STATE, tlsh_conn_export_keys(p->c, &k));
	ASSERT_EQ(TLSH_ERR_STATE, tlsh_conn_export_keys(p->s, &k));
}

/* The client's clock off by offset seconds: the server's certificate fails. */
static void client_clock_off(struct __test_metadata *_metadata, long offset,
			     const char *reason_prefix)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.ccfg.now = offset_clock;
	p.ccfg.now_ctx = &offset;
	expect_failure(_metadata, &p, TLSH_ERR_CERTIFICATE_EXPIRED,
		       reason_prefix);
	pair_free(&p);
}

TEST(expired_certificate)
{
	client_clock_off(_metadata, 40L * 86400,
			 "certificate expired (localhost, on ");
}

TEST(certificate_not_yet_valid)
{
	client_clock_off(_metadata, -86400,
			 "certificate not yet valid (localhost, from ");
}

TEST(expired_client_certificate)
{
	struct pair p;
	long later = 40L * 86400;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.scfg.verify_client = true;
	p.ccfg.cred = &p.client_cred;
	p.scfg.now = offset_clock;
	p.scfg.now_ctx = &later;
	ASSERT_NE(0, run(&p));
	ASSERT_EQ(TLSH_ERR_CERTIFICATE_EXPIRED, p.serr);
	ASSERT_EQ(0, strncmp(tlsh_conn_error_reason(p.s),
			     "certificate expired (tlsh test client", 37));
	pair_free(&p);
}

TEST(unknown_ca)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "rogue"));
	expect_failure(_metadata, &p, TLSH_ERR_UNKNOWN_CA,
		       "unknown CA (issuer CN=tlsh test CA)");
	pair_free(&p);
}

TEST(name_mismatch)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.ccfg.server_name = "b.example";
	expect_failure(_metadata, &p, TLSH_ERR_CERTIFICATE_UNKNOWN,
		       "name mismatch: cert is for localhost, wanted b.example");
	pair_free(&p);
}

TEST(reasons_for_negotiation_failures)
{
	static const uint16_t cs[] = { 0x1301 }, ss[] = { 0x1303 };
	static const uint16_t cg[] = { TLSH_GROUP_X25519 };
	static const uint16_t sg[] = { TLSH_GROUP_SECP384R1 };
	static const char *const ca[] = { "h2" }, *const sa[] = { "http/1.1" };
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	SET_LIST(p.ccfg, suites, cs);
	SET_LIST(p.scfg, suites, ss);
	ASSERT_NE(0, run(&p));
	ASSERT_STREQ("no common cipher suite", tlsh_conn_error_reason(p.s));
	ASSERT_STREQ("peer sent alert handshake_failure",
		     tlsh_conn_error_reason(p.c));
	pair_free(&p);

	ASSERT_EQ(0, pair_init(&p, "ec"));
	SET_LIST(p.ccfg, groups, cg);
	SET_LIST(p.scfg, groups, sg);
	ASSERT_NE(0, run(&p));
	ASSERT_STREQ("no common group", tlsh_conn_error_reason(p.s));
	pair_free(&p);

	ASSERT_EQ(0, pair_init(&p, "ec"));
	SET_LIST(p.ccfg, alpn, ca);
	SET_LIST(p.scfg, alpn, sa);
	ASSERT_NE(0, run(&p));
	ASSERT_EQ(TLSH_ERR_NO_APPLICATION_PROTOCOL, p.serr);
	ASSERT_EQ(tlsh_err_peer_alert(TLSH_ALERT_NO_APPLICATION_PROTOCOL),
		  p.cerr);
	ASSERT_STREQ("no common application protocol",
		     tlsh_conn_error_reason(p.s));
	ASSERT_STREQ("peer sent alert no_application_protocol",
		     tlsh_conn_error_reason(p.c));
	pair_free(&p);

	ASSERT_EQ(0, pair_init(&p, "ec"));
	run_ok(_metadata, &p);
	ASSERT_EQ(NULL, tlsh_conn_error_reason(p.c));
	ASSERT_EQ(NULL, tlsh_conn_error_reason(p.s));
	pair_free(&p);
}

/* ALPN is optional on either side: no extension, no protocol. */
TEST(alpn_one_sided)
{
	static const char *const a[] = { "h2" };
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	SET_LIST(p.ccfg, alpn, a);
	run_ok(_metadata, &p);
	ASSERT_EQ(NULL, tlsh_conn_alpn(p.c));
	ASSERT_EQ(NULL, tlsh_conn_alpn(p.s));
	pair_free(&p);

	ASSERT_EQ(0, pair_init(&p, "ec"));
	SET_LIST(p.scfg, alpn, a);
	run_ok(_metadata, &p);
	ASSERT_EQ(NULL, tlsh_conn_alpn(p.c));
	pair_free(&p);
}

struct keylog {
	int n;
	char label[8][40];
	uint8_t random[8][32];
	uint8_t secret[8][48];
	size_t len[8];
};

static void keylog_cb(void *ctx, const char *label,
		      const uint8_t *client_random, const uint8_t *secret,
		      size_t len)
{
	struct keylog *k = ctx;

	if (k->n == 8 || len > 48)
		return;
	snprintf(k->label[k->n], sizeof(k->label[0]), "%s", label);
	memcpy(k->random[k->n], client_random, 32);
	memcpy(k->secret[k->n], secret, len);
	k->len[k->n++] = len;
}

TEST(keylog)
{
	static const char *const labels[] = {
		"CLIENT_HANDSHAKE_TRAFFIC_SECRET",
		"SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
		"SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET",
	};
	static const uint16_t suite[] = { 0x1302 };
	struct keylog ck = { 0 }, sk = { 0 };
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	SET_LIST(p.ccfg, suites, suite);
	p.ccfg.keylog = keylog_cb;
	p.ccfg.keylog_ctx = &ck;
	p.scfg.keylog = keylog_cb;
	p.scfg.keylog_ctx = &sk;
	run_ok(_metadata, &p);
	ASSERT_EQ(5, ck.n);
	ASSERT_EQ(5, sk.n);
	for (int i = 0; i < 5; i++) {
		ASSERT_STREQ(labels[i], ck.label[i]);
		ASSERT_STREQ(labels[i], sk.label[i]);
		ASSERT_EQ(48, ck.len[i]);
		ASSERT_EQ(0, memcmp(ck.secret[i], sk.secret[i], 48));
		ASSERT_EQ(0, memcmp(ck.random[i], sk.random[i], 32));
		ASSERT_EQ(0, memcmp(ck.random[i], ck.random[0], 32));
	}
	pair_free(&p);
}

TEST(handshake_byte_limit)
{
	struct pair p;
	struct tlsh_traffic_keys k;

	/* The server's flight (certificate included) is over 600 bytes. */
	ASSERT_EQ(0, pair_init(&p, "rsa"));
	p.ccfg.max_handshake_bytes = 600;
	ASSERT_NE(0, run(&p));
	ASSERT_EQ(TLSH_ERR_HANDSHAKE_FAILURE, p.cerr);
	ASSERT_EQ(0, strncmp("handshake", tlsh_conn_error_reason(p.c), 9));
	ASSERT_EQ(TLSH_ERR_STATE, tlsh_conn_export_keys(p.c, &k));
	pair_free(&p);

	/* And a ClientHello over the server's limit. */
	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.scfg.max_handshake_bytes = 100;
	ASSERT_NE(0, run(&p));
	ASSERT_EQ(TLSH_ERR_HANDSHAKE_FAILURE, p.serr);
	ASSERT_EQ(tlsh_err_peer_alert(TLSH_ALERT_HANDSHAKE_FAILURE), p.cerr);
	pair_free(&p);

	/* The default (64 KiB) lets a normal handshake through. */
	ASSERT_EQ(0, pair_init(&p, "rsa"));
	p.scfg.verify_client = true;
	p.ccfg.cred = &p.client_cred;
	run_ok(_metadata, &p);
	pair_free(&p);
}

TEST(credential_must_match_its_key)
{
	struct tlsh_cred cred;

	ASSERT_EQ(0, pki_make() == NULL);
	ASSERT_EQ(TLSH_ERR_CONFIG, tlsh_cred_load(&cred, pki_path("ec.pem"),
						  pki_path("alt.key")));
	ASSERT_EQ(TLSH_ERR_CONFIG, tlsh_cred_load(&cred, pki_path("ec.pem"),
						  pki_path("rsa.key")));
	ASSERT_EQ(0, tlsh_cred_load(&cred, pki_path("ed.pem"),
				    pki_path("ed.key")));
	tlsh_cred_free(&cred);
}

TEST(trust_from_file_and_system_store)
{
	gnutls_x509_trust_list_t t;

	ASSERT_EQ(0, tlsh_trust_load(&t, pki_path("cas.pem")));
	gnutls_x509_trust_list_deinit(t, 1);
	ASSERT_EQ(TLSH_ERR_CONFIG, tlsh_trust_load(&t, "/nonexistent/ca.pem"));
	if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0) {
		ASSERT_EQ(0, tlsh_trust_load(&t, NULL));
		gnutls_x509_trust_list_deinit(t, 1);
	}
}

TEST(server_needs_a_credential)
{
	struct tlsh_config cfg = { .random = rng_fill };
	struct tlsh_conn *c;

	ASSERT_EQ(TLSH_ERR_CONFIG, tlsh_conn_new(&c, &cfg, true));
	ASSERT_EQ(NULL, c);
}

TEST_HARNESS_MAIN
