// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's live reload (daemon/daemon_reload.c), on the host, without
 * tlsh.ko: a listener `attach` gave, its files replaced, tlshd_reload():
 * new handshakes get the new credentials while one that started before
 * keeps the old ones alive (its reference; under ASan, make tests-asan, a
 * use after free fails here); a bad key file or config line changes
 * nothing and says why. The VM selftest selftests/daemon_reload.sh does
 * the same with real clients, SIGHUP and `tlshelper reload`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "daemon/daemon_reload.h"
#include "tls_pki.h"

static int copy_file(const char *from, const char *to)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
	return system(cmd);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* The DER of the leaf certificate creds serve first. */
static const gnutls_datum_t *leaf(const struct tlshd_creds *c)
{
	return &c->tls.cred[0].der[0];
}

static bool same_leaf(const struct tlshd_creds *a, const char *pem,
		      const char *key)
{
	struct tlsh_profile p;
	struct tlshd_creds *want;
	char err[300];
	bool same;

	tlsh_profile_init(&p);
	if (tlsh_profile_set(&p, "cert", pem, err, sizeof(err)) != 1 ||
	    tlsh_profile_set(&p, "key", key, err, sizeof(err)) != 1)
		return false;
	want = tlshd_creds_load(&p, err, sizeof(err));
	tlsh_profile_free(&p);
	if (!want)
		return false;
	same = leaf(a)->size == leaf(want)->size &&
	       !memcmp(leaf(a)->data, leaf(want)->data, leaf(a)->size);
	tlshd_creds_put(want);
	return same;
}

FIXTURE(reload) {
	char dir[64], cert[128], key[128], conf[128];
	struct tlsh_daemon_opts o;
	struct tlshd d;
	struct tlshd_listener *l;
};

