/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tlsh: generic netlink protocol between tlsh.ko and tlshelper.
 *
 * The module holds connections accepted on an attached listener until the
 * tlshelper daemon has done the TLS handshake on them and installed kTLS.
 * This header is shared verbatim by the module and the helper.
 *
 * The life of a connection: ATTACH a listening socket; each connection
 * accepted on it is taken off the kernel accept queue and announced with
 * READY on TLSH_MCGRP_READY; a daemon claims it with ACCEPT (getting an fd
 * for it), does the TLS handshake, installs kTLS TX and RX, sends DONE 0
 * and closes the fd. At that final close the connection goes back to the
 * listener, whose accept() and poll() only ever see such connections. A
 * connection whose DONE carries an error, whose daemon closes the fd
 * without DONE or dies, or whose timeout expires is reset and never seen
 * by the application. With no daemon on TLSH_MCGRP_READY, new connections
 * are reset at once. READY is not replayed: a daemon that starts (or lost
 * notifications) drains with ACCEPT until EAGAIN.
 *
 * On the application's socket TLS control records read like TCP events,
 * never EIO: the peer's close_notify is EOF, a fatal alert ECONNRESET, a
 * post-handshake message the kernel cannot follow (KeyUpdate,
 * renegotiation) ends the connection (close_notify or an alert to the
 * peer, then ECONNRESET). Each such end, and each fatal alert, is
 * announced with EVENT on TLSH_MCGRP_EVENTS; the peer's close_notify is
 * only counted. close() and shutdown(SHUT_WR) send a close_notify before
 * the FIN unless the listener was attached with TLSH_A_CLOSE_NOTIFY 0, or
 * without TLSH_A_CLOSE_NOTIFY while the module parameter close_notify is
 * 0 (both read when accept() returns the socket).
 *
 * Every command, and joining either multicast group, requires
 * CAP_NET_ADMIN. The family is netns-aware: every command acts on the
 * caller's network namespace, and notifications go to subscribers in the
 * namespace of the connection they are about. Attribute validation is
 * strict: an attribute a command does not take is rejected with EINVAL, a
 * missing required one with EINVAL, an out-of-range value with ERANGE.
 */
#ifndef _UAPI_LINUX_TLSH_H
#define _UAPI_LINUX_TLSH_H

#define TLSH_GENL_NAME		"tlsh"
#define TLSH_GENL_VERSION	1

/* Multicast group carrying TLSH_CMD_READY notifications. */
#define TLSH_MCGRP_READY	"ready"

/* Multicast group carrying TLSH_CMD_EVENT notifications. */
#define TLSH_MCGRP_EVENTS	"events"

enum tlsh_cmd {
	TLSH_CMD_UNSPEC,

	/*
	 * Kernel to daemon, on TLSH_MCGRP_READY: a connection on attached
	 * listener TLSH_A_LISTENER_ID waits for a handshake. Not a request:
	 * sending it gives EOPNOTSUPP.
	 */
	TLSH_CMD_READY,

	/*
	 * Daemon claims the oldest pending connection of listener
	 * TLSH_A_LISTENER_ID if given (ESRCH if there is no such listener),
	 * else of the next listener that has one: listeners take turns
	 * (round robin), so a busy one cannot starve the others. The reply
	 * carries TLSH_A_FD (a new socket fd, O_CLOEXEC, in the caller) and
	 * TLSH_A_LISTENER_ID; EAGAIN when nothing is pending.
	 */
	TLSH_CMD_ACCEPT,

	/*
	 * Daemon reports the outcome for TLSH_A_FD: TLSH_A_STATUS 0 once kTLS
	 * TX and RX are installed (EINVAL if they are not), else a positive
	 * errno, which resets the connection. After DONE 0 the connection
	 * goes to the application when the daemon's last reference to the
	 * socket is closed. EINVAL if the fd is not a claimed connection
	 * awaiting DONE, which includes one already reset (timeout, listener
	 * closed or detached).
	 */
	TLSH_CMD_DONE,

	/*
	 * Attach the listening socket TLSH_A_FD (an fd of the caller: a plain
	 * TCP/IPv4 or TCP/IPv6 listener of the caller's netns, without ULP
	 * or sk_user_data), optionally with TLSH_A_TIMEOUT_MS
	 * (default 10000), TLSH_A_MAX_IN_FLIGHT (default 1024) and
	 * TLSH_A_CLOSE_NOTIFY (default: the module parameter). The reply
	 * carries the new TLSH_A_LISTENER_ID. EBUSY if it is attached
	 * already. Tasks blocked in accept() on it are woken and their
	 * accept() restarts through the module (one with SO_RCVTIMEO set
	 * returns EINTR once). An attached listener refuses TCP_ULP (EBUSY).
	 * A member of a SO_REUSEPORT group is attached alone (attach each
	 * member); from then on no new socket can join the group: its
	 * bind() or listen() fails with EADDRINUSE until the member is
	 * detached or closed.
	 */
	TLSH_CMD_ATTACH,

