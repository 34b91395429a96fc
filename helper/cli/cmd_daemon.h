/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `tlshelper daemon`, `attach`, `detach` and `reload`, and the listener
 * part of `status` (cmd_daemon.c, cmd_attach.c; --json: cmd_status_json.c).
 */
#ifndef TLSH_CMD_DAEMON_H
#define TLSH_CMD_DAEMON_H

#include <stdbool.h>
#include <stdio.h>

#include "os/nl.h"
#include "profile/profile.h"

/* argv[0] is the subcommand name; each parses its own options. */
int tlsh_cmd_daemon(int argc, char **argv);
int tlsh_cmd_attach(int argc, char **argv);
int tlsh_cmd_detach(int argc, char **argv);
int tlsh_cmd_reload(int argc, char **argv);

#define TLSH_EXIT_USAGE	2

/*
 * The ends of their getopt_long() loops: the option just read is bad
 * (says so with the usage; returns TLSH_EXIT_USAGE), or an operand is
 * left at optind (says so; true).
 */
int tlsh_cli_bad_option(const char *cmd, char **argv,
			void (*usage)(FILE *out));
bool tlsh_cli_operand(const char *cmd, int argc, char **argv);

/*
 * `status`: one line about the daemon and one per attached listener with
 * its counters, completed with what the daemon knows (port, certificate,
 * handshakes) when it runs. Prints nothing when no daemon answers and no
 * listener is attached (the module's counters are then the whole story).
 */
void tlsh_status_print_listeners(const struct tlsh_status *st, FILE *out);

/*
 * `status --json` (cmd_status_json.c): the schema of README.md, "Status
 * for machines". ret is what reading the module's status returned (0, or
 * -errno with errmsg); st is used only when it is 0. Returns the exit
 * status.
 */
int tlsh_status_print_json(int ret, const struct tlsh_status *st,
			   const char *errmsg, FILE *out);

/* ---- the daemon's "status" reply (cmd_daemon.c) ---- */

#define TLSH_STATUS_REPLY_MAX	(64 * 1024)
/* Ask the daemon for its status into reply; false if none answers. */
bool tlsh_status_ask_daemon(char *reply, size_t len);
/* The value of " key=" in a reply line, copied into buf ("" if absent). */
const char *tlsh_reply_kv(const char *line, const char *key, char *buf,
			  size_t len);
/* The daemon's line for listener id (into buf), or NULL. */
const char *tlsh_reply_listener(const char *reply, uint32_t id, char *buf,
				size_t len);
/* The profile words of a listener line into p (tlsh_profile_free it). */
void tlsh_reply_profile(const char *line, struct tlsh_profile *p);

#endif
