// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon as the kernel's handshake agent, on the host (the kernel's
 * side is selftests/nfs_tls.sh): tlshd's configuration file as
 * daemon_hs_conf.c reads it, and ACCEPT's reply as os/hsnl.c takes it
 * apart (messages built here the way the 6.12 kernel builds them).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/syscall.h>
#include <linux/keyctl.h>

#include <gnutls/x509.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "kselftest_harness.h"
#include "daemon/daemon_hs.h"
#include "os/hsnl.h"
#include "tls_pki.h"

/* ---- the configuration file ---- */

static int parse(const char *text, struct tlshd_hs_conf *c, char *err,
		 size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	if (!f)
		return -2;
	r = tlshd_hs_conf_parse(f, "test.conf", c, err, errlen);
	fclose(f);
	return r;
}

TEST(conf_reads_tlshd_groups_and_keys)
{
	struct tlshd_hs_conf c;
	char err[200] = "";

	ASSERT_EQ(0, parse("# tlshd.conf\n"
			   "[debug]\n"
			   "loglevel=2\n"
			   "tls=0\n"
			   "nl = 0\n"
			   "\n"
			   "[authenticate]\n"
			   "keyrings= .nfs; .nfsd ;.nvme;\n"
			   "[authenticate.client]\n"
			   "x509.truststore = /etc/ca.pem\n"
			   "x509.certificate=/etc/c.pem\n"
			   "x509.private_key=/etc/c.key\n"
			   "  [authenticate.server]  \n"
			   "x509.certificate=/etc/s.pem\n"
			   "x509.private_key=/etc/s.key\n"
			   "x509.crl=/etc/crl.pem\n", &c, err, sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_EQ(2, c.loglevel);
	ASSERT_EQ(3u, c.n_keyrings);
	EXPECT_STREQ(".nfs", c.keyrings[0]);
	EXPECT_STREQ(".nfsd", c.keyrings[1]);
	EXPECT_STREQ(".nvme", c.keyrings[2]);
	EXPECT_STREQ("/etc/ca.pem", c.client.truststore);
	EXPECT_STREQ("/etc/c.pem", c.client.certificate);
	EXPECT_STREQ("/etc/c.key", c.client.private_key);
	EXPECT_EQ(NULL, c.client.crl);
	EXPECT_EQ(NULL, c.server.truststore);
	EXPECT_STREQ("/etc/s.pem", c.server.certificate);
	EXPECT_STREQ("/etc/s.key", c.server.private_key);
	EXPECT_STREQ("/etc/crl.pem", c.server.crl);
	EXPECT_EQ(0u, c.n_unknown);
	tlshd_hs_conf_free(&c);
}

TEST(conf_escapes_and_empty_values)
{
	struct tlshd_hs_conf c;
	char err[200] = "";

	ASSERT_EQ(0, parse("[authenticate.client]\n"
			   "x509.truststore=/a\\sb\\\\c\n"
			   "x509.certificate=/first\n"
			   "x509.certificate=\n", &c, err, sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_STREQ("/a b\\c", c.client.truststore);
	/* The later, empty value leaves the earlier one (GLib: last wins, */
	/* tlshd treats empty as unset): unset means keep nothing new. */
	EXPECT_STREQ("/first", c.client.certificate);
	tlshd_hs_conf_free(&c);
}

TEST(conf_counts_what_it_does_not_know)
{
	struct tlshd_hs_conf c;
	char err[200] = "";

	ASSERT_EQ(0, parse("[authenticate.client]\n"
			   "x509.pinned=1\n"
			   "[service]\n"
			   "x=1\n", &c, err, sizeof(err)));
	EXPECT_EQ(2u, c.n_unknown);
	EXPECT_STREQ("[authenticate.client] x509.pinned", c.first_unknown);
	tlshd_hs_conf_free(&c);
}

TEST(conf_refuses_malformed_lines_with_their_number)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "x=1\n", "test.conf:1: key before any [group]" },
		{ "[debug]\nloglevel\n", "test.conf:2: neither" },
		{ "[debug]\n=3\n", "test.conf:2: neither" },
		{ "[debug\n", "test.conf:1: bad group line" },
		{ "[]\n", "test.conf:1: bad group line" },
		{ "[debug]\nloglevel=high\n", "test.conf:2: loglevel takes a number" },
		{ "[debug]\nloglevel=-1\n", "test.conf:2: loglevel takes a number" },
		{ "[authenticate.server]\nx509.crl=a\\qb\n",
		  "test.conf:2: bad escape" },
		{ "[authenticate]\nkeyrings=a;b;c;d;e;f;g;h;i\n",
		  "test.conf:2: more than 8 keyrings" },
	};
	struct tlshd_hs_conf c;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[200] = "";

		EXPECT_EQ(-1, parse(bad[i].text, &c, err, sizeof(err)))
			TH_LOG("accepted: %s", bad[i].text);
		EXPECT_EQ(0, strncmp(err, bad[i].why, strlen(bad[i].why)))
			TH_LOG("%s: got '%s'", bad[i].text, err);
		EXPECT_EQ(NULL, c.path);
		EXPECT_EQ(0u, c.n_keyrings);
	}
}

