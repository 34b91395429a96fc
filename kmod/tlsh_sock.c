// SPDX-License-Identifier: GPL-2.0
/*
 * The application's socket after hand-off: proto_ops wrapping the kTLS
 * ones so that TLS control records read the way an unmodified TCP server
 * expects. Plain kTLS RX fails every read with EIO, for good, once a
 * non-data record is next; here:
 *
 *   close_notify                  EOF, for good (poll: IN | RDHUP)
 *   fatal alert                   ECONNRESET, connection reset
 *   TLS 1.2 warning alert,        skipped (more than TLSH_MAX_WARNINGS in a
 *   TLS 1.3 user_canceled         row: unexpected_message, as below)
 *   handshake message (KeyUpdate, which 6.1 cannot follow, a ticket, a
 *   renegotiation) or any other   close_notify or an alert to the peer,
 *   type                          FIN, ECONNRESET to the application
 *
 * A fatal alert and every connection ended here (the last row) are also
 * announced on TLSH_MCGRP_EVENTS (tlsh_nl_notify_event()), with the
 * listener the connection came from and its peer. A close_notify, the
 * normal end of a connection, is only counted: a notification per
 * connection would cost every connection an skb and a daemon wake-up, and
 * could crowd the rare events out of the subscribers' buffers.
 *
 * Closing (or shutdown for writing) sends a close_notify before the FIN,
 * unless the listener's ATTACH said not to (TLSH_A_CLOSE_NOTIFY 0), or
 * said nothing while the close_notify module parameter is off.
 *
 * Never waiting for the peer: tls's sendmsg takes its tx_lock whatever
 * MSG_DONTWAIT says, and a writer blocked on a peer that reads nothing
 * holds it. So every sender here is counted (ts->writers) and an alert or
 * close_notify is sent only while no writer is inside tls; once a closing
 * sender has looked (ts->tx_closing), new writers fail with EPIPE, as
 * after shutdown(SHUT_WR). When a writer is inside, the alert is skipped
 * and the shutdown that follows wakes the writer. ->poll never sends: a
 * control record that needs an answer is left for the next reader.
 *
 * The traffic keys stay in the kernel: getsockopt(SOL_TLS, TLS_TX/TLS_RX)
 * reports the version and cipher (struct tls_crypto_info) and refuses
 * (EPERM) a buffer large enough for the keys. Reading and writing need
 * no key; a compromised application could otherwise hand them out, to
 * decrypt a recording of the connection or forge records on it.
 *
 * The fast path is the tls recvmsg itself, with the caller's control
 * buffer hidden (tls would copy a control record into the caller's data
 * buffer if it had one). Only when it fails with EIO (tls splice_read:
 * EINVAL) does ts->lock get taken, the next record peeked with a kernel
 * control buffer and acted on. The record is never consumed, except a
 * skipped alert: tls cannot deliver anything behind it, so the terminal
 * state kept here answers every later read. Nothing but this file consumes
 * control records, so once a reader saw one at the head it stays there
 * until the lock holder deals with it.
 *
 * Lifetime: the socket's ops are the proto_ops inside struct tlsh_sock,
 * owner THIS_MODULE, so the socket holds a module reference until
 * __sock_release() drops it after our release. tls reads sk_socket->ops
 * only at TCP_ULP time, which fails with EEXIST on a socket that has a
 * ULP already, and replaces it only when TLS_TX/TLS_RX is set, which fails
 * with EBUSY once both are, as here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tls.h>

#include "tlsh_compat.h"
#include "tlsh_internal.h"

static bool close_notify = true;
module_param(close_notify, bool, 0644);
MODULE_PARM_DESC(close_notify,
		 "Send a TLS close_notify when the application closes or shuts down for writing (default on; a listener attached with its own setting keeps it)");

/* TLS record content types (RFC 8446, 5.1). */
#define TLSH_RECORD_ALERT		21
#define TLSH_RECORD_HANDSHAKE		22
#define TLSH_RECORD_DATA		23

#define TLSH_ALERT_WARNING		1
#define TLSH_ALERT_FATAL		2

