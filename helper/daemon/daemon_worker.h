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
#include "daemon/daemon_hs.h"
#include "io/step.h"
#include "os/nl.h"
#include "profile/profile.h"
#include "tls/engine.h"

#define DEFAULT_TIMEOUT_MS	10000	/* the module's default */

/*
 * A listener's engine configuration and the credentials it points to,
 * loaded from its profile: read-only once made, shared by every handshake
 * that started with it. A reload (daemon_reload.c) gives the listener a new
 * one; the old one lives until the last handshake holding it ends.
 */
struct tlshd_creds {
	atomic_int refs;
	struct tlsh_profile_state tls;	/* tls.cfg: the engine's */
};

/*
 * One attached listener. Workers read only id, timeout_ms and the counters
 * (and the creds their handshake holds); the rest is the main thread's.
 */
struct tlshd_listener {
	atomic_int refs;
	uint32_t id;
	uint32_t timeout_ms;
	struct tlsh_spec spec;		/* spec.id, spec.port filled in */
	/*
	 * The creds new handshakes start with: swapped under creds_lock, a
	 * reference taken under it (tlshd_listener_creds).
	 */
	pthread_mutex_t creds_lock;
	struct tlshd_creds *creds;
	/*
	 * The config file line that attached it ("port=443", "pid=P fd=N"),
	 * NULL if attach did: a reload detaches it when the line is gone.
	 */
	char *config_key;
	atomic_ulong ok, failed, resumed;	/* resumed: of the ok */
	/* Main thread: the module's join-refused count when last logged. */
	uint64_t join_refused;
	/* EVENT notifications by enum tlsh_event (0: newer kinds); main thread */
	unsigned long events[TLSH_EVENT_MAX + 1];
	struct tlshd_listener *next;		/* the main thread's table */
};

/* One handshake, owned by one worker. */
struct tlshd_conn {
	struct tlshd_conn *prev, *next;	/* worker's list, or the queue */
	int fd;
	struct tlshd_listener *l;
	struct tlshd_creds *creds;	/* tls's configuration, held */
	struct tlsh_conn *tls;
	struct tlsh_io io;		/* io.fd == fd */
	uint32_t events;		/* registered with epoll */
	bool runnable;			/* an event came: step it */
	int64_t start_ms, deadline_ms;
	char peer[64];
	/* A kernel handshake request (daemon_hs.c); NULL: tlsh.ko's. */
	struct tlshd_hs_job *hs;
	char who[48];			/* "listener 3", "NFS client (x509)" */
};

struct tlshd;

struct tlshd_worker {
	struct tlshd *d;
	pthread_t thread;
	int ep, ev;
	struct tlsh_nl nl;		/* DONE */
	struct tlsh_nl hs_nl;		/* the handshake family's DONE */
	pthread_mutex_t lock;
	struct tlshd_conn *queue;		/* handed over by the main thread */
	/* Running handshakes, oldest claim first (their turn order). */
	struct tlshd_conn *conns, *conns_tail;
	atomic_uint load;
};

/*
 * What the program running the workers provides: `tlshelper daemon`
 * (daemon.c) and the handshake benchmark (scripts/bench/hs-server.c). The
 * workers call these; they never call into the main thread's code.
 */
struct tlshd_ops {
	/*
	 * Worker 0 runs in the main thread (tlshd_run_main): its epoll also
	 * carries the main thread's fds (tlshd_watch_main), each readable
	 * one given to main_event(d, tag). main_tick runs before every wait
	 * and returns how long (ms) the loop may sleep, -1 for as long as it
	 * likes.
	 */
	void (*main_event)(struct tlshd *d, unsigned int tag);
	int (*main_tick)(struct tlshd *d);
	/*
	 * The handshake on fd succeeded: put its traffic keys into the
	 * socket (tlshd_install_ktls). 0, or -errno with a sentence in why.
	 */
	int (*install)(int fd, const struct tlsh_conn *tls, char *why,
		       size_t whylen);
	/*
	 * Tell whoever handed fd over how its handshake ended (0 or an
	 * errno) before the worker closes it; NULL: nobody to tell. 0,
	 * -EINVAL when it reset the connection already, else -errno with a
	 * sentence in err. Each worker has its netlink socket w->nl for it.
	 */
	int (*report)(struct tlshd_worker *w, int fd, uint32_t status,
		      char *err, size_t errlen);
};

