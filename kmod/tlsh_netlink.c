// SPDX-License-Identifier: GPL-2.0
/*
 * The "tlsh" generic netlink family: the control interface of tlsh.ko.
 *
 * This file parses and answers messages; the work is done in
 * tlsh_listener.c (ATTACH, DETACH) and tlsh_conn.c (ACCEPT, DONE). Every
 * command needs CAP_NET_ADMIN and acts on the caller's network namespace.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/inet_sock.h>
#include <net/netlink.h>

#include "tlsh_internal.h"

enum tlsh_mcgrp {
	TLSH_MCGRP_READY_ID,
	TLSH_MCGRP_EVENTS_ID,
};

/*
 * resv_start_op is left at 0, which makes the core validate every command
 * strictly: an attribute a command does not take (NLA_UNSPEC in its
 * policy) fails with EINVAL and an extack message instead of being ignored.
 * GET takes no attributes.
 */
static const struct nla_policy tlsh_get_policy[TLSH_A_MAX + 1] = {};

static struct netlink_range_validation tlsh_timeout_range = {
	.min = 1, .max = TLSH_MAX_TIMEOUT_MS,
};

static struct netlink_range_validation tlsh_max_in_flight_range = {
	.min = 1, .max = TLSH_MAX_MAX_IN_FLIGHT,
};

static const struct nla_policy tlsh_attach_policy[TLSH_A_MAX + 1] = {
	[TLSH_A_FD] = NLA_POLICY_MIN(NLA_S32, 0),
	[TLSH_A_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32,
						    &tlsh_timeout_range),
	[TLSH_A_MAX_IN_FLIGHT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &tlsh_max_in_flight_range),
	[TLSH_A_CLOSE_NOTIFY] = NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy tlsh_detach_policy[TLSH_A_MAX + 1] = {
	[TLSH_A_LISTENER_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy tlsh_accept_policy[TLSH_A_MAX + 1] = {
	[TLSH_A_LISTENER_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy tlsh_done_policy[TLSH_A_MAX + 1] = {
	[TLSH_A_FD] = NLA_POLICY_MIN(NLA_S32, 0),
	[TLSH_A_STATUS] = NLA_POLICY_MAX(NLA_U32, MAX_ERRNO),
};

static struct genl_family tlsh_genl_family;

static size_t tlsh_counters_size(void)
{
	/* One u64 per counter from PENDING on, inside one nest. */
	return nla_total_size(0) +
	       (TLSH_COUNTER_MAX - TLSH_COUNTER_PAD) * nla_total_size_64bit(8);
}

static int tlsh_put_counters(struct sk_buff *msg, struct tlsh_net *tn,
			     const struct tlsh_listener *l)
{
	struct nlattr *nest;
	u64 value;
	int i;

	nest = nla_nest_start(msg, TLSH_A_COUNTERS);
	if (!nest)
		return -EMSGSIZE;

	for (i = TLSH_COUNTER_PENDING; i <= TLSH_COUNTER_MAX; i++) {
		/* After-accept counters are kept per netns only. */
		if (l && i >= TLSH_COUNTER_CLOSE_NOTIFY &&
		    i <= TLSH_COUNTER_POSTHS)
			continue;
		value = l ? l->counters[i] : atomic64_read(&tn->counters[i]);
		if (nla_put_u64_64bit(msg, i, value, TLSH_COUNTER_PAD)) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
	}

	nla_nest_end(msg, nest);
	return 0;
}

static size_t tlsh_listener_size(void)
{
	return nla_total_size(0) + 3 * nla_total_size(sizeof(u32)) +
	       nla_total_size(sizeof(u8)) + tlsh_counters_size();
}

/* One TLSH_A_LISTENER nest. Under tlsh_mutex. */
static int tlsh_put_listener(struct sk_buff *msg, struct tlsh_listener *l)
{
	struct nlattr *nest;
	int err = -EMSGSIZE;

	nest = nla_nest_start(msg, TLSH_A_LISTENER);
	if (!nest)
		return err;
	if (nla_put_u32(msg, TLSH_A_LISTENER_ID, l->id) ||
	    nla_put_u32(msg, TLSH_A_TIMEOUT_MS, l->timeout_ms) ||
	    nla_put_u32(msg, TLSH_A_MAX_IN_FLIGHT, l->max_in_flight) ||
	    nla_put_u8(msg, TLSH_A_CLOSE_NOTIFY, tlsh_listener_close_notify(l)))
		goto cancel;
	spin_lock(&l->lock);
	err = tlsh_put_counters(msg, NULL, l);
	spin_unlock(&l->lock);
	if (err)
		goto cancel;
	nla_nest_end(msg, nest);
	return 0;
cancel:
	nla_nest_cancel(msg, nest);
	return err;
}

static int tlsh_nl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsh_net *tn = tlsh_net(genl_info_net(info));
	struct tlsh_listener *l;
	struct sk_buff *msg;
	size_t size;
	void *hdr;
	int err;

	mutex_lock(&tlsh_mutex);
	size = nla_total_size(sizeof(TLSH_MODULE_VERSION)) +
	       tlsh_counters_size();
	list_for_each_entry(l, &tn->listeners, net_node)
		size += tlsh_listener_size();
	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg) {
		err = -ENOMEM;
		goto out_unlock;
	}

	hdr = genlmsg_put_reply(msg, info, &tlsh_genl_family, 0, TLSH_CMD_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free;
	}

	err = nla_put_string(msg, TLSH_A_MODULE_VERSION, TLSH_MODULE_VERSION);
	if (err)
		goto err_free;

	err = tlsh_put_counters(msg, tn, NULL);
	if (err)
		goto err_free;

	list_for_each_entry(l, &tn->listeners, net_node) {
		err = tlsh_put_listener(msg, l);
		if (err)
			goto err_free;
	}
	mutex_unlock(&tlsh_mutex);

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
out_unlock:
	mutex_unlock(&tlsh_mutex);
	return err;
}

static int tlsh_nl_attach_doit(struct sk_buff *skb, struct genl_info *info)
{
	u32 timeout_ms = TLSH_DEFAULT_TIMEOUT_MS;
	u32 max_in_flight = TLSH_DEFAULT_MAX_IN_FLIGHT;
	int close_notify = -1;
	struct sk_buff *msg;
	void *hdr;
	u32 id;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TLSH_A_FD))
		return -EINVAL;
	if (info->attrs[TLSH_A_TIMEOUT_MS])
		timeout_ms = nla_get_u32(info->attrs[TLSH_A_TIMEOUT_MS]);
	if (info->attrs[TLSH_A_MAX_IN_FLIGHT])
		max_in_flight = nla_get_u32(info->attrs[TLSH_A_MAX_IN_FLIGHT]);
	if (info->attrs[TLSH_A_CLOSE_NOTIFY])
		close_notify = nla_get_u8(info->attrs[TLSH_A_CLOSE_NOTIFY]);

	msg = genlmsg_new(nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &tlsh_genl_family, 0,
				TLSH_CMD_ATTACH);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}

	err = tlsh_listener_attach(genl_info_net(info),
				   nla_get_s32(info->attrs[TLSH_A_FD]),
				   timeout_ms, max_in_flight, close_notify, &id,
				   info->extack);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	/* The listener stays attached even if the reply is lost. */
	if (nla_put_u32(msg, TLSH_A_LISTENER_ID, id)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int tlsh_nl_detach_doit(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, TLSH_A_LISTENER_ID))
		return -EINVAL;
	return tlsh_listener_detach(genl_info_net(info),
				    nla_get_u32(info->attrs[TLSH_A_LISTENER_ID]),
				    info->extack);
}

