// SPDX-License-Identifier: GPL-2.0
/*
 * TLS 1.2 session tickets (RFC 5077, tls12_ticket.c) over an in-process
 * client x server: a full handshake whose NewSessionTicket the client
 * keeps, then the abbreviated handshake from it with the keys kTLS gets
 * (sequence 1 after the Finished, as after a full one) for each key
 * exchange; the extended master secret (RFC 7627 5.3): no ticket for a
 * session without it, a ticket or ClientHello without it gives a full
 * handshake, a client whose server resumes without it (or with another
 * suite) fails; tickets of the two versions kept apart. Tampered, expired,
 * another SNI or ALPN and key rotation: tls_resume.c's "resume" fixture,
 * variant tls12.
 */
#include <string.h>

#include "tls_testutil.h"
#include "kselftest_harness.h"
#include "tls_resume.h"
#include "tls12_pair.h"
#include "tls/psk.h"

/* Offset of the EMS flag in a TLS 1.2 session (psk.c's format 1). */
static size_t session_ems_at(const struct saved *sv)
{
	/* format, version, suite, time, lifetime, age_add, <ms> */
	size_t i = 1 + 2 + 2 + 8 + 4 + 4;

	i += 1 + sv->buf[i];		/* master secret */
	i += 1 + sv->buf[i];		/* SNI */
	i += 1 + sv->buf[i];		/* ALPN */
	return i;
}

/* The rig, TLS 1.2 only: the client offers nothing else. */
static int rig12_init(struct rig *r, const char *cert)
{
	if (rig_init_cert(r, cert))
		return -1;
	r->p.ccfg.max_version = TLSH_TLS12;
	return 0;
}

TEST(full_then_resumed)
{
	static const uint16_t suites[] = {
		TLSH_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		TLSH_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		TLSH_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	};

	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		struct rig r;

		ASSERT_EQ(0, rig12_init(&r, "ec"));
		r.p.ccfg.suites = &suites[i];
		r.p.ccfg.n_suites = 1;
		ASSERT_EQ(0, first(&r));
		r.sclk.t += 100;
		ASSERT_EQ(TLSH_PSK_RESUMED, again(&r));
		EXPECT_EQ(suites[i], tlsh_conn_suite(r.p.s));
		EXPECT_EQ(TLSH_PSK_RESUMED, tlsh_conn_psk(r.p.c));
		/* Abbreviated: no certificate, key exchange or signature. */
		EXPECT_EQ(0, tlsh_conn_peer_certs(r.p.c));
		EXPECT_EQ(0, tlsh_conn_sigscheme(r.p.c));
		EXPECT_TRUE(tlsh_conn_session_note(r.p.c) == NULL);
		/* The kTLS keys agree, sequence 1 each way; data flows. */
		EXPECT_EQ(0, check_traffic12(&r.p));
		/* Key A sealed it and is still first: no new ticket. */
		EXPECT_EQ(1, r.sv.count);
		/* And once more from the same session. */
		next_conn(&r);
		EXPECT_EQ(TLSH_PSK_RESUMED, again(&r));
		pair_free(&r.p);
	}
}

TEST(resumed_over_rsa_key_transport_and_ecdhe_rsa)
{
	static const uint16_t suites[] = {
		TLSH_TLS_RSA_WITH_AES_128_GCM_SHA256,
		TLSH_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	};

	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		struct rig r;

		ASSERT_EQ(0, rig12_init(&r, "rsa"));
		pair12_client(&r.p, &suites[i], NULL);
		ASSERT_EQ(0, first(&r));
		ASSERT_EQ(TLSH_PSK_RESUMED, again(&r));
		EXPECT_EQ(suites[i], tlsh_conn_suite(r.p.c));
		EXPECT_EQ(0, check_traffic12(&r.p));
		pair_free(&r.p);
	}
}

TEST(no_ticket_without_ticket_keys_or_tickets)
{
	struct rig r;

	ASSERT_EQ(0, rig12_init(&r, "ec"));
	r.p.scfg.n_ticket_keys = 0;
	ASSERT_EQ(0, run(&r.p));
	EXPECT_FALSE(r.p.s->tk12.issue);
	EXPECT_EQ(0, r.sv.count);
	next_conn(&r);
	r.p.scfg.n_ticket_keys = 1;
	r.p.scfg.n_tickets = 0;		/* the daemon without --tickets */
	ASSERT_EQ(0, run(&r.p));
	EXPECT_EQ(0, r.sv.count);
	pair_free(&r.p);
}

/*
 * The client's extensions, written whole: those of a TLS 1.2-only hello
 * (for "localhost", x25519 and the NIST curves, ECDSA) without
 * extended_master_secret, with the offered ticket if any.
 */
