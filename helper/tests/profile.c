// SPDX-License-Identifier: GPL-2.0
/*
 * The one TLS profile (profile/profile.h) of serve, connect and the
 * daemon's listeners: settings by name, as config-file words and back,
 * checks, and the engine configuration it loads, run against a client
 * engine (tls-max 1.2 negotiates 1.2, tls-min 1.3 refuses a 1.2-only
 * client, RSA key transport only with allow-rsa-kx).
 */
#include "tls_testutil.h"
#include "kselftest_harness.h"
#include "daemon/daemon.h"
#include "profile/profile.h"
#include "tls/suite.h"
#include "tls_pair.h"

static int set(struct tlsh_profile *p, const char *name, const char *v,
	       char *err)
{
	return tlsh_profile_set(p, name, v, err, 128);
}

/* A listener line, parsed and written back. */
static void round_trip(struct __test_metadata *_metadata, const char *in,
		       const char *want)
{
	char line[512], out[512], err[128] = "";
	struct tlsh_spec s;
	const char *verb;

	snprintf(line, sizeof(line), "%s", in);
	ASSERT_EQ(0, tlsh_spec_parse(line, &verb, &s, err, sizeof(err))) {
		TH_LOG("%s: %s", in, err);
	}
	ASSERT_LT(0, tlsh_spec_format(verb, &s, out, sizeof(out)));
	EXPECT_STREQ(want, out);
	tlsh_spec_free(&s);
}

TEST(listener_lines_carry_the_policy)
{
	round_trip(_metadata,
		   "listen port=8443 cert=/c key=/k tls-max=1.2 allow-no-ems "
		   "allow-rsa-kx tls-min=1.2 tickets=2 alpn=h2,http/1.1 "
		   "max-handshake-bytes=65536 timeout=5000",
		   "listen port=8443 cert=/c key=/k alpn=h2,http/1.1 tickets=2 "
		   "max-handshake-bytes=65536 tls-min=1.2 tls-max=1.2 "
		   "allow-rsa-kx allow-no-ems timeout=5000");
	/* None given: none written (the engine's defaults apply). */
	round_trip(_metadata, "attach cert=/c key=/k", "attach cert=/c key=/k");
	round_trip(_metadata, "listener id=3 cert=/c key=/k tls-min=1.3",
		   "listener id=3 cert=/c key=/k tls-min=1.3");
}

