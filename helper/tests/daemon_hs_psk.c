// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel agent's PSKs from keys (daemon_hs_psk.c), on this host's
 * kernel with "user" keys standing in for NVMe's "psk" type: the hash of
 * an NVMe identity; a host's PSKs by serial (identity = description, key
 * = payload, a key of another type refused); a target's from a keyring,
 * nested keyrings included, each entry's serial found again for
 * REMOTE_AUTH; the keyring an ACCEPT linked into the process keyring
 * found, and forgotten before the next.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <sys/syscall.h>
#include <linux/keyctl.h>

#include "kselftest_harness.h"
#include "daemon/daemon_hs.h"

static long add_key(const char *type, const char *desc, const void *p,
		    size_t len, long ring)
{
	return syscall(SYS_add_key, type, desc, p, len, ring);
}

TEST(hash_from_the_nvme_identity_else_the_key_length)
{
	EXPECT_EQ(32u, tlshd_hs_psk_hash_len("NVMe0R01 h s", 48));
	EXPECT_EQ(48u, tlshd_hs_psk_hash_len("NVMe1G02 h s d", 32));
	EXPECT_EQ(0u, tlshd_hs_psk_hash_len("NVMe0R03 h s", 32));
	EXPECT_EQ(48u, tlshd_hs_psk_hash_len("some-identity", 48));
	EXPECT_EQ(32u, tlshd_hs_psk_hash_len("NVMe0X01 h s", 16));
}

FIXTURE(keys) {
	long ring, inner, k256, k384, other;
};

FIXTURE_SETUP(keys)
{
	static const uint8_t a[32] = { 1 }, b[48] = { 2 };

	self->ring = add_key("keyring", "tlsh-test-psks", NULL, 0,
			     KEY_SPEC_PROCESS_KEYRING);
	if (self->ring < 0 && errno == ENOSYS)
		SKIP(return, "no keys in this kernel");
	ASSERT_LT(0, self->ring);
	self->inner = add_key("keyring", "inner", NULL, 0, self->ring);
	ASSERT_LT(0, self->inner);
	self->k256 = add_key("user", "NVMe0R01 nqn.h nqn.s", a, sizeof(a),
			     self->ring);
	self->k384 = add_key("user", "NVMe0R02 nqn.h nqn.s", b, sizeof(b),
			     self->inner);
	self->other = add_key("logon", "tlsh:other", a, sizeof(a),
			      self->ring);
	ASSERT_LT(0, self->k256);
	ASSERT_LT(0, self->k384);
}

FIXTURE_TEARDOWN(keys)
{
	tlshd_hs_keyring_forget();
}

TEST_F(keys, host_psks_by_serial)
{
	struct tlshd_hs_psks ps = { 0 };
	uint32_t ids[2] = { (uint32_t)self->k384, (uint32_t)self->k256 };
	char why[200] = "";

	ASSERT_EQ(0, tlshd_hs_psks_from_serials(&ps, ids, 2, "user", why,
						sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(2u, ps.n);
	EXPECT_EQ(20u, ps.list[0].identity_len);
	EXPECT_EQ(0, memcmp("NVMe0R02 nqn.h nqn.s", ps.list[0].identity, 20));
	EXPECT_EQ(48u, ps.list[0].key_len);
	EXPECT_EQ(48u, ps.list[0].hash_len);
	EXPECT_EQ(2, ps.list[0].key[0]);
	EXPECT_EQ(32u, ps.list[1].hash_len);
	EXPECT_EQ((uint32_t)self->k256, tlshd_hs_psk_serial(&ps, &ps.list[1]));
	EXPECT_EQ(0u, tlshd_hs_psk_serial(&ps, NULL));
	tlshd_hs_psks_free(&ps);
	EXPECT_EQ(0u, ps.n);

	/* Another type than asked for ("psk" for NVMe): refused. */
	EXPECT_EQ(-EKEYREJECTED, tlshd_hs_psks_from_serials(&ps, ids, 1,
							    "psk", why,
							    sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "is a user key, not psk")) TH_LOG("%s", why);
	tlshd_hs_psks_free(&ps);
	EXPECT_EQ(-ENOKEY, tlshd_hs_psks_from_serials(&ps, ids, 0, "user", why,
						      sizeof(why)));
}

TEST_F(keys, target_psks_from_a_keyring_and_the_ones_in_it)
{
	struct tlshd_hs_psks ps = { 0 };
	char why[200] = "";
	size_t i;
	bool saw256 = false, saw384 = false;

	ASSERT_EQ(0, tlshd_hs_psks_from_keyring(&ps, (uint32_t)self->ring,
						"user", why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_EQ(2u, ps.n);	/* not the logon key, not the keyrings */
	for (i = 0; i < ps.n; i++) {
		uint32_t s = tlshd_hs_psk_serial(&ps, &ps.list[i]);

		saw256 |= s == (uint32_t)self->k256 && ps.list[i].hash_len == 32;
		saw384 |= s == (uint32_t)self->k384 && ps.list[i].hash_len == 48;
	}
	EXPECT_TRUE(saw256);
	EXPECT_TRUE(saw384);
	tlshd_hs_psks_free(&ps);
	EXPECT_EQ(-ENOKEY, tlshd_hs_psks_from_keyring(&ps, (uint32_t)self->ring,
						      "psk", why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "no psk keys in keyring")) TH_LOG("%s", why);
}

TEST_F(keys, the_keyring_accept_linked_and_forgetting_it)
{
	/* As ACCEPT does in 6.12: the consumer's keyring in ours. */
	EXPECT_EQ((uint32_t)self->ring, tlshd_hs_keyring_accepted());
	tlshd_hs_keyring_forget();
	EXPECT_EQ(0u, tlshd_hs_keyring_accepted());
}

TEST_HARNESS_MAIN
