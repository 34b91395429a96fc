// SPDX-License-Identifier: GPL-2.0
/*
 * `tlshelper daemon`: listeners' credentials and the handshake workers.
 *
 * A worker runs many handshakes at once on its own epoll: non-blocking
 * reads of exactly what tlsh_conn_want() asks for (a record header, then
 * exactly its body), so nothing past the handshake leaves the socket; then
 * kTLS, DONE 0, close. On failure the engine's alert is sent, DONE carries
 * an errno and the fd is closed: the module resets the connection unseen.
 * One log line per handshake.
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
#include <sys/socket.h>

#include "addr.h"
#include "daemon_worker.h"
#include "ktls.h"
#include "random.h"
#include "tls/kex.h"
#include "tls/suite.h"

#define SCAN_MS			100

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

int64_t tlshd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- listeners: credentials loaded once, shared read-only by workers ---- */

void tlshd_listener_put(struct listener *l)
{
	size_t i;

	if (!l || atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	for (i = 0; i < l->n_cred; i++)
		tlsh_cred_free(&l->cred[i]);
	if (l->trust)
		gnutls_x509_trust_list_deinit(l->trust, 1);
	free(l->alpn_buf);
	tlsh_spec_free(&l->spec);
	free(l);
}

struct listener *tlshd_listener_new(struct tlsh_spec *spec, char *err,
				    size_t errlen)
{
	struct listener *l = calloc(1, sizeof(*l));
	size_t n_alpn = 0, i;
	enum tlsh_err e;
	char *tok, *save;

	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	atomic_init(&l->refs, 1);
	l->spec = *spec;
	tlsh_spec_init(spec);
	if (tlsh_spec_check(&l->spec, err, errlen))
		goto fail;
	for (i = 0; i < l->spec.n_certs; i++) {
		e = tlsh_cred_load(&l->cred[i], l->spec.certs[i],
				   l->spec.keys[i]);
		if (e) {
			snprintf(err, errlen,
				 "cannot load certificate %s / key %s: %s",
				 l->spec.certs[i], l->spec.keys[i],
				 tlsh_err_str(e));
			goto fail;
		}
		l->cred_ptr[i] = &l->cred[i];
		l->n_cred = i + 1;
	}
	if (l->spec.ca && tlsh_trust_load(&l->trust, l->spec.ca)) {
		snprintf(err, errlen, "no CA certificates loaded from %s",
			 l->spec.ca);
		goto fail;
	}
	if (l->spec.alpn) {
		l->alpn_buf = strdup(l->spec.alpn);
		if (!l->alpn_buf) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		for (tok = strtok_r(l->alpn_buf, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			if (n_alpn == MAX_ALPN || strlen(tok) > 255) {
				snprintf(err, errlen, "bad ALPN list '%s'",
					 l->spec.alpn);
				goto fail;
			}
			l->alpn[n_alpn++] = tok;
		}
	}
	l->timeout_ms = l->spec.timeout_ms ? l->spec.timeout_ms :
					     DEFAULT_TIMEOUT_MS;
	l->cfg.random = tlsh_os_random;
	l->cfg.cred = l->cred_ptr[0];
	l->cfg.creds = l->cred_ptr;
	l->cfg.n_creds = l->n_cred;
	l->cfg.trust = l->trust;
	l->cfg.verify_client = l->spec.verify_client;
	l->cfg.require_client_cert = l->spec.verify_client;
	l->cfg.alpn = n_alpn ? l->alpn : NULL;
	l->cfg.n_alpn = n_alpn;
	return l;
fail:
	tlshd_listener_put(l);
	return NULL;
}

/* ---- workers ---- */




static const char *group_name(uint16_t g)
{
	switch (g) {
	case TLSH_GROUP_X25519:
		return "x25519";
	case TLSH_GROUP_SECP256R1:
		return "secp256r1";
	case TLSH_GROUP_SECP384R1:
		return "secp384r1";
	default:
		return "?";
	}
}

static void conn_free(struct worker *w, struct dconn *c)
{
	unsigned int was;

	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->fd >= 0)
		close(c->fd);
	if (c->tls)
		tlsh_conn_free(c->tls);
	free(c->buf);
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
static void conn_finish(struct worker *w, struct dconn *c, int status,
			const char *why)
{
	int64_t ms = tlshd_now_ms() - c->start_ms;
	char extra[300] = "";
	int err;

	/* Best effort: the alert the engine queued goes out before DONE. */
	if (status && c->tls) {
		size_t n;
		const uint8_t *out = tlsh_conn_output(c->tls, &n);

		ssize_t r = n ? send(c->fd, out, n,
				     MSG_DONTWAIT | MSG_NOSIGNAL) : 0;

		if (r > 0)
			tlsh_conn_output_done(c->tls, (size_t)r);
	}
	err = tlsh_nl_done(&w->nl, c->fd, (uint32_t)status);
	if (err == -EINVAL && status)
		snprintf(extra, sizeof(extra), " (reset by tlsh.ko already)");
	else if (err)
		snprintf(extra, sizeof(extra), " (DONE: %s)", w->nl.errmsg);
	if (!status && !err) {
		const struct tlsh_suite *s =
			tlsh_suite_by_id(tlsh_conn_suite(c->tls));
		const char *alpn = tlsh_conn_alpn(c->tls);
		const char *sni = tlsh_conn_sni(c->tls);

		atomic_fetch_add(&c->l->ok, 1);
		atomic_fetch_add(&w->d->ok, 1);
		uint16_t v = tlsh_conn_version(c->tls);

		tlshd_log("listener %u %s: ok TLS1.%d %s %s%s%s%s%s %lld ms",
			c->l->id, c->peer, v == TLSH_TLS12 ? 2 : 3,
			s ? s->name : "?",
			group_name(tlsh_conn_group(c->tls)),
			sni ? " sni=" : "", sni ? sni : "",
			alpn ? " alpn=" : "", alpn ? alpn : "",
			(long long)ms);
	} else {
		atomic_fetch_add(&c->l->failed, 1);
		atomic_fetch_add(&w->d->failed, 1);
		tlshd_log("listener %u %s: failed: %s%s, %lld ms", c->l->id,
			c->peer, why ? why : strerror(status), extra,
			(long long)ms);
	}
	conn_free(w, c);
}

static void conn_fail_engine(struct worker *w, struct dconn *c)
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

static void conn_complete(struct worker *w, struct dconn *c)
{
	struct tlsh_ktls_params p;
	struct tlsh_ktls_error kerr;
	char why[200], kbuf[160];
	int err;

	if (tlsh_conn_export_ktls(c->tls, &p)) {
		conn_finish(w, c, EPROTO, "cannot export the traffic keys");
		return;
	}
	err = tlsh_ktls_install(c->fd, &p, &kerr);
	explicit_bzero(&p, sizeof(p));
	if (err) {
		snprintf(why, sizeof(why), "kTLS: %s",
			 tlsh_ktls_strerror(&kerr, kbuf, sizeof(kbuf)));
		conn_finish(w, c, (unsigned int)-err, why);
		return;
	}
	conn_finish(w, c, 0, NULL);
}

static int conn_watch(struct worker *w, struct dconn *c, uint32_t events)
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
static void conn_step(struct worker *w, struct dconn *c)
{
	char why[128];

	for (;;) {
		const uint8_t *out;
		size_t n, want, used;
		ssize_t r;

		out = tlsh_conn_output(c->tls, &n);
		while (n) {
			r = send(c->fd, out, n, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && errno == EAGAIN) {
				if (conn_watch(w, c, EPOLLOUT))
					goto io_error;
				return;
			}
			if (r < 0)
				goto io_error;
			tlsh_conn_output_done(c->tls, (size_t)r);
			out = tlsh_conn_output(c->tls, &n);
		}
		if (tlsh_conn_error(c->tls)) {
			conn_fail_engine(w, c);
			return;
		}
		if (tlsh_conn_done(c->tls)) {
			conn_complete(w, c);
			return;
		}
		want = tlsh_conn_want(c->tls);
		if (!want) {
			conn_finish(w, c, EPROTO, "engine stalled");
			return;
		}
		if (want > c->cap) {
			uint8_t *b = realloc(c->buf, want);

			if (!b) {
				conn_finish(w, c, ENOMEM, "out of memory");
				return;
			}
			c->buf = b;
			c->cap = want;
		}
		if (c->have < want) {
			/* Exactly what the engine wants: never past a record. */
			r = recv(c->fd, c->buf + c->have, want - c->have,
				 MSG_DONTWAIT);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && errno == EAGAIN) {
				if (conn_watch(w, c, EPOLLIN))
					goto io_error;
				return;
			}
			if (r < 0)
				goto io_error;
			if (r == 0) {
				conn_finish(w, c, ECONNRESET,
					    "peer closed the connection");
				return;
			}
			c->have += (size_t)r;
			if (c->have < want)
				continue;
		}
		used = 0;
		if (tlsh_conn_feed(c->tls, c->buf, c->have, &used)) {
			/* The error is sticky: flush its alert, then fail. */
			c->have = 0;
			continue;
		}
		if (used > c->have)
			used = c->have;
		memmove(c->buf, c->buf + used, c->have - used);
		c->have -= used;
	}
io_error:
	snprintf(why, sizeof(why), "connection error: %s", strerror(errno));
	conn_finish(w, c, errno ? errno : EIO, why);
}

static void conn_start(struct worker *w, struct dconn *c)
{
	enum tlsh_err e;

	c->prev = NULL;
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	c->start_ms = tlshd_now_ms();
	c->deadline_ms = c->start_ms + c->l->timeout_ms;
	tlsh_peer_str(c->fd, c->peer, sizeof(c->peer));
	e = tlsh_conn_new(&c->tls, &c->l->cfg, true);
	if (e) {
		c->tls = NULL;
		conn_finish(w, c, ENOMEM, tlsh_err_str(e));
		return;
	}
	conn_step(w, c);
}

static void worker_scan_timeouts(struct worker *w, int64_t now)
{
	struct dconn *c = w->conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (now >= c->deadline_ms)
			conn_finish(w, c, ETIMEDOUT, "handshake timeout");
	}
}

