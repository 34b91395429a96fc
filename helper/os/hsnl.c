// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink client for the kernel's handshake upcall (os/hsnl.h).
 *
 * The family is described by the generic netlink controller: its id, its
 * operations and multicast groups (CTRL_CMD_GETFAMILY), and the attributes
 * each operation takes (CTRL_CMD_GETPOLICY). Reading those tells what this
 * kernel supports without sending it a command it might reject, which
 * would log a warning there.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "os/hsnl.h"

static const char *const msg_names[] = {
	[TLSH_HS_MSG_CLIENTHELLO]	= "ClientHello",
	[TLSH_HS_MSG_SERVERHELLO]	= "ServerHello",
};

const char *tlsh_hs_msg_name(uint32_t msg_type)
{
	return tlsh_name_at(msg_names, sizeof(msg_names) / sizeof(msg_names[0]),
			    msg_type, "?");
}

static const char *const auth_names[] = {
	[TLSH_HS_AUTH_UNAUTH]	= "unauth",
	[TLSH_HS_AUTH_PSK]	= "psk",
	[TLSH_HS_AUTH_X509]	= "x509",
};

const char *tlsh_hs_auth_name(uint32_t auth_mode)
{
	return tlsh_name_at(auth_names,
			    sizeof(auth_names) / sizeof(auth_names[0]),
			    auth_mode, "?");
}

/* ---- controller requests ---- */

typedef int (*ctrl_reply_fn)(struct nlattr **tb, void *arg);

struct ctrl_call {
	ctrl_reply_fn fn;
	void *arg;
};

static int ctrl_reply(struct nl_msg *msg, void *arg)
{
	struct ctrl_call *c = arg;
	struct nlattr *tb[CTRL_ATTR_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CTRL_ATTR_MAX, NULL) < 0)
		return -EPROTO;
	return c->fn(tb, c->arg);
}

/* Send req (consumed) to the controller; fn for every reply. 0 / -errno. */
static int ctrl_transact(struct tlsh_nl *nl, struct nl_msg *req,
			 ctrl_reply_fn fn, void *arg)
{
	struct ctrl_call c = { .fn = fn, .arg = arg };

	return tlsh_nl_transact_any(nl, req, ctrl_reply, &c);
}

static struct nl_msg *ctrl_msg(uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL,
				0, flags, cmd, 1)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

static int take_family(struct nlattr **tb, void *arg)
{
	struct tlsh_hs_family *fam = arg;
	struct nlattr *a, *g[CTRL_ATTR_MCAST_GRP_MAX + 1];
	struct nlattr *op[CTRL_ATTR_OP_MAX + 1];
	uint32_t id;
	int rem;

	if (!tb[CTRL_ATTR_FAMILY_ID])
		return -EPROTO;
	fam->id = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_OPS])
		nla_for_each_nested(a, tb[CTRL_ATTR_OPS], rem) {
			if (nla_parse_nested(op, CTRL_ATTR_OP_MAX, a, NULL) ||
			    !op[CTRL_ATTR_OP_ID])
				continue;
			id = nla_get_u32(op[CTRL_ATTR_OP_ID]);
			fam->has_accept |= id == TLSH_HS_CMD_ACCEPT;
			fam->has_done |= id == TLSH_HS_CMD_DONE;
		}
	if (tb[CTRL_ATTR_MCAST_GROUPS])
		nla_for_each_nested(a, tb[CTRL_ATTR_MCAST_GROUPS], rem) {
			if (nla_parse_nested(g, CTRL_ATTR_MCAST_GRP_MAX, a,
					     NULL) ||
			    !g[CTRL_ATTR_MCAST_GRP_NAME] ||
			    !g[CTRL_ATTR_MCAST_GRP_ID])
				continue;
			if (!strcmp(nla_get_string(g[CTRL_ATTR_MCAST_GRP_NAME]),
				    TLSH_HS_GROUP_TLSHD))
				fam->group_tlshd = (int)nla_get_u32(
					g[CTRL_ATTR_MCAST_GRP_ID]);
		}
	return 0;
}

/*
 * GETPOLICY for DONE: CTRL_ATTR_POLICY { policy index { attribute type
 * { NL_POLICY_TYPE_ATTR_* } } }. Only DONE's policy is dumped, so any
 * attribute listed under any index is one DONE takes.
 */
static int take_done_policy(struct nlattr **tb, void *arg)
{
	struct tlsh_hs_family *fam = arg;
	struct nlattr *idx, *attr;
	int r1, r2;

	if (!tb[CTRL_ATTR_POLICY])
		return 0;
	nla_for_each_nested(idx, tb[CTRL_ATTR_POLICY], r1)
		nla_for_each_nested(attr, idx, r2)
			if (nla_type(attr) == TLSH_HS_A_DONE_REMOTE_AUTH)
				fam->done_remote_auth = true;
	return 0;
}

