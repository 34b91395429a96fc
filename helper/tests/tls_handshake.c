// SPDX-License-Identifier: GPL-2.0
/*
 * In-process client x server handshakes over memory buffers: every suite x
 * group, HelloRetryRequest, client authentication, certificate failures,
 * the exported kTLS keys and application data both ways.
 */
#include <string.h>

#include "tls_testutil.h"
#include "kselftest_harness.h"
#include "tls_pair.h"

/* Every suite x group x signature scheme, each with its own certificate. */
TEST(every_suite_group_and_scheme)
{
	static const uint16_t suites[] = { 0x1301, 0x1302, 0x1303, 0x1304 };
	static const uint16_t groups[] = { TLSH_GROUP_X25519,
					   TLSH_GROUP_SECP256R1,
					   TLSH_GROUP_SECP384R1 };
	static const struct { const char *cert; uint16_t scheme; } sigs[] = {
		{ "ec", TLSH_SIG_ECDSA_SECP256R1_SHA256 },
		{ "ec384", TLSH_SIG_ECDSA_SECP384R1_SHA384 },
		{ "ed", TLSH_SIG_ED25519 },
		{ "rsa", TLSH_SIG_RSA_PSS_RSAE_SHA256 },
		{ "rsa", TLSH_SIG_RSA_PSS_RSAE_SHA384 },
		{ "rsa", TLSH_SIG_RSA_PSS_RSAE_SHA512 },
		{ "pss", TLSH_SIG_RSA_PSS_PSS_SHA256 },
	};
	const size_t n_sigs = sizeof(sigs) / sizeof(sigs[0]);

	for (size_t i = 0; i < 4; i++) {
		for (size_t j = 0; j < 3; j++) {
			for (size_t k = 0; k < n_sigs; k++) {
				struct pair p;

				ASSERT_EQ(0, pair_init(&p, sigs[k].cert));
				p.ccfg.suites = &suites[i];
				p.ccfg.n_suites = 1;
				SET_LIST(p.scfg, suites, suites);
				p.ccfg.groups = &groups[j];
				p.ccfg.n_groups = 1;
				SET_LIST(p.scfg, groups, groups);
				p.ccfg.sig_schemes = &sigs[k].scheme;
				p.ccfg.n_sig_schemes = 1;
				ASSERT_EQ(0, run(&p)) {
					TH_LOG("suite %04x group %04x scheme %04x: client %s, server %s",
					       suites[i], groups[j], sigs[k].scheme,
					       tlsh_conn_error_reason(p.c),
					       tlsh_conn_error_reason(p.s));
				}
				ASSERT_EQ(suites[i], tlsh_conn_suite(p.s));
				ASSERT_EQ(suites[i], tlsh_conn_suite(p.c));
				ASSERT_EQ(groups[j], tlsh_conn_group(p.c));
				ASSERT_EQ(groups[j], tlsh_conn_group(p.s));
				ASSERT_EQ(sigs[k].scheme, tlsh_conn_sigscheme(p.c));
				ASSERT_EQ(sigs[k].scheme, tlsh_conn_sigscheme(p.s));
				ASSERT_EQ(TLSH_TLS13, tlsh_conn_version(p.c));
				ASSERT_FALSE(tlsh_conn_did_hrr(p.c));
				ASSERT_EQ(0, check_traffic(&p));
				pair_free(&p);
			}
		}
	}
}

/* A server with this certificate and the default configuration. */
static void server_cert_ok(struct __test_metadata *_metadata, const char *cert)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, cert));
	run_ok(_metadata, &p);
	check_traffic_and_free(_metadata, &p);
}

TEST(rsa_pss_rsae_server)
{
	server_cert_ok(_metadata, "rsa");
}

TEST(rsa_pss_pss_server)
{
	server_cert_ok(_metadata, "pss");
}