#define TLSH_CLOSE_NOTIFY		0
#define TLSH_UNEXPECTED_MESSAGE		10
#define TLSH_DECODE_ERROR		50
#define TLSH_USER_CANCELED		90
#define TLSH_NO_RENEGOTIATION		100

#define TLSH_HS_CLIENT_HELLO		1
#define TLSH_HS_KEY_UPDATE		24

/* The tls_ops call may be repeated, not an error. */
#define TLSH_RETRY			1

/* Warning alerts in a row before the peer is cut off (CVE-2016-8610). */
#define TLSH_MAX_WARNINGS		16

/* Repeats of one read call, each after a control record was dealt with. */
#define TLSH_MAX_RETRIES		(TLSH_MAX_WARNINGS + 8)

enum tlsh_rx_state {
	TLSH_RX_OPEN,
	TLSH_RX_EOF,		/* close_notify read */
	TLSH_RX_RESET,		/* fatal alert, or we ended the connection */
};

struct tlsh_sock {
	struct proto_ops ops;		/* tls_ops with ours; owner us */
	const struct proto_ops *tls_ops;
	struct mutex lock;		/* control records, sending alerts */
	u8 rx;				/* enum tlsh_rx_state, READ_ONCE */
	u8 warnings;			/* skipped in a row, under lock */
	bool tx_done;			/* close_notify or alert sent */
	bool tx_closing;		/* no new writer may enter tls */
	atomic_t writers;		/* in tls's sendmsg/sendpage/splice_eof */
	bool close_notify;		/* send one at shutdown/close */
	u32 listener_id;		/* where it was accepted, for events */
	struct rcu_head rcu;
};

static struct tlsh_sock *tlsh_sock_of(struct socket *sock)
{
	return container_of(READ_ONCE(sock->ops), struct tlsh_sock, ops);
}

static void tlsh_sock_count(struct sock *sk, int counter)
{
	atomic64_inc(&tlsh_net(sock_net(sk))->counters[counter]);
}

/* What a reader gets once rx is not open: EOF, or a reset reported once. */
static int tlsh_rx_closed(struct sock *sk, u8 rx)
{
	return rx == TLSH_RX_RESET ? sock_error(sk) : 0;
}

static void tlsh_rx_set(struct tlsh_sock *ts, struct socket *sock, u8 rx)
{
	WRITE_ONCE(ts->rx, rx);
	wake_up_interruptible_poll(&sock->wq.wait,
				   EPOLLIN | EPOLLRDNORM | EPOLLRDHUP);
}

/*
 * Receive up to len bytes of the next record(s) into buf through tls, with
 * a kernel control buffer; *type is the record type, 0 if none was seen.
 */
static int tlsh_recv_record(struct tlsh_sock *ts, struct socket *sock,
			    u8 *buf, size_t len, int flags, u8 *type)
{
	union {
		struct cmsghdr hdr;
		u8 space[CMSG_SPACE(sizeof(u8))];
	} cmsg;
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {};
	int n;

	memset(&cmsg, 0, sizeof(cmsg));
	msg.msg_control = &cmsg;
	msg.msg_controllen = sizeof(cmsg);
	msg.msg_control_is_user = false;
	iov_iter_kvec(&msg.msg_iter, ITER_DEST, &kv, 1, len);
	n = ts->tls_ops->recvmsg(sock, &msg, len, flags | MSG_DONTWAIT);

	*type = 0;
	if (n >= 0 && msg.msg_controllen < sizeof(cmsg) &&
	    !(msg.msg_flags & MSG_CTRUNC) &&
	    cmsg.hdr.cmsg_level == SOL_TLS &&
	    cmsg.hdr.cmsg_type == TLS_GET_RECORD_TYPE)
		*type = *(u8 *)CMSG_DATA(&cmsg.hdr);
	return n;
}

/* A writer enters tls; false (EPIPE for it) once a closer has looked. */
static bool tlsh_tx_enter(struct tlsh_sock *ts)
{
	atomic_inc(&ts->writers);
	smp_mb__after_atomic();	/* pairs with smp_mb() in tlsh_tx_close() */
	if (likely(!READ_ONCE(ts->tx_closing)))
		return true;
	atomic_dec(&ts->writers);
	return false;
}

