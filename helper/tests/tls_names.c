// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's address-literal check (tls/names.h) against the C
 * library's inet_pton(), which the engine no longer calls: it must keep out
 * of the socket headers. Fixed cases name the rules; random strings over the
 * literal alphabet look for any other disagreement.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "tls_testutil.h"
#include "kselftest_harness.h"
#include "tls/names.h"

static bool libc_literal(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	       inet_pton(AF_INET6, s, buf) == 1;
}

TEST(fixed_cases)
{
	static const struct {
		const char *s;
		bool literal;
	} cases[] = {
		{ "192.0.2.1", true }, { "0.0.0.0", true },
		{ "255.255.255.255", true }, { "256.1.1.1", false },
		{ "01.2.3.4", false }, { "1.2.3", false }, { "1.2.3.4.", false },
		{ "1.2.3.4.5", false }, { "1..3.4", false }, { "", false },
		{ "::", true }, { "::1", true }, { "1::", true },
		{ "2001:db8::8:800:200c:417a", true },
		{ "1:2:3:4:5:6:7:8", true }, { "1:2:3:4:5:6:7::", true },
		{ "1:2:3:4:5:6:7:8::", false }, { "::1:2:3:4:5:6:7:8", false },
		{ "1:2:3:4:5:6:7", false }, { "1:2:3:4:5:6:7:8:9", false },
		{ ":1", false }, { "1:", false }, { ":::", false },
		{ "1::2::3", false }, { "12345::", false }, { "ABCD::ef", true },
		{ "::ffff:192.0.2.1", true }, { "1:2:3:4:5:6:1.2.3.4", true },
		{ "1:2:3:4:5:6:7:1.2.3.4", false }, { "::1.2.3.4:5", false },
		{ "::01.2.3.4", false }, { "example.com", false },
		{ "a.example", false }, { "localhost", false },
		{ "1.2.3.4a", false }, { "g::", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_EQ(cases[i].literal, tlsh_ip_literal(cases[i].s))
			TH_LOG("%s", cases[i].s);
		EXPECT_EQ(cases[i].literal, libc_literal(cases[i].s))
			TH_LOG("libc: %s", cases[i].s);
	}
}

TEST(random_strings_agree_with_inet_pton)
{
	static const char alphabet[] = "0123456789abcdefABCDEF::::....g";
	unsigned int seed = 1, agree_literal = 0;
	char s[48];

	for (int i = 0; i < 400000; i++) {
		size_t len = (size_t)(rand_r(&seed) % 40);

		for (size_t j = 0; j < len; j++)
			s[j] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		s[len] = 0;
		ASSERT_EQ(libc_literal(s), tlsh_ip_literal(s))
			TH_LOG("disagree on \"%s\"", s);
		agree_literal += libc_literal(s);
	}
	/* The generator must reach literals, not only rejections. */
	EXPECT_LT(100, agree_literal);
}

TEST_HARNESS_MAIN
