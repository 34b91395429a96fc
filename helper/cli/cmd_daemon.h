/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `tlshelper daemon`, `attach` and `detach`, and the listener part of
 * `status` (cmd_daemon.c, cmd_attach.c).
 */
#ifndef TLSH_CMD_DAEMON_H
#define TLSH_CMD_DAEMON_H

#include <stdio.h>

#include "os/nl.h"

/* argv[0] is the subcommand name; each parses its own options. */
int tlsh_cmd_daemon(int argc, char **argv);
int tlsh_cmd_attach(int argc, char **argv);
int tlsh_cmd_detach(int argc, char **argv);

/*
 * `status`: one line about the daemon and one per attached listener with
 * its counters, completed with what the daemon knows (port, certificate,
 * handshakes) when it runs. Prints nothing when no daemon answers and no
 * listener is attached (the module's counters are then the whole story).
 */
void tlsh_status_print_listeners(const struct tlsh_status *st, FILE *out);

#endif
