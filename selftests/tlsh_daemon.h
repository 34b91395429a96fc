/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stand-in daemon of the module selftests (tlsh_attach*.c,
 * tlsh_faults.c, tlsh_records.c, tlsh_sock_faults.c): a thread that joins
 * READY, claims every connection with ACCEPT and, by its mode, "does the
 * handshake" (installs the fixed keys of tlsh_handoff.h and sends DONE 0),
 * fails it, or holds the connection. Include after kselftest_harness.h.
 */
#ifndef TLSH_SELFTEST_DAEMON_H
#define TLSH_SELFTEST_DAEMON_H

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "os/ktls.h"
#include "os/nl.h"
#include "tlsh_handoff.h"

enum daemon_mode {
	D_OK,		/* keys, DONE 0, close */
	D_DONE_ERR,	/* DONE EPROTO, close */
	D_CLOSE,	/* close without DONE */
	D_HOLD,		/* keep the fd, no DONE */
	D_IGNORE,	/* listen to READY, never ACCEPT */
	D_GATED,	/* keys, then DONE 0 and close when the gate opens */
};

struct daemon {
	pthread_t thread;
	atomic_int mode;	/* enum daemon_mode */
	uint16_t version;	/* of the keys it installs */
	struct tlsh_nl ready;
	struct tlsh_nl cmd;
	atomic_bool stop;
	atomic_bool gate;
	atomic_int claimed;
	atomic_int errors;
	atomic_int readies;
	int held[64];
	int n_held;
	char errmsg[512];
};

static inline void daemon_error(struct daemon *d, const char *what, int err)
{
	if (!d->errmsg[0])
		snprintf(d->errmsg, sizeof(d->errmsg), "%s: %s (%s)", what,
			 strerror(-err), d->cmd.errmsg);
	atomic_fetch_add(&d->errors, 1);
}

/* The stand-in handshake on claimed fd: server keys, then DONE 0. */
static inline int fake_handshake(struct tlsh_nl *nl, int fd, uint16_t version,
				 const char **step)
{
	int err;

	*step = "install";
	err = install_keys(fd, version, true);
	if (err)
		return err;
	*step = "DONE";
	return tlsh_nl_done(nl, fd, 0);
}

/*
 * The daemon's job for one connection, done by hand: claim one of listener
 * id (any if 0), handshake (TLS 1.3), close. The hand-off has happened
 * when this returns 0 (the final close runs before close() returns).
 */
static inline int hand_off_one(struct tlsh_nl *nl, uint32_t id, uint32_t *from)
{
	const char *step;
	int fd, err;

	err = tlsh_nl_accept(nl, id, &fd, from);
	if (err)
		return err;
	err = fake_handshake(nl, fd, TLSH_TLS13, &step);
	close(fd);
	return err;
}

static inline void daemon_handle(struct daemon *d, int fd)
{
	const char *step;
	int err;

	switch (atomic_load(&d->mode)) {
	case D_OK:
		err = fake_handshake(&d->cmd, fd, d->version, &step);
		if (err)
			daemon_error(d, step, err);
		break;
	case D_DONE_ERR:
		err = tlsh_nl_done(&d->cmd, fd, EPROTO);
		if (err)
			daemon_error(d, "DONE error", err);
		break;
	case D_GATED:
		err = install_keys(fd, d->version, true);
		if (err)
			daemon_error(d, "install", err);
		/* fall through */
	case D_HOLD:
		if (d->n_held < (int)(sizeof(d->held) / sizeof(d->held[0]))) {
			d->held[d->n_held++] = fd;
			return;
		}
		daemon_error(d, "hold", -ENOSPC);
		break;
	default:
		break;
	}
	close(fd);
}

static inline void daemon_release_gated(struct daemon *d)
{
	int i, err;

	for (i = 0; i < d->n_held; i++) {
		err = tlsh_nl_done(&d->cmd, d->held[i], 0);
		if (err)
			daemon_error(d, "DONE", err);
		close(d->held[i]);
	}
	d->n_held = 0;
}

static inline void *daemon_main(void *arg)
{
	struct daemon *d = arg;
	uint32_t id;
	int fd, err;

	while (!atomic_load(&d->stop)) {
		struct pollfd p = { .fd = tlsh_nl_fd(&d->ready),
				    .events = POLLIN };

		poll(&p, 1, 20);
		while (tlsh_nl_read_ready(&d->ready, &id) == 0)
			atomic_fetch_add(&d->readies, 1);
		if (atomic_load(&d->mode) == D_GATED && atomic_load(&d->gate))
			daemon_release_gated(d);
		if (atomic_load(&d->mode) == D_IGNORE)
			continue;
		for (;;) {
			err = tlsh_nl_accept(&d->cmd, 0, &fd, NULL);
			if (err == -EAGAIN)
				break;
			if (err) {
				daemon_error(d, "ACCEPT", err);
				break;
			}
			atomic_fetch_add(&d->claimed, 1);
			daemon_handle(d, fd);
		}
	}
	return NULL;
}

/* Start the daemon thread, installing keys of the given TLS version. */
static inline int daemon_start_version(struct daemon *d, enum daemon_mode mode,
				       uint16_t version)
{
	memset(d, 0, sizeof(*d));
	atomic_store(&d->mode, mode);
	d->version = version;
	if (tlsh_nl_open(&d->ready))
		return -1;
	if (tlsh_nl_open(&d->cmd)) {
		tlsh_nl_close(&d->ready);
		return -1;
	}
	if (daemon_join(&d->ready, &d->cmd) ||
	    pthread_create(&d->thread, NULL, daemon_main, d)) {
		tlsh_nl_close(&d->cmd);
		tlsh_nl_close(&d->ready);
		return -1;
	}
	return 0;
}

static inline int daemon_start(struct daemon *d, enum daemon_mode mode)
{
	return daemon_start_version(d, mode, TLSH_TLS13);
}

/* Stop the thread and close whatever it still holds. */
static inline void daemon_stop(struct daemon *d)
{
	int i;

	atomic_store(&d->stop, true);
	pthread_join(d->thread, NULL);
	for (i = 0; i < d->n_held; i++)
		close(d->held[i]);
	d->n_held = 0;
	tlsh_nl_close(&d->cmd);
	tlsh_nl_close(&d->ready);
}

#endif /* TLSH_SELFTEST_DAEMON_H */
