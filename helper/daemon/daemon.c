// SPDX-License-Identifier: GPL-2.0
/*
 * `tlshelper daemon`: the handshake upcall loop for tlsh.ko; its main
 * thread (the workers are in daemon_worker.c).
 *
 * The main thread owns the netlink READY and EVENT subscriptions (EVENT:
 * daemon_events.c), the control socket and the table of listeners (id ->
 * credentials, loaded again on SIGHUP or a "reload" request:
 * daemon_reload.c, which also reads the config file).
 * On every READY (and at startup: READY is not replayed) it claims
 * connections with ACCEPT until EAGAIN, or until --max-active handshakes
 * per worker run, and hands each to the least loaded worker (one per
 * CPU), which runs those handshakes at once. What is not claimed waits in
 * the module, oldest first, until a handshake ends or its deadline passes:
 * under overload the oldest finish instead of all of them together
 * missing the deadline.
 *
 * The table is kept in TLSH_DAEMON_DIR/listeners, so a restarted daemon
 * serves the listeners that are still attached and drains what is pending;
 * a line is restored only under the load of tlsh.ko that gave its id.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include "daemon/daemon_reload.h"
#include "daemon/daemon_worker.h"

#define DEFAULT_MAX_CLAIMED	4096
#define RECONCILE_MS		5000
#define REPLY_MAX		(64 * 1024)

/* ---- the main thread: listener table, state file, control ---- */

struct tlshd_listener *tlshd_find_listener(struct tlshd *d, uint32_t id)
{
	struct tlshd_listener *l;

	for (l = d->listeners; l; l = l->next)
		if (l->id == id)
			return l;
	return NULL;
}

void tlshd_unlink_listener(struct tlshd *d, struct tlshd_listener *l)
{
	struct tlshd_listener **pp;

	for (pp = &d->listeners; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			tlshd_listener_put(l);
			return;
		}
	}
}

void tlshd_save_state(struct tlshd *d)
{
	char path[512], tmp[520], line[TLSH_LINE_MAX];
	struct tlshd_listener *l;
	FILE *f;

	tlsh_daemon_path("listeners", path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f) {
		tlshd_log("cannot write %s: %s", tmp, strerror(errno));
		return;
	}
	fprintf(f, "# tlshelper daemon: attached listeners (rewritten)\n");
	for (l = d->listeners; l; l = l->next)
		if (tlsh_spec_format("listener", &l->spec, line,
				     sizeof(line)) > 0)
			fprintf(f, "%s\n", line);
	if (fclose(f) || rename(tmp, path))
		tlshd_log("cannot write %s: %s", path, strerror(errno));
}

/*
 * Sockets the module refused a place in an attached SO_REUSEPORT group
 * since the last look: one line per group (each member counts them all).
 */
static void note_join_refused(struct tlshd *d, struct tlshd_listener *l,
			      const struct tlsh_listener_status *ls)
{
	uint64_t now = ls->counters[TLSH_COUNTER_JOIN_REFUSED];
	struct tlshd_listener *m;

	if (now <= l->join_refused)
		return;
	for (m = d->listeners; m != l; m = m->next)
		if (m->spec.reuseport && m->spec.port == l->spec.port &&
		    m->join_refused >= now)
			break;
	if (m == l)
		tlshd_log("listener %u (port %d): %llu socket%s refused a place in its SO_REUSEPORT group (EADDRINUSE): a group cannot grow while attached; detach, let the server grow, attach again",
			  l->id, l->spec.port,
			  (unsigned long long)(now - l->join_refused),
			  now - l->join_refused == 1 ? " was" : "s were");
	l->join_refused = now;
}

/*
 * Forget listeners the module no longer has (closed by their server).
 * -ENOENT: the module was unloaded.
 */
