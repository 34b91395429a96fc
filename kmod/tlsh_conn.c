// SPDX-License-Identifier: GPL-2.0
/*
 * Life of one connection held by tlsh.ko, from the moment it leaves the
 * kernel accept queue of an attached listener until the application's
 * accept() returns it or it is closed:
 *
 *   PENDING --ACCEPT--> CLAIMING --> CLAIMED --DONE 0--> HANDOFF
 *   --final close of the daemon's file--> PARKING --> READY --accept()-->
 *   delivered.
 *
 * ACCEPT grafts the child on a fresh socket with the genuine inet ops and
 * installs an fd for it in the daemon, fd_install last. DONE checks that
 * kTLS TX and RX are on, then gives that socket a copy of its (tls) ops
 * whose release is tlsh_dsock_release(). The hand-back happens there, at
 * the final release of the daemon's file: no daemon syscall can still be
 * using the socket. The child is grafted on a "park" socket (so that code
 * reaching sk->sk_socket always finds one) until the application takes it;
 * its socket then gets the ops of tlsh_sock.c, for control records.
 *
 * Any other outcome (DONE with an error, timeout, listener gone) resets the
 * child; a daemon that closes its fd without DONE closes it through the
 * genuine release, and the reaper notices the dead socket.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tls.h>

#include "tlsh_internal.h"

/* Claimed connections by struct sock, for DONE. */
static DEFINE_HASHTABLE(tlsh_conn_hash, 8);
static DEFINE_SPINLOCK(tlsh_conn_hash_lock);

static int tlsh_gauge(enum tlsh_conn_state state)
{
	switch (state) {
	case TLSH_CONN_PENDING:
		return TLSH_COUNTER_PENDING;
	case TLSH_CONN_CLAIMING:
	case TLSH_CONN_CLAIMED:
	case TLSH_CONN_HANDOFF:
	case TLSH_CONN_PARKING:
		return TLSH_COUNTER_IN_FLIGHT;
	case TLSH_CONN_READY:
		return TLSH_COUNTER_READY;
	default:
		return 0;
	}
}

static struct list_head *tlsh_state_list(struct tlsh_listener *l,
					 enum tlsh_conn_state state)
{
	switch (state) {
	case TLSH_CONN_PENDING:
		return &l->pending;
	case TLSH_CONN_CLAIMED:
	case TLSH_CONN_HANDOFF:
		return &l->inflight;
	case TLSH_CONN_READY:
		return &l->ready;
	default:
		return NULL;
	}
}

static void tlsh_gauge_add(struct tlsh_listener *l, int counter, int delta)
{
	struct tlsh_net *tn = tlsh_net(l->net);

	if (!counter)
		return;
	l->counters[counter] += delta;
	atomic64_add(delta, &tn->counters[counter]);
}

/* A running total, for l and its netns. Under l->lock. */
void tlsh_conn_count(struct tlsh_listener *l, int counter)
{
	lockdep_assert_held(&l->lock);
	l->counters[counter]++;
	atomic64_inc(&tlsh_net(l->net)->counters[counter]);
}

/*
 * Whether c may still go on towards the application: its listener is
 * attached and has listened without a break since c was taken. Under l->lock.
 */
bool tlsh_conn_live(const struct tlsh_conn *c)
{
	lockdep_assert_held(&c->l->lock);
	return !c->l->dead && c->gen == c->l->gen;
}

/* Drop c's share of its client address's count. Under l->lock. */
static void tlsh_conn_unpeer(struct tlsh_conn *c)
{
	struct tlsh_peer *p = c->peer;

	if (!p)
		return;
	c->peer = NULL;
	if (--p->count)
		return;
	hash_del(&p->node);
	kfree(p);
}

/* Move c to state: its list, the gauges and the DONE hash follow. */
void tlsh_conn_set_state(struct tlsh_conn *c, enum tlsh_conn_state state)
{
	struct tlsh_listener *l = c->l;
	struct list_head *list = tlsh_state_list(l, state);

	lockdep_assert_held(&l->lock);

	if (c->state == TLSH_CONN_CLAIMED) {
		spin_lock(&tlsh_conn_hash_lock);
		hash_del(&c->hnode);
		spin_unlock(&tlsh_conn_hash_lock);
	}
	if (state == TLSH_CONN_CLAIMED) {
		spin_lock(&tlsh_conn_hash_lock);
		hash_add(tlsh_conn_hash, &c->hnode, (unsigned long)c->sk);
		spin_unlock(&tlsh_conn_hash_lock);
	}

	if (list)
		list_move_tail(&c->node, list);
	else
		list_del_init(&c->node);

	tlsh_gauge_add(l, tlsh_gauge(c->state), -1);
	tlsh_gauge_add(l, tlsh_gauge(state), 1);
	c->state = state;
	if (state == TLSH_CONN_GONE)
		tlsh_conn_unpeer(c);
}

