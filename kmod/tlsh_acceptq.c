// SPDX-License-Identifier: GPL-2.0
/*
 * The private accept queue of an attached listener: raw children (their
 * TLS handshake not done) are kept off the kernel accept queue, so that no
 * accept path of the server, genuine or ours, can take one.
 *
 * Raw children never stay on the kernel accept queue. The kernel queues a
 * child (inet_csk_reqsk_queue_add(), under the queue's rskq_lock) and then
 * calls the listener's sk_data_ready, which wakes its wait queue; our entry
 * there is non-exclusive, so it is called before any exclusive waiter (a
 * thread in accept()), and it moves every queued request to a private
 * queue of the listener (l->rq_head) before that waiter runs. The requests
 * stay counted in the listener's sk_ack_backlog until the accept work
 * takes them, so the kernel's backlog still applies backpressure, and
 * whatever is on the private queue when we let go of the listener goes
 * back onto the kernel queue, where the kernel's own listener close
 * (inet_csk_listen_stop()) or the server after DETACH finds it. Hence
 * every accept path that reads the kernel queue (a blocking accept()
 * through the genuine ops, io_uring, poll) finds it empty while attached.
 *
 * Threads and processes already blocked in accept() when a listener is
 * attached sleep in the genuine inet_csk_wait_for_connect(): they entered
 * through the genuine proto_ops. ATTACH, after swapping the ops, sets
 * TIF_NOTIFY_SIGNAL on each of them and wakes it. signal_pending() is then
 * true, so the wait returns -ERESTARTSYS (with SO_RCVTIMEO: -EINTR, which
 * such a server sees once); on the way out to user mode get_signal()
 * clears the flag, finds no signal, and the syscall is restarted, now
 * through our ops. A thread that read the genuine ops before the swap and
 * goes to sleep only after ATTACH is kicked the same way by the wake-up
 * callback, at the next wake-up of the listener. Kernel threads are never
 * kicked (they have no fd to attach through, and nothing would clear the
 * flag). What remains: a genuine waiter that is awake, between the kernel
 * queueing a child and its sk_data_ready (a few instructions in softirq),
 * and checks the queue right then can still take that one child raw.
 */

#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "tlsh_acceptq.h"
#include "tlsh_internal.h"

/*
 * Move the children on the kernel accept queue to l's private one (see
 * the top of this file). Under l->rq_lock, IRQs off.
 */
void __tlsh_rq_grab(struct tlsh_listener *l)
{
	struct request_sock_queue *q = &inet_csk(l->sk)->icsk_accept_queue;

	lockdep_assert_held(&l->rq_lock);
	if (l->rq_closed || reqsk_queue_empty(q))
		return;
	spin_lock(&q->rskq_lock);
	/* Not listening: inet_csk_listen_stop() owns what is queued. */
	if (q->rskq_accept_head &&
	    inet_sk_state_load(l->sk) == TCP_LISTEN) {
		if (l->rq_tail)
			l->rq_tail->dl_next = q->rskq_accept_head;
		else
			l->rq_head = q->rskq_accept_head;
		l->rq_tail = q->rskq_accept_tail;
		WRITE_ONCE(q->rskq_accept_head, NULL);
		q->rskq_accept_tail = NULL;
	}
	spin_unlock(&q->rskq_lock);
}

/*
 * The oldest child l holds, off its private queue and out of the
 * listener's backlog, as reqsk_queue_remove() takes it; NULL if none.
 */
struct request_sock *tlsh_rq_pop(struct tlsh_listener *l)
{
	struct request_sock_queue *q = &inet_csk(l->sk)->icsk_accept_queue;
	struct request_sock *req;
	unsigned long flags;

	spin_lock_irqsave(&l->rq_lock, flags);
	__tlsh_rq_grab(l);
	req = l->rq_head;
	if (req) {
		l->rq_head = req->dl_next;
		if (!l->rq_head)
			l->rq_tail = NULL;
		/* sk_acceptq_added() runs under rskq_lock: so must this. */
		spin_lock(&q->rskq_lock);
		sk_acceptq_removed(l->sk);
		spin_unlock(&q->rskq_lock);
	}
	spin_unlock_irqrestore(&l->rq_lock, flags);
	return req;
}

/*
 * The child of req, which tlsh_rq_pop() returned: what inet_csk_accept()
 * does after reqsk_queue_remove(), but for the memory cgroup charge (a
 * kworker would charge the root cgroup).
 */
struct sock *tlsh_req_child(struct sock *lsk, struct request_sock *req)
{
	struct request_sock_queue *q = &inet_csk(lsk)->icsk_accept_queue;
	struct sock *sk = req->sk;

