// SPDX-License-Identifier: GPL-2.0
/*
 * Attached listeners: the proto_ops that make an unmodified server's
 * accept() and poll() see only connections whose TLS handshake is done,
 * and the work items that take children off the kernel accept queue.
 *
 * New children are noticed through an entry on the listener's wait queue,
 * not by replacing its sk_data_ready: children are cloned from the
 * listener and would inherit a callback into this module, which then might
 * outlive it on a socket the module knows nothing about.
 *
 * How raw children are kept away from the kernel accept queue, and how
 * threads blocked in accept() at ATTACH are moved over: tlsh_acceptq.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <net/inet_connection_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/transp_v6.h>

#include "tlsh_acceptq.h"
#include "tlsh_compat.h"
#include "tlsh_internal.h"

/* Serialises attach, detach and listener close; guards the registry. */
DEFINE_MUTEX(tlsh_mutex);
struct workqueue_struct *tlsh_wq;

enum { TLSH_FAM_INET, TLSH_FAM_INET6, TLSH_NUM_FAMS };

static struct tlsh_family tlsh_fams[TLSH_NUM_FAMS] __ro_after_init;

/* Attached listeners by struct sock (RCU) and by id; under tlsh_mutex. */
static DEFINE_HASHTABLE(tlsh_listener_hash, 6);
static DEFINE_XARRAY_ALLOC1(tlsh_listener_ids);
static u32 tlsh_next_id;

unsigned int tlsh_max_held = 16384;
module_param_named(max_held, tlsh_max_held, uint, 0644);
MODULE_PARM_DESC(max_held,
		 "Connections held (waiting for or in their handshake, or for accept()) per network namespace, all listeners together (default 16384); past it the kernel backlog applies");

unsigned int tlsh_max_per_addr = 64;
module_param_named(max_per_addr, tlsh_max_per_addr, uint, 0644);
MODULE_PARM_DESC(max_per_addr,
		 "Connections one listener holds from one client address (IPv4 address or IPv6 /64); more from it are reset at once (default 64, 0: no limit)");

unsigned int tlsh_silent_timeout_ms = 5000;
module_param_named(silent_timeout_ms, tlsh_silent_timeout_ms, uint, 0644);
MODULE_PARM_DESC(silent_timeout_ms,
		 "A held connection whose client has sent nothing is reset after this many ms (default 5000; 0: the listener's timeout)");

static const struct tlsh_family *tlsh_fam_of(const struct socket *sock)
{
	return container_of(READ_ONCE(sock->ops), struct tlsh_family, ops);
}

void tlsh_listener_put(struct tlsh_listener *l)
{
	if (!refcount_dec_and_test(&l->refcnt))
		return;
	sock_put(l->sk);
	kfree_rcu(l, rcu);
}

/* The attached listener of sk, with a reference; NULL if none. */
static struct tlsh_listener *tlsh_listener_get(struct sock *sk)
{
	struct tlsh_listener *l;

	if (!sk)
		return NULL;
	rcu_read_lock();
	hash_for_each_possible_rcu(tlsh_listener_hash, l, hnode,
				   (unsigned long)sk) {
		if (l->sk == sk && refcount_inc_not_zero(&l->refcnt)) {
			rcu_read_unlock();
			return l;
		}
	}
	rcu_read_unlock();
	return NULL;
}

/* Queue the accept work, unless l is being torn down. */
void tlsh_listener_kick(struct tlsh_listener *l)
{
	spin_lock(&l->lock);
	if (!l->dead)
		queue_work(tlsh_wq, &l->accept_work);
	spin_unlock(&l->lock);
}

static void __tlsh_arm_reap(struct tlsh_listener *l, unsigned long when)
{
	unsigned long now = jiffies;

	lockdep_assert_held(&l->lock);
	if (l->dead || (l->reap_armed && !time_before(when, l->reap_at)))
		return;
	l->reap_armed = true;
	l->reap_at = when;
	mod_delayed_work(tlsh_wq, &l->reap_work,
			 time_after(when, now) ? when - now : 0);
}

/* Make the reaper run no later than when. */
void tlsh_listener_arm_reap(struct tlsh_listener *l, unsigned long when)
{
	spin_lock(&l->lock);
	__tlsh_arm_reap(l, when);
	spin_unlock(&l->lock);
}

