// SPDX-License-Identifier: GPL-2.0
/*
 * TLS 1.3 resumption and PSKs over an in-process client x server: a full
 * handshake that issues tickets, then a resumed one from the session the
 * client kept; what must fall back to a full handshake (expired, another
 * SNI or ALPN, a key no longer listed, a tampered ticket), what must fail
 * (a binder that does not verify: decrypt_error), key rotation, early data
 * offered and not accepted, HelloRetryRequest, a suite change within the
 * ticket's hash, and external PSKs. The fallbacks and key rotation run
 * for TLS 1.2 session tickets too (fixture variants; the rest of TLS 1.2
 * is in tls12_resume.c).
 */
#include <string.h>

#include "tls_testutil.h"
#include "kselftest_harness.h"
#include "tls_resume.h"
#include "tls/msg.h"

/* A handshake and its tickets; then a fresh pair for the next one. */
static int handshake(struct rig *r)
{
	int rc = run(&r->p);

	if (rc || take_tickets(&r->p) || check_traffic(&r->p))
		return -1;
	return 0;
}

/*
 * The fallbacks and key rotation, for TLS 1.3 tickets and TLS 1.2 ones
 * (a client that offers TLS 1.2 only).
 */
FIXTURE(resume) {
	struct rig r;
};

FIXTURE_VARIANT(resume) {
	uint16_t max_version;
};

FIXTURE_VARIANT_ADD(resume, tls13) {
	.max_version = 0,
};

FIXTURE_VARIANT_ADD(resume, tls12) {
	.max_version = TLSH_TLS12,
};

FIXTURE_SETUP(resume)
{
	ASSERT_EQ(0, rig_init(&self->r));
	self->r.p.ccfg.max_version = variant->max_version;
}

FIXTURE_TEARDOWN(resume)
{
	pair_free(&self->r.p);
}

TEST(full_then_resumed)
{
	struct rig r;
	struct tlsh_traffic_keys sk;

	ASSERT_EQ(0, rig_init(&r));
	ASSERT_EQ(0, first(&r));
	r.cclk.t += 100;
	r.sclk.t += 100;
	ASSERT_EQ(0, run(&r.p));
	EXPECT_EQ(TLSH_PSK_RESUMED, tlsh_conn_psk(r.p.c));
	EXPECT_EQ(TLSH_PSK_RESUMED, tlsh_conn_psk(r.p.s));
	EXPECT_TRUE(tlsh_conn_session_note(r.p.c) == NULL);
	/* No certificate, no signature: the server sent none. */
	EXPECT_EQ(0, tlsh_conn_peer_certs(r.p.c));
	EXPECT_EQ(0, tlsh_conn_sigscheme(r.p.c));
	/* Tickets again, counted in the exported sequence number. */
	ASSERT_EQ(0, tlsh_conn_export_keys(r.p.s, &sk));
	EXPECT_EQ(2, sk.tx.seq);
	ASSERT_EQ(0, take_tickets(&r.p));
	ASSERT_EQ(0, check_traffic(&r.p));
	EXPECT_EQ(4, r.sv.count);
	pair_free(&r.p);
}

TEST(session_is_resumed_only_with_ticket_keys)
{
	struct rig r;

	ASSERT_EQ(0, rig_init(&r));
	r.p.scfg.n_ticket_keys = 0;
	/* Tickets with lifetime 0 are not kept. */
	ASSERT_EQ(0, handshake(&r));
	EXPECT_EQ(0, r.sv.count);
	pair_free(&r.p);
}

TEST_F(resume, expired_ticket_gives_full_handshake)
{
	struct rig *r = &self->r;

	ASSERT_EQ(0, first(r));
	/* The server's clock says expired; the client's does not. */
	r->sclk.t += 3601;
	ASSERT_EQ(TLSH_PSK_NONE, again(r));
	EXPECT_EQ(TLSH_PSK_NONE, tlsh_conn_psk(r->p.c));
	EXPECT_STREQ("server did not resume", tlsh_conn_session_note(r->p.c));
	EXPECT_EQ(1, tlsh_conn_peer_certs(r->p.c));
	/* And by the client's own clock it is not even offered. */
	next_conn(r);
	r->cclk.t += 7200;
	r->sclk.t = r->cclk.t;
	ASSERT_EQ(0, run(&r->p));
	EXPECT_EQ(TLSH_PSK_NONE, tlsh_conn_psk(r->p.c));
	EXPECT_STREQ("session expired", tlsh_conn_session_note(r->p.c));
}