	/*
	 * Detach listener TLSH_A_LISTENER_ID (ESRCH if unknown): connections
	 * it holds are reset, new ones are accepted plainly. The socket keeps
	 * passing through tlsh.ko's code, so the module stays pinned, until
	 * it is closed; it can be attached again.
	 */
	TLSH_CMD_DETACH,

	/*
	 * Takes no attributes. The reply carries TLSH_A_MODULE_VERSION,
	 * TLSH_A_COUNTERS (the caller's netns) and one TLSH_A_LISTENER per
	 * listener attached in it.
	 */
	TLSH_CMD_GET,

	/*
	 * Kernel to subscribers of TLSH_MCGRP_EVENTS: a connection that the
	 * application accepted from listener TLSH_A_LISTENER_ID (which may
	 * be detached or closed by now) was ended by tlsh.ko because of a
	 * record its peer sent. Carries TLSH_A_EVENT, TLSH_A_PEER (when the
	 * socket is IPv4 or IPv6) and the detail enum tlsh_event names. Not
	 * sent for the peer's close_notify, the normal end of a connection
	 * (TLSH_COUNTER_CLOSE_NOTIFY counts those). Best effort: lost when
	 * memory or the subscriber's receive buffer runs out (ENOBUFS on its
	 * socket); the counters always have it. Not a request: sending it
	 * gives EOPNOTSUPP.
	 */
	TLSH_CMD_EVENT,

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
	 * nest, repeated, one per attached listener; inside:
	 * TLSH_A_LISTENER_ID, TLSH_A_TIMEOUT_MS, TLSH_A_MAX_IN_FLIGHT,
	 * TLSH_A_CLOSE_NOTIFY (what accept() would give now) and
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

	/*
	 * u8, 0 or 1: whether the application's close() and shutdown(SHUT_WR)
	 * send a close_notify before the FIN
	 */
	TLSH_A_CLOSE_NOTIFY,

	/* u32: enum tlsh_event */
	TLSH_A_EVENT,

	/* u8: the alert description the peer sent */
	TLSH_A_ALERT_DESC,

	/* u8: the type of the handshake message the peer sent */
	TLSH_A_HS_TYPE,

	/* u8: the content type of the record the peer sent */
	TLSH_A_RECORD_TYPE,

	/*
	 * binary: the peer's address, a struct sockaddr_in or struct
	 * sockaddr_in6 (told apart by its family field)
	 */
	TLSH_A_PEER,

	__TLSH_A_MAX,
};

#define TLSH_A_MAX (__TLSH_A_MAX - 1)

/*
 * Attributes inside TLSH_A_COUNTERS, each a u64. The first three are gauges
 * (connections in that state now), the others running totals since the
 * module was loaded. CLOSE_NOTIFY, ALERT and POSTHS count what happened on
 * connections after the application accepted them, and are reported for
 * the netns only, not per listener. A reader must ignore counters it does
 * not know.
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
	TLSH_COUNTER_CLOSE_NOTIFY, /* peer's close_notify, read as EOF */
	TLSH_COUNTER_ALERT,	/* peer's fatal alert: ECONNRESET */
	TLSH_COUNTER_POSTHS,	/* ended: KeyUpdate, renegotiation, ... */
	TLSH_COUNTER_REFUSED,	/* reset at once: its address holds too many */
	/*
	 * a socket refused a place in the listener's SO_REUSEPORT group
	 * (EADDRINUSE at its bind() or listen()): the group cannot grow
	 * while attached
	 */
	TLSH_COUNTER_JOIN_REFUSED,

	__TLSH_COUNTER_MAX,
};

#define TLSH_COUNTER_MAX (__TLSH_COUNTER_MAX - 1)

/*
 * TLSH_A_EVENT: why tlsh.ko ended a connection after the hand-off, what
 * it sent the peer, and the attribute with the detail. The application
 * reads ECONNRESET in every case. A reader must accept kinds it does not
 * know.
 */
enum tlsh_event {
	TLSH_EVENT_UNSPEC,
	/* a fatal alert (TLSH_A_ALERT_DESC): reset, nothing sent */
	TLSH_EVENT_ALERT,
	/* an alert record that is not two bytes: decode_error */
	TLSH_EVENT_BAD_ALERT,
	/* a TLS 1.3 KeyUpdate (TLSH_A_HS_TYPE): close_notify (no rekeying) */
	TLSH_EVENT_KEY_UPDATE,
	/* a TLS 1.2 ClientHello (TLSH_A_HS_TYPE): no_renegotiation alert */
	TLSH_EVENT_RENEGOTIATION,
	/*
	 * any other handshake message (TLSH_A_HS_TYPE, absent if the record
	 * is empty), e.g. a NewSessionTicket or HelloRequest sent to a
	 * server: unexpected_message
	 */
	TLSH_EVENT_UNEXPECTED_HANDSHAKE,
	/*
	 * a record neither data, alert nor handshake (TLSH_A_RECORD_TYPE):
	 * unexpected_message
	 */
	TLSH_EVENT_UNEXPECTED_RECORD,

	__TLSH_EVENT_MAX,
};

#define TLSH_EVENT_MAX (__TLSH_EVENT_MAX - 1)

#endif /* _UAPI_LINUX_TLSH_H */
