// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink client for tlsh.ko, on libnl-genl.
 *
 * Kernel errors are taken raw from the NLMSG_ERROR message (libnl's own
 * NLE_* codes lose the errno), together with the extended-ack message when
 * the kernel sends one, so "permission denied" and "not loaded" can be told
 * apart from everything else.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "os/addr.h"
#include "os/nl.h"

static const char *const counter_names[TLSH_COUNTER_MAX + 1] = {
	[TLSH_COUNTER_PENDING]		= "pending",
	[TLSH_COUNTER_IN_FLIGHT]	= "in-flight",
	[TLSH_COUNTER_READY]		= "ready",
	[TLSH_COUNTER_DELIVERED]	= "delivered",
	[TLSH_COUNTER_FAILED]		= "failed",
	[TLSH_COUNTER_TIMED_OUT]	= "timed-out",
	[TLSH_COUNTER_CLOSE_NOTIFY]	= "close-notify",
	[TLSH_COUNTER_ALERT]		= "alert",
	[TLSH_COUNTER_POSTHS]		= "post-handshake",
	[TLSH_COUNTER_REFUSED]		= "refused",
	[TLSH_COUNTER_JOIN_REFUSED]	= "join-refused",
};

static const char *const cmd_names[TLSH_CMD_MAX + 1] = {
	[TLSH_CMD_READY]	= "READY",
	[TLSH_CMD_ACCEPT]	= "ACCEPT",
	[TLSH_CMD_DONE]		= "DONE",
	[TLSH_CMD_ATTACH]	= "ATTACH",
	[TLSH_CMD_DETACH]	= "DETACH",
	[TLSH_CMD_GET]		= "GET",
	[TLSH_CMD_EVENT]	= "EVENT",
};

static const char *const event_names[TLSH_EVENT_MAX + 1] = {
	[TLSH_EVENT_ALERT]		= "alert",
	[TLSH_EVENT_BAD_ALERT]		= "bad-alert",
	[TLSH_EVENT_KEY_UPDATE]		= "key-update",
	[TLSH_EVENT_RENEGOTIATION]	= "renegotiation",
	[TLSH_EVENT_UNEXPECTED_HANDSHAKE] = "unexpected-handshake",
	[TLSH_EVENT_UNEXPECTED_RECORD]	= "unexpected-record",
};

const char *tlsh_name_at(const char *const *names, size_t n, unsigned int i,
			 const char *dflt)
{
	return i < n && names[i] ? names[i] : dflt;
}

const char *tlsh_counter_name(unsigned int counter)
{
	return tlsh_name_at(counter_names, TLSH_COUNTER_MAX + 1, counter, NULL);
}

const char *tlsh_cmd_name(unsigned int cmd)
{
	return tlsh_name_at(cmd_names, TLSH_CMD_MAX + 1, cmd, "UNKNOWN");
}

const char *tlsh_event_name(unsigned int kind)
{
	return tlsh_name_at(event_names, TLSH_EVENT_MAX + 1, kind, NULL);
}

#define NOT_LOADED_MSG							\
	"tlsh.ko is not loaded (no generic netlink family \"" TLSH_GENL_NAME \
	"\"); load it with modprobe tlsh or insmod kmod/tlsh.ko"

/* libnl's local failures as errno; never ENOENT, which means "not loaded". */
static int nlerr_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INTR:
		return -EINTR;
	case NLE_NOADDR:
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_MSGSIZE:
	case NLE_MSG_TOOSHORT:
	case NLE_MSG_TRUNC:
	case NLE_SEQ_MISMATCH:
	case NLE_PARSE_ERR:
		return -EPROTO;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

/* Fill nl->errmsg for a failure of command cmd; returns err. */
static int set_error(struct tlsh_nl *nl, unsigned int cmd, int err,
		     const char *detail)
{
	const char *name = tlsh_cmd_name(cmd);

	switch (-err) {
	case ENOENT:
		snprintf(nl->errmsg, sizeof(nl->errmsg), "%s", NOT_LOADED_MSG);
		break;
	case EPERM:
		snprintf(nl->errmsg, sizeof(nl->errmsg),
			 "permission denied: tlsh %s needs CAP_NET_ADMIN",
			 name);
		break;
	case EOPNOTSUPP:
		/* An operation the module lacks; else its own reason. */
		if (!detail) {
			snprintf(nl->errmsg, sizeof(nl->errmsg),
				 "tlsh.ko does not implement %s (too old?)",
				 name);
			break;
		}
		/* fall through */
	default:
		snprintf(nl->errmsg, sizeof(nl->errmsg), "tlsh %s: %s%s%s",
			 name, strerror(-err), detail ? ": " : "",
			 detail ? detail : "");
		break;
	}
	return err;
}

