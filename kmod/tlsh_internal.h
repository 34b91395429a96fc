/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlsh.ko internals shared between its source files.
 */
#ifndef _TLSH_INTERNAL_H
#define _TLSH_INTERNAL_H

#include <linux/atomic.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "tlsh.h"

/* From the top-level VERSION file, through Kbuild. */
#define TLSH_MODULE_VERSION TLSH_VERSION

/*
 * Per network namespace state. Listeners belong to the namespace of their
 * socket, so their counters do too: GET reports the caller's namespace.
 * Indexed by enum tlsh_counter; the UNSPEC and PAD slots stay unused.
 */
struct tlsh_net {
	atomic64_t counters[TLSH_COUNTER_MAX + 1];
};

extern unsigned int tlsh_net_id;

static inline struct tlsh_net *tlsh_net(const struct net *net)
{
	return net_generic(net, tlsh_net_id);
}

int tlsh_netlink_init(void);
void tlsh_netlink_exit(void);

#endif /* _TLSH_INTERNAL_H */
