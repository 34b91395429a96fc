/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `tlshelper daemon`: the config file at startup, and the live reload
 * (SIGHUP, the control socket's "reload" request) that reads it and every
 * listener's certificate, key and CA files again (daemon_reload.c); the
 * pieces of the main thread (daemon.c) it uses.
 */
#ifndef TLSH_DAEMON_RELOAD_H
#define TLSH_DAEMON_RELOAD_H

#include <stddef.h>

#include "daemon/daemon_worker.h"

/* "port=443" or "pid=1234 fd=5": which config line a listener is from. */
#define TLSHD_CONFIG_KEY_MAX	48

/* ---- daemon_reload.c ---- */

/*
 * Startup: attach what each line of the config file at path lists; a line
 * that fails is logged with its number and skipped. 0, or -1 if any failed.
 */
int tlshd_load_config(struct tlshd *d, const char *path);

/*
 * Load everything again: the config file (if the daemon has one) and the
 * files of every listener's profile, those of the config file's lines and
 * those `attach` gave. Only once all of it loaded does anything change:
 * each listener's new handshakes then use the new credentials (those in
 * flight finish with the old), listeners whose line is gone are detached,
 * new lines attached. Otherwise nothing changes. One log line says what
 * happened; reply (len bytes, if not NULL) gets "ok SENTENCE" or "error
 * SENTENCE". 0, or -1 if anything was refused or failed.
 */
int tlshd_reload(struct tlshd *d, char *reply, size_t len);

/* The key of a config line's spec (port=, or pid= and fd=) into buf. */
const char *tlshd_config_key(const struct tlsh_spec *s, char *buf, size_t len);
/* l (may be NULL: -1) is the listener of the config line with key. 0/-1. */
int tlshd_mark_config(struct tlshd_listener *l, const char *key);

/* ---- daemon.c, the main thread ---- */

/* Rewrite TLSH_DAEMON_DIR/listeners from d->listeners. */
void tlshd_save_state(struct tlshd *d);
/* Take l out of the table and drop the table's reference. */
void tlshd_unlink_listener(struct tlshd *d, struct tlshd_listener *l);
/*
 * Attach every socket a checked "listen" line names with creds (loaded from
 * the line), each marked with the line's key; 0 also when they are attached
 * already. -1 and err.
 */
int tlshd_config_listen(struct tlshd *d, struct tlsh_spec *spec,
			struct tlshd_creds *creds, char *err, size_t errlen);
/*
 * l, served already when its config line (spec, creds loaded from it) is
 * read, takes the line's settings and a reference to creds. 0 or -1.
 */
int tlshd_listener_take_line(struct tlshd_listener *l,
			     const struct tlsh_spec *spec,
			     struct tlshd_creds *creds, char *err,
			     size_t errlen);

#endif
