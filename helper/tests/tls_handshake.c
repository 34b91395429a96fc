// SPDX-License-Identifier: GPL-2.0
/*
 * In-process client x server handshakes over memory buffers: every suite x
 * group, HelloRetryRequest, client authentication, certificate failures,
 * the exported kTLS keys and application data both ways.
 */
#include <string.h>

#include <nettle/sha2.h>

#include "tls_testutil.h"
#include "kselftest_harness.h"
#include "tls/engine.h"
#include "tls/kex.h"
#include "tls/record.h"
#include "tls_pki.h"

/* Deterministic randomness: SHA-256 in counter mode over a seed. */
struct rng {
	uint8_t seed;
	uint64_t ctr;
};

static void rng_fill(void *ctx, size_t len, uint8_t *dst)
{
	struct rng *r = ctx;

	while (len) {
		struct sha256_ctx h;
		uint8_t block[SHA256_DIGEST_SIZE];
		size_t n = len < sizeof(block) ? len : sizeof(block);

		sha256_init(&h);
		sha256_update(&h, 1, &r->seed);
		sha256_update(&h, sizeof(r->ctr), (uint8_t *)&r->ctr);
		sha256_digest(&h, sizeof(block), block);
		r->ctr++;
		memcpy(dst, block, n);
		dst += n;
		len -= n;
	}
}

struct pair {
	struct rng crng, srng;
	struct tlsh_config ccfg, scfg;
	struct tlsh_cred server_cred, client_cred;
	gnutls_x509_trust_list_t trust;
	struct tlsh_conn *c, *s;
	enum tlsh_err cerr, serr;
};

static gnutls_x509_trust_list_t load_trust(const char *ca)
{
	gnutls_x509_trust_list_t t;

	if (gnutls_x509_trust_list_init(&t, 0) < 0)
		return NULL;
	if (gnutls_x509_trust_list_add_trust_file(t, ca, NULL,
						  GNUTLS_X509_FMT_PEM, 0, 0) <= 0) {
		gnutls_x509_trust_list_deinit(t, 1);
		return NULL;
	}
	return t;
}

static int pair_init(struct pair *p, const char *server_cert)
{
	char crt[64], key[64];

	memset(p, 0, sizeof(*p));
	if (!pki_make())
		return -1;
	snprintf(crt, sizeof(crt), "%s.pem", server_cert);
	snprintf(key, sizeof(key), "%s.key", server_cert);
	if (tlsh_cred_load(&p->server_cred, pki_path(crt), pki_path(key)))
		return -1;
	if (tlsh_cred_load(&p->client_cred, pki_path("cli.pem"),
			   pki_path("cli.key")))
		return -1;
	p->trust = load_trust(pki_path("ca.pem"));
	/* Everything is in memory now; forked tests never run atexit. */
	pki_cleanup();
	pki_dir[0] = 0;
	if (!p->trust)
		return -1;
	p->crng.seed = 1;
	p->srng.seed = 2;
	p->ccfg.random = rng_fill;
	p->ccfg.random_ctx = &p->crng;
	p->ccfg.trust = p->trust;
	p->ccfg.server_name = "localhost";
	p->scfg.random = rng_fill;
	p->scfg.random_ctx = &p->srng;
	p->scfg.cred = &p->server_cred;
	p->scfg.trust = p->trust;
	return 0;
}

static void pair_free(struct pair *p)
{
	tlsh_conn_free(p->c);
	tlsh_conn_free(p->s);
	tlsh_cred_free(&p->server_cred);
	tlsh_cred_free(&p->client_cred);
	if (p->trust)
		gnutls_x509_trust_list_deinit(p->trust, 1);
}

/* Move from's output to the peer, fed exactly as tlsh_conn_want asks. */
static enum tlsh_err pump(struct tlsh_conn *from, struct tlsh_conn *to,
			  size_t *moved)
{
	size_t len, used;
	const uint8_t *out = tlsh_conn_output(from, &len);
	size_t off = 0;
	enum tlsh_err err = TLSH_OK;

	while (off < len && tlsh_conn_want(to)) {
		size_t want = tlsh_conn_want(to);
		size_t n = len - off < want ? len - off : want;

		err = tlsh_conn_feed(to, out + off, n, &used);
		off += used;
		if (err || used != n)
			break;
	}
	*moved = off;
	tlsh_conn_output_done(from, off);
	return err;
}