static int reconcile(struct tlshd *d)
{
	struct tlsh_status st;
	struct tlshd_listener *l, *next;
	bool changed = false;
	unsigned int i;
	int err;

	d->next_reconcile = tlsh_now_ms() + RECONCILE_MS;
	if (!d->cmd.sock)	/* tlsh.ko not loaded: the kernel's agent only */
		return 0;
	err = tlsh_nl_get(&d->cmd, &st);
	if (err == -ENOENT)
		return err;
	if (err || st.n_listeners > TLSH_STATUS_MAX_LISTENERS)
		return 0;
	for (l = d->listeners; l; l = next) {
		const struct tlsh_listener_status *ls = NULL;

		next = l->next;
		for (i = 0; i < st.n_listeners; i++)
			if (st.listeners[i].id == l->id)
				ls = &st.listeners[i];
		if (ls)
			note_join_refused(d, l, ls);
		if (!ls) {
			tlshd_log("listener %u is gone (its socket was closed)",
				l->id);
			tlshd_unlink_listener(d, l);
			changed = true;
		}
	}
	if (changed)
		tlshd_save_state(d);
	return 0;
}

/*
 * Claim what is pending, oldest first (the module's order), while below
 * max_claimed: max_active per worker. Each ACCEPT gives one connection's
 * fd; a worker that finishes one kicks us to claim the next.
 */
static void drain(struct tlshd *d)
{
	while (d->cmd.sock && atomic_load(&d->claimed) < d->max_claimed) {
		struct tlshd_listener *l;
		uint32_t id = 0;
		int fd, err;

		err = tlsh_nl_accept(&d->cmd, 0, &fd, &id);
		if (err == -EAGAIN)
			return;
		if (err) {
			tlshd_log("%s", d->cmd.errmsg);
			return;
		}
		l = tlshd_find_listener(d, id);
		if (!l || tlshd_claimed(d, l, fd)) {
			tlshd_log("listener %u: %s: connection refused", id,
				l ? "out of memory" :
				    "no credentials for this listener");
			if (tlsh_nl_done(&d->cmd, fd, l ? ENOMEM : ENOKEY))
				tlshd_log("%s", d->cmd.errmsg);
			close(fd);
		}
	}
}

/* Attach fd with spec and creds (NULL: loaded from spec); 0, or -1 and err. */
static int do_attach(struct tlshd *d, int fd, struct tlsh_spec *spec,
		     struct tlshd_creds *creds, uint32_t *id_out, char *err,
		     size_t errlen)
{
	struct tlsh_attach_opts opts;
	struct tlshd_listener *l;
	char addr[80], module[128];
	socklen_t len = sizeof(int);
	int port, reuseport = 0;
	uint32_t id;

	if (!d->cmd.sock) {
		snprintf(err, errlen, "tlsh.ko is not loaded");
		return -1;
	}
	port = tlsh_sock_port(fd, addr, sizeof(addr));
	if (getsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &reuseport, &len))
		reuseport = 0;
	l = tlshd_listener_new(spec, creds, err, errlen);
	if (!l)
		return -1;
	opts.timeout_ms = l->spec.timeout_ms;
	opts.max_in_flight = l->spec.max_in_flight;
	opts.close_notify = l->spec.close_notify;
	if (tlsh_nl_attach_opts(&d->cmd, fd, &opts, &id)) {
		snprintf(err, errlen, "%s", d->cmd.errmsg);
		tlshd_listener_put(l);
		return -1;
	}
	l->id = id;
	l->spec.id = id;
	l->spec.port = port > 0 ? port : 0;
	l->spec.reuseport = reuseport != 0;
	l->spec.line_pid = l->spec.fd >= 0 ? l->spec.pid : 0;
	l->spec.line_fd = l->spec.fd;
	l->spec.pid = 0;
	l->spec.fd = -1;
	/* What makes the id mean this listener, for a restart (load_state). */
	free(l->spec.module);
	l->spec.module = NULL;
	if (tlsh_module_instance(module, sizeof(module)) == 0)
		l->spec.module = strdup(module);
	if (!l->spec.module)
		tlshd_log("listener %u: cannot tell which load of tlsh.ko this is: a restarted daemon will not restore it",
			  id);
	l->spec.netns = tlsh_netns_id();
	l->next = d->listeners;
	d->listeners = l;
	tlshd_save_state(d);
	tlshd_log("listener %u attached: %s%s, certificate %s", id, addr,
		  reuseport ? " (SO_REUSEPORT group member)" : "",
		  l->spec.profile.certs[0]);
	*id_out = id;
	return 0;
}