/* Connections l holds now, in any state. Under l->lock. */
static u64 tlsh_held(const struct tlsh_listener *l)
{
	return l->counters[TLSH_COUNTER_PENDING] +
	       l->counters[TLSH_COUNTER_IN_FLIGHT] +
	       l->counters[TLSH_COUNTER_READY];
}

/* The key of sk's client address: IPv4 as v4-mapped, IPv6 its /64. */
static void tlsh_peer_key(const struct sock *sk, struct in6_addr *key)
{
	memset(key, 0, sizeof(*key));
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6 &&
	    !ipv6_addr_v4mapped(&sk->sk_v6_daddr)) {
		memcpy(key, &sk->sk_v6_daddr, 8);
		return;
	}
#endif
	key->s6_addr32[2] = htonl(0xffff);
	key->s6_addr32[3] = inet_sk(sk)->inet_daddr;
}

/*
 * Count c against its client address; false if that address already has
 * max_per_addr connections held by l. Under l->lock; *spare is used (and
 * cleared) for an address seen for the first time.
 */
static bool tlsh_peer_add(struct tlsh_listener *l, struct tlsh_conn *c,
			  struct tlsh_peer **spare)
{
	unsigned int limit = READ_ONCE(tlsh_max_per_addr);
	struct tlsh_peer *p;
	struct in6_addr key;
	u32 hash;

	lockdep_assert_held(&l->lock);
	tlsh_peer_key(c->sk, &key);
	hash = jhash(&key, sizeof(key), 0);
	hash_for_each_possible(l->peers, p, node, hash) {
		if (ipv6_addr_equal(&p->addr, &key)) {
			if (limit && p->count >= limit)
				return false;
			p->count++;
			c->peer = p;
			return true;
		}
	}
	p = *spare;
	*spare = NULL;
	p->addr = key;
	p->count = 1;
	hash_add(l->peers, &p->node, hash);
	c->peer = p;
	return true;
}

/*
 * Take children off the listener's private queue while below
 * max_in_flight (and the netns below max_held); past it they wait there,
 * counted in the kernel backlog, which applies backpressure. Runs in a
 * kworker: the entries are charged to the listener's memory cgroup
 * (tlsh_conn_new()), the children's socket memory is not (the kernel
 * does not export that charge).
 */
static void tlsh_accept_work(struct work_struct *work)
{
	struct tlsh_listener *l = container_of(work, struct tlsh_listener,
					       accept_work);
	struct tlsh_net *tn = tlsh_net(l->net);
	struct tlsh_peer *spare = NULL;
	struct sock *lsk = l->sk;
	int budget = 64;

	tlsh_listener_check_reuseport(l);
	while (budget--) {
		struct request_sock *req;
		struct tlsh_conn *c;
		struct sock *sk;
		int counter = 0;
		bool full;

		if (!spare)
			spare = kzalloc(sizeof(*spare), GFP_KERNEL);
		spin_lock(&l->lock);
		full = l->dead || !spare || tlsh_held(l) >= l->max_in_flight ||
		       atomic_read(&tn->held) >= READ_ONCE(tlsh_max_held);
		spin_unlock(&l->lock);
		if (full)
			break;

		req = tlsh_rq_pop(l);
		if (!req)
			break;
		sk = tlsh_req_child(lsk, req);

		c = tlsh_conn_new(l, sk);
		if (!c) {
			tlsh_conn_close_child(sk, ENOMEM);
			spin_lock(&l->lock);
			tlsh_conn_count(l, TLSH_COUNTER_FAILED);
			spin_unlock(&l->lock);
			continue;
		}

		spin_lock(&l->lock);
		c->gen = l->gen;
		/* Fail fast: nobody would ever claim it. */
		if (l->dead || !tlsh_nl_has_daemon(l->net))
			counter = TLSH_COUNTER_FAILED;
		else if (!tlsh_peer_add(l, c, &spare))
			counter = TLSH_COUNTER_REFUSED;
		if (counter) {
			tlsh_conn_count(l, counter);
		} else {
			tlsh_conn_set_state(c, TLSH_CONN_PENDING);
			__tlsh_arm_reap(l, min(c->deadline, c->silent_deadline));
		}
		spin_unlock(&l->lock);

		if (counter) {
			tlsh_conn_close(c, TLSH_CONN_PENDING, ECONNREFUSED);
			continue;
		}
		tlsh_nl_notify_ready(l->net, l->id);
	}
	kfree(spare);
	if (budget >= 0)
		return;
	/* More may be queued: let other work run first. */
	tlsh_listener_kick(l);
}