/* Run the handshake; returns 0 when both sides completed. */
static int run(struct pair *p)
{
	if (tlsh_conn_new(&p->c, &p->ccfg, false) ||
	    tlsh_conn_new(&p->s, &p->scfg, true))
		return -1;
	p->cerr = tlsh_conn_start(p->c);
	for (int round = 0; round < 20 && !p->cerr && !p->serr; round++) {
		size_t a = 0, b = 0;

		p->serr = pump(p->c, p->s, &a);
		if (p->serr)
			break;
		p->cerr = pump(p->s, p->c, &b);
		if (tlsh_conn_done(p->c) && tlsh_conn_done(p->s))
			return 0;
		if (!a && !b)
			break;
	}
	/* Deliver a final alert, if any, so the peer sees it. */
	if (p->serr) {
		size_t n;

		p->cerr = pump(p->s, p->c, &n);
	} else if (p->cerr) {
		size_t n;

		p->serr = pump(p->c, p->s, &n);
	}
	return -1;
}

/* Keys agree crosswise, and data flows both ways through them. */
static int check_traffic(struct pair *p)
{
	struct tlsh_ktls_params ck, sk;
	uint8_t msg[100], rec[256];
	const uint8_t *out, *data;
	size_t len, dlen;
	uint8_t type;

	if (tlsh_conn_export_ktls(p->c, &ck) || tlsh_conn_export_ktls(p->s, &sk))
		return -1;
	if (memcmp(&ck.tx, &sk.rx, sizeof(ck.tx)) ||
	    memcmp(&ck.rx, &sk.tx, sizeof(ck.rx)) || ck.aead != sk.aead ||
	    ck.version != TLSH_TLS13)
		return -2;
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	if (tlsh_conn_write_app(p->c, msg, sizeof(msg)))
		return -3;
	out = tlsh_conn_output(p->c, &len);
	memcpy(rec, out, len);
	tlsh_conn_output_done(p->c, len);
	if (tlsh_conn_read_record(p->s, rec, len, &type, &data, &dlen) ||
	    dlen != sizeof(msg) || memcmp(data, msg, dlen))
		return -4;
	if (tlsh_conn_write_app(p->s, msg, 10))
		return -5;
	out = tlsh_conn_output(p->s, &len);
	memcpy(rec, out, len);
	tlsh_conn_output_done(p->s, len);
	if (tlsh_conn_read_record(p->c, rec, len, &type, &data, &dlen) ||
	    dlen != 10 || memcmp(data, msg, dlen))
		return -6;
	return 0;
}

TEST(every_suite_and_group)
{
	static const uint16_t suites[] = { 0x1301, 0x1302, 0x1303 };
	static const uint16_t groups[] = { TLSH_GROUP_X25519,
					   TLSH_GROUP_SECP256R1 };

	for (size_t i = 0; i < 3; i++) {
		for (size_t j = 0; j < 2; j++) {
			struct pair p;

			ASSERT_EQ(0, pair_init(&p, "ec"));
			p.ccfg.suites = &suites[i];
			p.ccfg.n_suites = 1;
			p.ccfg.groups = &groups[j];
			p.ccfg.n_groups = 1;
			ASSERT_EQ(0, run(&p)) {
				TH_LOG("suite %04x group %04x: client %s, server %s",
				       suites[i], groups[j],
				       tlsh_err_str(p.cerr), tlsh_err_str(p.serr));
			}
			ASSERT_EQ(suites[i], tlsh_conn_suite(p.s));
			ASSERT_EQ(groups[j], tlsh_conn_group(p.c));
			ASSERT_FALSE(tlsh_conn_did_hrr(p.c));
			ASSERT_EQ(0, check_traffic(&p));
			pair_free(&p);
		}
	}
}

TEST(rsa_pss_rsae_server)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "rsa"));
	ASSERT_EQ(0, run(&p)) {
		TH_LOG("client %s, server %s", tlsh_err_str(p.cerr),
		       tlsh_err_str(p.serr));
	}
	ASSERT_EQ(0, check_traffic(&p));
	pair_free(&p);
}

TEST(rsa_pss_pss_server)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "pss"));
	ASSERT_EQ(0, run(&p)) {
		TH_LOG("client %s, server %s", tlsh_err_str(p.cerr),
		       tlsh_err_str(p.serr));
	}
	ASSERT_EQ(0, check_traffic(&p));
	pair_free(&p);
}

