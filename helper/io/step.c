// SPDX-License-Identifier: GPL-2.0
/* The non-blocking handshake step: peeked records, exact consumption. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "io/step.h"
#include "tls/record.h"

/* A whole TLSCiphertext (RFC 8446 5.2) plus its header. */
#define STEP_BUF (TLSH_REC_HDR + TLSH_MAX_CIPHERTEXT)

static enum tlsh_io_want failed(struct tlsh_io *io, enum tlsh_io_status s,
				int err)
{
	io->status = s;
	io->sys_errno = err;
	return TLSH_IO_FAILED;
}

int tlsh_io_send(struct tlsh_conn *c, struct tlsh_io *io)
{
	for (;;) {
		size_t len;
		const uint8_t *out = tlsh_conn_output(c, &len);
		ssize_t n;

		if (!len)
			return 0;
		n = send(io->fd, out, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			tlsh_conn_output_done(c, (size_t)n);
			io->bytes_out += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EWOULDBLOCK)
			return -EAGAIN;
		return n < 0 ? -errno : -EIO;
	}
}

/*
 * Peek at what the socket holds and feed the engine the records it wants;
 * then drop from the socket exactly the bytes taken. Returns 1 when the
 * engine took bytes (or failed on them), 0 if none were waiting, -1 with
 * io->status set; *drained: the socket had no more.
 */
static int read_records(struct tlsh_conn *c, struct tlsh_io *io,
			    bool *drained)
{
	static __thread uint8_t buf[STEP_BUF];
	size_t off = 0, want, used;
	ssize_t r;

	r = recv(io->fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	if (r < 0 && errno == EWOULDBLOCK)
		return 0;
	if (r < 0 && errno == EINTR)
		return 0;
	if (r < 0) {
		failed(io, errno == ECONNRESET ? TLSH_IO_EOF : TLSH_IO_ERROR,
		       errno);
		return -1;
	}
	if (r == 0) {
		failed(io, TLSH_IO_EOF, 0);
		return -1;
	}
	while (off < (size_t)r && (want = tlsh_conn_want(c))) {
		size_t n = (size_t)r - off < want ? (size_t)r - off : want;

		if (io->max_bytes && io->bytes_in + off + want > io->max_bytes) {
			/*
			 * Like the engine's own limit: handshake_failure,
			 * sent without waiting (the peer may not be reading).
			 */
			io->bytes_in += off;
			if (off)
				(void)recv(io->fd, buf, off,
					   MSG_TRUNC | MSG_DONTWAIT);
			(void)tlsh_conn_abort(c, TLSH_ERR_HANDSHAKE_FAILURE);
			(void)tlsh_io_send(c, io);
			failed(io, TLSH_IO_TOO_BIG, EMSGSIZE);
			return -1;
		}
		/* An error is sticky: the caller flushes its alert. */
		if (tlsh_conn_feed(c, buf + off, n, &used) || used != n) {
			off += used;
			break;
		}
		off += n;
	}
	*drained = off == (size_t)r && (size_t)r < sizeof(buf);
	if (off && recv(io->fd, buf, off, MSG_TRUNC | MSG_DONTWAIT) !=
		   (ssize_t)off) {
		/* We alone read this socket: cannot happen. */
		failed(io, TLSH_IO_ERROR, EIO);
		return -1;
	}
	io->bytes_in += off;
	if (!off && !tlsh_conn_error(c)) {
		failed(io, TLSH_IO_ERROR, EPROTO);
		return -1;
	}
	return 1;
}

enum tlsh_io_want tlsh_io_step(struct tlsh_conn *c, struct tlsh_io *io)
{
	bool drained = false;

	for (;;) {
		/* Output first: it may carry the alert of a failure. */
		int e = tlsh_io_send(c, io);

		if (e == -EAGAIN)
			return TLSH_IO_WANT_WRITE;
		if (tlsh_conn_error(c))
			return failed(io, TLSH_IO_ENGINE, 0);
		if (e)
			return failed(io, TLSH_IO_ERROR, -e);
		if (tlsh_conn_done(c))
			return TLSH_IO_DONE;
		if (!tlsh_conn_want(c))	/* neither done nor failed */
			return failed(io, TLSH_IO_ERROR, EPROTO);
		/* Known empty a moment ago: a wait tells when that changes. */
		if (drained)
			return TLSH_IO_WANT_READ;
		switch (read_records(c, io, &drained)) {
		case -1:
			return TLSH_IO_FAILED;
		case 0:
			return TLSH_IO_WANT_READ;
		default:
			break;
		}
	}
}

size_t tlsh_io_cap(size_t max_handshake)
{
	return (max_handshake ? max_handshake :
		TLSH_DEFAULT_MAX_HANDSHAKE_BYTES) + TLSH_REC_HDR +
	       TLSH_MAX_CIPHERTEXT;
}

const char *tlsh_io_status_str(enum tlsh_io_status s)
{
	switch (s) {
	case TLSH_IO_OK:
		return "ok";
	case TLSH_IO_ENGINE:
		return "handshake failed";
	case TLSH_IO_TIMEOUT:
		return "handshake timed out";
	case TLSH_IO_EOF:
		return "peer closed the connection during the handshake";
	case TLSH_IO_ERROR:
		return "socket error";
	case TLSH_IO_TOO_BIG:
		return "handshake too large";
	}
	return "?";
}

int64_t tlsh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
