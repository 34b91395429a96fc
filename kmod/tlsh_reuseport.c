// SPDX-License-Identifier: GPL-2.0
/*
 * SO_REUSEPORT and attached listeners.
 *
 * A reuseport group is several listening sockets bound to one address and
 * port, usually one per worker process; the kernel steers each new
 * connection to one member (by a hash of its addresses, or the group's BPF
 * program). Each member is attached on its own (one ATTACH, one id each;
 * `tlshelper attach --port` attaches them all with the same credentials),
 * and the kernel's steering is left alone: whichever member a connection
 * lands on, that member is attached and the connection is handshaked.
 *
 * What must never happen is a socket joining the group later, say a new
 * worker binding the port with SO_REUSEPORT: it would get its share of
 * the TLS clients in plaintext. The module cannot attach such a socket
 * before its first connection: a join goes through inet_csk_get_port()
 * and inet_hash(), which call nothing the module could hook, so the
 * module would learn of the new member only when it is too late. The join
 * is refused instead. Each attached member of a group gets a guard: a
 * kernel socket bound to the member's address and port (and device)
 * without SO_REUSEPORT or SO_REUSEADDR, which never listens.
 * SK_FORCE_REUSE, dropped once it is bound, lets the guard bind beside
 * the group (the kernel's own way for a kernel socket to share a port),
 * and its bind clears the port's fast reuseport path (tb->fastreuseport,
 * which would skip the conflict check). From then on any socket that
 * binds the port, or listens on it after an earlier bind, meets the guard
 * in the kernel's bind-conflict check: bind() or listen() fails with
 * EADDRINUSE, and the new socket gets no connection.
 * Each refusal is counted on the group's listeners (TLSH_COUNTER_JOIN_
 * REFUSED, which `tlshelper status` shows per listener) and logged with
 * the joining process: the kernel calls the module for neither, so a
 * kretprobe on inet_csk_get_port() (through which every TCP bind() to a
 * port and every listen() after a bind goes) watches for a socket with
 * SO_REUSEPORT failing to get a port that an attached group member of its
 * netns holds, at an address that overlaps. Without kprobes in the kernel
 * the refusals still happen, uncounted (said once at load).
 * The guard goes at DETACH or when its member is closed; once a port has
 * no guard left, new sockets may join the group again (in plaintext, as
 * the group is no longer attached).
 *
 * So while a group is attached it cannot grow, and a member that stops
 * listening (shutdown()) cannot listen again: both are joins. Between
 * `tlshelper attach` listing the group's sockets and the first guard, a
 * socket can still join; attach lists the port again after attaching and
 * attaches any newcomer (after the first guard there can be none).
 *
 * The guard binds from a kworker, with the module's credentials: the
 * caller of ATTACH needs CAP_NET_ADMIN, not CAP_NET_BIND_SERVICE for a
 * port below 1024, and the server cgroup's BPF bind hooks do not see it.
 *
 * A listener attached without SO_REUSEPORT has no guard and keeps it
 * off: turning it on would let a plain socket of the same user form a
 * group with the listener later (tlsh_listener_check_reuseport()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kprobes.h>
#include <linux/net.h>
#include <linux/workqueue.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "tlsh_internal.h"

struct tlsh_guard_work {
	struct work_struct work;
	struct sock *lsk;		/* the listener: held by the caller */
	struct socket *guard;
	int err;
};

static int tlsh_guard_setopt(struct socket *sock, int level, int optname,
			     int val)
{
	return sock->ops->setsockopt(sock, level, optname,
				     KERNEL_SOCKPTR(&val), sizeof(val));
}

/* The guard's address: the listener's, which cannot change while it listens. */
static int tlsh_guard_addr(struct sock *lsk, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
#if IS_ENABLED(CONFIG_IPV6)
	if (lsk->sk_family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(lsk->sk_num);
		sin6->sin6_addr = lsk->sk_v6_rcv_saddr;
		sin6->sin6_scope_id = lsk->sk_bound_dev_if;
		return sizeof(*sin6);
	}
#endif
	sin->sin_family = AF_INET;
	sin->sin_port = htons(lsk->sk_num);
	sin->sin_addr.s_addr = lsk->sk_rcv_saddr;
	return sizeof(*sin);
}

