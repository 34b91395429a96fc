// SPDX-License-Identifier: GPL-2.0
/*
 * `tlshelper daemon`: the config file, at startup and on reload.
 *
 * A reload (SIGHUP, or `tlshelper reload` through the control socket) runs
 * in two phases on the main thread. First everything is loaded, nothing
 * changed: the config file parsed, the credentials of each of its lines
 * loaded, and those of every listener `attach` gave (from the paths its
 * state line keeps). Any failure ends the reload there, with one log line,
 * and the daemon goes on exactly as before. Then it commits, with nothing
 * left that reads a file: each listener gets its new creds (handshakes in
 * flight keep a reference to the old ones, freed with the last of them,
 * daemon_worker.c), the listeners of lines that are gone are detached, and
 * new lines attached (the one step that may still fail: no socket listens
 * on the port yet; it is logged and the reload reports failure, the rest
 * applied). Listeners stay attached throughout: the module never sees a
 * reload.
 *
 * What a listener's line fixes at ATTACH (timeout=, max-in-flight=,
 * close-notify=) stays as attached; changing it needs a detach.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon_hs.h"
#include "daemon/daemon_reload.h"

/* One "listen" line of the config file. */
struct config_line {
	struct tlsh_spec spec;
	unsigned int lineno;
	char key[TLSHD_CONFIG_KEY_MAX];
	struct tlshd_creds *creds;	/* reload: loaded in phase one */
	bool matched;			/* reload: a listener has this line */
};

struct config {
	struct config_line *lines;
	size_t n;
};

static void config_free(struct config *c)
{
	for (size_t i = 0; i < c->n; i++) {
		tlsh_spec_free(&c->lines[i].spec);
		tlshd_creds_put(c->lines[i].creds);
	}
	free(c->lines);
	c->lines = NULL;
	c->n = 0;
}

const char *tlshd_config_key(const struct tlsh_spec *s, char *buf, size_t len)
{
	if (s->line_pid)	/* a listener attached for a "pid= fd=" line */
		snprintf(buf, len, "pid=%d fd=%d", (int)s->line_pid,
			 s->line_fd);
	else if (s->port)
		snprintf(buf, len, "port=%d", s->port);
	else
		snprintf(buf, len, "pid=%d fd=%d", (int)s->pid, s->fd);
	return buf;
}

int tlshd_mark_config(struct tlshd_listener *l, const char *key)
{
	char *k;

	if (!l)
		return -1;
	if (l->config_key && !strcmp(l->config_key, key))
		return 0;
	k = strdup(key);
	if (!k)
		return -1;
	free(l->config_key);
	l->config_key = k;
	return 0;
}

/* One line parsed into *line; 1 if it says nothing, 0, or -1 and err. */
static int config_parse(char *text, struct config_line *line, char *err,
			size_t errlen)
{
	const char *verb;

	if (strspn(text, " \t\r\n") == strlen(text) ||
	    text[strspn(text, " \t")] == '#')
		return 1;
	if (tlsh_spec_parse(text, &verb, &line->spec, err, errlen))
		return -1;
	if (strcmp(verb, "listen"))
		return tlsh_err_msg(err, errlen, "unknown directive '%s'", verb);
	if (tlsh_spec_check(&line->spec, err, errlen))
		return -1;
	if (!line->spec.port && (!line->spec.pid || line->spec.fd < 0))
		return tlsh_err_msg(err, errlen, "needs port=, or pid= and fd=");
	tlshd_config_key(&line->spec, line->key, sizeof(line->key));
	return 0;
}

/*
 * Read the config file at path into c. A line that does not parse is
 * logged and skipped when keep_going (startup), else it ends the read with
 * "PATH:LINE: why" in err. 0, or -1 (c then holds the good lines).
 */
static int config_read(const char *path, struct config *c, bool keep_going,
		       char *err, size_t errlen)
{
	char text[TLSH_LINE_MAX], why[300];
	unsigned int lineno = 0;
	FILE *f = fopen(path, "re");
	int bad = 0;

	memset(c, 0, sizeof(*c));
	if (!f) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		if (keep_going)
			tlshd_log("%s", err);
		return -1;
	}
	while (fgets(text, sizeof(text), f)) {
		struct config_line *grown, line = { 0 };
		int r;

		lineno++;
		r = config_parse(text, &line, why, sizeof(why));
		if (r > 0)
			continue;
		grown = r ? NULL : realloc(c->lines, (c->n + 1) * sizeof(*grown));
		if (!r && !grown)
			snprintf(why, sizeof(why), "out of memory");
		if (!grown) {
			tlsh_spec_free(&line.spec);
			snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
			bad = -1;
			if (!keep_going)
				break;
			tlshd_log("%s", err);
			continue;
		}
		line.lineno = lineno;
		c->lines = grown;
		c->lines[c->n++] = line;
	}
	fclose(f);
	return bad;
}