int tlsh_nl_connect(struct tlsh_nl *nl)
{
	int one = 1;
	int ret;

	memset(nl, 0, sizeof(*nl));
	nl->sock = nl_socket_alloc();
	if (!nl->sock) {
		snprintf(nl->errmsg, sizeof(nl->errmsg), "out of memory");
		return -ENOMEM;
	}
	ret = genl_connect(nl->sock);
	if (ret < 0) {
		ret = nlerr_to_errno(ret);
		snprintf(nl->errmsg, sizeof(nl->errmsg),
			 "cannot open a generic netlink socket: %s",
			 strerror(-ret));
		tlsh_nl_close(nl);
		return ret;
	}
	/*
	 * Ask for the kernel's extack message in errors, without the echoed
	 * request. Older kernels ignore these; nothing depends on them.
	 */
	setsockopt(nl_socket_get_fd(nl->sock), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sock), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	return 0;
}

int tlsh_nl_open(struct tlsh_nl *nl)
{
	int ret = tlsh_nl_connect(nl);

	if (ret)
		return ret;
	ret = genl_ctrl_resolve(nl->sock, TLSH_GENL_NAME);
	if (ret < 0) {
		if (ret == -NLE_OBJ_NOTFOUND) {
			ret = set_error(nl, TLSH_CMD_UNSPEC, -ENOENT, NULL);
		} else {
			snprintf(nl->errmsg, sizeof(nl->errmsg),
				 "cannot resolve generic netlink family \"%s\": %s",
				 TLSH_GENL_NAME, nl_geterror(ret));
			ret = nlerr_to_errno(ret);
		}
		tlsh_nl_close(nl);
		return ret;
	}
	nl->family_id = ret;
	return 0;
}

void tlsh_nl_close(struct tlsh_nl *nl)
{
	if (nl->sock)
		nl_socket_free(nl->sock);
	nl->sock = NULL;
}

