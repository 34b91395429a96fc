/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's TLS handshake upcall (net/handshake, Linux 6.5 and later):
 * the numbers of its generic netlink family, as the 6.12 kernel defines
 * them. Debian 12's userspace headers (linux-libc-dev 6.1) predate the
 * family, so the project carries them itself; the family is looked up at
 * run time (os/hsnl.h).
 *
 * One family "handshake", version 1, per network namespace. The kernel
 * multicasts READY to the group of a handler class when a consumer (the
 * NFS client or server, an NVMe/TCP host or target) queues a socket; the
 * agent claims it with ACCEPT (CAP_NET_ADMIN), receives the socket as an
 * fd with what the consumer asked for, does the handshake, installs kTLS
 * and answers DONE.
 */
#ifndef TLSH_HANDSHAKE_UAPI_H
#define TLSH_HANDSHAKE_UAPI_H

#define TLSH_HS_FAMILY		"handshake"
#define TLSH_HS_VERSION		1
/* The multicast group READY goes to for handler class TLSHD. */
#define TLSH_HS_GROUP_TLSHD	"tlshd"

/* Handler classes: who is asked (ACCEPT's HANDLER_CLASS). */
#define TLSH_HS_CLASS_NONE	0
#define TLSH_HS_CLASS_TLSHD	1

/* Commands. */
#define TLSH_HS_CMD_READY	1	/* kernel -> group: a request waits */
#define TLSH_HS_CMD_ACCEPT	2	/* agent: claim one (-EAGAIN: none) */
#define TLSH_HS_CMD_DONE	3	/* agent: the outcome */

/* Which side of the handshake the agent plays (ACCEPT's MESSAGE_TYPE). */
#define TLSH_HS_MSG_CLIENTHELLO	1	/* we are the client */
#define TLSH_HS_MSG_SERVERHELLO	2	/* we are the server */

/* How the agent authenticates (ACCEPT's AUTH_MODE). */
#define TLSH_HS_AUTH_UNAUTH	1	/* client: no certificate of ours */
#define TLSH_HS_AUTH_PSK	2	/* pre-shared key (PEER_IDENTITY) */
#define TLSH_HS_AUTH_X509	3	/* certificates */

/* ACCEPT request and reply attributes. */
#define TLSH_HS_A_ACCEPT_SOCKFD		1	/* u32: fd, in our table */
#define TLSH_HS_A_ACCEPT_HANDLER_CLASS	2	/* u32 (request) */
#define TLSH_HS_A_ACCEPT_MESSAGE_TYPE	3	/* u32 */
#define TLSH_HS_A_ACCEPT_TIMEOUT	4	/* u32 ms; absent: none set */
#define TLSH_HS_A_ACCEPT_AUTH_MODE	5	/* u32 */
#define TLSH_HS_A_ACCEPT_PEER_IDENTITY	6	/* u32 key serial, repeated */
#define TLSH_HS_A_ACCEPT_CERTIFICATE	7	/* nest, TLSH_HS_A_X509_* */
#define TLSH_HS_A_ACCEPT_PEERNAME	8	/* string; absent: none given */
/*
 * u32 serial of the consumer's keyring (Linux 6.17). Before it the kernel
 * links that keyring into the accepting thread's process keyring during
 * ACCEPT instead (daemon_hs_psk.c).
 */
#define TLSH_HS_A_ACCEPT_KEYRING	9
#define TLSH_HS_A_ACCEPT_MAX		9

/* Inside CERTIFICATE: key serials of a DER certificate and key. */
#define TLSH_HS_A_X509_CERT	1	/* u32 */
#define TLSH_HS_A_X509_PRIVKEY	2	/* u32 */
#define TLSH_HS_A_X509_MAX	2

/* DONE attributes. */
#define TLSH_HS_A_DONE_STATUS		1	/* u32: 0 or a positive errno */
#define TLSH_HS_A_DONE_SOCKFD		2	/* s32: the fd ACCEPT gave */
#define TLSH_HS_A_DONE_REMOTE_AUTH	3	/* u32 key serial, repeated */
#define TLSH_HS_A_DONE_MAX		3

#endif