static struct tlsh_conn *tlsh_conn_find(struct sock *sk)
{
	struct tlsh_conn *c;

	spin_lock(&tlsh_conn_hash_lock);
	hash_for_each_possible(tlsh_conn_hash, c, hnode, (unsigned long)sk) {
		if (c->sk == sk) {
			refcount_inc(&c->refcnt);
			spin_unlock(&tlsh_conn_hash_lock);
			return c;
		}
	}
	spin_unlock(&tlsh_conn_hash_lock);
	return NULL;
}

/*
 * A new entry for child sk, just taken off l's accept queue; it takes over
 * the reference the accept queue gave us. GONE until the caller queues it.
 */
struct tlsh_conn *tlsh_conn_new(struct tlsh_listener *l, struct sock *sk)
{
	struct mem_cgroup *old = NULL;
	struct tlsh_conn *c;

	/* Charged to the server's memory cgroup, not the kworker's. */
	if (l->sk->sk_memcg)
		old = set_active_memcg(l->sk->sk_memcg);
	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (l->sk->sk_memcg)
		set_active_memcg(old);
	if (!c)
		return NULL;
	atomic_inc(&tlsh_net(l->net)->held);
	INIT_LIST_HEAD(&c->node);
	refcount_set(&c->refcnt, 1);
	refcount_inc(&l->refcnt);
	c->l = l;
	sock_hold(sk);
	c->sk = sk;
	c->state = TLSH_CONN_GONE;
	c->deadline = jiffies + msecs_to_jiffies(l->timeout_ms);
	c->silent_deadline = jiffies +
		msecs_to_jiffies(READ_ONCE(tlsh_silent_timeout_ms) ?: l->timeout_ms);
	if (time_after(c->silent_deadline, c->deadline))
		c->silent_deadline = c->deadline;
	c->rcvtimeo = sk->sk_rcvtimeo;
	c->sndtimeo = sk->sk_sndtimeo;
	c->rcvlowat = sk->sk_rcvlowat;
	c->linger = sock_flag(sk, SOCK_LINGER);
	c->lingertime = sk->sk_lingertime;
	return c;
}

void tlsh_conn_put(struct tlsh_conn *c)
{
	if (!refcount_dec_and_test(&c->refcnt))
		return;
	if (c->park)
		sock_release(c->park);
	tlsh_sock_free(c->asock);
	sock_put(c->sk);
	atomic_dec(&tlsh_net(c->l->net)->held);
	tlsh_listener_put(c->l);
	kfree(c);
}

/*
 * Replace sock's ops, moving the module reference the socket holds for its
 * ops' owner (__sock_release drops the owner of the ops it finds).
 */
void tlsh_set_ops(struct socket *sock, const struct proto_ops *ops)
{
	const struct proto_ops *old = sock->ops;

	if (ops)
		__module_get(ops->owner);
	WRITE_ONCE(sock->ops, ops);
	if (old)
		module_put(old->owner);
}

/* Reset and close a child that is on no socket and whose reference we own. */
void tlsh_conn_close_child(struct sock *sk, int err)
{
	tcp_abort(sk, err);
	sk->sk_prot->close(sk, 0);
}

/*
 * Close c, which the caller just moved from state was to GONE, and drop
 * the reference that state held.
 */
void tlsh_conn_close(struct tlsh_conn *c, enum tlsh_conn_state was, int err)
{
	switch (was) {
	case TLSH_CONN_PENDING:
		tlsh_conn_close_child(c->sk, err);
		break;
	case TLSH_CONN_CLAIMED:
	case TLSH_CONN_HANDOFF:
		/* The daemon's socket owns it; a dead one is closed already. */
		if (!sock_flag(c->sk, SOCK_DEAD))
			tcp_abort(c->sk, err);
		break;
	case TLSH_CONN_READY:
		tcp_abort(c->sk, err);
		sock_release(c->park);
		c->park = NULL;
		break;
	default:
		WARN_ON_ONCE(1);
		break;
	}
	tlsh_conn_put(c);
}

