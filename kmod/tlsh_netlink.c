// SPDX-License-Identifier: GPL-2.0
/*
 * The "tlsh" generic netlink family: the control interface of tlsh.ko.
 *
 * Only TLSH_CMD_GET is registered. The rest of the protocol declared in
 * uapi/tlsh.h gets handlers as it is built; until then the genetlink core
 * answers those commands with EOPNOTSUPP.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "tlsh_internal.h"

enum tlsh_mcgrp {
	TLSH_MCGRP_READY_ID,
};

/*
 * GET takes no attributes yet (a TLSH_A_LISTENER_ID filter is planned), so
 * every entry stays NLA_UNSPEC. resv_start_op is left at 0, which makes the
 * core validate every command strictly: any attribute sent with GET fails
 * with EINVAL and an extack message instead of being ignored.
 */
static const struct nla_policy tlsh_get_policy[TLSH_A_MAX + 1] = {};

static struct genl_family tlsh_genl_family;

static size_t tlsh_counters_size(void)
{
	/* One u64 per counter from PENDING on, inside one nest. */
	return nla_total_size(0) +
	       (TLSH_COUNTER_MAX - TLSH_COUNTER_PAD) * nla_total_size_64bit(8);
}

static int tlsh_put_counters(struct sk_buff *msg, struct tlsh_net *tn)
{
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(msg, TLSH_A_COUNTERS);
	if (!nest)
		return -EMSGSIZE;

	for (i = TLSH_COUNTER_PENDING; i <= TLSH_COUNTER_MAX; i++) {
		if (nla_put_u64_64bit(msg, i, atomic64_read(&tn->counters[i]),
				      TLSH_COUNTER_PAD)) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
	}

	nla_nest_end(msg, nest);
	return 0;
}

static int tlsh_nl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsh_net *tn = tlsh_net(genl_info_net(info));
	struct sk_buff *msg;
	size_t size;
	void *hdr;
	int err;

	size = nla_total_size(sizeof(TLSH_MODULE_VERSION)) +
	       tlsh_counters_size();
	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &tlsh_genl_family, 0, TLSH_CMD_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free;
	}

	err = nla_put_string(msg, TLSH_A_MODULE_VERSION, TLSH_MODULE_VERSION);
	if (err)
		goto err_free;

	err = tlsh_put_counters(msg, tn);
	if (err)
		goto err_free;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}

static const struct genl_ops tlsh_genl_ops[] = {
	{
		.cmd = TLSH_CMD_GET,
		.doit = tlsh_nl_get_doit,
		.policy = tlsh_get_policy,
		.maxattr = ARRAY_SIZE(tlsh_get_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group tlsh_genl_mcgrps[] = {
	[TLSH_MCGRP_READY_ID] = {
		.name = TLSH_MCGRP_READY,
		/* READY will announce other processes' connections. */
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

static struct genl_family tlsh_genl_family __ro_after_init = {
	.name = TLSH_GENL_NAME,
	.version = TLSH_GENL_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = tlsh_genl_ops,
	.n_ops = ARRAY_SIZE(tlsh_genl_ops),
	.mcgrps = tlsh_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(tlsh_genl_mcgrps),
};

int __init tlsh_netlink_init(void)
{
	return genl_register_family(&tlsh_genl_family);
}

void tlsh_netlink_exit(void)
{
	genl_unregister_family(&tlsh_genl_family);
}
