/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink client for tlsh.ko (family "tlsh", uapi/tlsh.h).
 *
 * Errors are negative errno values. -ENOENT always means "tlsh.ko is not
 * loaded" (the family does not exist, or went away with the module); the
 * kernel never answers a tlsh command with ENOENT otherwise. Every failing
 * call also leaves a complete, human-readable sentence in nl->errmsg.
 */
#ifndef TLSH_NL_H
#define TLSH_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsh.h"

/* tlshelper's exit status when tlsh.ko is not loaded. */
#define TLSH_EXIT_NOT_LOADED 3

struct nl_msg;
struct nl_sock;
struct nlmsghdr;

struct tlsh_nl {
	struct nl_sock *sock;
	int family_id;
	char errmsg[256];
};

/* One attached listener in a TLSH_CMD_GET reply. */
struct tlsh_listener_status {
	uint32_t id;
	uint32_t timeout_ms;
	uint32_t max_in_flight;
	int close_notify;	/* 0 or 1; -1 if not reported */
	uint64_t counters[TLSH_COUNTER_MAX + 1];	/* 0 if not reported */
	uint32_t reported;	/* bit N: the module sent counter N */
};

#define TLSH_STATUS_MAX_LISTENERS 64

/* What TLSH_CMD_GET reports. */
struct tlsh_status {
	char module_version[64];
	unsigned int protocol_version;	/* genlmsghdr.version of the reply */
	/* Indexed by enum tlsh_counter; has_counter[] false if not reported. */
	uint64_t counters[TLSH_COUNTER_MAX + 1];
	bool has_counter[TLSH_COUNTER_MAX + 1];
	/* The first TLSH_STATUS_MAX_LISTENERS listeners; n_listeners counts all. */
	unsigned int n_listeners;
	struct tlsh_listener_status listeners[TLSH_STATUS_MAX_LISTENERS];
};

/*
 * A generic netlink socket in nl (zeroed first), connected, with the
 * kernel's extack messages asked for: 0, or -errno with nl->errmsg and
 * nothing to close.
 */
int tlsh_nl_connect(struct tlsh_nl *nl) __attribute__((warn_unused_result));

/*
 * Connect and resolve the "tlsh" family. Resolving needs no privilege.
 * On failure nothing needs closing.
 */
int tlsh_nl_open(struct tlsh_nl *nl) __attribute__((warn_unused_result));
void tlsh_nl_close(struct tlsh_nl *nl);

/* TLSH_CMD_GET: -EPERM without CAP_NET_ADMIN. */
int tlsh_nl_get(struct tlsh_nl *nl, struct tlsh_status *st)
	__attribute__((warn_unused_result));

/*
 * TLSH_CMD_ATTACH: attach the listening TCP socket fd (of this process).
 * timeout_ms and max_in_flight 0 take the module's defaults. On success
 * *listener_id is the new listener's id. -EBUSY if already attached or if
 * it has a ULP; -EINVAL if it is not a listening TCP socket of this netns.
 */
int tlsh_nl_attach(struct tlsh_nl *nl, int fd, uint32_t timeout_ms,
		   uint32_t max_in_flight, uint32_t *listener_id)
	__attribute__((warn_unused_result));

/* ATTACH's optional settings; 0 (-1 for close_notify): the default. */
struct tlsh_attach_opts {
	uint32_t timeout_ms;
	uint32_t max_in_flight;
	/* close() sends close_notify: 0 or 1; -1 follows the module parameter */
	int close_notify;
};

/* tlsh_nl_attach() with every setting. */
int tlsh_nl_attach_opts(struct tlsh_nl *nl, int fd,
			const struct tlsh_attach_opts *o,
			uint32_t *listener_id)
	__attribute__((warn_unused_result));

/* TLSH_CMD_DETACH: -ESRCH if no such listener. */
int tlsh_nl_detach(struct tlsh_nl *nl, uint32_t listener_id)
	__attribute__((warn_unused_result));

/*
 * TLSH_CMD_ACCEPT: claim a connection waiting for its handshake, of
 * listener_id or, if 0, of the listeners in turn. *fd is a new O_CLOEXEC
 * socket fd in this process; *from_listener (may be NULL) the listener's
 * id. -EAGAIN when none is waiting.
 */
int tlsh_nl_accept(struct tlsh_nl *nl, uint32_t listener_id, int *fd,
		   uint32_t *from_listener)
	__attribute__((warn_unused_result));

/*
 * TLSH_CMD_DONE: status 0 once kTLS TX and RX are installed on fd (then the
 * connection goes to the application when fd is closed), else a positive
 * errno (the connection is reset). Close fd afterwards either way.
 */
