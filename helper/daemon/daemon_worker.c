// SPDX-License-Identifier: GPL-2.0
/*
 * `tlshelper daemon`: listeners' credentials and the handshake workers.
 *
 * A worker runs many handshakes at once on its own epoll, each advanced by
 * the I/O step (io/step.h: it takes off the socket exactly the records the
 * engine wants, so nothing past the handshake leaves the socket); then
 * kTLS, DONE 0, close (through the embedder's struct tlshd_ops). On
 * failure the engine's alert is sent, DONE carries an errno and the fd is
 * closed: the module resets the connection unseen. One log line per
 * handshake.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include "os/addr.h"
#include "daemon/daemon_worker.h"
#include "os/ktls.h"
#include "os/random.h"
#include "tls/kex.h"
#include "tls/suite.h"

#define SCAN_MS			100
/* Room for a peer-chosen string in a log line, escaped and cut. */
#define LOG_PEER_STR		96

/* ---- logging: one write per line, several threads share stderr ---- */

void tlshd_log(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "tlshelper daemon: ");
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	if (write(STDERR_FILENO, line, strlen(line)) < 0)
		return;
}

/* ---- listeners and their creds, shared read-only by workers ---- */

void tlshd_creds_put(struct tlshd_creds *c)
{
	if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	tlsh_profile_unload(&c->tls);
	free(c);
}

/* Zeroed memory, or NULL with "out of memory" in err. */
static void *zalloc(size_t size, char *err, size_t errlen)
{
	void *p = calloc(1, size);

	if (!p)
		tlsh_err_msg(err, errlen, "out of memory");
	return p;
}

struct tlshd_creds *tlshd_creds_load(const struct tlsh_profile *p, char *err,
				     size_t errlen)
{
	struct tlshd_creds *c = tlshd_creds_load_side(p, true, err, errlen);

	/*
	 * No key files: tickets resume on this daemon until it restarts or
	 * reloads (a new random key each time).
	 */
	if (c)
		tlsh_profile_random_ticket_key(&c->tls);
	return c;
}

struct tlshd_creds *tlshd_creds_load_side(const struct tlsh_profile *p,
					  bool server, char *err,
					  size_t errlen)
{
	struct tlshd_creds *c = zalloc(sizeof(*c), err, errlen);

	if (!c)
		return NULL;
	atomic_init(&c->refs, 1);
	if (tlsh_profile_load(p, server, &c->tls, err, errlen)) {
		free(c);
		return NULL;
	}
	return c;
}

struct tlshd_creds *tlshd_listener_creds(struct tlshd_listener *l)
{
	struct tlshd_creds *c;

	pthread_mutex_lock(&l->creds_lock);
	c = l->creds;
	atomic_fetch_add(&c->refs, 1);
	pthread_mutex_unlock(&l->creds_lock);
	return c;
}

void tlshd_listener_set_creds(struct tlshd_listener *l, struct tlshd_creds *c)
{
	struct tlshd_creds *old;

	pthread_mutex_lock(&l->creds_lock);
	old = l->creds;
	l->creds = c;
	pthread_mutex_unlock(&l->creds_lock);
	tlshd_creds_put(old);
}