/* Claim the oldest pending connection of l, if it has one. */
static struct tlsh_conn *tlsh_conn_claim_from(struct tlsh_listener *l)
{
	struct tlsh_conn *c;

	spin_lock(&l->lock);
	c = list_first_entry_or_null(&l->pending, struct tlsh_conn, node);
	if (c && tlsh_conn_live(c))
		tlsh_conn_set_state(c, TLSH_CONN_CLAIMING);
	else
		c = NULL;
	spin_unlock(&l->lock);
	return c;
}

/*
 * Take the oldest pending connection of listener id, or with id 0 of the
 * listeners of net in turn: the search starts after the listener served
 * last and wraps around, so one busy listener cannot starve the others.
 * Concurrent callers may both start from the same listener: harmless.
 */
static struct tlsh_conn *tlsh_conn_claim(struct net *net, u32 id)
{
	struct tlsh_net *tn = tlsh_net(net);
	struct tlsh_conn *c = NULL;
	struct tlsh_listener *l;
	bool found = false, past = false;
	u32 last;

	rcu_read_lock();
	if (id) {
		list_for_each_entry_rcu(l, &tn->listeners, net_node) {
			if (l->id == id) {
				found = true;
				c = tlsh_conn_claim_from(l);
				break;
			}
		}
		rcu_read_unlock();
		return c ?: ERR_PTR(found ? -EAGAIN : -ESRCH);
	}

	/* Those after the last one served; none if it is gone. */
	last = READ_ONCE(tn->last_served);
	list_for_each_entry_rcu(l, &tn->listeners, net_node) {
		if (past) {
			c = tlsh_conn_claim_from(l);
			if (c)
				break;
		} else {
			past = l->id == last;
		}
	}
	/* Then from the first one up to and including the last one served. */
	if (!c) {
		list_for_each_entry_rcu(l, &tn->listeners, net_node) {
			c = tlsh_conn_claim_from(l);
			if (c || l->id == last)
				break;
		}
	}
	if (c)
		WRITE_ONCE(tn->last_served, c->l->id);
	rcu_read_unlock();
	return c ?: ERR_PTR(-EAGAIN);
}

/*
 * ACCEPT failed before grafting (no fd, no memory, an LSM said no): back
 * to PENDING with its deadline still armed, or closed.
 */
static void tlsh_conn_unclaim(struct tlsh_conn *c)
{
	struct tlsh_listener *l = c->l;
	bool dead;

	spin_lock(&l->lock);
	dead = !tlsh_conn_live(c);
	if (dead) {
		tlsh_conn_set_state(c, TLSH_CONN_GONE);
		tlsh_conn_count(l, TLSH_COUNTER_FAILED);
	} else {
		tlsh_conn_set_state(c, TLSH_CONN_PENDING);
	}
	spin_unlock(&l->lock);
	if (dead) {
		tlsh_conn_close(c, TLSH_CONN_PENDING, ECONNABORTED);
		tlsh_listener_kick(l);
	} else {
		/* The reaper may have run while c was on no list. */
		tlsh_listener_arm_reap(l, min(c->deadline, c->silent_deadline));
	}
}

/*
 * ACCEPT failed after the graft: the daemon's file owns the child. Unless
 * someone else already took the entry, reset the child; then close the file.
 */
static void tlsh_conn_unclaim_grafted(struct tlsh_conn *c, struct file *file)
{
	struct tlsh_listener *l = c->l;
	bool ours;

	spin_lock(&l->lock);
	ours = c->state == TLSH_CONN_CLAIMING || c->state == TLSH_CONN_CLAIMED;
	if (ours) {
		tlsh_conn_set_state(c, TLSH_CONN_GONE);
		tlsh_conn_count(l, TLSH_COUNTER_FAILED);
	}
	spin_unlock(&l->lock);
	if (ours) {
		tcp_abort(c->sk, ECONNABORTED);
		tlsh_conn_put(c);
	}
	fput(file);
	if (ours)
		tlsh_listener_kick(l);	/* its slot is free */
}

/*
 * TLSH_CMD_ACCEPT: claim a pending connection and install an fd for it in
 * the caller. Everything fallible comes before the graft; the reply is
 * sent before fd_install, which is last.
 */
