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

struct tlsh_nl {
	struct nl_sock *sock;
	int family_id;
	char errmsg[256];
};

/* What TLSH_CMD_GET reports. */
struct tlsh_status {
	char module_version[64];
	unsigned int protocol_version;	/* genlmsghdr.version of the reply */
	/* Indexed by enum tlsh_counter; has_counter[] false if not reported. */
	uint64_t counters[TLSH_COUNTER_MAX + 1];
	bool has_counter[TLSH_COUNTER_MAX + 1];
};

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

/* Open, GET, close. */
int tlsh_nl_get_status(struct tlsh_status *st, char *errmsg, size_t errlen)
	__attribute__((warn_unused_result));

/* "pending", "in-flight", ...; NULL for UNSPEC, PAD and unknown values. */
const char *tlsh_counter_name(unsigned int counter);

/* "GET", "ATTACH", ...; "UNKNOWN" for values not in enum tlsh_cmd. */
const char *tlsh_cmd_name(unsigned int cmd);

#endif /* TLSH_NL_H */
