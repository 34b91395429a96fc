/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Socket helpers shared by the kTLS selftests. Include after
 * kselftest_harness.h: the helpers assert through the caller's _metadata.
 */
#ifndef TLSH_KTLS_UTIL_H
#define TLSH_KTLS_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "os/ktls.h"
#include "recordcrypto.h"

/* A listening socket on 127.0.0.1, port chosen by the kernel. */
static inline int tcp_listener(struct __test_metadata *_metadata,
			       struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int l;

	l = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_GE(l, 0);
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(0, bind(l, (struct sockaddr *)addr, sizeof(*addr)));
	ASSERT_EQ(0, listen(l, 8));
	ASSERT_EQ(0, getsockname(l, (struct sockaddr *)addr, &len));
	return l;
}

/* An established loopback pair: *a connected, *b accepted. */
static inline void tcp_pair(struct __test_metadata *_metadata, int *a, int *b)
{
	struct sockaddr_in addr;
	int l = tcp_listener(_metadata, &addr);

	*a = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_GE(*a, 0);
	ASSERT_EQ(0, connect(*a, (struct sockaddr *)&addr, sizeof(addr)));
	*b = accept(l, NULL, NULL);
	ASSERT_GE(*b, 0);
	close(l);
}

static inline void write_full(struct __test_metadata *_metadata, int fd,
			      const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		ASSERT_GT(n, 0) TH_LOG("send: %s", strerror(errno));
		p += n;
		len -= n;
	}
}

static inline void read_full(struct __test_metadata *_metadata, int fd,
			     void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		ASSERT_GT(n, 0) TH_LOG("recv: %zd, %s", n, strerror(errno));
		p += n;
		len -= n;
	}
}

/* One whole record (header included) from the plain end; returns length. */
static inline size_t read_record(struct __test_metadata *_metadata, int fd,
				 uint8_t *rec)
{
	size_t body;

	read_full(_metadata, fd, rec, RC_HDR);
	body = (size_t)rec[3] << 8 | rec[4];
	ASSERT_LE(body, RC_MAX_RECORD - RC_HDR);
	read_full(_metadata, fd, rec + RC_HDR, body);
	return RC_HDR + body;
}

/* Plaintext flows both ways between a and b, as on any TCP socket. */
static inline void plaintext_both_ways(struct __test_metadata *_metadata,
				       int a, int b)
{
	static const char ping[] = "ping, in the clear";
	static const char pong[] = "pong, in the clear";
	char buf[64];

	write_full(_metadata, a, ping, sizeof(ping));
	read_full(_metadata, b, buf, sizeof(ping));
	ASSERT_EQ(0, memcmp(buf, ping, sizeof(ping)));
	write_full(_metadata, b, pong, sizeof(pong));
	read_full(_metadata, a, buf, sizeof(pong));
	ASSERT_EQ(0, memcmp(buf, pong, sizeof(pong)));
}

/* Name of the ULP on fd, "" if none. */
static inline void ulp_name(struct __test_metadata *_metadata, int fd,
			    char name[17])
{
	socklen_t len = 16;

	memset(name, 0, 17);
	ASSERT_EQ(0, getsockopt(fd, IPPROTO_TCP, TCP_ULP, name, &len));
}

static inline void fill_random(struct __test_metadata *_metadata, void *buf,
			       size_t len)
{
	ASSERT_EQ((ssize_t)len, getrandom(buf, len, 0));
}

/* Cheap reproducible filler for payloads too big for getrandom() calls. */
static inline void fill_pattern(uint8_t *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed | 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = x >> 24;
	}
}

/*
 * Distinct random keys and IVs per direction, and starting sequence numbers
 * that are neither zero nor byte-symmetric, so a byte-order or placement
 * slip shows.
 */
static inline void random_params(struct __test_metadata *_metadata,
				 struct tlsh_traffic_keys *p, uint16_t version,
				 enum tlsh_aead aead)
{
	memset(p, 0, sizeof(*p));
	p->version = version;
	p->aead = aead;
	fill_random(_metadata, p->tx.key, sizeof(p->tx.key));
	fill_random(_metadata, p->tx.iv, sizeof(p->tx.iv));
	fill_random(_metadata, p->rx.key, sizeof(p->rx.key));
	fill_random(_metadata, p->rx.iv, sizeof(p->rx.iv));
	ASSERT_NE(0, memcmp(p->tx.key, p->rx.key, sizeof(p->tx.key)));
	p->tx.seq = 0x00000001fffffff0ULL;
	p->rx.seq = 0x0102030405060708ULL;
}

#endif