struct nl_msg *tlsh_nl_msg_new(struct tlsh_nl *nl, uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family_id, 0, 0,
			 cmd, TLSH_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct transaction {
	uint8_t cmd;
	uint32_t seq;		/* the request's */
	tlsh_nl_reply_fn reply_fn;
	void *arg;
	bool any_cmd;		/* a reply of another command is fine too */
	int err;		/* 0 or negative errno */
	bool done;
	char extack[160];
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct transaction *t = arg;
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	int err;

	if (!genlmsg_valid_hdr(nlmsg_hdr(msg), 0) ||
	    (!t->any_cmd && gh->cmd != t->cmd)) {
		t->err = -EPROTO;
		snprintf(t->extack, sizeof(t->extack), "unexpected reply");
		return NL_STOP;
	}
	if (!t->reply_fn)
		return NL_OK;
	err = t->reply_fn(msg, t->arg);
	if (err) {
		t->err = err;
		snprintf(t->extack, sizeof(t->extack), "malformed reply");
		return NL_STOP;
	}
	return NL_OK;
}

/*
 * Only what answers this request counts. libnl's own check expects the
 * sequence numbers of acks in strict order, so one ack lost (ENOBUFS)
 * would fail every later transaction on the socket; anything else (a
 * notification on a socket that also joined a group, what a failed
 * transaction left) is skipped.
 */
static int on_seq_check(struct nl_msg *msg, void *arg)
{
	struct transaction *t = arg;

	return nlmsg_hdr(msg)->nlmsg_seq == t->seq ? NL_OK : NL_SKIP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct transaction *t = arg;

	(void)msg;
	t->done = true;
	return NL_STOP;
}

/* Copy NLMSGERR_ATTR_MSG, if present, out of an error message. */
static void copy_extack(const struct nlmsgerr *e, char *buf, size_t len)
{
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	size_t offset = sizeof(*e);
	struct nlattr *attr;
	size_t total;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += e->msg.nlmsg_len - NLMSG_HDRLEN;
	offset = NLMSG_ALIGN(offset);
	total = nlh->nlmsg_len - NLMSG_HDRLEN;
	if (offset >= total)
		return;

	attr = nla_find((struct nlattr *)((char *)e + offset),
			(int)(total - offset), NLMSGERR_ATTR_MSG);
	if (!attr || nla_len(attr) < 1)
		return;
	snprintf(buf, len, "%.*s", (int)strnlen(nla_data(attr), nla_len(attr)),
		 (const char *)nla_data(attr));
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct transaction *t = arg;

	(void)who;
	t->err = e->error < 0 ? e->error : -EPROTO;
	copy_extack(e, t->extack, sizeof(t->extack));
	t->done = true;
	return NL_STOP;
}

static int transact(struct tlsh_nl *nl, struct nl_msg *req,
		    tlsh_nl_reply_fn reply_fn, void *arg, bool any_cmd)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(req));
	struct transaction t = {
		.cmd = gh->cmd, .reply_fn = reply_fn, .arg = arg,
		.any_cmd = any_cmd,
	};
	struct nl_cb *cb;
	int ret;

	nl->errmsg[0] = '\0';
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(req);
		return set_error(nl, t.cmd, -ENOMEM, NULL);
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_ack, &t);	/* a dump */
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, on_seq_check, &t);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &t);

	ret = nl_send_auto(nl->sock, req);
	t.seq = nlmsg_hdr(req)->nlmsg_seq;	/* filled in by the send */
	nlmsg_free(req);
	if (ret < 0) {
		t.err = nlerr_to_errno(ret);
		snprintf(t.extack, sizeof(t.extack), "send: %s",
			 nl_geterror(ret));
	}

	while (!t.err && !t.done) {
		ret = nl_recvmsgs(nl->sock, cb);
		if (ret < 0 && !t.err) {
			t.err = nlerr_to_errno(ret);
			snprintf(t.extack, sizeof(t.extack), "receive: %s",
				 nl_geterror(ret));
		}
	}
	nl_cb_put(cb);

	if (t.err)
		return set_error(nl, t.cmd, t.err,
				 t.extack[0] ? t.extack : NULL);
	return 0;
}

int tlsh_nl_transact(struct tlsh_nl *nl, struct nl_msg *req,
		     tlsh_nl_reply_fn reply_fn, void *arg)
{
	return transact(nl, req, reply_fn, arg, false);
}

int tlsh_nl_transact_any(struct tlsh_nl *nl, struct nl_msg *req,
			 tlsh_nl_reply_fn reply_fn, void *arg)
{
	return transact(nl, req, reply_fn, arg, true);
}

static int parse_listener(struct nlattr *attr, struct tlsh_listener_status *ls)
{
	static struct nla_policy policy[TLSH_A_MAX + 1] = {
		[TLSH_A_LISTENER_ID]	= { .type = NLA_U32 },
		[TLSH_A_TIMEOUT_MS]	= { .type = NLA_U32 },
		[TLSH_A_MAX_IN_FLIGHT]	= { .type = NLA_U32 },
		[TLSH_A_CLOSE_NOTIFY]	= { .type = NLA_U8 },
		[TLSH_A_COUNTERS]	= { .type = NLA_NESTED },
	};
	struct nlattr *tb[TLSH_A_MAX + 1];
	struct nlattr *ctb[TLSH_COUNTER_MAX + 1];
	unsigned int i;

	memset(ls, 0, sizeof(*ls));
	ls->close_notify = -1;
	if (nla_parse_nested(tb, TLSH_A_MAX, attr, policy) < 0 ||
	    !tb[TLSH_A_LISTENER_ID])
		return -EPROTO;
	ls->id = nla_get_u32(tb[TLSH_A_LISTENER_ID]);
	if (tb[TLSH_A_TIMEOUT_MS])
		ls->timeout_ms = nla_get_u32(tb[TLSH_A_TIMEOUT_MS]);
	if (tb[TLSH_A_MAX_IN_FLIGHT])
		ls->max_in_flight = nla_get_u32(tb[TLSH_A_MAX_IN_FLIGHT]);
	if (tb[TLSH_A_CLOSE_NOTIFY])
		ls->close_notify = nla_get_u8(tb[TLSH_A_CLOSE_NOTIFY]) != 0;
	if (!tb[TLSH_A_COUNTERS])
		return 0;
	if (nla_parse_nested(ctb, TLSH_COUNTER_MAX, tb[TLSH_A_COUNTERS],
			     NULL) < 0)
		return -EPROTO;
	for (i = TLSH_COUNTER_PENDING; i <= TLSH_COUNTER_MAX; i++)
		if (ctb[i] && nla_len(ctb[i]) == sizeof(uint64_t)) {
			ls->counters[i] = nla_get_u64(ctb[i]);
			ls->reported |= 1u << i;
		}
	return 0;
}