static bool hello_without_ems(const struct tlsh_conn *c, struct tlsh_wbuf *w)
{
	static const uint8_t ext[] = {
		0x00, 0x00, 0x00, 0x0e, 0x00, 0x0c, 0x00, 0x00, 0x09,
		'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't',
		0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17,
		0x00, 0x18,
		0x00, 0x0d, 0x00, 0x06, 0x00, 0x04, 0x04, 0x03, 0x05, 0x03,
		0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,
		0xff, 0x01, 0x00, 0x01, 0x00,
	};

	tlsh_put_bytes(w, ext, sizeof(ext));
	tlsh_put_u16(w, 35);	/* session_ticket */
	tlsh_put_u16(w, (uint16_t)c->tk12.ticket_len);
	tlsh_put_bytes(w, c->tk12.ticket, c->tk12.ticket_len);
	return true;
}

static const struct tlsh_test_hooks no_ems_hooks = {
	.client_hello_ext = hello_without_ems,
};

TEST(session_without_ems_gets_no_ticket)
{
	struct rig r;

	ASSERT_EQ(0, rig12_init(&r, "ec"));
	r.p.ccfg.allow_no_ems = true;
	r.p.scfg.allow_no_ems = true;
	ASSERT_EQ(0, run_hooked(_metadata, &r.p, &no_ems_hooks));
	EXPECT_EQ(TLSH_TLS12, tlsh_conn_version(r.p.s));
	EXPECT_FALSE(r.p.s->t12.ems);
	/* Asked for one, and the server would give it with EMS. */
	EXPECT_FALSE(r.p.s->tk12.issue);
	EXPECT_EQ(0, r.sv.count);
	pair_free(&r.p);
}

TEST(ems_session_resumed_without_ems_gives_full_handshake)
{
	struct rig r;

	ASSERT_EQ(0, rig12_init(&r, "ec"));
	r.p.ccfg.allow_no_ems = true;
	r.p.scfg.allow_no_ems = true;
	ASSERT_EQ(0, first(&r));
	/* RFC 7627 5.3: the same ticket from a hello without EMS. */
	ASSERT_EQ(0, run_hooked(_metadata, &r.p, &no_ems_hooks));
	EXPECT_EQ(TLSH_PSK_NONE, tlsh_conn_psk(r.p.s));
	EXPECT_EQ(TLSH_PSK_NONE, tlsh_conn_psk(r.p.c));
	EXPECT_EQ(1, tlsh_conn_peer_certs(r.p.c));
	pair_free(&r.p);
}

/* The server's resuming ServerHello, damaged on its way to the client. */
static size_t sh_suite_at(const uint8_t *m)
{
	return TLSH_HS_HDR + 2 + TLSH_RANDOM + 1 + m[TLSH_HS_HDR + 2 + TLSH_RANDOM];
}

static void other_suite(const struct tlsh_conn *c, struct tlsh_wbuf *w,
			size_t mark)
{
	uint8_t *m = w->buf + mark;

	(void)c;
	if (m[0] == TLSH_HS_SERVER_HELLO)
		m[sh_suite_at(m) + 1] = 0x2c;	/* c02b -> c02c */
}

/* extended_master_secret becomes an (empty) session_ticket extension. */
static void ems_dropped(const struct tlsh_conn *c, struct tlsh_wbuf *w,
			size_t mark)
{
	static const uint8_t ems[4] = { 0x00, 0x17, 0x00, 0x00 };
	uint8_t *m = w->buf + mark;

	(void)c;
	if (m[0] != TLSH_HS_SERVER_HELLO)
		return;
	for (size_t i = sh_suite_at(m); i + 4 <= w->len - mark; i++)
		if (!memcmp(m + i, ems, 4)) {
			m[i + 1] = 35;
			return;
		}
}

static const struct tlsh_test_hooks other_suite_hooks = {
	.mutate = other_suite,
};

static const struct tlsh_test_hooks ems_dropped_hooks = {
	.mutate = ems_dropped,
};

TEST(client_refuses_resumption_with_another_suite_or_without_ems)
{
	static const struct {
		const struct tlsh_test_hooks *hooks;
		enum tlsh_err err;
		const char *reason;
	} cases[] = {
		{ &other_suite_hooks, TLSH_ERR_ILLEGAL_PARAMETER,
		  "server resumed with another cipher suite" },
		{ &ems_dropped_hooks, TLSH_ERR_HANDSHAKE_FAILURE,
		  "server resumed without the extended master secret" },
	};
	struct rig r;

	ASSERT_EQ(0, rig12_init(&r, "ec"));
	r.p.ccfg.allow_no_ems = true;	/* the resumption check, not 5.2's */
	ASSERT_EQ(0, first(&r));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(0, pair_start(&r.p));
		tlsh_conn_set_test_hooks(r.p.s, cases[i].hooks);
		ASSERT_NE(0, pair_run(&r.p));
		EXPECT_EQ(cases[i].err, r.p.cerr);
		EXPECT_STREQ(cases[i].reason, tlsh_conn_error_reason(r.p.c));
		next_conn(&r);
	}
	pair_free(&r.p);
}