static void tlsh_tx_exit(struct tlsh_sock *ts)
{
	atomic_dec(&ts->writers);
}

/*
 * Close the write side to writers; true if none is inside tls, so that a
 * send now cannot wait on tx_lock behind a writer stuck on the peer.
 * Under ts->lock.
 */
static bool tlsh_tx_close(struct tlsh_sock *ts)
{
	WRITE_ONCE(ts->tx_closing, true);
	smp_mb();	/* pairs with smp_mb__after_atomic() in tlsh_tx_enter() */
	return !atomic_read(&ts->writers);
}

/* Send one alert record through kTLS TX, without blocking. Under ts->lock. */
static int tlsh_send_alert(struct tlsh_sock *ts, struct socket *sock,
			   u8 level, u8 desc)
{
	union {
		struct cmsghdr hdr;
		u8 space[CMSG_SPACE(sizeof(u8))];
	} cmsg;
	u8 alert[2] = { level, desc };
	struct kvec kv = { .iov_base = alert, .iov_len = sizeof(alert) };
	struct msghdr msg = {};

	memset(&cmsg, 0, sizeof(cmsg));
	cmsg.hdr.cmsg_level = SOL_TLS;
	cmsg.hdr.cmsg_type = TLS_SET_RECORD_TYPE;
	cmsg.hdr.cmsg_len = CMSG_LEN(sizeof(u8));
	*(u8 *)CMSG_DATA(&cmsg.hdr) = TLSH_RECORD_ALERT;
	msg.msg_control = &cmsg;
	msg.msg_controllen = sizeof(cmsg);
	msg.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
	iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, &kv, 1, sizeof(alert));
	return ts->tls_ops->sendmsg(sock, &msg, sizeof(alert));
}

/* A close_notify, if it is wanted and the connection can still carry it. */
static void tlsh_send_close_notify(struct tlsh_sock *ts, struct socket *sock)
{
	struct sock *sk = sock->sk;

	lockdep_assert_held(&ts->lock);
	if (ts->tx_done || !ts->close_notify)
		return;
	ts->tx_done = true;
	if (!((1 << READ_ONCE(sk->sk_state)) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) ||
	    (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN) || READ_ONCE(sk->sk_err))
		return;
	/* An abortive close (linger 0) resets: nothing would be read. */
	if (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime)
		return;
	if (tlsh_tx_close(ts))
		tlsh_send_alert(ts, sock, TLSH_ALERT_WARNING,
				TLSH_CLOSE_NOTIFY);
}

/*
 * We end the connection: an alert (if level) and/or a close_notify to the
 * peer, then FIN; ECONNRESET to the application. Under ts->lock.
 */
static int tlsh_end(struct tlsh_sock *ts, struct socket *sock, int counter,
		    u8 level, u8 desc, bool then_close_notify)
{
	struct sock *sk = sock->sk;

	tlsh_sock_count(sk, counter);
	if (!ts->tx_done) {
		ts->tx_done = true;
		/* A writer stuck in tls: no alert; the shutdown frees it. */
		if (!tlsh_tx_close(ts)) {
			level = 0;
			then_close_notify = false;
		}
		if (level)
			tlsh_send_alert(ts, sock, level, desc);
		if (then_close_notify)
			tlsh_send_alert(ts, sock, TLSH_ALERT_WARNING,
					TLSH_CLOSE_NOTIFY);
	}
	ts->tls_ops->shutdown(sock, SHUT_WR);
	WRITE_ONCE(ts->rx, TLSH_RX_RESET);
	WRITE_ONCE(sk->sk_err, ECONNRESET);
	/* Paired with smp_rmb() in tcp_poll() */
	smp_wmb();
	sk_error_report(sk);
	tlsh_rx_set(ts, sock, TLSH_RX_RESET);
	/*
	 * The reset is reported once (sock_error()), and to this reader
	 * even if a writer woken above took it from sk_err first.
	 */
	return sock_error(sk) ?: -ECONNRESET;
}