static int tlsh_nl_accept_doit(struct sk_buff *skb, struct genl_info *info)
{
	u32 id = 0;

	tlsh_nl_daemon_seen(genl_info_net(info), info->snd_portid);
	if (info->attrs[TLSH_A_LISTENER_ID])
		id = nla_get_u32(info->attrs[TLSH_A_LISTENER_ID]);
	return tlsh_conn_accept(info, id);
}

static int tlsh_nl_done_doit(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, TLSH_A_FD) ||
	    GENL_REQ_ATTR_CHECK(info, TLSH_A_STATUS))
		return -EINVAL;
	return tlsh_conn_done(genl_info_net(info),
			      nla_get_s32(info->attrs[TLSH_A_FD]),
			      nla_get_u32(info->attrs[TLSH_A_STATUS]),
			      info->extack);
}

/* The reply to ACCEPT, built before anything irreversible happens. */
int tlsh_nl_accept_reply(struct genl_info *info, int fd, u32 listener_id,
			 struct sk_buff **msgp)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(2 * nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &tlsh_genl_family, 0,
				TLSH_CMD_ACCEPT);
	if (!hdr || nla_put_s32(msg, TLSH_A_FD, fd) ||
	    nla_put_u32(msg, TLSH_A_LISTENER_ID, listener_id)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	*msgp = msg;
	return 0;
}

/*
 * Joining READY takes CAP_NET_ADMIN in the netns's own user namespace (the
 * only check a 6.1 multicast group can have), every command CAP_NET_ADMIN
 * in the initial one. So that a root of a user namespace cannot pass for
 * a daemon by subscribing (connections would then wait for their timeout
 * instead of failing fast), a daemon is a READY subscriber plus at least
 * one netlink socket of the netns that has used ACCEPT and is still open.
 */
bool tlsh_nl_has_daemon(struct net *net)
{
	return !xa_empty(&tlsh_net(net)->daemons) &&
	       genl_has_listeners(&tlsh_genl_family, net,
				  TLSH_MCGRP_READY_ID) > 0;
}

/* portid of net used ACCEPT: remember it until its socket is released. */
void tlsh_nl_daemon_seen(struct net *net, u32 portid)
{
	struct xarray *daemons = &tlsh_net(net)->daemons;

	if (portid && !xa_load(daemons, portid))
		xa_store(daemons, portid, xa_mk_value(1), GFP_KERNEL);
}