int tlsh_conn_accept(struct genl_info *info, u32 listener_id)
{
	struct socket *dsock, *park;
	struct tlsh_listener *l;
	struct sk_buff *msg;
	struct tlsh_conn *c;
	struct file *file;
	struct sock *sk;
	int fd, err;
	bool dead;

	c = tlsh_conn_claim(genl_info_net(info), listener_id);
	if (IS_ERR(c))
		return PTR_ERR(c);
	/* Ours until the end, whatever happens to the entry meanwhile. */
	refcount_inc(&c->refcnt);
	l = c->l;
	sk = c->sk;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		err = fd;
		goto err_unclaim;
	}
	err = tlsh_nl_accept_reply(info, fd, l->id, &msg);
	if (err)
		goto err_put_fd;
	err = sock_create_lite(sk->sk_family, SOCK_STREAM, IPPROTO_TCP,
			       &park);
	if (err)
		goto err_free_msg;
	err = sock_create_lite(sk->sk_family, SOCK_STREAM, IPPROTO_TCP,
			       &dsock);
	if (err)
		goto err_release_park;
	/* Genuine ops: tls copies them into its tables at TCP_ULP time. */
	tlsh_set_ops(dsock, l->fam->genuine);
	file = sock_alloc_file(dsock, 0, sk->sk_prot_creator->name);
	if (IS_ERR(file)) {
		/* sock_alloc_file() released dsock. */
		err = PTR_ERR(file);
		goto err_release_park;
	}

	/* From here the file owns the child: its final fput() closes it. */
	lock_sock(sk);
	sock_graft(sk, dsock);
	dsock->state = SS_CONNECTED;
	release_sock(sk);
	c->park = park;

	spin_lock(&l->lock);
	dead = !tlsh_conn_live(c);
	if (!dead)
		tlsh_conn_set_state(c, TLSH_CONN_CLAIMED);
	spin_unlock(&l->lock);
	if (dead) {
		nlmsg_free(msg);
		err = -ECONNABORTED;
		goto err_grafted;
	}
	tlsh_listener_arm_reap(l, jiffies + TLSH_REAP_INTERVAL);

	err = genlmsg_reply(msg, info);
	if (err)
		goto err_grafted;
	fd_install(fd, file);
	tlsh_conn_put(c);
	return 0;

err_grafted:
	put_unused_fd(fd);
	tlsh_conn_unclaim_grafted(c, file);
	tlsh_conn_put(c);
	return err;
err_release_park:
	sock_release(park);
err_free_msg:
	nlmsg_free(msg);
err_put_fd:
	put_unused_fd(fd);
err_unclaim:
	tlsh_conn_unclaim(c);
	tlsh_conn_put(c);
	return err;
}

/* Both directions of kTLS configured on sk. Under lock_sock(sk). */
static bool tlsh_ktls_ready(struct sock *sk)
{
	const struct tcp_ulp_ops *ulp = inet_csk(sk)->icsk_ulp_ops;
	struct tls_context *ctx;

	if (!ulp || strcmp(ulp->name, "tls"))
		return false;
	ctx = tls_get_ctx(sk);
	return ctx && ctx->tx_conf != TLS_BASE && ctx->rx_conf != TLS_BASE;
}

static int tlsh_dsock_release(struct socket *sock);

/* DONE with status 0: under lock_sock(c->sk). */
static int tlsh_conn_handoff(struct tlsh_conn *c, struct socket *sock,
			     struct netlink_ext_ack *extack)
{
	struct tlsh_listener *l = c->l;
	int err = 0;

	if (!tlsh_ktls_ready(c->sk)) {
		NL_SET_ERR_MSG(extack, "kTLS TX and RX are not both installed");
		return -EINVAL;
	}
	/* Allocated now: delivering to the application cannot fail. */
	if (!c->asock)
		c->asock = tlsh_sock_alloc();
	if (!c->asock)
		return -ENOMEM;

	spin_lock(&l->lock);
	if (c->state == TLSH_CONN_CLAIMED) {
		tlsh_conn_set_state(c, TLSH_CONN_HANDOFF);
		/* For c->dops, dropped by tlsh_dsock_release(). */
		refcount_inc(&c->refcnt);
	} else {
		err = -ECONNABORTED;
	}
	spin_unlock(&l->lock);
	if (err) {
		NL_SET_ERR_MSG(extack, "connection was aborted (timeout or listener closed)");
		return err;
	}

	/* tls changes sock->ops under lock_sock(sk) only, as we do. */
	c->tls_ops = sock->ops;
	c->dops = *sock->ops;
	c->dops.owner = THIS_MODULE;
	c->dops.release = tlsh_dsock_release;
	tlsh_set_ops(sock, &c->dops);
	return 0;
}