static int tlsh_on_alert(struct tlsh_sock *ts, struct socket *sock,
			 const u8 *buf, int len, bool may_send)
{
	struct sock *sk = sock->sk;
	u16 version = tls_get_ctx(sk)->prot_info.version;
	u8 type;
	bool skip;

	if (len != 2) {
		if (!may_send)
			return 0;
		tlsh_nl_notify_event(sk, ts->listener_id, TLSH_EVENT_BAD_ALERT,
				     0, 0);
		return tlsh_end(ts, sock, TLSH_COUNTER_ALERT,
				TLSH_ALERT_FATAL, TLSH_DECODE_ERROR, false);
	}

	if (buf[1] == TLSH_CLOSE_NOTIFY) {
		tlsh_sock_count(sk, TLSH_COUNTER_CLOSE_NOTIFY);
		tlsh_rx_set(ts, sock, TLSH_RX_EOF);
		return TLSH_RETRY;
	}

	/* TLS 1.3 treats every alert but the closure ones as fatal. */
	if (version == TLS_1_2_VERSION)
		skip = buf[0] == TLSH_ALERT_WARNING;
	else
		skip = buf[1] == TLSH_USER_CANCELED;
	if (skip) {
		u8 alert[2];

		if (ts->warnings >= TLSH_MAX_WARNINGS) {
			if (!may_send)
				return 0;
			tlsh_nl_notify_event(sk, ts->listener_id,
					     TLSH_EVENT_BAD_ALERT,
					     TLSH_A_ALERT_DESC, buf[1]);
			return tlsh_end(ts, sock, TLSH_COUNTER_ALERT,
					TLSH_ALERT_FATAL,
					TLSH_UNEXPECTED_MESSAGE, false);
		}
		ts->warnings++;
		if (tlsh_recv_record(ts, sock, alert, sizeof(alert), 0,
				     &type) != 2 || type != TLSH_RECORD_ALERT)
			return -EIO;
		return TLSH_RETRY;
	}

	/* The peer is gone: reset, as TCP does for an RST. */
	tlsh_nl_notify_event(sk, ts->listener_id, TLSH_EVENT_ALERT,
			     TLSH_A_ALERT_DESC, buf[1]);
	tlsh_sock_count(sk, TLSH_COUNTER_ALERT);
	ts->tx_done = true;
	WRITE_ONCE(ts->rx, TLSH_RX_RESET);
	tcp_abort(sk, ECONNRESET);
	tlsh_rx_set(ts, sock, TLSH_RX_RESET);
	return TLSH_RETRY;
}

/*
 * A handshake message after the handshake. kTLS (in 6.1 and 6.12) cannot
 * take new keys, so a KeyUpdate ends the connection with a close_notify; a
 * renegotiating ClientHello gets no_renegotiation, then close_notify;
 * anything else (a NewSessionTicket or HelloRequest sent to a server...)
 * unexpected_message.
 */
static int tlsh_on_handshake(struct tlsh_sock *ts, struct socket *sock,
			     const u8 *buf, int len)
{
	u16 version = tls_get_ctx(sock->sk)->prot_info.version;
	u32 event = TLSH_EVENT_UNEXPECTED_HANDSHAKE;
	u8 level = TLSH_ALERT_FATAL, desc = TLSH_UNEXPECTED_MESSAGE;
	bool then_close_notify = false;

	if (len >= 1 && version == TLS_1_3_VERSION &&
	    buf[0] == TLSH_HS_KEY_UPDATE) {
		event = TLSH_EVENT_KEY_UPDATE;
		level = 0;
		then_close_notify = true;
	} else if (len >= 1 && version == TLS_1_2_VERSION &&
		   buf[0] == TLSH_HS_CLIENT_HELLO) {
		event = TLSH_EVENT_RENEGOTIATION;
		level = TLSH_ALERT_WARNING;
		desc = TLSH_NO_RENEGOTIATION;
		then_close_notify = true;
	}
	tlsh_nl_notify_event(sock->sk, ts->listener_id, event,
			     len >= 1 ? TLSH_A_HS_TYPE : 0,
			     len >= 1 ? buf[0] : 0);
	return tlsh_end(ts, sock, TLSH_COUNTER_POSTHS, level, desc,
			then_close_notify);
}