int tlshd_load_config(struct tlshd *d, const char *path)
{
	char err[400];
	struct config c;
	int bad = config_read(path, &c, true, err, sizeof(err));

	for (size_t i = 0; i < c.n; i++) {
		struct config_line *line = &c.lines[i];

		line->creds = tlshd_creds_load(&line->spec.profile, err,
					       sizeof(err));
		if (!line->creds ||
		    tlshd_config_listen(d, &line->spec, line->creds, err,
					sizeof(err))) {
			tlshd_log("%s:%u: %s", path, line->lineno, err);
			bad = -1;
		}
	}
	tlshd_save_state(d);	/* restored listeners took their lines' files */
	config_free(&c);
	return bad;
}

/* What phase one prepared for one listener. */
struct reload_item {
	struct tlshd_creds *creds;	/* NULL: its line is gone, detach */
	/* The config line's profile, for the listener's spec (state file). */
	struct tlsh_profile profile;
	bool from_line;
	bool attach_opts_changed;
};

static struct config_line *config_find(struct config *c, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->lines[i].key, key))
			return &c->lines[i];
	return NULL;
}

/* A copy of p into *out (through its key=value form); 0 or -1. */
static int profile_copy(const struct tlsh_profile *p, struct tlsh_profile *out,
			char *err, size_t errlen)
{
	char text[TLSH_LINE_MAX];
	struct tlsh_line o = { text, sizeof(text), false };
	struct tlsh_spec copy;
	const char *verb;

	tlsh_line_put(&o, "listen");
	tlsh_profile_format(p, &o);
	if (o.overflow)
		return tlsh_err_msg(err, errlen, "settings too long");
	if (tlsh_spec_parse(text, &verb, &copy, err, errlen)) {
		tlsh_spec_free(&copy);
		return -1;
	}
	*out = copy.profile;
	tlsh_profile_init(&copy.profile);
	tlsh_spec_free(&copy);
	return 0;
}

static bool attach_opts_differ(const struct tlsh_spec *a,
			       const struct tlsh_spec *b)
{
	return a->timeout_ms != b->timeout_ms ||
	       a->max_in_flight != b->max_in_flight ||
	       a->close_notify != b->close_notify;
}

int tlshd_listener_take_line(struct tlshd_listener *l,
			     const struct tlsh_spec *spec,
			     struct tlshd_creds *creds, char *err,
			     size_t errlen)
{
	struct tlsh_profile profile;

	if (profile_copy(&spec->profile, &profile, err, errlen))
		return -1;
	atomic_fetch_add(&creds->refs, 1);
	tlshd_listener_set_creds(l, creds);
	tlsh_profile_free(&l->spec.profile);
	l->spec.profile = profile;
	if (attach_opts_differ(spec, &l->spec))
		tlshd_log("listener %u: timeout=, max-in-flight= and close-notify= stay as attached: detach it to change them",
			  l->id);
	return 0;
}

/*
 * Phase one for the listeners: their new creds (shared with their config
 * line's, or loaded from their own paths). 0, or -1 and err.
 */
static int prepare_listeners(struct tlshd *d, struct config *c,
			     struct reload_item *items, char *err,
			     size_t errlen)
{
	struct tlshd_listener *l;
	size_t i = 0;

	for (l = d->listeners; l; l = l->next, i++) {
		struct reload_item *it = &items[i];
		struct config_line *line = l->config_key && d->o->config ?
			config_find(c, l->config_key) : NULL;
		char why[300];

		if (line) {
			line->matched = true;
			atomic_fetch_add(&line->creds->refs, 1);
			it->creds = line->creds;
			it->from_line = true;
			it->attach_opts_changed =
				attach_opts_differ(&line->spec, &l->spec);
			if (profile_copy(&line->spec.profile, &it->profile,
					 why, sizeof(why)))
				return tlsh_err_msg(err, errlen, "%s:%u: %s",
					d->o->config, line->lineno, why);
			continue;
		}
		if (l->config_key && d->o->config)
			continue;	/* its line is gone */
		it->creds = tlshd_creds_load(&l->spec.profile, why, sizeof(why));
		if (!it->creds)
			return tlsh_err_msg(err, errlen, "listener %u: %s",
					    l->id, why);
	}
	return 0;
}