TEST(conf_load_names_the_file_it_read)
{
	char path[] = "/tmp/tlsh-hs-conf.XXXXXX", err[300] = "";
	struct tlshd_hs_conf c;
	int fd = mkstemp(path);

	ASSERT_LE(0, fd);
	ASSERT_LT(0, write(fd, "[debug]\nloglevel=1\n", 19));
	close(fd);
	ASSERT_EQ(0, tlshd_hs_conf_load(path, &c, err, sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_STREQ(path, c.path);
	EXPECT_EQ(1, c.loglevel);
	tlshd_hs_conf_free(&c);
	unlink(path);
	/* Named but missing is an error (a default path missing is not). */
	EXPECT_EQ(-1, tlshd_hs_conf_load(path, &c, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "cannot open")) TH_LOG("%s", err);
}

/* ---- ACCEPT's reply ---- */

/* A reply as the kernel makes it; the caller adds the attributes. */
static struct nl_msg *reply_new(void)
{
	struct nl_msg *m = nlmsg_alloc();

	if (m && !genlmsg_put(m, 0, 1, 0x20, 0, 0, TLSH_HS_CMD_ACCEPT,
			      TLSH_HS_VERSION)) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

TEST(accept_reply_client_x509_with_everything)
{
	struct nl_msg *m = reply_new();
	struct tlsh_hs_req r;
	struct nlattr *nest;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, nla_put_u32(m, TLSH_HS_A_ACCEPT_SOCKFD, 7));
	ASSERT_EQ(0, nla_put_u32(m, TLSH_HS_A_ACCEPT_MESSAGE_TYPE,
				 TLSH_HS_MSG_CLIENTHELLO));
	ASSERT_EQ(0, nla_put_u32(m, TLSH_HS_A_ACCEPT_TIMEOUT, 15000));
	ASSERT_EQ(0, nla_put_u32(m, TLSH_HS_A_ACCEPT_AUTH_MODE,
				 TLSH_HS_AUTH_X509));
	ASSERT_EQ(0, nla_put_u32(m, TLSH_HS_A_ACCEPT_PEER_IDENTITY, 101));
	ASSERT_EQ(0, nla_put_u32(m, TLSH_HS_A_ACCEPT_PEER_IDENTITY, 102));
	nest = nla_nest_start(m, TLSH_HS_A_ACCEPT_CERTIFICATE);
	ASSERT_NE(NULL, nest);
	ASSERT_EQ(0, nla_put_u32(m, TLSH_HS_A_X509_CERT, 55));
	ASSERT_EQ(0, nla_put_u32(m, TLSH_HS_A_X509_PRIVKEY, 56));
	nla_nest_end(m, nest);
	ASSERT_EQ(0, nla_put_string(m, TLSH_HS_A_ACCEPT_PEERNAME,
				    "nfs.example"));
	ASSERT_EQ(0, nla_put_u32(m, TLSH_HS_A_ACCEPT_KEYRING, 77));	/* 6.17 */
	ASSERT_EQ(0, tlsh_hsnl_parse_accept(nlmsg_hdr(m), &r));
	EXPECT_EQ(7, r.fd);
	EXPECT_EQ((uint32_t)TLSH_HS_MSG_CLIENTHELLO, r.msg_type);
	EXPECT_EQ(15000u, r.timeout_ms);
	EXPECT_EQ((uint32_t)TLSH_HS_AUTH_X509, r.auth_mode);
	ASSERT_EQ(2u, r.n_peerids);
	EXPECT_EQ(101u, r.peerids[0]);
	EXPECT_EQ(102u, r.peerids[1]);
	EXPECT_EQ(55u, r.cert_serial);
	EXPECT_EQ(56u, r.privkey_serial);
	EXPECT_TRUE(r.has_peername);
	EXPECT_STREQ("nfs.example", r.peername);
	EXPECT_EQ(77u, r.keyring);
	nlmsg_free(m);
}

TEST(accept_reply_server_without_peername_or_timeout)
{
	struct nl_msg *m = reply_new();
	struct tlsh_hs_req r;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, nla_put_u32(m, TLSH_HS_A_ACCEPT_SOCKFD, 9));
	ASSERT_EQ(0, nla_put_u32(m, TLSH_HS_A_ACCEPT_MESSAGE_TYPE,
				 TLSH_HS_MSG_SERVERHELLO));
	ASSERT_EQ(0, nla_put_u32(m, TLSH_HS_A_ACCEPT_AUTH_MODE,
				 TLSH_HS_AUTH_X509));
	ASSERT_EQ(0, tlsh_hsnl_parse_accept(nlmsg_hdr(m), &r));
	EXPECT_EQ(9, r.fd);
	EXPECT_FALSE(r.has_peername);
	EXPECT_STREQ("", r.peername);
	EXPECT_EQ(0u, r.timeout_ms);
	EXPECT_EQ(0u, r.n_peerids);
	EXPECT_EQ(0u, r.cert_serial);
	EXPECT_EQ(0u, r.keyring);
	nlmsg_free(m);
}

TEST(accept_reply_without_fd_is_refused)
{
	struct nl_msg *m = reply_new();
	struct tlsh_hs_req r;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, nla_put_u32(m, TLSH_HS_A_ACCEPT_MESSAGE_TYPE, 1));
	EXPECT_EQ(-EPROTO, tlsh_hsnl_parse_accept(nlmsg_hdr(m), &r));
	EXPECT_EQ(-1, r.fd);
	nlmsg_free(m);
}