/*
 * The tls call failed with err: act on the control record at the head, if
 * that is why. TLSH_RETRY to repeat the call, else what to return. A
 * poller (from_poll) only tries the lock, and acts only where nothing is
 * sent: what needs an answer is left for the next reader.
 */
static int tlsh_control(struct tlsh_sock *ts, struct socket *sock, int err,
			bool from_poll)
{
	bool try = from_poll;
	u8 buf[3], type;
	int n, ret;

	if (try) {
		if (!mutex_trylock(&ts->lock))
			return -EAGAIN;
	} else if (mutex_lock_interruptible(&ts->lock)) {
		return -ERESTARTSYS;
	}

	if (READ_ONCE(ts->rx) != TLSH_RX_OPEN) {
		ret = TLSH_RETRY;
		goto out;
	}
	n = tlsh_recv_record(ts, sock, buf, sizeof(buf), MSG_PEEK, &type);
	if (n == -EAGAIN) {
		/* Another reader took what failed us: read again. */
		ret = from_poll ? 0 : TLSH_RETRY;
		goto out;
	}
	if (n < 0) {
		ret = n;
		goto out;
	}
	switch (type) {
	case 0:
	case TLSH_RECORD_DATA:
		/*
		 * tls fails a read with EIO only for a control record at the
		 * head; another reader dealt with it meanwhile.
		 */
		ret = from_poll ? 0 : TLSH_RETRY;
		break;
	case TLSH_RECORD_ALERT:
		ret = tlsh_on_alert(ts, sock, buf, n, !from_poll);
		break;
	case TLSH_RECORD_HANDSHAKE:
		if (from_poll) {
			ret = 0;
			break;
		}
		ret = tlsh_on_handshake(ts, sock, buf, n);
		break;
	default:
		if (from_poll) {
			ret = 0;
			break;
		}
		tlsh_nl_notify_event(sock->sk, ts->listener_id,
				     TLSH_EVENT_UNEXPECTED_RECORD,
				     TLSH_A_RECORD_TYPE, type);
		ret = tlsh_end(ts, sock, TLSH_COUNTER_POSTHS, TLSH_ALERT_FATAL,
			       TLSH_UNEXPECTED_MESSAGE, false);
		break;
	}
out:
	mutex_unlock(&ts->lock);
	return ret;
}

/* Peeks that found the reader slot busy before we give up. */
#define TLSH_MAX_BUSY	16

struct tlsh_reader {
	int busy;	/* times the reader slot was found busy */
	int retries;	/* control records handled in this call */
};

/*
 * A read failed with err, maybe for a control record: act on it. True to
 * read again; else *ret is what the read returns (err itself if the reader
 * slot stayed busy).
 */
static bool tlsh_control_read(struct tlsh_sock *ts, struct socket *sock,
			      int err, struct tlsh_reader *r, int *ret)
{
	*ret = tlsh_control(ts, sock, err, false);
	if (*ret == TLSH_RETRY && ++r->retries < TLSH_MAX_RETRIES)
		return true;
	if (*ret == -EAGAIN && ++r->busy < TLSH_MAX_BUSY) {
		cond_resched();
		return true;
	}
	if (*ret == -EAGAIN)
		*ret = err;
	return false;
}