struct tlshd {
	const struct tlsh_daemon_opts *o;
	struct tlsh_nl ready, cmd;
	struct tlsh_nl evsub;		/* EVENT; .sock NULL: not subscribed */
	int ctl, sig, kick;
	struct tlshd_listener *listeners;
	struct tlshd_worker *workers;
	unsigned int n_workers;
	atomic_uint claimed;
	/* Bound on claimed: max_active per worker, and the fd budget. */
	unsigned int max_claimed;
	unsigned int max_active;
	atomic_bool stopping;
	atomic_ulong ok, failed, resumed;	/* resumed: of the ok */
	unsigned long events[TLSH_EVENT_MAX + 1], events_lost;
	int64_t next_reconcile;
	const struct tlshd_ops *ops;
	int exit_status;
	struct tlshd_hs *hs;		/* NULL: not the kernel's agent */
};

#define TLSHD_MAIN_TAGS		8
extern char tlshd_main_tag[TLSHD_MAIN_TAGS];

/* Watch fd (EPOLLIN) in worker 0's loop: ops->main_event(d, tag) then. */
int tlshd_watch_main(struct tlshd *d, int fd, unsigned int tag);

/* One line on stderr, written at once (threads share it). */
void tlshd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The main thread's listener with that id, or NULL. */
struct tlshd_listener *tlshd_find_listener(struct tlshd *d, uint32_t id);

/*
 * Takes over *spec, with a reference to creds, or (creds NULL) the
 * credentials loaded from spec. NULL with a sentence in err.
 */
struct tlshd_listener *tlshd_listener_new(struct tlsh_spec *spec,
					  struct tlshd_creds *creds, char *err,
					  size_t errlen);
void tlshd_listener_put(struct tlshd_listener *l);

/* p loaded (checked first) into new creds; NULL with a sentence in err. */
struct tlshd_creds *tlshd_creds_load(const struct tlsh_profile *p, char *err,
				     size_t errlen);
/* The same for either side (the kernel's handshake requests: daemon_hs.c). */
struct tlshd_creds *tlshd_creds_load_side(const struct tlsh_profile *p,
					  bool server, char *err,
					  size_t errlen);
void tlshd_creds_put(struct tlshd_creds *c);
/* A reference to the creds l's new handshakes start with; any thread. */
struct tlshd_creds *tlshd_listener_creds(struct tlshd_listener *l);
/*
 * From now on l's new handshakes start with c (the caller's reference is
 * taken over); those in flight keep theirs.
 */
void tlshd_listener_set_creds(struct tlshd_listener *l, struct tlshd_creds *c);

/*
 * n workers, each with its own epoll and, with the module, netlink socket:
 * worker 0 for the main thread, n - 1 threads; -1 after logging why.
 * Stop joins the threads and closes what they held.
 */
int tlshd_workers_start(struct tlshd *d, unsigned int n);
void tlshd_workers_stop(struct tlshd *d);

/* Worker 0's loop, in the calling (main) thread, until d->stopping. */
void tlshd_run_main(struct tlshd *d);
/*
 * A connection claimed for listener l, from the main thread: counted
 * against max_claimed and given to the least loaded worker (worker 0's
 * starts at once), which owns fd from here. -ENOMEM, fd still the
 * caller's, if it could not be.
 */
int tlshd_claimed(struct tlshd *d, struct tlshd_listener *l, int fd);
/*
 * The same for a kernel handshake request: job (taken over on success)
 * says how to run it, l is the base its credentials come from.
 */
int tlshd_claimed_job(struct tlshd *d, struct tlshd_listener *l, int fd,
		      struct tlshd_hs_job *job);

/* ops->install of the daemon: export the keys, install kTLS. */
int tlshd_install_ktls(int fd, const struct tlsh_conn *tls, char *why,
		       size_t whylen);

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
void tlshd_events_open(struct tlshd *d);
void tlshd_events_read(struct tlshd *d);
size_t tlshd_events_format(const unsigned long *counts, char *out,
			   size_t len);

#endif
