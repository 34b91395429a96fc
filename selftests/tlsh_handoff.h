/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the module selftests that hand connections off share: the fixed
 * keys a stand-in handshake "negotiates", and loopback sockets with
 * generous timeouts (the VM is emulated).
 */
#ifndef TLSH_SELFTEST_HANDOFF_H
#define TLSH_SELFTEST_HANDOFF_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "os/ktls.h"
#include "os/nl.h"

#define IO_TIMEOUT_S	30	/* never hit unless something hangs */

/* Keys for one connection: tx is the server's when server is true. */
static inline void test_params(struct tlsh_traffic_keys *p, uint16_t version,
			       bool server)
{
	struct tlsh_traffic_dir s2c, c2s;

	memset(&s2c, 0, sizeof(s2c));
	memset(&c2s, 0, sizeof(c2s));
	memset(s2c.key, 0x5a, 16);
	memset(s2c.iv, 0x17, 12);
	memset(c2s.key, 0xa5, 16);
	memset(c2s.iv, 0x71, 12);

	memset(p, 0, sizeof(*p));
	p->version = version;
	p->aead = TLSH_AEAD_AES_128_GCM;
	p->tx = server ? s2c : c2s;
	p->rx = server ? c2s : s2c;
}

static inline int install_keys(int fd, uint16_t version, bool server)
{
	struct tlsh_traffic_keys p;

	test_params(&p, version, server);
	return tlsh_ktls_install(fd, &p, NULL);
}

static inline void set_timeouts(int fd, int seconds)
{
	struct timeval tv = { .tv_sec = seconds };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Listen on addr (its port 0: an ephemeral one, written back); fd or -1. */
static inline int make_listener_sa(struct sockaddr *addr, socklen_t len,
				   int backlog)
{
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, addr, len) || listen(fd, backlog) ||
	    getsockname(fd, addr, &len)) {
		close(fd);
		return -1;
	}
	set_timeouts(fd, IO_TIMEOUT_S);
	return fd;
}

/* A loopback listener on an ephemeral port; *addr gets its address. */
static inline int make_listener(struct sockaddr_in *addr, int backlog)
{
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return make_listener_sa((struct sockaddr *)addr, sizeof(*addr),
				backlog);
}

/* An IPv6 loopback listener likewise; -1 where there is no IPv6. */
static inline int make_listener6(struct sockaddr_in6 *addr, int backlog)
{
	memset(addr, 0, sizeof(*addr));
	addr->sin6_family = AF_INET6;
	addr->sin6_addr = in6addr_loopback;
	return make_listener_sa((struct sockaddr *)addr, sizeof(*addr),
				backlog);
}

/*
 * make_listener6(), attached through nl (its id in *id): the fd, -1 where
 * there is no IPv6, -2 if ATTACH failed (nl->errmsg says why).
 */
static inline int attached_listener6(struct tlsh_nl *nl,
				     struct sockaddr_in6 *addr, uint32_t *id)
{
	int fd = make_listener6(addr, 8);

	if (fd >= 0 && tlsh_nl_attach(nl, fd, 0, 0, id)) {
		close(fd);
		return -2;
	}
	return fd;
}

/*
 * In a test (kselftest_harness.h): l6 = attached_listener6(), the test
 * skipped where there is no IPv6 and failed if ATTACH failed.
 */
#define ATTACH_LISTENER6(l6, nl, addr, id)				\
	do {								\
		l6 = attached_listener6(nl, addr, id);			\
		if (l6 == -1)						\
			SKIP(return, "no IPv6 loopback");		\
		ASSERT_LE(0, l6) TH_LOG("%s", (nl)->errmsg);		\
	} while (0)

/* A client connected to addr, of either family. */
static inline int client_connect_sa(const struct sockaddr *addr,
				    socklen_t len)
{
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, addr, len)) {
		close(fd);
		return -1;
	}
	set_timeouts(fd, IO_TIMEOUT_S);
	return fd;
}

static inline int client_connect(const struct sockaddr_in *addr)
{
	return client_connect_sa((const struct sockaddr *)addr,
				 sizeof(*addr));
}

/*
 * What a daemon does first: join READY on ready, then one ACCEPT on cmd,
 * which makes it count as a daemon (a READY subscriber alone does not).
 * Nothing may be pending yet: 0, or an error.
 */
static inline int daemon_join(struct tlsh_nl *ready, struct tlsh_nl *cmd)
{
	int fd, err = tlsh_nl_join_ready(ready);

	if (err)
		return err;
	err = tlsh_nl_accept(cmd, 0, &fd, NULL);
	if (err == -EAGAIN)
		return 0;
	if (!err) {
		close(fd);
		err = -EEXIST;
	}
	return err;
}

#endif
