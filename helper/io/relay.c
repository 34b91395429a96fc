// SPDX-License-Identifier: GPL-2.0
/* Plaintext relay between a local fd pair and a TLS socket (see relay.h). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "io/relay.h"
#include "tls/record.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

#define REC_MAX		(TLSH_REC_HDR + TLSH_MAX_CIPHERTEXT)
#define HS_NEW_SESSION_TICKET	4
#define HS_KEY_UPDATE		24
#define ALERT_WAIT_MS		2000

struct relay {
	const struct tlsh_relay *cfg;
	struct tlsh_relay_result *res;
	struct tlsh_conn *conn;		/* fallback record layer */
	struct tlsh_conn *tickets;	/* kTLS: takes NewSessionTickets */
	bool failed;

	/* net -> local */
	uint8_t nin[2 * REC_MAX];	/* fallback: ciphertext not yet opened */
	size_t nin_len;
	uint8_t tolocal[REC_MAX];
	size_t tl_off, tl_len;
	bool net_eof;			/* nothing more will come from the net */
	bool n2l_closed;		/* local write side shut (or gone) */

	/* local -> net */
	uint8_t tonet[REC_MAX];
	size_t tn_off, tn_len;
	bool local_eof;
	bool l2n_closed;		/* close_notify sent, write side shut */

	/* Post-handshake messages, which may span records. */
	uint8_t hs_hdr[4];
	size_t hs_hdr_have;
	size_t hs_skip;
};

static void fail(struct relay *R, const char *fmt, ...)
{
	va_list ap;

	if (R->failed)
		return;
	R->failed = true;
	va_start(ap, fmt);
	vsnprintf(R->res->error, sizeof(R->res->error), fmt, ap);
	va_end(ap);
}

/* Send msg (one iovec) within ALERT_WAIT_MS; a cmsg goes with byte one. */
static void send_bounded(int fd, struct msghdr *m)
{
	struct iovec *iov = m->msg_iov;
	int64_t waited = 0;

	while (iov->iov_len) {
		ssize_t n = sendmsg(fd, m, MSG_DONTWAIT | MSG_NOSIGNAL);
		struct pollfd p = { .fd = fd, .events = POLLOUT };

		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
			m->msg_control = NULL;
			m->msg_controllen = 0;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if ((n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) ||
		    waited >= ALERT_WAIT_MS)
			return;
		if (poll(&p, 1, 100) == 0)
			waited += 100;
	}
}