/* TLSH_CMD_DONE */
int tlsh_conn_done(struct net *net, int fd, u32 status,
		   struct netlink_ext_ack *extack)
{
	struct tlsh_listener *l;
	struct socket *sock;
	struct tlsh_conn *c;
	bool failed = false;
	int err = 0;

	sock = sockfd_lookup(fd, &err);
	if (!sock)
		return err;
	c = sock->sk ? tlsh_conn_find(sock->sk) : NULL;
	if (c && !net_eq(c->l->net, net)) {
		tlsh_conn_put(c);
		c = NULL;
	}
	if (!c) {
		NL_SET_ERR_MSG(extack, "fd is not a connection awaiting DONE");
		sockfd_put(sock);
		return -EINVAL;
	}
	l = c->l;

	if (status) {
		spin_lock(&l->lock);
		if (c->state == TLSH_CONN_CLAIMED) {
			tlsh_conn_set_state(c, TLSH_CONN_GONE);
			tlsh_conn_count(l, TLSH_COUNTER_FAILED);
			failed = true;
		} else {
			err = -ECONNABORTED;
		}
		spin_unlock(&l->lock);
		if (failed) {
			tlsh_conn_close(c, TLSH_CONN_CLAIMED, ECONNABORTED);
			tlsh_listener_kick(l);
		}
	} else {
		lock_sock(c->sk);
		err = tlsh_conn_handoff(c, sock, extack);
		release_sock(c->sk);
	}

	tlsh_conn_put(c);
	sockfd_put(sock);
	return err;
}

/*
 * The final release of the daemon's socket after a successful DONE: hand
 * the child back to its listener, or, if it was aborted meanwhile, close
 * it like the genuine release would.
 */
static int tlsh_dsock_release(struct socket *sock)
{
	struct tlsh_conn *c = container_of(sock->ops, struct tlsh_conn, dops);
	struct tlsh_listener *l = c->l;
	struct sock *sk = sock->sk;
	bool handback;
	int err;

	spin_lock(&l->lock);
	handback = c->state == TLSH_CONN_HANDOFF && tlsh_conn_live(c);
	if (handback)
		tlsh_conn_set_state(c, TLSH_CONN_PARKING);
	spin_unlock(&l->lock);

	if (!handback) {
		err = c->tls_ops->release(sock);
		tlsh_conn_put(c);
		return err;
	}

	lock_sock(sk);
	/* Undo what the daemon may have set on the socket. */
	sk->sk_rcvtimeo = c->rcvtimeo;
	sk->sk_sndtimeo = c->sndtimeo;
	WRITE_ONCE(sk->sk_rcvlowat, c->rcvlowat);
	sk->sk_lingertime = c->lingertime;
	if (c->linger)
		sock_set_flag(sk, SOCK_LINGER);
	else
		sock_reset_flag(sk, SOCK_LINGER);
	sock->sk = NULL;
	sock_graft(sk, c->park);
	c->park->state = SS_CONNECTED;
	tlsh_set_ops(c->park, c->tls_ops);
	release_sock(sk);

	spin_lock(&l->lock);
	handback = tlsh_conn_live(c);
	if (handback) {
		tlsh_conn_set_state(c, TLSH_CONN_READY);
	} else {
		tlsh_conn_set_state(c, TLSH_CONN_GONE);
		tlsh_conn_count(l, TLSH_COUNTER_FAILED);
	}
	spin_unlock(&l->lock);

	if (handback)
		l->sk->sk_data_ready(l->sk);	/* wakes accept, poll, SIGIO */
	else
		tlsh_conn_close(c, TLSH_CONN_READY, ECONNABORTED);
	tlsh_conn_put(c);	/* the dops reference */
	return 0;
}

/*
 * Give a READY connection, already moved to GONE (counted delivered) by
 * the caller, to the application's new socket, with tlsh_sock.c's ops
 * over the tls ones.
 */
void tlsh_conn_deliver(struct tlsh_conn *c, struct socket *newsock)
{
	struct socket *park = c->park;
	struct sock *sk = c->sk;

	lock_sock(sk);
	park->sk = NULL;
	tlsh_set_ops(park, NULL);
	sock_graft(sk, newsock);
	newsock->state = SS_CONNECTED;
	tlsh_sock_attach(c->asock, newsock, c->tls_ops, c->l);
	c->asock = NULL;
	release_sock(sk);
	/* park is freed with c, now that it holds nothing. */
	tlsh_conn_put(c);
}
