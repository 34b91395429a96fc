/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `tlshelper serve` and `tlshelper connect`: one TLS 1.3 handshake on a
 * socket, kTLS installed, then a program exec'd on it or stdio relayed.
 */
#ifndef TLSH_CMD_TLS_H
#define TLSH_CMD_TLS_H

/*
 * Exit statuses of serve and connect (main.c's 0, 1 and 2 apply as well;
 * 3 is `status`'s "tlsh.ko not loaded"). With --exec the program's own
 * status is returned once it ran; 126 / 127: it could not be executed.
 */
enum tlsh_exit {
	TLSH_EXIT_CONFIG = 4,		/* certificate, key or CA unusable */
	TLSH_EXIT_HANDSHAKE = 5,	/* protocol failure / peer's alert */
	TLSH_EXIT_PEER_CERT = 6,	/* the peer's certificate was rejected */
	TLSH_EXIT_TIMEOUT = 7,		/* no handshake within --timeout */
	TLSH_EXIT_CONNECTION = 8,	/* connect failed, or peer closed/reset */
	TLSH_EXIT_KTLS = 9,		/* kTLS unavailable where required */
	TLSH_EXIT_EXEC_FAILED = 126,
	TLSH_EXIT_EXEC_NOT_FOUND = 127,
};

/* argv[0] is the subcommand name; getopt state is reset by the callee. */
int tlsh_cmd_serve(int argc, char **argv);
int tlsh_cmd_connect(int argc, char **argv);

#endif
