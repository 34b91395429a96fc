// SPDX-License-Identifier: GPL-2.0
/*
 * TLS 1.2 client x server in one process: every suite with each group and
 * each fitting certificate, both key exchanges; version negotiation with
 * TLS 1.3 in the same server; the kTLS key layout.
 */
#include "tls_testutil.h"
#include "kselftest_harness.h"
#include "tls12_pair.h"
#include "tls/conn.h"

static const uint16_t ecdsa_suites[] = {
	TLSH_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	TLSH_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	TLSH_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
};
static const uint16_t rsa_suites[] = {
	TLSH_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	TLSH_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	TLSH_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};
static const uint16_t kx_suites[] = {
	TLSH_TLS_RSA_WITH_AES_128_GCM_SHA256,
	TLSH_TLS_RSA_WITH_AES_256_GCM_SHA384,
};
static const uint16_t groups[] = {
	TLSH_GROUP_X25519, TLSH_GROUP_SECP256R1, TLSH_GROUP_SECP384R1,
};

static int one(struct __test_metadata *_metadata, const char *cert,
	       const uint16_t *suite, const uint16_t *group)
{
	struct pair p;
	int rc;

	if (pair_init(&p, cert))
		return -100;
	pair12_client(&p, suite, group);
	rc = run(&p);
	if (rc) {
		TH_LOG("%s %04x %04x: client %s, server %s", cert, *suite,
		       group ? *group : 0,
		       tlsh_conn_error_reason(p.c) ?: "-",
		       tlsh_conn_error_reason(p.s) ?: "-");
		pair_free(&p);
		return -101;
	}
	if (tlsh_conn_version(p.c) != TLSH_TLS12 ||
	    tlsh_conn_version(p.s) != TLSH_TLS12 ||
	    tlsh_conn_suite(p.c) != *suite || tlsh_conn_suite(p.s) != *suite ||
	    (group && tlsh_conn_group(p.s) != *group) ||
	    tlsh_conn_peer_certs(p.c) != 1)
		rc = -102;
	else
		rc = check_traffic12(&p);
	pair_free(&p);
	return rc;
}

/* Every certificate with each of the three suites and groups: how many. */
static int every_suite_group(struct __test_metadata *_metadata,
			     const char *const *certs, size_t n_certs,
			     const uint16_t suites[3])
{
	int n = 0;

	for (size_t c = 0; c < n_certs; c++)
		for (size_t s = 0; s < 3; s++)
			for (size_t g = 0; g < 3; g++, n++)
				ASSERT_EQ(0, one(_metadata, certs[c],
						 &suites[s], &groups[g]));
	return n;
}

TEST(ecdhe_ecdsa_every_suite_group_cert)
{
	static const char *const certs[] = { "ec", "ec384", "ed" };

	ASSERT_EQ(27, every_suite_group(_metadata, certs, 3, ecdsa_suites));
}

TEST(ecdhe_rsa_every_suite_group_cert)
{
	static const char *const certs[] = { "rsa", "pss" };

	ASSERT_EQ(18, every_suite_group(_metadata, certs, 2, rsa_suites));
}

TEST(rsa_key_transport_both_suites)
{
	for (size_t s = 0; s < 2; s++)
		ASSERT_EQ(0, one(_metadata, "rsa", &kx_suites[s], NULL));
}

/* Each RSA signature scheme the client may insist on. */
TEST(ske_signature_schemes)
{
	static const uint16_t schemes[] = {
		TLSH_SIG_RSA_PKCS1_SHA256, TLSH_SIG_RSA_PKCS1_SHA384,
		TLSH_SIG_RSA_PKCS1_SHA512, TLSH_SIG_RSA_PSS_RSAE_SHA256,
		TLSH_SIG_RSA_PSS_RSAE_SHA384, TLSH_SIG_RSA_PSS_RSAE_SHA512,
	};

	for (size_t i = 0; i < 6; i++) {
		struct pair p;

		ASSERT_EQ(0, pair_init(&p, "rsa"));
		pair12_client(&p, &rsa_suites[0], &groups[0]);
		p.ccfg.sig_schemes = &schemes[i];
		p.ccfg.n_sig_schemes = 1;
		ASSERT_EQ(0, run(&p));
		ASSERT_EQ(schemes[i], tlsh_conn_sigscheme(p.c));
		ASSERT_EQ(0, check_traffic12(&p));
		pair_free(&p);
	}
}

