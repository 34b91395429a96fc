// SPDX-License-Identifier: GPL-2.0
/* The blocking handshake: the I/O step, poll() and one deadline. */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "io/driver.h"

/* Wait for events on fd until the deadline: 1 ready, 0 timed out, -errno. */
static int wait_fd(int fd, short events, int64_t deadline_ms)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int64_t left = deadline_ms - tlsh_now_ms();
		int n;

		if (left <= 0)
			return 0;
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/* A wait that ended without the socket being ready: the status. */
static enum tlsh_io_status wait_failed(struct tlsh_conn *c,
				       struct tlsh_io *io, int w)
{
	/* A failure whose alert could not all be written is still its own. */
	io->status = tlsh_conn_error(c) ? TLSH_IO_ENGINE :
		     w ? TLSH_IO_ERROR : TLSH_IO_TIMEOUT;
	io->sys_errno = io->status == TLSH_IO_ENGINE ? 0 : w ? -w : ETIMEDOUT;
	return io->status;
}

enum tlsh_io_status tlsh_drive_flush(struct tlsh_conn *c, struct tlsh_io *io,
				     int64_t deadline_ms)
{
	for (;;) {
		int e = tlsh_io_send(c, io), w;

		if (!e)
			return TLSH_IO_OK;
		if (e != -EAGAIN) {
			io->status = TLSH_IO_ERROR;
			io->sys_errno = -e;
			return io->status;
		}
		w = wait_fd(io->fd, POLLOUT, deadline_ms);
		if (w <= 0) {
			io->status = w ? TLSH_IO_ERROR : TLSH_IO_TIMEOUT;
			io->sys_errno = w ? -w : ETIMEDOUT;
			return io->status;
		}
	}
}

enum tlsh_io_status tlsh_drive_handshake(struct tlsh_conn *c, int fd,
					 int64_t deadline_ms, size_t max_bytes,
					 struct tlsh_io *io)
{
	memset(io, 0, sizeof(*io));
	io->fd = fd;
	io->max_bytes = max_bytes;
	for (;;) {
		int w;

		switch (tlsh_io_step(c, io)) {
		case TLSH_IO_DONE:
			return TLSH_IO_OK;
		case TLSH_IO_FAILED:
			return io->status;
		case TLSH_IO_WANT_READ:
			w = wait_fd(fd, POLLIN, deadline_ms);
			break;
		case TLSH_IO_WANT_WRITE:
		default:
			w = wait_fd(fd, POLLOUT, deadline_ms);
			break;
		}
		if (w <= 0)
			return wait_failed(c, io, w);
	}
}