TEST(hello_retry_request)
{
	static const uint16_t cgroups[] = { TLSH_GROUP_X25519,
					    TLSH_GROUP_SECP256R1 };
	static const uint16_t sgroups[] = { TLSH_GROUP_SECP256R1 };
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	SET_LIST(p.ccfg, groups, cgroups);
	SET_LIST(p.scfg, groups, sgroups);
	run_ok(_metadata, &p);
	ASSERT_TRUE(tlsh_conn_did_hrr(p.c));
	ASSERT_TRUE(tlsh_conn_did_hrr(p.s));
	ASSERT_EQ(TLSH_GROUP_SECP256R1, tlsh_conn_group(p.c));
	check_traffic_and_free(_metadata, &p);
}

TEST(no_middlebox_compat)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.ccfg.no_middlebox_compat = true;
	run_ok(_metadata, &p);
	check_traffic_and_free(_metadata, &p);
}

/*
 * The server asks for a client certificate; the client has one when
 * with_cert, and the server ends up with that many.
 */
static void client_auth_ok(struct __test_metadata *_metadata, struct pair *p,
			   bool with_cert)
{
	p->scfg.verify_client = true;
	if (with_cert)
		p->ccfg.cred = &p->client_cred;
	run_ok(_metadata, p);
	ASSERT_EQ(with_cert ? 1 : 0, tlsh_conn_peer_certs(p->s));
}

TEST(client_auth)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.scfg.require_client_cert = true;
	client_auth_ok(_metadata, &p, true);
	check_traffic_and_free(_metadata, &p);
}

TEST(client_auth_with_hrr)
{
	static const uint16_t sgroups[] = { TLSH_GROUP_SECP256R1 };
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "rsa"));
	SET_LIST(p.scfg, groups, sgroups);
	client_auth_ok(_metadata, &p, true);
	ASSERT_TRUE(tlsh_conn_did_hrr(p.s));
	check_traffic_and_free(_metadata, &p);
}

TEST(client_cert_optional_and_absent)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	client_auth_ok(_metadata, &p, false);
	check_traffic_and_free(_metadata, &p);
}

TEST(client_cert_required_but_absent)
{
	struct pair p;
	size_t len;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.scfg.verify_client = true;
	p.scfg.require_client_cert = true;
	ASSERT_NE(0, run(&p));
	ASSERT_EQ(TLSH_ERR_CERTIFICATE_REQUIRED, p.serr);
	/*
	 * A TLS 1.3 client is done when it sends Finished; the server's
	 * alert comes under the application keys and reads as such.
	 */
	ASSERT_TRUE(tlsh_conn_done(p.c));
	{
		uint8_t rec[64], type;
		const uint8_t *out = tlsh_conn_output(p.s, &len), *data;
		size_t dlen;

		ASSERT_LT(len, sizeof(rec));
		memcpy(rec, out, len);
		ASSERT_EQ(tlsh_err_peer_alert(TLSH_ALERT_CERTIFICATE_REQUIRED),
			  tlsh_conn_read_record(p.c, rec, len, &type, &data,
						&dlen));
		ASSERT_EQ(TLSH_CT_ALERT, type);
	}
	pair_free(&p);
}

TEST(untrusted_server)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "rogue"));
	ASSERT_NE(0, run(&p));
	ASSERT_EQ(TLSH_ERR_UNKNOWN_CA, p.cerr);
	ASSERT_EQ(tlsh_err_peer_alert(TLSH_ALERT_UNKNOWN_CA),
		  tlsh_conn_error(p.s));
	pair_free(&p);
}

TEST(wrong_server_name)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.ccfg.server_name = "example.org";
	ASSERT_NE(0, run(&p));
	ASSERT_EQ(TLSH_ERR_CERTIFICATE_UNKNOWN, p.cerr);
	pair_free(&p);
}

TEST(no_common_suite)
{
	static const uint16_t cs[] = { 0x1301 }, ss[] = { 0x1303 };
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	SET_LIST(p.ccfg, suites, cs);
	SET_LIST(p.scfg, suites, ss);
	ASSERT_NE(0, run(&p));
	ASSERT_EQ(TLSH_ERR_HANDSHAKE_FAILURE, p.serr);
	ASSERT_EQ(tlsh_err_peer_alert(TLSH_ALERT_HANDSHAKE_FAILURE), p.cerr);
	pair_free(&p);
}