static int tlsh_sock_recvmsg(struct socket *sock, struct msghdr *msg,
			     size_t size, int flags)
{
	struct tlsh_sock *ts = tlsh_sock_of(sock);
	struct sock *sk = sock->sk;
	unsigned int ctrunc = msg->msg_flags & MSG_CTRUNC;
	size_t controllen = msg->msg_controllen;
	bool control_is_user = msg->msg_control_is_user;
	void *control = msg->msg_control;
	struct tlsh_reader r = {};
	int ret;
	u8 rx;

	if (flags & MSG_ERRQUEUE)
		return ts->tls_ops->recvmsg(sock, msg, size, flags);

	for (;;) {
		rx = READ_ONCE(ts->rx);
		if (rx != TLSH_RX_OPEN)
			return tlsh_rx_closed(sk, rx);

		/* Hidden: tls would hand a control record over in it. */
		msg->msg_control = NULL;
		msg->msg_controllen = 0;
		ret = ts->tls_ops->recvmsg(sock, msg, size, flags);
		msg->msg_control = control;
		msg->msg_controllen = controllen;
		msg->msg_control_is_user = control_is_user;
		msg->msg_flags = (msg->msg_flags & ~MSG_CTRUNC) | ctrunc;
		if (ret != -EIO)
			break;

		if (tlsh_control_read(ts, sock, -EIO, &r, &ret))
			continue;
		return ret;
	}

	if (ret > 0 && unlikely(READ_ONCE(ts->warnings)))
		WRITE_ONCE(ts->warnings, 0);
	/* What kTLS tells a caller with a control buffer: data. */
	if (ret > 0 && control) {
		u8 type = TLSH_RECORD_DATA;

		put_cmsg(msg, SOL_TLS, TLS_GET_RECORD_TYPE, sizeof(type),
			 &type);
	}
	return ret;
}

static ssize_t tlsh_sock_splice_read(struct socket *sock, loff_t *ppos,
				     struct pipe_inode_info *pipe, size_t len,
				     unsigned int flags)
{
	struct tlsh_sock *ts = tlsh_sock_of(sock);
	struct tlsh_reader r = {};
	ssize_t ret;
	int err;
	u8 rx;

	for (;;) {
		rx = READ_ONCE(ts->rx);
		if (rx != TLSH_RX_OPEN)
			return tlsh_rx_closed(sock->sk, rx);

		/* tls refuses to splice a control record with EINVAL. */
		ret = ts->tls_ops->splice_read(sock, ppos, pipe, len, flags);
		if (ret != -EINVAL) {
			if (ret > 0 && unlikely(READ_ONCE(ts->warnings)))
				WRITE_ONCE(ts->warnings, 0);
			return ret;
		}

		if (tlsh_control_read(ts, sock, -EINVAL, &r, &err))
			continue;
		return err;
	}
}

/*
 * Readable stays readable, and a peer's close_notify shows as RDHUP. To
 * see one before the application reads, peek when the caller asks for
 * RDHUP and tls has a record ready (without waiting for anybody).
 */