int tlsh_nl_done(struct tlsh_nl *nl, int fd, uint32_t status)
	__attribute__((warn_unused_result));

/*
 * READY notifications, on a struct tlsh_nl opened for nothing else: join
 * the group (-EPERM without CAP_NET_ADMIN), then poll tlsh_nl_fd() and read
 * them with tlsh_nl_read_ready(), which never blocks: 0 and the listener
 * id, or -EAGAIN. -ENOBUFS means notifications were lost: drain with
 * ACCEPT until -EAGAIN.
 */
int tlsh_nl_join_ready(struct tlsh_nl *nl)
	__attribute__((warn_unused_result));
int tlsh_nl_fd(const struct tlsh_nl *nl);
int tlsh_nl_read_ready(struct tlsh_nl *nl, uint32_t *listener_id)
	__attribute__((warn_unused_result));

/* One TLSH_CMD_EVENT: a connection tlsh.ko ended after the hand-off. */
struct tlsh_nl_event {
	uint32_t listener_id;
	uint32_t kind;		/* enum tlsh_event, maybe one newer than us */
	int alert_desc;		/* TLSH_A_ALERT_DESC, -1 if absent */
	int hs_type;		/* TLSH_A_HS_TYPE, -1 if absent */
	int record_type;	/* TLSH_A_RECORD_TYPE, -1 if absent */
	char peer[64];		/* "HOST:PORT", "[HOST]:PORT"; "?" if absent */
};

/*
 * EVENT notifications, like READY: join TLSH_MCGRP_EVENTS (-EPERM without
 * CAP_NET_ADMIN; -EOPNOTSUPP if tlsh.ko has no such group), then read
 * them without blocking: 0 and *ev, -EAGAIN, or -ENOBUFS when some were
 * lost (the module's counters still have them).
 */
int tlsh_nl_join_events(struct tlsh_nl *nl)
	__attribute__((warn_unused_result));
int tlsh_nl_read_event(struct tlsh_nl *nl, struct tlsh_nl_event *ev)
	__attribute__((warn_unused_result));

/*
 * Building blocks for further commands. tlsh_nl_msg_new() starts a request
 * for cmd (NULL on ENOMEM); add attributes with libnl's nla_put_*().
 * tlsh_nl_transact() sends it (always consuming it), calls reply_fn, if
 * not NULL, for each reply message of that command, and waits for the
 * kernel's ack. reply_fn returns 0 or a negative errno, which aborts.
 */
typedef int (*tlsh_nl_reply_fn)(struct nl_msg *reply, void *arg);
struct nl_msg *tlsh_nl_msg_new(struct tlsh_nl *nl, uint8_t cmd);
int tlsh_nl_transact(struct tlsh_nl *nl, struct nl_msg *req,
		     tlsh_nl_reply_fn reply_fn, void *arg)
	__attribute__((warn_unused_result));

/*
 * tlsh_nl_transact() for requests answered by another command or by a
 * dump (the generic netlink controller's: GETFAMILY answers NEWFAMILY):
 * reply_fn sees every reply. nl->errmsg then names tlsh's command of the
 * same number: the caller words its own.
 */
int tlsh_nl_transact_any(struct tlsh_nl *nl, struct nl_msg *req,
			 tlsh_nl_reply_fn reply_fn, void *arg)
	__attribute__((warn_unused_result));

/*
 * Every message of command cmd of nl's family queued on the socket, read
 * without blocking, to fn (others are dropped). 0, or -errno of the
 * receive (-ENOBUFS: some were lost).
 */
typedef void (*tlsh_nl_queued_fn)(struct nlmsghdr *nlh, void *arg);
int tlsh_nl_for_each_queued(struct tlsh_nl *nl, uint8_t cmd,
			    tlsh_nl_queued_fn fn, void *arg);

/* Open, GET, close. */
int tlsh_nl_get_status(struct tlsh_status *st, char *errmsg, size_t errlen)
	__attribute__((warn_unused_result));

/* names[i] if i is below n and names[i] is set, else dflt. */
const char *tlsh_name_at(const char *const *names, size_t n, unsigned int i,
			 const char *dflt);

/* "pending", "in-flight", ...; NULL for UNSPEC, PAD and unknown values. */
const char *tlsh_counter_name(unsigned int counter);

/* "GET", "ATTACH", ...; "UNKNOWN" for values not in enum tlsh_cmd. */
const char *tlsh_cmd_name(unsigned int cmd);

/* "key-update", "alert", ...; NULL for UNSPEC and unknown values. */
const char *tlsh_event_name(unsigned int kind);

#endif /* TLSH_NL_H */
