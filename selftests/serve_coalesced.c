// SPDX-License-Identifier: GPL-2.0
/*
 * `tlshelper serve --exec cat` in front of a client built from the engine
 * that sends its first application records in the same send() as its
 * Finished. The helper must stop reading exactly at the end of the Finished
 * record so that kTLS finds the application data in the socket: cat echoes
 * it back. A helper that read one byte too many loses the data (timeout) or
 * desynchronises the record stream (bad record). Run in the VM (kTLS).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/wait.h>

/* The harness compares int literals with size_t and enum values. */
#pragma GCC diagnostic ignored "-Wsign-compare"

#include "kselftest_harness.h"
#include "ktls_util.h"
#include "tls/engine.h"
#include "tls/record.h"

/* $TLSHELPER, else the tree's build (cwd: the repo root). */
static const char *tlshelper(void)
{
	const char *h = getenv("TLSHELPER");

	return h && *h ? h : "build/tlshelper";
}

static char pki[64];

static void pki_rm(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pki);
	if (pki[0] && system(cmd))
		fprintf(stderr, "# could not remove %s\n", pki);
}

/*
 * A test CA and a "localhost" server certificate (srv.pem, srv.key), made
 * by the tests' one PKI script (cwd is the repository root).
 */
__attribute__((constructor)) static void pki_make(void)
{
	char cmd[128];

	strcpy(pki, "/tmp/tlsh-coalesced-XXXXXX");
	if (!mkdtemp(pki)) {
		pki[0] = 0;
		return;
	}
	atexit(pki_rm);
	snprintf(cmd, sizeof(cmd), "selftests/lib/pki.sh '%s' srv 2>/dev/null",
		 pki);
	if (system(cmd))
		pki[0] = 0;
}

static void os_random(void *ctx, size_t len, uint8_t *dst)
{
	(void)ctx;
	while (len) {
		ssize_t n = getrandom(dst, len, 0);

		if (n > 0) {
			dst += n;
			len -= (size_t)n;
		}
	}
}

FIXTURE(coalesced)
{
	int cli;
	pid_t helper;
	char log[128];
	gnutls_x509_trust_list_t trust;
	struct tlsh_config cfg;
	struct tlsh_conn *c;
};

FIXTURE_VARIANT(coalesced)
{
	const char *tickets;	/* NewSessionTickets before the server's TX */
	size_t records;		/* application records sent with Finished */
};

FIXTURE_VARIANT_ADD(coalesced, one_record)
{
	.tickets = "0", .records = 1,
};

FIXTURE_VARIANT_ADD(coalesced, three_records_after_two_tickets)
{
	.tickets = "2", .records = 3,
};