static void reply_status(struct tlshd *d, char *out, size_t len)
{
	char line[TLSH_LINE_MAX];
	struct tlshd_listener *l;
	unsigned long events = 0;
	size_t used;
	unsigned int i, load = 0;

	if (reconcile(d))
		tlshd_log("%s", d->cmd.errmsg);
	for (i = 0; i < d->n_workers; i++)
		load += atomic_load(&d->workers[i].load);
	for (i = 0; i <= TLSH_EVENT_MAX; i++)
		events += d->events[i];
	used = (size_t)snprintf(out, len,
				"ok daemon pid=%d workers=%u handshaking=%u ok=%lu failed=%lu resumed=%lu events=%lu events-lost=%lu",
				(int)getpid(), d->n_workers, load,
				atomic_load(&d->ok), atomic_load(&d->failed),
				atomic_load(&d->resumed),
				events, d->events_lost);
	used += tlshd_events_format(d->events, out + used, len - used);
	used += (size_t)snprintf(out + used, len - used, "\n");
	for (l = d->listeners; l && used < len; l = l->next) {
		if (tlsh_spec_format("listener", &l->spec, line,
				     sizeof(line)) < 0)
			continue;
		used += (size_t)snprintf(out + used, len - used,
					 "%s ok=%lu failed=%lu resumed=%lu", line,
					 atomic_load(&l->ok),
					 atomic_load(&l->failed),
					 atomic_load(&l->resumed));
		if (used < len)
			used += tlshd_events_format(l->events, out + used,
						    len - used);
		if (used < len)
			used += (size_t)snprintf(out + used, len - used, "\n");
	}
}

