/* SPDX-License-Identifier: GPL-2.0 */
/* Options of `tlshelper serve` and `tlshelper connect` (cmd_tls_opts.c). */
#ifndef TLSH_CMD_TLS_OPTS_H
#define TLSH_CMD_TLS_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "profile/profile.h"

#define DEFAULT_TIMEOUT_S 10.0

struct tls_opts {
	const char *cmd;		/* "serve" or "connect" */
	bool server;
	int fd;
	const char *target;		/* connect: HOST:PORT */
	const char *sni;
	const char *session;		/* connect: session file */
	struct tlsh_profile prof;	/* --cert, --key, --ca, --alpn, ... */
	double timeout_s;
	bool require_ktls;
	const char *keylog;
	char **exec_argv;
	int verbosity;			/* 0 -q, 1 normal, 2 -v */
};

/*
 * Parse argv (argv[0]: the subcommand) into o, whose cmd and server are
 * set. Returns -1 to go on, else the exit status (--help: 0, usage: 2);
 * o->prof is freed then.
 */
int tlsh_tls_parse_opts(struct tls_opts *o, int argc, char **argv);

#endif
