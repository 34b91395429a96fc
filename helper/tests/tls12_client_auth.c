// SPDX-License-Identifier: GPL-2.0
/*
 * TLS 1.2 client certificates, client x server in one process: RSA and
 * ECDSA client keys over every kind of suite (SHA-256 and SHA-384
 * transcripts), the scheme and credential a client picks, a required
 * certificate that is missing or untrusted (the exact alert on both
 * sides), and --tls-min/--tls-max with verify_client. The damaged
 * messages are in tls12_negative.c.
 */
#include "tls_testutil.h"
#include "kselftest_harness.h"
#include "tls12_pair.h"
#include "tls/conn.h"

/* A TLS 1.2 client (offering one suite) to a server requiring a cert. */
static int setup(struct pair *p, const char *server_cert,
		 const uint16_t *suite, const char *client_cert)
{
	if (pair_init(p, server_cert))
		return -1;
	pair12_client(p, suite, NULL);
	p->scfg.verify_client = true;
	p->scfg.require_client_cert = true;
	if (client_cert) {
		tlsh_cred_free(&p->client_cred);
		if (load_cred(&p->client_cred, client_cert))
			return -1;
		p->ccfg.cred = &p->client_cred;
	}
	return 0;
}

/* Handshake, the client's leaf on the server's side, then traffic. */
static int accepted(struct __test_metadata *_metadata, struct pair *p)
{
	gnutls_x509_crt_t leaf;
	gnutls_datum_t der = { NULL, 0 };
	int same;

	if (run(p)) {
		TH_LOG("client %s, server %s",
		       tlsh_conn_error_reason(p->c) ?: tlsh_err_str(p->cerr),
		       tlsh_conn_error_reason(p->s) ?: tlsh_err_str(p->serr));
		return -1;
	}
	if (tlsh_conn_version(p->s) != TLSH_TLS12 ||
	    tlsh_conn_peer_certs(p->s) != 1)
		return -2;
	leaf = tlsh_conn_peer_leaf(p->s);
	if (!leaf || gnutls_x509_crt_export2(leaf, GNUTLS_X509_FMT_DER, &der))
		return -3;
	same = der.size == p->client_cred.der[0].size &&
	       !memcmp(der.data, p->client_cred.der[0].data, der.size);
	gnutls_free(der.data);
	if (!same)
		return -4;
	return check_traffic12(p) ? -5 : 0;
}

static const uint16_t suites[] = {
	TLSH_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	TLSH_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	TLSH_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	TLSH_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	TLSH_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	TLSH_TLS_RSA_WITH_AES_128_GCM_SHA256,
	TLSH_TLS_RSA_WITH_AES_256_GCM_SHA384,
};

static const char *server_for(uint16_t suite)
{
	const struct tlsh_suite *s = tlsh_suite_by_id(suite);

	return s->kx == TLSH_KX_ECDHE_ECDSA ? "ec" : "rsa";
}

static void every_suite(struct __test_metadata *_metadata,
			const char *client_cert)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		struct pair p;

		ASSERT_EQ(0, setup(&p, server_for(suites[i]), &suites[i],
				   client_cert));
		EXPECT_EQ(0, accepted(_metadata, &p)) {
			TH_LOG("%s client, suite %04x", client_cert,
			       suites[i]);
		}
		pair_free(&p);
	}
}

TEST(ecdsa_client_every_suite)
{
	every_suite(_metadata, "cli");
}

TEST(rsa_client_every_suite)
{
	every_suite(_metadata, "cli-rsa");
}

/* The server's list decides: PKCS#1 v1.5 only, RSA-PSS only, ECDSA. */
TEST(client_signs_with_a_requested_scheme)
{
	static const uint16_t pkcs1[] = { TLSH_SIG_RSA_PKCS1_SHA256 };
	static const uint16_t pss[] = { TLSH_SIG_RSA_PSS_RSAE_SHA256 };
	static const uint16_t *const lists[] = { pkcs1, pss };
	static const uint16_t suite = TLSH_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;

	for (size_t i = 0; i < 2; i++) {
		struct pair p;

		ASSERT_EQ(0, setup(&p, "rsa", &suite, "cli-rsa"));
		p.scfg.sig_schemes = lists[i];
		p.scfg.n_sig_schemes = 1;
		EXPECT_EQ(0, accepted(_metadata, &p));
		pair_free(&p);
	}
}

