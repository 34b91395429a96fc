// SPDX-License-Identifier: GPL-2.0
/*
 * tlshelper's command line, on the host, where tlsh.ko can never be loaded
 * (the host kernel boots with modules disabled). Runs build/tlshelper, so
 * the cwd must be the repository root.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "daemon/daemon.h"
#include "os/nl.h"
#include "run_tlshelper.h"

#define RUN(r, ...) do {						\
	const char *const _args[] = { __VA_ARGS__, NULL };		\
	ASSERT_EQ(0, access(TLSHELPER, X_OK)) {				\
		TH_LOG("%s not built, or cwd is not the repo root",	\
		       TLSHELPER);					\
	}								\
	ASSERT_EQ(0, run_tlshelper(r, _args));				\
} while (0)

TEST(status_when_not_loaded)
{
	struct run r;

	RUN(&r, "status");
	EXPECT_EQ(TLSH_EXIT_NOT_LOADED, r.status);
	EXPECT_STREQ("", r.out);
	EXPECT_STREQ("tlshelper: tlsh.ko is not loaded (no generic netlink "
		     "family \"tlsh\"); load it with modprobe tlsh or insmod "
		     "kmod/tlsh.ko\n", r.err);
}

TEST(nl_client_reports_not_loaded)
{
	struct tlsh_status st;
	char msg[256];

	EXPECT_EQ(-ENOENT, tlsh_nl_get_status(&st, msg, sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "not loaded"));
}

TEST(help_lists_status)
{
	struct run r;

	RUN(&r, "--help");
	EXPECT_EQ(0, r.status);
	EXPECT_STREQ("", r.err);
	EXPECT_EQ(0, strncmp(r.out, "Usage: ", 7));
	EXPECT_NE(NULL, strstr(r.out, "\n  status "));
	/* The documented exit statuses. */
	EXPECT_NE(NULL, strstr(r.out, "2 usage error"));
	EXPECT_NE(NULL, strstr(r.out, "3 tlsh.ko is not loaded"));

	RUN(&r, "-h");
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "\n  status "));
}

TEST(subcommand_help)
{
	struct run r;

	RUN(&r, "status", "--help");
	EXPECT_EQ(0, r.status);
	EXPECT_STREQ("", r.err);
	EXPECT_EQ(0, strncmp(r.out, "Usage: tlshelper status", 23));
}

TEST(version)
{
	struct run r;

	RUN(&r, "--version");
	EXPECT_EQ(0, r.status);
	EXPECT_EQ(0, strncmp(r.out, "tlshelper ", 10));
	EXPECT_NE(NULL, strstr(r.out, "protocol 1"));
}

TEST(unknown_subcommand_is_usage_error)
{
	struct run r;

	RUN(&r, "frobnicate");
	EXPECT_EQ(2, r.status);
	EXPECT_STREQ("", r.out);
	EXPECT_NE(NULL, strstr(r.err, "unknown subcommand 'frobnicate'"));
	EXPECT_NE(NULL, strstr(r.err, "Usage: "));
}

TEST(missing_subcommand_is_usage_error)
{
	struct run r;
	const char *const none[] = { NULL };

	ASSERT_EQ(0, run_tlshelper(&r, none));
	EXPECT_EQ(2, r.status);
	EXPECT_STREQ("", r.out);
	EXPECT_NE(NULL, strstr(r.err, "Usage: "));
}

TEST(bad_options_are_usage_errors)
{
	struct run r;

	RUN(&r, "--no-such-option");
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "unknown option '--no-such-option'"));

	RUN(&r, "status", "--no-such-option");
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "Usage: tlshelper status"));

	RUN(&r, "status", "extra");
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "unexpected argument 'extra'"));
}