/* Whatever else is wrong, the fd the kernel installed is handed back. */
TEST(accept_reply_malformed_after_the_fd_keeps_the_fd)
{
	static const char unterminated[4] = { 'a', 'b', 'c', 'd' };
	struct tlsh_hs_req r;
	struct nl_msg *m;
	unsigned int i;

	/* A short u32, an empty name, a name without its NUL, a long name. */
	for (i = 0; i < 4; i++) {
		char longname[300];
		uint16_t two = 2;

		m = reply_new();
		ASSERT_NE(NULL, m);
		ASSERT_EQ(0, nla_put_u32(m, TLSH_HS_A_ACCEPT_SOCKFD, 11));
		memset(longname, 'x', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		switch (i) {
		case 0:
			ASSERT_EQ(0, nla_put(m, TLSH_HS_A_ACCEPT_AUTH_MODE,
					     sizeof(two), &two));
			break;
		case 1:
			ASSERT_EQ(0, nla_put_string(m, TLSH_HS_A_ACCEPT_PEERNAME,
						    ""));
			break;
		case 2:
			ASSERT_EQ(0, nla_put(m, TLSH_HS_A_ACCEPT_PEERNAME,
					     sizeof(unterminated),
					     unterminated));
			break;
		case 3:
			ASSERT_EQ(0, nla_put_string(m, TLSH_HS_A_ACCEPT_PEERNAME,
						    longname));
			break;
		}
		EXPECT_EQ(-EPROTO, tlsh_hsnl_parse_accept(nlmsg_hdr(m), &r))
			TH_LOG("case %u", i);
		EXPECT_EQ(11, r.fd) TH_LOG("case %u", i);
		nlmsg_free(m);
	}
}

TEST(accept_reply_too_many_peer_identities)
{
	struct nl_msg *m = reply_new();
	struct tlsh_hs_req r;
	unsigned int i;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, nla_put_u32(m, TLSH_HS_A_ACCEPT_SOCKFD, 3));
	for (i = 0; i <= TLSH_HS_MAX_PEERIDS; i++)
		ASSERT_EQ(0, nla_put_u32(m, TLSH_HS_A_ACCEPT_PEER_IDENTITY,
					 200 + i));
	EXPECT_EQ(-EPROTO, tlsh_hsnl_parse_accept(nlmsg_hdr(m), &r));
	EXPECT_EQ(3, r.fd);
	nlmsg_free(m);
}

/* ---- keys: a client certificate by serial, a peer's for REMOTE_AUTH ---- */

static int der_file(const char *path, bool key, gnutls_datum_t *der)
{
	gnutls_datum_t pem;
	int r;

	if (gnutls_load_file(path, &pem) < 0)
		return -1;
	if (key) {
		gnutls_x509_privkey_t k;

		r = gnutls_x509_privkey_init(&k);
		if (!r)
			r = gnutls_x509_privkey_import2(k, &pem,
							GNUTLS_X509_FMT_PEM,
							NULL, 0);
		if (!r)
			r = gnutls_x509_privkey_export2_pkcs8(k,
							      GNUTLS_X509_FMT_DER,
							      NULL,
							      GNUTLS_PKCS_PLAIN,
							      der);
		gnutls_x509_privkey_deinit(k);
	} else {
		gnutls_x509_crt_t c;

		r = gnutls_x509_crt_init(&c);
		if (!r)
			r = gnutls_x509_crt_import(c, &pem, GNUTLS_X509_FMT_PEM);
		if (!r)
			r = gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_DER, der);
		gnutls_x509_crt_deinit(c);
	}
	gnutls_free(pem.data);
	return r < 0 ? -1 : 0;
}