static void handle_request(struct tlshd *d, int conn)
{
	char line[TLSH_LINE_MAX], err[300] = "";
	char *reply = malloc(REPLY_MAX);
	struct tlsh_spec spec;
	struct tlshd_listener *l, *next;
	const char *verb;
	uint32_t id;
	int fd, e, n = 0;

	if (!reply)
		return;
	e = tlsh_ctl_recv(conn, line, sizeof(line), &fd);
	if (e) {
		if (e != -EPERM)	/* EPERM: close without a word */
			snprintf(reply, REPLY_MAX, "error %s", strerror(-e));
		else
			reply[0] = '\0';
		goto send;
	}
	if (tlsh_spec_parse(line, &verb, &spec, err, sizeof(err))) {
		snprintf(reply, REPLY_MAX, "error %s", err);
		tlsh_spec_free(&spec);
		goto send;
	}
	if (!strcmp(verb, "attach")) {
		if (fd < 0)
			snprintf(reply, REPLY_MAX, "error no socket was passed");
		else if (do_attach(d, fd, &spec, NULL, &id, err, sizeof(err)))
			snprintf(reply, REPLY_MAX, "error %s", err);
		else
			snprintf(reply, REPLY_MAX, "ok id=%u", id);
	} else if (!strcmp(verb, "detach") && !d->cmd.sock) {
		snprintf(reply, REPLY_MAX, "error tlsh.ko is not loaded");
	} else if (!strcmp(verb, "detach") && (spec.id || spec.port)) {
		size_t used = (size_t)snprintf(reply, REPLY_MAX, "ok");
		int group = 0;

		l = spec.id ? tlshd_find_listener(d, spec.id) : NULL;
		if (spec.id && !l && tlsh_nl_detach(&d->cmd, spec.id) == 0) {
			n++;	/* attached by someone else */
			used += (size_t)snprintf(reply + used, REPLY_MAX - used,
						 " id=%u", spec.id);
		}
		/* One member of a group left plain would get TLS clients. */
		if (l && l->spec.reuseport)
			group = l->spec.port;
		for (l = d->listeners; l; l = next) {
			next = l->next;
			if (spec.id ? l->id != spec.id &&
				      !(group && l->spec.reuseport &&
					l->spec.port == group) :
				      l->spec.port != spec.port)
				continue;
			e = tlsh_nl_detach(&d->cmd, l->id);
			if (e && e != -ESRCH)	/* ESRCH: closed already */
				tlshd_log("listener %u: %s", l->id,
					d->cmd.errmsg);
			tlshd_log("listener %u detached", l->id);
			used += (size_t)snprintf(reply + used, REPLY_MAX - used,
						 " id=%u", l->id);
			tlshd_unlink_listener(d, l);
			n++;
		}
		if (n)
			tlshd_save_state(d);
		else
			snprintf(reply, REPLY_MAX,
				 "error no attached listener %s %u",
				 spec.id ? "with id" : "on port",
				 spec.id ? spec.id : (unsigned int)spec.port);
	} else if (!strcmp(verb, "status")) {
		reply_status(d, reply, REPLY_MAX);
	} else if (!strcmp(verb, "reload")) {
		tlshd_reload(d, reply, REPLY_MAX);
	} else {
		snprintf(reply, REPLY_MAX, "error unknown request '%s'", verb);
	}
	tlsh_spec_free(&spec);
send:
	if (fd >= 0)
		close(fd);
	if (reply[0] && send(conn, reply, strlen(reply), MSG_NOSIGNAL) < 0)
		tlshd_log("control reply: %s", strerror(errno));
	free(reply);
	/* An attach may have made connections claimable. */
	drain(d);
}

/*
 * Restore the listeners of a previous run that the module still has: same
 * id, under the same load of the module, in the same netns (ids start
 * again after a reload, so an id alone may name another listener).
 */
static void load_state(struct tlshd *d)
{
	char path[512], line[TLSH_LINE_MAX], err[300];
	char module[128], again[128];
	const char *instance = module;
	struct tlsh_status st;
	uint32_t netns = tlsh_netns_id();
	FILE *f;

	tlsh_daemon_path("listeners", path, sizeof(path));
	f = d->cmd.sock ? fopen(path, "re") : NULL;
	if (!f)
		return;
	if (tlsh_module_instance(module, sizeof(module)))
		instance = NULL;
	if (tlsh_nl_get(&d->cmd, &st)) {
		fclose(f);
		return;
	}
	/* Reloaded between the two: the ids GET gave are not comparable. */
	if (instance && (tlsh_module_instance(again, sizeof(again)) ||
			 strcmp(again, module)))
		instance = NULL;
	while (fgets(line, sizeof(line), f)) {
		struct tlsh_spec spec;
		struct tlshd_listener *l;
		const char *verb;
		bool present = false;
		unsigned int i;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (tlsh_spec_parse(line, &verb, &spec, err, sizeof(err)) ||
		    strcmp(verb, "listener") || !spec.id) {
			tlsh_spec_free(&spec);
			continue;
		}
		for (i = 0; i < st.n_listeners &&
			    i < TLSH_STATUS_MAX_LISTENERS; i++)
			present |= st.listeners[i].id == spec.id;
		if (!present || tlshd_find_listener(d, spec.id)) {
			tlsh_spec_free(&spec);
			continue;
		}
		if (tlsh_spec_same_instance(&spec, instance, netns, err,
					    sizeof(err))) {
			tlshd_log("listener %u (port %d, certificate %s) not restored: %s",
				  spec.id, spec.port,
				  spec.profile.n_certs ? spec.profile.certs[0] : "?", err);
			tlsh_spec_free(&spec);
			continue;
		}
		l = tlshd_listener_new(&spec, NULL, err, sizeof(err));
		if (!l) {
			tlshd_log("cannot restore a listener: %s", err);
			continue;
		}
		l->id = l->spec.id;
		l->next = d->listeners;
		d->listeners = l;
		if (l->spec.line_pid &&
		    tlshd_mark_config(l, tlshd_config_key(&l->spec, err,
							  sizeof(err))))
			tlshd_log("listener %u: out of memory", l->id);
		tlshd_log("listener %u restored (port %d, certificate %s)",
			l->id, l->spec.port, l->spec.profile.certs[0]);
	}
	fclose(f);
	tlshd_save_state(d);
}

