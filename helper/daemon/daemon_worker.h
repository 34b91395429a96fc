/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `tlshelper daemon` inside: what the main thread (daemon.c) and the
 * handshake workers (daemon_worker.c) share.
 */
#ifndef TLSH_DAEMON_WORKER_H
#define TLSH_DAEMON_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "daemon/daemon.h"
#include "os/nl.h"
#include "tls/engine.h"
#include "tls/record.h"

#define DEFAULT_TIMEOUT_MS	10000	/* the module's default */
#define MAX_ALPN		16

/* One attached listener: credentials loaded once, read-only for workers. */
struct listener {
	atomic_int refs;
	uint32_t id;
	uint32_t timeout_ms;
	struct tlsh_spec spec;		/* spec.id, spec.port filled in */
	struct tlsh_cred cred[TLSH_SPEC_MAX_CREDS];
	const struct tlsh_cred *cred_ptr[TLSH_SPEC_MAX_CREDS];
	size_t n_cred;
	gnutls_x509_trust_list_t trust;
	char *alpn_buf;
	const char *alpn[MAX_ALPN];
	struct tlsh_config cfg;
	atomic_ulong ok, failed;
	/* EVENT notifications by enum tlsh_event (0: newer kinds); main thread */
	unsigned long events[TLSH_EVENT_MAX + 1];
	struct listener *next;		/* the main thread's table */
};

/* One handshake, owned by one worker. */
struct dconn {
	struct dconn *prev, *next;	/* worker's list, or the queue */
	int fd;
	struct listener *l;
	struct tlsh_conn *tls;
	uint32_t events;		/* registered with epoll */
	bool runnable;			/* an event came: step it */
	int64_t start_ms, deadline_ms;
	char peer[64];
};

struct daemon;

struct worker {
	struct daemon *d;
	pthread_t thread;
	int ep, ev;
	struct tlsh_nl nl;		/* DONE */
	pthread_mutex_t lock;
	struct dconn *queue;		/* handed over by the main thread */
	/* Running handshakes, oldest claim first (their turn order). */
	struct dconn *conns, *conns_tail;
	atomic_uint load;
	/* Wire bytes on their way into the engine (records as sent). */
	uint8_t scratch[TLSH_MAX_CIPHERTEXT + TLSH_REC_HDR];
};

struct daemon {
	const struct tlsh_daemon_opts *o;
	struct tlsh_nl ready, cmd;
	struct tlsh_nl evsub;		/* EVENT; .sock NULL: not subscribed */
	int ctl, sig, kick;
	struct listener *listeners;
	struct worker *workers;
	unsigned int n_workers;
	atomic_uint claimed;
	/* Bound on claimed: max_active per worker, and the fd budget. */
	unsigned int max_claimed;
	unsigned int max_active;
	atomic_bool stopping;
	atomic_ulong ok, failed;
	unsigned long events[TLSH_EVENT_MAX + 1], events_lost;
	int64_t next_reconcile;
	/*
	 * No tlsh.ko (the benchmark's server loop): the caller accepts the
	 * connections itself, no DONE is sent, and kTLS is installed only
	 * where the kernel has it (have_ktls).
	 */
	bool standalone, have_ktls;
	/*
	 * Worker 0 runs in the main thread (tlshd_run_main): its epoll also
	 * carries the main thread's fds, tagged &tlshd_main_tag[i] and given
	 * to main_event(d, i). main_tick runs before every wait and returns
	 * how long (ms) the loop may sleep, -1 for as long as it likes.
	 */
	void (*main_event)(struct daemon *d, unsigned int tag);
	int (*main_tick)(struct daemon *d);
	int exit_status;
};

#define TLSHD_MAIN_TAGS		8
extern char tlshd_main_tag[TLSHD_MAIN_TAGS];

/* Watch fd (EPOLLIN) in worker 0's loop: main_event(d, tag) when readable. */
int tlshd_watch_main(struct daemon *d, int fd, unsigned int tag);

/* One line on stderr, written at once (threads share it). */
void tlshd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* CLOCK_MONOTONIC in milliseconds. */
int64_t tlshd_now_ms(void);

/* The main thread's listener with that id, or NULL. */
struct listener *tlshd_find_listener(struct daemon *d, uint32_t id);

/* Takes over *spec (loads its credentials). NULL with a sentence in err. */
struct listener *tlshd_listener_new(struct tlsh_spec *spec, char *err,
				    size_t errlen);
void tlshd_listener_put(struct listener *l);

/*
 * n workers, each with its own epoll and, with the module, netlink socket:
 * worker 0 for the main thread, n - 1 threads; -1 after logging why.
 * Stop joins the threads and closes what they held.
 */
int tlshd_workers_start(struct daemon *d, unsigned int n);
void tlshd_workers_stop(struct daemon *d);

/* Worker 0's loop, in the calling (main) thread, until d->stopping. */
void tlshd_run_main(struct daemon *d);
/*
 * A connection claimed for listener l, from the main thread: counted
 * against max_claimed and given to the least loaded worker (worker 0's
 * starts at once), which owns fd from here. -ENOMEM, fd still the
 * caller's, if it could not be.
 */
int tlshd_claimed(struct daemon *d, struct listener *l, int fd);

/*
 * In the background, install kTLS once on a loopback pair: the kernel loads
 * and self-tests its AES-GCM on first use, which can take seconds (much
 * longer in an emulated VM) and would otherwise eat into the first real
 * connection's handshake timeout.
 */
void tlshd_warm_ktls(void);

/*
 * Post-handshake events (daemon_events.c), on the main thread: subscribe
 * d->evsub (a warning and no events if that fails), then, when its fd is
 * readable, log and count every EVENT. tlshd_events_format() appends
 * " ev-KIND=N" for each non-zero count to a control-socket reply line.
 */
void tlshd_events_open(struct daemon *d);
void tlshd_events_read(struct daemon *d);
size_t tlshd_events_format(const unsigned long *counts, char *out,
			   size_t len);

#endif