/* The session's ticket replaced with one sealed from state *st. */
static int reseal_session(struct rig *r, const struct tlsh_ticket_state *st)
{
	struct tlsh_conn *s;
	struct tlsh_wbuf w;
	size_t at = session_ems_at(&r->sv) + 1;
	int rc = -1;

	if (tlsh_conn_new(&s, &r->p.scfg, true))
		return -1;
	tlsh_wbuf_heap(&w);
	if (!tlsh_ticket_seal(s, st, &w) && at + w.len <= sizeof(r->sv.buf)) {
		memcpy(r->sv.buf + at, w.buf, w.len);
		r->sv.len = at + w.len;
		rc = 0;
	}
	tlsh_wbuf_wipe_free(&w);
	tlsh_conn_free(s);
	return rc;
}

TEST(ticket_without_ems_is_refused)
{
	struct rig r;
	struct tlsh_ticket_state st;
	size_t ems = 0;

	ASSERT_EQ(0, rig12_init(&r, "ec"));
	ASSERT_EQ(0, first(&r));
	ems = session_ems_at(&r.sv);
	ASSERT_EQ(1, r.sv.buf[ems]);
	/* A session marked without EMS is not even offered. */
	r.sv.buf[ems] = 0;
	ASSERT_EQ(0, run(&r.p));
	EXPECT_EQ(TLSH_PSK_NONE, tlsh_conn_psk(r.p.s));
	EXPECT_STREQ("session without the extended master secret",
		     tlsh_conn_session_note(r.p.c));
	/*
	 * A ticket sealed under our key saying "no EMS" (none is ever
	 * issued) does not resume, though all else fits: a full handshake.
	 */
	next_conn(&r);
	r.sv.buf[ems] = 1;
	memset(&st, 0, sizeof(st));
	st.version = TLSH_TLS12;
	st.suite = TLSH_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
	st.time = (uint64_t)r.sclk.t;
	st.lifetime = 3600;
	memcpy(st.psk, r.sv.buf + 1 + 2 + 2 + 8 + 4 + 4 + 1, 48);
	st.psk_len = 48;
	memcpy(st.sni, "localhost", 9);
	st.sni_len = 9;
	st.ems = true;
	/* The control: with EMS the resealed ticket resumes... */
	ASSERT_EQ(0, reseal_session(&r, &st));
	ASSERT_EQ(TLSH_PSK_RESUMED, again(&r));
	/* ...without, it does not. */
	next_conn(&r);
	st.ems = false;
	ASSERT_EQ(0, reseal_session(&r, &st));
	r.p.ccfg.session_len = r.sv.len;
	ASSERT_EQ(TLSH_PSK_NONE, again(&r));
	EXPECT_STREQ("server did not resume", tlsh_conn_session_note(r.p.c));
	pair_free(&r.p);
}

TEST(tls13_ticket_never_opens_as_tls12)
{
	struct rig r;
	struct tlsh_ticket_state st;
	size_t key_index;
	struct tlsh_conn *s;
	struct tlsh_wbuf w;

	ASSERT_EQ(0, rig12_init(&r, "ec"));
	ASSERT_EQ(0, tlsh_conn_new(&s, &r.p.scfg, true));
	memset(&st, 0, sizeof(st));
	st.version = TLSH_TLS13;
	st.suite = TLSH_TLS_AES_256_GCM_SHA384;
	st.time = (uint64_t)r.sclk.t;
	st.lifetime = 3600;
	st.psk_len = 48;
	tlsh_wbuf_heap(&w);
	ASSERT_EQ(0, tlsh_ticket_seal(s, &st, &w));
	/* The sealed ticket after its 2-byte length. */
	st.version = TLSH_TLS13;
	EXPECT_TRUE(tlsh_ticket_open(s, w.buf + 2, w.len - 2, &st,
				     &key_index));
	st.version = TLSH_TLS12;
	EXPECT_FALSE(tlsh_ticket_open(s, w.buf + 2, w.len - 2, &st,
				      &key_index));
	tlsh_wbuf_wipe_free(&w);
	tlsh_conn_free(s);
	pair_free(&r.p);
}

TEST(tls12_session_with_both_versions_offered)
{
	struct rig r;

	ASSERT_EQ(0, rig12_init(&r, "ec"));
	ASSERT_EQ(0, first(&r));
	/* Offering TLS 1.3 too: a TLS 1.2-only server resumes the ticket. */
	r.p.ccfg.max_version = 0;
	r.p.scfg.max_version = TLSH_TLS12;
	ASSERT_EQ(TLSH_PSK_RESUMED, again(&r));
	EXPECT_EQ(0, check_traffic12(&r.p));
	/* A TLS 1.3 server does not: a full TLS 1.3 handshake, noted. */
	next_conn(&r);
	r.p.scfg.max_version = 0;
	ASSERT_EQ(TLSH_PSK_NONE, again(&r));
	EXPECT_EQ(TLSH_TLS13, tlsh_conn_version(r.p.c));
	EXPECT_STREQ("server did not resume", tlsh_conn_session_note(r.p.c));
	pair_free(&r.p);
}

TEST_HARNESS_MAIN