static int parse_get_reply(struct nl_msg *msg, void *arg)
{
	static struct nla_policy policy[TLSH_A_MAX + 1] = {
		[TLSH_A_MODULE_VERSION]	= { .type = NLA_STRING },
		[TLSH_A_COUNTERS]	= { .type = NLA_NESTED },
	};
	static struct nla_policy counter_policy[TLSH_COUNTER_MAX + 1] = {
		[TLSH_COUNTER_PENDING]		= { .type = NLA_U64 },
		[TLSH_COUNTER_IN_FLIGHT]	= { .type = NLA_U64 },
		[TLSH_COUNTER_READY]		= { .type = NLA_U64 },
		[TLSH_COUNTER_DELIVERED]	= { .type = NLA_U64 },
		[TLSH_COUNTER_FAILED]		= { .type = NLA_U64 },
		[TLSH_COUNTER_TIMED_OUT]	= { .type = NLA_U64 },
		[TLSH_COUNTER_CLOSE_NOTIFY]	= { .type = NLA_U64 },
		[TLSH_COUNTER_ALERT]		= { .type = NLA_U64 },
		[TLSH_COUNTER_POSTHS]		= { .type = NLA_U64 },
	};
	struct nlattr *tb[TLSH_A_MAX + 1];
	struct nlattr *ctb[TLSH_COUNTER_MAX + 1];
	struct tlsh_status *st = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	unsigned int i;

	memset(st, 0, sizeof(*st));
	st->protocol_version = ((struct genlmsghdr *)nlmsg_data(nlh))->version;

	/* Attributes newer than this helper are ignored, not errors. */
	if (genlmsg_parse(nlh, 0, tb, TLSH_A_MAX, policy) < 0)
		return -EPROTO;
	if (!tb[TLSH_A_MODULE_VERSION] || !tb[TLSH_A_COUNTERS])
		return -EPROTO;

	snprintf(st->module_version, sizeof(st->module_version), "%s",
		 nla_get_string(tb[TLSH_A_MODULE_VERSION]));

	if (nla_parse_nested(ctb, TLSH_COUNTER_MAX, tb[TLSH_A_COUNTERS],
			     counter_policy) < 0)
		return -EPROTO;
	for (i = TLSH_COUNTER_PENDING; i <= TLSH_COUNTER_MAX; i++) {
		if (!ctb[i])
			continue;
		st->counters[i] = nla_get_u64(ctb[i]);
		st->has_counter[i] = true;
	}

	/* genlmsg_parse() keeps only the last of repeated attributes. */
	{
		struct nlattr *attr;
		int rem;

		nlmsg_for_each_attr(attr, nlh, GENL_HDRLEN, rem) {
			if (nla_type(attr) != TLSH_A_LISTENER)
				continue;
			if (st->n_listeners < TLSH_STATUS_MAX_LISTENERS &&
			    parse_listener(attr,
					   &st->listeners[st->n_listeners]))
				return -EPROTO;
			st->n_listeners++;
		}
	}
	return 0;
}

int tlsh_nl_get(struct tlsh_nl *nl, struct tlsh_status *st)
{
	struct nl_msg *req = tlsh_nl_msg_new(nl, TLSH_CMD_GET);

	if (!req)
		return set_error(nl, TLSH_CMD_GET, -ENOMEM, NULL);
	return tlsh_nl_transact(nl, req, parse_get_reply, st);
}

int tlsh_nl_get_status(struct tlsh_status *st, char *errmsg, size_t errlen)
{
	struct tlsh_nl nl;
	int err;

	err = tlsh_nl_open(&nl);
	if (!err) {
		err = tlsh_nl_get(&nl, st);
		tlsh_nl_close(&nl);
	}
	if (err && errmsg && errlen)
		snprintf(errmsg, errlen, "%s", nl.errmsg);
	return err;
}