FIXTURE_SETUP(coalesced)
{
	char fd[16], ca[96], crt[96], key[96];
	int srv, logfd;

	ASSERT_NE(0, pki[0]) TH_LOG("selftests/lib/pki.sh failed");
	ASSERT_EQ(0, access(tlshelper(), X_OK)) TH_LOG("run from the repo root");
	tcp_pair(_metadata, &self->cli, &srv);
	snprintf(self->log, sizeof(self->log), "%s/helper.log", pki);
	snprintf(fd, sizeof(fd), "%d", srv);
	snprintf(crt, sizeof(crt), "%s/srv.pem", pki);
	snprintf(key, sizeof(key), "%s/srv.key", pki);
	logfd = open(self->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_GE(logfd, 0);
	self->helper = fork();
	ASSERT_GE(self->helper, 0);
	if (self->helper == 0) {
		dup2(logfd, STDERR_FILENO);
		close(self->cli);
		execl(tlshelper(), "tlshelper", "serve", "--fd", fd, "--cert", crt,
		      "--key", key, "--tickets", variant->tickets,
		      "--require-ktls", "--timeout", "20", "--exec", "cat",
		      (char *)NULL);
		_exit(127);
	}
	close(logfd);
	close(srv);

	snprintf(ca, sizeof(ca), "%s/ca.pem", pki);
	ASSERT_EQ(0, gnutls_x509_trust_list_init(&self->trust, 0));
	ASSERT_LT(0, gnutls_x509_trust_list_add_trust_file(self->trust, ca, NULL,
			GNUTLS_X509_FMT_PEM, 0, 0));
	self->cfg.random = os_random;
	self->cfg.trust = self->trust;
	self->cfg.server_name = "localhost";
	ASSERT_EQ(TLSH_OK, tlsh_conn_new(&self->c, &self->cfg, false));
}

FIXTURE_TEARDOWN(coalesced)
{
	int status;

	if (self->cli >= 0)
		close(self->cli);
	if (self->helper > 0) {
		kill(self->helper, SIGTERM);
		waitpid(self->helper, &status, 0);
	}
	tlsh_conn_free(self->c);
	if (self->trust)
		gnutls_x509_trust_list_deinit(self->trust, 1);
}

static void show_log(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		fprintf(stderr, "# helper: %s", line);
	if (f)
		fclose(f);
}

TEST_F_TIMEOUT(coalesced, finished_and_data_in_one_segment, 60)
{
	static uint8_t msg[3][1000], rec[TLSH_REC_HDR + TLSH_MAX_CIPHERTEXT];
	const uint8_t *out, *data;
	size_t len, used, got = 0, total = 0;
	uint8_t type;
	int one = 1, status;
	char logbuf[4096] = "";
	FILE *f;

	/* Handshake, holding back the client's last flight. */
	ASSERT_EQ(TLSH_OK, tlsh_conn_start(self->c));
	while (!tlsh_conn_done(self->c)) {
		size_t want;

		out = tlsh_conn_output(self->c, &len);
		write_full(_metadata, self->cli, out, len);
		tlsh_conn_output_done(self->c, len);
		want = tlsh_conn_want(self->c);
		ASSERT_GT(want, 0) {
			TH_LOG("client: %s", tlsh_err_str(tlsh_conn_error(self->c)));
			show_log(self->log);
		}
		read_full(_metadata, self->cli, rec, want);
		ASSERT_EQ(TLSH_OK, tlsh_conn_feed(self->c, rec, want, &used));
		ASSERT_EQ(want, used);
	}

	/* Finished + the application records: one send(), one segment. */
	for (size_t i = 0; i < variant->records; i++) {
		fill_pattern(msg[i], sizeof(msg[i]), i + 1);
		ASSERT_EQ(TLSH_OK, tlsh_conn_write_app(self->c, msg[i],
						       sizeof(msg[i])));
		total += sizeof(msg[i]);
	}
	ASSERT_EQ(0, setsockopt(self->cli, IPPROTO_TCP, TCP_NODELAY, &one,
				sizeof(one)));
	out = tlsh_conn_output(self->c, &len);
	ASSERT_EQ((ssize_t)len, send(self->cli, out, len, 0));
	tlsh_conn_output_done(self->c, len);

	/* cat echoes everything back through kTLS (tickets first, if any). */
	while (got < total) {
		size_t body;

		read_full(_metadata, self->cli, rec, TLSH_REC_HDR);
		body = (size_t)rec[3] << 8 | rec[4];
		ASSERT_LE(body, TLSH_MAX_CIPHERTEXT);
		read_full(_metadata, self->cli, rec + TLSH_REC_HDR, body);
		ASSERT_EQ(TLSH_OK, tlsh_conn_read_record(self->c, rec,
				TLSH_REC_HDR + body, &type, &data, &len)) {
			show_log(self->log);
		}
		for (size_t i = 0; i < len; i++, got++)
			ASSERT_EQ(msg[got / 1000][got % 1000], data[i])
				TH_LOG("echo differs at byte %zu", got);
	}

	/* EOF to cat; the helper then closes with close_notify. */
	shutdown(self->cli, SHUT_WR);
	ASSERT_EQ(self->helper, waitpid(self->helper, &status, 0));
	self->helper = 0;
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	f = fopen(self->log, "r");
	ASSERT_NE(NULL, f);
	used = fread(logbuf, 1, sizeof(logbuf) - 1, f);
	logbuf[used] = 0;
	fclose(f);
	EXPECT_NE(NULL, strstr(logbuf, "result=ok record-layer=kernel"))
		TH_LOG("helper log: %s", logbuf);
}

TEST_HARNESS_MAIN