/* RSA key transport is off unless the server allows it. */
TEST(rsa_key_transport_off_by_default)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "rsa"));
	pair12_client(&p, &kx_suites[0], NULL);
	p.scfg.allow_rsa_kx = false;
	ASSERT_NE(0, run(&p));
	ASSERT_EQ(TLSH_ERR_HANDSHAKE_FAILURE, tlsh_conn_error(p.s));
	ASSERT_STREQ("no common cipher suite", tlsh_conn_error_reason(p.s));
	pair_free(&p);
	/* Nor does a client offer it by default. */
	ASSERT_EQ(0, pair_init(&p, "rsa"));
	p.ccfg.max_version = TLSH_TLS12;
	p.scfg.allow_rsa_kx = true;
	ASSERT_EQ(0, run(&p));
	ASSERT_EQ(TLSH_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		  tlsh_conn_suite(p.s));
	pair_free(&p);
}

/* The server picks the certificate that fits the suite (and the SNI). */
TEST(credential_by_suite)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	ASSERT_EQ(0, pair_add_cred(&p, "rsa"));
	pair12_client(&p, &rsa_suites[1], &groups[1]);
	ASSERT_EQ(0, run(&p));
	check_traffic12_and_free(_metadata, &p);
	ASSERT_EQ(0, pair_init(&p, "rsa"));
	ASSERT_EQ(0, pair_add_cred(&p, "ec"));
	pair12_client(&p, &ecdsa_suites[0], &groups[0]);
	ASSERT_EQ(0, run(&p));
	ASSERT_EQ(TLSH_SIG_ECDSA_SECP256R1_SHA256, tlsh_conn_sigscheme(p.c));
	pair_free(&p);
}

/* RFC 8422 5.3: no ECDSA certificate on a curve the client does not list. */
TEST(ecdsa_certificate_curve_must_be_supported)
{
	static const uint16_t x25519_only = TLSH_GROUP_X25519;
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	pair12_client(&p, &ecdsa_suites[0], NULL);
	p.ccfg.groups = &x25519_only;
	p.ccfg.n_groups = 1;
	ASSERT_NE(0, run(&p));
	ASSERT_EQ(TLSH_ERR_HANDSHAKE_FAILURE, tlsh_conn_error(p.s));
	pair_free(&p);
	/* Ed25519 has no such restriction. */
	ASSERT_EQ(0, pair_init(&p, "ed"));
	pair12_client(&p, &ecdsa_suites[0], NULL);
	p.ccfg.groups = &x25519_only;
	p.ccfg.n_groups = 1;
	ASSERT_EQ(0, run(&p));
	check_traffic12_and_free(_metadata, &p);
}

TEST(alpn_and_sni)
{
	static const char *const protos[] = { "h2", "http/1.1" };
	static const char *const sprotos[] = { "http/1.1" };
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.ccfg.max_version = TLSH_TLS12;
	p.ccfg.alpn = protos;
	p.ccfg.n_alpn = 2;
	p.scfg.alpn = sprotos;
	p.scfg.n_alpn = 1;
	ASSERT_EQ(0, run(&p));
	ASSERT_STREQ("http/1.1", tlsh_conn_alpn(p.c));
	ASSERT_STREQ("http/1.1", tlsh_conn_alpn(p.s));
	ASSERT_STREQ("localhost", tlsh_conn_sni(p.s));
	pair_free(&p);
}

/* ---- version negotiation ---- */

static int versions(struct __test_metadata *_metadata, uint16_t cmin,
		    uint16_t cmax, uint16_t smin, uint16_t smax,
		    uint16_t want)
{
	struct pair p;
	int rc;

	if (pair_init(&p, "ec"))
		return -1;
	p.ccfg.min_version = cmin;
	p.ccfg.max_version = cmax;
	p.scfg.min_version = smin;
	p.scfg.max_version = smax;
	rc = run(&p);
	if (!want) {
		rc = rc && tlsh_conn_error(p.s) == TLSH_ERR_PROTOCOL_VERSION &&
		     tlsh_conn_error(p.c) ==
		     tlsh_err_peer_alert(TLSH_ALERT_PROTOCOL_VERSION) ? 0 : -2;
	} else if (!rc) {
		rc = tlsh_conn_version(p.c) == want &&
		     tlsh_conn_version(p.s) == want ? 0 : -3;
		if (!rc)
			rc = want == TLSH_TLS12 ? check_traffic12(&p) :
						  check_traffic(&p);
	}
	if (rc)
		TH_LOG("%04x-%04x vs %04x-%04x: %d (%s / %s)", cmin, cmax,
		       smin, smax, rc, tlsh_conn_error_reason(p.c) ?: "-",
		       tlsh_conn_error_reason(p.s) ?: "-");
	pair_free(&p);
	return rc;
}