static void detach_listener(struct tlshd *d, struct tlshd_listener *l)
{
	int e = tlsh_nl_detach(&d->cmd, l->id);

	if (e && e != -ESRCH)	/* ESRCH: its socket was closed already */
		tlshd_log("listener %u: %s", l->id, d->cmd.errmsg);
	tlshd_log("listener %u detached: its line (%s) is gone from %s",
		  l->id, l->config_key, d->o->config);
	tlshd_unlink_listener(d, l);
}

/* Phase two: nothing here reads a file. Counts what it did. */
static void commit_listeners(struct tlshd *d, struct reload_item *items,
			     unsigned int *reloaded, unsigned int *detached)
{
	struct tlshd_listener *l, *next;
	size_t i = 0;

	for (l = d->listeners; l; l = next, i++) {
		struct reload_item *it = &items[i];

		next = l->next;
		if (!it->creds) {
			detach_listener(d, l);
			(*detached)++;
			continue;
		}
		tlshd_listener_set_creds(l, it->creds);
		it->creds = NULL;
		(*reloaded)++;
		if (!it->from_line)
			continue;
		tlsh_profile_free(&l->spec.profile);
		l->spec.profile = it->profile;
		tlsh_profile_init(&it->profile);
		if (it->attach_opts_changed)
			tlshd_log("listener %u: timeout=, max-in-flight= and close-notify= stay as attached: detach it to change them",
				  l->id);
	}
}

static void items_free(struct reload_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		tlshd_creds_put(items[i].creds);
		tlsh_profile_free(&items[i].profile);
	}
	free(items);
}

int tlshd_reload(struct tlshd *d, char *reply, size_t len)
{
	unsigned int reloaded = 0, detached = 0, attached = 0, failed = 0;
	unsigned int hs_failed;
	struct config c = { 0 };
	struct reload_item *items = NULL;
	struct tlshd_listener *l;
	char err[400], sentence[600];
	size_t n = 0, i;

	for (l = d->listeners; l; l = l->next)
		n++;
	/* Phase one: load everything, change nothing. */
	if (d->o->config && config_read(d->o->config, &c, false, err,
					sizeof(err)))
		goto refuse;
	for (i = 0; i < c.n; i++) {
		char why[300];

		c.lines[i].creds = tlshd_creds_load(&c.lines[i].spec.profile,
						    why, sizeof(why));
		if (!c.lines[i].creds) {
			snprintf(err, sizeof(err), "%s:%u: %s", d->o->config,
				 c.lines[i].lineno, why);
			goto refuse;
		}
	}
	items = calloc(n ? n : 1, sizeof(*items));
	if (!items) {
		snprintf(err, sizeof(err), "out of memory");
		goto refuse;
	}
	for (i = 0; i < n; i++)
		tlsh_profile_init(&items[i].profile);
	if (prepare_listeners(d, &c, items, err, sizeof(err)))
		goto refuse;

	/* Phase two: commit. */
	commit_listeners(d, items, &reloaded, &detached);
	for (i = 0; i < c.n; i++) {
		struct config_line *line = &c.lines[i];
		struct tlshd_listener *before = d->listeners;

		if (line->matched)
			continue;
		if (tlshd_config_listen(d, &line->spec, line->creds, err,
					sizeof(err))) {
			tlshd_log("%s:%u: %s", d->o->config, line->lineno, err);
			failed++;
		} else {
			for (l = d->listeners; l != before; l = l->next)
				attached++;
		}
	}
	tlshd_save_state(d);
	/* The kernel's handshake agent: its own file, kept if it fails. */
	hs_failed = tlshd_hs_reload(d) != 0;
	snprintf(sentence, sizeof(sentence),
		 "reloaded: %u listener%s with new credentials, %u attached, %u detached%s%s",
		 reloaded, reloaded == 1 ? "" : "s", attached, detached,
		 failed ? "; some new lines could not be attached (logged)" : "",
		 hs_failed ? "; the handshake agent's configuration was refused (logged), its previous one stays" : "");
	failed += hs_failed;
	tlshd_log("%s", sentence);
	if (reply)
		snprintf(reply, len, "%s %s", failed ? "error" : "ok", sentence);
	items_free(items, n);
	config_free(&c);
	return failed ? -1 : 0;
refuse:
	tlshd_log("reload refused, the old configuration stays: %s", err);
	if (reply)
		snprintf(reply, len,
			 "error reload refused, the old configuration stays: %s",
			 err);
	if (items)
		items_free(items, n);
	config_free(&c);
	return -1;
}