static void tlsh_guard_work(struct work_struct *work)
{
	struct tlsh_guard_work *gw = container_of(work, struct tlsh_guard_work,
						  work);
	struct sock *lsk = gw->lsk;
	struct sockaddr_storage ss;
	struct socket *sock;
	int len, err;

	err = sock_create_kern(sock_net(lsk), lsk->sk_family, SOCK_STREAM,
			       IPPROTO_TCP, &sock);
	if (err)
		goto out;
	sock->sk->sk_reuse = SK_FORCE_REUSE;
	len = tlsh_guard_addr(lsk, &ss);
	/* Where the listener's address is not (or no longer) local. */
	if (lsk->sk_family == AF_INET6)
		err = tlsh_guard_setopt(sock, SOL_IPV6, IPV6_V6ONLY,
					ipv6_only_sock(lsk)) ?:
		      tlsh_guard_setopt(sock, SOL_IPV6, IPV6_FREEBIND, 1);
	else
		err = tlsh_guard_setopt(sock, SOL_IP, IP_FREEBIND, 1);
	if (!err && lsk->sk_bound_dev_if)
		err = sock_bindtoindex(sock->sk, lsk->sk_bound_dev_if, true);
	if (!err)
		err = kernel_bind(sock, (struct sockaddr *)&ss, len);
	if (err) {
		sock_release(sock);
		goto out;
	}
	/*
	 * Bound: now no reuse at all. A guard with sk_reuse set would let
	 * a socket with SO_REUSEADDR bind beside it (two sockets that are
	 * not listening may share a port that way), and then join the
	 * group when it listens. sk_reuse is read only by binds and
	 * listens.
	 */
	lock_sock(sock->sk);
	sock->sk->sk_reuse = SK_NO_REUSE;
	release_sock(sock->sk);
	gw->guard = sock;
out:
	gw->err = err;
}

/*
 * A guard for listener lsk (see the top of this file), or -errno. Process
 * context, no lock held: it waits for a kworker.
 */
int tlsh_guard_open(struct sock *lsk, struct socket **guard)
{
	struct tlsh_guard_work gw = { .lsk = lsk };

	INIT_WORK_ONSTACK(&gw.work, tlsh_guard_work);
	queue_work(tlsh_wq, &gw.work);
	flush_work(&gw.work);
	destroy_work_on_stack(&gw.work);
	*guard = gw.guard;
	return gw.err;
}

/* Whether guard is bound where listener lsk is (under lock_sock(lsk)). */
bool tlsh_guard_fits(const struct socket *guard, const struct sock *lsk)
{
	const struct sock *gsk = guard ? guard->sk : NULL;

	if (!gsk || gsk->sk_family != lsk->sk_family ||
	    gsk->sk_num != lsk->sk_num ||
	    gsk->sk_bound_dev_if != lsk->sk_bound_dev_if)
		return false;
#if IS_ENABLED(CONFIG_IPV6)
	if (lsk->sk_family == AF_INET6)
		return ipv6_addr_equal(&gsk->sk_v6_rcv_saddr,
				       &lsk->sk_v6_rcv_saddr) &&
		       ipv6_only_sock(gsk) == ipv6_only_sock(lsk);
#endif
	return gsk->sk_rcv_saddr == lsk->sk_rcv_saddr;
}

void tlsh_guard_close(struct socket *guard)
{
	if (guard)
		sock_release(guard);
}

/*
 * SO_REUSEPORT set on a listener attached without it would let a plain
 * socket of the same user join a reuseport group with it and take a
 * share of its TLS clients. Where the kernel lets the listener's
 * setsockopt see SOL_SOCKET options (6.12), tlsh_listener_setsockopt()
 * refuses it; 6.1 sends them past the socket's ops, so there it cannot be
 * refused. Either way it is turned off again whenever the module next
 * runs for the listener (each new connection, each reaper pass, each
 * accept()), and said so: on 6.1 for every setsockopt, on 6.12 for one
 * that raced with attach. A listener attached in a group keeps it: its
 * guard refuses joiners. Process context.
 */
