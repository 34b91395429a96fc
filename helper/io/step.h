/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one non-blocking I/O step of the handshake engine (tls/engine.h) on a
 * socket, used by serve, connect (through driver.h's blocking wrapper), the
 * daemon's workers and the handshake benchmark.
 *
 * A step writes what the engine queued, then reads and feeds until the
 * socket has nothing more or the engine is done: as far as the socket
 * allows without blocking. It reads exactly the records the engine wants:
 * it peeks at what the socket holds (one call), feeds the engine record by
 * record while it wants more, then drops from the socket just the bytes the
 * engine took (MSG_TRUNC: no copy). No byte after the last handshake record
 * leaves the socket's receive queue: kTLS finds it there. Two system calls
 * per flight of records, however many records it has.
 *
 * The socket's file status flags are never changed (the fd may be shared
 * with an inetd or a parent server): non-blocking I/O is per call
 * (MSG_DONTWAIT). Only the step reads the socket while it runs.
 */
#ifndef TLSH_IO_STEP_H
#define TLSH_IO_STEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls/engine.h"

enum tlsh_io_want {
	TLSH_IO_WANT_READ,	/* wait until the socket is readable */
	TLSH_IO_WANT_WRITE,	/* wait until the socket is writable */
	TLSH_IO_DONE,		/* handshake complete, all output written */
	TLSH_IO_FAILED,		/* io->status says why */
};

enum tlsh_io_status {
	TLSH_IO_OK = 0,
	TLSH_IO_ENGINE,		/* the engine failed: tlsh_conn_error() */
	TLSH_IO_TIMEOUT,	/* (driver.h) the deadline passed */
	TLSH_IO_EOF,		/* the peer closed the connection */
	TLSH_IO_ERROR,		/* a socket error: sys_errno */
	TLSH_IO_TOO_BIG,	/* the peer sent more than max_bytes; the engine
				 * aborted with handshake_failure, its alert
				 * sent without waiting */
};

/* One connection's I/O state: zero it, set fd and max_bytes. */
struct tlsh_io {
	int fd;
	size_t max_bytes;	/* cap on the bytes read; 0: none */
	size_t bytes_in, bytes_out;
	enum tlsh_io_status status;	/* once FAILED */
	int sys_errno;
};

/*
 * Advance the handshake of c (started already: tlsh_conn_start) on io->fd
 * without blocking. After FAILED with the engine's error its alert is
 * written as far as the socket took it without waiting; WANT_WRITE may come
 * before, while the alert waits for room.
 */
enum tlsh_io_want tlsh_io_step(struct tlsh_conn *c, struct tlsh_io *io);

/*
 * Write what the engine queued, without blocking: 0 when all is written,
 * -EAGAIN when the socket is full, else -errno.
 */
int tlsh_io_send(struct tlsh_conn *c, struct tlsh_io *io);

/*
 * The read cap for a handshake limited to max_handshake bytes (0: the
 * engine's default): a backstop behind the engine's own limit, which sends
 * its alert.
 */
size_t tlsh_io_cap(size_t max_handshake);

const char *tlsh_io_status_str(enum tlsh_io_status s);

/* Milliseconds on CLOCK_MONOTONIC, the clock every deadline is on. */
int64_t tlsh_now_ms(void);

#endif
