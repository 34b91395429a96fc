/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The socket driver for the sans-I/O handshake engine (tls/engine.h).
 *
 * It reads exactly what the engine asks for (a 5-byte record header, then
 * exactly that record's body), so no byte after the last handshake record
 * ever leaves the socket's receive queue: kTLS finds it there. Every wait is
 * a poll() bounded by one deadline; the bytes read are capped. The socket's
 * file status flags are never changed (the fd may be shared with an inetd or
 * a parent server): non-blocking I/O is per call (MSG_DONTWAIT).
 */
#ifndef TLSH_DRIVER_H
#define TLSH_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "tls/engine.h"

enum tlsh_drive_status {
	TLSH_DRIVE_OK = 0,
	TLSH_DRIVE_ENGINE,	/* the engine failed: tlsh_conn_error() */
	TLSH_DRIVE_TIMEOUT,	/* the deadline passed (no alert: RFC 8446 has
				 * none for it; the peer sees the FIN) */
	TLSH_DRIVE_EOF,		/* the peer closed the connection */
	TLSH_DRIVE_IO,		/* a socket error: sys_errno */
	TLSH_DRIVE_TOO_BIG,	/* the peer sent more than max_bytes; the
				 * engine aborted with handshake_failure,
				 * its alert sent without waiting */
};

struct tlsh_drive_result {
	enum tlsh_drive_status status;
	int sys_errno;
	size_t bytes_in, bytes_out;
};

/* Milliseconds on CLOCK_MONOTONIC, the clock every deadline is on. */
int64_t tlsh_now_ms(void);

/*
 * Write everything the engine has queued; waits no later than deadline_ms.
 * Returns 0, or the status (TIMEOUT, IO) with r->sys_errno set.
 */
enum tlsh_drive_status tlsh_drive_flush(struct tlsh_conn *c, int fd,
					int64_t deadline_ms,
					struct tlsh_drive_result *r);

/*
 * Run the handshake on the connected socket fd until the engine is done (all
 * output written, NewSessionTickets included) or fails (its alert written,
 * best effort). max_bytes caps the bytes read (0: no cap). Returns r->status.
 * The engine must have been started (tlsh_conn_start) already.
 */
enum tlsh_drive_status tlsh_drive_handshake(struct tlsh_conn *c, int fd,
					    int64_t deadline_ms,
					    size_t max_bytes,
					    struct tlsh_drive_result *r);

const char *tlsh_drive_status_str(enum tlsh_drive_status s);

#endif
