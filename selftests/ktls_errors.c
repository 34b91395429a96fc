// SPDX-License-Identifier: GPL-2.0
/*
 * tlsh_ktls_install() failures on a kernel that has the tls ULP: each step
 * reports itself, and the socket is left exactly as promised (unchanged,
 * still plaintext, or shut down; never half-keyed).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "os/ktls.h"
#include "ktls_util.h"
#include "recordcrypto.h"

FIXTURE(pair)
{
	int a, b;
	struct tlsh_traffic_keys p;
	struct tlsh_ktls_error e;
	char msg[160];
};

FIXTURE_SETUP(pair)
{
	tcp_pair(_metadata, &self->a, &self->b);
	random_params(_metadata, &self->p, TLSH_TLS13, TLSH_AEAD_AES_128_GCM);
}

FIXTURE_TEARDOWN(pair)
{
	close(self->a);
	close(self->b);
}

static const char *why(FIXTURE_DATA(pair) *self)
{
	return tlsh_ktls_strerror(&self->e, self->msg, sizeof(self->msg));
}

/* Keys on `fd` work both ways against the plain peer, from seq tx / rx. */
static void keys_work(struct __test_metadata *_metadata, int fd, int peer,
		      const struct tlsh_traffic_keys *p)
{
	static const char out[] = "through the record layer", in[] = "back";
	uint8_t rec[RC_MAX_RECORD], pt[RC_MAX_PLAIN + 256], type;
	char got[sizeof(in)];
	size_t len;
	ssize_t n;

	write_full(_metadata, fd, out, sizeof(out));
	len = read_record(_metadata, peer, rec);
	n = rc_open(p->version, p->aead, &p->tx, p->tx.seq, rec, len, &type,
		    pt);
	ASSERT_EQ((ssize_t)sizeof(out), n);
	ASSERT_EQ(0, memcmp(out, pt, n));

	len = rc_seal(p->version, p->aead, &p->rx, p->rx.seq, RC_TYPE_APPDATA,
		      (const uint8_t *)in, sizeof(in), 0, rec);
	write_full(_metadata, peer, rec, len);
	read_full(_metadata, fd, got, sizeof(in));
	ASSERT_EQ(0, memcmp(in, got, sizeof(in)));
}

/*
 * c, connected to the listener l at addr, talks plaintext with the socket
 * l accepts; then all three are closed.
 */
static void connected_in_plaintext(struct __test_metadata *_metadata, int c,
				   int l, const struct sockaddr_in *addr)
{
	int s;

	ASSERT_EQ(0, connect(c, (const struct sockaddr *)addr, sizeof(*addr)));
	s = accept(l, NULL, NULL);
	ASSERT_GE(s, 0);
	plaintext_both_ways(_metadata, c, s);
	close(s);
	close(c);
	close(l);
}

/* A socket that never connected: refused up front, still connectable. */
TEST(not_established_then_usable)
{
	struct tlsh_traffic_keys p;
	struct tlsh_ktls_error e;
	struct sockaddr_in addr;
	int l, s;
	char ulp[17];

	random_params(_metadata, &p, TLSH_TLS12, TLSH_AEAD_AES_256_GCM);
	s = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_GE(s, 0);
	ASSERT_EQ(-ENOTCONN, tlsh_ktls_install(s, &p, &e));
	ASSERT_STREQ("precondition: TCP state", e.step);
	ASSERT_EQ(ENOTCONN, e.err);
	ASSERT_FALSE(e.ulp_attached);
	ASSERT_FALSE(e.socket_unusable);
	ulp_name(_metadata, s, ulp);
	ASSERT_STREQ("", ulp);

	l = tcp_listener(_metadata, &addr);
	connected_in_plaintext(_metadata, s, l, &addr);
}