TEST(version_negotiation)
{
	const uint16_t V2 = TLSH_TLS12, V3 = TLSH_TLS13;

	/* Defaults on both sides: TLS 1.3. */
	ASSERT_EQ(0, versions(_metadata, 0, 0, 0, 0, V3));
	/* A TLS 1.2-only client gets TLS 1.2 from the same server. */
	ASSERT_EQ(0, versions(_metadata, 0, V2, 0, 0, V2));
	ASSERT_EQ(0, versions(_metadata, V2, V2, V2, V3, V2));
	/* A TLS 1.2-only server and a client that also offers 1.3. */
	ASSERT_EQ(0, versions(_metadata, 0, 0, 0, V2, V2));
	/* A TLS 1.3-only client against a 1.2 server, and vice versa. */
	ASSERT_EQ(0, versions(_metadata, V3, V3, V2, V2, 0));
	ASSERT_EQ(0, versions(_metadata, V2, V2, V3, V3, 0));
	ASSERT_EQ(0, versions(_metadata, V3, V3, V3, V3, V3));
}

/* A server configured with TLS 1.2 suites only answers a 1.3 client in 1.2. */
TEST(server_with_only_tls12_suites)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.scfg.suites = ecdsa_suites;
	p.scfg.n_suites = 3;
	ASSERT_EQ(0, run(&p));
	ASSERT_EQ(TLSH_TLS12, tlsh_conn_version(p.c));
	ASSERT_FALSE(tlsh_downgrade_sentinel(p.c->t12.server_random));
	check_traffic12_and_free(_metadata, &p);
}

/* The server marks a downgrade only when it could have done TLS 1.3. */
TEST(downgrade_sentinel_in_server_random)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.ccfg.max_version = TLSH_TLS12;
	ASSERT_EQ(0, run(&p));
	ASSERT_EQ(0, memcmp(p.s->t12.server_random + 24, "DOWNGRD\x01", 8));
	ASSERT_EQ(0, memcmp(p.c->t12.server_random + 24, "DOWNGRD\x01", 8));
	pair_free(&p);
	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.scfg.max_version = TLSH_TLS12;
	ASSERT_EQ(0, run(&p));
	ASSERT_FALSE(tlsh_downgrade_sentinel(p.c->t12.server_random));
	pair_free(&p);
}

/* Nothing past the server's Finished is consumed by the client. */
TEST(stops_after_finished)
{
	struct pair p;
	uint8_t buf[4096], app[5];
	const uint8_t *out;
	size_t len, used, off = 0;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.ccfg.max_version = TLSH_TLS12;
	ASSERT_EQ(0, pair_start(&p));
	ASSERT_EQ(0, tlsh_conn_start(p.c));
	/* Drive by hand until the server's last flight is pending. */
	for (int i = 0; i < 4 && !tlsh_conn_done(p.s); i++) {
		ASSERT_EQ(0, pump(p.c, p.s, &len));
		if (!tlsh_conn_done(p.s))
			ASSERT_EQ(0, pump(p.s, p.c, &len));
	}
	ASSERT_TRUE(tlsh_conn_done(p.s));
	ASSERT_EQ(0, tlsh_conn_write_app(p.s, app, 0));
	out = tlsh_conn_output(p.s, &len);
	memcpy(buf, out, len);
	while (off < len && tlsh_conn_want(p.c)) {
		ASSERT_EQ(0, tlsh_conn_feed(p.c, buf + off, len - off, &used));
		off += used;
	}
	ASSERT_TRUE(tlsh_conn_done(p.c));
	/* CCS (6) + Finished record (5 + 8 + 16 + 16) consumed, no more. */
	ASSERT_EQ(6 + 45, off);
	ASSERT_EQ(0, tlsh_conn_want(p.c));
	pair_free(&p);
}

struct keylog {
	int calls;
	char label[32];
	uint8_t secret[48];
	size_t len;
};

static void keylog(void *ctx, const char *label, const uint8_t *cr,
		   const uint8_t *secret, size_t len)
{
	struct keylog *k = ctx;

	k->calls++;
	snprintf(k->label, sizeof(k->label), "%s", label);
	memcpy(k->secret, secret, len < 48 ? len : 48);
	k->len = len;
	(void)cr;
}

/* NSS key log: CLIENT_RANDOM and the master secret, equal on both sides. */
TEST(keylog_client_random)
{
	struct pair p;
	struct keylog ck = { 0 }, sk = { 0 };

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.ccfg.max_version = TLSH_TLS12;
	p.ccfg.keylog = keylog;
	p.ccfg.keylog_ctx = &ck;
	p.scfg.keylog = keylog;
	p.scfg.keylog_ctx = &sk;
	ASSERT_EQ(0, run(&p));
	ASSERT_EQ(1, ck.calls);
	ASSERT_EQ(1, sk.calls);
	ASSERT_STREQ("CLIENT_RANDOM", ck.label);
	ASSERT_EQ(48, ck.len);
	ASSERT_EQ(0, memcmp(ck.secret, sk.secret, 48));
	pair_free(&p);
}

TEST_HARNESS_MAIN