struct config_run {
	struct tlshd *d;
	struct tlsh_spec *spec;
	struct tlshd_creds *creds;	/* the line's, loaded once */
	const char *key;	/* tlshd_config_key() of the line */
	char *err;
	size_t errlen;
	int bad;
};

/*
 * Attach one socket of a "listen" line with its own copy of the settings,
 * marked as the line's.
 */
static int config_attach_one(const struct tlsh_sock_owner *own, void *arg)
{
	struct config_run *r = arg;
	char tmp[TLSH_LINE_MAX];
	struct tlsh_spec copy;
	const char *verb;
	uint32_t id;
	int fd;

	/* Checked against what the scan found: fds and pids move. */
	fd = tlsh_grab_listener(own, r->spec->port, r->err, r->errlen);
	if (fd < 0) {
		r->bad = -1;
		return 0;
	}
	if (tlsh_spec_format("listen", r->spec, tmp, sizeof(tmp)) < 0 ||
	    tlsh_spec_parse(tmp, &verb, &copy, r->err, r->errlen) ||
	    do_attach(r->d, fd, &copy, r->creds, &id, r->err, r->errlen) ||
	    tlshd_mark_config(tlshd_find_listener(r->d, id), r->key))
		r->bad = -1;
	tlsh_spec_free(&copy);
	close(fd);
	return 0;
}

/*
 * Attach every socket one "listen" line names (port=: all of them, a
 * SO_REUSEPORT group and IPv4 and IPv6 sockets included; or pid= and fd=),
 * each marked as that line's.
 */
int tlshd_config_listen(struct tlshd *d, struct tlsh_spec *spec,
			struct tlshd_creds *creds, char *err, size_t errlen)
{
	char key[TLSHD_CONFIG_KEY_MAX];
	struct config_run r = { d, spec, creds, key, err, errlen, 0 };
	struct tlshd_listener *l;
	bool served = false;
	int n;

	if (tlsh_spec_check(spec, err, errlen))
		return -1;
	if (!spec->port && (!spec->pid || spec->fd < 0)) {
		snprintf(err, errlen, "needs port=, or pid= and fd=");
		return -1;
	}
	/*
	 * Served already (restored from the state file, or attached by hand):
	 * the line's settings are the ones that count from now on.
	 */
	tlshd_config_key(spec, key, sizeof(key));
	for (l = d->listeners; l; l = l->next) {
		/* port=: every socket on it; pid= fd=: the one marked so. */
		if (spec->port ? l->spec.port != spec->port :
				 !l->config_key || strcmp(l->config_key, key))
			continue;
		served = true;
		if (tlshd_mark_config(l, key))
			tlshd_log("listener %u: out of memory", l->id);
		else if (tlshd_listener_take_line(l, spec, creds, err, errlen))
			tlshd_log("listener %u: its config line is not applied: %s",
				  l->id, err);
	}
	if (served)
		return 0;
	if (!spec->port) {
		struct tlsh_sock_owner own = {
			.pid = spec->pid, .fd = spec->fd, .inode = 0,
		};	/* named, not found: any listener */

		config_attach_one(&own, &r);
		return r.bad;
	}
	n = tlsh_each_listener(spec->port, config_attach_one, &r);
	if (n <= 0) {
		snprintf(err, errlen, "%s on port %d",
			 n == -E2BIG ? "too many sockets listen" :
			 n ? "cannot see the process of the socket listening" :
			     "no socket listens", spec->port);
		return -1;
	}
	return r.bad;
}