/* Move c to GONE onto a private list, for tlsh_close_taken(). */
static void tlsh_take(struct tlsh_conn *c, int counter, struct list_head *to)
{
	c->was = c->state;
	tlsh_conn_set_state(c, TLSH_CONN_GONE);
	tlsh_conn_count(c->l, counter);
	list_add_tail(&c->node, to);
}

static void tlsh_close_taken(struct list_head *taken, int err)
{
	struct tlsh_conn *c, *tmp;

	list_for_each_entry_safe(c, tmp, taken, node) {
		list_del_init(&c->node);
		tlsh_conn_close(c, c->was, err);
	}
}

/*
 * When c, PENDING or in flight, must be gone: its deadline, or earlier
 * while its client has sent nothing at all.
 */
static unsigned long tlsh_conn_expiry(const struct tlsh_conn *c)
{
	if (!READ_ONCE(tcp_sk(c->sk)->bytes_received) &&
	    time_before(c->silent_deadline, c->deadline))
		return c->silent_deadline;
	return c->deadline;
}

/*
 * Expire connections past their deadline (or their silent deadline, if
 * the client sent nothing), and drop claimed ones whose daemon closed the
 * socket without DONE. READY ones wait for accept() with no deadline,
 * like the kernel accept queue.
 */
static void tlsh_reap_work(struct work_struct *work)
{
	struct tlsh_listener *l = container_of(to_delayed_work(work),
					       struct tlsh_listener,
					       reap_work);
	struct tlsh_conn *c, *tmp;
	unsigned long now = jiffies, next = now + MAX_JIFFY_OFFSET;
	bool armed = false, freed;
	LIST_HEAD(expired);
	LIST_HEAD(dead);

	spin_lock(&l->lock);
	l->reap_armed = false;
	list_for_each_entry_safe(c, tmp, &l->pending, node) {
		unsigned long expiry = tlsh_conn_expiry(c);

		if (time_after_eq(now, expiry)) {
			tlsh_take(c, TLSH_COUNTER_TIMED_OUT, &expired);
			continue;
		}
		if (time_before(expiry, next))
			next = expiry;
		armed = true;
	}
	list_for_each_entry_safe(c, tmp, &l->inflight, node) {
		bool claimed = c->state == TLSH_CONN_CLAIMED;
		unsigned long expiry = claimed ? tlsh_conn_expiry(c) :
						 c->deadline;

		if (claimed && sock_flag(c->sk, SOCK_DEAD)) {
			tlsh_take(c, TLSH_COUNTER_FAILED, &dead);
			continue;
		}
		if (time_after_eq(now, expiry)) {
			tlsh_take(c, TLSH_COUNTER_TIMED_OUT, &expired);
			continue;
		}
		if (time_before(expiry, next))
			next = expiry;
		if (claimed && time_before(now + TLSH_REAP_INTERVAL, next))
			next = now + TLSH_REAP_INTERVAL;
		armed = true;
	}
	if (armed)
		__tlsh_arm_reap(l, next);
	spin_unlock(&l->lock);

	tlsh_listener_check_reuseport(l);
	freed = !list_empty(&expired) || !list_empty(&dead);
	tlsh_close_taken(&expired, ETIMEDOUT);
	tlsh_close_taken(&dead, ECONNABORTED);
	if (freed)
		tlsh_listener_kick(l);
}

/*
 * Reset every connection l holds. Entries the daemon still has are reset
 * through their sk; its late DONE then fails. Entries on no list right now
 * (CLAIMING, PARKING) are of the old generation: whoever moves them next
 * closes them.
 */