TEST(bad_policy_words_are_refused)
{
	static const struct { const char *line, *err; } bad[] = {
		{ "listen tls-max=1.4",
		  "bad value for tls-max: '1.4' (1.2 or 1.3)" },
		{ "listen tls-min=1.1",
		  "bad value for tls-min: '1.1' (1.2 or 1.3)" },
		{ "listen allow-rsa-kx=yes", "allow-rsa-kx takes no value" },
		{ "listen tls-max", "tls-max needs a value" },
		{ "listen tickets=17", "bad value for tickets: '17'" },
		{ "listen max-handshake-bytes=100",
		  "bad value for max-handshake-bytes: '100'" },
		{ "listen alpn=,", "bad value for alpn: ','" },
		{ "listen allow-everything", "unknown or malformed setting "
					     "'allow-everything'" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[128], err[128] = "";
		struct tlsh_spec s;
		const char *verb;

		snprintf(line, sizeof(line), "%s", bad[i].line);
		EXPECT_EQ(-1, tlsh_spec_parse(line, &verb, &s, err, sizeof(err)));
		EXPECT_STREQ(bad[i].err, err);
		tlsh_spec_free(&s);
	}
}

TEST(settings_that_do_not_fit_together)
{
	struct tlsh_profile p;
	char err[128];

	tlsh_profile_init(&p);
	EXPECT_EQ(-1, tlsh_profile_check(&p, true, err, sizeof(err)));
	EXPECT_STREQ("a certificate and its key are required", err);
	EXPECT_EQ(0, tlsh_profile_check(&p, false, err, sizeof(err)));
	EXPECT_EQ(1, set(&p, "cert", "/c", err));
	EXPECT_EQ(-1, tlsh_profile_check(&p, true, err, sizeof(err)));
	EXPECT_STREQ("each certificate needs its key", err);
	EXPECT_EQ(1, set(&p, "key", "/k", err));
	EXPECT_EQ(0, tlsh_profile_check(&p, true, err, sizeof(err)));
	EXPECT_EQ(1, set(&p, "tls-min", "1.3", err));
	EXPECT_EQ(1, set(&p, "tls-max", "1.2", err));
	EXPECT_EQ(-1, tlsh_profile_check(&p, true, err, sizeof(err)));
	EXPECT_STREQ("tls-min is above tls-max", err);
	EXPECT_EQ(1, set(&p, "tls-min", "1.2", err));
	EXPECT_EQ(1, set(&p, "verify-client", NULL, err));
	/* TLS 1.2 has client certificates too: only the CA is missing. */
	EXPECT_EQ(-1, tlsh_profile_check(&p, true, err, sizeof(err)));
	EXPECT_STREQ("verify-client needs a CA file (ca)", err);
	EXPECT_EQ(-1, tlsh_profile_check(&p, false, err, sizeof(err)));
	EXPECT_STREQ("verify-client is for a server", err);
	EXPECT_EQ(1, set(&p, "tls-max", "1.3", err));
	EXPECT_EQ(-1, tlsh_profile_check(&p, true, err, sizeof(err)));
	EXPECT_STREQ("verify-client needs a CA file (ca)", err);
	/* Not a profile setting: left to the front-end. */
	EXPECT_EQ(0, set(&p, "timeout", "5", err));
	tlsh_profile_free(&p);
}

/* A server profile from the test PKI, plus words; loaded into st. */
static enum tlsh_err load_server(struct tlsh_profile *p,
				 struct tlsh_profile_state *st,
				 const char *cert, const char *const *words,
				 char *err, size_t errlen)
{
	char crt[64], key[64];

	snprintf(crt, sizeof(crt), "%s.pem", cert);
	snprintf(key, sizeof(key), "%s.key", cert);
	tlsh_profile_init(p);
	if (!pki_make() || set(p, "cert", pki_path(crt), err) != 1 ||
	    set(p, "key", pki_path(key), err) != 1)
		return TLSH_ERR_CONFIG;
	for (; *words; words++) {
		char w[64], *v;

		snprintf(w, sizeof(w), "%s", *words);
		v = strchr(w, '=');
		if (v)
			*v++ = '\0';
		if (set(p, w, v, err) != 1)
			return TLSH_ERR_CONFIG;
	}
	return tlsh_profile_load(p, true, st, err, errlen);
}

/*
 * verify-client with tls-max 1.2 loads (TLS 1.2 has client certificates),
 * and the configuration names the CA file's subjects for TLS 1.2's
 * certificate_authorities.
 */
TEST(verify_client_tls12_names_the_cas)
{
	char ca[96], err[256] = "";
	const char *const words[] = { ca, "verify-client", "tls-max=1.2", NULL };
	struct tlsh_profile p;
	struct tlsh_profile_state st;
	uint8_t *names;
	size_t len;

	snprintf(ca, sizeof(ca), "ca=%s", pki_path("cas.pem"));
	ASSERT_EQ(TLSH_OK, load_server(&p, &st, "ec", words, err, sizeof(err))) {
		TH_LOG("%s", err);
	}
	ASSERT_EQ(TLSH_OK, tlsh_ca_names_load(pki_path("cas.pem"), &names,
					      &len));
	ASSERT_TRUE(st.cfg.verify_client);
	ASSERT_EQ(TLSH_TLS12, st.cfg.max_version);
	ASSERT_NE(0, len);
	ASSERT_EQ(len, st.cfg.client_ca_names_len);
	ASSERT_EQ(0, memcmp(names, st.cfg.client_ca_names, len));
	free(names);
	tlsh_profile_unload(&st);
	tlsh_profile_free(&p);
}

/*
 * The client engine of tls_pair.h (max_version client_max, 0: both)
 * against a server engine configured by words: run()'s result (0: both
 * done), -2 if the server's profile did not load. pp->s is freed.
 */
static int handshake(struct __test_metadata *_metadata, const char *cert,
		     const char *const *words, uint16_t client_max,
		     const uint16_t *client_suites, struct pair *pp)
{
	struct tlsh_profile prof;
	struct tlsh_profile_state st;
	char err[256] = "";
	int r;

	if (pair_init(pp, "ec"))
		return -2;
	if (load_server(&prof, &st, cert, words, err, sizeof(err))) {
		TH_LOG("%s", err);
		tlsh_profile_free(&prof);
		return -2;
	}
	pp->scfg = st.cfg;
	pp->ccfg.max_version = client_max;
	if (client_suites) {
		pp->ccfg.suites = client_suites;
		pp->ccfg.n_suites = 1;
		pp->ccfg.allow_rsa_kx = true;
	}
	r = run(pp);
	tlsh_conn_free(pp->s);	/* its config goes with st */
	pp->s = NULL;
	tlsh_profile_unload(&st);
	tlsh_profile_free(&prof);
	return r;
}

TEST(tls_max_12_negotiates_12)
{
	static const char *const words[] = { "tls-max=1.2", NULL };
	struct pair p;

	ASSERT_EQ(0, handshake(_metadata, "ec", words, 0, NULL, &p));
	EXPECT_EQ(TLSH_TLS12, tlsh_conn_version(p.c));
	pair_free(&p);
}

TEST(tls_min_13_refuses_a_12_client)
{
	static const char *const words[] = { "tls-min=1.3", NULL };
	struct pair p;

	ASSERT_EQ(-1, handshake(_metadata, "ec", words, TLSH_TLS12, NULL, &p));
	EXPECT_EQ(TLSH_ERR_PROTOCOL_VERSION, p.serr);
	pair_free(&p);
}

TEST(rsa_key_transport_only_with_allow_rsa_kx)
{
	static const uint16_t rsa_kx[] = {
		TLSH_TLS_RSA_WITH_AES_128_GCM_SHA256,
	};
	static const char *const none[] = { NULL };
	static const char *const allow[] = { "allow-rsa-kx", NULL };
	struct pair p;

	ASSERT_EQ(-1, handshake(_metadata, "rsa", none, TLSH_TLS12, rsa_kx,
				&p));
	EXPECT_EQ(TLSH_ERR_HANDSHAKE_FAILURE, p.serr);
	pair_free(&p);
	ASSERT_EQ(0, handshake(_metadata, "rsa", allow, TLSH_TLS12, rsa_kx,
			       &p));
	EXPECT_EQ(TLSH_TLS_RSA_WITH_AES_128_GCM_SHA256, tlsh_conn_suite(p.c));
	pair_free(&p);
}

TEST(load_fills_the_engine_config)
{
	static const char *const words[] = {
		"tls-min=1.2", "tls-max=1.2", "allow-rsa-kx", "allow-no-ems",
		"tickets=3", "max-handshake-bytes=65536", "alpn=h2,http/1.1",
		NULL,
	};
	struct tlsh_profile prof;
	struct tlsh_profile_state st;
	char err[256] = "";

	ASSERT_EQ(TLSH_OK, load_server(&prof, &st, "ec", words, err,
				       sizeof(err))) {
		TH_LOG("%s", err);
	}
	EXPECT_EQ(TLSH_TLS12, st.cfg.min_version);
	EXPECT_EQ(TLSH_TLS12, st.cfg.max_version);
	EXPECT_TRUE(st.cfg.allow_rsa_kx);
	EXPECT_TRUE(st.cfg.allow_no_ems);
	EXPECT_EQ(3, st.cfg.n_tickets);
	EXPECT_EQ(65536, st.cfg.max_handshake_bytes);
	ASSERT_EQ(2, st.cfg.n_alpn);
	EXPECT_STREQ("h2", st.cfg.alpn[0]);
	EXPECT_STREQ("http/1.1", st.cfg.alpn[1]);
	EXPECT_EQ(1, st.cfg.n_creds);
	EXPECT_EQ(NULL, st.cfg.trust);	/* a server without ca= */
	tlsh_profile_unload(&st);
	tlsh_profile_free(&prof);
}

/* A file of n bytes (byte b) in the test PKI directory; its path. */
static const char *key_file(const char *name, size_t n, uint8_t b)
{
	const char *path = pki_path(name);
	FILE *f = fopen(path, "wb");

	for (size_t i = 0; f && i < n; i++)
		fputc(b, f);
	if (f)
		fclose(f);
	return path;
}

TEST(ticket_key_files)
{
	struct tlsh_profile prof;
	struct tlsh_profile_state st;
	struct tlsh_ticket_key want;
	uint8_t raw[TLSH_TICKET_KEY_FILE_LEN];
	char err[512] = "", words[2][300], line[512];
	const char *w[3] = { words[0], words[1], NULL };
	struct tlsh_line l = { line, sizeof(line), false };

	ASSERT_NE(NULL, pki_make());
	snprintf(words[0], sizeof(words[0]), "ticket-keys=%s",
		 key_file("tk.new", 80, 'n'));
	snprintf(words[1], sizeof(words[1]), "ticket-keys=%s",
		 key_file("tk.old", 80, 'o'));
	ASSERT_EQ(TLSH_OK, load_server(&prof, &st, "ec", w, err,
				       sizeof(err))) {
		TH_LOG("%s", err);
	}
	/* In order, the first seals; tickets default to 2 with keys. */
	ASSERT_EQ(2, st.cfg.n_ticket_keys);
	memset(raw, 'n', sizeof(raw));
	tlsh_ticket_key_derive(raw, &want);
	EXPECT_EQ(0, memcmp(&want, &st.cfg.ticket_keys[0], sizeof(want)));
	EXPECT_EQ(0, memcmp("oooooooooooooooo", st.cfg.ticket_keys[1].name, 16));
	EXPECT_EQ(2, st.cfg.n_tickets);
	tlsh_profile_format(&prof, &l);
	EXPECT_NE(NULL, strstr(line, " ticket-keys="));
	tlsh_profile_unload(&st);
	/* An explicit count stays, even 0 (resume, issue nothing new). */
	EXPECT_EQ(1, set(&prof, "tickets", "0", err));
	ASSERT_EQ(TLSH_OK, tlsh_profile_load(&prof, true, &st, err,
					     sizeof(err)));
	EXPECT_EQ(0, st.cfg.n_tickets);
	EXPECT_EQ(2, st.cfg.n_ticket_keys);
	tlsh_profile_unload(&st);
	/* Not for a client; a file of the wrong size is refused at load. */
	EXPECT_EQ(-1, tlsh_profile_check(&prof, false, err, sizeof(err)));
	EXPECT_STREQ("ticket-keys is for a server", err);
	tlsh_profile_free(&prof);
	snprintf(words[0], sizeof(words[0]), "ticket-keys=%s",
		 key_file("tk.short", 48, 's'));
	w[1] = NULL;
	EXPECT_EQ(TLSH_ERR_CONFIG, load_server(&prof, &st, "ec", w, err,
					       sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "48 bytes, want exactly 80")) {
		TH_LOG("%s", err);
	}
	tlsh_profile_free(&prof);
	/* The daemon's random key only where no file is given. */
	w[0] = NULL;
	ASSERT_EQ(TLSH_OK, load_server(&prof, &st, "ec", w, err, sizeof(err)));
	EXPECT_EQ(0, st.cfg.n_ticket_keys);
	EXPECT_EQ(0, st.cfg.n_tickets);
	tlsh_profile_random_ticket_key(&st);
	EXPECT_EQ(1, st.cfg.n_ticket_keys);
	tlsh_profile_unload(&st);
	tlsh_profile_free(&prof);
}

TEST(external_psk_from_a_hex_file)
{
	static const char hex[] = "000102030405060708090a0b0c0d0e0f"
				  "101112131415161718191A1B1C1D1E1F\n";
	struct tlsh_profile prof;
	struct tlsh_profile_state st;
	char err[512] = "", file[300];
	const char *w[] = { "psk-identity=host-1", file, NULL };
	FILE *f;

	ASSERT_NE(NULL, pki_make());
	f = fopen(pki_path("psk.hex"), "w");
	ASSERT_NE(NULL, f);
	fputs(hex, f);
	fclose(f);
	snprintf(file, sizeof(file), "psk-file=%s", pki_path("psk.hex"));
	ASSERT_EQ(TLSH_OK, load_server(&prof, &st, "ec", w, err,
				       sizeof(err))) {
		TH_LOG("%s", err);
	}
	ASSERT_EQ(1, st.cfg.n_psks);
	EXPECT_EQ(6, st.cfg.psks[0].identity_len);
	EXPECT_EQ(0, memcmp("host-1", st.cfg.psks[0].identity, 6));
	ASSERT_EQ(32, st.cfg.psks[0].key_len);
	for (int i = 0; i < 32; i++)
		EXPECT_EQ(i, st.cfg.psks[0].key[i]);
	tlsh_profile_unload(&st);
	tlsh_profile_free(&prof);
	/* One without the other; a key that is not hex. */
	w[1] = NULL;
	EXPECT_EQ(TLSH_ERR_CONFIG, load_server(&prof, &st, "ec", w, err,
					       sizeof(err)));
	EXPECT_STREQ("psk-identity and psk-file go together", err);
	tlsh_profile_free(&prof);
	f = fopen(pki_path("psk.bad"), "w");
	ASSERT_NE(NULL, f);
	fputs("00112233445566778899aabbccddeeXX\n", f);
	fclose(f);
	snprintf(file, sizeof(file), "psk-file=%s", pki_path("psk.bad"));
	w[1] = file;
	EXPECT_EQ(TLSH_ERR_CONFIG, load_server(&prof, &st, "ec", w, err,
					       sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "want 16 to 64 bytes in hex")) {
		TH_LOG("%s", err);
	}
	tlsh_profile_free(&prof);
}

TEST(a_key_of_another_certificate_is_refused_at_load)
{
	struct tlsh_profile prof;
	struct tlsh_profile_state st;
	char err[512] = "", want[300];

	tlsh_profile_init(&prof);
	ASSERT_NE(NULL, pki_make());
	ASSERT_EQ(1, set(&prof, "cert", pki_path("ec.pem"), err));
	ASSERT_EQ(1, set(&prof, "key", pki_path("alt.key"), err));
	EXPECT_EQ(TLSH_ERR_CONFIG, tlsh_profile_load(&prof, true, &st, err,
						     sizeof(err)));
	snprintf(want, sizeof(want), "cannot load certificate %s",
		 pki_path("ec.pem"));
	EXPECT_EQ(0, strncmp(want, err, strlen(want))) {
		TH_LOG("%s", err);
	}
	tlsh_profile_free(&prof);
	ASSERT_EQ(1, set(&prof, "cert", pki_path("ec.pem"), err));
	ASSERT_EQ(1, set(&prof, "key", pki_path("ec.key"), err));
	ASSERT_EQ(1, set(&prof, "ca", "/nonexistent/ca.pem", err));
	EXPECT_EQ(TLSH_ERR_CONFIG, tlsh_profile_load(&prof, true, &st, err,
						     sizeof(err)));
	EXPECT_STREQ("no CA certificates loaded from /nonexistent/ca.pem", err);
	tlsh_profile_free(&prof);
}

TEST_HARNESS_MAIN