void tlshd_listener_put(struct tlshd_listener *l)
{
	if (!l || atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	tlshd_creds_put(l->creds);
	pthread_mutex_destroy(&l->creds_lock);
	tlsh_spec_free(&l->spec);
	free(l->config_key);
	free(l);
}

struct tlshd_listener *tlshd_listener_new(struct tlsh_spec *spec,
					  struct tlshd_creds *creds, char *err,
					  size_t errlen)
{
	struct tlshd_listener *l = zalloc(sizeof(*l), err, errlen);

	if (!l)
		return NULL;
	atomic_init(&l->refs, 1);
	pthread_mutex_init(&l->creds_lock, NULL);
	l->spec = *spec;
	tlsh_spec_init(spec);
	if (creds)
		atomic_fetch_add(&creds->refs, 1);
	l->creds = creds ? creds :
			   tlshd_creds_load(&l->spec.profile, err, errlen);
	if (!l->creds) {
		tlshd_listener_put(l);
		return NULL;
	}
	l->timeout_ms = l->spec.timeout_ms ? l->spec.timeout_ms :
					     DEFAULT_TIMEOUT_MS;
	return l;
}

/* ---- workers ---- */

static void conn_free(struct tlshd_worker *w, struct tlshd_conn *c)
{
	unsigned int was;

	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		w->conns_tail = c->prev;
	if (c->fd >= 0)
		close(c->fd);
	if (c->tls)
		tlsh_conn_free(c->tls);
	tlshd_creds_put(c->creds);
	tlshd_hs_job_free(c->hs);
	tlshd_listener_put(c->l);
	free(c);
	atomic_fetch_sub(&w->load, 1);
	/* Below the cap again: let the main thread claim what waits. */
	was = atomic_fetch_sub(&w->d->claimed, 1);
	if (was >= w->d->max_claimed) {
		uint64_t one = 1;

		if (write(w->d->kick, &one, sizeof(one)) < 0)
			return;
	}
}

/* Report the outcome to the module and close: one log line. */
static void conn_finish(struct tlshd_worker *w, struct tlshd_conn *c, int status,
			const char *why)
{
	int64_t ms = tlsh_now_ms() - c->start_ms;
	char extra[300] = "", rerr[256] = "";
	int err = 0;

	/* Best effort: the alert the engine queued goes out before DONE. */
	if (status && c->tls)
		(void)tlsh_io_send(c->tls, &c->io);
	if (c->hs)
		err = tlshd_hs_job_done(w, c->hs, c->tls, (uint32_t)status,
					rerr, sizeof(rerr));
	else if (w->d->ops->report)
		err = w->d->ops->report(w, c->fd, (uint32_t)status, rerr,
					sizeof(rerr));
	if (err == -EINVAL && status && !c->hs)
		snprintf(extra, sizeof(extra), " (reset by tlsh.ko already)");
	else if (err)
		snprintf(extra, sizeof(extra), " (DONE: %s)", rerr);
	if (!status && !err) {
		const struct tlsh_suite *s =
			tlsh_suite_by_id(tlsh_conn_suite(c->tls));
		const char *alpn = tlsh_conn_alpn(c->tls);
		const char *sni = tlsh_conn_sni(c->tls);
		const char *group = tlsh_group_name(tlsh_conn_group(c->tls));
		uint16_t v = tlsh_conn_version(c->tls);
		char sni_buf[LOG_PEER_STR], alpn_buf[LOG_PEER_STR];

		atomic_fetch_add(&c->l->ok, 1);
		atomic_fetch_add(&w->d->ok, 1);
		if (tlsh_conn_psk(c->tls) == TLSH_PSK_RESUMED) {
			atomic_fetch_add(&c->l->resumed, 1);
			atomic_fetch_add(&w->d->resumed, 1);
		}
		/* The client chose the SNI (and offered the ALPN): escaped. */
		tlshd_log("%s %s: ok TLS1.%d %s %s%s%s%s%s%s %lld ms",
			c->who, c->peer, v == TLSH_TLS12 ? 2 : 3,
			s ? s->name : "?",
			group ? group : "-",	/* none: resumed 1.2, RSA */
			sni ? " sni=" : "",
			sni ? tlsh_log_str(sni, strlen(sni), sni_buf,
					   sizeof(sni_buf)) : "",
			alpn ? " alpn=" : "",
			alpn ? tlsh_log_str(alpn, strlen(alpn), alpn_buf,
					    sizeof(alpn_buf)) : "",
			tlsh_conn_psk(c->tls) == TLSH_PSK_RESUMED ?
			" resumed" : "",
			(long long)ms);
	} else {
		char why_buf[2 * LOG_PEER_STR];

		if (!why)
			why = strerror(status);
		atomic_fetch_add(&c->l->failed, 1);
		atomic_fetch_add(&w->d->failed, 1);
		/* A reason may quote the peer's certificate names. */
		tlshd_log("%s %s: failed: %s%s, %lld ms", c->who,
			c->peer, tlsh_log_text(why, why_buf, sizeof(why_buf)),
			extra, (long long)ms);
	}
	conn_free(w, c);
}

static void conn_fail_engine(struct tlshd_worker *w, struct tlshd_conn *c)
{
	enum tlsh_err e = tlsh_conn_error(c->tls);
	const char *reason = tlsh_conn_error_reason(c->tls);
	char why[256];

	/* "alert: reason", the reason alone when it says no more. */
	if (reason && strcmp(reason, tlsh_err_str(e)))
		snprintf(why, sizeof(why), "%s: %s", tlsh_err_str(e), reason);
	else
		snprintf(why, sizeof(why), "%s", tlsh_err_str(e));
	conn_finish(w, c, tlsh_err_class(e) == TLSH_ECLASS_PEER ?
			  ECONNABORTED : EPROTO, why);
}

int tlshd_install_ktls(int fd, const struct tlsh_conn *tls, char *why,
		       size_t whylen)
{
	struct tlsh_traffic_keys p;
	struct tlsh_ktls_error kerr;
	char kbuf[160];
	int err;

	if (tlsh_conn_export_keys(tls, &p)) {
		snprintf(why, whylen, "cannot export the traffic keys");
		return -EPROTO;
	}
	err = tlsh_ktls_install(fd, &p, &kerr);
	explicit_bzero(&p, sizeof(p));
	if (err)
		snprintf(why, whylen, "kTLS: %s",
			 tlsh_ktls_strerror(&kerr, kbuf, sizeof(kbuf)));
	return err;
}

static void conn_complete(struct tlshd_worker *w, struct tlshd_conn *c)
{
	char why[200];
	int err = c->hs ? tlshd_hs_job_check(c->hs, c->tls, why, sizeof(why)) :
		  0;

	if (err) {
		conn_finish(w, c, err, why);
		return;
	}
	err = w->d->ops->install(c->fd, c->tls, why, sizeof(why));

	conn_finish(w, c, err ? -err : 0, err ? why : NULL);
}

static int conn_watch(struct tlshd_worker *w, struct tlshd_conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (c->events == events)
		return 0;
	if (epoll_ctl(w->ep, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
		      c->fd, &ev))
		return -errno;
	c->events = events;
	return 0;
}

/* Run the handshake as far as the socket allows without blocking. */
static void conn_step(struct tlshd_worker *w, struct tlshd_conn *c)
{
	enum tlsh_io_want want = tlsh_io_step(c->tls, &c->io);
	char why[128];
	int err;

	switch (want) {
	case TLSH_IO_WANT_READ:
	case TLSH_IO_WANT_WRITE:
		err = conn_watch(w, c, want == TLSH_IO_WANT_READ ? EPOLLIN :
								   EPOLLOUT);
		break;
	case TLSH_IO_DONE:
		conn_complete(w, c);
		return;
	case TLSH_IO_FAILED:
	default:
		if (c->io.status == TLSH_IO_ENGINE) {
			conn_fail_engine(w, c);
			return;
		}
		if (c->io.status == TLSH_IO_EOF) {
			conn_finish(w, c, ECONNRESET,
				    "peer closed the connection");
			return;
		}
		err = -(c->io.sys_errno ? c->io.sys_errno : EIO);
		break;
	}
	if (!err)
		return;
	snprintf(why, sizeof(why), "connection error: %s", strerror(-err));
	conn_finish(w, c, -err, why);
}

/*
 * Take c on, at the young end of the list: its first step waits its turn
 * like any other (worker_run_ready), behind every older handshake that has
 * something to do.
 */
static void conn_start(struct tlshd_worker *w, struct tlshd_conn *c)
{
	const struct tlsh_config *cfg = c->hs ? &c->hs->cfg : &c->creds->tls.cfg;
	bool server = c->hs ? c->hs->server : true;
	uint32_t timeout_ms = c->l->timeout_ms;
	enum tlsh_err e;

	c->next = NULL;
	c->prev = w->conns_tail;
	if (w->conns_tail)
		w->conns_tail->next = c;
	else
		w->conns = c;
	w->conns_tail = c;
	c->start_ms = tlsh_now_ms();
	if (c->hs && c->hs->req.timeout_ms)
		timeout_ms = c->hs->req.timeout_ms;
	c->deadline_ms = c->start_ms + timeout_ms;
	if (c->hs)
		snprintf(c->who, sizeof(c->who), "%s", c->hs->who);
	else
		snprintf(c->who, sizeof(c->who), "listener %u", c->l->id);
	tlsh_peer_str(c->fd, c->peer, sizeof(c->peer));
	c->io.fd = c->fd;
	c->io.max_bytes = tlsh_io_cap(cfg->max_handshake_bytes);
	e = tlsh_conn_new(&c->tls, cfg, server);
	if (!e && !server && (e = tlsh_conn_start(c->tls)) != TLSH_OK)
		tlsh_conn_free(c->tls);	/* a client queues its ClientHello */
	if (e) {
		c->tls = NULL;
		conn_finish(w, c, ENOMEM, tlsh_err_str(e));
		return;
	}
	c->runnable = true;	/* the ClientHello may be there already */
}

static void worker_scan_timeouts(struct tlshd_worker *w, int64_t now)
{
	struct tlshd_conn *c = w->conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (now >= c->deadline_ms)
			conn_finish(w, c, ETIMEDOUT, "handshake timeout");
	}
}