static __poll_t tlsh_sock_poll(struct file *file, struct socket *sock,
			       poll_table *wait)
{
	struct tlsh_sock *ts = tlsh_sock_of(sock);
	__poll_t mask = ts->tls_ops->poll(file, sock, wait);

	if (READ_ONCE(ts->rx) == TLSH_RX_OPEN && (mask & EPOLLIN) &&
	    !(mask & EPOLLRDHUP) &&
	    (poll_requested_events(wait) & EPOLLRDHUP))
		tlsh_control(ts, sock, 0, true);
	if (READ_ONCE(ts->rx) != TLSH_RX_OPEN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	return mask;
}

static int tlsh_sock_sendmsg(struct socket *sock, struct msghdr *msg,
			     size_t size)
{
	struct tlsh_sock *ts = tlsh_sock_of(sock);
	int ret;

	if (!tlsh_tx_enter(ts))
		return sk_stream_error(sock->sk, msg->msg_flags, -EPIPE);
	ret = ts->tls_ops->sendmsg(sock, msg, size);
	tlsh_tx_exit(ts);
	return ret;
}

/* sendfile() on 6.1; 6.12 has no sendpage (tlsh_compat.h). */
static ssize_t tlsh_sock_sendpage(struct socket *sock, struct page *page,
				  int offset, size_t size, int flags)
{
	struct tlsh_sock *ts = tlsh_sock_of(sock);
	ssize_t ret;

	if (!tlsh_tx_enter(ts))
		return sk_stream_error(sock->sk, flags, -EPIPE);
	ret = tlsh_ops_sendpage(ts->tls_ops, sock, page, offset, size, flags);
	tlsh_tx_exit(ts);
	return ret;
}

/*
 * The end of a splice or sendfile(): tls pushes the record left open,
 * under its tx_lock, and may wait for the peer doing so. Nothing to push
 * once a closer has looked: its close_notify pushes the record first.
 */
static void tlsh_sock_splice_eof(struct socket *sock)
{
	struct tlsh_sock *ts = tlsh_sock_of(sock);

	if (!tlsh_tx_enter(ts))
		return;
	ts->tls_ops->splice_eof(sock);
	tlsh_tx_exit(ts);
}

/* Version and cipher, yes; the keys, no (see the top of this file). */
static int tlsh_sock_getsockopt(struct socket *sock, int level, int optname,
				char __user *optval, int __user *optlen)
{
	struct tlsh_sock *ts = tlsh_sock_of(sock);
	int len;

	if (level == SOL_TLS && (optname == TLS_TX || optname == TLS_RX)) {
		if (get_user(len, optlen))
			return -EFAULT;
		if (len > (int)sizeof(struct tls_crypto_info))
			return -EPERM;
	}
	return ts->tls_ops->getsockopt(sock, level, optname, optval, optlen);
}

static int tlsh_sock_shutdown(struct socket *sock, int how)
{
	struct tlsh_sock *ts = tlsh_sock_of(sock);

	/* SHUT_WR or SHUT_RDWR: the close_notify goes before the FIN. */
	if ((how == SHUT_WR || how == SHUT_RDWR) && sock->sk) {
		mutex_lock(&ts->lock);
		tlsh_send_close_notify(ts, sock);
		mutex_unlock(&ts->lock);
	}
	return ts->tls_ops->shutdown(sock, how);
}

static int tlsh_sock_release(struct socket *sock)
{
	struct tlsh_sock *ts = tlsh_sock_of(sock);
	int err;

	if (sock->sk) {
		mutex_lock(&ts->lock);
		tlsh_send_close_notify(ts, sock);
		mutex_unlock(&ts->lock);
	}
	/* tls flushes its pending records in here, before TCP's FIN. */
	err = ts->tls_ops->release(sock);
	/* sock->ops points into ts until __sock_release() clears it. */
	kfree_rcu(ts, rcu);
	return err;
}

/* For a connection that DONE just handed off. */
struct tlsh_sock *tlsh_sock_alloc(void)
{
	struct tlsh_sock *ts = kzalloc(sizeof(*ts), GFP_KERNEL);

	if (ts) {
		mutex_init(&ts->lock);
		atomic_set(&ts->writers, 0);
	}
	return ts;
}

void tlsh_sock_free(struct tlsh_sock *ts)
{
	kfree(ts);
}

/* Whether a connection that l's accept() returns now sends close_notify. */
bool tlsh_listener_close_notify(const struct tlsh_listener *l)
{
	return l->close_notify >= 0 ? l->close_notify : READ_ONCE(close_notify);
}

/*
 * Give sock, which the application's accept() on l returns with sk grafted
 * and kTLS TX and RX on, our ops wrapping tls_ops. Under lock_sock(sk); ts
 * is owned by sock from here and freed by its release.
 */
void tlsh_sock_attach(struct tlsh_sock *ts, struct socket *sock,
		      const struct proto_ops *tls_ops,
		      const struct tlsh_listener *l)
{
	ts->tls_ops = tls_ops;
	ts->close_notify = tlsh_listener_close_notify(l);
	ts->listener_id = l->id;
	ts->ops = *tls_ops;
	ts->ops.owner = THIS_MODULE;
	ts->ops.release = tlsh_sock_release;
	ts->ops.shutdown = tlsh_sock_shutdown;
	ts->ops.poll = tlsh_sock_poll;
	ts->ops.recvmsg = tlsh_sock_recvmsg;
	ts->ops.splice_read = tlsh_sock_splice_read;
	ts->ops.sendmsg = tlsh_sock_sendmsg;
	tlsh_ops_set_sendpage(&ts->ops, tlsh_sock_sendpage);
	if (tls_ops->splice_eof)
		ts->ops.splice_eof = tlsh_sock_splice_eof;
	ts->ops.getsockopt = tlsh_sock_getsockopt;
	tlsh_set_ops(sock, &ts->ops);
}
