/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlsh.ko internals shared between its source files.
 */
#ifndef _TLSH_INTERNAL_H
#define _TLSH_INTERNAL_H

#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/in6.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/netlink.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "tlsh.h"

/* From the top-level VERSION file, through Kbuild. */
#define TLSH_MODULE_VERSION TLSH_VERSION

/*
 * Lock order, outermost first (nothing is taken in the other direction):
 *
 *   tlsh_mutex                 attach, detach, listener release, GET
 *     lock_sock(listener sk)   attach's checks
 *     lock_sock(guard sk)      its release (tlsh_reuseport.c)
 *   ts->lock (tlsh_sock.c)     control records of one handed-off socket
 *     lock_sock(child sk)      taken inside the tls ops we call
 *   lock_sock(child sk)        ACCEPT's graft, DONE, the hand-back
 *     l->lock                  a listener's lists, counters, peers
 *       tlsh_conn_hash_lock    claimed connections, for DONE
 *   tn->daemons_lock           the netns's known daemon sockets (leaf)
 *
 * l->lock is a plain spinlock taken only in process context: the
 * listener's wake-up callback (softirq) only takes this chain, with IRQs
 * off, and queues work:
 *
 *   the listener's wait-queue lock   (held by the waker)
 *     l->rq_lock                      raw children held (irqsave)
 *       rskq_lock                     the kernel accept queue No lock here is
 * held across anything that waits for a peer: a send that could block on
 * tls's tx_lock is skipped while a writer is inside tls (tlsh_sock.c).
 */

#define TLSH_DEFAULT_TIMEOUT_MS		10000
#define TLSH_MAX_TIMEOUT_MS		3600000
#define TLSH_DEFAULT_MAX_IN_FLIGHT	1024
#define TLSH_MAX_MAX_IN_FLIGHT		65536

/*
 * How often the reaper looks at claimed connections while there are any:
 * a daemon that closes its fd without DONE is noticed this late.
 */
#define TLSH_REAP_INTERVAL		(HZ / 4)

/*
 * Per network namespace state. Listeners belong to the namespace of their
 * socket, so their counters do too: GET reports the caller's namespace.
 * Indexed by enum tlsh_counter; the UNSPEC and PAD slots stay unused.
 * listeners is written under tlsh_mutex and read under RCU. last_served
 * is the id of the listener an ACCEPT without an id took from last (0:
 * none yet), where the next such ACCEPT starts looking.
 */
struct tlsh_net {
	atomic64_t counters[TLSH_COUNTER_MAX + 1];
	struct list_head listeners;
	u32 last_served;
	atomic_t held;			/* connections held, all listeners */
	/*
	 * Netlink sockets of this netns that have used ACCEPT (which needs
	 * CAP_NET_ADMIN in the initial namespace), by portid; dropped when
	 * the socket is released. Only with one of them does a READY
	 * subscriber count as a daemon.
	 */
	struct xarray daemons;
};

extern unsigned int tlsh_net_id;

static inline struct tlsh_net *tlsh_net(const struct net *net)
{
	return net_generic(net, tlsh_net_id);
}

/*
 * The proto_ops an attached listener gets: a copy of the genuine inet or
 * inet6 stream ops with accept, poll, release, shutdown and setsockopt
 * replaced, owner THIS_MODULE. A listener keeps them until it is closed,
 * even after DETACH, so that module code stays pinned while any thread can
 * be running it.
 */
struct tlsh_family {
	struct proto_ops ops;
	const struct proto_ops *genuine;
};

/*
 * Where a held connection is, and who owns its struct sock's "user"
 * reference (the one the final close of a socket drops). Every transition
 * happens under the listener's lock; whoever moves an entry to GONE closes
 * it, so each child has exactly one closer.
 */
enum tlsh_conn_state {
	TLSH_CONN_GONE,		/* on no list: delivered, or being closed */
	TLSH_CONN_PENDING,	/* l->pending: on no socket, the entry owns sk */
	TLSH_CONN_CLAIMING,	/* on no list: ACCEPT is grafting it */
	TLSH_CONN_CLAIMED,	/* l->inflight: the daemon's socket owns sk */
	TLSH_CONN_HANDOFF,	/* l->inflight: DONE ok, daemon socket on dops */
	TLSH_CONN_PARKING,	/* on no list: being moved to the park socket */
	TLSH_CONN_READY,	/* l->ready: grafted on park, the entry owns it */
};

/*
 * Connections a listener holds from one client address (an IPv4 address,
 * or an IPv6 /64), for max_per_addr. Under l->lock.
 */
struct tlsh_peer {
	struct hlist_node node;
	struct in6_addr addr;
	u32 count;
};

struct genl_info;
struct request_sock;
struct sk_buff;
struct tlsh_listener;
struct tlsh_sock;

struct tlsh_conn {
	struct list_head node;		/* on a listener list, by state */
	struct hlist_node hnode;	/* tlsh_conn_hash while CLAIMED */
	refcount_t refcnt;
	struct tlsh_listener *l;	/* holds a reference */
	struct sock *sk;		/* holds a reference (sock_hold) */
	enum tlsh_conn_state state;
	enum tlsh_conn_state was;	/* before GONE, for a batched closer */
	u32 gen;			/* l->gen when it was taken */
	unsigned long deadline;		/* jiffies */
	unsigned long silent_deadline;	/* reset then if it sent nothing */
	struct tlsh_peer *peer;		/* its client address's count */
	struct socket *park;		/* holds sk from hand-back to accept */
	const struct proto_ops *tls_ops; /* the daemon socket's ops at DONE */
	struct proto_ops dops;		/* tls_ops with our release */
	struct tlsh_sock *asock;	/* the application socket's ops */
	/* Socket options of the child before the daemon touched it. */
	long rcvtimeo;
	long sndtimeo;
	int rcvlowat;
	bool linger;
	long lingertime;
};