static void tlsh_listener_flush(struct tlsh_listener *l, int err)
{
	struct list_head *lists[] = { &l->pending, &l->inflight, &l->ready };
	struct tlsh_conn *c, *tmp;
	LIST_HEAD(taken);
	int i;

	spin_lock(&l->lock);
	l->gen++;
	for (i = 0; i < ARRAY_SIZE(lists); i++)
		list_for_each_entry_safe(c, tmp, lists[i], node)
			tlsh_take(c, TLSH_COUNTER_FAILED, &taken);
	spin_unlock(&l->lock);

	tlsh_close_taken(&taken, err);
}

/*
 * Detach l: stop taking children, reset the ones held (raw ones not taken
 * yet go back to the kernel queue), wake threads in accept() (they fall
 * back to the genuine accept). The listener keeps the
 * module's ops, which now only pass through, until it is closed.
 *
 * Under tlsh_mutex, which the listener's release takes too, whether or
 * not it still finds l: l->wqh lives in the listener's socket, freed after
 * its release, so nothing may touch it once the release has gone on.
 */
static void __tlsh_listener_stop(struct tlsh_listener *l)
{
	lockdep_assert_held(&tlsh_mutex);
	spin_lock(&l->lock);
	if (l->dead) {
		spin_unlock(&l->lock);
		return;
	}
	l->dead = true;
	spin_unlock(&l->lock);

	remove_wait_queue(l->wqh, &l->wait);
	/* Still the listener's socket: its release is ours or waits for us. */
	tlsh_set_sol_socket_via_ops(l->sk->sk_socket, false);
	hash_del_rcu(&l->hnode);
	list_del_rcu(&l->net_node);
	xa_erase(&tlsh_listener_ids, l->id);
	cancel_work_sync(&l->accept_work);
	cancel_delayed_work_sync(&l->reap_work);
	/* Raw children not taken yet: the server's, or the listener close's. */
	tlsh_rq_set_closed(l, true);
	tlsh_listener_flush(l, ECONNABORTED);
	wake_up_interruptible_all(l->wqh);
	/* New sockets may join its reuseport group again. */
	tlsh_guard_close(l->guard);
	l->guard = NULL;

	tlsh_listener_put(l);	/* the registry's reference */
}

/* Wait for a READY connection and take it (moved to GONE, delivered). */
static struct tlsh_conn *tlsh_wait_ready(struct tlsh_listener *l,
					 struct sock *sk, int flags)
{
	long timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct tlsh_conn *c;
	bool dead;
	int err;

	add_wait_queue_exclusive(l->wqh, &wait);
	for (;;) {
		spin_lock(&l->lock);
		dead = l->dead;
		c = list_first_entry_or_null(&l->ready, struct tlsh_conn, node);
		if (c && !dead) {
			tlsh_conn_set_state(c, TLSH_CONN_GONE);
			tlsh_conn_count(l, TLSH_COUNTER_DELIVERED);
		}
		spin_unlock(&l->lock);
		if (dead) {
			err = -ESRCH;	/* detached: genuine accept */
			break;
		}
		if (c)
			break;
		err = -EINVAL;
		if (READ_ONCE(sk->sk_state) != TCP_LISTEN)
			break;
		err = -EAGAIN;
		if (!timeo)
			break;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			break;
		timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, timeo);
	}
	remove_wait_queue(l->wqh, &wait);

	if (c && !dead) {
		tlsh_listener_kick(l);	/* room for one more */
		return c;
	}
	return ERR_PTR(err);
}

/* Through tlsh_listener_accept_op() (tlsh_compat.h). */
int tlsh_listener_accept(struct socket *sock, struct socket *newsock,
			 struct tlsh_accept_arg *arg)
{
	const struct tlsh_family *fam = tlsh_fam_of(sock);
	struct tlsh_listener *l = tlsh_listener_get(sock->sk);
	struct tlsh_conn *c;
	int err;

	if (l) {
		tlsh_listener_check_reuseport(l);
		c = tlsh_wait_ready(l, sock->sk, tlsh_accept_flags(arg));
		tlsh_listener_put(l);
		if (!IS_ERR(c)) {
			tlsh_conn_deliver(c, newsock);
			return 0;
		}
		if (PTR_ERR(c) != -ESRCH)
			return PTR_ERR(c);
	}

	err = tlsh_ops_accept(fam->genuine, sock, newsock, arg);
	/* do_accept() gave newsock our ops: a plain child gets genuine ones. */
	if (!err && newsock->ops == &fam->ops)
		tlsh_set_ops(newsock, fam->genuine);
	return err;
}