static int tlsh_nl_release_notify(struct notifier_block *nb,
				  unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC &&
	    n->portid)
		xa_erase(&tlsh_net(n->net)->daemons, n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block tlsh_nl_notifier = {
	.notifier_call = tlsh_nl_release_notify,
};

/* Multicast READY: a connection on listener_id waits for a daemon. */
void tlsh_nl_notify_ready(struct net *net, u32 listener_id)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!msg)
		return;	/* the entry still waits for ACCEPT or its timeout */
	hdr = genlmsg_put(msg, 0, 0, &tlsh_genl_family, 0, TLSH_CMD_READY);
	if (!hdr || nla_put_u32(msg, TLSH_A_LISTENER_ID, listener_id)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&tlsh_genl_family, net, msg, 0,
				TLSH_MCGRP_READY_ID, GFP_KERNEL);
}

/* TLSH_A_PEER: the remote address of a connected inet socket. */
static int tlsh_put_peer(struct sk_buff *msg, const struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);

	if (sk->sk_family == AF_INET) {
		struct sockaddr_in sin;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = inet->inet_dport;
		sin.sin_addr.s_addr = inet->inet_daddr;
		return nla_put(msg, TLSH_A_PEER, sizeof(sin), &sin);
	}
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		struct sockaddr_in6 sin6;

		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = inet->inet_dport;
		sin6.sin6_addr = sk->sk_v6_daddr;
		return nla_put(msg, TLSH_A_PEER, sizeof(sin6), &sin6);
	}
#endif
	return 0;
}

/*
 * Multicast EVENT: tlsh.ko ended sk, accepted from listener_id, because
 * of what its peer sent; attr (0: none) carries value, the detail. Called
 * by the application's socket calls, in process context; costs nothing
 * but this check while nobody subscribes.
 */
void tlsh_nl_notify_event(struct sock *sk, u32 listener_id, u32 event,
			  int attr, u8 value)
{
	struct net *net = sock_net(sk);
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&tlsh_genl_family, net, TLSH_MCGRP_EVENTS_ID))
		return;
	msg = genlmsg_new(2 * nla_total_size(sizeof(u32)) +
			  nla_total_size(sizeof(u8)) +
			  nla_total_size(sizeof(struct sockaddr_in6)),
			  GFP_KERNEL);
	if (!msg)
		return;	/* the counters still have it */
	hdr = genlmsg_put(msg, 0, 0, &tlsh_genl_family, 0, TLSH_CMD_EVENT);
	if (!hdr || nla_put_u32(msg, TLSH_A_LISTENER_ID, listener_id) ||
	    nla_put_u32(msg, TLSH_A_EVENT, event) ||
	    (attr && nla_put_u8(msg, attr, value)) || tlsh_put_peer(msg, sk)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&tlsh_genl_family, net, msg, 0,
				TLSH_MCGRP_EVENTS_ID, GFP_KERNEL);
}

/* Every command: admin only, with its own policy. */
#define TLSH_GENL_OP(_cmd, _name) {					\
	.cmd = TLSH_CMD_##_cmd,						\
	.doit = tlsh_nl_##_name##_doit,					\
	.policy = tlsh_##_name##_policy,				\
	.maxattr = ARRAY_SIZE(tlsh_##_name##_policy) - 1,		\
	.flags = GENL_ADMIN_PERM,					\
}

static const struct genl_ops tlsh_genl_ops[] = {
	TLSH_GENL_OP(GET, get),
	TLSH_GENL_OP(ATTACH, attach),
	TLSH_GENL_OP(DETACH, detach),
	TLSH_GENL_OP(ACCEPT, accept),
	TLSH_GENL_OP(DONE, done),
};

static const struct genl_multicast_group tlsh_genl_mcgrps[] = {
	[TLSH_MCGRP_READY_ID] = {
		.name = TLSH_MCGRP_READY,
		/* READY will announce other processes' connections. */
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
	[TLSH_MCGRP_EVENTS_ID] = {
		.name = TLSH_MCGRP_EVENTS,
		/* EVENT names other processes' peers. */
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

static struct genl_family tlsh_genl_family __ro_after_init = {
	.name = TLSH_GENL_NAME,
	.version = TLSH_GENL_VERSION,
	.netnsok = true,
	/* ACCEPT and DONE of many daemon threads must not queue on genl_mutex. */
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = tlsh_genl_ops,
	.n_ops = ARRAY_SIZE(tlsh_genl_ops),
	.mcgrps = tlsh_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(tlsh_genl_mcgrps),
};

int __init tlsh_netlink_init(void)
{
	int err;

	err = netlink_register_notifier(&tlsh_nl_notifier);
	if (err)
		return err;
	err = genl_register_family(&tlsh_genl_family);
	if (err)
		netlink_unregister_notifier(&tlsh_nl_notifier);
	return err;
}

void tlsh_netlink_exit(void)
{
	genl_unregister_family(&tlsh_genl_family);
	netlink_unregister_notifier(&tlsh_nl_notifier);
}