TEST(ticket_age_far_off_gives_full_handshake)
{
	struct rig r;

	ASSERT_EQ(0, rig_init(&r));
	ASSERT_EQ(0, first(&r));
	/* Within the lifetime for both, but the ages differ by 600 s. */
	r.sclk.t += 600;
	ASSERT_EQ(TLSH_PSK_NONE, again(&r));
	pair_free(&r.p);
}

TEST_F(resume, ticket_for_another_sni_gives_full_handshake)
{
	struct rig *r = &self->r;

	ASSERT_EQ(0, first(r));
	/* The client refuses to offer it for another name... */
	r->p.ccfg.server_name = "otherhost";
	r->p.ccfg.insecure_skip_verify = true;
	/* TLS 1.2 tickets come in the handshake: keep localhost's session. */
	r->p.ccfg.on_session = NULL;
	ASSERT_EQ(0, run(&r->p));
	EXPECT_EQ(TLSH_PSK_NONE, tlsh_conn_psk(r->p.c));
	EXPECT_STREQ("session for another server name",
		     tlsh_conn_session_note(r->p.c));
	/* ...and the server refuses the ticket when it is offered anyway. */
	next_conn(r);
	ASSERT_EQ(0, rename_session(&r->sv, "otherhost"));
	ASSERT_EQ(TLSH_PSK_NONE, again(r));
	EXPECT_STREQ("otherhost", tlsh_conn_sni(r->p.s));
	EXPECT_STREQ("server did not resume", tlsh_conn_session_note(r->p.c));
}

TEST_F(resume, ticket_for_another_alpn_gives_full_handshake)
{
	static const char *const both[] = { "h2", "http/1.1" };
	static const char *const h11[] = { "http/1.1" };
	struct rig *r = &self->r;

	r->p.ccfg.alpn = both;
	r->p.ccfg.n_alpn = 2;
	r->p.scfg.alpn = both;
	r->p.scfg.n_alpn = 2;
	ASSERT_EQ(0, first(r));
	/* Same ALPN: resumes. */
	ASSERT_EQ(TLSH_PSK_RESUMED, again(r));
	EXPECT_STREQ("h2", tlsh_conn_alpn(r->p.c));
	ASSERT_EQ(0, take_tickets(&r->p));
	next_conn(r);
	/* The server would now pick http/1.1: not the ticket's h2. */
	r->p.scfg.alpn = h11;
	r->p.scfg.n_alpn = 1;
	ASSERT_EQ(TLSH_PSK_NONE, again(r));
	EXPECT_STREQ("http/1.1", tlsh_conn_alpn(r->p.c));
}

TEST_F(resume, rotated_keys_old_ticket_opens_with_old_key_second)
{
	struct rig *r = &self->r;
	struct tlsh_ticket_key rotated[2];

	ASSERT_EQ(0, first(r));
	/* [new, old]: the old ticket opens; new tickets use the new key. */
	rotated[0] = r->keys[1];
	rotated[1] = r->keys[0];
	r->p.scfg.ticket_keys = rotated;
	r->p.scfg.n_ticket_keys = 2;
	ASSERT_EQ(TLSH_PSK_RESUMED, again(r));
	ASSERT_EQ(0, take_tickets(&r->p));
	/* TLS 1.2: one ticket, resealed (RFC 5077 3.3) in the handshake. */
	if (variant->max_version == TLSH_TLS12)
		EXPECT_EQ(2, r->sv.count);
	/* The tickets it gave are under the new key: [new] alone opens them. */
	next_conn(r);
	r->p.scfg.n_ticket_keys = 1;
	ASSERT_EQ(TLSH_PSK_RESUMED, again(r));
}

TEST_F(resume, old_key_dropped_gives_full_handshake)
{
	struct rig *r = &self->r;

	ASSERT_EQ(0, first(r));
	r->p.scfg.ticket_keys = &r->keys[1];
	r->p.scfg.n_ticket_keys = 1;
	ASSERT_EQ(TLSH_PSK_NONE, again(r));
	ASSERT_EQ(0, take_tickets(&r->p));
	/* The new ticket, under key B, resumes with [B]. */
	next_conn(r);
	ASSERT_EQ(TLSH_PSK_RESUMED, again(r));
}

