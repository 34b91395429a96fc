/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tlsh: generic netlink protocol between tlsh.ko and tlshelper.
 *
 * The module holds connections accepted on an attached listener until the
 * tlshelper daemon has done the TLS handshake on them and installed kTLS.
 * This header is shared verbatim by the module and the helper.
 *
 * Only TLSH_CMD_GET is implemented today. The other commands and the
 * attributes they use are the planned upcall protocol: they are declared
 * here so their numbers never change, but the module registers no handler
 * for them yet, so the generic netlink core answers them with EOPNOTSUPP.
 *
 * Every command, and joining TLSH_MCGRP_READY, requires CAP_NET_ADMIN. The
 * family is netns-aware: GET reports the caller's network namespace.
 * Attribute validation is strict: an attribute a command does not take is
 * rejected with EINVAL.
 */
#ifndef _UAPI_LINUX_TLSH_H
#define _UAPI_LINUX_TLSH_H

#define TLSH_GENL_NAME		"tlsh"
#define TLSH_GENL_VERSION	1

/* Multicast group carrying TLSH_CMD_READY notifications (planned). */
#define TLSH_MCGRP_READY	"ready"

enum tlsh_cmd {
	TLSH_CMD_UNSPEC,

	/*
	 * Planned. Kernel to daemon, on TLSH_MCGRP_READY: a connection on
	 * attached listener TLSH_A_LISTENER_ID waits for a handshake.
	 */
	TLSH_CMD_READY,

	/*
	 * Planned. Daemon claims one pending connection. The reply carries
	 * TLSH_A_FD (installed O_CLOEXEC in the caller) and
	 * TLSH_A_LISTENER_ID; EAGAIN when nothing is pending.
	 */
	TLSH_CMD_ACCEPT,

	/*
	 * Planned. Daemon reports the outcome for TLSH_A_FD: TLSH_A_STATUS 0
	 * once kTLS TX and RX are installed, else a positive errno.
	 */
	TLSH_CMD_DONE,

	/*
	 * Planned. Attach the listening socket TLSH_A_FD, optionally with
	 * TLSH_A_TIMEOUT_MS and TLSH_A_MAX_IN_FLIGHT. The reply carries the
	 * new TLSH_A_LISTENER_ID.
	 */
	TLSH_CMD_ATTACH,

	/* Planned. Detach listener TLSH_A_LISTENER_ID. */
	TLSH_CMD_DETACH,

	/*
	 * Implemented. Takes no attributes. The reply carries
	 * TLSH_A_MODULE_VERSION and TLSH_A_COUNTERS (the caller's netns);
	 * planned: one TLSH_A_LISTENER per attached listener.
	 */
	TLSH_CMD_GET,

	__TLSH_CMD_MAX,
};

#define TLSH_CMD_MAX (__TLSH_CMD_MAX - 1)

enum tlsh_attr {
	TLSH_A_UNSPEC,
	TLSH_A_PAD,

	/* string: version of tlsh.ko (its MODULE_VERSION) */
	TLSH_A_MODULE_VERSION,

	/* nest of enum tlsh_counter */
	TLSH_A_COUNTERS,

	/*
	 * nest, repeated, one per attached listener (planned); inside:
	 * TLSH_A_LISTENER_ID, TLSH_A_TIMEOUT_MS, TLSH_A_MAX_IN_FLIGHT and
	 * TLSH_A_COUNTERS for that listener alone.
	 */
	TLSH_A_LISTENER,

	/* u32: module-assigned id of an attached listener, never 0 */
	TLSH_A_LISTENER_ID,

	/* s32: a file descriptor in the calling process */
	TLSH_A_FD,

	/* u32: handshake outcome, 0 or a positive errno */
	TLSH_A_STATUS,

	/* u32: milliseconds a connection may wait for its handshake */
	TLSH_A_TIMEOUT_MS,

	/* u32: bound on pending + in-flight + ready connections */
	TLSH_A_MAX_IN_FLIGHT,

	__TLSH_A_MAX,
};

#define TLSH_A_MAX (__TLSH_A_MAX - 1)

/*
 * Attributes inside TLSH_A_COUNTERS, each a u64. The first three are gauges
 * (connections in that state now), the last three running totals since the
 * module was loaded. A reader must ignore counters it does not know.
 */
enum tlsh_counter {
	TLSH_COUNTER_UNSPEC,
	TLSH_COUNTER_PAD,
	TLSH_COUNTER_PENDING,	/* waiting for a daemon to claim them */
	TLSH_COUNTER_IN_FLIGHT,	/* claimed, handshake running */
	TLSH_COUNTER_READY,	/* handshake done, waiting for accept() */
	TLSH_COUNTER_DELIVERED,	/* handed to the application */
	TLSH_COUNTER_FAILED,	/* closed: handshake failed or daemon died */
	TLSH_COUNTER_TIMED_OUT,	/* closed: handshake timeout expired */

	__TLSH_COUNTER_MAX,
};

#define TLSH_COUNTER_MAX (__TLSH_COUNTER_MAX - 1)

#endif /* _UAPI_LINUX_TLSH_H */