static __poll_t tlsh_listener_poll(struct file *file, struct socket *sock,
				   poll_table *wait)
{
	const struct tlsh_family *fam = tlsh_fam_of(sock);
	__poll_t mask = fam->genuine->poll(file, sock, wait);
	struct tlsh_listener *l = tlsh_listener_get(sock->sk);

	if (!l)
		return mask;
	/* Readable means "accept() has something", and only READY counts. */
	if (inet_sk_state_load(sock->sk) == TCP_LISTEN) {
		mask &= ~(EPOLLIN | EPOLLRDNORM);
		if (!list_empty_careful(&l->ready))
			mask |= EPOLLIN | EPOLLRDNORM;
	}
	tlsh_listener_put(l);
	return mask;
}

static int tlsh_listener_release(struct socket *sock)
{
	const struct tlsh_family *fam = tlsh_fam_of(sock);
	struct tlsh_listener *l;

	/* Also waits for a DETACH that already unhashed l (see stop). */
	mutex_lock(&tlsh_mutex);
	l = tlsh_listener_get(sock->sk);
	if (l)
		__tlsh_listener_stop(l);
	mutex_unlock(&tlsh_mutex);
	if (l)
		tlsh_listener_put(l);
	return fam->genuine->release(sock);
}

/*
 * Before a call that may end listening: the raw children held go back to
 * the kernel queue, for inet_csk_listen_stop(). The attached listener of
 * sock, with a reference, for tlsh_listener_after_stop_listening().
 */
static struct tlsh_listener *
tlsh_listener_before_stop_listening(struct socket *sock)
{
	struct tlsh_listener *l = tlsh_listener_get(sock->sk);

	if (l)
		tlsh_rq_set_closed(l, true);
	return l;
}

/*
 * After it: drop what was held, or take children again. A DETACH that ran
 * meanwhile leaves nothing to take them (callback and work are gone).
 */
static void tlsh_listener_after_stop_listening(struct socket *sock,
					       struct tlsh_listener *l)
{
	if (!l)
		return;
	if (inet_sk_state_load(sock->sk) != TCP_LISTEN) {
		/* No longer listening: nothing held can ever be accepted. */
		tlsh_listener_flush(l, ECONNABORTED);
	} else {
		tlsh_rq_set_closed(l, false);
		tlsh_listener_kick(l);
	}
	tlsh_listener_put(l);
}

static int tlsh_listener_shutdown(struct socket *sock, int how)
{
	const struct tlsh_family *fam = tlsh_fam_of(sock);
	struct tlsh_listener *l = tlsh_listener_before_stop_listening(sock);
	int err;

	err = fam->genuine->shutdown(sock, how);
	tlsh_listener_after_stop_listening(sock, l);
	return err;
}

/* connect(AF_UNSPEC) on a listener stops it listening, like shutdown. */
static int tlsh_listener_connect(struct socket *sock, struct sockaddr *uaddr,
				 int addr_len, int flags)
{
	const struct tlsh_family *fam = tlsh_fam_of(sock);
	struct tlsh_listener *l = tlsh_listener_before_stop_listening(sock);
	int err;

	err = fam->genuine->connect(sock, uaddr, addr_len, flags);
	tlsh_listener_after_stop_listening(sock, l);
	return err;
}

/*
 * A SOL_SOCKET option, which reaches the listener's ops only while it is
 * attached, and only on a kernel that lets them (tlsh_compat.h): all but
 * turning SO_REUSEPORT on for a listener attached without it are the
 * kernel's (see tlsh_reuseport.c).
 */
static int tlsh_listener_sol_socket(struct socket *sock, int optname,
				    sockptr_t optval, unsigned int optlen)
{
	struct tlsh_listener *l;
	bool refuse;
	int val;

	if (optname == SO_REUSEPORT && optlen >= sizeof(val) &&
	    !copy_from_sockptr(&val, optval, sizeof(val)) && val) {
		l = tlsh_listener_get(sock->sk);
		if (l) {
			refuse = !l->reuseport;
			tlsh_listener_put(l);
			if (refuse)
				return -EBUSY;
		}
	}
	return sock_setsockopt(sock, SOL_SOCKET, optname, optval, optlen);
}