TEST_F(resume, tampered_ticket_gives_full_handshake)
{
	struct rig *r = &self->r;

	ASSERT_EQ(0, first(r));
	/* The ticket ends the session: its last byte is the GCM tag's. */
	r->sv.buf[r->sv.len - 1] ^= 1;
	ASSERT_EQ(TLSH_PSK_NONE, again(r));
	EXPECT_EQ(TLSH_PSK_NONE, tlsh_conn_psk(r->p.c));
	EXPECT_STREQ("server did not resume", tlsh_conn_session_note(r->p.c));
	/* A byte of the ciphertext too. */
	r->sv.buf[r->sv.len - 1] ^= 1;
	r->sv.buf[r->sv.len - 20] ^= 0x80;
	next_conn(r);
	ASSERT_EQ(TLSH_PSK_NONE, again(r));
}

/* On-path damage to the ClientHello's last byte: a binder's. */
static void flip_last(const struct tlsh_conn *c, struct tlsh_wbuf *w,
		      size_t mark)
{
	(void)c;
	if (w->buf[mark] == TLSH_HS_CLIENT_HELLO)
		w->buf[w->len - 1] ^= 1;
}

static const struct tlsh_test_hooks flip_binder_hooks = {
	.mutate = flip_last,
};

TEST(bad_binder_is_decrypt_error)
{
	struct rig r;

	ASSERT_EQ(0, rig_init(&r));
	ASSERT_EQ(0, first(&r));
	ASSERT_NE(0, run_hooked(_metadata, &r.p, &flip_binder_hooks));
	EXPECT_EQ(TLSH_ERR_DECRYPT, r.p.serr);
	EXPECT_EQ(tlsh_err_peer_alert(TLSH_ALERT_DECRYPT_ERROR), r.p.cerr);
	EXPECT_STREQ("PSK binder does not verify",
		     tlsh_conn_error_reason(r.p.s));
	pair_free(&r.p);
}

/* early_data in the ClientHello (before the engine's own extensions). */
static bool add_early_data(const struct tlsh_conn *c, struct tlsh_wbuf *w)
{
	static const uint8_t ext[] = { 0x00, 0x2a, 0x00, 0x00 };

	(void)c;
	tlsh_put_bytes(w, ext, sizeof(ext));
	return false;
}

static const struct tlsh_test_hooks early_data_hooks = {
	.client_hello_ext = add_early_data,
};

TEST(early_data_offered_is_not_accepted)
{
	struct rig r;

	ASSERT_EQ(0, rig_init(&r));
	ASSERT_EQ(0, first(&r));
	ASSERT_EQ(0, run_hooked(_metadata, &r.p, &early_data_hooks));
	EXPECT_EQ(TLSH_PSK_RESUMED, tlsh_conn_psk(r.p.s));
	ASSERT_EQ(0, take_tickets(&r.p));
	ASSERT_EQ(0, check_traffic(&r.p));
	pair_free(&r.p);
}

TEST(resumed_after_hello_retry_request)
{
	static const uint16_t cgroups[] = { TLSH_GROUP_SECP256R1,
					    TLSH_GROUP_X25519 };
	static const uint16_t sgroups[] = { TLSH_GROUP_X25519 };
	struct rig r;

	ASSERT_EQ(0, rig_init(&r));
	ASSERT_EQ(0, first(&r));
	r.p.ccfg.groups = cgroups;
	r.p.ccfg.n_groups = 2;
	r.p.scfg.groups = sgroups;
	r.p.scfg.n_groups = 1;
	ASSERT_EQ(0, run(&r.p));
	EXPECT_TRUE(tlsh_conn_did_hrr(r.p.s));
	EXPECT_EQ(TLSH_PSK_RESUMED, tlsh_conn_psk(r.p.s));
	EXPECT_EQ(TLSH_PSK_RESUMED, tlsh_conn_psk(r.p.c));
	ASSERT_EQ(0, take_tickets(&r.p));
	ASSERT_EQ(0, check_traffic(&r.p));
	pair_free(&r.p);
}

TEST(sha384_ticket_moves_the_suite_to_its_hash)
{
	static const uint16_t aes256[] = { TLSH_TLS_AES_256_GCM_SHA384 };
	struct rig r;

	ASSERT_EQ(0, rig_init(&r));
	r.p.scfg.suites = aes256;
	r.p.scfg.n_suites = 1;
	ASSERT_EQ(0, first(&r));
	/* The server now prefers AES-128-GCM (SHA-256) but resumes. */
	r.p.scfg.suites = NULL;
	r.p.scfg.n_suites = 0;
	ASSERT_EQ(TLSH_PSK_RESUMED, again(&r));
	EXPECT_EQ(TLSH_TLS_AES_256_GCM_SHA384, tlsh_conn_suite(r.p.s));
	ASSERT_EQ(0, take_tickets(&r.p));
	ASSERT_EQ(0, check_traffic(&r.p));
	pair_free(&r.p);
}