TEST(alpn)
{
	static const char *const calpn[] = { "h2", "http/1.1" };
	static const char *const salpn[] = { "http/1.1" };
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	SET_LIST(p.ccfg, alpn, calpn);
	SET_LIST(p.scfg, alpn, salpn);
	run_ok(_metadata, &p);
	ASSERT_STREQ("http/1.1", tlsh_conn_alpn(p.c));
	ASSERT_STREQ("http/1.1", tlsh_conn_alpn(p.s));
	ASSERT_STREQ("localhost", tlsh_conn_sni(p.s));
	pair_free(&p);
}

/*
 * The client's Finished and its first application record arrive in one
 * segment: the server consumes exactly through the Finished record.
 */
/* All of from's output fed to to in one call and taken whole. */
static void feed_whole(struct __test_metadata *_metadata,
		       struct tlsh_conn *from, struct tlsh_conn *to)
{
	size_t len, used;
	const uint8_t *out = tlsh_conn_output(from, &len);

	ASSERT_EQ(0, tlsh_conn_feed(to, out, len, &used));
	ASSERT_EQ(len, used);
	tlsh_conn_output_done(from, len);
}

TEST(stops_after_last_handshake_record)
{
	struct pair p;
	uint8_t seg[4096];
	size_t len, flen, used, total = 0;
	const uint8_t *out;
	enum tlsh_err err = TLSH_OK;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	ASSERT_EQ(0, pair_start(&p));
	ASSERT_EQ(0, tlsh_conn_start(p.c));
	feed_whole(_metadata, p.c, p.s);
	feed_whole(_metadata, p.s, p.c);
	ASSERT_TRUE(tlsh_conn_done(p.c));
	out = tlsh_conn_output(p.c, &flen);
	memcpy(seg, out, flen);
	tlsh_conn_output_done(p.c, flen);
	ASSERT_EQ(0, tlsh_conn_write_app(p.c, (const uint8_t *)"hello", 5));
	out = tlsh_conn_output(p.c, &len);
	memcpy(seg + flen, out, len);
	/* Feed the whole segment one call at a time, as a greedy driver. */
	while (total < flen + len && !tlsh_conn_done(p.s)) {
		err = tlsh_conn_feed(p.s, seg + total, flen + len - total,
				     &used);
		ASSERT_EQ(0, err);
		total += used;
	}
	ASSERT_TRUE(tlsh_conn_done(p.s));
	ASSERT_EQ(flen, total);
	ASSERT_EQ(0, tlsh_conn_want(p.s));
	{
		const uint8_t *data;
		size_t dlen;
		uint8_t type;

		ASSERT_EQ(0, tlsh_conn_read_record(p.s, seg + flen, len, &type,
						   &data, &dlen));
		ASSERT_EQ(5, dlen);
		ASSERT_EQ(0, memcmp(data, "hello", 5));
	}
	pair_free(&p);
}

TEST(tampered_finished)
{
	struct pair p;
	size_t len, used;
	const uint8_t *out;
	uint8_t buf[8192];

	ASSERT_EQ(0, pair_init(&p, "ec"));
	ASSERT_EQ(0, pair_start(&p));
	ASSERT_EQ(0, tlsh_conn_start(p.c));
	feed_whole(_metadata, p.c, p.s);
	out = tlsh_conn_output(p.s, &len);
	ASSERT_LT(len, sizeof(buf));
	memcpy(buf, out, len);
	buf[len - 1] ^= 1;	/* last byte of the server's last record's tag */
	ASSERT_EQ(TLSH_ERR_BAD_RECORD_MAC, tlsh_conn_feed(p.c, buf, len, &used));
	ASSERT_FALSE(tlsh_conn_done(p.c));
	/* Sticky. */
	ASSERT_EQ(TLSH_ERR_BAD_RECORD_MAC, tlsh_conn_feed(p.c, buf, 1, &used));
	ASSERT_EQ(0, tlsh_conn_want(p.c));
	/* An alert record is queued for the peer. */
	out = tlsh_conn_output(p.c, &len);
	ASSERT_GT(len, 0);
	pair_free(&p);
}

TEST_HARNESS_MAIN