void tlsh_listener_check_reuseport(struct tlsh_listener *l)
{
	struct sock *sk = l->sk;
	bool was = false, grouped = false;

	/* A bit-field, set under lock_sock(): looked at again under it. */
	if (l->reuseport || likely(data_race(!sk->sk_reuseport)))
		return;
	lock_sock(sk);
	if (sk->sk_reuseport && sk->sk_state == TCP_LISTEN) {
		sk->sk_reuseport = 0;
		was = true;
		grouped = rcu_access_pointer(sk->sk_reuseport_cb);
	}
	release_sock(sk);
	if (was && grouped)
		pr_warn_ratelimited("listener %u: SO_REUSEPORT set after attach turned off; a socket that joined its group meanwhile gets connections without TLS\n",
				    l->id);
	else if (was)
		pr_warn_ratelimited("listener %u: SO_REUSEPORT set after attach turned off\n",
				    l->id);
}

/* What a watched inet_csk_get_port() call asked for, kept for its return. */
struct tlsh_join {
	struct sock *sk;
	unsigned short port;
	struct in6_addr addr;		/* IPv4 in its first word */
};

static int tlsh_join_entry(struct kretprobe_instance *ri,
			   struct pt_regs *regs)
{
	struct tlsh_join *j = (struct tlsh_join *)ri->data;
	struct sock *sk = (struct sock *)regs_get_kernel_argument(regs, 0);

	/* Only a socket that asks for a given port may join a group. */
	j->port = regs_get_kernel_argument(regs, 1);
	if (!j->port || !sk->sk_reuseport)
		return 1;
	j->sk = sk;
	/* bind() clears the address again when the port is refused. */
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		j->addr = sk->sk_v6_rcv_saddr;
		return 0;
	}
#endif
	memset(&j->addr, 0, sizeof(j->addr));
	j->addr.s6_addr32[0] = sk->sk_rcv_saddr;
	return 0;
}

/* Whether a joiner at j would share the address of listener lsk. */
static bool tlsh_join_overlaps(const struct tlsh_join *j,
			       const struct sock *lsk)
{
	if (lsk->sk_family != j->sk->sk_family || lsk->sk_num != j->port)
		return false;
#if IS_ENABLED(CONFIG_IPV6)
	if (lsk->sk_family == AF_INET6)
		return ipv6_addr_any(&j->addr) ||
		       ipv6_addr_any(&lsk->sk_v6_rcv_saddr) ||
		       ipv6_addr_equal(&j->addr, &lsk->sk_v6_rcv_saddr);
#endif
	return !j->addr.s6_addr32[0] || !lsk->sk_rcv_saddr ||
	       j->addr.s6_addr32[0] == lsk->sk_rcv_saddr;
}

static int tlsh_join_return(struct kretprobe_instance *ri,
			    struct pt_regs *regs)
{
	struct tlsh_join *j = (struct tlsh_join *)ri->data;
	struct tlsh_listener *l;
	u32 id = 0;

	if (!regs_return_value(regs))
		return 0;
	rcu_read_lock();
	list_for_each_entry_rcu(l, &tlsh_net(sock_net(j->sk))->listeners,
				net_node) {
		/* Set once at attach, under lock_sock() of its listener. */
		if (!data_race(l->reuseport) || !tlsh_join_overlaps(j, l->sk))
			continue;
		spin_lock(&l->lock);
		if (!l->dead) {
			l->counters[TLSH_COUNTER_JOIN_REFUSED]++;
			id = l->id;
		}
		spin_unlock(&l->lock);
	}
	/* Once per refused socket for the netns, on each listener for it. */
	if (id)
		atomic64_inc(&tlsh_net(sock_net(j->sk))->counters[TLSH_COUNTER_JOIN_REFUSED]);
	rcu_read_unlock();
	if (id)
		pr_info_ratelimited("listener %u: %s[%d] refused a place in its SO_REUSEPORT group on port %u (EADDRINUSE)\n",
				    id, current->comm, task_tgid_nr(current),
				    j->port);
	return 0;
}

static struct kretprobe tlsh_join_probe = {
	.kp.symbol_name = "inet_csk_get_port",
	.entry_handler = tlsh_join_entry,
	.handler = tlsh_join_return,
	.data_size = sizeof(struct tlsh_join),
	.maxactive = 64,
};

static bool tlsh_join_watched;

void tlsh_join_watch_start(void)
{
	int err = register_kretprobe(&tlsh_join_probe);

	if (err)
		pr_info("refused joins of SO_REUSEPORT groups are not counted (kretprobe: %d)\n",
			err);
	tlsh_join_watched = !err;
}

void tlsh_join_watch_stop(void)
{
	if (tlsh_join_watched)
		unregister_kretprobe(&tlsh_join_probe);
}