char tlshd_main_tag[TLSHD_MAIN_TAGS];

/* The queue is pushed at its head: newest first. */
static struct tlshd_conn *reverse(struct tlshd_conn *q)
{
	struct tlshd_conn *r = NULL;

	while (q) {
		struct tlshd_conn *next = q->next;

		q->next = r;
		r = q;
		q = next;
	}
	return r;
}

int tlshd_watch_main(struct tlshd *d, int fd, unsigned int tag)
{
	struct epoll_event ev = {
		.events = EPOLLIN, .data.ptr = &tlshd_main_tag[tag],
	};

	return epoll_ctl(d->workers[0].ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Worker 0 is the main thread's: it also serves the main thread's fds. */
static bool is_main_worker(const struct tlshd_worker *w)
{
	return w == &w->d->workers[0];
}

/* Start what the main thread handed over, in the order it was claimed. */
static void worker_take_queue(struct tlshd_worker *w)
{
	struct tlshd_conn *q;
	uint64_t v;

	if (read(w->ev, &v, sizeof(v)) < 0)
		v = 0;
	pthread_mutex_lock(&w->lock);
	q = w->queue;
	w->queue = NULL;
	pthread_mutex_unlock(&w->lock);
	q = reverse(q);		/* oldest claimed first */
	while (q) {
		struct tlshd_conn *next = q->next;

		conn_start(w, q);
		q = next;
	}
}

/*
 * Wait at most timeout ms for events (0: only look) and mark what they
 * concern: a handshake becomes runnable, the main thread's fds are served
 * at once (a claim only adds a runnable handshake), the queue is taken.
 */
static void worker_poll(struct tlshd_worker *w, int timeout)
{
	struct tlshd *d = w->d;
	struct epoll_event evs[64];
	int i, n;

	n = epoll_wait(w->ep, evs, 64, timeout);
	for (i = 0; i < n && !atomic_load(&d->stopping); i++) {
		char *tag = evs[i].data.ptr;

		if (tag >= tlshd_main_tag &&
		    tag < tlshd_main_tag + TLSHD_MAIN_TAGS)
			d->ops->main_event(d, (unsigned int)(tag - tlshd_main_tag));
		else if (tag)
			((struct tlshd_conn *)tag)->runnable = true;
		else
			worker_take_queue(w);
	}
}

/*
 * Advance runnable handshakes one step at a time, always the oldest one
 * (w->conns runs from the oldest claim to the youngest), and look for new
 * events after each step. A step is where the CPU goes (a ClientHello
 * costs a key exchange and a signature), so the client whose Finished just
 * arrived completes before a younger ClientHello is worked on: under
 * overload handshakes complete in the order they came, at the rate the
 * CPU allows, instead of all progressing together and all missing their
 * deadline. Waiting for a peer costs nothing: any number may wait.
 */
static void worker_run_ready(struct tlshd_worker *w, int64_t *next_scan)
{
	struct tlshd *d = w->d;

	while (!atomic_load(&d->stopping)) {
		struct tlshd_conn *c;
		int64_t now;

		for (c = w->conns; c && !c->runnable; c = c->next)
			;
		if (!c)
			return;
		c->runnable = false;
		conn_step(w, c);	/* may free c */
		now = tlsh_now_ms();
		if (now >= *next_scan) {
			worker_scan_timeouts(w, now);
			*next_scan = now + SCAN_MS;
		}
		worker_poll(w, 0);
	}
}

/*
 * One worker's loop. Worker 0 runs it in the main thread, where its epoll
 * also carries the main thread's own fds (tagged &tlshd_main_tag[i]): a
 * connection claimed there starts with no hand-off to another thread.
 */
static void worker_loop(struct tlshd_worker *w)
{
	struct tlshd *d = w->d;
	int64_t next_scan = tlsh_now_ms() + SCAN_MS;

	while (!atomic_load(&d->stopping)) {
		int timeout = w->conns ? SCAN_MS : -1;
		int64_t now;

		if (is_main_worker(w)) {
			int t = d->ops->main_tick(d);

			if (t >= 0 && (timeout < 0 || t < timeout))
				timeout = t;
		}
		worker_poll(w, timeout);
		worker_run_ready(w, &next_scan);
		now = tlsh_now_ms();
		if (now >= next_scan) {
			worker_scan_timeouts(w, now);
			next_scan = now + SCAN_MS;
		}
	}
	/* Without DONE the module resets what is left: fail closed. */
	while (w->conns)
		conn_free(w, w->conns);
}

static void *worker_thread(void *arg)
{
	worker_loop(arg);
	return NULL;
}

void tlshd_run_main(struct tlshd *d)
{
	worker_loop(&d->workers[0]);
}

/* Hand c to worker w; worker 0's (the caller's own) starts at once. */
static void worker_give(struct tlshd_worker *w, struct tlshd_conn *c)
{
	uint64_t one = 1;

	atomic_fetch_add(&w->load, 1);
	if (is_main_worker(w)) {	/* the caller's own: start now */
		conn_start(w, c);
		return;
	}
	pthread_mutex_lock(&w->lock);
	c->next = w->queue;
	w->queue = c;
	pthread_mutex_unlock(&w->lock);
	if (write(w->ev, &one, sizeof(one)) < 0)
		tlshd_log("cannot wake a worker: %s", strerror(errno));
}

static struct tlshd_worker *least_loaded(struct tlshd *d)
{
	struct tlshd_worker *best = &d->workers[0];
	unsigned int i;

	for (i = 1; i < d->n_workers; i++)
		if (atomic_load(&d->workers[i].load) < atomic_load(&best->load))
			best = &d->workers[i];
	return best;
}

int tlshd_claimed(struct tlshd *d, struct tlshd_listener *l, int fd)
{
	return tlshd_claimed_job(d, l, fd, NULL);
}

int tlshd_claimed_job(struct tlshd *d, struct tlshd_listener *l, int fd,
		      struct tlshd_hs_job *job)
{
	struct tlshd_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	atomic_fetch_add(&l->refs, 1);
	c->l = l;
	c->creds = tlshd_listener_creds(l);
	c->fd = fd;
	c->hs = job;
	atomic_fetch_add(&d->claimed, 1);
	worker_give(least_loaded(d), c);
	return 0;
}

int tlshd_workers_start(struct tlshd *d, unsigned int n)
{
	unsigned int i;

	d->workers = calloc(n, sizeof(*d->workers));
	if (!d->workers)
		return -1;
	for (i = 0; i < n; i++) {
		struct tlshd_worker *w = &d->workers[i];
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

		w->d = d;
		pthread_mutex_init(&w->lock, NULL);
		w->ep = epoll_create1(EPOLL_CLOEXEC);
		w->ev = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (w->ep < 0 || w->ev < 0 ||
		    epoll_ctl(w->ep, EPOLL_CTL_ADD, w->ev, &ev)) {
			tlshd_log("worker setup: %s", strerror(errno));
			return -1;
		}
		/* Without tlsh.ko: the kernel's handshake requests only. */
		if (d->ops->report && d->cmd.sock && tlsh_nl_open(&w->nl)) {
			tlshd_log("%s", w->nl.errmsg);
			return -1;
		}
		/* Worker 0 is the main thread's (tlshd_run_main). */
		if (i == 0)
			w->thread = pthread_self();
		else if (pthread_create(&w->thread, NULL, worker_thread, w)) {
			tlshd_log("cannot start a worker thread");
			return -1;
		}
		d->n_workers = i + 1;
	}
	return 0;
}

void tlshd_workers_stop(struct tlshd *d)
{
	unsigned int i;
	uint64_t one = 1;

	atomic_store(&d->stopping, true);
	for (i = 0; i < d->n_workers; i++)
		if (write(d->workers[i].ev, &one, sizeof(one)) < 0)
			continue;
	for (i = 0; i < d->n_workers; i++) {
		struct tlshd_worker *w = &d->workers[i];

		if (i)
			pthread_join(w->thread, NULL);
		while (w->queue) {	/* handed over, never started */
			struct tlshd_conn *c = w->queue;

			w->queue = c->next;
			close(c->fd);
			tlshd_creds_put(c->creds);
			tlshd_hs_job_free(c->hs);
			tlshd_listener_put(c->l);
			free(c);
		}
		if (d->ops->report)
			tlsh_nl_close(&w->nl);
		tlsh_nl_close(&w->hs_nl);
		close(w->ep);
		close(w->ev);
	}
	free(d->workers);
}

/* ---- kTLS warm-up ---- */

/* A connected loopback pair (*a, *b); 0 or -1. */
static int loopback_pair(int *a, int *b)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int l;

	*a = *b = -1;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return -1;
	if (bind(l, (struct sockaddr *)&sin, sizeof(sin)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&sin, &len))
		goto fail;
	*a = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*a < 0 || connect(*a, (struct sockaddr *)&sin, sizeof(sin)))
		goto fail;
	*b = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (*b < 0)
		goto fail;
	close(l);
	return 0;
fail:
	close(l);
	if (*a >= 0)
		close(*a);
	*a = -1;
	return -1;
}

static void *warm_main(void *arg)
{
	struct tlsh_traffic_keys p;
	int64_t t0 = tlsh_now_ms();
	int a, b, err = -1;

	(void)arg;
	if (loopback_pair(&a, &b) == 0) {
		memset(&p, 0x5a, sizeof(p));
		p.version = TLSH_TLS13;
		p.aead = TLSH_AEAD_AES_128_GCM;
		p.tx.seq = p.rx.seq = 0;
		err = tlsh_ktls_install(a, &p, NULL);
		close(a);
		close(b);
	}
	if (err)
		tlshd_log("kTLS warm-up failed: %s", strerror(err < 0 ? -err : EIO));
	else if (tlsh_now_ms() - t0 > 100)
		tlshd_log("kTLS warm-up: the kernel's AES-GCM took %lld ms to load",
			  (long long)(tlsh_now_ms() - t0));
	return NULL;
}

void tlshd_warm_ktls(void)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, warm_main, NULL))
		tlshd_log("cannot start the kTLS warm-up");
	pthread_attr_destroy(&attr);
}
