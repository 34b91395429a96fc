// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for helper/os/ktls.c. The host kernel has no tls ULP, so
 * these cover what needs none: the crypto_info layouts byte for byte, the
 * preconditions, and the TCP_ULP failure leaving a working plain socket.
 * The record layer itself is exercised in the VM (selftests/ktls*.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "os/ktls.h"
#include "../../selftests/ktls_util.h"

/* Inputs chosen so every byte says where it came from. */
static void layout_input(struct tlsh_traffic_dir *d)
{
	for (int i = 0; i < 32; i++)
		d->key[i] = i;			/* 00 01 .. 1f */
	for (int i = 0; i < 12; i++)
		d->iv[i] = 0xa0 + i;		/* a0 a1 .. ab */
	d->seq = 0x0102030405060708ULL;
}

static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = 0;
	unsigned int b;

	while (*s) {
		if (*s == ' ') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x", &b) != 1)
			break;
		out[n++] = b;
		s += 2;
	}
	return n;
}

/*
 * The kernel structs are {u16 version, u16 cipher_type, iv, key, salt,
 * rec_seq}; `fields` is what must follow the header, written out by hand.
 */
static const struct layout_case {
	const char *name;
	uint16_t version;
	enum tlsh_aead aead;
	uint16_t cipher_type;
	size_t size;
	const char *fields;	/* iv | key | salt | rec_seq */
} layout_cases[] = {
	{ "1.2 AES-128-GCM", TLSH_TLS12, TLSH_AEAD_AES_128_GCM, 51, 40,
	  "0102030405060708 "
	  "000102030405060708090a0b0c0d0e0f "
	  "a0a1a2a3 "
	  "0102030405060708" },
	{ "1.2 AES-256-GCM", TLSH_TLS12, TLSH_AEAD_AES_256_GCM, 52, 56,
	  "0102030405060708 "
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f "
	  "a0a1a2a3 "
	  "0102030405060708" },
	{ "1.2 ChaCha20-Poly1305", TLSH_TLS12, TLSH_AEAD_CHACHA20_POLY1305,
	  54, 56,
	  "a0a1a2a3a4a5a6a7a8a9aaab "
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f "
	  "0102030405060708" },
	{ "1.2 AES-128-CCM", TLSH_TLS12, TLSH_AEAD_AES_128_CCM, 53, 40,
	  "0102030405060708 "
	  "000102030405060708090a0b0c0d0e0f "
	  "a0a1a2a3 "
	  "0102030405060708" },
	{ "1.3 AES-128-GCM", TLSH_TLS13, TLSH_AEAD_AES_128_GCM, 51, 40,
	  "a4a5a6a7a8a9aaab "
	  "000102030405060708090a0b0c0d0e0f "
	  "a0a1a2a3 "
	  "0102030405060708" },
	{ "1.3 AES-256-GCM", TLSH_TLS13, TLSH_AEAD_AES_256_GCM, 52, 56,
	  "a4a5a6a7a8a9aaab "
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f "
	  "a0a1a2a3 "
	  "0102030405060708" },
	{ "1.3 ChaCha20-Poly1305", TLSH_TLS13, TLSH_AEAD_CHACHA20_POLY1305,
	  54, 56,
	  "a0a1a2a3a4a5a6a7a8a9aaab "
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f "
	  "0102030405060708" },
	{ "1.3 AES-128-CCM", TLSH_TLS13, TLSH_AEAD_AES_128_CCM, 53, 40,
	  "a4a5a6a7a8a9aaab "
	  "000102030405060708090a0b0c0d0e0f "
	  "a0a1a2a3 "
	  "0102030405060708" },
};

TEST(crypto_info_layout)
{
	for (size_t i = 0; i < ARRAY_SIZE(layout_cases); i++) {
		const struct layout_case *c = &layout_cases[i];
		union tlsh_ktls_crypto_info ci;
		struct tlsh_traffic_dir d;
		uint8_t want[sizeof(ci)];
		socklen_t len = 0;
		size_t n;

		layout_input(&d);
		memset(&ci, 0xee, sizeof(ci));
		ASSERT_EQ(0, tlsh_ktls_crypto_info(c->version, c->aead, &d,
						   &ci, &len))
			TH_LOG("%s", c->name);
		EXPECT_EQ(c->size, (size_t)len) TH_LOG("%s", c->name);
		EXPECT_EQ(c->version, ci.info.version) TH_LOG("%s", c->name);
		EXPECT_EQ(c->cipher_type, ci.info.cipher_type)
			TH_LOG("%s", c->name);
		n = unhex(c->fields, want);
		ASSERT_EQ(c->size - sizeof(ci.info), n) TH_LOG("%s", c->name);
		EXPECT_EQ(0, memcmp(want, (uint8_t *)&ci + sizeof(ci.info), n))
			TH_LOG("%s: fields differ", c->name);
	}
}