/* Both versions: the ticket carries the client certificate's identity. */
TEST_F(resume, required_client_cert_needs_a_ticket_that_had_one)
{
	struct rig *r = &self->r;

	r->p.scfg.verify_client = true;
	r->p.scfg.require_client_cert = true;
	r->p.ccfg.cred = &r->p.client_cred;
	ASSERT_EQ(0, first(r));
	ASSERT_EQ(TLSH_PSK_RESUMED, again(r));
	/* Resumed: no certificate on the wire, the identity from the ticket. */
	EXPECT_EQ(0, tlsh_conn_peer_certs(r->p.s));
}

TEST_F(resume, ticket_without_client_cert_does_not_resume_where_one_is_required)
{
	struct rig *r = &self->r;

	r->p.ccfg.cred = &r->p.client_cred;
	ASSERT_EQ(0, first(r));	/* no certificate was asked for */
	r->p.scfg.verify_client = true;
	r->p.scfg.require_client_cert = true;
	ASSERT_EQ(TLSH_PSK_NONE, again(r));
	EXPECT_EQ(1, tlsh_conn_peer_certs(r->p.s));
}

TEST(external_psk)
{
	static const uint8_t key[32] = { 1, 2, 3, 4, 5 };
	static const uint8_t other[32] = { 9 };
	static const struct tlsh_psk psk = {
		.identity = (const uint8_t *)"nvme-host-1", .identity_len = 11,
		.key = key, .key_len = sizeof(key),
	};
	static const struct tlsh_psk wrong = {
		.identity = (const uint8_t *)"nvme-host-1", .identity_len = 11,
		.key = other, .key_len = sizeof(other),
	};
	static const struct tlsh_psk unknown = {
		.identity = (const uint8_t *)"nvme-host-2", .identity_len = 11,
		.key = key, .key_len = sizeof(key),
	};
	struct pair p;

	ASSERT_EQ(0, pair_init(&p, "ec"));
	p.ccfg.psks = &psk;
	p.ccfg.n_psks = 1;
	p.scfg.psks = &psk;
	p.scfg.n_psks = 1;
	ASSERT_EQ(0, run(&p));
	EXPECT_EQ(TLSH_PSK_EXTERNAL, tlsh_conn_psk(p.c));
	EXPECT_EQ(TLSH_PSK_EXTERNAL, tlsh_conn_psk(p.s));
	EXPECT_EQ(0, tlsh_conn_peer_certs(p.c));
	ASSERT_EQ(0, check_traffic(&p));
	tlsh_conn_free(p.c);
	tlsh_conn_free(p.s);
	/* The same identity with another key: the binder fails. */
	p.ccfg.psks = &wrong;
	ASSERT_NE(0, run(&p));
	EXPECT_EQ(TLSH_ERR_DECRYPT, p.serr);
	tlsh_conn_free(p.c);
	tlsh_conn_free(p.s);
	p.cerr = p.serr = TLSH_OK;
	/* An identity the server does not know: certificates as usual. */
	p.ccfg.psks = &unknown;
	ASSERT_EQ(0, run(&p));
	EXPECT_EQ(TLSH_PSK_NONE, tlsh_conn_psk(p.s));
	EXPECT_EQ(1, tlsh_conn_peer_certs(p.c));
	pair_free(&p);
}

TEST(ticket_keys_from_a_file_are_stable)
{
	struct tlsh_ticket_key a, b, c;
	uint8_t raw[TLSH_TICKET_KEY_FILE_LEN];

	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)i;
	tlsh_ticket_key_derive(raw, &a);
	tlsh_ticket_key_derive(raw, &b);
	EXPECT_EQ(0, memcmp(&a, &b, sizeof(a)));
	/* The name is the file's first 16 bytes, as nginx has it. */
	EXPECT_EQ(0, memcmp(a.name, raw, 16));
	raw[79] ^= 1;
	tlsh_ticket_key_derive(raw, &c);
	EXPECT_NE(0, memcmp(a.key, c.key, sizeof(a.key)));
}

TEST_HARNESS_MAIN