TEST(names_cover_the_protocol)
{
	unsigned int i;

	for (i = TLSH_COUNTER_PENDING; i <= TLSH_COUNTER_MAX; i++)
		EXPECT_NE(NULL, tlsh_counter_name(i));
	EXPECT_EQ(NULL, tlsh_counter_name(TLSH_COUNTER_PAD));
	EXPECT_EQ(NULL, tlsh_counter_name(TLSH_COUNTER_MAX + 1));
	for (i = TLSH_CMD_READY; i <= TLSH_CMD_MAX; i++)
		EXPECT_STRNE("UNKNOWN", tlsh_cmd_name(i));
	for (i = TLSH_EVENT_ALERT; i <= TLSH_EVENT_MAX; i++)
		EXPECT_NE(NULL, tlsh_event_name(i));
	EXPECT_EQ(NULL, tlsh_event_name(TLSH_EVENT_UNSPEC));
	EXPECT_EQ(NULL, tlsh_event_name(TLSH_EVENT_MAX + 1));
}

TEST(attach_help_names_close_notify)
{
	struct run r;

	RUN(&r, "attach", "--help");
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "--no-close-notify"));
}

/* attach takes serve's per-listener policy options (profile.h). */
TEST(attach_takes_the_policy_options)
{
	struct run r;

	RUN(&r, "attach", "--help");
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "--tls-min V"));
	EXPECT_NE(NULL, strstr(r.out, "--tls-max V"));
	EXPECT_NE(NULL, strstr(r.out, "--allow-rsa-kx"));
	EXPECT_NE(NULL, strstr(r.out, "--allow-no-ems"));

	RUN(&r, "attach", "--port", "1", "--tls-max", "1.4");
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err,
			       "bad value for tls-max: '1.4' (1.2 or 1.3)"));

	RUN(&r, "attach", "--port", "1", "--cert", "/", "--key", "/",
	    "--tls-min", "1.3", "--tls-max", "1.2");
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "tls-min is above tls-max"));

	/* Checked before anything is looked for: no daemon is asked. */
	RUN(&r, "attach", "--port", "1", "--cert", "/", "--key", "/",
	    "--allow-rsa-kx", "--allow-no-ems", "--tls-min", "1.2");
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "no process listens on TCP port 1"));

	RUN(&r, "serve", "--fd", "0", "--cert", "/", "--key", "/",
	    "--tls-min", "1.3", "--tls-max", "1.2");
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "tls-min is above tls-max"));
}

/* The close-notify= setting of attach requests, config and state files. */
TEST(close_notify_setting_round_trip)
{
	char line[256], out[256], err[128];
	struct tlsh_spec s;
	const char *verb;

	snprintf(line, sizeof(line), "listen port=1 cert=/c key=/k");
	ASSERT_EQ(0, tlsh_spec_parse(line, &verb, &s, err, sizeof(err)));
	EXPECT_EQ(-1, s.close_notify);
	ASSERT_LT(0, tlsh_spec_format("listen", &s, out, sizeof(out)));
	EXPECT_EQ(NULL, strstr(out, "close-notify"));
	tlsh_spec_free(&s);

	snprintf(line, sizeof(line), "attach cert=/c key=/k close-notify=off");
	ASSERT_EQ(0, tlsh_spec_parse(line, &verb, &s, err, sizeof(err)));
	EXPECT_EQ(0, s.close_notify);
	ASSERT_LT(0, tlsh_spec_format("attach", &s, out, sizeof(out)));
	EXPECT_STREQ("attach cert=/c key=/k close-notify=off", out);
	tlsh_spec_free(&s);

	snprintf(line, sizeof(line), "attach cert=/c key=/k close-notify=on");
	ASSERT_EQ(0, tlsh_spec_parse(line, &verb, &s, err, sizeof(err)));
	EXPECT_EQ(1, s.close_notify);
	tlsh_spec_free(&s);

	snprintf(line, sizeof(line), "attach close-notify=maybe");
	EXPECT_EQ(-1, tlsh_spec_parse(line, &verb, &s, err, sizeof(err)));
	EXPECT_STREQ("bad value for close-notify: 'maybe'", err);
	tlsh_spec_free(&s);
}

TEST_HARNESS_MAIN