/* The layout follows seq, not a cached value: a second seq, same place. */
TEST(crypto_info_seq_big_endian)
{
	static const uint8_t want[8] = { 0xff, 0, 0, 0, 0, 0, 0x01, 0x00 };
	union tlsh_ktls_crypto_info ci;
	struct tlsh_traffic_dir d;
	socklen_t len;

	layout_input(&d);
	d.seq = 0xff00000000000100ULL;
	ASSERT_EQ(0, tlsh_ktls_crypto_info(TLSH_TLS12, TLSH_AEAD_AES_128_GCM,
					   &d, &ci, &len));
	EXPECT_EQ(0, memcmp(want, ci.aes_gcm_128.rec_seq, 8));
	EXPECT_EQ(0, memcmp(want, ci.aes_gcm_128.iv, 8));
	ASSERT_EQ(0, tlsh_ktls_crypto_info(TLSH_TLS13,
					   TLSH_AEAD_CHACHA20_POLY1305,
					   &d, &ci, &len));
	EXPECT_EQ(0, memcmp(want, ci.chacha20_poly1305.rec_seq, 8));
	EXPECT_EQ(0, memcmp(d.iv, ci.chacha20_poly1305.iv, 12));
}

TEST(crypto_info_rejects)
{
	static const uint16_t versions[] = { 0, 0x0300, 0x0301, 0x0302,
					     0x0305, 0xfefd, 0x7f1c };
	static const int aeads[] = { TLSH_AEAD_NONE, 5, 6, 1000, -1 };
	union tlsh_ktls_crypto_info ci;
	struct tlsh_traffic_dir d;
	socklen_t len;

	layout_input(&d);
	for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
		EXPECT_EQ(-EPROTONOSUPPORT,
			  tlsh_ktls_crypto_info(versions[i],
						TLSH_AEAD_AES_128_GCM,
						&d, &ci, &len))
			TH_LOG("version %#x", versions[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(aeads); i++) {
		EXPECT_EQ(-EOPNOTSUPP,
			  tlsh_ktls_crypto_info(TLSH_TLS13,
						(enum tlsh_aead)aeads[i],
						&d, &ci, &len))
			TH_LOG("aead %d", aeads[i]);
	}
}

/*
 * Installing on fd fails with -err at step, before anything changed; its
 * message is want (unless NULL). e keeps the rest for the caller.
 */
static void install_refused(struct __test_metadata *_metadata, int fd,
			    const struct tlsh_traffic_keys *p,
			    struct tlsh_ktls_error *e, int err,
			    const char *step, const char *want)
{
	char msg[160];

	ASSERT_EQ(-err, tlsh_ktls_install(fd, p, e));
	ASSERT_STREQ(step, e->step);
	if (want)
		EXPECT_STREQ(want, tlsh_ktls_strerror(e, msg, sizeof(msg)));
}

/* Suite errors come before any syscall: fd -1 still says "version". */
TEST(unsupported_before_socket)
{
	struct tlsh_traffic_keys p;
	struct tlsh_ktls_error e;
	char ulp[17];
	int a, b;

	random_params(_metadata, &p, 0x0302, TLSH_AEAD_AES_128_GCM);
	install_refused(_metadata, -1, &p, &e, EPROTONOSUPPORT,
			"precondition: version",
			"precondition: version: Protocol not supported "
			"(kTLS carries TLS 1.2 and 1.3 only); socket unchanged");

	p.version = TLSH_TLS13;
	p.aead = TLSH_AEAD_NONE;
	install_refused(_metadata, -1, &p, &e, EOPNOTSUPP,
			"precondition: AEAD", NULL);

	tcp_pair(_metadata, &a, &b);
	ASSERT_EQ(-EOPNOTSUPP, tlsh_ktls_install(a, &p, &e));
	ASSERT_FALSE(e.ulp_attached);
	ASSERT_FALSE(e.socket_unusable);
	ulp_name(_metadata, a, ulp);
	ASSERT_STREQ("", ulp);
	plaintext_both_ways(_metadata, a, b);
	close(a);
	close(b);
}

static int kernel_has_tls_ulp(void)
{
	char buf[256] = "";
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_ulp", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	for (char *t = strtok(buf, " \n"); t; t = strtok(NULL, " \n"))
		if (!strcmp(t, "tls"))
			return 1;
	return 0;
}

/* No tls ULP: TCP_ULP fails with ENOENT and the connection is untouched. */
TEST(no_tls_ulp)
{
	struct tlsh_traffic_keys p;
	struct tlsh_ktls_error e;
	char ulp[17];
	int a, b;

	if (kernel_has_tls_ulp())
		SKIP(return, "this kernel has the tls ULP (see selftests/)");

	random_params(_metadata, &p, TLSH_TLS13, TLSH_AEAD_AES_256_GCM);
	tcp_pair(_metadata, &a, &b);
	install_refused(_metadata, a, &p, &e, ENOENT, "TCP_ULP",
			"TCP_ULP \"tls\": No such file or directory (kernel "
			"has no TLS ULP: modprobe tls); socket unchanged");
	ASSERT_EQ(ENOENT, e.err);
	ASSERT_FALSE(e.ulp_attached);
	ASSERT_FALSE(e.socket_unusable);
	ulp_name(_metadata, a, ulp);
	ASSERT_STREQ("", ulp);
	plaintext_both_ways(_metadata, a, b);

	/* A NULL error struct is allowed. */
	ASSERT_EQ(-ENOENT, tlsh_ktls_install(a, &p, NULL));
	plaintext_both_ways(_metadata, a, b);
	close(a);
	close(b);
}

/* Unconnected: refused before TCP_ULP, and it can still connect. */
TEST(not_established)
{
	struct tlsh_traffic_keys p;
	struct tlsh_ktls_error e;
	struct sockaddr_in addr;
	char msg[160];
	int l, s, peer;

	random_params(_metadata, &p, TLSH_TLS12, TLSH_AEAD_AES_128_GCM);
	s = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_GE(s, 0);
	install_refused(_metadata, s, &p, &e, ENOTCONN,
			"precondition: TCP state",
			"precondition: TCP state: Transport endpoint is not "
			"connected (TCP state CLOSE, kTLS needs ESTABLISHED); "
			"socket unchanged");

	l = tcp_listener(_metadata, &addr);
	install_refused(_metadata, l, &p, &e, ENOTCONN,
			"precondition: TCP state", NULL);
	ASSERT_EQ(TCP_LISTEN, e.tcp_state);

	ASSERT_EQ(0, connect(s, (struct sockaddr *)&addr, sizeof(addr)));
	peer = accept(l, NULL, NULL);
	ASSERT_GE(peer, 0);
	plaintext_both_ways(_metadata, s, peer);

	/* The peer's FIN puts s in CLOSE_WAIT: too late for keys. */
	close(peer);
	ASSERT_EQ(0, recv(s, msg, sizeof(msg), 0));
	install_refused(_metadata, s, &p, &e, ENOTCONN,
			"precondition: TCP state", NULL);
	ASSERT_EQ(TCP_CLOSE_WAIT, e.tcp_state);
	close(s);
	close(l);
}

TEST(not_tcp)
{
	struct tlsh_traffic_keys p;
	struct tlsh_ktls_error e;
	int u, sv[2];

	random_params(_metadata, &p, TLSH_TLS13, TLSH_AEAD_AES_128_GCM);
	u = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_GE(u, 0);
	install_refused(_metadata, u, &p, &e, EPROTOTYPE,
			"precondition: socket type",
			"precondition: socket type: Protocol wrong type for "
			"socket (kTLS needs a TCP stream socket); "
			"socket unchanged");
	close(u);

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	install_refused(_metadata, sv[0], &p, &e, EPROTOTYPE,
			"precondition: socket type", NULL);
	close(sv[0]);
	close(sv[1]);

	ASSERT_EQ(0, pipe(sv));
	install_refused(_metadata, sv[0], &p, &e, ENOTSOCK,
			"precondition: socket type", NULL);
	close(sv[0]);
	close(sv[1]);
}

TEST(strerror_formats)
{
	static const struct {
		const char *step;
		int err;
		bool socket_unusable, ulp_attached;
		const char *ulp, *want;
	} cases[] = {
		{ NULL, 0, false, false, "", "kTLS keys installed" },
		{ "TLS_RX", EINVAL, true, false, "",
		  "TLS_RX: Invalid argument (kernel rejected the crypto "
		  "parameters); socket shut down" },
		{ "TLS_TX", EINVAL, false, true, "",
		  "TLS_TX: Invalid argument (kernel rejected the crypto "
		  "parameters); socket still carries plaintext" },
		{ "precondition: ULP", EEXIST, false, false, "tls",
		  "precondition: ULP: File exists (socket already has ULP "
		  "\"tls\"); socket unchanged" },
	};
	struct tlsh_ktls_error e = { 0 };
	char msg[160], tiny[12];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e.step = cases[i].step;
		e.err = cases[i].err;
		e.socket_unusable = cases[i].socket_unusable;
		e.ulp_attached = cases[i].ulp_attached;
		strcpy(e.ulp, cases[i].ulp);
		EXPECT_STREQ(cases[i].want,
			     tlsh_ktls_strerror(&e, msg, sizeof(msg)));
	}

	/* Truncates, always terminated; a zero-length buffer is untouched. */
	memset(tiny, 'x', sizeof(tiny));
	tlsh_ktls_strerror(&e, tiny, sizeof(tiny));
	EXPECT_EQ(sizeof(tiny) - 1, strlen(tiny));
	tiny[0] = 'z';
	tlsh_ktls_strerror(&e, tiny, 0);
	EXPECT_EQ('z', tiny[0]);
}

TEST_HARNESS_MAIN