int tlsh_hsnl_open(struct tlsh_nl *nl, struct tlsh_hs_family *fam)
{
	struct nl_msg *req;
	int ret;

	memset(fam, 0, sizeof(*fam));
	ret = tlsh_nl_connect(nl);
	if (ret)
		return ret;
	req = ctrl_msg(CTRL_CMD_GETFAMILY, 0);
	if (!req || nla_put_string(req, CTRL_ATTR_FAMILY_NAME, TLSH_HS_FAMILY)) {
		nlmsg_free(req);
		ret = -ENOMEM;
		snprintf(nl->errmsg, sizeof(nl->errmsg), "out of memory");
		goto fail;
	}
	ret = ctrl_transact(nl, req, take_family, fam);
	if (ret) {
		snprintf(nl->errmsg, sizeof(nl->errmsg),
			 ret == -ENOENT ?
			 "the kernel has no \"%s\" generic netlink family (Linux 6.5 or later with CONFIG_NET_HANDSHAKE)" :
			 "cannot resolve generic netlink family \"%s\"",
			 TLSH_HS_FAMILY);
		goto fail;
	}
	nl->family_id = fam->id;
	if (!fam->has_accept || !fam->has_done || !fam->group_tlshd) {
		snprintf(nl->errmsg, sizeof(nl->errmsg),
			 "the kernel's \"%s\" family has no %s",
			 TLSH_HS_FAMILY, !fam->group_tlshd ?
			 "\"" TLSH_HS_GROUP_TLSHD "\" group" :
			 "ACCEPT or DONE operation");
		ret = -EOPNOTSUPP;
		goto fail;
	}
	/* Kernels without GETPOLICY (before 5.10) have no such family. */
	req = ctrl_msg(CTRL_CMD_GETPOLICY, NLM_F_DUMP);
	if (req && (nla_put_u16(req, CTRL_ATTR_FAMILY_ID, (uint16_t)fam->id) ||
		    nla_put_u32(req, CTRL_ATTR_OP, TLSH_HS_CMD_DONE))) {
		nlmsg_free(req);
		req = NULL;
	}
	if (!req || ctrl_transact(nl, req, take_done_policy, fam))
		fam->done_remote_auth = false;
	return 0;
fail:
	tlsh_nl_close(nl);
	return ret;
}

int tlsh_hsnl_connect(struct tlsh_nl *nl, const struct tlsh_hs_family *fam)
{
	int ret = tlsh_nl_connect(nl);

	if (!ret)
		nl->family_id = fam->id;
	return ret;
}

int tlsh_hsnl_join(struct tlsh_nl *nl, const struct tlsh_hs_family *fam)
{
	int ret = nl_socket_add_membership(nl->sock, fam->group_tlshd);

	if (ret < 0) {
		ret = ret == -NLE_PERM ? -EPERM : -EIO;
		snprintf(nl->errmsg, sizeof(nl->errmsg),
			 "cannot join the kernel's \"%s\" handshake group: %s",
			 TLSH_HS_GROUP_TLSHD, strerror(-ret));
		return ret;
	}
	return 0;
}

/* One READY: counted if it is for handler class tlshd (or names none). */
static void count_ready(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[TLSH_HS_A_ACCEPT_MAX + 1];
	struct nlattr *class;

	if (genlmsg_parse(nlh, 0, tb, TLSH_HS_A_ACCEPT_MAX, NULL) < 0)
		return;
	class = tb[TLSH_HS_A_ACCEPT_HANDLER_CLASS];
	if (class && (nla_len(class) != sizeof(uint32_t) ||
		      nla_get_u32(class) != TLSH_HS_CLASS_TLSHD))
		return;		/* another class's: not ours to claim */
	(*(int *)arg)++;
}

int tlsh_hsnl_read_ready(struct tlsh_nl *nl, const struct tlsh_hs_family *fam)
{
	int count = 0;
	int err;

	(void)fam;	/* nl->family_id is the family's */
	err = tlsh_nl_for_each_queued(nl, TLSH_HS_CMD_READY, count_ready,
				      &count);
	return err ? err : count;
}

static int u32_attr(const struct nlattr *a, uint32_t *out)
{
	if (!a)
		return 0;
	if (nla_len(a) != sizeof(uint32_t))
		return -EPROTO;
	*out = nla_get_u32((struct nlattr *)a);
	return 0;
}