/* The first credential whose key type and schemes the request allows. */
TEST(client_picks_the_fitting_credential)
{
	static const uint16_t rsa_only[] = { TLSH_SIG_RSA_PSS_RSAE_SHA256,
					     TLSH_SIG_RSA_PKCS1_SHA256 };
	static const uint16_t suite = TLSH_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
	const struct tlsh_cred *creds[2];
	struct tlsh_cred rsa;
	struct pair p;

	ASSERT_EQ(0, setup(&p, "rsa", &suite, NULL));
	ASSERT_EQ(0, load_cred(&rsa, "cli-rsa"));
	creds[0] = &p.client_cred;	/* ECDSA: not requested */
	creds[1] = &rsa;
	p.ccfg.creds = creds;
	p.ccfg.n_creds = 2;
	p.scfg.sig_schemes = rsa_only;
	p.scfg.n_sig_schemes = 2;
	ASSERT_EQ(0, run(&p));
	ASSERT_EQ(GNUTLS_PK_RSA,
		  gnutls_x509_crt_get_pk_algorithm(tlsh_conn_peer_leaf(p.s),
						   NULL));
	pair_free(&p);
	tlsh_cred_free(&rsa);
}

/*
 * No credential fits (an ECDSA key, RSA schemes requested): an empty
 * Certificate, which a server that requires one refuses.
 */
TEST(no_fitting_credential_sends_an_empty_certificate)
{
	static const uint16_t rsa_only[] = { TLSH_SIG_RSA_PSS_RSAE_SHA256 };
	static const uint16_t suite = TLSH_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
	struct pair p;

	ASSERT_EQ(0, setup(&p, "rsa", &suite, "cli"));
	p.scfg.sig_schemes = rsa_only;
	p.scfg.n_sig_schemes = 1;
	p.scfg.require_client_cert = false;
	ASSERT_EQ(0, run(&p));
	ASSERT_EQ(0, tlsh_conn_peer_certs(p.s));
	check_traffic12_and_free(_metadata, &p);
}

TEST(optional_and_empty)
{
	static const uint16_t suite = TLSH_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
	struct pair p;

	ASSERT_EQ(0, setup(&p, "ec", &suite, NULL));
	p.scfg.require_client_cert = false;
	ASSERT_EQ(0, run(&p));
	ASSERT_EQ(TLSH_TLS12, tlsh_conn_version(p.s));
	ASSERT_EQ(0, tlsh_conn_peer_certs(p.s));
	ASSERT_EQ(NULL, tlsh_conn_peer_leaf(p.s));
	check_traffic12_and_free(_metadata, &p);
}

/*
 * Refused with this alert on both sides: no certificate when one is
 * required (RFC 5246 7.4.6: handshake_failure, TLS 1.2 has no
 * certificate_required), one from an unknown CA, a server certificate
 * (serverAuth only).
 */
TEST(refused_client_certificates)
{
	static const uint16_t suite = TLSH_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
	static const struct { const char *cert; enum tlsh_err want;
			      unsigned int alert; } v[] = {
		{ NULL, TLSH_ERR_HANDSHAKE_FAILURE,
		  TLSH_ALERT_HANDSHAKE_FAILURE },
		{ "cli-rogue", TLSH_ERR_UNKNOWN_CA, TLSH_ALERT_UNKNOWN_CA },
		{ "ec", TLSH_ERR_UNSUPPORTED_CERTIFICATE,
		  TLSH_ALERT_UNSUPPORTED_CERTIFICATE },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct pair p;

		ASSERT_EQ(0, setup(&p, "ec", &suite, v[i].cert));
		EXPECT_NE(0, run(&p));
		EXPECT_EQ(v[i].want, p.serr) {
			TH_LOG("%s: %s", v[i].cert ?: "no certificate",
			       tlsh_conn_error_reason(p.s) ?: "-");
		}
		EXPECT_EQ(tlsh_err_peer_alert(v[i].alert), p.cerr);
		if (!v[i].cert)
			EXPECT_STREQ("client sent no certificate",
				     tlsh_conn_error_reason(p.s));
		pair_free(&p);
	}
}

/* The server's CertificateRequest, as sent. */
static uint8_t cr_seen[1024];
static size_t cr_len;

static void keep_cr(const struct tlsh_conn *c, struct tlsh_wbuf *w,
		    size_t mark)
{
	(void)c;
	if (w->buf[mark] == TLSH_HS_CERTIFICATE_REQUEST &&
	    w->len - mark <= sizeof(cr_seen)) {
		cr_len = w->len - mark - TLSH_HS_HDR;
		memcpy(cr_seen, w->buf + mark + TLSH_HS_HDR, cr_len);
	}
}