static int put_u32(struct nl_msg *msg, int attr, uint32_t v)
{
	return nla_put_u32(msg, attr, v) < 0 ? -EMSGSIZE : 0;
}

static int parse_listener_id(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[TLSH_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, TLSH_A_MAX, NULL) < 0 ||
	    !tb[TLSH_A_LISTENER_ID] ||
	    nla_len(tb[TLSH_A_LISTENER_ID]) != sizeof(uint32_t))
		return -EPROTO;
	*(uint32_t *)arg = nla_get_u32(tb[TLSH_A_LISTENER_ID]);
	return 0;
}

int tlsh_nl_attach(struct tlsh_nl *nl, int fd, uint32_t timeout_ms,
		   uint32_t max_in_flight, uint32_t *listener_id)
{
	struct tlsh_attach_opts o = {
		.timeout_ms = timeout_ms,
		.max_in_flight = max_in_flight,
		.close_notify = -1,
	};

	return tlsh_nl_attach_opts(nl, fd, &o, listener_id);
}

int tlsh_nl_attach_opts(struct tlsh_nl *nl, int fd,
			const struct tlsh_attach_opts *o,
			uint32_t *listener_id)
{
	struct nl_msg *req = tlsh_nl_msg_new(nl, TLSH_CMD_ATTACH);
	uint32_t id = 0;
	int err;

	if (!req)
		return set_error(nl, TLSH_CMD_ATTACH, -ENOMEM, NULL);
	err = put_u32(req, TLSH_A_FD, (uint32_t)fd);
	if (!err && o->timeout_ms)
		err = put_u32(req, TLSH_A_TIMEOUT_MS, o->timeout_ms);
	if (!err && o->max_in_flight)
		err = put_u32(req, TLSH_A_MAX_IN_FLIGHT, o->max_in_flight);
	if (!err && o->close_notify >= 0 &&
	    nla_put_u8(req, TLSH_A_CLOSE_NOTIFY, o->close_notify != 0) < 0)
		err = -EMSGSIZE;
	if (err) {
		nlmsg_free(req);
		return set_error(nl, TLSH_CMD_ATTACH, err, NULL);
	}
	err = tlsh_nl_transact(nl, req, parse_listener_id, &id);
	if (!err && !id)
		err = set_error(nl, TLSH_CMD_ATTACH, -EPROTO, "no listener id");
	if (!err)
		*listener_id = id;
	return err;
}

int tlsh_nl_detach(struct tlsh_nl *nl, uint32_t listener_id)
{
	struct nl_msg *req = tlsh_nl_msg_new(nl, TLSH_CMD_DETACH);

	if (!req || put_u32(req, TLSH_A_LISTENER_ID, listener_id)) {
		nlmsg_free(req);
		return set_error(nl, TLSH_CMD_DETACH, -ENOMEM, NULL);
	}
	return tlsh_nl_transact(nl, req, NULL, NULL);
}

struct accept_reply {
	int fd;
	uint32_t listener_id;
};

/*
 * The kernel installed the fd before we read its reply: once TLSH_A_FD is
 * read, the fd is ours to close whatever else goes wrong.
 */
static int parse_accept_reply(struct nl_msg *msg, void *arg)
{
	struct accept_reply *r = arg;
	struct nlattr *tb[TLSH_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, TLSH_A_MAX, NULL) < 0 ||
	    !tb[TLSH_A_FD] || nla_len(tb[TLSH_A_FD]) != sizeof(int32_t))
		return -EPROTO;
	if (r->fd >= 0)		/* a second reply: keep the first */
		return -EPROTO;
	r->fd = (int32_t)nla_get_u32(tb[TLSH_A_FD]);
	if (!tb[TLSH_A_LISTENER_ID] ||
	    nla_len(tb[TLSH_A_LISTENER_ID]) != sizeof(uint32_t))
		return -EPROTO;
	r->listener_id = nla_get_u32(tb[TLSH_A_LISTENER_ID]);
	return 0;
}

/*
 * After a failed ACCEPT, replies still queued on the socket (the
 * transaction stopped at an error, e.g. ENOBUFS when the ack did not fit,
 * before it read them): each carries an fd the kernel installed. Read
 * them without blocking and close those fds. Returns how many.
 */