/* A "user" key with the DER of a PKI file, in this process's keyring. */
static long user_key(const char *name, bool key)
{
	gnutls_datum_t der;
	long serial;

	if (der_file(pki_path(name), key, &der))
		return -1;
	serial = syscall(SYS_add_key, "user", name, der.data,
			 (size_t)der.size, KEY_SPEC_PROCESS_KEYRING);
	gnutls_free(der.data);
	return serial;
}

TEST(client_credential_from_key_serials)
{
	struct tlsh_cred *cred = NULL;
	long cert, key, other;
	char why[200] = "";

	ASSERT_NE(NULL, pki_make());
	cert = user_key("cli.pem", false);
	if (cert < 0 && errno == ENOSYS)
		SKIP(return, "no keys in this kernel");
	key = user_key("cli.key", true);
	other = user_key("ec.key", true);
	ASSERT_LT(0, cert);
	ASSERT_LT(0, key);
	ASSERT_LT(0, other);

	ASSERT_EQ(0, tlshd_hs_cred_from_keys((uint32_t)cert, (uint32_t)key,
					     &cred, why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_NE(NULL, cred);
	EXPECT_EQ(1u, cred->n);
	tlsh_cred_free(cred);
	free(cred);

	/* A key of another certificate, a key as the certificate. */
	cred = NULL;
	EXPECT_EQ(-EKEYREJECTED,
		  tlshd_hs_cred_from_keys((uint32_t)cert, (uint32_t)other,
					  &cred, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "not a DER certificate")) TH_LOG("%s", why);
	EXPECT_EQ(-EKEYREJECTED,
		  tlshd_hs_cred_from_keys((uint32_t)key, (uint32_t)key,
					  &cred, why, sizeof(why)));
	EXPECT_EQ(NULL, cred);
	/* A serial that names nothing. */
	EXPECT_GT(0, tlshd_hs_cred_from_keys(0x7ffffff0u, (uint32_t)key,
					     &cred, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "cannot read key")) TH_LOG("%s", why);
	EXPECT_EQ(NULL, cred);
}

TEST(verified_peer_becomes_a_key)
{
	char peer[64], desc[512] = "";
	gnutls_datum_t der;
	gnutls_x509_crt_t crt;
	uint32_t serial;

	ASSERT_NE(NULL, pki_make());
	ASSERT_EQ(0, der_file(pki_path("cli.pem"), false, &der));
	ASSERT_EQ(0, gnutls_x509_crt_init(&crt));
	ASSERT_EQ(0, gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER));
	gnutls_free(der.data);
	snprintf(peer, sizeof(peer), "test-peer-%d", (int)getpid());
	serial = tlshd_hs_peer_key(crt, peer);
	gnutls_x509_crt_deinit(crt);
	if (!serial && errno == ENOSYS)
		SKIP(return, "no keys in this kernel");
	ASSERT_NE(0u, serial);
	/* "TYPE;UID;GID;PERM;DESCRIPTION" */
	ASSERT_LT(0, syscall(SYS_keyctl, KEYCTL_DESCRIBE, serial, desc,
			     sizeof(desc) - 1));
	EXPECT_NE(NULL, strstr(desc, ";TLS x509 test-peer-")) TH_LOG("%s", desc);
	EXPECT_TRUE(!strncmp(desc, "asymmetric;", 11) ||
		    !strncmp(desc, "user;", 5)) TH_LOG("%s", desc);
	syscall(SYS_keyctl, KEYCTL_INVALIDATE, serial);
}

TEST(names_for_the_log)
{
	EXPECT_STREQ("ClientHello", tlsh_hs_msg_name(TLSH_HS_MSG_CLIENTHELLO));
	EXPECT_STREQ("ServerHello", tlsh_hs_msg_name(TLSH_HS_MSG_SERVERHELLO));
	EXPECT_STREQ("?", tlsh_hs_msg_name(0));
	EXPECT_STREQ("unauth", tlsh_hs_auth_name(TLSH_HS_AUTH_UNAUTH));
	EXPECT_STREQ("psk", tlsh_hs_auth_name(TLSH_HS_AUTH_PSK));
	EXPECT_STREQ("x509", tlsh_hs_auth_name(TLSH_HS_AUTH_X509));
	EXPECT_STREQ("?", tlsh_hs_auth_name(9));
}

TEST_HARNESS_MAIN
