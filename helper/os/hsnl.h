/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink client for the kernel's own handshake upcall (family
 * "handshake", os/handshake_uapi.h): what `tlshelper daemon` needs to act
 * as the kernel's TLS handshake agent, on libnl-genl like os/nl.h.
 *
 * Errors are negative errno values with a sentence in nl->errmsg. -ENOENT
 * from tlsh_hsnl_open() means the kernel has no such family (before 6.5, or
 * built without CONFIG_NET_HANDSHAKE).
 */
#ifndef TLSH_HSNL_H
#define TLSH_HSNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "os/handshake_uapi.h"
#include "os/nl.h"

struct nlmsghdr;

/* What the kernel says about the family (CTRL_CMD_GETFAMILY, GETPOLICY). */
struct tlsh_hs_family {
	int id;
	int group_tlshd;	/* multicast group id; 0: absent */
	bool has_accept, has_done;
	/*
	 * DONE's policy lists REMOTE_AUTH: the consumer learns who the peer
	 * is (nfsd's mtls exports depend on it). Read from the family's
	 * published policy, never by trying.
	 */
	bool done_remote_auth;
};

#define TLSH_HS_MAX_PEERIDS	8
#define TLSH_HS_PEERNAME_MAX	256

/* One claimed request: ACCEPT's reply. */
struct tlsh_hs_req {
	int fd;			/* the consumer's socket, ours to close */
	uint32_t msg_type;	/* TLSH_HS_MSG_*; 0: not sent */
	uint32_t auth_mode;	/* TLSH_HS_AUTH_*; 0: not sent */
	uint32_t timeout_ms;	/* 0: none given */
	bool has_peername;
	char peername[TLSH_HS_PEERNAME_MAX];
	uint32_t peerids[TLSH_HS_MAX_PEERIDS];
	unsigned int n_peerids;
	uint32_t cert_serial, privkey_serial;	/* 0: none */
	uint32_t keyring;	/* KEYRING (6.17); 0: not sent */
};

/*
 * Connect, resolve the family and read its operations, its tlshd group
 * and DONE's policy into *fam. -ENOENT: no such family. On failure nothing
 * needs closing (tlsh_nl_close either way).
 */
int tlsh_hsnl_open(struct tlsh_nl *nl, struct tlsh_hs_family *fam)
	__attribute__((warn_unused_result));

/*
 * Another socket for the family tlsh_hsnl_open() found (a worker's, for
 * DONE): connect only. 0 or -errno.
 */
int tlsh_hsnl_connect(struct tlsh_nl *nl, const struct tlsh_hs_family *fam)
	__attribute__((warn_unused_result));

/* Join the tlshd group (-EPERM without CAP_NET_ADMIN). */
int tlsh_hsnl_join(struct tlsh_nl *nl, const struct tlsh_hs_family *fam)
	__attribute__((warn_unused_result));

/*
 * Read what the group sent, without blocking: the number of READY
 * notifications for handler class tlshd (0 if none), or -ENOBUFS when
 * some were lost (claim anyway), or -errno.
 */
int tlsh_hsnl_read_ready(struct tlsh_nl *nl, const struct tlsh_hs_family *fam);

/*
 * ACCEPT for handler class tlshd: 0 and *req (req->fd ours to close),
 * -EAGAIN when nothing waits, or -errno.
 */
int tlsh_hsnl_accept(struct tlsh_nl *nl, struct tlsh_hs_req *req)
	__attribute__((warn_unused_result));

/*
 * ACCEPT's reply message (a whole netlink message) into *req. The fd is
 * taken first, so that whatever else is wrong it is not leaked: req->fd
 * is >= 0 whenever the message carried one. 0 or -EPROTO.
 */
int tlsh_hsnl_parse_accept(const struct nlmsghdr *nlh, struct tlsh_hs_req *req);

/*
 * DONE: status 0 or a positive errno for the socket fd; remote_auth (a key
 * serial, 0: none) only if the family's policy takes it.
 */
int tlsh_hsnl_done(struct tlsh_nl *nl, const struct tlsh_hs_family *fam,
		 int fd, uint32_t status, uint32_t remote_auth)
	__attribute__((warn_unused_result));

/* "ClientHello", "ServerHello", "?"; "unauth", "psk", "x509", "?". */
const char *tlsh_hs_msg_name(uint32_t msg_type);
const char *tlsh_hs_auth_name(uint32_t auth_mode);

#endif