int tlsh_nl_for_each_queued(struct tlsh_nl *nl, uint8_t cmd,
			    tlsh_nl_queued_fn fn, void *arg)
{
	uint32_t buf[1024];	/* aligned for struct nlmsghdr */
	ssize_t n;

	while ((n = recv(nl_socket_get_fd(nl->sock), buf, sizeof(buf),
			 MSG_DONTWAIT)) > 0) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
		int len = (int)n;

		for (; nlmsg_ok(nlh, len); nlh = nlmsg_next(nlh, &len)) {
			struct genlmsghdr *gh = nlmsg_data(nlh);

			if (nlh->nlmsg_type == nl->family_id &&
			    genlmsg_valid_hdr(nlh, 0) && gh->cmd == cmd)
				fn(nlh, arg);
		}
	}
	return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK ? -errno : 0;
}

static void close_queued_fd(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[TLSH_A_MAX + 1];

	if (genlmsg_parse(nlh, 0, tb, TLSH_A_MAX, NULL) < 0 ||
	    !tb[TLSH_A_FD] || nla_len(tb[TLSH_A_FD]) != sizeof(int32_t))
		return;
	if (close((int32_t)nla_get_u32(tb[TLSH_A_FD])) == 0)
		(*(int *)arg)++;
}

static int accept_close_queued(struct tlsh_nl *nl)
{
	int closed = 0;

	tlsh_nl_for_each_queued(nl, TLSH_CMD_ACCEPT, close_queued_fd, &closed);
	return closed;
}

int tlsh_nl_accept(struct tlsh_nl *nl, uint32_t listener_id, int *fd,
		   uint32_t *from_listener)
{
	struct nl_msg *req = tlsh_nl_msg_new(nl, TLSH_CMD_ACCEPT);
	struct accept_reply r = { .fd = -1 };
	int err;

	if (!req || (listener_id &&
		     put_u32(req, TLSH_A_LISTENER_ID, listener_id))) {
		nlmsg_free(req);
		return set_error(nl, TLSH_CMD_ACCEPT, -ENOMEM, NULL);
	}
	err = tlsh_nl_transact(nl, req, parse_accept_reply, &r);
	if (err) {
		/*
		 * The kernel may have installed an fd and failed after (or
		 * we did, reading the ack): the connection is the module's
		 * again when its fd is closed, and it resets it.
		 */
		if (r.fd >= 0)
			close(r.fd);
		else if (err != -EAGAIN && err != -ENOENT && err != -ESRCH)
			accept_close_queued(nl);
		return err;
	}
	if (r.fd < 0)
		return set_error(nl, TLSH_CMD_ACCEPT, -EPROTO, "no fd");
	*fd = r.fd;
	if (from_listener)
		*from_listener = r.listener_id;
	return 0;
}

int tlsh_nl_done(struct tlsh_nl *nl, int fd, uint32_t status)
{
	struct nl_msg *req = tlsh_nl_msg_new(nl, TLSH_CMD_DONE);

	if (!req || put_u32(req, TLSH_A_FD, (uint32_t)fd) ||
	    put_u32(req, TLSH_A_STATUS, status)) {
		nlmsg_free(req);
		return set_error(nl, TLSH_CMD_DONE, -ENOMEM, NULL);
	}
	return tlsh_nl_transact(nl, req, NULL, NULL);
}

/* Join group name; missing: the error if tlsh.ko does not have it. */
static int join_group(struct tlsh_nl *nl, const char *name, uint8_t cmd,
		      int missing)
{
	int grp, ret;

	grp = genl_ctrl_resolve_grp(nl->sock, TLSH_GENL_NAME, name);
	if (grp < 0)
		return set_error(nl, cmd,
				 grp == -NLE_OBJ_NOTFOUND ? missing :
				 nlerr_to_errno(grp), NULL);
	ret = nl_socket_add_membership(nl->sock, grp);
	if (ret < 0) {
		ret = nlerr_to_errno(ret);
		snprintf(nl->errmsg, sizeof(nl->errmsg),
			 "cannot join tlsh group \"%s\": %s%s", name,
			 strerror(-ret),
			 ret == -EPERM ? " (needs CAP_NET_ADMIN)" : "");
		return ret;
	}
	return 0;
}

int tlsh_nl_join_ready(struct tlsh_nl *nl)
{
	return join_group(nl, TLSH_MCGRP_READY, TLSH_CMD_READY, -ENOENT);
}