/* A listener is not a connection: refused, and it still accepts. */
TEST(listener_refused)
{
	struct tlsh_traffic_keys p;
	struct tlsh_ktls_error e;
	struct sockaddr_in addr;
	char msg[160];
	int l, c;

	random_params(_metadata, &p, TLSH_TLS13, TLSH_AEAD_AES_128_GCM);
	l = tcp_listener(_metadata, &addr);
	ASSERT_EQ(-ENOTCONN, tlsh_ktls_install(l, &p, &e));
	ASSERT_STREQ("precondition: TCP state", e.step);
	ASSERT_NE(NULL, strstr(tlsh_ktls_strerror(&e, msg, sizeof(msg)),
			       "TCP state LISTEN"))
		TH_LOG("%s", msg);

	c = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_GE(c, 0);
	connected_in_plaintext(_metadata, c, l, &addr);
}

/* UDP and AF_UNIX stream sockets are not TCP. */
TEST(not_tcp)
{
	struct tlsh_traffic_keys p;
	struct tlsh_ktls_error e;
	int u, sv[2];

	random_params(_metadata, &p, TLSH_TLS13, TLSH_AEAD_AES_128_GCM);
	u = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_GE(u, 0);
	ASSERT_EQ(-EPROTOTYPE, tlsh_ktls_install(u, &p, &e));
	ASSERT_STREQ("precondition: socket type", e.step);
	close(u);

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(-EPROTOTYPE, tlsh_ktls_install(sv[0], &p, &e));
	ASSERT_STREQ("precondition: socket type", e.step);
	close(sv[0]);
	close(sv[1]);

	ASSERT_EQ(-EBADF, tlsh_ktls_install(-1, &p, &e));
	ASSERT_STREQ("precondition: socket type", e.step);
}

/* Installing twice: refused by the ULP check, the first keys untouched. */
TEST_F(pair, ulp_already_set)
{
	struct tlsh_traffic_keys other;

	ASSERT_EQ(0, tlsh_ktls_install(self->a, &self->p, &self->e))
		TH_LOG("%s", why(self));

	random_params(_metadata, &other, TLSH_TLS13, TLSH_AEAD_AES_128_GCM);
	ASSERT_EQ(-EEXIST, tlsh_ktls_install(self->a, &other, &self->e));
	ASSERT_STREQ("precondition: ULP", self->e.step);
	ASSERT_STREQ("tls", self->e.ulp);
	ASSERT_FALSE(self->e.socket_unusable);
	ASSERT_NE(NULL, strstr(why(self), "socket already has ULP \"tls\""))
		TH_LOG("%s", self->msg);

	keys_work(_metadata, self->a, self->b, &self->p);
}

/* A bare "tls" ULP with no keys (someone else's half-done job) too. */
TEST_F(pair, bare_ulp_refused)
{
	ASSERT_EQ(0, setsockopt(self->a, IPPROTO_TCP, TCP_ULP, "tls", 3));
	ASSERT_EQ(-EEXIST, tlsh_ktls_install(self->a, &self->p, &self->e));
	ASSERT_STREQ("precondition: ULP", self->e.step);
	plaintext_both_ways(_metadata, self->a, self->b);
}

/* Versions and AEADs the kernel cannot carry: socket stays plain TCP. */
TEST_F(pair, unsupported_suite)
{
	static const uint16_t versions[] = { 0x0300, 0x0301, 0x0302, 0x0305,
					     0x7f1c, 0xfefd };
	static const int aeads[] = { TLSH_AEAD_NONE, 5, 99, -1 };
	struct tlsh_traffic_keys p = self->p;
	char ulp[17];

	for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
		p.version = versions[i];
		ASSERT_EQ(-EPROTONOSUPPORT,
			  tlsh_ktls_install(self->a, &p, &self->e));
		ASSERT_STREQ("precondition: version", self->e.step);
		ASSERT_FALSE(self->e.ulp_attached);
	}
	p.version = TLSH_TLS12;
	for (size_t i = 0; i < ARRAY_SIZE(aeads); i++) {
		p.aead = (enum tlsh_aead)aeads[i];
		ASSERT_EQ(-EOPNOTSUPP,
			  tlsh_ktls_install(self->a, &p, &self->e));
		ASSERT_STREQ("precondition: AEAD", self->e.step);
		ASSERT_FALSE(self->e.ulp_attached);
	}
	ulp_name(_metadata, self->a, ulp);
	ASSERT_STREQ("", ulp);
	plaintext_both_ways(_metadata, self->a, self->b);

	/* And the same socket still takes good keys afterwards. */
	ASSERT_EQ(0, tlsh_ktls_install(self->a, &self->p, &self->e))
		TH_LOG("%s", why(self));
	keys_work(_metadata, self->a, self->b, &self->p);
}