struct tlsh_listener {
	refcount_t refcnt;
	u32 id;
	struct net *net;		/* the listener's own netns */
	struct sock *sk;		/* holds a reference (sock_hold) */
	const struct tlsh_family *fam;
	wait_queue_head_t *wqh;		/* the listener socket's wait queue */
	struct wait_queue_entry wait;	/* on *wqh while attached */
	struct hlist_node hnode;	/* tlsh_listener_hash, by sk */
	struct list_head net_node;	/* tlsh_net.listeners */
	u32 timeout_ms;
	u32 max_in_flight;
	s8 close_notify;		/* 0, 1; -1: the module parameter */
	/*
	 * Attached with SO_REUSEPORT on, in a group (tlsh_reuseport.c):
	 * the guard, a kernel socket that keeps new sockets out of the
	 * group, is ours from ATTACH until the listener stops (under
	 * tlsh_mutex); reuseport never changes.
	 */
	bool reuseport;
	struct socket *guard;
	struct work_struct accept_work;
	struct delayed_work reap_work;
	struct rcu_head rcu;

	/*
	 * Children the wake-up callback took off the kernel accept queue
	 * (tlsh_acceptq.c), linked by req->dl_next like the kernel's
	 * queue and still counted in the listener's
	 * sk_ack_backlog. rq_closed: none may be added (detached, closing
	 * or shutting down); the ones held went back to the kernel queue.
	 * Taken with IRQs off (the callback runs under the wait-queue lock),
	 * outside the accept queue's rskq_lock.
	 */
	spinlock_t rq_lock;
	bool rq_closed;
	struct request_sock *rq_head;
	struct request_sock *rq_tail;

	spinlock_t lock;		/* everything below */
	bool dead;			/* detached or closed: holds nothing */
	/*
	 * Bumped when the listener stops listening (shutdown, connect
	 * AF_UNSPEC): entries of an older generation, even those on no list
	 * at that moment (CLAIMING, PARKING), are closed, never delivered.
	 */
	u32 gen;
	DECLARE_HASHTABLE(peers, 6);	/* struct tlsh_peer, by address */
	bool reap_armed;
	unsigned long reap_at;
	struct list_head pending;
	struct list_head inflight;
	struct list_head ready;
	u64 counters[TLSH_COUNTER_MAX + 1];
};

/* Serialises attach, detach and listener close; protects the registry. */
extern struct mutex tlsh_mutex;
extern struct workqueue_struct *tlsh_wq;

/* tlsh_listener.c */
int tlsh_listener_init(void);
void tlsh_listener_exit(void);
int tlsh_listener_attach(struct net *net, int fd, u32 timeout_ms,
			 u32 max_in_flight, int close_notify, u32 *id,
			 struct netlink_ext_ack *extack);
int tlsh_listener_detach(struct net *net, u32 id,
			 struct netlink_ext_ack *extack);
void tlsh_listener_put(struct tlsh_listener *l);
void tlsh_listener_kick(struct tlsh_listener *l);
void tlsh_listener_arm_reap(struct tlsh_listener *l, unsigned long when);

/* tlsh_reuseport.c */
int tlsh_guard_open(struct sock *lsk, struct socket **guard);
bool tlsh_guard_fits(const struct socket *guard, const struct sock *lsk);
void tlsh_guard_close(struct socket *guard);
void tlsh_listener_check_reuseport(struct tlsh_listener *l);
void tlsh_join_watch_start(void);
void tlsh_join_watch_stop(void);

/* Module parameters (tlsh_listener.c): the per-netns and per-peer bounds. */
extern unsigned int tlsh_max_held;
extern unsigned int tlsh_max_per_addr;
extern unsigned int tlsh_silent_timeout_ms;

/* tlsh_conn.c */
bool tlsh_conn_live(const struct tlsh_conn *c);
void tlsh_conn_set_state(struct tlsh_conn *c, enum tlsh_conn_state state);
void tlsh_conn_count(struct tlsh_listener *l, int counter);
struct tlsh_conn *tlsh_conn_new(struct tlsh_listener *l, struct sock *sk);
void tlsh_conn_put(struct tlsh_conn *c);
void tlsh_conn_close(struct tlsh_conn *c, enum tlsh_conn_state was, int err);
void tlsh_conn_close_child(struct sock *sk, int err);
void tlsh_set_ops(struct socket *sock, const struct proto_ops *ops);
int tlsh_conn_accept(struct genl_info *info, u32 listener_id);
int tlsh_conn_done(struct net *net, int fd, u32 status,
		   struct netlink_ext_ack *extack);
void tlsh_conn_deliver(struct tlsh_conn *c, struct socket *newsock);

/* tlsh_sock.c */
struct tlsh_sock *tlsh_sock_alloc(void);
void tlsh_sock_free(struct tlsh_sock *ts);
void tlsh_sock_attach(struct tlsh_sock *ts, struct socket *sock,
		      const struct proto_ops *tls_ops,
		      const struct tlsh_listener *l);
bool tlsh_listener_close_notify(const struct tlsh_listener *l);

/* tlsh_netlink.c */
int tlsh_netlink_init(void);
void tlsh_netlink_exit(void);
bool tlsh_nl_has_daemon(struct net *net);
void tlsh_nl_daemon_seen(struct net *net, u32 portid);
void tlsh_nl_notify_ready(struct net *net, u32 listener_id);
void tlsh_nl_notify_event(struct sock *sk, u32 listener_id, u32 event,
			  int attr, u8 value);
int tlsh_nl_accept_reply(struct genl_info *info, int fd, u32 listener_id,
			 struct sk_buff **msgp);

#endif /* _TLSH_INTERNAL_H */