/*
 * tls copies a socket's ops into its global tables at TCP_ULP time, so a
 * socket carrying these ops must never get a ULP.
 */
static int tlsh_listener_setsockopt(struct socket *sock, int level,
				    int optname, sockptr_t optval,
				    unsigned int optlen)
{
	const struct tlsh_family *fam = tlsh_fam_of(sock);

	if (level == SOL_SOCKET)
		return tlsh_listener_sol_socket(sock, optname, optval, optlen);
	if (level == SOL_TCP && optname == TCP_ULP)
		return -EBUSY;
	return fam->genuine->setsockopt(sock, level, optname, optval, optlen);
}

static int tlsh_listener_check(struct socket *sock, struct net *net,
			       const struct tlsh_family **famp,
			       struct netlink_ext_ack *extack)
{
	struct sock *sk = sock->sk;
	const struct tlsh_family *fam;
	int i;

	if (!sk || sock->type != SOCK_STREAM ||
	    sk->sk_protocol != IPPROTO_TCP) {
		NL_SET_ERR_MSG(extack, "not a TCP socket");
		return -EINVAL;
	}
	for (i = 0; i < TLSH_NUM_FAMS; i++) {
		fam = &tlsh_fams[i];
		if (fam->genuine &&
		    (sock->ops == fam->genuine || sock->ops == &fam->ops))
			break;
	}
	if (i == TLSH_NUM_FAMS ||
	    (sk->sk_prot != &tcp_prot &&
	     !(IS_BUILTIN(CONFIG_IPV6) && sk->sk_prot == &tcpv6_prot))) {
		NL_SET_ERR_MSG(extack, "not a plain inet TCP socket (ops or proto replaced)");
		return -EINVAL;
	}
	if (!net_eq(sock_net(sk), net)) {
		NL_SET_ERR_MSG(extack, "socket is in another network namespace");
		return -EINVAL;
	}
	if (sk->sk_state != TCP_LISTEN) {
		NL_SET_ERR_MSG(extack, "socket is not listening");
		return -EINVAL;
	}
	if (inet_csk(sk)->icsk_ulp_ops || rcu_access_pointer(sk->sk_user_data)) {
		NL_SET_ERR_MSG(extack, "socket has a ULP or sk_user_data");
		return -EBUSY;
	}
	*famp = fam;
	return 0;
}

int tlsh_listener_attach(struct net *net, int fd, u32 timeout_ms,
			 u32 max_in_flight, int close_notify, u32 *id,
			 struct netlink_ext_ack *extack)
{
	const struct tlsh_family *fam = NULL;
	struct tlsh_listener *l, *other;
	struct socket *sock, *guard = NULL;
	struct sock *sk;
	int err;

	sock = sockfd_lookup(fd, &err);
	if (!sock)
		return err;
	sk = sock->sk;

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l) {
		sockfd_put(sock);
		return -ENOMEM;
	}
	refcount_set(&l->refcnt, 1);
	l->net = net;
	l->timeout_ms = timeout_ms;
	l->max_in_flight = max_in_flight;
	l->close_notify = close_notify;
	spin_lock_init(&l->lock);
	spin_lock_init(&l->rq_lock);
	INIT_LIST_HEAD(&l->pending);
	INIT_LIST_HEAD(&l->inflight);
	INIT_LIST_HEAD(&l->ready);
	INIT_LIST_HEAD(&l->net_node);
	hash_init(l->peers);
	INIT_WORK(&l->accept_work, tlsh_accept_work);
	INIT_DELAYED_WORK(&l->reap_work, tlsh_reap_work);
	init_waitqueue_func_entry(&l->wait, tlsh_listener_wake);