/*
 * Every claimed connection is an fd: raise the soft limit to the hard one
 * and keep the claims below it (ACCEPT would fail with EMFILE).
 */
static unsigned int fd_budget(unsigned int want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return want;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)want + 128)
		want = rl.rlim_cur > 256 ? (unsigned int)(rl.rlim_cur - 128) : 128;
	return want;
}

enum { TAG_READY, TAG_EVENTS, TAG_CTL, TAG_SIG, TAG_KICK, TAG_HS };

static void stop(struct tlshd *d, int status)
{
	d->exit_status = status;
	atomic_store(&d->stopping, true);
}

/* One of the main thread's fds is readable (in worker 0's loop). */
static void main_event(struct tlshd *d, unsigned int tag)
{
	struct signalfd_siginfo si;
	uint32_t id;
	uint64_t v;
	int conn, r;

	switch (tag) {
	case TAG_READY:
		do {
			r = tlsh_nl_read_ready(&d->ready, &id);
		} while (r == 0 || r == -ENOBUFS || r == -EINTR);
		drain(d);
		break;
	case TAG_EVENTS:
		tlshd_events_read(d);
		break;
	case TAG_KICK:
		if (read(d->kick, &v, sizeof(v)) < 0)
			v = 0;
		drain(d);
		tlshd_hs_claim(d);
		break;
	case TAG_HS:
		tlshd_hs_event(d);
		break;
	case TAG_CTL:
		conn = accept4(d->ctl, NULL, NULL, SOCK_CLOEXEC);
		if (conn >= 0) {
			handle_request(d, conn);
			close(conn);
		}
		break;
	case TAG_SIG:
		if (read(d->sig, &si, sizeof(si)) != sizeof(si))
			break;
		if (si.ssi_signo == SIGHUP) {
			tlshd_log("SIGHUP: reloading");
			tlshd_reload(d, NULL, 0);
			break;
		}
		tlshd_log("signal %u: stopping", si.ssi_signo);
		stop(d, EXIT_SUCCESS);
		break;
	}
}

/* Before every wait: the periodic reconcile; how long the loop may sleep. */
static int main_tick(struct tlshd *d)
{
	int64_t wait = d->next_reconcile - tlsh_now_ms();

	if (!d->cmd.sock)
		return -1;
	if (wait > 0)
		return (int)wait;
	if (reconcile(d)) {
		/* Its READY group went with it: a restart is needed. */
		tlshd_log("tlsh.ko was unloaded: stopping");
		stop(d, TLSH_EXIT_NOT_LOADED);
		return 0;
	}
	return RECONCILE_MS;
}

/* DONE: the handshake's outcome, to tlsh.ko. */
static int report_done(struct tlshd_worker *w, int fd, uint32_t status,
		       char *err, size_t errlen)
{
	int e = tlsh_nl_done(&w->nl, fd, status);

	if (e)
		snprintf(err, errlen, "%s", w->nl.errmsg);
	return e;
}

static const struct tlshd_ops daemon_ops = {
	.main_event = main_event,
	.main_tick = main_tick,
	.install = tlshd_install_ktls,
	.report = report_done,
};

