// SPDX-License-Identifier: GPL-2.0
/*
 * tlsh.ko: holds connections accepted on attached listeners until the
 * tlshelper daemon has done their TLS handshake and installed kTLS.
 *
 * This file owns module load and unload; the generic netlink family lives
 * in tlsh_netlink.c, attached listeners in tlsh_listener.c and the held
 * connections in tlsh_conn.c.
 *
 * Unload is refused while any socket uses the module's proto_ops: each
 * such socket holds a module reference (ops->owner), so once tlsh_exit()
 * runs no listener or held connection is left.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>

#include "tlsh_internal.h"

unsigned int tlsh_net_id __read_mostly;

/* net_generic() storage is zeroed, which is a valid atomic64_t of 0. */
static int __net_init tlsh_net_init(struct net *net)
{
	INIT_LIST_HEAD(&tlsh_net(net)->listeners);
	xa_init(&tlsh_net(net)->daemons);
	return 0;
}

static void __net_exit tlsh_net_exit(struct net *net)
{
	xa_destroy(&tlsh_net(net)->daemons);
}

static struct pernet_operations tlsh_net_ops = {
	.init = tlsh_net_init,
	.exit = tlsh_net_exit,
	.id = &tlsh_net_id,
	.size = sizeof(struct tlsh_net),
};

static int __init tlsh_init(void)
{
	int err;

	/* Per-netns state must exist before the first GET can arrive. */
	err = register_pernet_subsys(&tlsh_net_ops);
	if (err)
		return err;

	err = tlsh_listener_init();
	if (err)
		goto err_pernet;

	err = tlsh_netlink_init();
	if (err)
		goto err_listener;

	tlsh_join_watch_start();
	pr_info("version %s loaded\n", TLSH_MODULE_VERSION);
	return 0;

err_listener:
	tlsh_listener_exit();
err_pernet:
	unregister_pernet_subsys(&tlsh_net_ops);
	return err;
}

static void __exit tlsh_exit(void)
{
	/* Unregistering waits for in-progress commands to finish. */
	tlsh_netlink_exit();
	tlsh_join_watch_stop();
	tlsh_listener_exit();
	unregister_pernet_subsys(&tlsh_net_ops);
}

module_init(tlsh_init);
module_exit(tlsh_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(TLSH_MODULE_VERSION);
MODULE_DESCRIPTION("Kernel-offloaded TLS: handshake upcall to tlshelper");
MODULE_ALIAS_GENL_FAMILY(TLSH_GENL_NAME);
