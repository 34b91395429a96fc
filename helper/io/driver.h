/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The blocking handshake: the non-blocking step (step.h) and poll(), every
 * wait bounded by one deadline.
 */
#ifndef TLSH_DRIVER_H
#define TLSH_DRIVER_H

#include <stddef.h>

#include "io/step.h"

/*
 * Write everything the engine has queued; waits no later than deadline_ms.
 * Returns TLSH_IO_OK, or the status (TIMEOUT, ERROR) with io->sys_errno set.
 * io->fd is the socket.
 */
enum tlsh_io_status tlsh_drive_flush(struct tlsh_conn *c, struct tlsh_io *io,
				     int64_t deadline_ms);

/*
 * Run the handshake on the connected socket fd until the engine is done (all
 * output written, NewSessionTickets included) or fails (its alert written,
 * best effort). max_bytes caps the bytes read (0: no cap). io is filled
 * (counters, status); returns io->status. A timeout sends no alert (RFC 8446
 * has none for it; the peer sees the FIN). The engine must have been
 * started (tlsh_conn_start) already.
 */
enum tlsh_io_status tlsh_drive_handshake(struct tlsh_conn *c, int fd,
					 int64_t deadline_ms, size_t max_bytes,
					 struct tlsh_io *io);

#endif