/*
 * Install TLS 1.3 crypto_infos for tx_aead and rx_aead on the socket a,
 * TX's cipher_type replaced by tx_cipher unless it is 0: the kernel
 * refuses at step (EINVAL) once the ULP is on, and the socket is left
 * unusable, or not.
 */
static void refused_at(struct __test_metadata *_metadata,
		       FIXTURE_DATA(pair) *self, enum tlsh_aead tx_aead,
		       uint16_t tx_cipher, enum tlsh_aead rx_aead,
		       const char *step, bool unusable)
{
	struct tlsh_ktls_crypto_infos ci;

	ASSERT_EQ(0, tlsh_ktls_crypto_info(TLSH_TLS13, tx_aead, &self->p.tx,
					   &ci.tx, &ci.tx_len));
	ASSERT_EQ(0, tlsh_ktls_crypto_info(TLSH_TLS13, rx_aead, &self->p.rx,
					   &ci.rx, &ci.rx_len));
	if (tx_cipher)
		ci.tx.info.cipher_type = tx_cipher;
	ASSERT_EQ(-EINVAL, tlsh_ktls_install_crypto_info(self->a, &ci,
							 &self->e));
	ASSERT_STREQ(step, self->e.step);
	ASSERT_TRUE(self->e.ulp_attached);
	ASSERT_EQ(unusable, self->e.socket_unusable);
}

/*
 * The kernel rejects TX (here: a crypto_info it cannot parse). The ULP is
 * on but holds no keys, so the socket still carries plaintext.
 */
TEST_F(pair, tx_rejected_still_plaintext)
{
	refused_at(_metadata, self, TLSH_AEAD_AES_128_GCM, 0x7777,
		   TLSH_AEAD_AES_128_GCM, "TLS_TX", false);
	ASSERT_NE(NULL, strstr(why(self), "still carries plaintext"))
		TH_LOG("%s", self->msg);
	plaintext_both_ways(_metadata, self->a, self->b);
}

/*
 * TX keyed, then the kernel rejects RX (a cipher that differs from TX's).
 * The socket must not stay up encrypting one way and plaintext the other:
 * it is shut down, and the peer sees EOF with no byte of either kind.
 */
TEST_F(pair, rx_rejected_shuts_down)
{
	struct tcp_info ti;
	socklen_t len;
	char buf[16];

	refused_at(_metadata, self, TLSH_AEAD_AES_128_GCM, 0,
		   TLSH_AEAD_AES_256_GCM, "TLS_RX", true);
	ASSERT_NE(NULL, strstr(why(self), "socket shut down"))
		TH_LOG("%s", self->msg);

	/*
	 * kTLS may still take a send() into its record buffer (6.1 reports
	 * success), but after the FIN nothing more can reach the wire.
	 */
	(void)send(self->a, "x", 1, MSG_NOSIGNAL);
	ASSERT_EQ(0, recv(self->b, buf, sizeof(buf), 0));
	ASSERT_EQ(0, recv(self->a, buf, sizeof(buf), 0));
	len = sizeof(ti);
	ASSERT_EQ(0, getsockopt(self->a, IPPROTO_TCP, TCP_INFO, &ti, &len));
	ASSERT_NE(TCP_ESTABLISHED, ti.tcpi_state);
}

TEST_HARNESS_MAIN