retry:
	mutex_lock(&tlsh_mutex);
	lock_sock(sk);
	err = tlsh_listener_check(sock, net, &fam, extack);
	if (!err) {
		other = tlsh_listener_get(sk);
		if (other) {
			tlsh_listener_put(other);
			NL_SET_ERR_MSG(extack, "listener is already attached");
			err = -EBUSY;
		}
	}
	/* In a reuseport group: a guard first, bound without our locks. */
	if (!err && sk->sk_reuseport && !tlsh_guard_fits(guard, sk)) {
		release_sock(sk);
		mutex_unlock(&tlsh_mutex);
		if (guard) {
			/* The listener moved meanwhile: too odd to chase. */
			NL_SET_ERR_MSG(extack, "listener was rebound during attach");
			err = -EAGAIN;
			goto out;
		}
		err = tlsh_guard_open(sk, &guard);
		if (err) {
			NL_SET_ERR_MSG(extack, "cannot bind the guard of its SO_REUSEPORT group");
			goto out;
		}
		goto retry;
	}
	if (!err)
		err = xa_alloc_cyclic(&tlsh_listener_ids, &l->id, l,
				      xa_limit_32b, &tlsh_next_id, GFP_KERNEL);
	if (err >= 0) {
		err = 0;
		sock_hold(sk);
		l->sk = sk;
		l->fam = fam;
		l->wqh = sk_sleep(sk);
		add_wait_queue(l->wqh, &l->wait);
		hash_add_rcu(tlsh_listener_hash, &l->hnode, (unsigned long)sk);
		list_add_tail_rcu(&l->net_node, &tlsh_net(net)->listeners);
		/* A listener detached earlier still has our ops. */
		if (sock->ops != &fam->ops)
			tlsh_set_ops(sock, &fam->ops);
		/*
		 * In a group: the guard keeps joiners out. Otherwise keep
		 * SO_REUSEPORT off, where we can (tlsh_reuseport.c).
		 */
		if (sk->sk_reuseport) {
			l->reuseport = true;
			l->guard = guard;
			guard = NULL;
		}
		tlsh_set_sol_socket_via_ops(sock, true);
		tlsh_acceptq_take_over(l);
		*id = l->id;
	}
	release_sock(sk);
	if (!err)
		tlsh_listener_kick(l);	/* children queued before attach */
	mutex_unlock(&tlsh_mutex);
out:
	tlsh_guard_close(guard);	/* not needed after all */
	if (err)
		kfree(l);
	sockfd_put(sock);
	return err;
}

int tlsh_listener_detach(struct net *net, u32 id,
			 struct netlink_ext_ack *extack)
{
	struct tlsh_listener *l;

	mutex_lock(&tlsh_mutex);
	l = xa_load(&tlsh_listener_ids, id);
	if (l && !net_eq(l->net, net))
		l = NULL;
	if (l)
		__tlsh_listener_stop(l);
	mutex_unlock(&tlsh_mutex);
	if (!l) {
		NL_SET_ERR_MSG(extack, "no attached listener with that id");
		return -ESRCH;
	}
	return 0;
}

/* The genuine ops of one family, from a throwaway kernel socket. */
static int __init tlsh_family_init(struct tlsh_family *fam, int family)
{
	struct socket *sock;
	int err;

	err = sock_create_kern(&init_net, family, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	if (err)
		return err;
	fam->genuine = sock->ops;
	sock_release(sock);

	fam->ops = *fam->genuine;
	fam->ops.owner = THIS_MODULE;
	fam->ops.accept = tlsh_listener_accept_op;
	fam->ops.poll = tlsh_listener_poll;
	fam->ops.release = tlsh_listener_release;
	fam->ops.shutdown = tlsh_listener_shutdown;
	fam->ops.connect = tlsh_listener_connect;
	fam->ops.setsockopt = tlsh_listener_setsockopt;
	return 0;
}

int __init tlsh_listener_init(void)
{
	int err;

	err = tlsh_family_init(&tlsh_fams[TLSH_FAM_INET], AF_INET);
	if (err)
		return err;
	/* IPv6 may be disabled at boot: then only IPv4 listeners attach. */
	if (IS_BUILTIN(CONFIG_IPV6) &&
	    tlsh_family_init(&tlsh_fams[TLSH_FAM_INET6], AF_INET6))
		pr_info("IPv6 unavailable: IPv4 listeners only\n");

	tlsh_wq = alloc_workqueue("tlsh", 0, 0);
	return tlsh_wq ? 0 : -ENOMEM;
}

void tlsh_listener_exit(void)
{
	/* No listener is left: each held a module reference until closed. */
	destroy_workqueue(tlsh_wq);
	rcu_barrier();
}
