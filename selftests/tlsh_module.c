// SPDX-License-Identifier: GPL-2.0
/*
 * tlsh.ko load/unload and its generic netlink GET, in the test VM (root,
 * Debian 6.1 kernel, cwd = repository root). Each fixture test loads
 * kmod/tlsh.ko (TLSH_KO overrides the path) in setup and unloads it in
 * teardown, and fails if the kernel logged a BUG or WARNING meanwhile.
 */
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include "kselftest_harness.h"
#include "os/nl.h"
#include "tlsh_kmod.h"
#include "tests/run_tlshelper.h"

#define NOBODY		65534

static int read_sysfs_version(char *buf, size_t len)
{
	int fd = open("/sys/module/tlsh/version", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static void drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		_exit(100);
}

/* `build/tlshelper status`, as root or as nobody. */
static int run_status(struct run *r, bool as_nobody)
{
	static const char *const args[] = { "status", NULL };

	return run_tlshelper_as(r, args, as_nobody ? drop_to_nobody : NULL);
}

/* Exit status of a forked child running fn(); 0 means it passed. */
static int in_child(int (*fn)(void))
{
	int wstatus;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn());
	if (waitpid(pid, &wstatus, 0) != pid)
		return -1;
	return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) :
	       128 + WTERMSIG(wstatus);
}

/* Send cmd with an optional u32 attribute; the kernel's errno or 0. */
static int send_raw(struct tlsh_nl *nl, uint8_t cmd, int attr)
{
	struct nl_msg *msg = tlsh_nl_msg_new(nl, cmd);

	if (!msg)
		return -ENOMEM;
	if (attr && nla_put_u32(msg, attr, 1) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return tlsh_nl_transact(nl, msg, NULL, NULL);
}

static bool counters_all_zero(const struct tlsh_status *st)
{
	unsigned int i;

	for (i = TLSH_COUNTER_PENDING; i <= TLSH_COUNTER_MAX; i++)
		if (!st->has_counter[i] || st->counters[i])
			return false;
	return true;
}

FIXTURE(tlsh) {
	int kmsg;
};

FIXTURE_SETUP(tlsh)
{
	/* A test that died before its teardown must not break this one. */
	self->kmsg = kmod_fixture_load(_metadata);
	ASSERT_TRUE(kmod_loaded());
}

FIXTURE_TEARDOWN(tlsh)
{
	/* EXPECT only: an ASSERT here would re-enter teardown. */
	if (kmod_loaded())
		EXPECT_EQ(0, kmod_unload());
	EXPECT_FALSE(kmod_loaded());
	EXPECT_EQ(0, kmsg_count_bad(_metadata, self->kmsg));
	close(self->kmsg);
}

TEST_F(tlsh, get_reports_version_and_zero_counters)
{
	char sysfs_version[64];
	struct tlsh_status st;
	struct tlsh_nl nl;

	ASSERT_EQ(0, read_sysfs_version(sysfs_version, sizeof(sysfs_version)));
	ASSERT_EQ(0, tlsh_nl_open(&nl)) TH_LOG("%s", nl.errmsg);
	ASSERT_EQ(0, tlsh_nl_get(&nl, &st)) TH_LOG("%s", nl.errmsg);
	tlsh_nl_close(&nl);

	EXPECT_STREQ(sysfs_version, st.module_version);
	EXPECT_EQ((unsigned int)TLSH_GENL_VERSION, st.protocol_version);
	EXPECT_TRUE(counters_all_zero(&st));
}

TEST_F(tlsh, status_prints_version_and_counters)
{
	char version[64], expected[512];
	struct run r;

	ASSERT_EQ(0, read_sysfs_version(version, sizeof(version)));
	snprintf(expected, sizeof(expected),
		 "tlsh.ko %s loaded\n"
		 "pending 0\nin-flight 0\nready 0\n"
		 "delivered 0\nfailed 0\ntimed-out 0\n"
		 "close-notify 0\nalert 0\npost-handshake 0\nrefused 0\n"
		 "join-refused 0\n",
		 version);

	ASSERT_EQ(0, run_status(&r, false));
	EXPECT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	EXPECT_STREQ(expected, r.out);
	EXPECT_STREQ("", r.err);
}

static int unprivileged_get(void)
{
	struct tlsh_status st;
	struct tlsh_nl nl;
	int err;

	drop_to_nobody();
	/* Resolving the family is unprivileged; GET is not. */
	if (tlsh_nl_open(&nl))
		return 1;
	err = tlsh_nl_get(&nl, &st);
	tlsh_nl_close(&nl);
	if (err != -EPERM)
		return 2;
	if (strcmp(nl.errmsg,
		   "permission denied: tlsh GET needs CAP_NET_ADMIN"))
		return 3;
	return 0;
}

TEST_F(tlsh, unprivileged_get_is_eperm)
{
	struct run r;

	EXPECT_EQ(0, in_child(unprivileged_get));

	ASSERT_EQ(0, run_status(&r, true));
	EXPECT_EQ(1, r.status);
	EXPECT_STREQ("", r.out);
	EXPECT_STREQ("tlshelper: permission denied: tlsh GET needs "
		     "CAP_NET_ADMIN\n", r.err);
}

TEST_F(tlsh, get_rejects_attributes)
{
	struct tlsh_nl nl;

	ASSERT_EQ(0, tlsh_nl_open(&nl)) TH_LOG("%s", nl.errmsg);

	/* Known to the protocol but not taken by GET. */
	EXPECT_EQ(-EINVAL, send_raw(&nl, TLSH_CMD_GET, TLSH_A_FD));
	EXPECT_NE(NULL, strstr(nl.errmsg, "Unsupported attribute"))
		TH_LOG("%s", nl.errmsg);

	/* Beyond the protocol. */
	EXPECT_EQ(-EINVAL, send_raw(&nl, TLSH_CMD_GET, TLSH_A_MAX + 1));
	EXPECT_NE(NULL, strstr(nl.errmsg, "Unknown attribute type"))
		TH_LOG("%s", nl.errmsg);

	/* And a clean GET still works on the same socket. */
	EXPECT_EQ(0, send_raw(&nl, TLSH_CMD_GET, 0)) TH_LOG("%s", nl.errmsg);
	tlsh_nl_close(&nl);
}

/* READY and EVENT go from the kernel to the daemon only. */
TEST_F(tlsh, non_request_commands_are_not_supported)
{
	static const uint8_t cmds[] = {
		TLSH_CMD_UNSPEC, TLSH_CMD_READY, TLSH_CMD_EVENT,
		TLSH_CMD_MAX + 1,
	};
	struct tlsh_nl nl;
	size_t i;

	ASSERT_EQ(0, tlsh_nl_open(&nl)) TH_LOG("%s", nl.errmsg);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		unsigned int cmd = cmds[i];

		EXPECT_EQ(-EOPNOTSUPP, send_raw(&nl, cmd, 0))
			TH_LOG("cmd %u: %s", cmd, nl.errmsg);
	}
	tlsh_nl_close(&nl);
}