TEST(hello_retry_request)
{
	static const uint16_t cgroups[] = { TLSH_GROUP_X25519,
					    TLSH_GROUP_SECP256R1 };
	static const uint16_t sgroups[] = { TLSH_GROUP_SECP256R1 };
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.ccfg.groups = cgroups;
	p.ccfg.n_groups = 2;
	p.scfg.groups = sgroups;
	p.scfg.n_groups = 1;
	ASSERT_EQ(0, run(&p)) {
		TH_LOG("client %s, server %s", tlsh_err_str(p.cerr),
		       tlsh_err_str(p.serr));
	}
	ASSERT_TRUE(tlsh_conn_did_hrr(p.c));
	ASSERT_TRUE(tlsh_conn_did_hrr(p.s));
	ASSERT_EQ(TLSH_GROUP_SECP256R1, tlsh_conn_group(p.c));
	ASSERT_EQ(0, check_traffic(&p));
	pair_free(&p);
}

TEST(no_middlebox_compat)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.ccfg.no_middlebox_compat = true;
	ASSERT_EQ(0, run(&p));
	ASSERT_EQ(0, check_traffic(&p));
	pair_free(&p);
}

TEST(client_auth)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.scfg.verify_client = true;
	p.scfg.require_client_cert = true;
	p.ccfg.cred = &p.client_cred;
	ASSERT_EQ(0, run(&p)) {
		TH_LOG("client %s, server %s", tlsh_err_str(p.cerr),
		       tlsh_err_str(p.serr));
	}
	ASSERT_EQ(1, tlsh_conn_peer_certs(p.s));
	ASSERT_EQ(0, check_traffic(&p));
	pair_free(&p);
}

TEST(client_auth_with_hrr)
{
	static const uint16_t sgroups[] = { TLSH_GROUP_SECP256R1 };
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "rsa"));
	p.scfg.groups = sgroups;
	p.scfg.n_groups = 1;
	p.scfg.verify_client = true;
	p.ccfg.cred = &p.client_cred;
	ASSERT_EQ(0, run(&p));
	ASSERT_TRUE(tlsh_conn_did_hrr(p.s));
	ASSERT_EQ(1, tlsh_conn_peer_certs(p.s));
	ASSERT_EQ(0, check_traffic(&p));
	pair_free(&p);
}

TEST(client_cert_optional_and_absent)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.scfg.verify_client = true;
	ASSERT_EQ(0, run(&p));
	ASSERT_EQ(0, tlsh_conn_peer_certs(p.s));
	ASSERT_EQ(0, check_traffic(&p));
	pair_free(&p);
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
	p.ccfg.suites = cs;
	p.ccfg.n_suites = 1;
	p.scfg.suites = ss;
	p.scfg.n_suites = 1;
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
	p.ccfg.alpn = calpn;
	p.ccfg.n_alpn = 2;
	p.scfg.alpn = salpn;
	p.scfg.n_alpn = 1;
	ASSERT_EQ(0, run(&p));
	ASSERT_STREQ("http/1.1", tlsh_conn_alpn(p.c));
	ASSERT_STREQ("http/1.1", tlsh_conn_alpn(p.s));
	ASSERT_STREQ("localhost", tlsh_conn_sni(p.s));
	pair_free(&p);
}

/*
 * The client's Finished and its first application record arrive in one
 * segment: the server consumes exactly through the Finished record.
 */
TEST(stops_after_last_handshake_record)
{
	struct pair p;
	uint8_t seg[4096];
	size_t len, flen, used, total = 0;
	const uint8_t *out;
	enum tlsh_err err = TLSH_OK;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	ASSERT_EQ(0, tlsh_conn_new(&p.c, &p.ccfg, false));
	ASSERT_EQ(0, tlsh_conn_new(&p.s, &p.scfg, true));
	ASSERT_EQ(0, tlsh_conn_start(p.c));
	out = tlsh_conn_output(p.c, &len);
	ASSERT_EQ(0, tlsh_conn_feed(p.s, out, len, &used));
	ASSERT_EQ(len, used);
	tlsh_conn_output_done(p.c, len);
	out = tlsh_conn_output(p.s, &len);
	ASSERT_EQ(0, tlsh_conn_feed(p.c, out, len, &used));
	ASSERT_EQ(len, used);
	tlsh_conn_output_done(p.s, len);
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
	ASSERT_EQ(0, tlsh_conn_new(&p.c, &p.ccfg, false));
	ASSERT_EQ(0, tlsh_conn_new(&p.s, &p.scfg, true));
	ASSERT_EQ(0, tlsh_conn_start(p.c));
	out = tlsh_conn_output(p.c, &len);
	ASSERT_EQ(0, tlsh_conn_feed(p.s, out, len, &used));
	tlsh_conn_output_done(p.c, len);
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
