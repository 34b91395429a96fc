/* SPDX-License-Identifier: GPL-2.0 */
/* Options of `tlshelper serve` and `tlshelper connect` (cmd_tls_opts.c). */
#ifndef TLSH_CMD_TLS_OPTS_H
#define TLSH_CMD_TLS_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define MAX_CREDS	8
#define MAX_ALPN	16
#define DEFAULT_TIMEOUT_S 10.0

struct tls_opts {
	const char *cmd;		/* "serve" or "connect" */
	bool server;
	int fd;
	const char *target;		/* connect: HOST:PORT */
	const char *sni;
	const char *certs[MAX_CREDS], *keys[MAX_CREDS];
	size_t n_certs, n_keys;
	const char *ca;
	bool verify_client;
	char *alpn_buf;
	const char *alpn[MAX_ALPN];
	size_t n_alpn;
	double timeout_s;
	bool require_ktls;
	const char *keylog;
	unsigned int tickets;
	size_t max_handshake;
	uint16_t tls_min, tls_max;	/* TLSH_TLS12 / TLSH_TLS13 */
	bool allow_rsa_kx;		/* serve: TLS 1.2 RSA key transport */
	bool allow_no_ems;		/* TLS 1.2 without extended master secret */
	char **exec_argv;
	int verbosity;			/* 0 -q, 1 normal, 2 -v */
};

/*
 * Parse argv (argv[0]: the subcommand) into o, whose cmd and server are
 * set. Returns -1 to go on, else the exit status (--help: 0, usage: 2).
 */
int tlsh_tls_parse_opts(struct tls_opts *o, int argc, char **argv);

#endif