void tlsh_ktls_send_alert(int fd, uint8_t level, uint8_t desc)
{
	uint8_t alert[2] = { level, desc };
	char cbuf[CMSG_SPACE(sizeof(uint8_t))];
	struct iovec iov = { alert, sizeof(alert) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;

	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_TLS;
	cm->cmsg_type = TLS_SET_RECORD_TYPE;
	cm->cmsg_len = CMSG_LEN(sizeof(uint8_t));
	*CMSG_DATA(cm) = TLSH_CT_ALERT;
	send_bounded(fd, &m);
}

/* Fallback: send whatever the engine queued (an alert), bounded. */
static void flush_conn(struct relay *R)
{
	size_t len;
	const uint8_t *out = tlsh_conn_output(R->conn, &len);
	uint8_t rec[256];
	struct iovec iov;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	/* Only ever an alert record here; anything longer is not sent. */
	if (len && len <= sizeof(rec)) {
		memcpy(rec, out, len);
		iov.iov_base = rec;
		iov.iov_len = len;
		send_bounded(R->cfg->net_fd, &m);
	}
	tlsh_conn_output_done(R->conn, len);
}

/*
 * Send one alert now (best effort, bounded wait); pending output is
 * dropped. Fatal alerts end the engine's connection (tlsh_conn_abort).
 */
static void send_alert(struct relay *R, uint8_t level, uint8_t desc)
{
	R->tn_off = R->tn_len = 0;
	if (R->cfg->ktls) {
		tlsh_ktls_send_alert(R->cfg->net_fd, level, desc);
		return;
	}
	if (desc == TLSH_ALERT_CLOSE_NOTIFY)
		(void)tlsh_conn_close_notify(R->conn);
	else
		(void)tlsh_conn_abort(R->conn,
				      (enum tlsh_err)(TLSH_ECLASS_LOCAL | desc));
	flush_conn(R);
}

/* Bytes of post-handshake messages. Returns false to stop reading the net. */
static bool post_handshake(struct relay *R, const uint8_t *p, size_t len)
{
	/* Tickets for a session file; anything it refuses is judged below. */
	if (R->tickets && len && tlsh_conn_post_handshake(R->tickets, p, len))
		R->tickets = NULL;
	while (len) {
		size_t n;

		if (R->hs_skip) {
			n = len < R->hs_skip ? len : R->hs_skip;
			R->hs_skip -= n;
			p += n;
			len -= n;
			continue;
		}
		n = sizeof(R->hs_hdr) - R->hs_hdr_have;
		n = len < n ? len : n;
		memcpy(R->hs_hdr + R->hs_hdr_have, p, n);
		R->hs_hdr_have += n;
		p += n;
		len -= n;
		if (R->hs_hdr_have < sizeof(R->hs_hdr))
			continue;
		R->hs_hdr_have = 0;
		R->hs_skip = (size_t)R->hs_hdr[1] << 16 |
			     (size_t)R->hs_hdr[2] << 8 | R->hs_hdr[3];
		if (R->hs_hdr[0] == HS_NEW_SESSION_TICKET)
			continue;	/* we never resume */
		if (R->hs_hdr[0] == HS_KEY_UPDATE) {
			/* The kernel cannot take a second RX key: end here. */
			R->res->key_update = true;
			fail(R, "the peer sent KeyUpdate; kTLS cannot rekey, "
			     "closing the connection");
			send_alert(R, 1, TLSH_ALERT_CLOSE_NOTIFY);
			return false;
		}
		fail(R, "unexpected post-handshake message %u from the peer",
		     R->hs_hdr[0]);
		send_alert(R, 2, TLSH_ALERT_UNEXPECTED_MESSAGE);
		return false;
	}
	return true;
}

/* One record's content from the net: data goes to tolocal. */
static void net_record(struct relay *R, uint8_t type, const uint8_t *data,
		       size_t len)
{
	switch (type) {
	case TLSH_CT_APPLICATION_DATA:
		if (R->n2l_closed)
			return;		/* nobody left to read it */
		if (data != R->tolocal)
			memcpy(R->tolocal, data, len);
		R->tl_off = 0;
		R->tl_len = len;
		R->res->to_local += len;
		return;
	case TLSH_CT_ALERT:
		if (len == 2 && data[1] == TLSH_ALERT_CLOSE_NOTIFY) {
			R->res->close_notify = true;
			R->net_eof = true;
			return;
		}
		if (len == 2) {
			R->res->peer_alert = true;
			R->res->alert = data[1];
			fail(R, "the peer sent alert %u", data[1]);
		} else {
			fail(R, "malformed alert record from the peer");
			send_alert(R, 2, TLSH_ALERT_DECODE_ERROR);
		}
		R->net_eof = true;
		return;
	case TLSH_CT_HANDSHAKE:
		if (!post_handshake(R, data, len))
			R->net_eof = true;
		return;
	default:
		fail(R, "unexpected record type %u from the peer", type);
		send_alert(R, 2, TLSH_ALERT_UNEXPECTED_MESSAGE);
		R->net_eof = true;
	}
}

/* Fallback: a whole record at the front of nin? Its total length, or 0. */
static size_t nin_record(struct relay *R)
{
	size_t body;

	if (R->nin_len < TLSH_REC_HDR)
		return 0;
	body = (size_t)R->nin[3] << 8 | R->nin[4];
	return R->nin_len >= TLSH_REC_HDR + body ? TLSH_REC_HDR + body : 0;
}

/* Fallback: open the next buffered record once tolocal is free. */
static void nin_pump(struct relay *R)
{
	while (!R->failed && !R->net_eof && R->tl_len == 0) {
		size_t body, total = nin_record(R), len = 0;
		const uint8_t *data = NULL;
		uint8_t type = 0;
		enum tlsh_err e;

		if (R->nin_len >= TLSH_REC_HDR) {
			e = tlsh_rec_header(R->nin, &body);
			if (e) {
				fail(R, "bad record header from the peer: %s",
				     tlsh_err_str(e));
				send_alert(R, 2, (uint8_t)tlsh_err_alert(e));
				R->net_eof = true;
				return;
			}
		}
		if (!total)
			return;
		e = tlsh_conn_read_record(R->conn, R->nin, total, &type, &data,
					  &len);
		if (e == TLSH_OK) {
			/*
			 * Post-handshake messages (a KeyUpdate followed, a
			 * renegotiation refused) and TLS 1.2 warnings were
			 * handled by the engine; its answer goes out next.
			 */
			if (type == TLSH_CT_APPLICATION_DATA)
				net_record(R, type, data, len);
			else if (type == TLSH_CT_HANDSHAKE &&
				 data[0] == HS_KEY_UPDATE)
				R->res->key_update = true;
		} else if (tlsh_err_class(e) == TLSH_ECLASS_PEER &&
			   type == TLSH_CT_ALERT) {
			/* close_notify or the peer's fatal alert. */
			net_record(R, type, data, 2);
		} else {
			fail(R, "record from the peer: %s", tlsh_err_str(e));
			send_alert(R, 2, (uint8_t)tlsh_err_alert(e));
			R->net_eof = true;
			return;
		}
		memmove(R->nin, R->nin + total, R->nin_len - total);
		R->nin_len -= total;
	}
}

/*
 * Fallback: records the engine queued while reading (a KeyUpdate answer, a
 * no_renegotiation warning) go out once nothing else is waiting, in the
 * order the engine protected them.
 */
static void conn_pending(struct relay *R)
{
	const uint8_t *out;
	size_t len;

	if (R->tn_len || R->l2n_closed)
		return;
	out = tlsh_conn_output(R->conn, &len);
	if (!len)
		return;
	if (len > sizeof(R->tonet)) {
		fail(R, "record protection failed");
		return;
	}
	memcpy(R->tonet, out, len);
	tlsh_conn_output_done(R->conn, len);
	R->tn_off = 0;
	R->tn_len = len;
}

static void net_read(struct relay *R)
{
	ssize_t n;

	if (R->cfg->ktls) {
		char cbuf[CMSG_SPACE(sizeof(uint8_t))];
		struct iovec iov = { R->tolocal, TLSH_MAX_PLAINTEXT };
		struct msghdr m = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *cm;
		uint8_t type = TLSH_CT_APPLICATION_DATA;

		n = recvmsg(R->cfg->net_fd, &m, MSG_DONTWAIT);
		if (n > 0) {
			cm = CMSG_FIRSTHDR(&m);
			if (cm && cm->cmsg_level == SOL_TLS &&
			    cm->cmsg_type == TLS_GET_RECORD_TYPE)
				type = *CMSG_DATA(cm);
			net_record(R, type, R->tolocal, (size_t)n);
			return;
		}
	} else {
		n = recv(R->cfg->net_fd, R->nin + R->nin_len,
			 sizeof(R->nin) - R->nin_len, MSG_DONTWAIT);
		if (n > 0) {
			R->nin_len += (size_t)n;
			return;
		}
	}
	if (n == 0) {
		/* A TCP EOF without close_notify: a truncation we pass on. */
		if (!R->cfg->ktls && R->nin_len)
			fail(R, "the peer closed in the middle of a record");
		R->net_eof = true;
		return;
	}
	if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
		return;
	if (errno == EBADMSG)
		send_alert(R, 2, TLSH_ALERT_BAD_RECORD_MAC);
	fail(R, "receiving from the peer: %s", strerror(errno));
	R->net_eof = true;
}

static void net_write(struct relay *R)
{
	ssize_t n = send(R->cfg->net_fd, R->tonet + R->tn_off,
			 R->tn_len - R->tn_off, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		fail(R, "sending to the peer: %s", strerror(errno));
		return;
	}
	R->tn_off += (size_t)n;
	if (R->tn_off == R->tn_len)
		R->tn_off = R->tn_len = 0;
}

static void local_read(struct relay *R)
{
	uint8_t plain[TLSH_MAX_PLAINTEXT];
	uint8_t *dst = R->cfg->ktls ? R->tonet : plain;
	ssize_t n = read(R->cfg->local_in, dst, TLSH_MAX_PLAINTEXT);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* A reset or error on the local side ends its input too. */
		R->local_eof = true;
		return;
	}
	R->res->to_net += (size_t)n;
	if (R->cfg->ktls) {
		R->tn_off = 0;
		R->tn_len = (size_t)n;
	} else {
		if (tlsh_conn_write_app(R->conn, plain, (size_t)n)) {
			explicit_bzero(plain, (size_t)n);
			fail(R, "record protection failed");
			return;
		}
		explicit_bzero(plain, (size_t)n);
		conn_pending(R);
	}
}