int tlsh_nl_join_events(struct tlsh_nl *nl)
{
	/* The family resolved when nl was opened: an older module. */
	return join_group(nl, TLSH_MCGRP_EVENTS, TLSH_CMD_EVENT, -EOPNOTSUPP);
}

int tlsh_nl_fd(const struct tlsh_nl *nl)
{
	return nl_socket_get_fd(nl->sock);
}

/* Takes one notification's attributes; 0 to return it, -1 to skip it. */
typedef int (*notification_fn)(struct nlattr **tb, void *arg);

/*
 * The next notification cmd on nl, without blocking: 0 once fn took one,
 * -EAGAIN when there is none, or -errno (-ENOBUFS: some were lost).
 */
static int read_notification(struct tlsh_nl *nl, uint8_t cmd,
			     struct nla_policy *policy, notification_fn fn,
			     void *arg)
{
	/* Aligned for struct nlmsghdr. */
	uint32_t buf[1024];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	ssize_t n;
	int len;

	for (;;) {
		n = recv(nl_socket_get_fd(nl->sock), buf, sizeof(buf),
			 MSG_DONTWAIT);
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		for (len = (int)n; nlmsg_ok(nlh, len);
		     nlh = nlmsg_next(nlh, &len)) {
			struct genlmsghdr *gh = nlmsg_data(nlh);
			struct nlattr *tb[TLSH_A_MAX + 1];

			if (nlh->nlmsg_type != nl->family_id ||
			    !genlmsg_valid_hdr(nlh, 0) || gh->cmd != cmd ||
			    genlmsg_parse(nlh, 0, tb, TLSH_A_MAX, policy) < 0 ||
			    fn(tb, arg))
				continue;
			return 0;
		}
		nlh = (struct nlmsghdr *)buf;
	}
}

static int take_ready(struct nlattr **tb, void *arg)
{
	if (!tb[TLSH_A_LISTENER_ID])
		return -1;
	*(uint32_t *)arg = nla_get_u32(tb[TLSH_A_LISTENER_ID]);
	return 0;
}

int tlsh_nl_read_ready(struct tlsh_nl *nl, uint32_t *listener_id)
{
	static struct nla_policy policy[TLSH_A_MAX + 1] = {
		[TLSH_A_LISTENER_ID]	= { .type = NLA_U32 },
	};

	return read_notification(nl, TLSH_CMD_READY, policy, take_ready,
				 listener_id);
}

static int u8_or_none(struct nlattr *attr)
{
	return attr ? nla_get_u8(attr) : -1;
}

static int take_event(struct nlattr **tb, void *arg)
{
	struct tlsh_nl_event *ev = arg;

	if (!tb[TLSH_A_LISTENER_ID] || !tb[TLSH_A_EVENT])
		return -1;
	memset(ev, 0, sizeof(*ev));
	ev->listener_id = nla_get_u32(tb[TLSH_A_LISTENER_ID]);
	ev->kind = nla_get_u32(tb[TLSH_A_EVENT]);
	ev->alert_desc = u8_or_none(tb[TLSH_A_ALERT_DESC]);
	ev->hs_type = u8_or_none(tb[TLSH_A_HS_TYPE]);
	ev->record_type = u8_or_none(tb[TLSH_A_RECORD_TYPE]);
	if (tb[TLSH_A_PEER])
		tlsh_addr_str(nla_data(tb[TLSH_A_PEER]),
			      (socklen_t)nla_len(tb[TLSH_A_PEER]), ev->peer,
			      sizeof(ev->peer));
	else
		snprintf(ev->peer, sizeof(ev->peer), "?");
	return 0;
}

int tlsh_nl_read_event(struct tlsh_nl *nl, struct tlsh_nl_event *ev)
{
	static struct nla_policy policy[TLSH_A_MAX + 1] = {
		[TLSH_A_LISTENER_ID]	= { .type = NLA_U32 },
		[TLSH_A_EVENT]		= { .type = NLA_U32 },
		[TLSH_A_ALERT_DESC]	= { .type = NLA_U8 },
		[TLSH_A_HS_TYPE]	= { .type = NLA_U8 },
		[TLSH_A_RECORD_TYPE]	= { .type = NLA_U8 },
	};

	return read_notification(nl, TLSH_CMD_EVENT, policy, take_event, ev);
}