static int get_in_new_netns(void)
{
	struct tlsh_status st;
	char msg[256];

	if (unshare(CLONE_NEWNET))
		return 1;
	if (tlsh_nl_get_status(&st, msg, sizeof(msg)))
		return 2;
	return counters_all_zero(&st) ? 0 : 3;
}

TEST_F(tlsh, get_works_in_another_netns)
{
	EXPECT_EQ(0, in_child(get_in_new_netns));
}

/* Set before in_child(join_as_...): the multicast group to join. */
static const char *group_to_join;

static int join_group(bool as_nobody)
{
	struct nl_sock *sk;
	int grp, ret;

	if (as_nobody)
		drop_to_nobody();
	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk))
		return 10;
	grp = genl_ctrl_resolve_grp(sk, TLSH_GENL_NAME, group_to_join);
	if (grp < 0)
		return 11;
	ret = nl_socket_add_membership(sk, grp);
	nl_socket_free(sk);
	if (ret == 0)
		return 0;
	return ret == -NLE_PERM ? 1 : 12;
}

static int join_as_root(void)
{
	return join_group(false);
}

static int join_as_nobody(void)
{
	return join_group(true);
}

TEST_F(tlsh, ready_group_needs_cap_net_admin)
{
	group_to_join = TLSH_MCGRP_READY;
	EXPECT_EQ(0, in_child(join_as_root));
	EXPECT_EQ(1, in_child(join_as_nobody));
}

/* EVENT names other processes' peers: admin only, like READY. */
TEST_F(tlsh, events_group_needs_cap_net_admin)
{
	group_to_join = TLSH_MCGRP_EVENTS;
	EXPECT_EQ(0, in_child(join_as_root));
	EXPECT_EQ(1, in_child(join_as_nobody));
}

TEST_F(tlsh, unload_with_client_socket_open)
{
	struct tlsh_status st;
	struct tlsh_nl nl;

	ASSERT_EQ(0, tlsh_nl_open(&nl)) TH_LOG("%s", nl.errmsg);
	ASSERT_EQ(0, tlsh_nl_get(&nl, &st)) TH_LOG("%s", nl.errmsg);

	/* A client socket does not pin the module ... */
	ASSERT_EQ(0, kmod_unload());
	/* ... and then learns the module is gone. */
	EXPECT_EQ(-ENOENT, tlsh_nl_get(&nl, &st));
	EXPECT_NE(NULL, strstr(nl.errmsg, "not loaded"));
	tlsh_nl_close(&nl);
}

TEST(load_unload_repeated)
{
	struct tlsh_status st;
	char msg[256];
	struct run r;
	int i, kmsg;

	ASSERT_EQ(0U, getuid());
	if (kmod_loaded())
		ASSERT_EQ(0, kmod_unload());
	kmsg = kmsg_open_at_end();
	ASSERT_LE(0, kmsg);

	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, kmod_load()) TH_LOG("round %d", i);
		EXPECT_EQ(-EEXIST, kmod_load());
		ASSERT_EQ(0, tlsh_nl_get_status(&st, msg, sizeof(msg)))
			TH_LOG("round %d: %s", i, msg);
		EXPECT_TRUE(counters_all_zero(&st));
		ASSERT_EQ(0, kmod_unload()) TH_LOG("round %d", i);
		EXPECT_FALSE(kmod_loaded());
		EXPECT_EQ(-ENOENT, tlsh_nl_get_status(&st, msg, sizeof(msg)));
		EXPECT_EQ(-ENOENT, kmod_unload());
	}

	ASSERT_EQ(0, run_status(&r, false));
	EXPECT_EQ(TLSH_EXIT_NOT_LOADED, r.status);
	EXPECT_STREQ("", r.out);
	EXPECT_STREQ("tlshelper: tlsh.ko is not loaded (no generic netlink "
		     "family \"tlsh\"); load it with modprobe tlsh or insmod "
		     "kmod/tlsh.ko\n", r.err);

	EXPECT_EQ(0, kmsg_count_bad(_metadata, kmsg));
	close(kmsg);
}

TEST_HARNESS_MAIN