static void local_write(struct relay *R)
{
	ssize_t n = write(R->cfg->local_out, R->tolocal + R->tl_off,
			  R->tl_len - R->tl_off);

	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		/* The reader is gone: drop whatever else the peer sends. */
		R->tl_off = R->tl_len = 0;
		R->n2l_closed = true;
		return;
	}
	R->tl_off += (size_t)n;
	if (R->tl_off == R->tl_len)
		R->tl_off = R->tl_len = 0;
}

static void shut_local_write(struct relay *R)
{
	struct stat st;

	R->n2l_closed = true;
	if (fstat(R->cfg->local_out, &st) == 0 && S_ISSOCK(st.st_mode))
		shutdown(R->cfg->local_out, SHUT_WR);
	else if (R->cfg->local_out != R->cfg->local_in)
		close(R->cfg->local_out);
}

enum { P_NET, P_IN, P_OUT, P_N };

static void relay_loop(struct relay *R)
{
	const struct tlsh_relay *cfg = R->cfg;
	bool same = cfg->local_in == cfg->local_out;

	while (!R->failed && !(R->n2l_closed && R->l2n_closed)) {
		struct pollfd p[P_N], *o;
		bool want_net, want_in;
		short ev;
		int n;

		if (!cfg->ktls) {
			nin_pump(R);
			if (!R->failed)
				conn_pending(R);
		}
		if (R->failed)
			break;
		if (!R->n2l_closed && R->net_eof && !R->tl_len) {
			shut_local_write(R);
			continue;
		}
		if (!R->l2n_closed && R->local_eof && !R->tn_len) {
			send_alert(R, 1, TLSH_ALERT_CLOSE_NOTIFY);
			shutdown(cfg->net_fd, SHUT_WR);
			R->l2n_closed = true;
			continue;
		}
		want_net = !R->net_eof && !R->tl_len &&
			   (cfg->ktls || !nin_record(R));
		want_in = !R->local_eof && !R->tn_len;
		for (int i = 0; i < P_N; i++)
			p[i] = (struct pollfd){ .fd = -1 };
		ev = (want_net ? POLLIN : 0) | (R->tn_len ? POLLOUT : 0);
		if (ev)
			p[P_NET] = (struct pollfd){ .fd = cfg->net_fd, .events = ev };
		if (want_in)
			p[P_IN] = (struct pollfd){ .fd = cfg->local_in,
						   .events = POLLIN };
		/*
		 * The local output is watched even when idle, to notice its
		 * reader going away (POLLHUP / POLLERR).
		 */
		o = same ? &p[P_IN] : &p[P_OUT];
		if (!R->n2l_closed) {
			o->fd = cfg->local_out;
			o->events |= R->tl_len ? POLLOUT : 0;
		}
		if (p[P_NET].fd < 0 && p[P_IN].fd < 0 && p[P_OUT].fd < 0) {
			fail(R, "relay stalled");	/* cannot happen */
			break;
		}
		n = poll(p, P_N, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail(R, "poll: %s", strerror(errno));
			break;
		}
		if (p[P_NET].revents & POLLOUT)
			net_write(R);
		if (want_net && p[P_NET].revents & (POLLIN | POLLHUP | POLLERR))
			net_read(R);
		if (o->fd >= 0 && !R->n2l_closed) {
			if (R->tl_len && o->revents & (POLLOUT | POLLERR | POLLHUP))
				local_write(R);
			else if (!R->tl_len && o->revents & (POLLERR | POLLHUP))
				R->n2l_closed = true;
		}
		if (want_in && p[P_IN].revents & (POLLIN | POLLHUP | POLLERR))
			local_read(R);
	}
}

int tlsh_relay_run(const struct tlsh_relay *rl, struct tlsh_relay_result *r)
{
	struct relay *R = calloc(1, sizeof(*R));
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;

	memset(r, 0, sizeof(*r));
	if (!R) {
		snprintf(r->error, sizeof(r->error), "out of memory");
		return -1;
	}
	R->cfg = rl;
	R->res = r;
	R->conn = rl->conn;
	R->tickets = rl->ktls ? rl->tickets : NULL;
	if (!rl->ktls && (!R->conn || !tlsh_conn_done(R->conn))) {
		snprintf(r->error, sizeof(r->error),
			 "no record layer for the userspace relay");
		free(R);
		return -1;
	}
	sigaction(SIGPIPE, &ign, &old);
	relay_loop(R);
	sigaction(SIGPIPE, &old, NULL);
	explicit_bzero(R, sizeof(*R));
	free(R);
	return r->error[0] ? -1 : 0;
}
