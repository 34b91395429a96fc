// SPDX-License-Identifier: GPL-2.0
/* Socket driver for the handshake engine: exact reads, one deadline. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "io/driver.h"

/* A whole TLSCiphertext (RFC 8446 5.2) plus its header. */
#define DRIVE_BUF (5 + 16384 + 256)

int64_t tlsh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

static enum tlsh_drive_status fail(struct tlsh_drive_result *r,
				   enum tlsh_drive_status s, int err)
{
	r->status = s;
	r->sys_errno = err;
	return s;
}

enum tlsh_drive_status tlsh_drive_flush(struct tlsh_conn *c, int fd,
					int64_t deadline_ms,
					struct tlsh_drive_result *r)
{
	for (;;) {
		size_t len;
		const uint8_t *out = tlsh_conn_output(c, &len);
		ssize_t n;
		int w;

		if (!len)
			return TLSH_DRIVE_OK;
		n = send(fd, out, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			tlsh_conn_output_done(c, (size_t)n);
			r->bytes_out += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return fail(r, TLSH_DRIVE_IO, errno);
		w = wait_fd(fd, POLLOUT, deadline_ms);
		if (w == 0)
			return fail(r, TLSH_DRIVE_TIMEOUT, ETIMEDOUT);
		if (w < 0)
			return fail(r, TLSH_DRIVE_IO, -w);
	}
}

enum tlsh_drive_status tlsh_drive_handshake(struct tlsh_conn *c, int fd,
					    int64_t deadline_ms,
					    size_t max_bytes,
					    struct tlsh_drive_result *r)
{
	static __thread uint8_t buf[DRIVE_BUF];
	enum tlsh_drive_status s;

	memset(r, 0, sizeof(*r));
	for (;;) {
		size_t want, used;
		ssize_t n;
		int w;

		/* Output first: it may carry the alert of a failure. */
		s = tlsh_drive_flush(c, fd, deadline_ms, r);
		if (tlsh_conn_error(c))
			return fail(r, TLSH_DRIVE_ENGINE, 0);
		if (s)
			return s;
		if (tlsh_conn_done(c))
			return TLSH_DRIVE_OK;

		want = tlsh_conn_want(c);
		if (!want || want > sizeof(buf))
			return fail(r, TLSH_DRIVE_IO, EPROTO);
		if (max_bytes && r->bytes_in + want > max_bytes) {
			/*
			 * Like the engine's own limit: handshake_failure,
			 * sent without waiting (the peer may not be reading).
			 */
			(void)tlsh_conn_abort(c, TLSH_ERR_HANDSHAKE_FAILURE);
			(void)tlsh_drive_flush(c, fd, tlsh_now_ms(), r);
			return fail(r, TLSH_DRIVE_TOO_BIG, EMSGSIZE);
		}
		n = recv(fd, buf, want, MSG_DONTWAIT);
		if (n == 0)
			return fail(r, TLSH_DRIVE_EOF, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return fail(r, errno == ECONNRESET ?
					    TLSH_DRIVE_EOF : TLSH_DRIVE_IO,
					    errno);
			w = wait_fd(fd, POLLIN, deadline_ms);
			if (w == 0)
				return fail(r, TLSH_DRIVE_TIMEOUT, ETIMEDOUT);
			if (w < 0)
				return fail(r, TLSH_DRIVE_IO, -w);
			continue;
		}
		r->bytes_in += (size_t)n;
		/*
		 * The engine takes all of at most one record's worth; an error
		 * is sticky and read back above, after its alert is flushed.
		 */
		if (tlsh_conn_feed(c, buf, (size_t)n, &used) == TLSH_OK &&
		    used != (size_t)n)
			return fail(r, TLSH_DRIVE_IO, EPROTO);
	}
}

const char *tlsh_drive_status_str(enum tlsh_drive_status s)
{
	switch (s) {
	case TLSH_DRIVE_OK:
		return "ok";
	case TLSH_DRIVE_ENGINE:
		return "handshake failed";
	case TLSH_DRIVE_TIMEOUT:
		return "handshake timed out";
	case TLSH_DRIVE_EOF:
		return "peer closed the connection during the handshake";
	case TLSH_DRIVE_IO:
		return "socket error";
	case TLSH_DRIVE_TOO_BIG:
		return "handshake too large";
	}
	return "?";
}