void *tlshd_worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[64];
	int64_t next_scan = tlshd_now_ms() + SCAN_MS;

	while (!atomic_load(&w->d->stopping)) {
		int64_t now;
		int i, n;

		n = epoll_wait(w->ep, evs, 64, w->conns ? SCAN_MS : -1);
		for (i = 0; i < n; i++) {
			struct dconn *c = evs[i].data.ptr;

			if (c) {
				conn_step(w, c);
				continue;
			}
			{
				uint64_t v;
				struct dconn *q;

				if (read(w->ev, &v, sizeof(v)) < 0)
					v = 0;
				pthread_mutex_lock(&w->lock);
				q = w->queue;
				w->queue = NULL;
				pthread_mutex_unlock(&w->lock);
				while (q) {
					struct dconn *next = q->next;

					conn_start(w, q);
					q = next;
				}
			}
		}
		now = tlshd_now_ms();
		if (now >= next_scan) {
			worker_scan_timeouts(w, now);
			next_scan = now + SCAN_MS;
		}
	}
	/* Without DONE the module resets what is left: fail closed. */
	while (w->conns)
		conn_free(w, w->conns);
	return NULL;
}

void tlshd_worker_give(struct worker *w, struct dconn *c)
{
	uint64_t one = 1;

	atomic_fetch_add(&w->load, 1);
	pthread_mutex_lock(&w->lock);
	c->next = w->queue;
	w->queue = c;
	pthread_mutex_unlock(&w->lock);
	if (write(w->ev, &one, sizeof(one)) < 0)
		tlshd_log("cannot wake a worker: %s", strerror(errno));
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
	struct tlsh_ktls_params p;
	int64_t t0 = tlshd_now_ms();
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
	else if (tlshd_now_ms() - t0 > 100)
		tlshd_log("kTLS warm-up: the kernel's AES-GCM took %lld ms to load",
			  (long long)(tlshd_now_ms() - t0));
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
