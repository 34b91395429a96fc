// SPDX-License-Identifier: GPL-2.0
/*
 * A server with external PSKs and no certificate at all (what an NVMe/TCP
 * target is): TLS 1.3 only, the PSK the client offers keys the handshake
 * and both ends name the entry of their list that did
 * (tlsh_conn_external_psk); an identity the server does not know ends in
 * unknown_psk_identity, as does a client that offers no PSK; a server
 * without certificates that could speak TLS 1.2 is a configuration error.
 * A SHA-384 PSK moves the suite to TLS_AES_256_GCM_SHA384.
 */
#include <string.h>

#include "tls_testutil.h"
#include "kselftest_harness.h"
#include "tls_pair.h"
#include "tls/conn.h"
#include "tls/suite.h"

static const uint8_t key256[32] = { 1, 2, 3, 4, 5 };
static const uint8_t key384[48] = { 7, 7, 7 };

#define ID(s) .identity = (const uint8_t *)(s), .identity_len = sizeof(s) - 1

/* The server's list: a SHA-256 and a SHA-384 PSK. */
static const struct tlsh_psk server_psks[] = {
	{ ID("NVMe0R01 nqn.host nqn.subsys"), .key = key256,
	  .key_len = sizeof(key256), .hash_len = 32 },
	{ ID("NVMe0R02 nqn.host nqn.subsys"), .key = key384,
	  .key_len = sizeof(key384), .hash_len = 48 },
};

/* A pair whose server has the PSKs above and no certificate. */
static int psk_pair(struct pair *p, const struct tlsh_psk *client_psks,
		    size_t n)
{
	if (pair_init(p, "ec"))
		return -1;
	p->scfg.cred = NULL;
	p->scfg.psks = server_psks;
	p->scfg.n_psks = 2;
	p->scfg.min_version = p->scfg.max_version = TLSH_TLS13;
	p->ccfg.min_version = p->ccfg.max_version = TLSH_TLS13;
	p->ccfg.psks = client_psks;
	p->ccfg.n_psks = n;
	return 0;
}

static void again(struct pair *p)
{
	tlsh_conn_free(p->c);
	tlsh_conn_free(p->s);
	p->c = p->s = NULL;
	p->cerr = p->serr = TLSH_OK;
}

TEST(sha256_psk_without_a_certificate)
{
	struct pair p;

	ASSERT_EQ(0, psk_pair(&p, &server_psks[0], 1));
	ASSERT_EQ(0, run(&p));
	EXPECT_EQ(TLSH_PSK_EXTERNAL, tlsh_conn_psk(p.s));
	EXPECT_EQ(&server_psks[0], tlsh_conn_external_psk(p.s));
	EXPECT_EQ(&server_psks[0], tlsh_conn_external_psk(p.c));
	EXPECT_EQ(0, tlsh_conn_peer_certs(p.c));
	EXPECT_EQ(32, (int)tlsh_suite_by_id(tlsh_conn_suite(p.s))->hash->len);
	check_traffic_and_free(_metadata, &p);
}

TEST(sha384_psk_moves_the_suite)
{
	static const struct tlsh_psk offer[] = {
		{ ID("unknown to the server"), .key = key256,
		  .key_len = sizeof(key256) },
		{ ID("NVMe0R02 nqn.host nqn.subsys"), .key = key384,
		  .key_len = sizeof(key384), .hash_len = 48 },
	};
	struct pair p;

	ASSERT_EQ(0, psk_pair(&p, offer, 2));
	ASSERT_EQ(0, run(&p));
	EXPECT_EQ(0x1302, tlsh_conn_suite(p.s));	/* AES_256_GCM_SHA384 */
	EXPECT_EQ(&server_psks[1], tlsh_conn_external_psk(p.s));
	/* The client names its own entry: the second it offered. */
	EXPECT_EQ(&offer[1], tlsh_conn_external_psk(p.c));
	check_traffic_and_free(_metadata, &p);
}

TEST(unknown_identity_is_unknown_psk_identity)
{
	static const struct tlsh_psk offer = {
		ID("NVMe0R01 nqn.other nqn.subsys"), .key = key256,
		.key_len = sizeof(key256),
	};
	struct pair p;

	ASSERT_EQ(0, psk_pair(&p, &offer, 1));
	ASSERT_NE(0, run(&p));
	EXPECT_EQ(TLSH_ERR_UNKNOWN_PSK_IDENTITY, p.serr);
	EXPECT_EQ(tlsh_err_peer_alert(TLSH_ALERT_UNKNOWN_PSK_IDENTITY), p.cerr);
	EXPECT_STREQ("none of the client's PSK identities is known",
		     tlsh_conn_error_reason(p.s));
	/* No PSK offered at all: the same alert. */
	again(&p);
	p.ccfg.n_psks = 0;
	ASSERT_NE(0, run(&p));
	EXPECT_EQ(TLSH_ERR_UNKNOWN_PSK_IDENTITY, p.serr);
	pair_free(&p);
}

TEST(certificate_server_does_not_name_a_psk)
{
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	ASSERT_EQ(0, run(&p));
	EXPECT_EQ(NULL, tlsh_conn_external_psk(p.s));
	EXPECT_EQ(NULL, tlsh_conn_external_psk(p.c));
	pair_free(&p);
}

TEST(psk_only_server_must_be_tls13_only)
{
	struct pair p;
	struct tlsh_conn *s = NULL;

	ASSERT_EQ(0, psk_pair(&p, &server_psks[0], 1));
	p.scfg.min_version = TLSH_TLS12;
	EXPECT_EQ(TLSH_ERR_CONFIG, tlsh_conn_new(&s, &p.scfg, true));
	p.scfg.min_version = TLSH_TLS13;
	p.scfg.n_psks = 0;
	EXPECT_EQ(TLSH_ERR_CONFIG, tlsh_conn_new(&s, &p.scfg, true));
	EXPECT_EQ(NULL, s);
	pair_free(&p);
}

TEST_HARNESS_MAIN