int tlsh_daemon_run(const struct tlsh_daemon_opts *o)
{
	struct tlshd dd, *d = &dd;
	char err[300], sockpath[512];
	sigset_t mask;
	long ncpu;
	int e;

	memset(d, 0, sizeof(*d));
	d->o = o;
	d->ctl = d->sig = d->kick = -1;
	d->exit_status = EXIT_FAILURE;
	d->ops = &daemon_ops;
	d->max_claimed = o->max_claimed ? o->max_claimed : DEFAULT_MAX_CLAIMED;
	d->max_claimed = fd_budget(d->max_claimed);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;

	/* Signals go to the main thread's signalfd only. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	e = tlsh_nl_open(&d->cmd);
	if (e) {
		tlshd_log("%s", d->cmd.errmsg);
		if (e != -ENOENT)
			return EXIT_FAILURE;
		/* Maybe the kernel's own handshake agent (tlshd_hs_start). */
		d->cmd.sock = NULL;
	}
	e = d->cmd.sock ? tlsh_nl_open(&d->ready) : 0;
	if (!e && d->cmd.sock)
		e = tlsh_nl_join_ready(&d->ready);
	if (e) {
		tlshd_log("%s", d->ready.errmsg);
		tlsh_nl_close(&d->ready);
		tlsh_nl_close(&d->cmd);
		return e == -ENOENT ? TLSH_EXIT_NOT_LOADED : EXIT_FAILURE;
	}
	if (d->cmd.sock)
		tlshd_events_open(d);
	d->ctl = tlsh_ctl_listen(err, sizeof(err));
	if (d->ctl < 0) {
		tlshd_log("%s", err);
		d->ctl = -1;
		goto out;
	}
	d->sig = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->sig < 0 || d->kick < 0) {
		tlshd_log("setup: %s", strerror(errno));
		goto out;
	}
	if (tlshd_workers_start(d, o->workers ? o->workers : (unsigned int)ncpu))
		goto out;
	d->max_active = o->max_active ? o->max_active :
					 TLSH_DAEMON_DEFAULT_MAX_ACTIVE;
	if (d->max_claimed / d->n_workers > d->max_active)
		d->max_claimed = d->max_active * d->n_workers;
	/* The main thread's fds go into worker 0's epoll: it runs here. */
	if ((d->cmd.sock &&
	     tlshd_watch_main(d, tlsh_nl_fd(&d->ready), TAG_READY)) ||
	    tlshd_watch_main(d, d->ctl, TAG_CTL) ||
	    tlshd_watch_main(d, d->sig, TAG_SIG) ||
	    tlshd_watch_main(d, d->kick, TAG_KICK) ||
	    (d->evsub.sock &&
	     tlshd_watch_main(d, tlsh_nl_fd(&d->evsub), TAG_EVENTS))) {
		tlshd_log("setup: %s", strerror(errno));
		goto out;
	}

	/* Serving the kernel's handshake requests, or saying why not. */
	e = tlshd_hs_start(d, o->tlshd_config, TAG_HS);
	if (!d->cmd.sock && e) {
		if (e > 0)
			d->exit_status = TLSH_EXIT_NOT_LOADED;
		goto out;
	}
	tlshd_warm_ktls();
	load_state(d);
	if (o->config && tlshd_load_config(d, o->config))
		tlshd_log("%s: some entries were not attached", o->config);
	tlshd_log("running: pid %d, %u workers, at most %u handshakes at once, control socket %s",
		(int)getpid(), d->n_workers, d->max_claimed,
		tlsh_daemon_path("daemon.sock", sockpath, sizeof(sockpath)));
	drain(d);	/* what waited while no daemon ran */
	d->next_reconcile = tlsh_now_ms() + RECONCILE_MS;
	tlshd_run_main(d);
out:
	if (d->workers)
		tlshd_workers_stop(d);
	tlshd_hs_stop(d);	/* after the workers: their requests use it */
	while (d->listeners)
		tlshd_unlink_listener(d, d->listeners);
	if (d->ctl >= 0) {
		close(d->ctl);
		unlink(tlsh_daemon_path("daemon.sock", sockpath,
					sizeof(sockpath)));
	}
	if (d->sig >= 0)
		close(d->sig);
	if (d->kick >= 0)
		close(d->kick);
	tlsh_nl_close(&d->evsub);
	tlsh_nl_close(&d->ready);
	tlsh_nl_close(&d->cmd);
	return d->exit_status;
}