FIXTURE_SETUP(reload)
{
	struct tlsh_spec spec;
	char err[300];

	ASSERT_NE(NULL, pki_make());
	strcpy(self->dir, "/tmp/tlsh-reload-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	/* tlshd_save_state writes the listener table there. */
	setenv(TLSH_DAEMON_DIR_ENV, self->dir, 1);
	snprintf(self->cert, sizeof(self->cert), "%s/live.pem", self->dir);
	snprintf(self->key, sizeof(self->key), "%s/live.key", self->dir);
	snprintf(self->conf, sizeof(self->conf), "%s/daemon.conf", self->dir);
	ASSERT_EQ(0, copy_file(pki_path("ec.pem"), self->cert));
	ASSERT_EQ(0, copy_file(pki_path("ec.key"), self->key));
	ASSERT_EQ(0, write_file(self->conf, "# no listen lines\n"));

	memset(&self->d, 0, sizeof(self->d));
	memset(&self->o, 0, sizeof(self->o));
	self->o.config = self->conf;
	self->d.o = &self->o;
	/* A listener `attach` gave (no config line): id 1, the live files. */
	tlsh_spec_init(&spec);
	ASSERT_EQ(1, tlsh_profile_set(&spec.profile, "cert", self->cert, err,
				      sizeof(err)));
	ASSERT_EQ(1, tlsh_profile_set(&spec.profile, "key", self->key, err,
				      sizeof(err)));
	self->l = tlshd_listener_new(&spec, NULL, err, sizeof(err));
	ASSERT_NE(NULL, self->l) TH_LOG("%s", err);
	self->l->id = self->l->spec.id = 1;
	self->d.listeners = self->l;
}

FIXTURE_TEARDOWN(reload)
{
	char cmd[128];

	while (self->d.listeners)
		tlshd_unlink_listener(&self->d, self->d.listeners);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	if (system(cmd))
		TH_LOG("cannot remove %s", self->dir);
}

TEST_F(reload, new_handshakes_get_new_creds_old_ones_keep_theirs)
{
	struct tlshd_creds *held, *fresh;
	struct tlsh_conn *conn = NULL;
	char reply[1024];

	/* A handshake in flight holds the creds it started with. */
	held = tlshd_listener_creds(self->l);
	ASSERT_EQ(0, (int)tlsh_conn_new(&conn, &held->tls.cfg, true));
	ASSERT_EQ(0, copy_file(pki_path("alt.pem"), self->cert));
	ASSERT_EQ(0, copy_file(pki_path("alt.key"), self->key));

	ASSERT_EQ(0, tlshd_reload(&self->d, reply, sizeof(reply)));
	EXPECT_STREQ("ok reloaded: 1 listener with new credentials, 0 attached, 0 detached",
		     reply);
	fresh = tlshd_listener_creds(self->l);
	EXPECT_NE(held, fresh);
	EXPECT_TRUE(same_leaf(fresh, pki_path("alt.pem"), pki_path("alt.key")));
	/* The old creds live on for the handshake, theirs alone now. */
	EXPECT_EQ(1, atomic_load(&held->refs));
	EXPECT_TRUE(same_leaf(held, pki_path("ec.pem"), pki_path("ec.key")));
	EXPECT_EQ(self->l, self->d.listeners);
	EXPECT_EQ(1U, self->l->id);
	tlsh_conn_free(conn);
	tlshd_creds_put(held);
	/* The listener's reference and ours. */
	EXPECT_EQ(2, atomic_load(&fresh->refs));
	tlshd_creds_put(fresh);
}

TEST_F(reload, a_bad_key_file_changes_nothing)
{
	struct tlshd_creds *before = self->l->creds;
	char reply[1024];

	ASSERT_EQ(0, copy_file(pki_path("alt.pem"), self->cert));
	ASSERT_EQ(0, write_file(self->key, "not a key\n"));
	EXPECT_EQ(-1, tlshd_reload(&self->d, reply, sizeof(reply)));
	EXPECT_EQ(0, strncmp(reply, "error reload refused, the old configuration stays: listener 1: cannot load certificate ",
			     strlen("error reload refused, the old configuration stays: listener 1: cannot load certificate ")))
		TH_LOG("%s", reply);
	EXPECT_NE(NULL, strstr(reply, self->key)) TH_LOG("%s", reply);
	EXPECT_EQ(before, self->l->creds);
	EXPECT_EQ(1, atomic_load(&before->refs));
	EXPECT_TRUE(same_leaf(before, pki_path("ec.pem"), pki_path("ec.key")));
}

TEST_F(reload, a_bad_config_line_changes_nothing)
{
	struct tlshd_creds *before = self->l->creds;
	char reply[1024], want[256];

	ASSERT_EQ(0, copy_file(pki_path("alt.pem"), self->cert));
	ASSERT_EQ(0, copy_file(pki_path("alt.key"), self->key));
	/* Line 2: a directive the config file does not have. */
	ASSERT_EQ(0, write_file(self->conf, "# comment\nlisten-all port=1\n"));
	EXPECT_EQ(-1, tlshd_reload(&self->d, reply, sizeof(reply)));
	snprintf(want, sizeof(want),
		 "error reload refused, the old configuration stays: %s:2: unknown directive 'listen-all'",
		 self->conf);
	EXPECT_STREQ(want, reply);
	EXPECT_EQ(before, self->l->creds);
	/* A line whose files do not load. */
	ASSERT_EQ(0, write_file(self->conf,
				"listen port=1 cert=/nonexistent.pem key=/nonexistent.key\n"));
	EXPECT_EQ(-1, tlshd_reload(&self->d, reply, sizeof(reply)));
	EXPECT_NE(NULL, strstr(reply, ":1: cannot load certificate /nonexistent.pem"))
		TH_LOG("%s", reply);
	EXPECT_EQ(before, self->l->creds);
	/* No config file at all. */
	unlink(self->conf);
	EXPECT_EQ(-1, tlshd_reload(&self->d, reply, sizeof(reply)));
	EXPECT_NE(NULL, strstr(reply, "cannot open ")) TH_LOG("%s", reply);
	EXPECT_EQ(before, self->l->creds);
	EXPECT_TRUE(same_leaf(self->l->creds, pki_path("ec.pem"),
			      pki_path("ec.key")));
}

TEST_HARNESS_MAIN