static size_t get16(const uint8_t *p)
{
	return (size_t)p[0] << 8 | p[1];
}

/*
 * certificate_types for the schemes, only schemes of the suite's hash
 * (SHA-384 here), and the CA file's subjects as certificate_authorities.
 */
TEST(certificate_request_content)
{
	static const uint16_t suite = TLSH_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384;
	static const uint8_t sha384_schemes[] = {
		0x05, 0x03, 0x08, 0x05, 0x08, 0x0a, 0x05, 0x01,
	};
	struct tlsh_test_hooks hooks = { .mutate = keep_cr };
	gnutls_x509_crt_t ca;
	gnutls_datum_t pem, dn;
	uint8_t *names;
	size_t names_len, off;
	struct pair p;

	ASSERT_EQ(0, tlsh_ca_names_load(pki_path("cas.pem"), &names,
					&names_len));
	ASSERT_NE(NULL, names);
	ASSERT_EQ(0, setup(&p, "ec", &suite, "cli"));
	p.scfg.client_ca_names = names;
	p.scfg.client_ca_names_len = names_len;
	ASSERT_EQ(0, pair_start(&p));
	tlsh_conn_set_test_hooks(p.s, &hooks);
	cr_len = 0;
	ASSERT_EQ(0, pair_run(&p));
	ASSERT_EQ(1, tlsh_conn_peer_certs(p.s));
	/* rsa_sign, ecdsa_sign; the SHA-384 schemes in our order. */
	ASSERT_LT(3 + 2 + sizeof(sha384_schemes) + 2, cr_len);
	ASSERT_EQ(2, cr_seen[0]);
	ASSERT_EQ(1, cr_seen[1]);
	ASSERT_EQ(64, cr_seen[2]);
	ASSERT_EQ(sizeof(sha384_schemes), get16(cr_seen + 3));
	ASSERT_EQ(0, memcmp(cr_seen + 5, sha384_schemes,
			    sizeof(sha384_schemes)));
	off = 5 + sizeof(sha384_schemes);
	ASSERT_EQ(names_len, get16(cr_seen + off));
	ASSERT_EQ(cr_len, off + 2 + names_len);
	/* The first name is the first CA's subject (ca.pem, then rsa-ca). */
	ASSERT_EQ(0, gnutls_load_file(pki_path("ca.pem"), &pem));
	ASSERT_EQ(0, gnutls_x509_crt_init(&ca));
	ASSERT_EQ(0, gnutls_x509_crt_import(ca, &pem, GNUTLS_X509_FMT_PEM));
	ASSERT_EQ(0, gnutls_x509_crt_get_raw_dn(ca, &dn));
	ASSERT_EQ(dn.size, get16(cr_seen + off + 2));
	ASSERT_EQ(0, memcmp(cr_seen + off + 4, dn.data, dn.size));
	gnutls_free(dn.data);
	gnutls_free(pem.data);
	gnutls_x509_crt_deinit(ca);
	pair_free(&p);
	free(names);
}

/*
 * verify_client no longer forces TLS 1.3: a TLS 1.2-only client gets
 * TLS 1.2 with its certificate from a server that speaks both, and a
 * TLS 1.3 client still TLS 1.3; a 1.2-only server does 1.2.
 */
TEST(versions_with_verify_client)
{
	static const struct { uint16_t cmax, smin, smax, want; } v[] = {
		{ TLSH_TLS12, 0, 0, TLSH_TLS12 },
		{ 0, 0, 0, TLSH_TLS13 },
		{ 0, 0, TLSH_TLS12, TLSH_TLS12 },
		{ TLSH_TLS12, TLSH_TLS13, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct pair p;
		int rc;

		ASSERT_EQ(0, pair_init(&p, "ec"));
		p.scfg.verify_client = true;
		p.scfg.require_client_cert = true;
		p.ccfg.cred = &p.client_cred;
		p.ccfg.max_version = v[i].cmax;
		p.scfg.min_version = v[i].smin;
		p.scfg.max_version = v[i].smax;
		rc = run(&p);
		if (!v[i].want) {
			EXPECT_EQ(TLSH_ERR_PROTOCOL_VERSION, p.serr);
		} else {
			EXPECT_EQ(0, rc) {
				TH_LOG("case %zu: %s", i,
				       tlsh_conn_error_reason(p.s) ?: "-");
			}
			EXPECT_EQ(v[i].want, tlsh_conn_version(p.s));
			EXPECT_EQ(1, tlsh_conn_peer_certs(p.s));
		}
		pair_free(&p);
	}
}

TEST_HARNESS_MAIN
