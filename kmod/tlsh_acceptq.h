/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlsh_acceptq.c: an attached listener's private queue of raw children,
 * filled from the kernel accept queue by its wait-queue entry.
 */
#ifndef _TLSH_ACCEPTQ_H
#define _TLSH_ACCEPTQ_H

#include <linux/types.h>
#include <linux/wait.h>

struct request_sock;
struct sock;
struct tlsh_listener;

/* Move the kernel queue's children to l's queue. Under l->rq_lock. */
void __tlsh_rq_grab(struct tlsh_listener *l);
/* The oldest child l holds, out of the listener's backlog; or NULL. */
struct request_sock *tlsh_rq_pop(struct tlsh_listener *l);
/* The child socket of a request tlsh_rq_pop() returned. */
struct sock *tlsh_req_child(struct sock *lsk, struct request_sock *req);
/* Give the children held back to the kernel queue (closed), or not. */
void tlsh_rq_set_closed(struct tlsh_listener *l, bool closed);
/* At ATTACH, under lock_sock(): empty the kernel queue, move sleepers. */
void tlsh_acceptq_take_over(struct tlsh_listener *l);
/* l->wait's function: the listener woke up. */
int tlsh_listener_wake(struct wait_queue_entry *wait, unsigned int mode,
		       int sync, void *key);

#endif /* _TLSH_ACCEPTQ_H */