	if (tcp_rsk(req)->tfo_listener) {
		spin_lock_bh(&q->fastopenq.lock);
		/* Its 3WHS is not done: reqsk_fastopen_remove() frees it. */
		if (tcp_rsk(req)->tfo_listener) {
			req->sk = NULL;
			req = NULL;
		}
		spin_unlock_bh(&q->fastopenq.lock);
	}
	if (req)
		reqsk_put(req);
	inet_init_csk_locks(sk);
	return sk;
}

/*
 * Take no more children off the kernel queue (closed) and put the ones l
 * holds back at its head, oldest first, where a genuine accept() or
 * inet_csk_listen_stop() finds them; or take them again (!closed). If the
 * listener stopped listening behind our back (tcp_abort() through
 * sock_diag), nobody would: they are closed here instead.
 */
void tlsh_rq_set_closed(struct tlsh_listener *l, bool closed)
{
	struct request_sock_queue *q = &inet_csk(l->sk)->icsk_accept_queue;
	struct request_sock *req, *orphans = NULL;
	unsigned long flags;

	spin_lock_irqsave(&l->rq_lock, flags);
	l->rq_closed = closed;
	if (closed && l->rq_head) {
		spin_lock(&q->rskq_lock);
		if (inet_sk_state_load(l->sk) == TCP_LISTEN) {
			l->rq_tail->dl_next = q->rskq_accept_head;
			if (!q->rskq_accept_head)
				q->rskq_accept_tail = l->rq_tail;
			WRITE_ONCE(q->rskq_accept_head, l->rq_head);
		} else {
			orphans = l->rq_head;
			for (req = orphans; req; req = req->dl_next)
				sk_acceptq_removed(l->sk);
		}
		spin_unlock(&q->rskq_lock);
		l->rq_head = NULL;
		l->rq_tail = NULL;
	}
	spin_unlock_irqrestore(&l->rq_lock, flags);

	while (orphans) {
		req = orphans;
		orphans = req->dl_next;
		tlsh_conn_close_child(tlsh_req_child(l->sk, req), ECONNABORTED);
	}
}

/*
 * Make every task sleeping in the genuine accept() on wqh restart its
 * accept(), through the listener's current ops (see the top of this
 * file). inet_csk_wait_for_connect() is the only sleeper on a listener's
 * wait queue with an autoremove_wake_function entry; ours and the module
 * accept()'s have other functions. The entry stays queued while its task
 * sleeps, so the task is alive while wqh->lock is held. Under it.
 */
static void __tlsh_kick_genuine_accept(struct wait_queue_head *wqh)
{
	struct wait_queue_entry *e;
	struct task_struct *t;

	lockdep_assert_held(&wqh->lock);
	list_for_each_entry(e, &wqh->head, entry) {
		t = e->private;
		if (e->func != autoremove_wake_function ||
		    (READ_ONCE(t->flags) & PF_KTHREAD))
			continue;
		/* Set already: it does not sleep interruptibly (yet). */
		if (!test_and_set_tsk_thread_flag(t, TIF_NOTIFY_SIGNAL))
			wake_up_process(t);
	}
}

/*
 * At ATTACH, under lock_sock(l->sk), which threads in the genuine accept()
 * take before they look at the kernel queue again: empty the queue, then
 * make them restart through the listener's new ops.
 */
void tlsh_acceptq_take_over(struct tlsh_listener *l)
{
	spin_lock_irq(&l->wqh->lock);
	spin_lock(&l->rq_lock);
	__tlsh_rq_grab(l);
	spin_unlock(&l->rq_lock);
	__tlsh_kick_genuine_accept(l->wqh);
	spin_unlock_irq(&l->wqh->lock);
}

/*
 * Called from the listener's wake-ups, under its wait-queue lock with
 * IRQs off: in softirq right after the kernel queued a child, or in
 * process context (the listener's backlog, the module's own wake-ups).
 * Ahead of every exclusive waiter (see the top of this file).
 */
int tlsh_listener_wake(struct wait_queue_entry *wait, unsigned int mode,
		       int sync, void *key)
{
	struct tlsh_listener *l = container_of(wait, struct tlsh_listener,
					       wait);
	bool held;

	if (key && !(key_to_poll(key) & (EPOLLIN | EPOLLRDNORM)))
		return 0;
	spin_lock(&l->rq_lock);
	__tlsh_rq_grab(l);
	held = l->rq_head;
	spin_unlock(&l->rq_lock);
	if (held)
		queue_work(tlsh_wq, &l->accept_work);
	/* One that went to sleep in the genuine accept() after ATTACH. */
	__tlsh_kick_genuine_accept(l->wqh);
	return 0;
}