int tlsh_hsnl_parse_accept(const struct nlmsghdr *nlh, struct tlsh_hs_req *req)
{
	struct nlattr *tb[TLSH_HS_A_ACCEPT_MAX + 1];
	struct nlattr *x[TLSH_HS_A_X509_MAX + 1];
	struct nlattr *a;
	uint32_t fd;
	int rem;

	memset(req, 0, sizeof(*req));
	req->fd = -1;
	if (!genlmsg_valid_hdr((struct nlmsghdr *)nlh, 0) ||
	    genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, TLSH_HS_A_ACCEPT_MAX,
			  NULL) < 0)
		return -EPROTO;
	if (!tb[TLSH_HS_A_ACCEPT_SOCKFD] ||
	    u32_attr(tb[TLSH_HS_A_ACCEPT_SOCKFD], &fd) || (int32_t)fd < 0)
		return -EPROTO;
	req->fd = (int32_t)fd;
	if (u32_attr(tb[TLSH_HS_A_ACCEPT_MESSAGE_TYPE], &req->msg_type) ||
	    u32_attr(tb[TLSH_HS_A_ACCEPT_TIMEOUT], &req->timeout_ms) ||
	    u32_attr(tb[TLSH_HS_A_ACCEPT_AUTH_MODE], &req->auth_mode) ||
	    u32_attr(tb[TLSH_HS_A_ACCEPT_KEYRING], &req->keyring))
		return -EPROTO;
	a = tb[TLSH_HS_A_ACCEPT_PEERNAME];
	if (a) {
		/* A NUL-terminated string of at most our buffer, no empty one. */
		size_t len = strnlen(nla_data(a), (size_t)nla_len(a));

		if (len == 0 || len == (size_t)nla_len(a) ||
		    len >= sizeof(req->peername))
			return -EPROTO;
		memcpy(req->peername, nla_data(a), len + 1);
		req->has_peername = true;
	}
	/* Repeated attributes: walk the message, genlmsg_parse keeps one. */
	nlmsg_for_each_attr(a, (struct nlmsghdr *)nlh, GENL_HDRLEN, rem) {
		uint32_t serial = 0;

		if (nla_type(a) != TLSH_HS_A_ACCEPT_PEER_IDENTITY)
			continue;
		if (u32_attr(a, &serial) ||
		    req->n_peerids == TLSH_HS_MAX_PEERIDS)
			return -EPROTO;
		req->peerids[req->n_peerids++] = serial;
	}
	a = tb[TLSH_HS_A_ACCEPT_CERTIFICATE];
	if (a) {
		if (nla_parse_nested(x, TLSH_HS_A_X509_MAX, a, NULL) ||
		    u32_attr(x[TLSH_HS_A_X509_CERT], &req->cert_serial) ||
		    u32_attr(x[TLSH_HS_A_X509_PRIVKEY], &req->privkey_serial))
			return -EPROTO;
	}
	return 0;
}

struct accept_reply {
	struct tlsh_hs_req *req;
	int fd;		/* the first fd seen, closed on failure */
	int err;
	bool got;
};

static int on_accept_reply(struct nl_msg *msg, void *arg)
{
	struct accept_reply *r = arg;
	struct tlsh_hs_req req;
	int err = tlsh_hsnl_parse_accept(nlmsg_hdr(msg), &req);

	if (r->got) {		/* a second reply: not ours to serve */
		if (req.fd >= 0)
			close(req.fd);
		return -EPROTO;
	}
	r->got = true;
	r->fd = req.fd;
	*r->req = req;
	return err;
}

int tlsh_hsnl_accept(struct tlsh_nl *nl, struct tlsh_hs_req *req)
{
	struct nl_msg *msg = tlsh_nl_msg_new(nl, TLSH_HS_CMD_ACCEPT);
	struct accept_reply r = { .req = req, .fd = -1 };
	int err;

	if (!msg || nla_put_u32(msg, TLSH_HS_A_ACCEPT_HANDLER_CLASS,
				TLSH_HS_CLASS_TLSHD)) {
		nlmsg_free(msg);
		snprintf(nl->errmsg, sizeof(nl->errmsg), "out of memory");
		return -ENOMEM;
	}
	err = tlsh_nl_transact(nl, msg, on_accept_reply, &r);
	if (!err && !r.got)
		err = -EPROTO;
	if (err) {
		if (r.fd >= 0)
			close(r.fd);
		req->fd = -1;
		if (err != -EAGAIN)
			snprintf(nl->errmsg, sizeof(nl->errmsg),
				 "handshake ACCEPT: %s", strerror(-err));
	}
	return err;
}

int tlsh_hsnl_done(struct tlsh_nl *nl, const struct tlsh_hs_family *fam,
		 int fd, uint32_t status, uint32_t remote_auth)
{
	struct nl_msg *msg = tlsh_nl_msg_new(nl, TLSH_HS_CMD_DONE);
	int err;

	if (!msg || nla_put_u32(msg, TLSH_HS_A_DONE_STATUS, status) ||
	    nla_put_u32(msg, TLSH_HS_A_DONE_SOCKFD, (uint32_t)fd) ||
	    (remote_auth && fam->done_remote_auth &&
	     nla_put_u32(msg, TLSH_HS_A_DONE_REMOTE_AUTH, remote_auth))) {
		nlmsg_free(msg);
		snprintf(nl->errmsg, sizeof(nl->errmsg), "out of memory");
		return -ENOMEM;
	}
	err = tlsh_nl_transact(nl, msg, NULL, NULL);
	if (err)
		snprintf(nl->errmsg, sizeof(nl->errmsg), "handshake DONE: %s",
			 strerror(-err));
	return err;
}
